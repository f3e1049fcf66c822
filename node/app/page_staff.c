/* Petugas (page_staff.h). */
#include "app/page_staff.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/password.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/storage_key.h"

#define A POST_A
#define N POST_N

const char *const PAGE_STAFF_ADD_FIELDS[] = {"name", "role", NULL};
const char *const PAGE_STAFF_RESET_FIELDS[] = {"name", NULL};

struct staff_table {
    struct html *h;
    const struct post_exchange *x;
};

static int staff_row(const struct node_staff *staff, void *context)
{
    struct staff_table *t = context;
    html_open(t->h, "tr", NULL, 0);
    html_element(t->h, "td", NULL, 0, staff->name);
    html_element(t->h, "td", NULL, 0,
                 post_say(t->x, staff->role == NODE_STAFF_HEAD ? MSG_POST_ROLE_HEAD
                                                               : MSG_POST_ROLE_STAFF));
    const struct html_attr key[] = {A("class", staff->has_key ? "key-held" : "key-none")};
    html_element(t->h, "td", key, N(key),
                 post_say(t->x, staff->has_key ? MSG_POST_KEY_HELD : MSG_POST_KEY_NONE));
    if (t->x->staff.role == NODE_STAFF_HEAD) {
        html_open(t->h, "td", NULL, 0);
        post_form_begin(t->h, t->x, "/staff/reset");
        layout_hidden(t->h, "name", staff->name);
        post_form_end(t->h, "reset", post_say(t->x, MSG_POST_RESET));
        html_close(t->h, "td");
    }
    html_close(t->h, "tr");
    return 0;
}

static int staff_list(struct html *h, const struct post_exchange *x)
{
    static const enum msg_id heads[] = {MSG_POST_NAME, MSG_ROLE, MSG_POST_KEY, MSG_ACTIONS};
    struct staff_table table = {h, x};
    post_table_begin(h, x, "staff", heads, x->staff.role == NODE_STAFF_HEAD ? 4 : 3);
    int rc = node_staff_list(x->store, staff_row, &table);
    post_table_end(h);
    return rc;
}

static void add_form(struct html *h, const struct post_exchange *x)
{
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_ADD_STAFF));
    post_form_begin(h, x, "/staff/add");
    post_input(h, "name", "text", post_say(x, MSG_POST_NAME), NULL, "off");
    const struct html_attr lab[] = {A("for", "role")};
    const struct html_attr sel[] = {A("id", "role"), A("name", "role")};
    const struct html_attr staff[] = {A("value", "staff"), A("selected", NULL)};
    const struct html_attr head[] = {A("value", "head")};
    html_element(h, "label", lab, N(lab), post_say(x, MSG_ROLE));
    html_open(h, "select", sel, N(sel));
    html_element(h, "option", staff, N(staff), post_say(x, MSG_POST_ROLE_STAFF));
    html_element(h, "option", head, N(head), post_say(x, MSG_POST_ROLE_HEAD));
    html_close(h, "select");
    post_form_end(h, "add", post_say(x, MSG_POST_ADD_STAFF));
}

/* The page, with a notice and (after an add or a reset) the one-time passphrase. */
static int staff_page(struct post_exchange *x, unsigned status, const char *kind,
                      const char *notice, const char *secret)
{
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_POST_STAFF);
    html_element(&h, "h1", NULL, 0, post_say(x, MSG_POST_STAFF));
    layout_alert(&h, kind, notice);
    if (secret) {
        const struct html_attr code[] = {A("class", "secret"), A("id", "one-time")};
        html_element(&h, "p", code, N(code), secret);
    }
    post_card_begin(&h);
    const struct html_attr intro[] = {A("class", "intro")};
    html_element(&h, "p", intro, N(intro), post_say(x, MSG_POST_STAFF_INTRO));
    int rc = staff_list(&h, x);
    if (x->staff.role == NODE_STAFF_HEAD)
        add_form(&h, x);
    html_close(&h, "div");
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return post_page_close(&h, x, status);
}

int page_staff(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    return staff_page(x, 200, "ok", NULL, NULL);
}

struct passkey_request {
    struct node_store *store;
    const char *passphrase;
    char *hash;
    unsigned char *wrap;
};

static int passkey_with(const unsigned char *secret, void *context)
{
    struct passkey_request *request = context;
    return storage_key_passkey(request->store, secret, request->passphrase, request->hash,
                               request->wrap);
}

/* A new one-time passphrase, its verifier and its wrap of the storage key, from one Argon2id
 * (proto/STORAGE_KEYS.md section 2a), so the first sign-in has nothing to move: the key from
 * the head's own session, else the unclaimed secret of a post whose key no head holds yet.
 * Neither at hand: the verifier alone (*wrapped false), and the member signs in without the
 * key. */
static int passkey_new(struct post_exchange *x, char secret[PASSWORD_ONE_TIME_CHARS + 1],
                       char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES],
                       bool *wrapped)
{
    struct passkey_request request = {x->store, secret, hash, wrap};
    unsigned char *unclaimed = NULL;
    _Static_assert(SAE_PASSKEY_TEXT_BYTES <= PASSWORD_HASH_BYTES, "a verifier fits");
    password_one_time(secret);
    int rc = session_keys_use(x->app->keys, x->token_hash, passkey_with, &request);
    if (rc == SAE_ENOTFOUND) {
        rc = storage_key_unclaimed(x->store, &unclaimed);
        if (rc == 0)
            rc = passkey_with(unclaimed, &request);
        sae_secure_free(unclaimed);
    }
    *wrapped = rc == 0;
    if (rc == SAE_ENOTFOUND)
        rc = storage_key_passkey(x->store, NULL, secret, hash, NULL);
    return rc;
}

int page_staff_add(struct post_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name");
    enum node_staff_role role = NODE_STAFF_MEMBER;
    char secret[PASSWORD_ONE_TIME_CHARS + 1], hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false;
    if (node_staff_name_check(name) != 0 ||
        node_staff_role_parse(web_form_get(form, "role"), &role) != 0)
        return staff_page(x, 400, "error", post_say(x, MSG_POST_STAFF_REFUSED), NULL);
    int rc = passkey_new(x, secret, hash, wrap, &wrapped);
    if (rc == 0)
        rc = node_staff_add(x->store, name, role, hash, wrapped ? wrap : NULL, x->now_s * 1000);
    if (rc == 0)
        rc = storage_key_settle(x->store);
    if (rc == 0)
        rc = staff_page(x, 200, "ok", post_say(x, MSG_POST_STAFF_ADDED), secret);
    else if (rc == SAE_EEXIST)
        rc = staff_page(x, 409, "error", post_say(x, MSG_POST_STAFF_REFUSED), NULL);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* A reset gives a new wrap under the new passphrase, or none: the old one, under a
 * passphrase someone else may know, never stays. */
int page_staff_reset(struct post_exchange *x, const struct web_form *form)
{
    const char *name = web_form_get(form, "name");
    char secret[PASSWORD_ONE_TIME_CHARS + 1], hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false;
    struct node_staff staff;
    if (node_staff_name_check(name) != 0 || node_staff_get(x->store, name, &staff) != 0)
        return staff_page(x, 404, "error", post_say(x, MSG_NOT_FOUND), NULL);
    int rc = passkey_new(x, secret, hash, wrap, &wrapped);
    if (rc == 0)
        rc = node_staff_set_hash(x->store, name, hash, wrapped ? wrap : NULL);
    if (rc == 0)
        rc = storage_key_settle(x->store);
    if (rc == 0)
        rc = staff_page(x, 200, "ok", post_say(x, MSG_POST_RESET_DONE), secret);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(hash, sizeof hash);
    return rc;
}
