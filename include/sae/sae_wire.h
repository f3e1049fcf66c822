/* The messages a post and the hub exchange, as plain C structs, and their protobuf
 * encoding (proto/sae.proto; specification in proto/PROTOCOL.md).
 *
 * Encoding checks the same rules as decoding, so this code never sends what a peer must
 * refuse. Decoding is bounded before it allocates: the protobuf decoder runs with a heap
 * budget (limits->decode_bytes), then every field is checked before it is copied into the
 * C structs. Errors: SAE_WIRE_EDECODE (malformed or a rule broken), SAE_WIRE_ELIMIT (a count
 * or length over its limit), SAE_WIRE_ESCHEMA (schema version not accepted), SAE_WIRE_ETOOLARGE
 * (input over limits->inflated_bytes), SAE_EINVAL (bad arguments), SAE_ENOMEM. On failure
 * nothing is written to the out-parameters.
 *
 * Encoded buffers hold survivors' data: release them with sae_wire_buffer_free(), which
 * zeroes them. Decoded messages are released with their own free function, which zeroes
 * every text. */
#ifndef SAE_WIRE_H
#define SAE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae_hlc.h"
#include "sae_id.h"
#include "sae_wire_error.h"
#include "sae_wire_limits.h"

/* The schema version this build writes, and the oldest it still reads (PROTOCOL.md section
 * 7: the hub takes pushes of schema 1 and refuses its pulls and enrollments). */
#define SAE_WIRE_SCHEMA_VERSION 6u
#define SAE_WIRE_SCHEMA_VERSION_MIN 1u
/* The oldest schema whose posts the hub lets pull and enroll (older ones may only push):
 * from schema 4 on, a pull carries sensitive values sealed to the device or withheld, which
 * an older post could not store; from schema 5 on, those values may be sealed in version 2
 * (proto/STORAGE_KEYS.md section 3), which a post of schema 4 could not open. */
#define SAE_WIRE_SCHEMA_PULL_MIN 5u
/* From this schema on, a request's clock is its sender's wall clock (before: its HLC). */
#define SAE_WIRE_SCHEMA_WALL_CLOCK 2u
/* From this schema on, a push may carry values sealed to the hub's key (sealed_value). */
#define SAE_WIRE_SCHEMA_SEALED 3u
/* From this schema on, a pull carries sensitive values sealed to the pulling device
 * (sealed_value), withheld values and grants. */
#define SAE_WIRE_SCHEMA_WITHHELD 4u
/* From this schema on, a sealed value on the wire (either way) may be of sealed-format
 * version 2 (one ephemeral key per sealer). */
#define SAE_WIRE_SCHEMA_SEALED_V2 5u
/* From this schema on, a push may carry a change group's sensitive values in one value box
 * (sae_value_box.h): ChangeGroup.sealed_values and FieldChange.box_slot. */
#define SAE_WIRE_SCHEMA_VALUE_BOX 6u

/* Envelope message types (the type byte of the envelope header). */
enum sae_message_type {
    SAE_MSG_PUSH_BATCH = 1,
    SAE_MSG_PUSH_ACK = 2,
    SAE_MSG_PULL_REQUEST = 3,
    SAE_MSG_PULL_RESPONSE = 4,
    SAE_MSG_ENROLL_REQUEST = 5,
    SAE_MSG_ENROLL_RESPONSE = 6,
    SAE_MSG_ERROR_STATUS = 7,
};

/* Machine-readable codes of ErrorStatus and of push refusals (StatusCode in sae.proto).
 * A decoded code may be one this build does not know: treat it as a generic failure. */
enum sae_status_code {
    SAE_STATUS_UNSPECIFIED = 0,
    SAE_STATUS_BAD_ENVELOPE = 1,
    SAE_STATUS_UNKNOWN_SENDER = 2,
    SAE_STATUS_AUTH_FAILED = 3,
    SAE_STATUS_REVOKED = 4,
    SAE_STATUS_TOKEN_EXPIRED = 5,
    SAE_STATUS_TOKEN_REUSED = 6,
    SAE_STATUS_TOO_LARGE = 7,
    SAE_STATUS_WRONG_CONTENT_TYPE = 8,
    SAE_STATUS_RATE_LIMITED = 9,
    SAE_STATUS_UNAVAILABLE = 10,
    SAE_STATUS_INTERNAL = 11,
    SAE_STATUS_UNSUPPORTED_SCHEMA = 12,
    SAE_STATUS_DECODE_FAILED = 13,
    SAE_STATUS_LIMIT_EXCEEDED = 14,
    SAE_STATUS_INVALID_CHANGE = 15,
    SAE_STATUS_CLOCK_AHEAD = 16,
    SAE_STATUS_WRONG_MESSAGE = 17,
    SAE_STATUS_WRONG_VILLAGE = 18,
};

/* Ids, versions, cursors and sequence numbers stay below 2^63 (SQLite integers). */
#define SAE_WIRE_INT_MAX ((uint64_t)INT64_MAX)
#define SAE_WIRE_PUBLIC_KEY_BYTES 32u
/* A TLS key pin on the wire: the SHA-256 of a DER SubjectPublicKeyInfo. */
#define SAE_WIRE_TLS_PIN_BYTES 32u

/* One field change. Texts are NUL-terminated UTF-8 without NUL bytes inside. */
struct sae_change {
    struct sae_id report_id;
    char *kind;                /* catalogue kind name */
    char *field;               /* catalogue field name or SAE_FIELD_TOMBSTONE */
    char *value;               /* canonical value; NULL = the field is unset */
    struct sae_version version; /* hlc > 0 */
    struct sae_version base;   /* {0, 0} = the writer had seen no version */
    uint64_t seq;              /* the writer's journal sequence number, >= 1 */
    uint64_t seen_cursor;      /* hub cursor the writer had pulled to; 0 = none */
    sae_hlc supersedes;        /* the writer's own earlier version this re-dates; 0 = none */
    char *author;              /* the person who made it; NULL = unknown (schema 1) */
    char *note;                /* a coordinator's note on a resolution; NULL = none */
    char *device;              /* the writing device's name, sent by the hub; NULL = none */
    /* Schema 3, post -> hub: the value sealed to the hub's public key (sae_sealed.h);
     * schema 4, hub -> post: sealed to the pulling device's storage key. sealed_len bytes;
     * value is then NULL. NULL = the value travels as value. */
    unsigned char *sealed_value;
    size_t sealed_len;
    /* Schema 4, hub -> post only: the field has a value this device is not given
     * (superseded, or not granted yet); value and sealed_value are then NULL. */
    bool withheld;
    /* Schema 6, post -> hub: the group's value box (sae_value_box.h; ChangeGroup
     * .sealed_values), group_box_len bytes, on one change of the group: the encoder puts it
     * on the change's group (a second box starts a new group); the decoder, on the group's
     * first change. NULL = none. Changes naming its slots come after it. */
    unsigned char *group_box;
    size_t group_box_len;
    /* Schema 6, post -> hub: the value is slot box_slot (1-based) of its group's box; value
     * and sealed_value are then NULL. 0 = none. */
    uint32_t box_slot;
};

/* PushBatch: every change has version.origin == origin, seq strictly increasing. */
struct sae_batch {
    uint32_t schema_version;
    uint64_t origin;
    sae_hlc clock;
    /* The post's erasure cursor when it built the batch; has_erasure_cursor false: absent
     * (a post from before it was sent), the hub then stores values as they come. */
    bool has_erasure_cursor;
    uint64_t erasure_cursor;
    struct sae_change *changes;
    size_t change_count;
};

struct sae_refusal {
    uint64_t seq;
    uint32_t code; /* enum sae_status_code */
    char *message;
};

struct sae_push_ack {
    uint32_t schema_version;
    sae_hlc hub_clock;
    uint64_t hub_time_ms; /* the hub's wall clock; 0 = not sent */
    uint64_t origin;
    uint64_t acked_seq;
    struct sae_refusal *refusals;
    size_t refusal_count;
};

struct sae_pull_request {
    uint32_t schema_version;
    uint64_t cursor;
    uint32_t max_changes; /* 0 = the hub's choice */
    sae_hlc clock;        /* the sender's clock, so the hub can measure its offset */
    uint64_t review_cursor; /* where the review states start */
    bool with_reviews;      /* the post keeps review states; false: the hub sends none */
    /* What the post reports of itself (PROTOCOL.md section 6, "What a post reports"): its
     * program ("sae-node 0.1.0"; "" = not reported, an older post) and, only then, how many
     * of its own changes the hub has not acknowledged yet. */
    uint64_t pending;
    char program[SAE_WIRE_PROGRAM_BYTES];
    uint64_t grant_cursor; /* schema 4: where the grants start */
    uint64_t erasure_cursor; /* where the erasures start */
};

/* The review state of one field (PROTOCOL.md section 6, "Reviews"): while open, a hard
 * conflict waits for a coordinator and the standing version is what the hub shows; a post
 * holding the latest version shows the standing one instead. */
struct sae_review {
    struct sae_id report_id;
    char *field;                 /* a field name, or FIELD/CODE for a set element */
    bool open;
    struct sae_version standing; /* {0, 0} = none */
    struct sae_version latest;   /* {0, 0} = none */
    /* Field SAE_REVIEW_CASE_FIELD only: the district's review of the case (open while
     * has_issues), its note (NULL: none) and who reviewed. NULL on every other field. */
    char *case_state;            /* SAE_CASE_REVIEW_* */
    char *note;
    char *reviewer;
};

/* The review of a whole case travels as the review of this reserved field name. */
#define SAE_REVIEW_CASE_FIELD "_review"
#define SAE_CASE_REVIEW_RECEIVED "received"
#define SAE_CASE_REVIEW_HAS_ISSUES "has_issues"
#define SAE_CASE_REVIEW_APPROVED "approved"

struct sae_pull_response {
    uint32_t schema_version;
    sae_hlc hub_clock;
    uint64_t hub_time_ms; /* the hub's wall clock; 0 = not sent */
    struct sae_change *changes;
    size_t change_count;
    uint64_t next_cursor;
    bool more;
    /* The hub's announced TLS key pins (SHA-256 of the SPKI); 0 = no announcement. */
    uint8_t tls_pins[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    size_t tls_pin_count;
    /* Review states after the request's review_cursor (only when it asked), at most
     * limits->changes_per_message, and where the next pull's start. */
    struct sae_review *reviews;
    size_t review_count;
    uint64_t next_review_cursor;
    /* The highest seq of the requesting post's own changes the hub holds (has_held_seq:
     * sent; a hub older than the field does not say). */
    bool has_held_seq;
    uint64_t held_seq;
    /* Schema 4: values granted to the pulling device after the request's grant_cursor, at
     * most limits->changes_per_message: each a change it holds withheld (same report,
     * version and seq) with its sealed_value; and where the next pull's grants start. */
    struct sae_change *grants;
    size_t grant_count;
    uint64_t next_grant_cursor;
    /* Reports of the village the district erased after the request's erasure_cursor (at
     * most limits->changes_per_message), and where the next pull's erasures start. */
    struct sae_id *erased;
    size_t erased_count;
    uint64_t next_erasure_cursor;
};

struct sae_enroll_request {
    uint32_t schema_version;
    char *token;
    uint8_t public_key[SAE_WIRE_PUBLIC_KEY_BYTES];
    char *village;
    char *device_name;
    sae_hlc clock;        /* the sender's clock, so the hub can measure its offset */
    bool has_storage_key; /* field 7 sent: the post's storage public key */
    uint8_t storage_public_key[SAE_WIRE_PUBLIC_KEY_BYTES];
};

struct sae_enroll_response {
    uint32_t schema_version;
    sae_hlc hub_clock;
    uint64_t hub_time_ms; /* the hub's wall clock; 0 = not sent */
    uint64_t node_id;
    char *village;
    char *device_name;    /* the name the hub recorded; NULL = not sent */
};

struct sae_error_status {
    uint32_t schema_version;
    sae_hlc hub_clock;
    uint64_t hub_time_ms; /* the hub's wall clock; 0 = not sent */
    uint32_t code; /* enum sae_status_code */
    char *message;
};

/* Zeroes and frees an encoded buffer (NULL is fine). */
void sae_wire_buffer_free(uint8_t *buf, size_t len);

/* Each message: encode into a fresh buffer (*out, *out_len), decode into a fresh struct
 * (*out), free a decoded struct (NULL is fine). A schema_version of 0 in a struct to
 * encode means SAE_WIRE_SCHEMA_VERSION. */
int sae_batch_encode(const struct sae_batch *batch, const struct sae_limits *limits,
                     uint8_t **out, size_t *out_len);
int sae_batch_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                     struct sae_batch **out);
void sae_batch_free(struct sae_batch *batch);
/* Opens every sealed_value of a decoded batch with the hub's key pair into value, and every
 * value box (schema 6) once, giving each change with a box_slot its value (group_box and
 * box_slot are then cleared); each value is then checked as a value on the wire is
 * (sae_change_check). SAE_WIRE_EDECODE: a value or box that does not open (sealed to
 * another key, damaged), a box that is not well formed or inflates past its limit
 * (sae_value_box.h), a slot the box lacks, or a bad value; SAE_ENOMEM.
 * On failure the batch keeps what was opened so far; the caller refuses it whole. */
int sae_batch_open_sealed(struct sae_batch *batch, const uint8_t public_key[32],
                          const uint8_t secret_key[32], const struct sae_limits *limits);

int sae_push_ack_encode(const struct sae_push_ack *ack, const struct sae_limits *limits,
                        uint8_t **out, size_t *out_len);
int sae_push_ack_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                        struct sae_push_ack **out);
void sae_push_ack_free(struct sae_push_ack *ack);

int sae_pull_request_encode(const struct sae_pull_request *req, const struct sae_limits *limits,
                            uint8_t **out, size_t *out_len);
int sae_pull_request_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                            struct sae_pull_request **out);
void sae_pull_request_free(struct sae_pull_request *req);

int sae_pull_response_encode(const struct sae_pull_response *resp,
                             const struct sae_limits *limits, uint8_t **out, size_t *out_len);
int sae_pull_response_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                             struct sae_pull_response **out);
void sae_pull_response_free(struct sae_pull_response *resp);

int sae_enroll_request_encode(const struct sae_enroll_request *req,
                              const struct sae_limits *limits, uint8_t **out, size_t *out_len);
int sae_enroll_request_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                              struct sae_enroll_request **out);
void sae_enroll_request_free(struct sae_enroll_request *req);

int sae_enroll_response_encode(const struct sae_enroll_response *resp,
                               const struct sae_limits *limits, uint8_t **out, size_t *out_len);
int sae_enroll_response_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                               struct sae_enroll_response **out);
void sae_enroll_response_free(struct sae_enroll_response *resp);

int sae_error_status_encode(const struct sae_error_status *status,
                            const struct sae_limits *limits, uint8_t **out, size_t *out_len);
int sae_error_status_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                            struct sae_error_status **out);
void sae_error_status_free(struct sae_error_status *status);

/* The schema_version of an encoded message (field 1 of every message), read without
 * decoding the rest, so that a refusal can answer in a version the sender reads. 0 when
 * absent; SAE_WIRE_EDECODE when the bytes are not a protobuf message. */
int sae_wire_peek_schema(const uint8_t *buf, size_t len, uint32_t *out);

/* The wire rules for one change (what decode checks): id, names, value length and UTF-8,
 * version ranges. 0, SAE_WIRE_EDECODE or SAE_WIRE_ELIMIT. */
int sae_change_check(const struct sae_change *change, const struct sae_limits *limits);

/* The catalogue's rules for one decoded change, for the hub before it merges: the kind
 * and field exist (or the field is the tombstone with value "1"), and the value is the
 * canonical form of a valid value. 0, or SAE_EINVAL with a one-line reason in message. */
#define SAE_CHANGE_MESSAGE_BYTES 512
int sae_change_check_catalogue(const struct sae_change *change,
                               char message[SAE_CHANGE_MESSAGE_BYTES]);

#endif
