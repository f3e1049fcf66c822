/* The part of signing in both programs share: the throttle asked first (per name as typed
 * and per address), the stored hash of the name looked up by the application, the password
 * verified with the same Argon2id work whether or not the name exists, the hash wiped, and
 * the throttle told the outcome. The application opens its session and answers. */
#ifndef WEB_SIGN_IN_H
#define WEB_SIGN_IN_H

#include <stdbool.h>
#include <stdint.h>

#include "app/password.h"
#include "app/throttle.h"

enum sign_in_outcome {
    SIGN_IN_OK,
    SIGN_IN_REFUSED,   /* no such (enabled) name, or the wrong password */
    SIGN_IN_THROTTLED, /* too many failures: *retry_after_s to wait */
};

/* The stored hash of name (PASSWORD_HASH_BYTES) into hash, or "" when no one who may sign
 * in has it; 0 or a SAE_E* code. */
typedef int (*sign_in_hash_fn)(void *context, const char *name,
                               char hash[PASSWORD_HASH_BYTES]);

struct sign_in {
    struct throttle *throttle;
    const char *peer;      /* the client's address */
    sign_in_hash_fn hash_of;
    void *context;         /* hash_of's */
    int64_t now_s;         /* in: the request's arrival; out: after the hashing's wait */
};

/* Judges name (NULL as "") and password (NULL as ""). The hashing waits its turn
 * (PASSWORD_HASHES_AT_ONCE): under a flood of guesses that can be longer than a session's
 * idle limit, so s->now_s is read again after it, for the session to be stamped with. */
int sign_in_judge(struct sign_in *s, const char *name, const char *password,
                  enum sign_in_outcome *outcome, int64_t *retry_after_s);
/* The same, and when the stored hash is a verifier (sae/sae_passkey.h) and the password
 * matches, wrapping_key (the caller's secure memory, SAE_PASSKEY_KEY_BYTES) holds the key
 * the same Argon2id gives for the wrap that pairs with it, and *keyed is true. */
int sign_in_judge_key(struct sign_in *s, const char *name, const char *password,
                      unsigned char *wrapping_key, bool *keyed, enum sign_in_outcome *outcome,
                      int64_t *retry_after_s);

#endif
