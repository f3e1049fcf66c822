/* What a storage key pair's keeper needs on either side (the post's node/store/storage_key.c,
 * the district's hub/store/district_key.c; proto/STORAGE_KEYS.md): the unclaimed secret
 * half in a 0600 file of the program's directory until someone holds a wrap of it, the
 * check that a secret is the secret half of an expected public key, and a wrap opened into
 * secure memory and checked. Every secret returned is sae_secure_alloc'd: sae_secure_free
 * it. */
#ifndef SAE_KEY_PAIR_H
#define SAE_KEY_PAIR_H

#include <stdbool.h>
#include <stddef.h>

#include "sae_error.h"

#define SAE_KEY_PAIR_BYTES 32u

/* *secret: the 32 bytes of dir/name. SAE_ENOTFOUND when there is none; SAE_EPERM when other
 * users could read it; SAE_EIO. */
int sae_key_pair_unclaimed(const char *dir, const char *name, unsigned char **secret);
/* public_key: the public half of dir/name's secret (one a crash left behind is taken back),
 * else of a new pair whose secret is written there first (0600, synced). */
int sae_key_pair_make(const char *dir, const char *name,
                      unsigned char public_key[SAE_KEY_PAIR_BYTES]);
/* 0 when secret is the secret half of expected; SAE_ECORRUPT when not; SAE_ECRYPTO. */
int sae_key_pair_check(const unsigned char expected[SAE_KEY_PAIR_BYTES],
                       const unsigned char *secret);
/* *secret: wrapped (sae_keywrap.h) opened with passphrase (len bytes) and checked against
 * expected. sae_keywrap_open's errors; SAE_ECORRUPT: it opens to another pair's secret. */
int sae_key_pair_open(const unsigned char *wrapped, const void *passphrase, size_t len,
                      const unsigned char expected[SAE_KEY_PAIR_BYTES], unsigned char **secret);

/* *secret: wrap (version 2) opened with wrapping_key, the key a check of hash gave
 * (sae_passkey.h: no Argon2id), and checked against expected. SAE_EINVAL: wrap does not
 * pair with hash (open it with the passphrase); SAE_EPERM: the key does not open it. */
int sae_key_pair_open_split(const char *hash, const unsigned char *wrap,
                            const unsigned char *wrapping_key,
                            const unsigned char expected[SAE_KEY_PAIR_BYTES],
                            unsigned char **secret);
/* Whether a person's stored hash and wrap of secret, just opened with passphrase, are to move
 * to one Argon2id's verifier and wrap (sae_passkey.h): *moved false when they pair already
 * (wrap NULL: they hold none) or when hash is not passphrase's (a wrap whose passphrase the
 * hash cannot confirm is left to a reset); otherwise *moved true and fresh
 * (SAE_PASSKEY_TEXT_BYTES) and fresh_wrap (SAE_KEYWRAP_BYTES) the new pair. hash is checked
 * in either form (crypto_pwhash_str or a verifier): one or two Argon2id runs, once. */
int sae_key_pair_upgrade(const char *hash, const unsigned char *wrap, const char *passphrase,
                         const unsigned char *secret, bool *moved, char *fresh,
                         unsigned char *fresh_wrap);

#endif
