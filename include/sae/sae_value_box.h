/* A value box (proto/STORAGE_KEYS.md section 3a; PROTOCOL.md section 3, "Value boxes"): the
 * sensitive values of one change group (what one command on a post writes for one report),
 * deflated together and sealed once to the hub's key (sealed-format version 2), so that a
 * new report costs one seal's overhead, not one per value, and its values compress
 * together. ChangeGroup.sealed_values carries it; FieldChange.box_slot names a value in it.
 *
 * Inside the seal: a zlib stream (RFC 1950) of the values one after another, each its
 * length as an unsigned LEB128 varint then its bytes (UTF-8, no NUL). A slot is a value's
 * 1-based position. */
#ifndef SAE_VALUE_BOX_H
#define SAE_VALUE_BOX_H

#include <stddef.h>

#include "sae_sealed.h"

/* Values in one box. */
#define SAE_VALUE_BOX_VALUES_MAX 64u
/* The box's values with their lengths, inflated: the most a reader inflates before it
 * stops (a decompression bomb costs at most this). */
#define SAE_VALUE_BOX_PLAIN_MAX (256u * 1024u)
/* The deflated values are sealed whole: at most what a seal takes. */
#define SAE_VALUE_BOX_DEFLATED_MAX SAE_SEALED_PLAIN_MAX
/* The largest box on the wire. */
#define SAE_VALUE_BOX_MAX_BYTES SAE_SEALED_MAX_BYTES

/* Opened values: values[i] is slot i + 1, NUL-terminated, lens[i] bytes. */
struct sae_value_box {
    char **values;
    size_t *lens;
    size_t count;
};

/* *out (malloc'd, *out_len bytes; plaintext of survivors' values: free with sae_wipe_free):
 * values[0..count) framed and deflated. SAE_ETOOBIG: more than SAE_VALUE_BOX_VALUES_MAX
 * values, framed over SAE_VALUE_BOX_PLAIN_MAX or deflated over SAE_VALUE_BOX_DEFLATED_MAX
 * (the writer then seals its values one by one); SAE_EINVAL: none, NULL, or a value of 0
 * bytes; SAE_ENOMEM. */
int sae_value_box_pack(const char *const *values, size_t count, unsigned char **out,
                       size_t *out_len);
/* *out: the values of deflated[0..len), inflating at most SAE_VALUE_BOX_PLAIN_MAX bytes.
 * SAE_ECORRUPT: not a whole zlib stream, trailing bytes, a framing that runs past the end,
 * an empty value or one with a NUL, no value or more than SAE_VALUE_BOX_VALUES_MAX;
 * SAE_ETOOBIG: inflates past the limit; SAE_ENOMEM. */
int sae_value_box_unpack(const unsigned char *deflated, size_t len, struct sae_value_box *out);
/* *out (malloc'd, *out_len bytes): the values packed and sealed with sealer (version 2). */
int sae_value_box_seal(const struct sae_sealer *sealer, const char *const *values, size_t count,
                       unsigned char **out, size_t *out_len);
/* *out: the values of a box opened with opener. sae_opener_open's errors (SAE_EPERM another
 * key, SAE_ECORRUPT, SAE_ESCHEMA), then sae_value_box_unpack's. */
int sae_value_box_open(struct sae_opener *opener, const unsigned char *box, size_t len,
                       struct sae_value_box *out);
/* Wipes every value and frees; a zeroed box is fine. */
void sae_value_box_free(struct sae_value_box *box);

#endif
