/* A secret key wrapped by a passphrase (proto/STORAGE_KEYS.md section 2): Argon2id
 * (crypto_pwhash, ALG_ARGON2ID13) turns the passphrase and a random salt into a 32-byte key
 * that seals the secret with XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf), the
 * header being the associated data, so a changed parameter, salt or version never opens.
 * SAE_KEYWRAP_BYTES bytes, big-endian:
 *
 *   0  "SAEK"   4 magic
 *   4  1        version (SAE_KEYWRAP_VERSION)
 *   5  1        algorithm (SAE_KEYWRAP_ALG_ARGON2ID_XCHACHA)
 *   6  0 0      reserved, zero
 *   8  u32      Argon2id passes (opslimit)
 *  12  u32      Argon2id memory in KiB
 *  16  16       salt
 *  32  24       nonce
 *  56  48       the 32-byte key sealed (32 + 16-byte tag)
 *
 * The parameters are bounded (SAE_KEYWRAP_*_MIN/MAX) before any hashing: a damaged or
 * hostile wrap cannot make the program allocate more than SAE_KEYWRAP_MEMLIMIT_KIB_MAX. */
#ifndef SAE_KEYWRAP_H
#define SAE_KEYWRAP_H

#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"

#define SAE_KEYWRAP_BYTES 104u
#define SAE_KEYWRAP_VERSION 1u
#define SAE_KEYWRAP_ALG_ARGON2ID_XCHACHA 1u
/* Version 2, algorithm 2: the wrapping key is subkey 2 of the Argon2id output
 * (sae_passkey.h), whose subkey 1 is the passphrase's verifier: a sign-in that checks the
 * passphrase gets the wrapping key from the same Argon2id. */
#define SAE_KEYWRAP_VERSION_SPLIT 2u
#define SAE_KEYWRAP_ALG_ARGON2ID_SPLIT_XCHACHA 2u
#define SAE_KEYWRAP_KEY_BYTES 32u
#define SAE_KEYWRAP_SALT_BYTES 16u
#define SAE_KEYWRAP_NONCE_BYTES 24u
#define SAE_KEYWRAP_SEALED_BYTES (SAE_KEYWRAP_KEY_BYTES + 16u)
#define SAE_KEYWRAP_HEADER_BYTES (SAE_KEYWRAP_BYTES - SAE_KEYWRAP_SEALED_BYTES)
/* What the programs write: the parameters of the staff's and accounts' passphrase hashes
 * (web/app/password.h), so the wrap beside a hash is no cheaper to guess against. */
#define SAE_KEYWRAP_OPSLIMIT 3u
#define SAE_KEYWRAP_MEMLIMIT_KIB (32u * 1024u)
/* What the programs accept: libsodium's own minimum, and at most 16 passes over 256 MiB. */
#define SAE_KEYWRAP_OPSLIMIT_MIN 1u
#define SAE_KEYWRAP_OPSLIMIT_MAX 16u
#define SAE_KEYWRAP_MEMLIMIT_KIB_MIN 8u
#define SAE_KEYWRAP_MEMLIMIT_KIB_MAX (256u * 1024u)
/* A passphrase is 1 to this many bytes (the programs ask for 12 or more). */
#define SAE_KEYWRAP_PASSPHRASE_MAX_BYTES 256u

struct sae_keywrap {
    uint8_t version, algorithm;
    uint32_t opslimit, memlimit_kib;
    unsigned char salt[SAE_KEYWRAP_SALT_BYTES];
    unsigned char nonce[SAE_KEYWRAP_NONCE_BYTES];
    unsigned char sealed[SAE_KEYWRAP_SEALED_BYTES];
};

/* Parses exactly SAE_KEYWRAP_BYTES. SAE_ECORRUPT: wrong length, magic, algorithm or
 * reserved bytes; SAE_ESCHEMA: a version this program does not know (a newer one wrote it);
 * SAE_ERANGE: parameters out of bounds. */
int sae_keywrap_decode(const unsigned char *bytes, size_t len, struct sae_keywrap *out);
/* The bytes of a wrap; SAE_ERANGE for parameters out of bounds, SAE_EINVAL otherwise bad. */
int sae_keywrap_encode(const struct sae_keywrap *wrap, unsigned char out[SAE_KEYWRAP_BYTES]);

/* Wraps key under passphrase (1..SAE_KEYWRAP_PASSPHRASE_MAX_BYTES bytes) with the programs'
 * parameters. SAE_EINVAL, SAE_ENOMEM (Argon2id's memory). */
int sae_keywrap_seal(const unsigned char key[SAE_KEYWRAP_KEY_BYTES], const char *passphrase,
                     size_t passphrase_len, unsigned char out[SAE_KEYWRAP_BYTES]);
/* The same with given parameters (within bounds: SAE_ERANGE); tests use the cheapest. */
int sae_keywrap_seal_params(const unsigned char key[SAE_KEYWRAP_KEY_BYTES],
                            const char *passphrase, size_t passphrase_len, uint32_t opslimit,
                            uint32_t memlimit_kib, unsigned char out[SAE_KEYWRAP_BYTES]);
/* Wraps key as version 2 with a wrapping key already derived (sae_passkey.h) from the
 * passphrase under salt, opslimit and memlimit_kib: no Argon2id runs. */
int sae_keywrap_seal_split(const unsigned char key[SAE_KEYWRAP_KEY_BYTES],
                           const unsigned char wrapping_key[SAE_KEYWRAP_KEY_BYTES],
                           const unsigned char salt[SAE_KEYWRAP_SALT_BYTES], uint32_t opslimit,
                           uint32_t memlimit_kib, unsigned char out[SAE_KEYWRAP_BYTES]);
/* Opens a version-2 wrap with its wrapping key (no Argon2id). SAE_EINVAL: a version-1 wrap
 * (open it with the passphrase); SAE_EPERM: another key, or the wrap was altered. */
int sae_keywrap_open_split(const unsigned char *wrapped, size_t len,
                           const unsigned char wrapping_key[SAE_KEYWRAP_KEY_BYTES],
                           unsigned char key_out[SAE_KEYWRAP_KEY_BYTES]);
/* Unwraps (either version) into key_out (the caller's secure memory, SAE_KEYWRAP_KEY_BYTES; untouched on
 * failure). The decode errors above; SAE_EPERM: the passphrase is wrong or the wrap was
 * altered (the two cannot be told apart); SAE_ENOMEM. */
int sae_keywrap_open(const unsigned char *wrapped, size_t len, const char *passphrase,
                     size_t passphrase_len, unsigned char key_out[SAE_KEYWRAP_KEY_BYTES]);

#endif
