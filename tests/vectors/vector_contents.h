/* The fixed contents of the test vectors: keys from fixed seeds, a fixed nonce per vector,
 * and one message of every type. Shared by the generator (make_vectors.c) and the unit test
 * (tests/unit/test_vectors.c), which checks the C code against the committed files.
 * Header-only: each program includes it once. Described for people in README.md. */
#ifndef SAE_VECTOR_CONTENTS_H
#define SAE_VECTOR_CONTENTS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "sae/sae_hlc.h"
#include "sae/sae_wire.h"

struct vector_party {
    uint8_t seed[crypto_box_SEEDBYTES];
    uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    uint64_t id;
};

/* post: seed bytes 00 01 .. 1f; hub: 80 81 .. 9f; stranger (enrolled nowhere): 40 .. 5f. */
static struct vector_party vector_post, vector_hub, vector_stranger;

static inline int vector_party_make(struct vector_party *p, uint8_t first)
{
    for (size_t i = 0; i < sizeof p->seed; i++)
        p->seed[i] = (uint8_t)(first + i);
    if (crypto_box_seed_keypair(p->pk, p->sk, p->seed) != 0)
        return SAE_ECRYPTO;
    return sae_origin_from_public_key(p->pk, &p->id);
}

static inline int vector_keys_make(void)
{
    int rc = vector_party_make(&vector_post, 0x00);
    if (rc == 0)
        rc = vector_party_make(&vector_hub, 0x80);
    if (rc == 0)
        rc = vector_party_make(&vector_stranger, 0x40);
    return rc;
}

/* The nonce of vector n: byte i is 16 * n + i. Never reused under one pair of keys. */
static inline void vector_nonce(unsigned n, uint8_t nonce[24])
{
    for (unsigned i = 0; i < 24; i++)
        nonce[i] = (uint8_t)(16 * n + i);
}

/* 2026-01-02T00:00:00Z */
#define VECTOR_MS UINT64_C(1767312000000)
#define VECTOR_HLC(ms_after, counter) (((VECTOR_MS + (ms_after)) << 16) | (counter))

static const struct sae_id vector_report_a = {{0x3f, 0x2a, 0x91, 0x0c, 0x5e, 0x7b, 0x4d, 0x12,
                                               0x8a, 0x6e, 0xc4, 0x01, 0x9b, 0x33, 0xd7, 0x58}};
static const struct sae_id vector_report_b = {{0xa0, 0x0b, 0x7c, 0xd1, 0x24, 0x96, 0x4f, 0xe3,
                                               0xb5, 0x10, 0x6a, 0x2f, 0x88, 0x41, 0xc9, 0x07}};
#define VECTOR_OTHER_POST UINT64_C(0x0123456789abcdef)

static inline int vector_push_batch(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    const uint64_t o = vector_post.id;
    const struct sae_version v1 = {VECTOR_HLC(0, 0), o}, v2 = {VECTOR_HLC(60000, 1), o};
    struct sae_change c[] = {
        {vector_report_a, "case", "status", "new", v1, {0, 0}, 41, 0, 0, "Siti", NULL, NULL,
         NULL, 0, false, NULL, 0, 0},
        {vector_report_a, "case", "violence_type", "psychological", v1, {0, 0}, 42, 0, 0,
         "Siti", NULL, NULL, NULL, 0, false, NULL, 0, 0},
        {vector_report_a, "case", "victim_sex", "F", v1, {0, 0}, 43, 0, 0, "Siti", NULL, NULL,
         NULL, 0, false, NULL, 0, 0},
        {vector_report_a, "case", "narrative",
         "Korban datang ke Rumah SAE didampingi ibunya.\nKejadian di rumah \xe2\x80\x94 pelaku "
         "suaminya.", v1, {0, 0}, 44, 0, 0, "Siti", NULL, NULL, NULL, 0, false, NULL, 0, 0},
        {vector_report_a, "case", "status", "active", v2, v1, 46, 0, 0, "Siti", NULL, NULL,
         NULL, 0, false, NULL, 0, 0},
        {vector_report_a, "case", "risk_level", NULL, v2, v1, 47, 0, 0, "Siti", NULL, NULL,
         NULL, 0, false, NULL, 0, 0},
        {vector_report_b, "referral", "_deleted", "1", {VECTOR_HLC(61000, 0), o},
         {VECTOR_HLC(-86400000, 0), o}, 48, 0, 0, "Nur Hasanah", NULL, NULL, NULL, 0, false, NULL, 0, 0},
    };
    struct sae_batch b = {.origin = o, .clock = VECTOR_HLC(62000, 0), .changes = c,
                          .change_count = sizeof c / sizeof c[0]};
    return sae_batch_encode(&b, l, out, out_len);
}

static inline int vector_push_ack(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    struct sae_refusal r = {48, SAE_STATUS_CLOCK_AHEAD,
                            "held for review: the date on this computer is wrong"};
    struct sae_push_ack a = {.hub_clock = VECTOR_HLC(120000, 5), .origin = vector_post.id,
                             .acked_seq = 48, .refusals = &r, .refusal_count = 1,
                             .hub_time_ms = VECTOR_MS + 120000};
    return sae_push_ack_encode(&a, l, out, out_len);
}

static inline int vector_pull_request(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    struct sae_pull_request r = {.cursor = 1234, .max_changes = 500,
                                 .clock = VECTOR_HLC(170000, 0), .review_cursor = 88,
                                 .with_reviews = true, .grant_cursor = 12};
    return sae_pull_request_encode(&r, l, out, out_len);
}

static inline int vector_pull_response(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    const struct sae_version mine = {VECTOR_HLC(60000, 1), vector_post.id};
    const struct sae_version coord = {VECTOR_HLC(200000, 0), vector_hub.id};
    const struct sae_version other = {VECTOR_HLC(30000, 2), VECTOR_OTHER_POST};
    struct sae_change c[] = {
        {vector_report_a, "case", "status", "referred", coord, mine, 9001, 0, 0, "Bu Ani",
         "Dirujuk ke UPTD PPA setelah kunjungan rumah", "UPTD PPA Kabupaten Probolinggo", NULL, 0,
         false, NULL, 0, 0},
        {vector_report_a, "case", "risk_level", "high", coord, {0, 0}, 9002, 0, 0, "Bu Ani",
         "Dirujuk ke UPTD PPA setelah kunjungan rumah", "UPTD PPA Kabupaten Probolinggo", NULL, 0,
         false, NULL, 0, 0},
        {vector_report_b, "referral", "referral_status", "accepted", other, {0, 0}, 17, 0, 0,
         "Rahma", NULL, "Laptop Pos Jabungsisir", NULL, 0, false, NULL, 0, 0},
        /* Schema 4: a sensitive value of another post this device is not given. */
        {vector_report_b, "referral", "notes", NULL, other, {0, 0}, 18, 0, 0, "Rahma", NULL,
         "Laptop Pos Jabungsisir", NULL, 0, true, NULL, 0, 0},
    };
    /* Two review states: the consent to share of report a is under review, the other
     * post's withdrawal standing over the post's later grant; a set element's review of
     * report a is closed. */
    struct sae_review v[] = {
        {vector_report_a, "consent_share", true, other, mine, NULL, NULL, NULL},
        {vector_report_a, "violence_types/sexual", false, coord, coord, NULL, NULL, NULL},
    };
    /* The hub's clock a minute ahead of its wall time (it accepted a version dated so), and
     * two key pins announced: bytes a0..bf and c0..df. */
    struct sae_pull_response r = {.hub_clock = VECTOR_HLC(240000, 0), .changes = c,
                                  .change_count = 3, .next_cursor = 1237, .more = true,
                                  .hub_time_ms = VECTOR_MS + 180000, .tls_pin_count = 2,
                                  .reviews = v, .review_count = 2, .next_review_cursor = 90};
    for (uint8_t i = 0; i < 32; i++) {
        r.tls_pins[0][i] = (uint8_t)(0xa0 + i);
        r.tls_pins[1][i] = (uint8_t)(0xc0 + i);
    }
    return sae_pull_response_encode(&r, l, out, out_len);
}

static inline int vector_enroll_request(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    struct sae_enroll_request r = {.token = "enr-7c1f0e9a3b", .village = "35.13.12.2018",
                                   .device_name = "Laptop Pos Sumberanyar"};
    memcpy(r.public_key, vector_post.pk, 32);
    return sae_enroll_request_encode(&r, l, out, out_len);
}

static inline int vector_enroll_response(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    struct sae_enroll_response r = {.hub_clock = VECTOR_HLC(5000, 0), .node_id = vector_post.id,
                                    .village = "35.13.12.2018", .hub_time_ms = VECTOR_MS + 5000,
                                    .device_name = "Laptop Pos Sumberanyar"};
    return sae_enroll_response_encode(&r, l, out, out_len);
}

static inline int vector_error_status(const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    struct sae_error_status e = {.hub_clock = VECTOR_HLC(300000, 0),
                                 .code = SAE_STATUS_RATE_LIMITED,
                                 .message = "too many requests; retry after 30 seconds",
                                 .hub_time_ms = VECTOR_MS + 300000};
    return sae_error_status_encode(&e, l, out, out_len);
}

/* Decodes a message of the vector's type and encodes it again: equal bytes show that the
 * decoder kept every field. */
#define VECTOR_REENCODE(name, type)                                                        \
    static int vector_reencode_##name(const uint8_t *buf, size_t len,                      \
                                      const struct sae_limits *l, uint8_t **out,           \
                                      size_t *out_len)                                     \
    {                                                                                      \
        struct type *m = NULL;                                                             \
        int rc = sae_##name##_decode(buf, len, l, &m);                                     \
        if (rc == 0)                                                                       \
            rc = sae_##name##_encode(m, l, out, out_len);                                  \
        sae_##name##_free(m);                                                              \
        return rc;                                                                         \
    }
VECTOR_REENCODE(batch, sae_batch)
VECTOR_REENCODE(push_ack, sae_push_ack)
VECTOR_REENCODE(pull_request, sae_pull_request)
VECTOR_REENCODE(pull_response, sae_pull_response)
VECTOR_REENCODE(enroll_request, sae_enroll_request)
VECTOR_REENCODE(enroll_response, sae_enroll_response)
VECTOR_REENCODE(error_status, sae_error_status)

struct vector_message {
    const char *name; /* files NAME.message.hex and NAME.envelope.hex */
    uint8_t type;
    int from_post; /* 1: post -> hub, 0: hub -> post */
    int (*encode)(const struct sae_limits *, uint8_t **, size_t *);
    int (*reencode)(const uint8_t *, size_t, const struct sae_limits *, uint8_t **, size_t *);
};

static const struct vector_message vector_messages[] = {
    {"push_batch", SAE_MSG_PUSH_BATCH, 1, vector_push_batch, vector_reencode_batch},
    {"push_ack", SAE_MSG_PUSH_ACK, 0, vector_push_ack, vector_reencode_push_ack},
    {"pull_request", SAE_MSG_PULL_REQUEST, 1, vector_pull_request, vector_reencode_pull_request},
    {"pull_response", SAE_MSG_PULL_RESPONSE, 0, vector_pull_response,
     vector_reencode_pull_response},
    {"enroll_request", SAE_MSG_ENROLL_REQUEST, 1, vector_enroll_request,
     vector_reencode_enroll_request},
    {"enroll_response", SAE_MSG_ENROLL_RESPONSE, 0, vector_enroll_response,
     vector_reencode_enroll_response},
    {"error_status", SAE_MSG_ERROR_STATUS, 0, vector_error_status, vector_reencode_error_status},
};
#define VECTOR_MESSAGE_COUNT (sizeof vector_messages / sizeof vector_messages[0])

/* Seals message m from its sender to its recipient with vector nonce n = index + 1. */
static inline int vector_seal(size_t index, const uint8_t *plain, size_t len,
                       const struct sae_limits *l, uint8_t **out, size_t *out_len)
{
    const struct vector_message *m = &vector_messages[index];
    const struct vector_party *from = m->from_post ? &vector_post : &vector_hub;
    const struct vector_party *to = m->from_post ? &vector_hub : &vector_post;
    uint8_t nonce[24];
    vector_nonce((unsigned)index + 1, nonce);
    return sae_envelope_seal_with_nonce(plain, len, m->type, from->id, from->sk, to->pk, nonce,
                                        l, out, out_len);
}

/* Error codes by name, as MANIFEST writes them. */
static const struct {
    const char *name;
    int code;
} vector_codes[] = {
    {"SAE_WIRE_EFORMAT", SAE_WIRE_EFORMAT},   {"SAE_WIRE_EUNKNOWN_SENDER", SAE_WIRE_EUNKNOWN_SENDER},
    {"SAE_WIRE_EAUTH", SAE_WIRE_EAUTH},       {"SAE_WIRE_ETOOLARGE", SAE_WIRE_ETOOLARGE},
    {"SAE_WIRE_EINFLATE", SAE_WIRE_EINFLATE}, {"SAE_WIRE_EDECODE", SAE_WIRE_EDECODE},
    {"SAE_WIRE_ELIMIT", SAE_WIRE_ELIMIT},     {"SAE_WIRE_ESCHEMA", SAE_WIRE_ESCHEMA},
};

static inline const char *vector_code_name(int code)
{
    for (size_t i = 0; i < sizeof vector_codes / sizeof vector_codes[0]; i++)
        if (vector_codes[i].code == code)
            return vector_codes[i].name;
    return NULL;
}

static inline int vector_code_of(const char *name, int *out)
{
    for (size_t i = 0; i < sizeof vector_codes / sizeof vector_codes[0]; i++) {
        if (strcmp(vector_codes[i].name, name) == 0) {
            *out = vector_codes[i].code;
            return 0;
        }
    }
    return SAE_EINVAL;
}

/* The lookup both sides use in the vectors: the post and the hub know each other. */
static inline int vector_lookup(void *ctx, uint64_t id, uint8_t pk[32])
{
    (void)ctx;
    if (id == vector_post.id) {
        memcpy(pk, vector_post.pk, 32);
        return 0;
    }
    if (id == vector_hub.id) {
        memcpy(pk, vector_hub.pk, 32);
        return 0;
    }
    return SAE_ENOTFOUND;
}

#endif
