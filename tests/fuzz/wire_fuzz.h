/* Shared by the wire decoders' libFuzzer targets (tests/fuzz/fuzz_*_decode.c). Each target
 * feeds its input to one decoder with limits small enough that every limit is within the
 * fuzzer's reach. Oracle: whatever decodes must encode again (encoding applies the same
 * rules), and that encoding must decode; failures must leave the out-parameter untouched.
 * Sanitizers catch the rest (overflows, leaks, undefined behaviour). */
#ifndef SAE_WIRE_FUZZ_H
#define SAE_WIRE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline struct sae_limits wire_fuzz_limits(void)
{
    struct sae_limits l = sae_limits_default();
    l.envelope_bytes = 8192;
    l.inflated_bytes = 16384;
    l.decode_bytes = 65536;
    l.changes_per_message = 20;
    l.value_bytes = 300;
    l.name_bytes = 16;
    l.text_bytes = 64;
    return l;
}

/* The key pairs of tests/vectors (seed bytes 00..1f for the post, 80..9f for the hub), so
 * that committed envelopes among a target's seeds open; sodium initialised first. */
static inline void wire_fuzz_vector_keys(uint8_t post_pk[32], uint8_t post_sk[32],
                                         uint8_t hub_pk[32], uint8_t hub_sk[32])
{
    uint8_t seed[32];
    if (sodium_init() < 0)
        abort();
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)i;
    crypto_box_seed_keypair(post_pk, post_sk, seed);
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(0x80 + i);
    crypto_box_seed_keypair(hub_pk, hub_sk, seed);
}

/* header || inner boxed from the sender (sender_id, sender_sk) to recipient_pk under a fixed
 * nonce, as an envelope (proto/PROTOCOL.md section 2): what a peer holding a real key could
 * send, so that inflate and the decoders behind the box are fuzzed too. Free with free(). */
static inline uint8_t *wire_fuzz_box(uint8_t type, uint64_t sender_id,
                                     const uint8_t sender_sk[32], const uint8_t recipient_pk[32],
                                     const uint8_t *inner, size_t len, size_t *out_len)
{
    size_t boxed = 14 + len, total = 14 + 24 + 16 + boxed;
    uint8_t *plain = malloc(boxed), *env = malloc(total);
    if (!plain || !env)
        abort();
    memcpy(plain, "SAE1", 4);
    plain[4] = 1;
    plain[5] = type;
    for (size_t i = 0; i < 8; i++)
        plain[6 + i] = (uint8_t)(sender_id >> (56 - 8 * i));
    if (len > 0)
        memcpy(plain + 14, inner, len);
    memcpy(env, plain, 14);
    memset(env + 14, 0x77, 24);
    if (crypto_box_easy(env + 38, plain, boxed, env + 14, recipient_pk, sender_sk) != 0)
        abort();
    free(plain);
    *out_len = total;
    return env;
}

#define WIRE_FUZZ_REQUIRE(cond)                                                             \
    do {                                                                                    \
        if (!(cond))                                                                        \
            __builtin_trap();                                                               \
    } while (0)

/* The target for sae_NAME_decode, with struct TYPE. */
#define WIRE_FUZZ_DECODER(name, type)                                                       \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                            \
    {                                                                                       \
        struct sae_limits limits = wire_fuzz_limits();                                      \
        struct type *m = (struct type *)0x1, *again = NULL;                                 \
        uint8_t *out = NULL;                                                                \
        size_t len = 0;                                                                     \
        if (sae_##name##_decode(data, size, &limits, &m) != 0) {                            \
            WIRE_FUZZ_REQUIRE(m == (struct type *)0x1);                                     \
            return 0;                                                                       \
        }                                                                                   \
        WIRE_FUZZ_REQUIRE(sae_##name##_encode(m, &limits, &out, &len) == 0);                \
        WIRE_FUZZ_REQUIRE(sae_##name##_decode(out, len, &limits, &again) == 0);             \
        sae_##name##_free(again);                                                           \
        sae_wire_buffer_free(out, len);                                                     \
        sae_##name##_free(m);                                                               \
        return 0;                                                                           \
    }

#endif
