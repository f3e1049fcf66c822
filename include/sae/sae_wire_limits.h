/* Limits on everything that crosses the wire. Both sides pass one of these to every encode,
 * decode, seal and open call: a sender refuses to produce what a receiver would refuse.
 * The defaults are documented in proto/PROTOCOL.md ("Limits"); each is tested at its edge
 * and one past it. */
#ifndef SAE_WIRE_LIMITS_H
#define SAE_WIRE_LIMITS_H

#include <stddef.h>

#include "sae_limits.h"

/* Defaults. */
#define SAE_WIRE_ENVELOPE_BYTES (2u * 1024 * 1024)
#define SAE_WIRE_INFLATED_BYTES (8u * 1024 * 1024)
#define SAE_WIRE_DECODE_BYTES (24u * 1024 * 1024)
#define SAE_WIRE_CHANGES_PER_MESSAGE 1000u
#define SAE_WIRE_VALUE_BYTES SAE_LIMIT_TEXT_BYTES
#define SAE_WIRE_NAME_BYTES 64u
#define SAE_WIRE_TEXT_BYTES 1024u
/* A change group's author and a coordinator's note (schema 2), bytes of UTF-8 on one line. */
#define SAE_WIRE_AUTHOR_BYTES SAE_LIMIT_PERSON_BYTES
#define SAE_WIRE_NOTE_BYTES SAE_LIMIT_NOTE_BYTES
/* A post's program and version as its PullRequest reports it ("sae-node 0.1.0"): at most
 * this many bytes of UTF-8 on one line (the array holds the NUL too). */
#define SAE_WIRE_PROGRAM_BYTES 65u
/* TLS key pins in one PullResponse: the hub's current key and a backup, with room. */
#define SAE_WIRE_TLS_PINS_MAX 4u
/* How long the hub keeps a connection idle once an enrolled device's envelope opened on it,
 * and how long a post reuses one (PROTOCOL.md section 8): a post's default round every 300 s
 * with room, so that a round after the first costs its requests alone, not a TCP and TLS
 * handshake (about 1.4 KB and a round trip on a 2G link). Connections of anyone else keep
 * the server's 60 s. */
#define SAE_WIRE_KEEP_IDLE_S 330u

struct sae_limits {
    size_t envelope_bytes;      /* a whole sealed envelope, header included */
    size_t inflated_bytes;      /* the protobuf message after inflating (at most 2 GiB - 2
                                   take effect: zlib counts in 32 bits) */
    size_t decode_bytes;        /* heap the protobuf decoder may use for one message */
    size_t changes_per_message; /* changes in a PushBatch or PullResponse; refusals in a PushAck */
    size_t value_bytes;         /* one field value */
    size_t name_bytes;          /* a kind or field name */
    size_t text_bytes;          /* token, device name, refusal and error messages */
};

/* The documented defaults (the SAE_WIRE_* constants above). */
struct sae_limits sae_limits_default(void);

#endif
