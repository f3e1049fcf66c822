/* Opening a storage key pair's secret for one of its holders, the same on either side (the
 * post's staff in node/store/storage_key.c, the district's coordinators in
 * hub/store/district_key.c; proto/STORAGE_KEYS.md sections 2 and 2a): each keeper passes its
 * store's operations, and the logic of unlocking, of moving a holder of the old form to one
 * Argon2id's verifier and wrap, and of making a new verifier and wrap lives here once.
 * Every secret returned is sae_secure_alloc'd: sae_secure_free it. */
#ifndef SAE_KEY_HOLDERS_H
#define SAE_KEY_HOLDERS_H

#include "sae_error.h"
#include "sae_key_pair.h"

/* Room for a holder's stored hash (a crypto_pwhash_str string or a verifier), with its NUL. */
#define SAE_KEY_HOLDERS_HASH_BYTES 128u

/* A keeper's store seen through its holders; each operation gets store back. */
struct sae_key_holders {
    void *store;
    /* The pair's public half; SAE_ENOTFOUND before the pair exists. */
    int (*public_key)(void *store, unsigned char out[SAE_KEY_PAIR_BYTES]);
    /* name's stored hash (SAE_KEY_HOLDERS_HASH_BYTES) and wrap (SAE_KEYWRAP_BYTES);
     * SAE_ENOTFOUND: no such holder, or no wrap. */
    int (*hash)(void *store, const char *name, char *out);
    int (*wrap)(void *store, const char *name, unsigned char *out);
    /* name's hash and wrap set to new_hash and wrap, only while the hash is still old_hash
     * (SAE_ENOTFOUND otherwise: a reset meanwhile stands). */
    int (*replace)(void *store, const char *name, const char *old_hash, const char *new_hash,
                   const unsigned char *wrap);
    /* For a holder without a wrap: *secret, the unclaimed secret, now wrapped for name by
     * passphrase. SAE_ENOTFOUND when none can be made. */
    int (*claim)(void *store, const char *name, const char *passphrase,
                 unsigned char **secret);
};

/* 0 when secret is the secret half of the holders' public key; SAE_ECORRUPT when not. */
int sae_key_holders_check(const struct sae_key_holders *h, const unsigned char *secret);
/* out (SAE_KEYWRAP_BYTES): secret, checked, wrapped by passphrase (version 1). */
int sae_key_holders_wrap(const struct sae_key_holders *h, const unsigned char *secret,
                         const char *passphrase, unsigned char *out);
/* hash (SAE_PASSKEY_TEXT_BYTES): a verifier of passphrase and, with secret not NULL
 * (checked: SAE_ECORRUPT), wrap (SAE_KEYWRAP_BYTES) pairing with it, from one Argon2id. */
int sae_key_holders_passkey(const struct sae_key_holders *h, const unsigned char *secret,
                            const char *passphrase, char *hash, unsigned char *wrap);
/* *secret: wrap opened with passphrase (len bytes) and checked. sae_key_pair_open's errors. */
int sae_key_holders_open(const struct sae_key_holders *h, const unsigned char *wrap,
                         const void *passphrase, size_t len, unsigned char **secret);
/* *secret: name's key, opened with passphrase (a holder without a wrap claims one). A holder
 * of the old form is then moved to one Argon2id's verifier and wrap, once their hash is
 * confirmed (best effort: the key is open either way). SAE_EPERM: the passphrase does not
 * open the wrap; SAE_ENOTFOUND: no wrap and none can be made; SAE_ECORRUPT. */
int sae_key_holders_unlock(const struct sae_key_holders *h, const char *name,
                           const char *passphrase, unsigned char **secret);
/* The same, with wrapping_key (or NULL) the key a check of name's verifier gave: when their
 * wrap pairs with it, it opens the wrap and no Argon2id runs; otherwise as unlock. */
int sae_key_holders_unlock_split(const struct sae_key_holders *h, const char *name,
                                 const char *passphrase, const unsigned char *wrapping_key,
                                 unsigned char **secret);

#endif
