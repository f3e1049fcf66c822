/* The console's data pages and their endpoints, each with the roles that may use it: the one
 * place the role rules are enforced (a page's handler never checks a role again).
 * A page or endpoint adds one line to DOORS. */
#include "api/console_internal.h"

#include <string.h>

#include "api/page_accounts.h"
#include "api/page_audit.h"
#include "api/page_me.h"
#include "api/page_posts.h"
#include "api/page_referrals.h"
#include "api/page_rekap.h"

#define ROLE(r) (1u << (r))
#define STAFF (ROLE(HUB_ROLE_OPERATOR) | ROLE(HUB_ROLE_COORDINATOR))
#define STAFF_AND_ADMIN (STAFF | ROLE(HUB_ROLE_ADMIN))
#define ADMIN ROLE(HUB_ROLE_ADMIN)
#define AUDITORS (ROLE(HUB_ROLE_ADMIN) | ROLE(HUB_ROLE_COORDINATOR))
#define PARTNER ROLE(HUB_ROLE_PARTNER)
#define COORDINATOR ROLE(HUB_ROLE_COORDINATOR)

typedef int (*door_fn)(struct console_exchange *x, const struct web_form *form);

static const char *const REVOKE_FIELDS[] = {"csrf", "id", NULL};
static const char *const ACCOUNT_FIELDS[] = {"csrf", "name", "role", "agency", NULL};
static const char *const NAME_FIELDS[] = {"csrf", "name", NULL};
static const char *const LOCK_FIELDS[] = {"csrf", "month", NULL};
static const char *const ANSWER_FIELDS[] = {"csrf", "id", "answer", "note", NULL};
static const char *const OVERRIDE_FIELDS[] = {"csrf", "id", "reason", "agency", NULL};

static const struct door {
    const char *method, *path;
    bool api;
    unsigned roles;
    const char *const *form_fields; /* a page POST's fields, csrf included */
    door_fn run;
} DOORS[] = {
    {"GET", "/console/posts", false, STAFF_AND_ADMIN, NULL, page_posts},
    {"GET", "/console/posts/revoke", false, ADMIN, NULL, page_posts_revoke_confirm},
    {"POST", "/console/posts/revoke", false, ADMIN, REVOKE_FIELDS, page_posts_revoke},
    {"GET", "/api/v1/posts", true, STAFF_AND_ADMIN, NULL, api_posts},
    {"POST", "/api/v1/posts/revoke", true, ADMIN, NULL, api_posts_revoke},
    {"GET", "/console/me", false, STAFF, NULL, page_me},
    {"GET", "/console/me/chart.svg", false, STAFF, NULL, page_me_chart},
    {"GET", "/console/me/figure.csv", false, STAFF, NULL, page_me_csv},
    {"GET", "/api/v1/me", true, STAFF, NULL, api_me},
    {"GET", "/console/me/rekap", false, STAFF, NULL, page_rekap},
    {"POST", "/console/me/lock", false, COORDINATOR, LOCK_FIELDS, page_rekap_lock},
    {"GET", "/console/audit", false, AUDITORS, NULL, page_audit},
    {"GET", "/api/v1/audit", true, AUDITORS, NULL, api_audit},
    {"GET", "/console/accounts", false, ADMIN, NULL, page_accounts},
    {"POST", "/console/accounts/add", false, ADMIN, ACCOUNT_FIELDS, page_accounts_add},
    {"POST", "/console/accounts/disable", false, ADMIN, NAME_FIELDS, page_accounts_disable},
    {"POST", "/console/accounts/reset", false, ADMIN, NAME_FIELDS, page_accounts_reset},
    {"GET", "/api/v1/accounts", true, ADMIN, NULL, api_accounts},
    {"GET", "/console/referrals", false, PARTNER | COORDINATOR, NULL, page_referrals},
    {"POST", "/console/referrals/answer", false, PARTNER, ANSWER_FIELDS, page_referrals_answer},
    {"POST", "/console/referrals/override", false, COORDINATOR, OVERRIDE_FIELDS,
     page_referrals_override},
    {"GET", "/api/v1/referrals", true, PARTNER | COORDINATOR, NULL, api_referrals},
    {"POST", "/api/v1/referrals/answer", true, PARTNER, NULL, api_referrals_answer},
};

#define DOOR_COUNT (sizeof DOORS / sizeof DOORS[0])

bool console_doors_allow(const char *path, enum hub_role role)
{
    for (size_t i = 0; i < DOOR_COUNT; i++)
        if (strcmp(DOORS[i].path, path) == 0 && strcmp(DOORS[i].method, "GET") == 0)
            return (DOORS[i].roles & ROLE(role)) != 0;
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
    return console_page_message(x, 403, MSG_FORBIDDEN);
}

static int enter(struct console_exchange *x, const struct door *door)
{
    if (!(door->roles & ROLE(x->caller.account.role)))
        return refuse(x, door->api, 403, "role", "this account's role may not use this");
    if (door->api && x->caller.account.conduct_ms == 0)
        return console_api_error(x, 403, "conduct", "accept the code of conduct first: POST "
                                 "/api/v1/conduct");
    bool post = strcmp(door->method, "POST") == 0;
    if (door->api && post) {
        char given[WEB_HEADER_BYTES] = "";
        web_request_header(x->req, CSRF_HEADER, given, sizeof given);
        if (!console_csrf_ok(x, given))
            return console_api_error(x, 403, "csrf", "send the session's csrf token in "
                                     "X-CSRF-Token");
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
