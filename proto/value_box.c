/* Value boxes: a change group's sensitive values deflated and sealed together
 * (sae_value_box.h). */
#define ZLIB_CONST
#include "sae/sae_value_box.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "sae/sae_error.h"
#include "sae/sae_wipe.h"
#include "zlib_zeroing.h"

#define VARINT_MAX_BYTES 5u /* lengths stay far below 2^35 */

static size_t varint_put(size_t n, unsigned char *out)
{
    size_t used = 0;
    do {
        unsigned char byte = n & 0x7f;
        n >>= 7;
        out[used++] = byte | (n ? 0x80 : 0);
    } while (n);
    return used;
}

/* The framed values, before deflating; SAE_ETOOBIG past SAE_VALUE_BOX_PLAIN_MAX. */
static int frame(const char *const *values, size_t count, unsigned char **out, size_t *out_len)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (!values[i] || values[i][0] == '\0')
            return SAE_EINVAL;
        size_t len = strlen(values[i]);
        if (len > SAE_VALUE_BOX_PLAIN_MAX)
            return SAE_ETOOBIG;
        total += VARINT_MAX_BYTES + len;
        if (total > SAE_VALUE_BOX_PLAIN_MAX + VARINT_MAX_BYTES * SAE_VALUE_BOX_VALUES_MAX)
            return SAE_ETOOBIG;
    }
    unsigned char *buf = malloc(total);
    size_t used = 0;
    if (!buf)
        return SAE_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(values[i]);
        used += varint_put(len, buf + used);
        memcpy(buf + used, values[i], len);
        used += len;
    }
    if (used > SAE_VALUE_BOX_PLAIN_MAX) {
        sae_wipe_free(buf, total);
        return SAE_ETOOBIG;
    }
    *out = buf;
    *out_len = used;
    return 0;
}

int sae_value_box_pack(const char *const *values, size_t count, unsigned char **out,
                       size_t *out_len)
{
    unsigned char *framed = NULL, *deflated = NULL;
    size_t framed_len = 0, used = 0;
    if (!values || !out || !out_len || count == 0)
        return SAE_EINVAL;
    if (count > SAE_VALUE_BOX_VALUES_MAX)
        return SAE_ETOOBIG;
    int rc = frame(values, count, &framed, &framed_len);
    if (rc != 0)
        return rc;
    if (!(deflated = malloc(SAE_VALUE_BOX_DEFLATED_MAX)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = zlib_zeroing_deflate(framed, framed_len, 9, deflated, SAE_VALUE_BOX_DEFLATED_MAX,
                                  &used);
    sae_wipe_free(framed, framed_len);
    if (rc != 0) {
        sae_wipe_free(deflated, deflated ? SAE_VALUE_BOX_DEFLATED_MAX : 0);
        return rc;
    }
    *out = deflated;
    *out_len = used;
    return 0;
}

/* Inflates the whole stream into buf (SAE_VALUE_BOX_PLAIN_MAX + 1 bytes): one byte more
 * than the limit tells an oversized box from one exactly at it. */
static int inflate_bounded(const unsigned char *in, size_t len, unsigned char *buf, size_t *used)
{
    z_stream zs;
    if (len > UINT_MAX / 2)
        return SAE_ETOOBIG;
    memset(&zs, 0, sizeof zs);
    zlib_zeroing_use(&zs);
    if (inflateInit2(&zs, MAX_WBITS) != Z_OK)
        return SAE_ENOMEM;
    zs.next_in = in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = SAE_VALUE_BOX_PLAIN_MAX + 1;
    int zr = inflate(&zs, Z_FINISH);
    *used = SAE_VALUE_BOX_PLAIN_MAX + 1 - zs.avail_out;
    inflateEnd(&zs);
    if (*used > SAE_VALUE_BOX_PLAIN_MAX)
        return SAE_ETOOBIG;
    if (zr == Z_MEM_ERROR)
        return SAE_ENOMEM;
    return zr == Z_STREAM_END && zs.avail_in == 0 ? 0 : SAE_ECORRUPT;
}

static int varint_get(const unsigned char *in, size_t len, size_t *pos, size_t *out)
{
    size_t n = 0;
    for (unsigned shift = 0; shift < 7 * VARINT_MAX_BYTES; shift += 7) {
        if (*pos >= len)
            return SAE_ECORRUPT;
        unsigned char byte = in[(*pos)++];
        n |= (size_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = n;
            return 0;
        }
    }
    return SAE_ECORRUPT;
}

/* Counts the values first, so that nothing is allocated for a framing that does not hold. */
static int count_values(const unsigned char *in, size_t len, size_t *count)
{
    size_t pos = 0, n = 0, vlen = 0;
    while (pos < len) {
        if (n == SAE_VALUE_BOX_VALUES_MAX || varint_get(in, len, &pos, &vlen) != 0 ||
            vlen == 0 || vlen > len - pos || memchr(in + pos, '\0', vlen))
            return SAE_ECORRUPT;
        pos += vlen;
        n++;
    }
    if (n == 0)
        return SAE_ECORRUPT;
    *count = n;
    return 0;
}

static int split_values(const unsigned char *in, size_t len, size_t count,
                        struct sae_value_box *out)
{
    struct sae_value_box box = {calloc(count, sizeof *box.values), calloc(count, sizeof *box.lens),
                                0};
    size_t pos = 0;
    int rc = box.values && box.lens ? 0 : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        size_t vlen = 0;
        (void)varint_get(in, len, &pos, &vlen); /* checked by count_values */
        if (!(box.values[i] = malloc(vlen + 1))) {
            rc = SAE_ENOMEM;
            break;
        }
        memcpy(box.values[i], in + pos, vlen);
        box.values[i][vlen] = '\0';
        box.lens[i] = vlen;
        box.count = i + 1;
        pos += vlen;
    }
    if (rc != 0) {
        sae_value_box_free(&box);
        return rc;
    }
    *out = box;
    return 0;
}

int sae_value_box_unpack(const unsigned char *deflated, size_t len, struct sae_value_box *out)
{
    size_t used = 0, count = 0;
    if (!deflated || !out)
        return SAE_EINVAL;
    unsigned char *buf = malloc(SAE_VALUE_BOX_PLAIN_MAX + 1);
    if (!buf)
        return SAE_ENOMEM;
    int rc = inflate_bounded(deflated, len, buf, &used);
    if (rc == 0)
        rc = count_values(buf, used, &count);
    if (rc == 0)
        rc = split_values(buf, used, count, out);
    sae_wipe_free(buf, SAE_VALUE_BOX_PLAIN_MAX + 1);
    return rc;
}

int sae_value_box_seal(const struct sae_sealer *sealer, const char *const *values, size_t count,
                       unsigned char **out, size_t *out_len)
{
    unsigned char *packed = NULL;
    size_t packed_len = 0;
    if (!sealer)
        return SAE_EINVAL;
    int rc = sae_value_box_pack(values, count, &packed, &packed_len);
    if (rc == 0)
        rc = sae_sealer_seal(sealer, packed, packed_len, out, out_len);
    if (packed)
        sae_wipe_free(packed, SAE_VALUE_BOX_DEFLATED_MAX);
    return rc;
}

int sae_value_box_open(struct sae_opener *opener, const unsigned char *box, size_t len,
                       struct sae_value_box *out)
{
    char *packed = NULL;
    size_t packed_len = 0;
    if (!opener || !box || !out)
        return SAE_EINVAL;
    int rc = sae_opener_open(opener, box, len, &packed, &packed_len);
    if (rc != 0)
        return rc;
    rc = sae_value_box_unpack((const unsigned char *)packed, packed_len, out);
    sae_wipe_free(packed, packed_len);
    return rc;
}

void sae_value_box_free(struct sae_value_box *box)
{
    if (!box)
        return;
    for (size_t i = 0; box->values && i < box->count; i++)
        sae_wipe_free(box->values[i], box->lens[i] + 1);
    free(box->values);
    free(box->lens);
    memset(box, 0, sizeof *box);
}
