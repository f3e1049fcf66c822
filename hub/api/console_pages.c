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
#include "app/route.h"

#define A(name, value) ((struct html_attr){name, value})
#define N(attrs) (sizeof attrs / sizeof attrs[0])

/* The language switch: a link to the other language that comes back to back. */
static void language_link(struct html *h, const struct console_exchange *x, const char *back)
{
    char href[96];
    snprintf(href, sizeof href, "/console/lang?to=%s&back=%s",
             x->lang == MSG_LANG_EN ? "id" : "en", back);
    const struct html_attr attrs[] = {A("href", href), A("id", "lang-switch"),
                                      A("lang", x->lang == MSG_LANG_EN ? "id" : "en")};
    html_element(h, "a", attrs, N(attrs), layout_say(x, MSG_LANGUAGE_SWITCH));
}

static void topbar(struct html *h, const struct console_exchange *x, const char *back)
{
    const struct html_attr bar[] = {A("class", "topbar")};
    const struct html_attr brand[] = {A("class", "brand")};
    html_open(h, "header", bar, N(bar));
    html_open(h, "div", brand, N(brand));
    html_text(h, layout_say(x, MSG_APP_NAME));
    html_element(h, "small", NULL, 0, layout_say(x, MSG_CONSOLE));
    html_close(h, "div");
    const struct html_attr nav[] = {A("aria-label", layout_say(x, MSG_ACCOUNT_SECTION))};
    html_open(h, "nav", nav, N(nav));
    language_link(h, x, back);
    if (x->signed_in) {
        const struct html_attr who[] = {A("class", "who"), A("id", "who")};
        html_element(h, "span", who, N(who), x->caller.account.name);
        const struct html_attr form[] = {A("method", "post"), A("action", "/console/sign-out")};
        const struct html_attr button[] = {A("type", "submit"), A("id", "sign-out")};
        html_open(h, "form", form, N(form));
        layout_csrf(h, x);
        html_element(h, "button", button, N(button), layout_say(x, MSG_SIGN_OUT));
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
    web_page_head(h, x->lang, layout_say(x, title), layout_say(x, MSG_APP_NAME), "console.css");
    html_element(h, "a", skip, N(skip), layout_say(x, MSG_SKIP_TO_CONTENT));
    topbar(h, x, back);
    html_open(h, "main", main_attrs, N(main_attrs));
}

int console_page_close(struct html *h, struct console_exchange *x, unsigned status)
{
    return web_page_finish(h, x->resp, status);
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
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_SIGN_IN));
    const struct html_attr intro[] = {A("class", "intro")};
    html_element(&h, "p", intro, N(intro), layout_say(x, MSG_SIGN_IN_INTRO));
    layout_alert(&h, "error", error);
    layout_alert(&h, "ok", notice);
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/sign-in")};
    html_open(&h, "form", form, N(form));
    layout_hidden(&h, "csrf", pre);
    field(&h, "name", "text", layout_say(x, MSG_NAME), name, "username", name == NULL);
    field(&h, "password", "password", layout_say(x, MSG_PASSWORD), NULL, "current-password",
          name != NULL);
    submit(&h, "submit", layout_say(x, MSG_SIGN_IN));
    html_close(&h, "form");
    html_close(&h, "div");
    return console_page_close(&h, x, status);
}

static const enum msg_id ROLE_MSG[] = {MSG_ROLE_OPERATOR, MSG_ROLE_COORDINATOR, MSG_ROLE_ADMIN,
                                       MSG_ROLE_PARTNER};

/* The home page's sections: a page that exists adds its row here; it is shown to the roles
 * the route table lets open it (console_routes_allow). Only what exists is linked. */
static const struct console_section {
    const char *path;
    enum msg_id label;
} SECTIONS[] = {
    {"/console/reports", MSG_REPORTS},
    {"/console/conflicts", MSG_CONFLICTS},
    {"/console/duplicates", MSG_DUPLICATES},
    {"/console/posts", MSG_POSTS},
    {"/console/me", MSG_ME},
    {"/console/audit", MSG_AUDIT},
    {"/console/referrals", MSG_REFERRALS},
    {"/console/accounts", MSG_ACCOUNTS},
    {"/console/password", MSG_CHANGE_PASSWORD},
};

/* Home: who is signed in, and links to the sections this role may open. */
static int page_home(struct console_exchange *x)
{
    const struct hub_account *a = &x->caller.account;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_HOME, "home", false);
    html_open(&h, "h1", NULL, 0);
    html_text(&h, layout_say(x, MSG_WELCOME));
    html_text(&h, ", ");
    html_text(&h, a->name);
    html_close(&h, "h1");
    card_begin(&h);
    const struct html_attr facts[] = {A("class", "facts")};
    html_open(&h, "dl", facts, N(facts));
    html_element(&h, "dt", NULL, 0, layout_say(x, MSG_NAME));
    html_element(&h, "dd", NULL, 0, a->name);
    html_element(&h, "dt", NULL, 0, layout_say(x, MSG_ROLE));
    const struct html_attr role[] = {A("id", "role")};
    html_element(&h, "dd", role, N(role), layout_say(x, ROLE_MSG[a->role]));
    if (a->role == HUB_ROLE_PARTNER) {
        html_element(&h, "dt", NULL, 0, layout_say(x, MSG_AGENCY));
        html_element(&h, "dd", NULL, 0, a->agency);
    }
    html_close(&h, "dl");
    html_close(&h, "div");
    html_element(&h, "h2", NULL, 0, layout_say(x, MSG_SECTIONS));
    const struct html_attr list[] = {A("class", "sections"), A("id", "sections")};
    html_open(&h, "ul", list, N(list));
    for (size_t i = 0; i < N(SECTIONS); i++) {
        if (!console_routes_allow(SECTIONS[i].path, a->role))
            continue;
        const struct html_attr link[] = {A("href", SECTIONS[i].path)};
        html_open(&h, "li", NULL, 0);
        html_element(&h, "a", link, N(link), layout_say(x, SECTIONS[i].label));
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
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_CHANGE_PASSWORD));
    layout_alert(&h, "error", error);
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/password")};
    html_open(&h, "form", form, N(form));
    layout_csrf(&h, x);
    field(&h, "current", "password", layout_say(x, MSG_CURRENT_PASSWORD), NULL, "current-password",
          true);
    field(&h, "new", "password", layout_say(x, MSG_NEW_PASSWORD), NULL, "new-password", false);
    const struct html_attr hint[] = {A("class", "hint")};
    html_element(&h, "p", hint, N(hint), layout_say(x, MSG_PASSWORD_RULE));
    field(&h, "again", "password", layout_say(x, MSG_NEW_PASSWORD_AGAIN), NULL, "new-password",
          false);
    submit(&h, "submit", layout_say(x, MSG_CHANGE_PASSWORD));
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
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_CONDUCT_TITLE));
    const struct html_attr list[] = {A("class", "conduct")};
    html_open(&h, "ol", list, N(list));
    for (size_t i = 0; i < N(points); i++)
        html_element(&h, "li", NULL, 0, layout_say(x, points[i]));
    html_close(&h, "ol");
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/conduct")};
    html_open(&h, "form", form, N(form));
    layout_csrf(&h, x);
    submit(&h, "accept", layout_say(x, MSG_CONDUCT_ACCEPT));
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
    layout_alert(&h, "error", layout_say(x, text));
    const struct html_attr home[] = {A("href", "/console/")};
    html_element(&h, "a", home, N(home), layout_say(x, MSG_HOME));
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

int console_page_refused(struct console_exchange *x, unsigned status)
{
    return console_page_message(x, status, status == 403 ? MSG_FORBIDDEN : MSG_BAD_REQUEST);
}

/* A POST's form with only fields and "csrf", its token equal to csrf; NULL after answering
 * 4xx itself. */
static int read_form(struct console_exchange *x, const struct web_route *route, const char *csrf,
                     struct web_form **form)
{
    unsigned refusal = 0;
    int rc = web_route_form(x->req, route, csrf, form, &refusal);
    if (rc != 0 || refusal == 0)
        return rc;
    /* A signed-in session's refused token is audited; a sign-in form's is not (anyone can
     * send those, and the audit must not be a table strangers fill). */
    return refusal == 403 && x->signed_in ? console_csrf_refuse(x, false)
                                          : console_page_refused(x, refusal);
}

static int post_sign_in(struct console_exchange *x)
{
    static const char *const fields[] = {"name", "password", NULL};
    static const struct web_route route = WEB_ROUTE_FORM("/console/sign-in", fields);
    struct web_form *form = NULL;
    char pre[WEB_COOKIE_BYTES] = "", token[SESSION_TOKEN_TEXT_BYTES];
    char csrf[SESSION_TOKEN_TEXT_BYTES];
    web_request_cookie(x->req, CONSOLE_PRE_COOKIE, pre, sizeof pre);
    int rc = read_form(x, &route, pre, &form);
    if (rc != 0 || !form)
        return rc;
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
                                  layout_say(x, throttled ? MSG_SIGN_IN_THROTTLED : MSG_SIGN_IN_FAILED),
                                  NULL, name);
    }
    sodium_memzero(token, sizeof token);
    web_form_free(form);
    return rc;
}

static int post_signed_in(struct console_exchange *x, const char *path)
{
    static const char *const password_fields[] = {"current", "new", "again", NULL};
    static const struct web_route password_route =
        WEB_ROUTE_FORM("/console/password", password_fields);
    bool password = strcmp(path, "/console/password") == 0;
    /* Signing out and accepting the code of conduct: a token only. */
    static const char *const no_fields[] = {NULL};
    const struct web_route token_only = WEB_ROUTE_FORM(path, no_fields);
    struct web_form *form = NULL;
    int rc = read_form(x, password ? &password_route : &token_only, x->caller.csrf, &form);
    if (rc != 0 || !form)
        return rc;
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
                               layout_say(x, outcome == CONSOLE_REFUSED ? MSG_PASSWORD_WRONG
                                                                 : MSG_PASSWORD_MISMATCH));
    } else {
        rc = console_page_message(x, 404, MSG_NOT_FOUND);
    }
    web_form_free(form);
    return rc;
}

static int get_signed_in(struct console_exchange *x, const char *path)
{
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
                                            ? layout_say(x, MSG_PASSWORD_CHANGED)
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
    if (console_routes_serve(x, &door_rc))
        return door_rc;
    return post ? post_signed_in(x, path) : get_signed_in(x, path);
}
