/* Passwords: Argon2id through libsodium's crypto_pwhash_str, with PASSWORD_OPSLIMIT passes
 * over PASSWORD_MEMLIMIT bytes, at most PASSWORD_HASHES_AT_ONCE at a time in the process (a
 * further sign-in waits its turn), so hashing takes at most PASSWORD_HASHES_AT_ONCE x
 * PASSWORD_MEMLIMIT of memory (64 MiB, a quarter of the hub's 256 MiB aim).
 * A password is PASSWORD_MIN_BYTES..PASSWORD_MAX_BYTES of UTF-8. */
#ifndef WEB_PASSWORD_H
#define WEB_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "sae/sae_error.h"

#define PASSWORD_OPSLIMIT 3u
#define PASSWORD_MEMLIMIT (32u * 1024u * 1024u)
#define PASSWORD_HASHES_AT_ONCE 2u
#define PASSWORD_MIN_BYTES 12u
#define PASSWORD_MAX_BYTES 256u
#define PASSWORD_HASH_BYTES 128u
/* One-time passwords: this many characters from a 32-letter alphabet without look-alikes
 * (80 bits). */
#define PASSWORD_ONE_TIME_CHARS 16u

/* SAE_EINVAL unless password is acceptable (length, UTF-8). */
int password_check(const char *password);
/* out (PASSWORD_HASH_BYTES): the hash string. SAE_EINVAL, SAE_ENOMEM (Argon2id's memory). */
int password_hash(const char *password, char out[PASSWORD_HASH_BYTES]);
/* Whether password matches hash: a crypto_pwhash_str string, or a verifier of one Argon2id
 * (sae/sae_passkey.h). With hash NULL (an unknown name) the same Argon2id work is done
 * against a hash made once at start, and the answer is false: the time of an answer does not
 * tell whether the name exists. */
bool password_verify(const char *hash, const char *password);
/* The same; when it matches a verifier and wrapping_key is not NULL, wrapping_key (the
 * caller's secure memory, SAE_PASSKEY_KEY_BYTES) is the key the same Argon2id gives for the
 * wrap that pairs with it, and *keyed is true (false otherwise). */
bool password_verify_key(const char *hash, const char *password, unsigned char *wrapping_key,
                         bool *keyed);
/* A new one-time password (PASSWORD_ONE_TIME_CHARS + NUL). */
void password_one_time(char out[PASSWORD_ONE_TIME_CHARS + 1]);

#endif
