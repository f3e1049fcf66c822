/* Sealed envelopes: an encoded message, deflated (zlib format), boxed with crypto_box_easy
 * from the sender's key to the recipient's under a fresh nonce. Layout in sae_envelope.h
 * and proto/PROTOCOL.md. Every buffer that held plaintext is zeroed before it is freed,
 * zlib's own window included (it gets an allocator that zeroes). */
#include "sae/sae_envelope.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* next_in is read-only to zlib; ZLIB_CONST makes its declaration say so. */
#define ZLIB_CONST
#include <zlib.h>

#include "sae/sae_error.h"
#include "wire_internal.h"
#include "zlib_zeroing.h"

#define MAX_HEADER_BYTES (SAE_ENVELOPE_HEADER_BYTES + SAE_ENVELOPE_ENROLL_KEY_BYTES)
/* zlib counts in uInt: larger inputs are refused rather than fed in pieces. */
#define ZLIB_MAX_BYTES ((size_t)(UINT_MAX / 2))
/* Level 9: posts are on 2G links, and compressing a batch once costs them little. */
#define DEFLATE_LEVEL 9

int sae_origin_from_public_key(const unsigned char pk[crypto_box_PUBLICKEYBYTES], uint64_t *out)
{
    unsigned char hash[crypto_generichash_BYTES_MIN];
    uint64_t origin = 0;
    if (!pk || !out)
        return SAE_EINVAL;
    if (crypto_generichash(hash, sizeof hash, pk, crypto_box_PUBLICKEYBYTES, NULL, 0) != 0)
        return SAE_ECRYPTO;
    for (size_t i = 0; i < 8; i++)
        origin = origin << 8 | hash[i];
    /* 63 bits, so SQLite stores and orders it as a non-negative integer. */
    *out = origin & (uint64_t)INT64_MAX;
    return 0;
}

static bool type_known(uint8_t type)
{
    return type >= SAE_MSG_PUSH_BATCH && type <= SAE_MSG_ERROR_STATUS;
}

static size_t header_bytes(uint8_t type)
{
    return SAE_ENVELOPE_HEADER_BYTES +
           (type == SAE_MSG_ENROLL_REQUEST ? SAE_ENVELOPE_ENROLL_KEY_BYTES : 0);
}

static void write_header(uint8_t *h, uint8_t type, uint64_t sender_id, const uint8_t *pk)
{
    memcpy(h, SAE_ENVELOPE_MAGIC, SAE_ENVELOPE_MAGIC_BYTES);
    h[4] = SAE_ENVELOPE_FORMAT_VERSION;
    h[5] = type;
    for (size_t i = 0; i < 8; i++)
        h[6 + i] = (uint8_t)(sender_id >> (56 - 8 * i));
    if (type == SAE_MSG_ENROLL_REQUEST)
        memcpy(h + SAE_ENVELOPE_HEADER_BYTES, pk, SAE_ENVELOPE_ENROLL_KEY_BYTES);
}

int sae_envelope_seal_with_nonce(const uint8_t *plain, size_t len, uint8_t type,
                                 uint64_t sender_id, const uint8_t sender_sk[crypto_box_SECRETKEYBYTES],
                                 const uint8_t recipient_pk[crypto_box_PUBLICKEYBYTES], const uint8_t nonce[crypto_box_NONCEBYTES],
                                 const struct sae_limits *limits, uint8_t **out,
                                 size_t *out_len)
{
    uint8_t sender_pk[crypto_box_PUBLICKEYBYTES];
    uint64_t derived;
    if ((!plain && len > 0) || !sender_sk || !recipient_pk || !nonce || !limits || !out ||
        !out_len || !type_known(type))
        return SAE_EINVAL;
    if (len > limits->inflated_bytes || len > ZLIB_MAX_BYTES)
        return SAE_WIRE_ETOOLARGE;
    if (crypto_scalarmult_base(sender_pk, sender_sk) != 0 ||
        sae_origin_from_public_key(sender_pk, &derived) != 0)
        return SAE_ECRYPTO;
    if (derived != sender_id)
        return SAE_EINVAL;
    size_t hlen = header_bytes(type);
    size_t room = hlen + compressBound((uLong)len);
    uint8_t *inner = malloc(room);
    if (!inner)
        return SAE_ENOMEM;
    write_header(inner, type, sender_id, sender_pk);
    size_t zlen = 0;
    int rc = zlib_zeroing_deflate(plain, len, DEFLATE_LEVEL, inner + hlen, room - hlen, &zlen);
    if (rc == SAE_ETOOBIG) /* room is deflate's own bound: this is zlib failing */
        rc = SAE_ENOMEM;
    size_t inner_len = hlen + zlen;
    size_t total = hlen + SAE_ENVELOPE_NONCE_BYTES + crypto_box_MACBYTES + inner_len;
    if (rc == 0 && total > limits->envelope_bytes)
        rc = SAE_WIRE_ETOOLARGE;
    uint8_t *env = rc == 0 ? malloc(total) : NULL;
    if (rc == 0 && !env)
        rc = SAE_ENOMEM;
    if (rc == 0) {
        memcpy(env, inner, hlen);
        memcpy(env + hlen, nonce, SAE_ENVELOPE_NONCE_BYTES);
        if (crypto_box_easy(env + hlen + SAE_ENVELOPE_NONCE_BYTES, inner, inner_len, nonce,
                            recipient_pk, sender_sk) != 0) {
            free(env);
            rc = SAE_ECRYPTO;
        }
    }
    sae_wire_buffer_free(inner, room);
    if (rc == 0) {
        *out = env;
        *out_len = total;
    }
    return rc;
}

int sae_envelope_seal(const uint8_t *plain, size_t len, uint8_t type, uint64_t sender_id,
                      const uint8_t sender_sk[crypto_box_SECRETKEYBYTES], const uint8_t recipient_pk[crypto_box_PUBLICKEYBYTES],
                      const struct sae_limits *limits, uint8_t **out, size_t *out_len)
{
    uint8_t nonce[SAE_ENVELOPE_NONCE_BYTES];
    randombytes_buf(nonce, sizeof nonce);
    return sae_envelope_seal_with_nonce(plain, len, type, sender_id, sender_sk, recipient_pk,
                                        nonce, limits, out, out_len);
}

int sae_envelope_header_parse(const uint8_t *env, size_t len, const struct sae_limits *limits,
                              struct sae_envelope_header *out)
{
    struct sae_envelope_header h;
    if (!env || !limits || !out)
        return SAE_EINVAL;
    if (len > limits->envelope_bytes)
        return SAE_WIRE_ETOOLARGE;
    if (len < SAE_ENVELOPE_MIN_BYTES ||
        memcmp(env, SAE_ENVELOPE_MAGIC, SAE_ENVELOPE_MAGIC_BYTES) != 0 ||
        env[4] != SAE_ENVELOPE_FORMAT_VERSION || !type_known(env[5]))
        return SAE_WIRE_EFORMAT;
    memset(&h, 0, sizeof h);
    h.format_version = env[4];
    h.type = env[5];
    for (size_t i = 0; i < 8; i++)
        h.sender_id = h.sender_id << 8 | env[6 + i];
    if (len < header_bytes(h.type) + SAE_ENVELOPE_NONCE_BYTES + SAE_ENVELOPE_MAC_BYTES)
        return SAE_WIRE_EFORMAT;
    if (h.type == SAE_MSG_ENROLL_REQUEST) {
        h.has_public_key = 1;
        memcpy(h.public_key, env + SAE_ENVELOPE_HEADER_BYTES, SAE_ENVELOPE_ENROLL_KEY_BYTES);
    }
    *out = h;
    return 0;
}

/* Replaces *buf (holding used bytes) by a copy with room for size bytes, zeroing the old
 * one: realloc would leave plaintext behind in freed memory. */
static int grow(uint8_t **buf, size_t used, size_t old_size, size_t size)
{
    uint8_t *bigger = malloc(size);
    if (!bigger)
        return SAE_ENOMEM;
    if (used > 0)
        memcpy(bigger, *buf, used);
    sae_wire_buffer_free(*buf, old_size);
    *buf = bigger;
    return 0;
}

/* Inflates a whole zlib stream, never producing more than cap bytes: past the cap it stops
 * with SAE_WIRE_ETOOLARGE, so a decompression bomb costs at most cap + 1 bytes and the
 * time to produce them. Trailing bytes after the stream are an error. */
static int inflate_capped(const uint8_t *in, size_t in_len, size_t cap, uint8_t **out,
                          size_t *out_len)
{
    z_stream zs;
    size_t size, used = 0;
    if (in_len > ZLIB_MAX_BYTES)
        return SAE_WIRE_ETOOLARGE;
    if (cap >= ZLIB_MAX_BYTES) /* zlib counts in uInt: a larger limit means this one */
        cap = ZLIB_MAX_BYTES - 1;
    /* A first guess at the ratio; the buffer grows by doubling up to cap + 1. */
    size = in_len < cap / 4 ? in_len * 4 + 64 : cap + 1;
    if (size > cap + 1)
        size = cap + 1;
    uint8_t *buf = malloc(size);
    if (!buf)
        return SAE_ENOMEM;
    memset(&zs, 0, sizeof zs);
    zlib_zeroing_use(&zs);
    if (inflateInit2(&zs, MAX_WBITS) != Z_OK) {
        free(buf);
        return SAE_ENOMEM;
    }
    zs.next_in = in;
    zs.avail_in = (uInt)in_len;
    int rc = 0;
    for (;;) {
        if (used == size) {
            size_t bigger = size > (cap + 1) / 2 ? cap + 1 : size * 2;
            if ((rc = grow(&buf, used, size, bigger)) != 0)
                break;
            size = bigger;
        }
        zs.next_out = buf + used;
        zs.avail_out = (uInt)(size - used);
        int zr = inflate(&zs, Z_NO_FLUSH);
        used = size - zs.avail_out;
        if (used > cap) {
            rc = SAE_WIRE_ETOOLARGE;
            break;
        }
        if (zr == Z_STREAM_END) {
            rc = zs.avail_in == 0 ? 0 : SAE_WIRE_EINFLATE;
            break;
        }
        if (zr == Z_MEM_ERROR) {
            rc = SAE_ENOMEM;
            break;
        }
        /* Z_OK, or Z_BUF_ERROR for a full buffer: go on. Anything else is a broken or
         * truncated stream (Z_BUF_ERROR with room left means the input ran out). */
        if (!(zr == Z_OK || (zr == Z_BUF_ERROR && zs.avail_out == 0))) {
            rc = SAE_WIRE_EINFLATE;
            break;
        }
    }
    inflateEnd(&zs);
    if (rc != 0) {
        sae_wire_buffer_free(buf, size);
        return rc;
    }
    *out = buf;
    *out_len = used;
    return 0;
}

static int sender_key(const struct sae_envelope_header *h, sae_envelope_key_lookup_fn lookup,
                      void *ctx, uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    if (h->type == SAE_MSG_ENROLL_REQUEST) {
        uint64_t origin;
        if (sae_origin_from_public_key(h->public_key, &origin) != 0 || origin != h->sender_id)
            return SAE_WIRE_EAUTH;
        memcpy(pk, h->public_key, crypto_box_PUBLICKEYBYTES);
        return 0;
    }
    int rc = lookup(ctx, h->sender_id, pk);
    return rc == SAE_ENOTFOUND ? SAE_WIRE_EUNKNOWN_SENDER : rc;
}

int sae_envelope_open(const uint8_t *env, size_t len, sae_envelope_key_lookup_fn lookup,
                      void *ctx, const uint8_t recipient_sk[crypto_box_SECRETKEYBYTES],
                      const struct sae_limits *limits, uint8_t *type_out, uint64_t *sender_out,
                      uint8_t **plain, size_t *plain_len)
{
    struct sae_envelope_header h;
    uint8_t pk[crypto_box_PUBLICKEYBYTES];
    if (!env || !lookup || !recipient_sk || !limits || !type_out || !sender_out || !plain ||
        !plain_len)
        return SAE_EINVAL;
    int rc = sae_envelope_header_parse(env, len, limits, &h);
    if (rc == 0)
        rc = sender_key(&h, lookup, ctx, pk);
    if (rc != 0)
        return rc > 0 ? SAE_EINVAL : rc;
    size_t hlen = header_bytes(h.type);
    const uint8_t *nonce = env + hlen, *boxed = nonce + SAE_ENVELOPE_NONCE_BYTES;
    size_t boxed_len = len - hlen - SAE_ENVELOPE_NONCE_BYTES;
    size_t inner_len = boxed_len - crypto_box_MACBYTES;
    uint8_t *inner = malloc(inner_len + 1);
    if (!inner)
        return SAE_ENOMEM;
    if (crypto_box_open_easy(inner, boxed, boxed_len, nonce, pk, recipient_sk) != 0)
        rc = SAE_WIRE_EAUTH;
    /* The header travels in clear; its copy inside the box proves it was not changed. */
    else if (inner_len < hlen || sodium_memcmp(inner, env, hlen) != 0)
        rc = SAE_WIRE_EAUTH;
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    if (rc == 0)
        rc = inflate_capped(inner + hlen, inner_len - hlen, limits->inflated_bytes, &msg,
                            &msg_len);
    sae_wire_buffer_free(inner, inner_len + 1);
    if (rc != 0)
        return rc;
    *type_out = h.type;
    *sender_out = h.sender_id;
    *plain = msg;
    *plain_len = msg_len;
    return 0;
}
