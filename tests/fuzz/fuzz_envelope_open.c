/* libFuzzer target: sae_envelope_open, what the hub runs on every request body before it
 * knows who sent it. The first input byte picks a mode:
 * - even: the rest is an envelope, opened as the hub (recipient) with a lookup that knows
 *   one post. Forging a MAC is out of the fuzzer's reach, so this covers the header, size
 *   and lookup paths.
 * - odd: the second byte is a message type and the rest is what goes inside the box after
 *   the header copy (normally a zlib stream). The target boxes it with the post's real key,
 *   as a hostile enrolled post could, so inflate (with its cap) and the decoders behind the
 *   box are fuzzed too.
 * Whatever opens is decoded by its type with the same oracle as the decoder targets. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "wire_fuzz.h"

static uint8_t post_pk[32], post_sk[32], hub_pk[32], hub_sk[32];
static uint64_t post_id;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    wire_fuzz_vector_keys(post_pk, post_sk, hub_pk, hub_sk);
    if (sae_origin_from_public_key(post_pk, &post_id) != 0)
        abort();
    return 0;
}

static int lookup(void *ctx, uint64_t id, uint8_t pk[32])
{
    (void)ctx;
    if (id != post_id)
        return SAE_ENOTFOUND;
    memcpy(pk, post_pk, 32);
    return 0;
}

#define REENCODE(name, type)                                                                \
    do {                                                                                    \
        struct type *m = NULL, *again = NULL;                                               \
        uint8_t *out = NULL;                                                                \
        size_t out_len = 0;                                                                 \
        if (sae_##name##_decode(plain, len, limits, &m) != 0)                               \
            break;                                                                          \
        WIRE_FUZZ_REQUIRE(sae_##name##_encode(m, limits, &out, &out_len) == 0);             \
        WIRE_FUZZ_REQUIRE(sae_##name##_decode(out, out_len, limits, &again) == 0);          \
        sae_##name##_free(again);                                                           \
        sae_wire_buffer_free(out, out_len);                                                 \
        sae_##name##_free(m);                                                               \
    } while (0)

static void decode_by_type(uint8_t type, const uint8_t *plain, size_t len,
                           const struct sae_limits *limits)
{
    switch (type) {
    case SAE_MSG_PUSH_BATCH: REENCODE(batch, sae_batch); break;
    case SAE_MSG_PUSH_ACK: REENCODE(push_ack, sae_push_ack); break;
    case SAE_MSG_PULL_REQUEST: REENCODE(pull_request, sae_pull_request); break;
    case SAE_MSG_PULL_RESPONSE: REENCODE(pull_response, sae_pull_response); break;
    case SAE_MSG_ENROLL_REQUEST: REENCODE(enroll_request, sae_enroll_request); break;
    case SAE_MSG_ENROLL_RESPONSE: REENCODE(enroll_response, sae_enroll_response); break;
    case SAE_MSG_ERROR_STATUS: REENCODE(error_status, sae_error_status); break;
    default: WIRE_FUZZ_REQUIRE(false);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sae_limits limits = wire_fuzz_limits();
    uint8_t *env, type = 0xee, *plain = (uint8_t *)0x1;
    uint64_t sender = 0xdead;
    size_t env_len, plain_len = 0xbeef;
    bool boxed = size >= 2 && (data[0] & 1);
    if (size < 1)
        return 0;
    if (boxed) {
        /* Enroll requests carry a key in their header; the boxing here does not. */
        uint8_t t = data[1] % 8 == SAE_MSG_ENROLL_REQUEST ? SAE_MSG_PUSH_BATCH : data[1] % 8;
        env = wire_fuzz_box(t, post_id, post_sk, hub_pk, data + 2, size - 2, &env_len);
    } else {
        env = malloc(size);
        if (!env)
            abort();
        memcpy(env, data + 1, size - 1);
        env_len = size - 1;
    }
    int rc = sae_envelope_open(env, env_len, lookup, NULL, hub_sk, &limits, &type, &sender,
                               &plain, &plain_len);
    if (rc != 0) {
        WIRE_FUZZ_REQUIRE(type == 0xee && sender == 0xdead && plain == (uint8_t *)0x1 &&
                          plain_len == 0xbeef);
        WIRE_FUZZ_REQUIRE(rc < 0);
    } else {
        WIRE_FUZZ_REQUIRE(plain_len <= limits.inflated_bytes);
        WIRE_FUZZ_REQUIRE(sender == post_id || type == SAE_MSG_ENROLL_REQUEST);
        decode_by_type(type, plain, plain_len, &limits);
        sae_wire_buffer_free(plain, plain_len);
    }
    free(env);
    return 0;
}
