/* Signing in and out, passwords and the code of conduct, for pages and API alike
 * (console_internal.h). Every outcome that matters is audited; no password, token or hash
 * ever reaches the audit or the log. */
#include "api/console_internal.h"

#include <sodium.h>
#include <string.h>

#include "app/password.h"
#include "app/sign_in.h"

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

static int session_open(struct console_exchange *x, const char *name,
                        char token[SESSION_TOKEN_TEXT_BYTES], char csrf[SESSION_TOKEN_TEXT_BYTES])
{
    uint8_t token_hash[SESSION_HASH_BYTES];
    int rc = session_new(token, csrf, token_hash);
    if (rc == 0)
        rc = hub_session_add(x->store, token_hash, name, csrf, x->now_s);
    if (rc == 0)
        rc = audit(x, name, "sign-in", "");
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
    int rc = sign_in_judge(&judge, typed, password, &judged, retry_after_s);
    x->now_s = judge.now_s;
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
    rc = session_open(x, typed, token, csrf);
    if (rc == 0)
        *outcome = CONSOLE_OK;
    return rc;
}

int console_sign_out(struct console_exchange *x)
{
    int rc = hub_session_end(x->store, x->caller.token_hash);
    if (rc == 0)
        rc = audit(x, x->caller.account.name, "sign-out", "");
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
    rc = password_hash(fresh, hash);
    if (rc == 0)
        rc = hub_account_set_password(x->store, name, hash);
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
