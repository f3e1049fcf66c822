/* A storage key pair's keeping (sae_key_pair.h). */
#include "sae/sae_key_pair.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_files.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"

_Static_assert(SAE_KEY_PAIR_BYTES == crypto_box_PUBLICKEYBYTES &&
                   SAE_KEY_PAIR_BYTES == crypto_box_SECRETKEYBYTES &&
                   SAE_KEY_PAIR_BYTES == SAE_KEYWRAP_KEY_BYTES,
               "one key size");

int sae_key_pair_unclaimed(const char *dir, const char *name, unsigned char **secret)
{
    void *key = NULL;
    char *path = sae_path_join(dir, name);
    int rc = path ? sae_secure_alloc(SAE_KEY_PAIR_BYTES, &key) : SAE_ENOMEM;
    if (rc == 0)
        rc = sae_file_read_private(path, key, SAE_KEY_PAIR_BYTES);
    free(path);
    if (rc != 0) {
        sae_secure_free(key);
        return rc;
    }
    *secret = key;
    return 0;
}

int sae_key_pair_make(const char *dir, const char *name,
                      unsigned char public_key[SAE_KEY_PAIR_BYTES])
{
    unsigned char *secret = NULL;
    int rc = sae_key_pair_unclaimed(dir, name, &secret);
    if (rc == SAE_ENOTFOUND) {
        rc = sae_secure_alloc(SAE_KEY_PAIR_BYTES, (void **)&secret);
        if (rc == 0 && crypto_box_keypair(public_key, secret) != 0)
            rc = SAE_ECRYPTO;
        if (rc == 0)
            rc = sae_file_write_private(dir, name, secret, SAE_KEY_PAIR_BYTES);
    } else if (rc == 0 && crypto_scalarmult_base(public_key, secret) != 0) {
        rc = SAE_ECRYPTO;
    }
    sae_secure_free(secret);
    return rc;
}

int sae_key_pair_check(const unsigned char expected[SAE_KEY_PAIR_BYTES],
                       const unsigned char *secret)
{
    unsigned char derived[SAE_KEY_PAIR_BYTES];
    if (crypto_scalarmult_base(derived, secret) != 0)
        return SAE_ECRYPTO;
    return sodium_memcmp(derived, expected, sizeof derived) == 0 ? 0 : SAE_ECORRUPT;
}

/* *secret: key (secure memory, opened when rc is 0) once it proves to be expected's secret
 * half; freed otherwise. */
static int keep_checked(int rc, void *key, const unsigned char expected[SAE_KEY_PAIR_BYTES],
                        unsigned char **secret)
{
    if (rc == 0)
        rc = sae_key_pair_check(expected, key);
    if (rc != 0) {
        sae_secure_free(key);
        return rc;
    }
    *secret = key;
    return 0;
}

int sae_key_pair_open(const unsigned char *wrapped, const void *passphrase, size_t len,
                      const unsigned char expected[SAE_KEY_PAIR_BYTES], unsigned char **secret)
{
    void *key = NULL;
    int rc = sae_secure_alloc(SAE_KEY_PAIR_BYTES, &key);
    if (rc == 0)
        rc = sae_keywrap_open(wrapped, SAE_KEYWRAP_BYTES, passphrase, len, key);
    return keep_checked(rc, key, expected, secret);
}

int sae_key_pair_open_split(const char *hash, const unsigned char *wrap,
                            const unsigned char *wrapping_key,
                            const unsigned char expected[SAE_KEY_PAIR_BYTES],
                            unsigned char **secret)
{
    void *key = NULL;
    int rc = sae_passkey_pairs(hash, wrap) ? sae_secure_alloc(SAE_KEY_PAIR_BYTES, &key)
                                           : SAE_EINVAL;
    if (rc == 0)
        rc = sae_keywrap_open_split(wrap, SAE_KEYWRAP_BYTES, wrapping_key, key);
    return keep_checked(rc, key, expected, secret);
}

/* Whether hash is passphrase's: a crypto_pwhash_str string or a verifier. */
static bool hash_matches(const char *hash, const char *passphrase)
{
    size_t len = strlen(passphrase);
    return sae_passkey_is(hash) ? sae_passkey_check(hash, passphrase, len, NULL) == 0
                                : crypto_pwhash_str_verify(hash, passphrase, len) == 0;
}

int sae_key_pair_upgrade(const char *hash, const unsigned char *wrap, const char *passphrase,
                         const unsigned char *secret, bool *moved, char *fresh,
                         unsigned char *fresh_wrap)
{
    *moved = false;
    if ((wrap && sae_passkey_pairs(hash, wrap)) || !hash_matches(hash, passphrase))
        return 0;
    int rc = sae_passkey_make(passphrase, strlen(passphrase), secret, fresh, fresh_wrap);
    *moved = rc == 0;
    return rc;
}
