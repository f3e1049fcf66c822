/* A value sealed to a storage key pair's public half (proto/STORAGE_KEYS.md section 3):
 * anyone holding the public half can seal (writing and syncing never need a secret), only
 * the secret half opens. Two versions, both read everywhere:
 *
 * Version 1 (sae_sealed_seal): crypto_box_seal, an ephemeral X25519 key per value.
 *   0  1   version 1
 *   1  4   key tag: the first 4 bytes of BLAKE2b-256 of the public key sealed to, so a value
 *          sealed to another key (a district key, an older key) is told apart from damage
 *   5  48 + n   crypto_box_seal of the n-byte value, n at most SAE_SEALED_PLAIN_MAX
 *
 * Version 2 (struct sae_sealer): one ephemeral key serves every value a sealer seals for its
 * recipient, so the X25519 is paid once per sealer, not once per value.
 *   0  1   version 2
 *   1  4   key tag, as in version 1
 *   5  32  the sealer's ephemeral public key
 *  37  24  a random nonce
 *  61  16 + n   crypto_box_easy_afternm (XSalsa20-Poly1305, MAC first) of the n-byte value
 *               under crypto_box_beforenm(recipient, ephemeral secret)
 */
#ifndef SAE_SEALED_H
#define SAE_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"
#include "sae_limits.h"

#define SAE_SEALED_VERSION 1u
#define SAE_SEALED_VERSION_SHARED 2u
#define SAE_SEALED_KEY_BYTES 32u
#define SAE_SEALED_TAG_BYTES 4u
#define SAE_SEALED_NONCE_BYTES 24u
#define SAE_SEALED_MAC_BYTES 16u
#define SAE_SEALED_HEADER_BYTES (1u + SAE_SEALED_TAG_BYTES)
/* Version 1's overhead, 53 bytes. */
#define SAE_SEALED_OVERHEAD (SAE_SEALED_HEADER_BYTES + 48u)
/* Version 2's: header, ephemeral key, nonce, MAC; 77 bytes. */
#define SAE_SEALED_SHARED_OVERHEAD                                                            \
    (SAE_SEALED_HEADER_BYTES + SAE_SEALED_KEY_BYTES + SAE_SEALED_NONCE_BYTES +               \
     SAE_SEALED_MAC_BYTES)
/* The largest value: the catalogue's longest text. */
#define SAE_SEALED_PLAIN_MAX ((size_t)SAE_LIMIT_TEXT_BYTES)
/* The largest sealed value of either version (version 2's). */
#define SAE_SEALED_MAX_BYTES (SAE_SEALED_SHARED_OVERHEAD + SAE_SEALED_PLAIN_MAX)
/* The ephemeral keys an opener keeps the shared key of (least recently derived replaced):
 * a hub batch or pull brings values of a few sealers (the district's and each device's). */
#define SAE_OPENER_SLOTS 16u

struct sae_sealed_header {
    uint8_t version;
    unsigned char key_tag[SAE_SEALED_TAG_BYTES];
    size_t plain_len;
};

/* The tag of a public key. */
void sae_sealed_key_tag(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                        unsigned char out[SAE_SEALED_TAG_BYTES]);
/* Reads the header of len bytes. SAE_ECORRUPT: shorter than its version's overhead or
 * version 0; SAE_ESCHEMA: a version this program does not know; SAE_ETOOBIG: a value over
 * SAE_SEALED_PLAIN_MAX. */
int sae_sealed_header(const unsigned char *bytes, size_t len, struct sae_sealed_header *out);
/* *out (malloc'd, *out_len bytes): plain (len bytes, at most SAE_SEALED_PLAIN_MAX:
 * SAE_ETOOBIG) sealed to public_key, version 1. SAE_ENOMEM, SAE_ECRYPTO. */
int sae_sealed_seal(const unsigned char public_key[SAE_SEALED_KEY_BYTES], const void *plain,
                    size_t len, unsigned char **out, size_t *out_len);
/* *out: the value (either version), malloc'd with a NUL after its *out_len bytes (the caller
 * frees it with sae_wipe_free). The header's errors; SAE_EPERM: sealed to another key;
 * SAE_ECORRUPT: it does not open (damaged or forged); SAE_ENOMEM. One X25519 each: many
 * values of one sealer open cheaper through a struct sae_opener. */
int sae_sealed_open(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char *bytes, size_t len, char **out, size_t *out_len);

/* Seals many values to one recipient in version 2. It holds the shared key (not the
 * ephemeral secret, wiped once the shared key is derived) in secure memory; free it when
 * the values it seals belong together (a transaction), so one key's reach stays small. */
struct sae_sealer;
/* *out: a sealer to public_key with a fresh ephemeral key. SAE_ECRYPTO: public_key is not
 * one X25519 can use (a low-order point); SAE_ENOMEM. */
int sae_sealer_new(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                   struct sae_sealer **out);
/* Whether sealer seals to public_key. */
int sae_sealer_is_for(const struct sae_sealer *sealer,
                      const unsigned char public_key[SAE_SEALED_KEY_BYTES]);
/* As sae_sealed_seal, in version 2 with sealer's key. */
int sae_sealer_seal(const struct sae_sealer *sealer, const void *plain, size_t len,
                    unsigned char **out, size_t *out_len);
/* Wipes and frees; NULL is fine. */
void sae_sealer_free(struct sae_sealer *sealer);

/* Opens values of either version for one key pair, keeping the shared key of the last
 * SAE_OPENER_SLOTS ephemeral keys it met (secure memory, wiped at free), so the values of
 * one version 2 sealer cost one X25519 together. */
struct sae_opener;
/* *out: an opener for the pair (copied; the caller wipes its own). SAE_EPERM: secret_key is
 * not public_key's secret half; SAE_ENOMEM. */
int sae_opener_new(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                   const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                   struct sae_opener **out);
/* As sae_sealed_open with opener's pair. */
int sae_opener_open(struct sae_opener *opener, const unsigned char *bytes, size_t len,
                    char **out, size_t *out_len);
/* The X25519 exchanges opener has computed (its cost, for tests and benchmarks). */
uint64_t sae_opener_exchanges(const struct sae_opener *opener);
/* Wipes and frees; NULL is fine. */
void sae_opener_free(struct sae_opener *opener);

#endif
