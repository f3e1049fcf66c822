/* Session tokens, their hashes, expiry and CSRF comparison (session.h). */
#include "app/session.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void session_limits_default(struct session_limits *limits)
{
    limits->idle_seconds = SESSION_IDLE_SECONDS;
    limits->absolute_seconds = SESSION_ABSOLUTE_SECONDS;
}

int session_token_new(char out[SESSION_TOKEN_TEXT_BYTES])
{
    uint8_t raw[SESSION_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    char *text = sodium_bin2base64(out, SESSION_TOKEN_TEXT_BYTES, raw, sizeof raw,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return text ? 0 : SAE_ECRYPTO;
}

static bool token_form(const char *text)
{
    if (!text || strlen(text) != SESSION_TOKEN_TEXT_BYTES - 1)
        return false;
    for (const char *c = text; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return false;
    return true;
}

int session_token_hash(const char *text, uint8_t out[SESSION_HASH_BYTES])
{
    if (!token_form(text))
        return SAE_EINVAL;
    if (crypto_generichash(out, SESSION_HASH_BYTES, (const unsigned char *)text, strlen(text),
                           NULL, 0) != 0)
        return SAE_ECRYPTO;
    return 0;
}

enum session_state session_judge(const struct session_limits *limits, int64_t now_s,
                                 int64_t created_s, int64_t last_seen_s)
{
    if (now_s - created_s >= limits->absolute_seconds)
        return SESSION_ABSOLUTE_EXPIRED;
    if (now_s - last_seen_s >= limits->idle_seconds)
        return SESSION_IDLE_EXPIRED;
    return SESSION_LIVE;
}

bool session_csrf_equal(const char *expected, const char *given)
{
    if (!expected || !given || !token_form(expected) || !token_form(given))
        return false;
    return sodium_memcmp(expected, given, SESSION_TOKEN_TEXT_BYTES - 1) == 0;
}

static int64_t env_seconds(const char *name, int64_t fallback)
{
    const char *text = name ? getenv(name) : NULL;
    char *end = NULL;
    long long v = text ? strtoll(text, &end, 10) : 0;
    return text && end && *end == '\0' && v > 0 ? (int64_t)v : fallback;
}

void session_limits_from_env(struct session_limits *limits, const char *idle_env,
                             const char *absolute_env)
{
    session_limits_default(limits);
    limits->idle_seconds = env_seconds(idle_env, limits->idle_seconds);
    limits->absolute_seconds = env_seconds(absolute_env, limits->absolute_seconds);
}

int session_new(char token[SESSION_TOKEN_TEXT_BYTES], char csrf[SESSION_TOKEN_TEXT_BYTES],
                uint8_t hash[SESSION_HASH_BYTES])
{
    int rc = session_token_new(token);
    if (rc == 0)
        rc = session_token_new(csrf);
    if (rc == 0)
        rc = session_token_hash(token, hash);
    return rc;
}
