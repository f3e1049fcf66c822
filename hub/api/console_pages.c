/* The console's pages: sign in, sign out, change password, code of conduct, home. Built with
 * web/app/html.h (markup from literals only, every value escaped), every word from
 * web/app/msg.h. */
#include "api/console_internal.h"
#include "api/console_layout.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/web_page.h"
#include "app/html.h"
#include "app/password.h"

#define A(name, value) ((struct html_attr){name, value})
#define N(attrs) (sizeof attrs / sizeof attrs[0])

static const char *say(const struct console_exchange *x, enum msg_id id)
{
    return msg_get(x->lang, id);
}

static void hidden_csrf(struct html *h, const char *token)
{
    web_page_hidden(h, "csrf", token);
}

/* The language switch: a link to the other language that comes back to back. */
static void language_link(struct html *h, const struct console_exchange *x, const char *back)
{
    char href[96];
    snprintf(href, sizeof href, "/console/lang?to=%s&back=%s",
             x->lang == MSG_LANG_EN ? "id" : "en", back);
    const struct html_attr attrs[] = {A("href", href), A("id", "lang-switch"),
                                      A("lang", x->lang == MSG_LANG_EN ? "id" : "en")};
    html_element(h, "a", attrs, N(attrs), say(x, MSG_LANGUAGE_SWITCH));
}

static void topbar(struct html *h, const struct console_exchange *x, const char *back)
{
    const struct html_attr bar[] = {A("class", "topbar")};
    const struct html_attr brand[] = {A("class", "brand")};
    html_open(h, "header", bar, N(bar));
    html_open(h, "div", brand, N(brand));
    html_text(h, say(x, MSG_APP_NAME));
    html_element(h, "small", NULL, 0, say(x, MSG_CONSOLE));
    html_close(h, "div");
    const struct html_attr nav[] = {A("aria-label", say(x, MSG_ACCOUNT_SECTION))};
    html_open(h, "nav", nav, N(nav));
    language_link(h, x, back);
    if (x->signed_in) {
        const struct html_attr who[] = {A("class", "who"), A("id", "who")};
        html_element(h, "span", who, N(who), x->caller.account.name);
        const struct html_attr form[] = {A("method", "post"), A("action", "/console/sign-out")};
        const struct html_attr button[] = {A("type", "submit"), A("id", "sign-out")};
        html_open(h, "form", form, N(form));
        hidden_csrf(h, x->caller.csrf);
        html_element(h, "button", button, N(button), say(x, MSG_SIGN_OUT));
        html_close(h, "form");
    }
    html_close(h, "nav");
    html_close(h, "header");
}

void console_page_open(struct html *h, const struct console_exchange *x, enum msg_id title,
                       const char *back, bool narrow)
{
    const struct html_attr skip[] = {A("class", "skip"), A("href", "/console/#main")};
    const struct html_attr main_attrs[] = {A("id", "main"), A("class", narrow ? "narrow" : "")};
    web_page_head(h, x->lang, say(x, title), say(x, MSG_APP_NAME), "console.css");
    html_element(h, "a", skip, N(skip), say(x, MSG_SKIP_TO_CONTENT));
    topbar(h, x, back);
    html_open(h, "main", main_attrs, N(main_attrs));
}

int console_page_close(struct html *h, struct console_exchange *x, unsigned status)
{
    return web_page_finish(h, x->resp, status);
}

static void alert(struct html *h, const char *kind, const char *text)
{
    const struct html_attr attrs[] = {A("class", kind), A("role", "alert"), A("id", "alert")};
    if (text)
        html_element(h, "p", attrs, N(attrs), text);
}

/* A labelled input; the first of a form (first) has the keyboard's focus when the page
 * opens. */
static void field(struct html *h, const char *id, const char *type, const char *label,
                  const char *value, const char *autocomplete, bool first)
{
    const struct html_attr lab[] = {A("for", id)};
    const struct html_attr input[] = {A("id", id), A("name", id), A("type", type),
                                      A("value", value ? value : ""),
                                      A("autocomplete", autocomplete), A("required", NULL),
                                      A("autofocus", NULL)};
    html_element(h, "label", lab, N(lab), label);
    html_open(h, "input", input, N(input) - (first ? 0 : 1));
}

static void submit(struct html *h, const char *id, const char *label)
{
    const struct html_attr attrs[] = {A("type", "submit"), A("class", "primary"), A("id", id)};
    html_element(h, "button", attrs, N(attrs), label);
}

static void card_begin(struct html *h)
{
    const struct html_attr card[] = {A("class", "card")};
    html_open(h, "div", card, N(card));
}

/* The sign-in form, with a fresh pre-session token in its cookie and its hidden field. */
int console_page_sign_in(struct console_exchange *x, unsigned status, const char *error,
                         const char *notice, const char *name)
{
    char pre[SESSION_TOKEN_TEXT_BYTES];
    int rc = session_token_new(pre);
    if (rc == 0)
        rc = web_response_cookie(x->resp, CONSOLE_PRE_COOKIE, pre, "/console/", 0);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_SIGN_IN, "sign-in", true);
    card_begin(&h);
    html_element(&h, "h1", NULL, 0, say(x, MSG_SIGN_IN));
    const struct html_attr intro[] = {A("class", "intro")};
    html_element(&h, "p", intro, N(intro), say(x, MSG_SIGN_IN_INTRO));
    alert(&h, "alert error", error);
    alert(&h, "alert ok", notice);
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/sign-in")};
    html_open(&h, "form", form, N(form));
    hidden_csrf(&h, pre);
    field(&h, "name", "text", say(x, MSG_NAME), name, "username", name == NULL);
    field(&h, "password", "password", say(x, MSG_PASSWORD), NULL, "current-password",
          name != NULL);
    submit(&h, "submit", say(x, MSG_SIGN_IN));
    html_close(&h, "form");
    html_close(&h, "div");
    return console_page_close(&h, x, status);
}

static const enum msg_id ROLE_MSG[] = {MSG_ROLE_OPERATOR, MSG_ROLE_COORDINATOR, MSG_ROLE_ADMIN,
                                       MSG_ROLE_PARTNER};

/* The home page's sections: a page that exists adds its row here, with the roles that may
 * open it (its handler checks the role again), ROUTE_DECIDES for a page of the route
 * table: shown when console_may grants its route's right; a page of console_doors.c's table
 * is shown to the roles its door lets in. Only what exists is linked. */
#define ROUTE_DECIDES 0u
static const struct console_section {
    const char *path;
    enum msg_id label;
    unsigned roles;
} SECTIONS[] = {
    {"/console/reports", MSG_REPORTS, ROUTE_DECIDES},
    {"/console/conflicts", MSG_CONFLICTS, ROUTE_DECIDES},
    {"/console/duplicates", MSG_DUPLICATES, ROUTE_DECIDES},
    {"/console/posts", MSG_POSTS, EVERY_ROLE},
    {"/console/me", MSG_ME, EVERY_ROLE},
    {"/console/audit", MSG_AUDIT, EVERY_ROLE},
    {"/console/referrals", MSG_REFERRALS, EVERY_ROLE},
    {"/console/accounts", MSG_ACCOUNTS, EVERY_ROLE},
    {"/console/password", MSG_CHANGE_PASSWORD, EVERY_ROLE},
};

/* Home: who is signed in, and links to the sections this role may open. */
static int page_home(struct console_exchange *x)
{
    const struct hub_account *a = &x->caller.account;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_HOME, "home", false);
    html_open(&h, "h1", NULL, 0);
    html_text(&h, say(x, MSG_WELCOME));
    html_text(&h, ", ");
    html_text(&h, a->name);
    html_close(&h, "h1");
    card_begin(&h);
    const struct html_attr facts[] = {A("class", "facts")};
    html_open(&h, "dl", facts, N(facts));
    html_element(&h, "dt", NULL, 0, say(x, MSG_NAME));
    html_element(&h, "dd", NULL, 0, a->name);
    html_element(&h, "dt", NULL, 0, say(x, MSG_ROLE));
    const struct html_attr role[] = {A("id", "role")};
    html_element(&h, "dd", role, N(role), say(x, ROLE_MSG[a->role]));
    if (a->role == HUB_ROLE_PARTNER) {
        html_element(&h, "dt", NULL, 0, say(x, MSG_AGENCY));
        html_element(&h, "dd", NULL, 0, a->agency);
    }
    html_close(&h, "dl");
    html_close(&h, "div");
    html_element(&h, "h2", NULL, 0, say(x, MSG_SECTIONS));
    const struct html_attr list[] = {A("class", "sections"), A("id", "sections")};
    html_open(&h, "ul", list, N(list));
    for (size_t i = 0; i < N(SECTIONS); i++) {
        const struct console_route *route = console_route_find("GET", SECTIONS[i].path);
        bool shown = SECTIONS[i].roles == ROUTE_DECIDES
                         ? route && console_may(a->role, route->right)
                         : (SECTIONS[i].roles & ROLE_BIT(a->role)) != 0 &&
                               console_doors_allow(SECTIONS[i].path, a->role);
        if (!shown)
            continue;
        const struct html_attr link[] = {A("href", SECTIONS[i].path)};
        html_open(&h, "li", NULL, 0);
        html_element(&h, "a", link, N(link), say(x, SECTIONS[i].label));
        html_close(&h, "li");
    }
    html_close(&h, "ul");
    return console_page_close(&h, x, 200);
}

static int page_password(struct console_exchange *x, unsigned status, const char *error)
{
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_CHANGE_PASSWORD, "password", true);
    card_begin(&h);
    html_element(&h, "h1", NULL, 0, say(x, MSG_CHANGE_PASSWORD));
    alert(&h, "alert error", error);
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/password")};
    html_open(&h, "form", form, N(form));
    hidden_csrf(&h, x->caller.csrf);
    field(&h, "current", "password", say(x, MSG_CURRENT_PASSWORD), NULL, "current-password",
          true);
    field(&h, "new", "password", say(x, MSG_NEW_PASSWORD), NULL, "new-password", false);
    const struct html_attr hint[] = {A("class", "hint")};
    html_element(&h, "p", hint, N(hint), say(x, MSG_PASSWORD_RULE));
    field(&h, "again", "password", say(x, MSG_NEW_PASSWORD_AGAIN), NULL, "new-password",
          false);
    submit(&h, "submit", say(x, MSG_CHANGE_PASSWORD));
    html_close(&h, "form");
    html_close(&h, "div");
    return console_page_close(&h, x, status);
}

static int page_conduct(struct console_exchange *x)
{
    static const enum msg_id points[] = {MSG_CONDUCT_TEXT_1, MSG_CONDUCT_TEXT_2,
                                         MSG_CONDUCT_TEXT_3};
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_CONDUCT_TITLE, "conduct", false);
    card_begin(&h);
    html_element(&h, "h1", NULL, 0, say(x, MSG_CONDUCT_TITLE));
    const struct html_attr list[] = {A("class", "conduct")};
    html_open(&h, "ol", list, N(list));
    for (size_t i = 0; i < N(points); i++)
        html_element(&h, "li", NULL, 0, say(x, points[i]));
    html_close(&h, "ol");
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/conduct")};
    html_open(&h, "form", form, N(form));
    hidden_csrf(&h, x->caller.csrf);
    submit(&h, "accept", say(x, MSG_CONDUCT_ACCEPT));
    html_close(&h, "form");
    html_close(&h, "div");
    return console_page_close(&h, x, 200);
}

int console_page_message(struct console_exchange *x, unsigned status, enum msg_id text)
{
    struct html h;
    html_init(&h);
    console_page_open(&h, x, text, "home", true);
    card_begin(&h);
    alert(&h, "alert error", say(x, text));
    html_close(&h, "div");
    return console_page_close(&h, x, status);
}

/* Where the language switch may send back to: a fixed table, never a path from the query. */
static const char *back_path(const char *back)
{
    static const char *const names[][2] = {{"sign-in", "/console/sign-in"},
                                           {"password", "/console/password"},
                                           {"conduct", "/console/conduct"},
                                           {"posts", "/console/posts"},
                                           {"me", "/console/me"},
                                           {"audit", "/console/audit"},
                                           {"referrals", "/console/referrals"},
                                           {"accounts", "/console/accounts"}};
    for (size_t i = 0; back && i < N(names); i++)
        if (strcmp(back, names[i][0]) == 0)
            return names[i][1];
    return "/console/";
}

static int switch_language(struct console_exchange *x)
{
    char to[8] = "", back[16] = "";
    web_request_query(x->req, "to", to, sizeof to);
    web_request_query(x->req, "back", back, sizeof back);
    enum msg_lang lang = msg_lang_from(to);
    int rc = web_response_cookie(x->resp, MSG_LANG_COOKIE, msg_lang_code(lang), "/", 31536000);
    return rc == 0 ? web_response_redirect(x->resp, back_path(back)) : rc;
}

/* The form of a POST, with only the allowed fields; NULL after answering 400 itself. */
static int read_form(struct console_exchange *x, const char *const *allowed,
                     struct web_form **form)
{
    *form = NULL;
    int rc = web_form_parse(x->req, form);
    if (rc == 0 && web_form_only(*form, allowed) != 0) {
        web_form_free(*form);
        *form = NULL;
        rc = SAE_EINVAL;
    }
    if (rc == SAE_ENOMEM)
        return rc;
    return rc == 0 ? 0 : console_page_message(x, rc == SAE_ETOOBIG ? 413 : 400, MSG_BAD_REQUEST);
}

static int post_sign_in(struct console_exchange *x)
{
    static const char *const allowed[] = {"csrf", "name", "password", NULL};
    struct web_form *form = NULL;
    char pre[WEB_COOKIE_BYTES] = "", token[SESSION_TOKEN_TEXT_BYTES];
    char csrf[SESSION_TOKEN_TEXT_BYTES];
    int rc = read_form(x, allowed, &form);
    if (rc != 0 || !form)
        return rc;
    web_request_cookie(x->req, CONSOLE_PRE_COOKIE, pre, sizeof pre);
    if (!session_csrf_equal(pre, web_form_get(form, "csrf"))) {
        web_form_free(form);
        return console_page_message(x, 403, MSG_FORBIDDEN);
    }
    enum console_outcome outcome = CONSOLE_REFUSED;
    int64_t retry = 0;
    const char *name = web_form_get(form, "name");
    rc = console_sign_in(x, name, web_form_get(form, "password"), token, csrf, &outcome,
                         &retry);
    if (rc == 0 && outcome == CONSOLE_OK) {
        rc = web_response_cookie(x->resp, SESSION_COOKIE, token, "/", 0);
        if (rc == 0)
            rc = web_response_cookie_clear(x->resp, CONSOLE_PRE_COOKIE, "/console/");
        if (rc == 0)
            rc = web_response_redirect(x->resp, "/console/");
    } else if (rc == 0) {
        bool throttled = outcome == CONSOLE_THROTTLED;
        x->resp->retry_after_seconds = throttled ? (unsigned)retry : 0;
        rc = console_page_sign_in(x, throttled ? 429 : 401,
                                  say(x, throttled ? MSG_SIGN_IN_THROTTLED : MSG_SIGN_IN_FAILED),
                                  NULL, name);
    }
    sodium_memzero(token, sizeof token);
    web_form_free(form);
    return rc;
}

/* A page of the route table (console_layout.h): the role's right first, then for a form
 * its fields and CSRF token, before the page's handler runs. */
static int routed(struct console_exchange *x, const struct console_route *route, bool post)
{
    if (!console_may(x->caller.account.role, route->right))
        return console_page_message(x, 403, MSG_FORBIDDEN);
    if (!post)
        return route->handle(x, NULL);
    const char *allowed[WEB_FORM_FIELDS_MAX + 2] = {"csrf"};
    size_t n = 1;
    for (const char *const *f = route->fields; *f && n < WEB_FORM_FIELDS_MAX + 1; f++)
        allowed[n++] = *f;
    struct web_form *form = NULL;
    if (x->req->body_len == 0)
        return console_page_message(x, 403, MSG_FORBIDDEN);
    int rc = read_form(x, allowed, &form);
    if (rc != 0 || !form)
        return rc;
    rc = console_csrf_ok(x, web_form_get(form, "csrf")) ? route->handle(x, form)
                                                        : console_page_message(x, 403, MSG_FORBIDDEN);
    web_form_free(form);
    return rc;
}

static int post_signed_in(struct console_exchange *x, const char *path)
{
    const struct console_route *route = console_route_find("POST", path);
    if (route)
        return routed(x, route, true);
    static const char *const csrf_only[] = {"csrf", NULL};
    static const char *const password_fields[] = {"csrf", "current", "new", "again", NULL};
    bool password = strcmp(path, "/console/password") == 0;
    struct web_form *form = NULL;
    if (x->req->body_len == 0) /* no form, so no token */
        return console_page_message(x, 403, MSG_FORBIDDEN);
    int rc = read_form(x, password ? password_fields : csrf_only, &form);
    if (rc != 0 || !form)
        return rc;
    if (!console_csrf_ok(x, web_form_get(form, "csrf"))) {
        web_form_free(form);
        return console_page_message(x, 403, MSG_FORBIDDEN);
    }
    enum console_outcome outcome = CONSOLE_OK;
    if (strcmp(path, "/console/sign-out") == 0) {
        rc = console_sign_out(x);
        if (rc == 0)
            rc = web_response_cookie_clear(x->resp, SESSION_COOKIE, "/");
        if (rc == 0)
            rc = web_response_redirect(x->resp, "/console/sign-in");
    } else if (strcmp(path, "/console/conduct") == 0) {
        rc = console_accept_conduct(x);
        if (rc == 0)
            rc = web_response_redirect(x->resp, "/console/");
    } else if (password) {
        rc = console_change_password(x, web_form_get(form, "current"), web_form_get(form, "new"),
                                     web_form_get(form, "again"), &outcome);
        if (rc == 0 && outcome == CONSOLE_OK)
            rc = web_response_cookie_clear(x->resp, SESSION_COOKIE, "/");
        if (rc == 0 && outcome == CONSOLE_OK)
            rc = web_response_redirect(x->resp, "/console/sign-in?done=password");
        else if (rc == 0)
            rc = page_password(x, 400,
                               say(x, outcome == CONSOLE_REFUSED ? MSG_PASSWORD_WRONG
                                                                 : MSG_PASSWORD_MISMATCH));
    } else {
        rc = console_page_message(x, 404, MSG_NOT_FOUND);
    }
    web_form_free(form);
    return rc;
}

static int get_signed_in(struct console_exchange *x, const char *path)
{
    const struct console_route *route = console_route_find(x->req->method, path);
    if (route)
        return routed(x, route, false);
    if (strcmp(path, "/console/") == 0 || strcmp(path, "/console") == 0)
        return page_home(x);
    if (strcmp(path, "/console/password") == 0)
        return page_password(x, 200, NULL);
    if (strcmp(path, "/console/conduct") == 0)
        return page_conduct(x);
    if (strcmp(path, "/console/sign-in") == 0)
        return web_response_redirect(x->resp, "/console/");
    return console_page_message(x, 404, MSG_NOT_FOUND);
}

int console_pages_handle(struct console_exchange *x)
{
    const char *path = x->req->path, *method = x->req->method;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (!get && !post) {
        x->resp->allow = "GET, POST";
        return console_page_message(x, 405, MSG_BAD_REQUEST);
    }
    if (get && strcmp(path, "/console/lang") == 0)
        return switch_language(x);
    if (!x->signed_in) {
        if (post && strcmp(path, "/console/sign-in") == 0)
            return post_sign_in(x);
        if (get && strcmp(path, "/console/sign-in") == 0) {
            char done[16] = "";
            web_request_query(x->req, "done", done, sizeof done);
            return console_page_sign_in(x, 200, NULL,
                                        strcmp(done, "password") == 0
                                            ? say(x, MSG_PASSWORD_CHANGED)
                                            : NULL,
                                        NULL);
        }
        /* Anonymous: nothing here but the way to sign in. */
        return post ? console_page_message(x, 403, MSG_SESSION_ENDED)
                    : web_response_redirect(x->resp, "/console/sign-in");
    }
    bool gate = x->caller.account.conduct_ms == 0 && strcmp(path, "/console/conduct") != 0 &&
                strcmp(path, "/console/sign-out") != 0;
    if (get && gate)
        return web_response_redirect(x->resp, "/console/conduct");
    if (post && gate)
        return console_page_message(x, 403, MSG_FORBIDDEN);
    int door_rc = 0;
    if (console_doors_serve(x, false, &door_rc))
        return door_rc;
    return post ? post_signed_in(x, path) : get_signed_in(x, path);
}
