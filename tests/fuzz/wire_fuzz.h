/* Shared by the wire decoders' libFuzzer targets (tests/fuzz/fuzz_*_decode.c). Each target
 * feeds its input to one decoder with limits small enough that every limit is within the
 * fuzzer's reach. Oracle: whatever decodes must encode again (encoding applies the same
 * rules), and that encoding must decode; failures must leave the out-parameter untouched.
 * Sanitizers catch the rest (overflows, leaks, undefined behaviour). */
#ifndef SAE_WIRE_FUZZ_H
#define SAE_WIRE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

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
