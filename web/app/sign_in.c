/* Judging a sign-in (sign_in.h). */
#include "app/sign_in.h"

#include <sodium.h>
#include <time.h>

int sign_in_judge(struct sign_in *s, const char *name, const char *password,
                  enum sign_in_outcome *outcome, int64_t *retry_after_s)
{
    bool keyed = false;
    return sign_in_judge_key(s, name, password, NULL, &keyed, outcome, retry_after_s);
}

int sign_in_judge_key(struct sign_in *s, const char *name, const char *password,
                      unsigned char *wrapping_key, bool *keyed, enum sign_in_outcome *outcome,
                      int64_t *retry_after_s)
{
    *keyed = false;
    char hash[PASSWORD_HASH_BYTES];
    const char *typed = name ? name : "";
    int64_t wait = throttle_wait(s->throttle, typed, s->peer, s->now_s);
    if (wait > 0) {
        *outcome = SIGN_IN_THROTTLED;
        *retry_after_s = wait;
        return 0;
    }
    int rc = s->hash_of(s->context, typed, hash);
    if (rc != 0) {
        sodium_memzero(hash, sizeof hash);
        return rc;
    }
    bool match = password_verify_key(hash[0] ? hash : NULL, password ? password : "",
                                     wrapping_key, keyed);
    sodium_memzero(hash, sizeof hash);
    s->now_s = (int64_t)time(NULL);
    if (match)
        throttle_succeeded(s->throttle, typed, s->now_s);
    else
        throttle_failed(s->throttle, typed, s->peer, s->now_s);
    *outcome = match ? SIGN_IN_OK : SIGN_IN_REFUSED;
    return 0;
}
