/* Argon2id password hashing with bounded concurrency (password.h). */
#include "app/password.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "sae/sae_passkey.h"
#include "sae/sae_validate.h"

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_free = PTHREAD_COND_INITIALIZER;
static unsigned slots_used;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[PASSWORD_HASH_BYTES];

static void slot_take(void)
{
    pthread_mutex_lock(&slots_lock);
    while (slots_used >= PASSWORD_HASHES_AT_ONCE)
        pthread_cond_wait(&slots_free, &slots_lock);
    slots_used++;
    pthread_mutex_unlock(&slots_lock);
}

static void slot_give(void)
{
    pthread_mutex_lock(&slots_lock);
    slots_used--;
    pthread_cond_signal(&slots_free);
    pthread_mutex_unlock(&slots_lock);
}

int password_check(const char *password)
{
    size_t len = password ? strlen(password) : 0;
    if (len < PASSWORD_MIN_BYTES || len > PASSWORD_MAX_BYTES ||
        sae_utf8_check(password, len) != 0)
        return SAE_EINVAL;
    return 0;
}

int password_hash(const char *password, char out[PASSWORD_HASH_BYTES])
{
    if (password_check(password) != 0)
        return SAE_EINVAL;
    slot_take();
    int rc = crypto_pwhash_str(out, password, strlen(password), PASSWORD_OPSLIMIT,
                               PASSWORD_MEMLIMIT);
    slot_give();
    return rc == 0 ? 0 : SAE_ENOMEM;
}

static void dummy_make(void)
{
    char random_password[33];
    password_one_time(random_password);
    if (crypto_pwhash_str(dummy_hash, random_password, strlen(random_password),
                          PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0)
        dummy_hash[0] = '\0';
    sodium_memzero(random_password, sizeof random_password);
}

/* Whether typed (len bytes) matches against, of either form. */
static bool matches(const char *against, const char *typed, size_t len, unsigned char *wrapping,
                    bool *keyed)
{
    if (!sae_passkey_is(against))
        return against[0] != '\0' && crypto_pwhash_str_verify(against, typed, len) == 0;
    /* An empty passphrase never matches, but costs the same Argon2id as a wrong one. */
    bool match = sae_passkey_check(against, len ? typed : " ", len ? len : 1, wrapping) == 0 &&
                 len > 0;
    *keyed = match && wrapping != NULL;
    return match;
}

bool password_verify_key(const char *hash, const char *password, unsigned char *wrapping_key,
                         bool *keyed)
{
    size_t len = password ? strlen(password) : 0;
    bool known = hash != NULL && hash[0] != '\0', unused = false;
    bool *out = keyed ? keyed : &unused;
    pthread_once(&dummy_once, dummy_make);
    const char *against = known ? hash : dummy_hash;
    if (len > PASSWORD_MAX_BYTES)
        len = PASSWORD_MAX_BYTES;
    *out = false;
    slot_take();
    bool match = matches(against, password ? password : "", len, wrapping_key, out);
    slot_give();
    if (!known && *out) {
        sodium_memzero(wrapping_key, SAE_PASSKEY_KEY_BYTES);
        *out = false;
    }
    return known && match;
}

bool password_verify(const char *hash, const char *password)
{
    return password_verify_key(hash, password, NULL, NULL);
}

void password_one_time(char out[PASSWORD_ONE_TIME_CHARS + 1])
{
    static const char ALPHABET[] = "abcdefghjkmnpqrstuvwxyz23456789AB";
    for (unsigned i = 0; i < PASSWORD_ONE_TIME_CHARS; i++)
        out[i] = ALPHABET[randombytes_uniform(32)];
    out[PASSWORD_ONE_TIME_CHARS] = '\0';
}
