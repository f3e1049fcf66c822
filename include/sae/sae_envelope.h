/* Envelopes: how an encoded message crosses the wire, compressed, encrypted and
 * authenticated from the sender's X25519 key to the recipient's (libsodium crypto_box:
 * X25519, XSalsa20-Poly1305). Byte layout (proto/PROTOCOL.md, "Envelope"):
 *
 *   offset size
 *    0      4   magic "SAE1"
 *    4      1   format version, 1
 *    5      1   message type (enum sae_message_type)
 *    6      8   sender id, big-endian (the sender's origin id)
 *   [14    32   sender public key: only in type 5, enroll request]
 *   14/46  24   nonce, random for every envelope
 *   38/70  16+n crypto_box_easy(header || zlib(message)): MAC then ciphertext
 *
 * The box holds a copy of the header before the nonce (14 bytes; 46 for enroll requests),
 * so changing any header byte is detected. Open checks in order: size limit, layout and
 * magic, the sender's key, the box, the header copy, inflate with its cap. */
#ifndef SAE_ENVELOPE_H
#define SAE_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "sae_wire.h"
#include "sae_wire_error.h"
#include "sae_wire_limits.h"

#define SAE_ENVELOPE_MAGIC "SAE1"
#define SAE_ENVELOPE_MAGIC_BYTES 4u
#define SAE_ENVELOPE_FORMAT_VERSION 1u
#define SAE_ENVELOPE_HEADER_BYTES 14u      /* magic, version, type, sender id */
#define SAE_ENVELOPE_ENROLL_KEY_BYTES 32u  /* the public key after the header in type 5 */
#define SAE_ENVELOPE_NONCE_BYTES 24u       /* crypto_box_NONCEBYTES */
#define SAE_ENVELOPE_MAC_BYTES 16u         /* crypto_box_MACBYTES */
/* Anything shorter is not an envelope (SAE_WIRE_EFORMAT): header, nonce and MAC. */
#define SAE_ENVELOPE_MIN_BYTES \
    (SAE_ENVELOPE_HEADER_BYTES + SAE_ENVELOPE_NONCE_BYTES + SAE_ENVELOPE_MAC_BYTES)

/* Finds the public key of sender_id. Returns 0 and fills pk; SAE_ENOTFOUND when the sender
 * is unknown (open then returns SAE_WIRE_EUNKNOWN_SENDER); any other negative code (a
 * revoked device: SAE_EPERM; a database error) is returned by open unchanged. */
typedef int (*sae_envelope_key_lookup_fn)(void *ctx, uint64_t sender_id,
                                          uint8_t pk[crypto_box_PUBLICKEYBYTES]);

/* The origin id of a node: the first 8 bytes, big-endian, of the 16-byte BLAKE2b
 * (crypto_generichash) of its public key, with the top bit cleared (63 bits). */
int sae_origin_from_public_key(const unsigned char pk[crypto_box_PUBLICKEYBYTES],
                               uint64_t *out);

/* Seals plain (an encoded message of type `type`) from sender to recipient. sender_id must
 * be the origin id of sender_sk's public key (SAE_EINVAL otherwise). SAE_WIRE_ETOOLARGE when
 * len is over limits->inflated_bytes or the envelope over limits->envelope_bytes;
 * SAE_EINVAL for an unknown type; SAE_ENOMEM; SAE_ECRYPTO. Free *out with free(). */
int sae_envelope_seal(const uint8_t *plain, size_t len, uint8_t type, uint64_t sender_id,
                      const uint8_t sender_sk[crypto_box_SECRETKEYBYTES], const uint8_t recipient_pk[crypto_box_PUBLICKEYBYTES],
                      const struct sae_limits *limits, uint8_t **out, size_t *out_len);

/* Opens an envelope sealed to recipient_sk. Fills the message type, the sender id and the
 * plain message (free it with sae_wire_buffer_free). Errors: SAE_WIRE_ETOOLARGE,
 * SAE_WIRE_EFORMAT, SAE_WIRE_EUNKNOWN_SENDER (or the lookup's own code), SAE_WIRE_EAUTH,
 * SAE_WIRE_EINFLATE, SAE_ENOMEM. Enroll requests carry the sender's public key: lookup is
 * not called for them; the key must hash to the sender id. Nothing is written on failure. */
int sae_envelope_open(const uint8_t *env, size_t len, sae_envelope_key_lookup_fn lookup,
                      void *ctx, const uint8_t recipient_sk[crypto_box_SECRETKEYBYTES],
                      const struct sae_limits *limits, uint8_t *type_out, uint64_t *sender_out,
                      uint8_t **plain, size_t *plain_len);

/* The clear header of an envelope, without opening it: what a hub needs before it opens an
 * enroll request (the key to register) or to log who sent what. */
struct sae_envelope_header {
    uint8_t format_version;
    uint8_t type;
    uint64_t sender_id;
    int has_public_key;
    uint8_t public_key[crypto_box_PUBLICKEYBYTES]; /* enroll requests only */
};
/* 0, SAE_WIRE_ETOOLARGE or SAE_WIRE_EFORMAT. Nothing in the header is authenticated until
 * sae_envelope_open succeeds. */
int sae_envelope_header_parse(const uint8_t *env, size_t len, const struct sae_limits *limits,
                              struct sae_envelope_header *out);

#endif
