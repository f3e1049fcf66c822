/* Signing in and out, and the language switch (page_sign_in.h). */
#include "app/page_sign_in.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/post_routes.h"
#include "app/sign_in.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/storage_key.h"

#define A POST_A
#define N POST_N

const char *const PAGE_SIGN_IN_FIELDS[] = {"name", "passphrase", NULL};

/* The form, with a fresh pre-session token in its cookie and its hidden field. */
static int sign_in_form(struct post_exchange *x, unsigned status, const char *error,
                        const char *notice, const char *name)
{
    char pre[SESSION_TOKEN_TEXT_BYTES];
    int rc = session_token_new(pre);
    if (rc == 0)
        rc = web_response_cookie(x->resp, POST_PRE_COOKIE, pre, "/", 0);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_SIGN_IN);
    post_card_begin(&h);
    html_element(&h, "h1", NULL, 0, post_say(x, MSG_SIGN_IN));
    const struct html_attr intro[] = {A("class", "intro")};
    html_element(&h, "p", intro, N(intro), post_say(x, MSG_POST_SIGN_IN_INTRO));
    layout_alert(&h, "error", error);
    layout_alert(&h, "ok", notice);
    const struct html_attr form[] = {A("method", "post"), A("action", "/sign-in")};
    html_open(&h, "form", form, N(form));
    layout_hidden(&h, "csrf", pre);
    post_input(&h, "name", "text", post_say(x, MSG_POST_NAME), name, "username");
    post_input(&h, "passphrase", "password", post_say(x, MSG_POST_PASSPHRASE), NULL,
               "current-password");
    post_form_end(&h, "submit", post_say(x, MSG_SIGN_IN));
    sodium_memzero(pre, sizeof pre);
    html_close(&h, "div");
    return post_page_close(&h, x, status);
}

int page_sign_in(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    if (x->signed_in)
        return web_response_redirect(x->resp, "/");
    char done[8] = "";
    web_request_query(x->req, "done", done, sizeof done);
    return sign_in_form(x, 200, NULL,
                        strcmp(done, "out") == 0 ? post_say(x, MSG_POST_SIGNED_OUT) : NULL,
                        NULL);
}

/* The stored hash of name, or "" for a name nobody has (the check below then runs against
 * the dummy hash, with the same work). */
static int hash_of(void *context, const char *name, char hash[PASSWORD_HASH_BYTES])
{
    struct post_exchange *x = context;
    hash[0] = '\0';
    if (node_staff_name_check(name) != 0)
        return 0;
    int rc = node_staff_hash(x->store, name, hash);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

/* The post's storage key, unwrapped with the passphrase just verified (a staff member from
 * before their wrap is given one now): NULL when they hold none (a head resets them) or
 * their wrap does not open (it was made under another passphrase); the session then works
 * without reading what only the key opens. */
static int unlock_key(struct post_exchange *x, const char *name, const char *passphrase,
                      const unsigned char *wrapping_key, unsigned char **secret)
{
    *secret = NULL;
    if (!passphrase)
        return 0;
    int rc = storage_key_unlock_split(x->store, name, passphrase, wrapping_key, secret);
    return rc == SAE_ENOTFOUND || rc == SAE_EPERM ? 0 : rc;
}

static int open_session(struct post_exchange *x, const char *name, const char *passphrase,
                        const unsigned char *wrapping_key)
{
    char token[SESSION_TOKEN_TEXT_BYTES], csrf[SESSION_TOKEN_TEXT_BYTES];
    uint8_t token_hash[SESSION_HASH_BYTES];
    unsigned char *secret = NULL;
    int rc = session_new(token, csrf, token_hash);
    if (rc == 0)
        rc = unlock_key(x, name, passphrase, wrapping_key, &secret);
    if (rc == 0)
        rc = session_keys_put(x->app->keys, token_hash, secret); /* owns secret from here */
    if (rc == 0)
        rc = node_staff_session_add(x->store, token_hash, name, csrf, x->now_s);
    if (rc != 0)
        session_keys_drop(x->app->keys, token_hash);
    if (rc == 0)
        rc = web_response_cookie(x->resp, SESSION_COOKIE, token, "/", 0);
    if (rc == 0)
        rc = web_response_cookie_clear(x->resp, POST_PRE_COOKIE, "/");
    if (rc == 0)
        rc = web_response_redirect(x->resp, "/");
    sodium_memzero(token, sizeof token);
    sodium_memzero(csrf, sizeof csrf);
    sodium_memzero(token_hash, sizeof token_hash);
    return rc;
}

int page_sign_in_post(struct post_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name");
    const char *typed = name ? name : "";
    const char *passphrase = web_form_get(form, "passphrase");
    struct sign_in judge = {x->app->throttle, x->req->peer, hash_of, x, x->now_s};
    enum sign_in_outcome judged = SIGN_IN_REFUSED;
    int64_t wait = 0;
    /* The passphrase's check gives the key of the member's wrap: one Argon2id in all. */
    unsigned char *wrapping = NULL;
    bool keyed = false;
    int rc = sae_secure_alloc(SAE_PASSKEY_KEY_BYTES, (void **)&wrapping);
    if (rc == 0)
        rc = sign_in_judge_key(&judge, typed, passphrase, wrapping, &keyed, &judged, &wait);
    x->now_s = judge.now_s;
    if (rc == 0 && judged == SIGN_IN_OK)
        rc = open_session(x, typed, passphrase, keyed ? wrapping : NULL);
    sae_secure_free(wrapping);
    if (rc != 0)
        return rc;
    if (judged == SIGN_IN_THROTTLED) {
        x->resp->retry_after_seconds = (unsigned)wait;
        return sign_in_form(x, 429, post_say(x, MSG_SIGN_IN_THROTTLED), NULL, typed);
    }
    if (judged == SIGN_IN_REFUSED)
        return sign_in_form(x, 401, post_say(x, MSG_SIGN_IN_FAILED), NULL, typed);
    return 0;
}

int page_sign_out(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    session_keys_drop(x->app->keys, x->token_hash);
    int rc = node_staff_session_end(x->store, x->token_hash);
    if (rc == 0)
        rc = web_response_cookie_clear(x->resp, SESSION_COOKIE, "/");
    if (rc == 0)
        rc = web_response_redirect(x->resp, "/sign-in?done=out");
    return rc;
}

/* Whether query is one the switch made: percent-encoded names and values joined by & and =,
 * nothing a Location header or another page could read otherwise. */
static bool plain_query(const char *query)
{
    if (!query[0])
        return false;
    for (const char *c = query; *c; c++) {
        if (*c == '%' && !(isxdigit((unsigned char)c[1]) && isxdigit((unsigned char)c[2])))
            return false;
        if (!isalnum((unsigned char)*c) && !strchr("-_.~%&=", *c))
            return false;
    }
    return true;
}

int page_language(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    char to[8] = "", back[WEB_QUERY_BYTES] = "", target[WEB_QUERY_BYTES + 64];
    bool known = false;
    web_request_query(x->req, "to", to, sizeof to);
    web_request_query(x->req, "back", back, sizeof back);
    char *query = strchr(back, '?');
    if (query)
        *query++ = '\0';
    const struct post_route *page = post_route_find("GET", back, &known);
    snprintf(target, sizeof target, "%s", page ? page->at.path : "/");
    if (page && query && plain_query(query))
        snprintf(target, sizeof target, "%s?%s", page->at.path, query);
    enum msg_lang lang = msg_lang_from(to);
    int rc = web_response_cookie(x->resp, MSG_LANG_COOKIE, msg_lang_code(lang), "/", 31536000);
    return rc == 0 ? web_response_redirect(x->resp, target) : rc;
}
