/* The console's route table and role rules (console_routes.h); matching and a page form's
 * reading are web/app/route.c's. */
#include "api/console_routes.h"

#include <string.h>

#include "api/api_cases.h"
#include "api/page_accounts.h"
#include "api/page_audit.h"
#include "api/page_case.h"
#include "api/page_conflicts.h"
#include "api/page_duplicates.h"
#include "api/page_me.h"
#include "api/page_enroll.h"
#include "api/page_erase.h"
#include "api/page_posts.h"
#include "api/page_referrals.h"
#include "api/page_rekap.h"
#include "api/page_reports.h"
#include "app/route.h"

#define ROLE_BIT(role) (1u << (role))

/* The role rules, in one table (the "Accounts and roles"): an admin sees no case
 * content unless also a coordinator; a partner none of these. */
static const unsigned RIGHTS[] = {
    [RIGHT_CASES] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_REVEAL] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_EDIT] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_REVIEW] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_RESOLVE] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_CONFLICTS] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_EXPORT] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_EXPORT_FULL] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_POSTS] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR) |
                    ROLE_BIT(HUB_ROLE_ADMIN),
    [RIGHT_POSTS_ADMIN] = ROLE_BIT(HUB_ROLE_ADMIN),
    [RIGHT_GRANT] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_ME] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_MONTH_LOCK] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    /* The hub serves one district: its coordinators see the district's audit. */
    [RIGHT_AUDIT] = ROLE_BIT(HUB_ROLE_ADMIN) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_REFERRALS] = ROLE_BIT(HUB_ROLE_PARTNER) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_ANSWER] = ROLE_BIT(HUB_ROLE_PARTNER),
    [RIGHT_OVERRIDE] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_ACCOUNTS] = ROLE_BIT(HUB_ROLE_ADMIN),
    /* Only a coordinator's session holds the district key to wrap for another. */
    [RIGHT_KEYS] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_ERASE] = ROLE_BIT(HUB_ROLE_COORDINATOR),
};

bool console_may(enum hub_role role, enum console_right right)
{
    return (size_t)right < sizeof RIGHTS / sizeof RIGHTS[0] &&
           (RIGHTS[right] & ROLE_BIT(role)) != 0;
}

/* A page POST's fields, "csrf" aside (web_route_form adds it). */
static const char *const CASE_EDIT_FIELDS[] = {"id", "field", "value", "unset", "reason", NULL};
static const char *const CASE_REVIEW_FIELDS[] = {"id", "state", "note", NULL};
static const char *const ID_FIELDS[] = {"id", NULL};
static const char *const ERASE_FIELDS[] = {"id", "reason", NULL};
static const char *const PAIR_FIELDS[] = {"a", "b", "decision", "note", NULL};
static const char *const DECIDE_FIELDS[] = {"conflict", "seen", "action", "value", "note",
                                            NULL};
static const char *const ACCOUNT_FIELDS[] = {"name", "role", "agency", NULL};
static const char *const NAME_FIELDS[] = {"name", NULL};
static const char *const ENROLL_FIELDS[] = {"name", "village", "days", NULL};
static const char *const BUNDLE_FIELDS[] = {"bundle", NULL};
static const char *const LOCK_FIELDS[] = {"month", NULL};
static const char *const ANSWER_FIELDS[] = {"id", "answer", "note", NULL};
static const char *const OVERRIDE_FIELDS[] = {"id", "reason", "agency", NULL};
static const char *const AGENCY_FIELDS[] = {"agency", NULL};

static const struct console_route {
    struct web_route at;
    enum console_right right;
    console_route_fn run;
} ROUTES[] = {
    {WEB_ROUTE_GET("/console/reports"), RIGHT_CASES, page_reports},
    {WEB_ROUTE_GET("/console/export"), RIGHT_EXPORT, page_export},
    {WEB_ROUTE_GET("/console/case"), RIGHT_CASES, page_case},
    {WEB_ROUTE_FORM("/console/case/reveal", ID_FIELDS), RIGHT_REVEAL, page_case_reveal},
    {WEB_ROUTE_FORM("/console/case/edit", CASE_EDIT_FIELDS), RIGHT_EDIT, page_case_edit},
    {WEB_ROUTE_FORM("/console/case/review", CASE_REVIEW_FIELDS), RIGHT_REVIEW, page_case_review},
    {WEB_ROUTE_GET("/console/case/erase"), RIGHT_ERASE, page_case_erase_confirm},
    {WEB_ROUTE_FORM("/console/case/erase", ERASE_FIELDS), RIGHT_ERASE, page_case_erase},
    {WEB_ROUTE_GET("/console/conflicts"), RIGHT_CONFLICTS, page_conflicts},
    {WEB_ROUTE_GET("/api/v1/reports"), RIGHT_CASES, api_reports},
    {WEB_ROUTE_GET("/api/v1/conflicts"), RIGHT_CONFLICTS, api_conflicts},
    {WEB_ROUTE_JSON("/api/v1/conflicts/decide"), RIGHT_RESOLVE, api_conflict_decide},
    {WEB_ROUTE_FORM("/console/conflicts/decide", DECIDE_FIELDS), RIGHT_RESOLVE, page_conflict_decide},
    {WEB_ROUTE_GET("/console/duplicates"), RIGHT_CASES, page_duplicates},
    {WEB_ROUTE_FORM("/console/duplicates/decide", PAIR_FIELDS), RIGHT_EDIT, page_duplicates_decide},
    {WEB_ROUTE_GET("/console/posts"), RIGHT_POSTS, page_posts},
    {WEB_ROUTE_GET("/console/posts/revoke"), RIGHT_POSTS_ADMIN, page_posts_revoke_confirm},
    {WEB_ROUTE_FORM("/console/posts/revoke", ID_FIELDS), RIGHT_POSTS_ADMIN, page_posts_revoke},
    {WEB_ROUTE_FORM("/console/posts/grant", ID_FIELDS), RIGHT_GRANT, page_posts_grant},
    {WEB_ROUTE_FORM("/console/posts/enroll", ENROLL_FIELDS), RIGHT_POSTS_ADMIN, page_enroll},
    {WEB_ROUTE_FORM("/console/posts/bundle", BUNDLE_FIELDS), RIGHT_POSTS_ADMIN, page_enroll_download},
    {WEB_ROUTE_FORM("/console/posts/cancel", BUNDLE_FIELDS), RIGHT_POSTS_ADMIN, page_enroll_cancel},
    {WEB_ROUTE_GET("/api/v1/posts"), RIGHT_POSTS, api_posts},
    {WEB_ROUTE_JSON("/api/v1/posts/revoke"), RIGHT_POSTS_ADMIN, api_posts_revoke},
    {WEB_ROUTE_JSON("/api/v1/posts/enroll"), RIGHT_POSTS_ADMIN, api_enroll},
    {WEB_ROUTE_JSON("/api/v1/posts/bundle"), RIGHT_POSTS_ADMIN, api_enroll_download},
    {WEB_ROUTE_JSON("/api/v1/posts/cancel"), RIGHT_POSTS_ADMIN, api_enroll_cancel},
    {WEB_ROUTE_GET("/console/me"), RIGHT_ME, page_me},
    {WEB_ROUTE_GET("/console/me/chart.svg"), RIGHT_ME, page_me_chart},
    {WEB_ROUTE_GET("/console/me/figure.csv"), RIGHT_ME, page_me_csv},
    {WEB_ROUTE_GET("/api/v1/me"), RIGHT_ME, api_me},
    {WEB_ROUTE_GET("/console/me/rekap"), RIGHT_ME, page_rekap},
    {WEB_ROUTE_FORM("/console/me/lock", LOCK_FIELDS), RIGHT_MONTH_LOCK, page_rekap_lock},
    {WEB_ROUTE_GET("/console/audit"), RIGHT_AUDIT, page_audit},
    {WEB_ROUTE_GET("/api/v1/audit"), RIGHT_AUDIT, api_audit},
    {WEB_ROUTE_GET("/console/accounts"), RIGHT_ACCOUNTS, page_accounts},
    {WEB_ROUTE_FORM("/console/accounts/add", ACCOUNT_FIELDS), RIGHT_ACCOUNTS, page_accounts_add},
    {WEB_ROUTE_FORM("/console/accounts/disable", NAME_FIELDS), RIGHT_ACCOUNTS, page_accounts_disable},
    {WEB_ROUTE_FORM("/console/accounts/reset", NAME_FIELDS), RIGHT_ACCOUNTS, page_accounts_reset},
    {WEB_ROUTE_FORM("/console/posts/key-reset", NAME_FIELDS), RIGHT_KEYS, page_accounts_key_reset},
    {WEB_ROUTE_GET("/api/v1/accounts"), RIGHT_ACCOUNTS, api_accounts},
    {WEB_ROUTE_GET("/console/referrals"), RIGHT_REFERRALS, page_referrals},
    {WEB_ROUTE_FORM("/console/referrals/answer", ANSWER_FIELDS), RIGHT_ANSWER, page_referrals_answer},
    {WEB_ROUTE_FORM("/console/referrals/override", OVERRIDE_FIELDS), RIGHT_OVERRIDE,
     page_referrals_override},
    {WEB_ROUTE_FORM("/console/referrals/grant", AGENCY_FIELDS), RIGHT_OVERRIDE,
     page_referrals_grant},
    {WEB_ROUTE_GET("/api/v1/referrals"), RIGHT_REFERRALS, api_referrals},
    {WEB_ROUTE_JSON("/api/v1/referrals/answer"), RIGHT_ANSWER, api_referrals_answer},
};

#define ROUTE_COUNT (sizeof ROUTES / sizeof ROUTES[0])

static bool is_api(const char *path)
{
    return strncmp(path, "/api/", 5) == 0;
}

bool console_routes_allow(const char *path, enum hub_role role)
{
    size_t i = 0;
    if (web_route_find(ROUTES, ROUTE_COUNT, sizeof ROUTES[0], "GET", path, &i) !=
        WEB_ROUTE_FOUND)
        return true;
    return console_may(role, ROUTES[i].right);
}

static int refuse(struct console_exchange *x, bool api, unsigned status, const char *code,
                  const char *message)
{
    return api ? console_api_error(x, status, code, message) : console_page_refused(x, status);
}

/* The API's own gates: the code of conduct accepted, a POST's token in its header. */
static bool api_admits(struct console_exchange *x, bool post, int *rc)
{
    if (x->caller.account.conduct_ms == 0) {
        *rc = console_api_error(x, 403, "conduct", "accept the code of conduct first: POST "
                                "/api/v1/conduct");
        return false;
    }
    char given[WEB_HEADER_BYTES] = "";
    web_request_header(x->req, CSRF_HEADER, given, sizeof given);
    if (post && !console_csrf_ok(x, given)) {
        *rc = console_csrf_refuse(x, true);
        return false;
    }
    return true;
}

/* The one place a route's right is checked, before anything else of the request is read. */
static int enter(struct console_exchange *x, const struct console_route *route)
{
    bool api = is_api(route->at.path), post = strcmp(route->at.method, "POST") == 0;
    if (!console_may(x->caller.account.role, route->right))
        return refuse(x, api, 403, "role", "this account's role may not use this");
    int rc = 0;
    if (api && !api_admits(x, post, &rc))
        return rc;
    if (api || !post)
        return route->run(x, NULL);
    struct web_form *form = NULL;
    unsigned refusal = 0;
    rc = web_route_form(x->req, &route->at, x->caller.csrf, &form, &refusal);
    if (rc == 0 && refusal == 403)
        rc = console_csrf_refuse(x, false);
    else if (rc == 0 && refusal != 0)
        rc = refuse(x, false, refusal, NULL, NULL);
    else if (rc == 0)
        rc = route->run(x, form);
    web_form_free(form);
    return rc;
}

bool console_routes_serve(struct console_exchange *x, int *rc)
{
    size_t i = 0;
    switch (web_route_find(ROUTES, ROUTE_COUNT, sizeof ROUTES[0], x->req->method, x->req->path,
                           &i)) {
    case WEB_ROUTE_FOUND:
        *rc = enter(x, &ROUTES[i]);
        return true;
    case WEB_ROUTE_METHOD:
        *rc = refuse(x, is_api(x->req->path),
                     web_route_refusal(ROUTES, ROUTE_COUNT, sizeof ROUTES[0], x->req->path,
                                       x->resp),
                     "method", "this path does not take that method");
        return true;
    case WEB_ROUTE_NONE:
        break;
    }
    return false;
}
