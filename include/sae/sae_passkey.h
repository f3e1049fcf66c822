/* A passphrase's verifier and wrapping key from one Argon2id (proto/STORAGE_KEYS.md section
 * 2a): Argon2id(passphrase, salt, passes, memory) is a 32-byte master from which
 * crypto_kdf (BLAKE2b keyed by the master, context "SAEpass1") derives subkey 1, the
 * verifier kept in the clear, and subkey 2, the key that wraps a storage secret (a version-2
 * wrap, sae_keywrap.h). A sign-in that checks the passphrase so gets the key that unwraps
 * the storage secret without a second Argon2id; the verifier tells nothing of subkey 2.
 *
 * The verifier is kept as text where a crypto_pwhash_str hash was kept (the staff's and
 * accounts' passphrase_hash columns), at most SAE_PASSKEY_TEXT_BYTES with its NUL:
 *   $sae-passkey$v=1$t=PASSES,m=KIB$SALT$VERIFIER
 * SALT and VERIFIER in base64 without padding (sodium's ORIGINAL_NO_PADDING variant). */
#ifndef SAE_PASSKEY_H
#define SAE_PASSKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"
#include "sae_keywrap.h"

#define SAE_PASSKEY_PREFIX "$sae-passkey$v=1$"
#define SAE_PASSKEY_TEXT_BYTES 128u
#define SAE_PASSKEY_KEY_BYTES SAE_KEYWRAP_KEY_BYTES

/* Whether text is a verifier of this form (by its prefix; its parts are checked on use). */
bool sae_passkey_is(const char *text);

/* verifier and wrapping (either may be NULL): master's subkeys 1 and 2. master may be the
 * same memory as wrapping. SAE_ECRYPTO. */
int sae_passkey_split(const unsigned char master[SAE_PASSKEY_KEY_BYTES], unsigned char *verifier,
                      unsigned char *wrapping);

/* One Argon2id with the programs' parameters (SAE_KEYWRAP_OPSLIMIT, _MEMLIMIT_KIB) and a new
 * salt: text, the verifier; with secret not NULL, wrap, secret wrapped (version 2) under the
 * same salt. SAE_EINVAL (passphrase 1..SAE_KEYWRAP_PASSPHRASE_MAX_BYTES), SAE_ENOMEM. */
int sae_passkey_make(const char *passphrase, size_t len, const unsigned char *secret,
                     char text[SAE_PASSKEY_TEXT_BYTES], unsigned char *wrap);
/* The same with given parameters (within sae_keywrap.h's bounds: SAE_ERANGE). */
int sae_passkey_make_params(const char *passphrase, size_t len, const unsigned char *secret,
                            uint32_t opslimit, uint32_t memlimit_kib,
                            char text[SAE_PASSKEY_TEXT_BYTES], unsigned char *wrap);

/* One Argon2id: 0 when passphrase matches text, and then, when wrapping is not NULL, the
 * wrapping key under text's salt (secure memory of the caller's, SAE_PASSKEY_KEY_BYTES).
 * SAE_EPERM: it does not match; SAE_ECORRUPT: text is not a verifier; SAE_ERANGE: its
 * parameters are out of bounds (checked before hashing); SAE_ENOMEM. */
int sae_passkey_check(const char *text, const char *passphrase, size_t len,
                      unsigned char *wrapping);

/* Whether wrap (SAE_KEYWRAP_BYTES) is a version-2 wrap made with text's salt and parameters:
 * the wrapping key sae_passkey_check gives opens it. */
bool sae_passkey_pairs(const char *text, const unsigned char *wrap);

#endif
