/* The accounts page (page_accounts.h). */
#include "api/page_accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/console_layout.h"
#include "app/password.h"
#include "app/session_keys.h"
#include "sae/sae_secure_mem.h"
#include "store/agency_key.h"
#include "store/district_key.h"

static const enum msg_id ROLE_WORDS[] = {MSG_ROLE_OPERATOR, MSG_ROLE_COORDINATOR,
                                         MSG_ROLE_ADMIN, MSG_ROLE_PARTNER};

void page_accounts_button(struct html *h, const struct console_exchange *x, const char *action,
                       const char *name, const char *cls, enum msg_id label)
{
    const struct html_attr form[] = {LAYOUT_A("method", "post"), LAYOUT_A("action", action),
                                     LAYOUT_A("class", "inline")};
    const struct html_attr hidden[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "name"),
                                       LAYOUT_A("value", name)};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", cls)};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    html_open(h, "input", hidden, LAYOUT_N(hidden));
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, label));
    html_close(h, "form");
}

struct rows {
    struct html *h;
    const struct console_exchange *x;
};

static int account_row(const struct hub_account *a, void *context)
{
    struct rows *r = context;
    char created[LAYOUT_TIME_BYTES];
    layout_time(a->created_ms, created);
    html_open(r->h, "tr", NULL, 0);
    layout_cell(r->h, a->name);
    layout_cell(r->h, layout_say(r->x, ROLE_WORDS[a->role]));
    layout_cell(r->h, a->agency);
    layout_cell(r->h, layout_say(r->x, a->disabled ? MSG_DISABLED : MSG_ACTIVE));
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool held = hub_account_wrap_get(r->x->store, a->name, wrap) == 0;
    layout_cell(r->h, layout_say(r->x, held ? MSG_DATA_KEY_HELD : MSG_DATA_KEY_NONE));
    layout_cell(r->h, created);
    html_open(r->h, "td", NULL, 0);
    if (!a->disabled) {
        page_accounts_button(r->h, r->x, "/console/accounts/reset", a->name, "button", MSG_RESET_PASSWORD);
        if (strcmp(a->name, r->x->caller.account.name) != 0)
            page_accounts_button(r->h, r->x, "/console/accounts/disable", a->name, "danger", MSG_DISABLE);
    }
    html_close(r->h, "td");
    html_close(r->h, "tr");
    return 0;
}

static void add_form(struct html *h, const struct console_exchange *x)
{
    static const char *const roles[] = {"operator", "coordinator", "admin", "partner"};
    const struct html_attr form[] = {LAYOUT_A("method", "post"),
                                     LAYOUT_A("action", "/console/accounts/add"),
                                     LAYOUT_A("class", "filters"), LAYOUT_A("id", "add")};
    const struct html_attr wrap[] = {LAYOUT_A("class", "filter")};
    const struct html_attr role_label[] = {LAYOUT_A("for", "role")};
    const struct html_attr select[] = {LAYOUT_A("id", "role"), LAYOUT_A("name", "role")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary"),
                                       LAYOUT_A("id", "add-account")};
    html_element(h, "h2", NULL, 0, layout_say(x, MSG_ADD_ACCOUNT));
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    layout_filter_field(h, "name", layout_say(x, MSG_NAME), "");
    html_open(h, "div", wrap, LAYOUT_N(wrap));
    html_element(h, "label", role_label, LAYOUT_N(role_label), layout_say(x, MSG_ROLE));
    html_open(h, "select", select, LAYOUT_N(select));
    for (size_t i = 0; i < LAYOUT_N(roles); i++) {
        const struct html_attr option[] = {LAYOUT_A("value", roles[i])};
        html_element(h, "option", option, LAYOUT_N(option), layout_say(x, ROLE_WORDS[i]));
    }
    html_close(h, "select");
    html_close(h, "div");
    layout_filter_field(h, "agency", layout_say(x, MSG_AGENCY), "");
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_ADD_ACCOUNT));
    html_close(h, "form");
    layout_note(h, "hint", NULL, layout_say(x, MSG_AGENCY_HINT));
}

int page_accounts(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const enum msg_id columns[] = {MSG_NAME, MSG_ROLE, MSG_AGENCY, MSG_STATE,
                                          MSG_DATA_KEY, MSG_CREATED, MSG_ACTIONS};
    char done[16] = "";
    layout_query(x, "done", done, sizeof done);
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_ACCOUNTS, "accounts", false);
    layout_heading(&h, x, MSG_ACCOUNTS);
    layout_note(&h, "intro", NULL, layout_say(x, MSG_ACCOUNTS_INTRO));
    if (strcmp(done, "disabled") == 0)
        layout_note(&h, "alert ok", "alert", layout_say(x, MSG_ACCOUNT_DISABLED));
    layout_table_begin_msgs(&h, x, "accounts", columns, LAYOUT_N(columns));
    struct rows rows = {&h, x};
    int rc = hub_account_list(x->store, account_row, &rows);
    layout_table_end(&h);
    add_form(&h, x);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, 200);
}

/* The answer that shows a one-time password, once (never cached: no-store); back: the page
 * it came from ("accounts", "posts"). */
static int one_time_page(struct console_exchange *x, const char *name, const char *password,
                         const char *back_to)
{
    bool posts = strcmp(back_to, "posts") == 0;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_ONE_TIME_TITLE, back_to, true);
    layout_heading(&h, x, MSG_ONE_TIME_TITLE);
    const struct html_attr facts[] = {LAYOUT_A("class", "facts")};
    const struct html_attr secret[] = {LAYOUT_A("id", "one-time"), LAYOUT_A("class", "secret")};
    const struct html_attr back[] = {LAYOUT_A("href", posts ? "/console/posts" : "/console/accounts"),
                                     LAYOUT_A("class", "button"), LAYOUT_A("id", "back")};
    html_open(&h, "dl", facts, LAYOUT_N(facts));
    html_element(&h, "dt", NULL, 0, layout_say(x, MSG_NAME));
    html_element(&h, "dd", NULL, 0, name);
    html_element(&h, "dt", NULL, 0, layout_say(x, MSG_PASSWORD));
    html_element(&h, "dd", secret, LAYOUT_N(secret), password);
    html_close(&h, "dl");
    layout_note(&h, "alert warn", NULL, layout_say(x, MSG_ONE_TIME_TEXT));
    html_element(&h, "a", back, LAYOUT_N(back),
                 layout_say(x, posts ? MSG_POSTS : MSG_BACK_TO_ACCOUNTS));
    return console_page_close(&h, x, 200);
}

static int audit(struct console_exchange *x, const char *action, const char *name)
{
    return hub_audit_append(x->store, x->caller.account.name, action, name, x->caller.address,
                            x->now_s * 1000);
}

static int refused(struct console_exchange *x)
{
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_ACCOUNTS, "accounts", true);
    layout_heading(&h, x, MSG_ACCOUNTS);
    layout_note(&h, "alert error", "alert", layout_say(x, MSG_ACCOUNT_REFUSED));
    const struct html_attr back[] = {LAYOUT_A("href", "/console/accounts"), LAYOUT_A("class", "button")};
    html_element(&h, "a", back, LAYOUT_N(back), layout_say(x, MSG_BACK_TO_ACCOUNTS));
    return console_page_close(&h, x, 400);
}

/* A new coordinator's wrap, when one was made from a key at hand (console_passkey). */
static int give_key(struct console_exchange *x, const char *name, const unsigned char *wrap)
{
    int rc = hub_account_wrap_set(x->store, name, wrap);
    return rc == 0 ? district_key_settle(x->store, x->console->dir) : rc;
}

int page_accounts_add(struct console_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name"), *role_text = web_form_get(form, "role");
    const char *agency = web_form_get(form, "agency");
    enum hub_role role;
    if (agency && !agency[0])
        agency = NULL;
    if (!name || hub_account_name_check(name) != 0 || !role_text ||
        hub_role_parse(role_text, &role) != 0 || (role == HUB_ROLE_PARTNER) != (agency != NULL) ||
        (agency && hub_agency_check(agency) != 0))
        return refused(x);
    char password[PASSWORD_ONE_TIME_CHARS + 1], hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false;
    password_one_time(password);
    /* The first partner of an agency makes its key, wrapped by the one-time password. */
    int rc = role == HUB_ROLE_PARTNER
                 ? agency_key_passkey_new(x->store, agency, password, hash, wrap, &wrapped)
                 : console_passkey(x, password, role == HUB_ROLE_COORDINATOR, hash, wrap,
                                   &wrapped);
    if (rc == 0)
        rc = hub_account_add(x->store, name, role, agency, hash, x->now_s * 1000);
    if (rc == 0)
        rc = audit(x, "account-add", name);
    if (rc == 0 && wrapped)
        rc = role == HUB_ROLE_PARTNER ? hub_account_wrap_set(x->store, name, wrap)
                                      : give_key(x, name, wrap);
    if (rc == 0)
        rc = one_time_page(x, name, password, "accounts");
    else if (rc == SAE_EEXIST || rc == SAE_EINVAL)
        rc = refused(x);
    sodium_memzero(password, sizeof password);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int page_accounts_disable(struct console_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name");
    /* An admin who disables their own account may leave the hub without one. */
    if (name && strcmp(name, x->caller.account.name) == 0)
        return console_page_message(x, 400, MSG_SELF_DISABLE);
    int rc = name ? hub_account_disable(x->store, name) : SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    if (rc == 0)
        rc = audit(x, "account-disable", name);
    return rc == 0 ? web_response_redirect(x->resp, "/console/accounts?done=disabled") : rc;
}

int page_accounts_reset(struct console_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name");
    struct hub_account account;
    int rc = name ? hub_account_get(x->store, name, &account) : SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND || (rc == 0 && account.disabled))
        return console_page_message(x, 404, MSG_NOT_FOUND);
    char password[PASSWORD_ONE_TIME_CHARS + 1], hash[PASSWORD_HASH_BYTES];
    /* A coordinator's new password wraps the district key when the resetter holds it (or it
     * still waits unclaimed); else the old wrap goes, and the key with it, until a
     * coordinator who holds it resets them or `sae-hub keys recover` gives it back. */
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false;
    password_one_time(password);
    if (rc == 0)
        rc = console_passkey(x, password, account.role == HUB_ROLE_COORDINATOR, hash, wrap,
                             &wrapped);
    if (rc == 0)
        rc = hub_account_set_password(x->store, name, hash, wrapped ? wrap : NULL);
    if (rc == 0 && wrapped)
        rc = district_key_settle(x->store, x->console->dir);
    if (rc == 0)
        rc = audit(x, "account-password-reset", name);
    if (rc == 0)
        rc = one_time_page(x, name, password, "accounts");
    sodium_memzero(password, sizeof password);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static int account_json(const struct hub_account *a, void *context)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:b, s:I}", "name", a->name, "role",
                          hub_role_name(a->role), "agency",
                          a->agency[0] ? json_string(a->agency) : json_null(), "disabled",
                          a->disabled, "created_ms", (json_int_t)a->created_ms);
    return o && json_array_append_new(context, o) == 0 ? 0 : SAE_ENOMEM;
}

int api_accounts(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    json_t *list = json_array();
    int rc = list ? hub_account_list(x->store, account_json, list) : SAE_ENOMEM;
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    return console_api_answer(x, 200, json_pack("{s:o}", "accounts", list));
}

struct partner_key_request {
    struct hub_store *store;
    const char *agency, *password;
    char *hash;
    unsigned char *wrap;
};

static int partner_key_with(const unsigned char *district_secret, void *context)
{
    struct partner_key_request *r = context;
    unsigned char *secret = NULL;
    int rc = agency_key_from_district(r->store, r->agency, district_secret, &secret);
    if (rc == 0)
        rc = agency_key_passkey(r->store, r->agency, secret, r->password, r->hash, r->wrap);
    sae_secure_free(secret);
    return rc;
}

/* A partner's new password with a wrap of their agency's key, recovered with the
 * coordinator's district key. SAE_ENOTFOUND: the agency has no key, or the session none. */
static int partner_key(struct console_exchange *x, const char *agency, const char *password,
                       char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES],
                       bool *wrapped)
{
    struct partner_key_request request = {x->store, agency, password, hash, wrap};
    int rc = session_keys_use(x->console->keys, x->caller.token_hash, partner_key_with,
                              &request);
    *wrapped = rc == 0;
    return rc;
}

int page_accounts_key_reset(struct console_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name");
    struct hub_account account;
    int rc = name ? hub_account_get(x->store, name, &account) : SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND || (rc == 0 && (account.disabled ||
                                            (account.role != HUB_ROLE_COORDINATOR &&
                                             account.role != HUB_ROLE_PARTNER) ||
                                            strcmp(name, x->caller.account.name) == 0)))
        return console_page_message(x, 404, MSG_NOT_FOUND);
    if (rc == 0 && !x->caller.holds_key)
        return console_page_message(x, 403, MSG_DATA_KEY_NOT_HELD);
    char password[PASSWORD_ONE_TIME_CHARS + 1], hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false;
    password_one_time(password);
    if (rc == 0 && account.role == HUB_ROLE_PARTNER)
        rc = partner_key(x, account.agency, password, hash, wrap, &wrapped);
    else if (rc == 0)
        rc = console_passkey(x, password, true, hash, wrap, &wrapped);
    if (rc == SAE_ENOTFOUND && account.role == HUB_ROLE_PARTNER && !wrapped) {
        sodium_memzero(password, sizeof password);
        return console_page_message(x, 409, MSG_AGENCY_KEY_MISSING);
    }
    if (rc == 0 && !wrapped)
        rc = SAE_ENOTFOUND; /* the caller's key went meanwhile (its session's sweep) */
    if (rc == 0)
        rc = hub_account_set_password(x->store, name, hash, wrap);
    if (rc == 0)
        rc = audit(x, "key-reset", name);
    if (rc == 0)
        rc = one_time_page(x, name, password, "posts");
    sodium_memzero(password, sizeof password);
    sodium_memzero(hash, sizeof hash);
    return rc;
}
