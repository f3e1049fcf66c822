/* Shared inside the wire modules (proto/wire*.c, proto/envelope.c) and by the tests and
 * vector generator; not part of the public API. */
#ifndef SAE_WIRE_INTERNAL_H
#define SAE_WIRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae.pb-c.h"
#include "sae/sae_borrow.h"
#include "sae/sae_wire.h"

/* A ProtobufCAllocator that refuses to hand out more than limits->decode_bytes in total,
 * so a hostile message costs bounded memory however it is built. Freed blocks are zeroed. */
struct wire_budget {
    ProtobufCAllocator allocator;
    size_t used;
    size_t cap;
    bool exhausted;   /* a request was refused for the budget */
    bool out_of_memory;
};
void wire_budget_init(struct wire_budget *budget, const struct sae_limits *limits);

/* Unpacks buf as desc with the budget; SAE_WIRE_ETOOLARGE, SAE_WIRE_ELIMIT (budget),
 * SAE_ENOMEM or SAE_WIRE_EDECODE. Release with protobuf_c_message_free_unpacked(msg,
 * &budget->allocator). */
int wire_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                const struct sae_limits *limits, struct wire_budget *budget,
                ProtobufCMessage **out);
/* Packs msg into a fresh buffer; SAE_WIRE_ETOOLARGE past limits->inflated_bytes. */
int wire_pack(const ProtobufCMessage *msg, const struct sae_limits *limits, uint8_t **out,
              size_t *out_len);

/* Rules for a text on the wire. */
enum wire_text_rule {
    WIRE_TEXT_LINE,    /* 1..max bytes, UTF-8, no control characters (names of people, places) */
    WIRE_TEXT_MESSAGE, /* 0..max bytes, UTF-8, no control characters but tab and line breaks */
};
int wire_check_text(const uint8_t *text, size_t len, size_t max, enum wire_text_rule rule);
int wire_check_schema(bool has, uint32_t version);
/* A field name on the wire: a catalogue name, or NAME/CODE naming one element of a set. */
int wire_check_field_name(const uint8_t *name, size_t len, const struct sae_limits *limits);
/* A kind name on the wire: a catalogue name, never an element. */
int wire_check_kind_name(const uint8_t *name, size_t len, const struct sae_limits *limits);
int wire_check_int63(uint64_t value);
/* A wall-clock time in ms (hub_time): one a version can be made of, <= SAE_HLC_MS_MAX. */
int wire_check_ms(uint64_t ms);
uint32_t wire_schema_out(uint32_t version);

/* NUL-terminated copy of len checked bytes. */
int wire_dup_text(const uint8_t *text, size_t len, char **out);
/* Zeroes and frees a text (NULL is fine). */
void wire_free_text(char *text);
/* A protobuf bytes value that points into a NUL-terminated text (not copied). */
ProtobufCBinaryData wire_bytes_of(const char *text);

/* An optional text as bytes, from either side (not copied). */
struct wire_text {
    const uint8_t *bytes;
    size_t len;
    bool present;
};
struct wire_text wire_text_of(const char *text);
struct wire_text wire_text_of_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b);

/* Changes in protobuf form: consecutive changes of one report under one version form a
 * group. The structs point into the C changes (nothing copied); free with
 * wire_pb_changes_free. */
struct wire_pb_changes {
    Sae__V1__ChangeGroup *groups;
    Sae__V1__ChangeGroup **group_ptrs;
    size_t group_count;
    Sae__V1__FieldChange *fields;
    Sae__V1__FieldChange **field_ptrs;
};
/* Where a list of changes travels, and so which values it may carry (PROTOCOL.md section
 * 3, Values): a sealed value only in a push of schema 3 on or a pull of schema 4 on; a
 * withheld value only in a pull of schema 4 on; a grant is nothing but a sealed value. */
enum wire_values {
    WIRE_VALUES_PLAIN,    /* values only: a push before schema 3, a pull before schema 4 */
    WIRE_VALUES_PUSH,     /* values or sealed values */
    WIRE_VALUES_PUSH_BOXED, /* the same, or value boxes and slots (schema 6) */
    WIRE_VALUES_PULL,     /* values, sealed values or withheld ones */
    WIRE_VALUES_GRANTS,   /* a sealed value on every change */
};
enum wire_values wire_values_of_push(uint32_t schema);
enum wire_values wire_values_of_pull(uint32_t schema);
/* Checks every change, then groups them; a value where `values` allows none is
 * SAE_WIRE_EDECODE. */
int wire_changes_to_pb(const struct sae_change *changes, size_t count,
                       const struct sae_limits *limits, enum wire_values values,
                       struct wire_pb_changes *out);
void wire_pb_changes_free(struct wire_pb_changes *pb);
/* Checks every group and change (counts first), then copies them out. With batch_origin,
 * also what a push batch requires: every change of that origin, seq strictly increasing.
 * values as for wire_changes_to_pb. */
int wire_changes_from_pb(Sae__V1__ChangeGroup *const *groups, size_t group_count,
                         const struct sae_limits *limits, const uint64_t *batch_origin,
                         enum wire_values values, struct sae_change **out, size_t *out_count);
void wire_changes_free(struct sae_change *changes, size_t count);

/* Field reviews in protobuf form, pointing into the C reviews (wire_review.c): checked
 * (count, ids, names, versions), then converted; free with wire_pb_reviews_free. */
struct wire_pb_reviews {
    Sae__V1__FieldReview *items;
    Sae__V1__FieldReview **ptrs;
    size_t count;
};
int wire_reviews_to_pb(const struct sae_review *reviews, size_t count,
                       const struct sae_limits *limits, struct wire_pb_reviews *out);
void wire_pb_reviews_free(struct wire_pb_reviews *pb);
/* Checks every review (count first), then copies them out; wire_reviews_free releases. */
int wire_reviews_from_pb(Sae__V1__FieldReview *const *reviews, size_t count,
                         const struct sae_limits *limits, struct sae_review **out,
                         size_t *out_count);
void wire_reviews_free(struct sae_review *reviews, size_t count);

/* sae_envelope_seal with a caller-chosen nonce. For the test vectors only: a nonce must
 * never repeat under one key pair, and the public seal draws a fresh random one. */
int sae_envelope_seal_with_nonce(const uint8_t *plain, size_t len, uint8_t type,
                                 uint64_t sender_id, const uint8_t sender_sk[32],
                                 const uint8_t recipient_pk[32], const uint8_t nonce[24],
                                 const struct sae_limits *limits, uint8_t **out,
                                 size_t *out_len);

#endif
