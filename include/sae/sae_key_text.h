/* Keys as people read them (proto/STORAGE_KEYS.md section 6).
 *
 * A recovery key is 32 random bytes written for paper: RFC 4648 base32 (A-Z, 2-7), 52
 * characters, in 13 groups of 4 joined by '-' (64 characters). Read back case-insensitively,
 * with spaces, tabs, newlines and '-' anywhere ignored, so a copy typed from paper in any
 * grouping reads; anything else, or a count other than 52, is refused, the key untouched.
 *
 * A fingerprint names a public key in a few characters: the first 8 bytes of its
 * BLAKE2b-256 as 16 lowercase hex digits in 4 groups of 4 ("9f3a-01c2-7d44-be10"), enough to
 * tell a district's keys or a village's devices apart by eye. */
#ifndef SAE_KEY_TEXT_H
#define SAE_KEY_TEXT_H

#include <stddef.h>

#include "sae_error.h"

#define SAE_RECOVERY_KEY_BYTES 32u
#define SAE_RECOVERY_KEY_CHARS 52u
/* The grouped text with its NUL. */
#define SAE_RECOVERY_KEY_TEXT_BYTES 65u
/* Longest text accepted when reading one back (spacing included). */
#define SAE_RECOVERY_KEY_INPUT_MAX 256u
#define SAE_FINGERPRINT_TEXT_BYTES 20u

/* out: key's grouped text (wipe it after showing it). */
void sae_recovery_key_format(const unsigned char key[SAE_RECOVERY_KEY_BYTES],
                             char out[SAE_RECOVERY_KEY_TEXT_BYTES]);
/* key: the bytes of text (len bytes, at most SAE_RECOVERY_KEY_INPUT_MAX). SAE_EINVAL for any
 * other character, SAE_ERANGE for another count of characters or bits left over. */
int sae_recovery_key_parse(const char *text, size_t len,
                           unsigned char key[SAE_RECOVERY_KEY_BYTES]);
/* out: the fingerprint of a 32-byte public key. SAE_ECRYPTO. */
int sae_key_fingerprint(const unsigned char public_key[32], char out[SAE_FINGERPRINT_TEXT_BYTES]);

#endif
