/* A value sealed to a storage key pair's public half (proto/STORAGE_KEYS.md section 3):
 * anyone holding the public half can seal (writing and syncing never need a secret), only
 * the secret half opens. crypto_box_seal: an ephemeral X25519 key per value, XSalsa20-
 * Poly1305. Bytes:
 *
 *   0  1   version (SAE_SEALED_VERSION)
 *   1  4   key tag: the first 4 bytes of BLAKE2b-256 of the public key sealed to, so a value
 *          sealed to another key (a district key, an older key) is told apart from damage
 *   5  48 + n   crypto_box_seal of the n-byte value, n at most SAE_SEALED_PLAIN_MAX
 */
#ifndef SAE_SEALED_H
#define SAE_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"
#include "sae_limits.h"

#define SAE_SEALED_VERSION 1u
#define SAE_SEALED_KEY_BYTES 32u
#define SAE_SEALED_TAG_BYTES 4u
#define SAE_SEALED_HEADER_BYTES (1u + SAE_SEALED_TAG_BYTES)
#define SAE_SEALED_OVERHEAD (SAE_SEALED_HEADER_BYTES + 48u)
/* The largest value: the catalogue's longest text. */
#define SAE_SEALED_PLAIN_MAX ((size_t)SAE_LIMIT_TEXT_BYTES)
#define SAE_SEALED_MAX_BYTES (SAE_SEALED_OVERHEAD + SAE_SEALED_PLAIN_MAX)

struct sae_sealed_header {
    uint8_t version;
    unsigned char key_tag[SAE_SEALED_TAG_BYTES];
    size_t plain_len;
};

/* The tag of a public key. */
void sae_sealed_key_tag(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                        unsigned char out[SAE_SEALED_TAG_BYTES]);
/* Reads the header of len bytes. SAE_ECORRUPT: shorter than the overhead; SAE_ESCHEMA: a
 * version this program does not know; SAE_ETOOBIG: over SAE_SEALED_MAX_BYTES. */
int sae_sealed_header(const unsigned char *bytes, size_t len, struct sae_sealed_header *out);
/* *out (malloc'd, *out_len bytes): plain (len bytes, at most SAE_SEALED_PLAIN_MAX:
 * SAE_ETOOBIG) sealed to public_key. SAE_ENOMEM, SAE_ECRYPTO. */
int sae_sealed_seal(const unsigned char public_key[SAE_SEALED_KEY_BYTES], const void *plain,
                    size_t len, unsigned char **out, size_t *out_len);
/* *out: the value, malloc'd with a NUL after its *out_len bytes (the caller frees it with
 * sae_wipe_free). The header's errors; SAE_EPERM: sealed to another key; SAE_ECORRUPT: it
 * does not open (damaged or forged); SAE_ENOMEM. */
int sae_sealed_open(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char *bytes, size_t len, char **out, size_t *out_len);

#endif
