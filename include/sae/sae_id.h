/* Report ids: 128-bit random values shown as canonical UUID text (version 4). */
#ifndef SAE_ID_H
#define SAE_ID_H

#include <stddef.h>
#include <stdint.h>

#include "sae_limits.h"

#define SAE_ID_BYTES 16

struct sae_id {
    uint8_t bytes[SAE_ID_BYTES];
};

/* A fresh random id from libsodium's CSPRNG (sodium_init must have succeeded). */
void sae_id_generate(struct sae_id *out);

/* Lower-case canonical text, 36 characters plus NUL. */
void sae_id_format(const struct sae_id *id, char out[SAE_ID_TEXT_LEN + 1]);

/* Parses canonical UUID text (either case); SAE_EINVAL unless exactly 36 characters in
 * 8-4-4-4-12 groups of hex digits. */
int sae_id_parse(const char *text, struct sae_id *out);

/* Lower-cases an id prefix into out if it has SAE_LIMIT_ID_PREFIX_MIN..36 characters that
 * could start a canonical id; SAE_EINVAL otherwise. */
int sae_id_normalize_prefix(const char *text, char out[SAE_ID_TEXT_LEN + 1]);

#endif
