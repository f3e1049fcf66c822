/* Session tokens of web applications. A token is 256 random bits (libsodium) sent to the
 * browser as 43 characters of URL-safe base64 in an HttpOnly, Secure, SameSite=Strict cookie;
 * the application stores only its hash (BLAKE2b-256), so a copied database opens no session.
 * Each session has a CSRF token of its own (256 random bits, shown in the session's forms),
 * required on every state-changing request and compared in constant time.
 *
 * Expiry (README, "Limits"): a session ends SESSION_IDLE_SECONDS after its last request and
 * SESSION_ABSOLUTE_SECONDS after sign-in, whichever comes first; both judged on a clock the
 * caller passes in (so tests can move it). */
#ifndef WEB_SESSION_H
#define WEB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"

#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_ABSOLUTE_SECONDS (12 * 60 * 60)
#define SESSION_TOKEN_BYTES 32u
/* Text form: 43 characters of URL-safe base64 without padding, plus the NUL. */
#define SESSION_TOKEN_TEXT_BYTES 44u
#define SESSION_HASH_BYTES 32u
/* The cookie holding the session token. */
#define SESSION_COOKIE "sae_session"

struct session_limits {
    int64_t idle_seconds;     /* SESSION_IDLE_SECONDS unless a test shortens it */
    int64_t absolute_seconds; /* SESSION_ABSOLUTE_SECONDS unless a test shortens it */
};

enum session_state {
    SESSION_LIVE,
    SESSION_IDLE_EXPIRED,
    SESSION_ABSOLUTE_EXPIRED,
};

void session_limits_default(struct session_limits *limits);
/* The defaults, each shortened by a test-only environment variable when it holds a positive
 * number of seconds (idle_env, absolute_env: names; README, "Test-only settings"). */
void session_limits_from_env(struct session_limits *limits, const char *idle_env,
                             const char *absolute_env);

/* A new random token as text (SESSION_TOKEN_TEXT_BYTES). Returns 0 or SAE_ECRYPTO. */
int session_token_new(char out[SESSION_TOKEN_TEXT_BYTES]);
/* A new session: its token (the cookie's value), its CSRF token and the token's stored hash
 * (wipe all three after use). Returns 0 or SAE_ECRYPTO. */
int session_new(char token[SESSION_TOKEN_TEXT_BYTES], char csrf[SESSION_TOKEN_TEXT_BYTES],
                uint8_t hash[SESSION_HASH_BYTES]);
/* The stored form of a token given as text: SAE_EINVAL unless text is exactly a token's
 * form (43 URL-safe base64 characters). */
int session_token_hash(const char *text, uint8_t out[SESSION_HASH_BYTES]);

/* Whether a session signed in at created_s and last used at last_seen_s (seconds) is still
 * live at now_s: live while now - last_seen < idle and now - created < absolute. */
enum session_state session_judge(const struct session_limits *limits, int64_t now_s,
                                 int64_t created_s, int64_t last_seen_s);

/* Whether the CSRF token a request sent equals the session's, compared in constant time
 * (sodium_memcmp); a NULL or wrongly sized given token is never equal. */
bool session_csrf_equal(const char *expected, const char *given);

#endif
