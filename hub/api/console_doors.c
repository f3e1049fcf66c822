/* The district pages and their JSON endpoints, each with the right that opens it: the role
 * rules themselves are console_may's (console_layout.c), so a page, its endpoint and its
 * home link never disagree, and a page's handler never checks a role again. A page or
 * endpoint adds one line to DOORS. Unlike console_routes.c's pages, a door may be an API
 * endpoint (answered in JSON, CSRF from the X-CSRF-Token header). */
#include "api/console_internal.h"
#include "api/console_layout.h"

#include <string.h>

#include "api/page_accounts.h"
#include "api/page_audit.h"
#include "api/page_enroll.h"
#include "api/page_me.h"
#include "api/page_posts.h"
#include "api/page_referrals.h"
#include "api/page_rekap.h"


typedef int (*door_fn)(struct console_exchange *x, const struct web_form *form);

static const char *const REVOKE_FIELDS[] = {"csrf", "id", NULL};
static const char *const ENROLL_FIELDS[] = {"csrf", "name", "village", "days", NULL};
static const char *const BUNDLE_FIELDS[] = {"csrf", "bundle", NULL};
static const char *const ACCOUNT_FIELDS[] = {"csrf", "name", "role", "agency", NULL};
static const char *const NAME_FIELDS[] = {"csrf", "name", NULL};
static const char *const LOCK_FIELDS[] = {"csrf", "month", NULL};
static const char *const ANSWER_FIELDS[] = {"csrf", "id", "answer", "note", NULL};
static const char *const OVERRIDE_FIELDS[] = {"csrf", "id", "reason", "agency", NULL};

static const struct door {
    const char *method, *path;
    bool api;
    enum console_right right;
    const char *const *form_fields; /* a page POST's fields, csrf included */
    door_fn run;
} DOORS[] = {
    {"GET", "/console/posts", false, RIGHT_POSTS, NULL, page_posts},
    {"GET", "/console/posts/revoke", false, RIGHT_POSTS_ADMIN, NULL, page_posts_revoke_confirm},
    {"POST", "/console/posts/revoke", false, RIGHT_POSTS_ADMIN, REVOKE_FIELDS,
     page_posts_revoke},
    {"POST", "/console/posts/enroll", false, RIGHT_POSTS_ADMIN, ENROLL_FIELDS, page_enroll},
    {"POST", "/console/posts/bundle", false, RIGHT_POSTS_ADMIN, BUNDLE_FIELDS,
     page_enroll_download},
    {"POST", "/console/posts/cancel", false, RIGHT_POSTS_ADMIN, BUNDLE_FIELDS,
     page_enroll_cancel},
    {"GET", "/api/v1/posts", true, RIGHT_POSTS, NULL, api_posts},
    {"POST", "/api/v1/posts/revoke", true, RIGHT_POSTS_ADMIN, NULL, api_posts_revoke},
    {"POST", "/api/v1/posts/enroll", true, RIGHT_POSTS_ADMIN, NULL, api_enroll},
    {"POST", "/api/v1/posts/bundle", true, RIGHT_POSTS_ADMIN, NULL, api_enroll_download},
    {"POST", "/api/v1/posts/cancel", true, RIGHT_POSTS_ADMIN, NULL, api_enroll_cancel},
    {"GET", "/console/me", false, RIGHT_ME, NULL, page_me},
    {"GET", "/console/me/chart.svg", false, RIGHT_ME, NULL, page_me_chart},
    {"GET", "/console/me/figure.csv", false, RIGHT_ME, NULL, page_me_csv},
    {"GET", "/api/v1/me", true, RIGHT_ME, NULL, api_me},
    {"GET", "/console/me/rekap", false, RIGHT_ME, NULL, page_rekap},
    {"POST", "/console/me/lock", false, RIGHT_MONTH_LOCK, LOCK_FIELDS, page_rekap_lock},
    {"GET", "/console/audit", false, RIGHT_AUDIT, NULL, page_audit},
    {"GET", "/api/v1/audit", true, RIGHT_AUDIT, NULL, api_audit},
    {"GET", "/console/accounts", false, RIGHT_ACCOUNTS, NULL, page_accounts},
    {"POST", "/console/accounts/add", false, RIGHT_ACCOUNTS, ACCOUNT_FIELDS, page_accounts_add},
    {"POST", "/console/accounts/disable", false, RIGHT_ACCOUNTS, NAME_FIELDS,
     page_accounts_disable},
    {"POST", "/console/accounts/reset", false, RIGHT_ACCOUNTS, NAME_FIELDS, page_accounts_reset},
    {"GET", "/api/v1/accounts", true, RIGHT_ACCOUNTS, NULL, api_accounts},
    {"GET", "/console/referrals", false, RIGHT_REFERRALS, NULL, page_referrals},
    {"POST", "/console/referrals/answer", false, RIGHT_ANSWER, ANSWER_FIELDS,
     page_referrals_answer},
    {"POST", "/console/referrals/override", false, RIGHT_OVERRIDE, OVERRIDE_FIELDS,
     page_referrals_override},
    {"GET", "/api/v1/referrals", true, RIGHT_REFERRALS, NULL, api_referrals},
    {"POST", "/api/v1/referrals/answer", true, RIGHT_ANSWER, NULL, api_referrals_answer},
};

#define DOOR_COUNT (sizeof DOORS / sizeof DOORS[0])

bool console_doors_allow(const char *path, enum hub_role role)
{
    for (size_t i = 0; i < DOOR_COUNT; i++)
        if (strcmp(DOORS[i].path, path) == 0 && strcmp(DOORS[i].method, "GET") == 0)
            return console_may(role, DOORS[i].right);
    return true;
}

static int refuse(struct console_exchange *x, bool api, unsigned status, const char *code,
                  const char *message)
{
    if (api)
        return console_api_error(x, status, code, message);
    return console_page_message(x, status, status == 405 ? MSG_BAD_REQUEST : MSG_FORBIDDEN);
}

/* A page's form: only its fields, the session's token; NULL after answering 4xx itself. */
static int page_form(struct console_exchange *x, const char *const *fields,
                     struct web_form **form)
{
    *form = NULL;
    int rc = web_form_parse(x->req, form);
    if (rc == 0 && web_form_only(*form, fields) != 0)
        rc = SAE_EINVAL;
    if (rc == SAE_ENOMEM)
        return rc;
    if (rc == 0 && console_csrf_ok(x, web_form_get(*form, "csrf")))
        return 0;
    web_form_free(*form);
    *form = NULL;
    if (rc != 0)
        return console_page_message(x, rc == SAE_ETOOBIG ? 413 : 400, MSG_BAD_REQUEST);
    return console_csrf_refuse(x, false);
}

static int enter(struct console_exchange *x, const struct door *door)
{
    if (!console_may(x->caller.account.role, door->right))
        return refuse(x, door->api, 403, "role", "this account's role may not use this");
    if (door->api && x->caller.account.conduct_ms == 0)
        return console_api_error(x, 403, "conduct", "accept the code of conduct first: POST "
                                 "/api/v1/conduct");
    bool post = strcmp(door->method, "POST") == 0;
    if (door->api && post) {
        char given[WEB_HEADER_BYTES] = "";
        web_request_header(x->req, CSRF_HEADER, given, sizeof given);
        if (!console_csrf_ok(x, given))
            return console_csrf_refuse(x, true);
    }
    if (door->api || !post)
        return door->run(x, NULL);
    struct web_form *form = NULL;
    int rc = page_form(x, door->form_fields, &form);
    if (rc == 0 && form)
        rc = door->run(x, form);
    web_form_free(form);
    return rc;
}

bool console_doors_serve(struct console_exchange *x, bool api, int *rc)
{
    const char *method = strcmp(x->req->method, "HEAD") == 0 ? "GET" : x->req->method;
    bool path_known = false;
    for (size_t i = 0; i < DOOR_COUNT; i++) {
        if (DOORS[i].api != api || strcmp(DOORS[i].path, x->req->path) != 0)
            continue;
        path_known = true;
        if (strcmp(DOORS[i].method, method) == 0) {
            *rc = enter(x, &DOORS[i]);
            return true;
        }
    }
    if (path_known) {
        x->resp->allow = "GET, POST";
        *rc = refuse(x, api, 405, "method", "this path does not take that method");
    }
    return path_known;
}
