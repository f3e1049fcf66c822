/* A storage key's holders (sae_key_holders.h). */
#include "sae/sae_key_holders.h"

#include <sodium.h>
#include <string.h>

#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"

_Static_assert(SAE_PASSKEY_TEXT_BYTES <= SAE_KEY_HOLDERS_HASH_BYTES, "a verifier fits");

int sae_key_holders_check(const struct sae_key_holders *h, const unsigned char *secret)
{
    unsigned char expected[SAE_KEY_PAIR_BYTES];
    int rc = h->public_key(h->store, expected);
    return rc == 0 ? sae_key_pair_check(expected, secret) : rc;
}

int sae_key_holders_wrap(const struct sae_key_holders *h, const unsigned char *secret,
                         const char *passphrase, unsigned char *out)
{
    int rc = sae_key_holders_check(h, secret);
    return rc == 0 ? sae_keywrap_seal(secret, passphrase, strlen(passphrase), out) : rc;
}

int sae_key_holders_passkey(const struct sae_key_holders *h, const unsigned char *secret,
                            const char *passphrase, char *hash, unsigned char *wrap)
{
    int rc = secret ? sae_key_holders_check(h, secret) : 0;
    return rc == 0 ? sae_passkey_make(passphrase, strlen(passphrase), secret, hash, wrap) : rc;
}

int sae_key_holders_open(const struct sae_key_holders *h, const unsigned char *wrap,
                         const void *passphrase, size_t len, unsigned char **secret)
{
    unsigned char expected[SAE_KEY_PAIR_BYTES];
    int rc = h->public_key(h->store, expected);
    return rc == 0 ? sae_key_pair_open(wrap, passphrase, len, expected, secret) : rc;
}

/* name, whose key is open, moved to a verifier and wrap of one Argon2id unless they have
 * them. Best effort: the key is open either way, and a reset meanwhile stands. */
static int upgrade(const struct sae_key_holders *h, const char *name, const char *passphrase,
                   const unsigned char *secret)
{
    char hash[SAE_KEY_HOLDERS_HASH_BYTES], fresh[SAE_PASSKEY_TEXT_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], fresh_wrap[SAE_KEYWRAP_BYTES];
    bool moved = false, wrapped = false;
    int rc = h->hash(h->store, name, hash);
    if (rc == 0) {
        wrapped = h->wrap(h->store, name, wrap) == 0;
        rc = sae_key_pair_upgrade(hash, wrapped ? wrap : NULL, passphrase, secret, &moved,
                                  fresh, fresh_wrap);
    }
    if (rc == 0 && moved)
        rc = h->replace(h->store, name, hash, fresh, fresh_wrap);
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(fresh, sizeof fresh);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

int sae_key_holders_unlock(const struct sae_key_holders *h, const char *name,
                           const char *passphrase, unsigned char **secret)
{
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    unsigned char *key = NULL;
    int rc = h->wrap(h->store, name, wrap);
    if (rc == SAE_ENOTFOUND)
        rc = h->claim(h->store, name, passphrase, &key);
    else if (rc == 0)
        rc = sae_key_holders_open(h, wrap, passphrase, strlen(passphrase), &key);
    if (rc == 0)
        rc = upgrade(h, name, passphrase, key);
    if (rc == 0)
        *secret = key;
    else
        sae_secure_free(key);
    return rc;
}

/* name's version-2 wrap opened with the key their verifier's check gave. */
static int open_split(const struct sae_key_holders *h, const char *name,
                      const unsigned char *wrapping_key, unsigned char **secret)
{
    char hash[SAE_KEY_HOLDERS_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], expected[SAE_KEY_PAIR_BYTES];
    int rc = h->hash(h->store, name, hash);
    if (rc == 0)
        rc = h->wrap(h->store, name, wrap);
    if (rc == 0)
        rc = h->public_key(h->store, expected);
    if (rc == 0)
        rc = sae_key_pair_open_split(hash, wrap, wrapping_key, expected, secret);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int sae_key_holders_unlock_split(const struct sae_key_holders *h, const char *name,
                                 const char *passphrase, const unsigned char *wrapping_key,
                                 unsigned char **secret)
{
    /* Anything but an open key (an old-form row, a reset since the check) takes the
     * passphrase's way, which also upgrades. */
    if (wrapping_key && open_split(h, name, wrapping_key, secret) == 0)
        return 0;
    return sae_key_holders_unlock(h, name, passphrase, secret);
}
