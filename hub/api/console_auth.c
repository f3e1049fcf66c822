/* Signing in and out, passwords and the code of conduct, for pages and API alike
 * (console_internal.h). Every outcome that matters is audited; no password, token or hash
 * ever reaches the audit or the log. */
#include "api/console_internal.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "app/password.h"
#include "app/sign_in.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/agency_key.h"
#include "store/district_key.h"

struct passkey_request {
    struct hub_store *store;
    const char *password;
    char *hash;
    unsigned char *wrap;
    const char *agency; /* a partner's */
};

static int audit(struct console_exchange *x, const char *actor, const char *action,
                 const char *target)
{
    return hub_audit_append(x->store, actor, action, target, x->req->peer, x->now_s * 1000);
}

/* The stored hash of an enabled account named name, or "" (unknown or disabled: the
 * verification below then runs against the dummy hash, with the same work). */
static int hash_of(void *context, const char *name, char hash[PASSWORD_HASH_BYTES])
{
    struct console_exchange *x = context;
    struct hub_account account;
    hash[0] = '\0';
    if (hub_account_name_check(name) != 0)
        return 0;
    int rc = hub_account_get(x->store, name, &account);
    if (rc == SAE_ENOTFOUND || (rc == 0 && account.disabled))
        return 0;
    if (rc == 0)
        rc = hub_account_password_hash(x->store, name, hash);
    return rc;
}

/* A coordinator's password opens the district key into the new session, a partner's their
 * agency's key (store/agency_key.h); operators and admins hold none. One whose password
 * opens nothing (no wrap: none was made since a reset by an admin, or for a later partner
 * of an agency) signs in without it, audited, so that the console says so. */
static int session_key(struct console_exchange *x, const char *name, const char *password,
                       const unsigned char *wrapping_key,
                       const uint8_t token_hash[SESSION_HASH_BYTES])
{
    struct hub_account account;
    unsigned char *secret = NULL;
    int rc = hub_account_get(x->store, name, &account);
    if (rc != 0 || (account.role != HUB_ROLE_COORDINATOR && account.role != HUB_ROLE_PARTNER))
        return rc;
    if (account.role == HUB_ROLE_PARTNER)
        rc = agency_key_unlock(x->store, name, password, wrapping_key, &secret);
    else
        rc = district_key_unlock_split(x->store, x->console->dir, name, password, wrapping_key,
                                       &secret);
    if (rc == SAE_ENOTFOUND || rc == SAE_EPERM || rc == SAE_ECORRUPT)
        return audit(x, name, "sign-in-without-key", sae_error_name(rc));
    if (rc == 0)
        rc = session_keys_put(x->console->keys, token_hash, secret); /* owns secret now */
    if (rc == 0) {
        x->caller.holds_key = account.role == HUB_ROLE_COORDINATOR;
        x->caller.holds_agency_key = account.role == HUB_ROLE_PARTNER;
    }
    return rc;
}

static int session_open(struct console_exchange *x, const char *name, const char *password,
                        const unsigned char *wrapping_key, char token[SESSION_TOKEN_TEXT_BYTES],
                        char csrf[SESSION_TOKEN_TEXT_BYTES])
{
    uint8_t token_hash[SESSION_HASH_BYTES];
    int rc = session_new(token, csrf, token_hash);
    if (rc == 0)
        rc = hub_session_add(x->store, token_hash, name, csrf, x->now_s);
    if (rc == 0)
        rc = audit(x, name, "sign-in", "");
    if (rc == 0)
        rc = session_key(x, name, password, wrapping_key, token_hash);
    sodium_memzero(token_hash, sizeof token_hash);
    return rc;
}

int console_sign_in(struct console_exchange *x, const char *name, const char *password,
                    char token[SESSION_TOKEN_TEXT_BYTES], char csrf[SESSION_TOKEN_TEXT_BYTES],
                    enum console_outcome *outcome, int64_t *retry_after_s)
{
    const char *typed = name ? name : "";
    struct sign_in judge = {x->console->throttle, x->req->peer, hash_of, x, x->now_s};
    enum sign_in_outcome judged = SIGN_IN_REFUSED;
    /* The password's check gives the key of a coordinator's wrap: one Argon2id in all. */
    unsigned char *wrapping = NULL;
    bool keyed = false;
    int rc = sae_secure_alloc(SAE_PASSKEY_KEY_BYTES, (void **)&wrapping);
    if (rc == 0)
        rc = sign_in_judge_key(&judge, typed, password, wrapping, &keyed, &judged,
                               retry_after_s);
    x->now_s = judge.now_s;
    if (rc == 0 && judged == SIGN_IN_OK)
        rc = session_open(x, typed, password, keyed ? wrapping : NULL, token, csrf);
    sae_secure_free(wrapping);
    if (rc != 0)
        return rc;
    if (judged == SIGN_IN_THROTTLED) {
        *outcome = CONSOLE_THROTTLED;
        /* The name as typed may be a password typed in the wrong box: never audited. */
        return audit(x, "-", "sign-in-throttled", "");
    }
    if (judged == SIGN_IN_REFUSED) {
        *outcome = CONSOLE_REFUSED;
        struct hub_account account;
        bool known = hub_account_name_check(typed) == 0 &&
                     hub_account_get(x->store, typed, &account) == 0;
        return audit(x, known ? typed : "-", "sign-in-failed", known ? typed : "");
    }
    *outcome = CONSOLE_OK;
    return 0;
}

int console_sign_out(struct console_exchange *x)
{
    session_keys_drop(x->console->keys, x->caller.token_hash);
    int rc = hub_session_end(x->store, x->caller.token_hash);
    if (rc == 0)
        rc = audit(x, x->caller.account.name, "sign-out", "");
    return rc;
}

static int agency_passkey_with(const unsigned char *secret, void *context)
{
    struct passkey_request *r = context;
    return agency_key_passkey(r->store, r->agency, secret, r->password, r->hash, r->wrap);
}

/* A partner's new password wraps their agency's key: the session's, else opened with the
 * current password. One who holds none gets a hash alone. */
static int partner_passkey(struct console_exchange *x, const char *current, const char *fresh,
                           char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES],
                           bool *wrapped)
{
    struct passkey_request request = {x->store, fresh, hash, wrap, x->caller.account.agency};
    unsigned char *secret = NULL;
    int rc = x->caller.holds_agency_key
                 ? session_keys_use(x->console->keys, x->caller.token_hash, agency_passkey_with,
                                    &request)
                 : SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND &&
        agency_key_unlock(x->store, x->caller.account.name, current, NULL, &secret) == 0)
        rc = agency_passkey_with(secret, &request);
    sae_secure_free(secret);
    *wrapped = rc == 0;
    if (rc == SAE_ENOTFOUND)
        rc = password_hash(fresh, hash);
    return rc;
}

int console_change_password(struct console_exchange *x, const char *current,
                            const char *fresh, const char *again,
                            enum console_outcome *outcome)
{
    char hash[PASSWORD_HASH_BYTES];
    const char *name = x->caller.account.name;
    if (!fresh || !again || strcmp(fresh, again) != 0 || password_check(fresh) != 0) {
        *outcome = CONSOLE_INVALID;
        return 0;
    }
    int rc = hub_account_password_hash(x->store, name, hash);
    if (rc != 0)
        return rc;
    bool match = password_verify(hash, current ? current : "");
    if (!match) {
        sodium_memzero(hash, sizeof hash);
        *outcome = CONSOLE_REFUSED;
        return audit(x, name, "password-change-failed", name);
    }
    /* The same key, wrapped by the new password: from the session, else opened with the
     * current password (a session signed in before a restart holds none). */
    unsigned char wrap[SAE_KEYWRAP_BYTES], *secret = NULL;
    bool coordinator = x->caller.account.role == HUB_ROLE_COORDINATOR, wrapped = false;
    if (x->caller.account.role == HUB_ROLE_PARTNER) {
        rc = partner_passkey(x, current, fresh, hash, wrap, &wrapped);
    } else if (coordinator && !x->caller.holds_key &&
        district_key_unlock(x->store, x->console->dir, name, current, &secret) == 0) {
        rc = district_key_passkey(x->store, secret, fresh, hash, wrap);
        wrapped = rc == 0;
    } else {
        rc = console_passkey(x, fresh, coordinator, hash, wrap, &wrapped);
    }
    sae_secure_free(secret);
    if (rc == 0)
        rc = hub_account_set_password(x->store, name, hash, wrapped ? wrap : NULL);
    if (rc == 0 && wrapped) /* a wrap made from the unclaimed file may retire it */
        rc = district_key_settle(x->store, x->console->dir);
    if (rc == 0)
        session_keys_drop(x->console->keys, x->caller.token_hash);
    sodium_memzero(hash, sizeof hash);
    if (rc == 0)
        rc = audit(x, name, "password-change", name);
    if (rc == 0)
        *outcome = CONSOLE_OK;
    return rc;
}

int console_accept_conduct(struct console_exchange *x)
{
    int rc = hub_account_accept_conduct(x->store, x->caller.account.name, x->now_s * 1000);
    if (rc == 0) {
        x->caller.account.conduct_ms = x->now_s * 1000;
        rc = audit(x, x->caller.account.name, "conduct-accept", "");
    }
    return rc;
}


static int passkey_with(const unsigned char *secret, void *context)
{
    struct passkey_request *r = context;
    return district_key_passkey(r->store, secret, r->password, r->hash, r->wrap);
}

int console_passkey(struct console_exchange *x, const char *password, bool coordinator,
                    char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES],
                    bool *wrapped)
{
    struct passkey_request request = {x->store, password, hash, wrap, NULL};
    unsigned char *secret = NULL;
    _Static_assert(SAE_PASSKEY_TEXT_BYTES <= PASSWORD_HASH_BYTES, "a verifier fits");
    *wrapped = false;
    if (!coordinator)
        return password_hash(password, hash);
    int rc = session_keys_use(x->console->keys, x->caller.token_hash, passkey_with, &request);
    if (rc == SAE_ENOTFOUND) {
        rc = district_key_unclaimed(x->console->dir, &secret);
        if (rc == 0)
            rc = passkey_with(secret, &request);
        sae_secure_free(secret);
    }
    *wrapped = rc == 0;
    return rc == SAE_ENOTFOUND ? district_key_passkey(x->store, NULL, password, hash, NULL) : rc;
}

/* A session is live while its row exists, its account is enabled and session_judge says so. */
static bool session_live(const uint8_t token_hash[SESSION_HASH_BYTES], void *context)
{
    struct console_exchange *x = context;
    struct hub_session session;
    struct hub_account account;
    if (hub_session_get(x->store, token_hash, &session) != 0 ||
        hub_account_get(x->store, session.account, &account) != 0 || account.disabled)
        return false;
    return session_judge(&x->console->limits, x->now_s, session.created_s, session.seen_s) ==
           SESSION_LIVE;
}

void console_keys_sweep(struct console_exchange *x)
{
    pthread_mutex_lock(&x->console->lock);
    bool due = x->console->keys_swept_s != x->now_s;
    x->console->keys_swept_s = x->now_s;
    pthread_mutex_unlock(&x->console->lock);
    if (due)
        session_keys_sweep(x->console->keys, session_live, x);
}
