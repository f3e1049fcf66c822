/* libFuzzer target: sae_batch_decode (a push batch, what every post sends the hub) on
 * arbitrary bytes (see wire_fuzz.h for the oracle), then what the hub does next with it:
 * opening its sealed values (schema 3) and value boxes (schema 6) with a fixed key pair. Opening fails with a
 * documented code, or leaves no sealed value and a batch that encodes again. */
#include "wire_fuzz.h"

#include <sodium.h>

static int fuzz_open_sealed(struct sae_batch *batch, const struct sae_limits *limits)
{
    unsigned char pk[32], sk[32], seed[32] = {7};
    uint8_t *out = NULL;
    size_t len = 0;
    WIRE_FUZZ_REQUIRE(sodium_init() >= 0);
    crypto_box_seed_keypair(pk, sk, seed);
    int rc = sae_batch_open_sealed(batch, pk, sk, limits);
    WIRE_FUZZ_REQUIRE(rc == 0 || rc == SAE_WIRE_EDECODE || rc == SAE_WIRE_ELIMIT);
    if (rc != 0)
        return 0;
    for (size_t i = 0; i < batch->change_count; i++)
        WIRE_FUZZ_REQUIRE(!batch->changes[i].sealed_value && !batch->changes[i].group_box &&
                          batch->changes[i].box_slot == 0);
    WIRE_FUZZ_REQUIRE(sae_batch_encode(batch, limits, &out, &len) == 0);
    sae_wire_buffer_free(out, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sae_limits limits = wire_fuzz_limits();
    struct sae_batch *m = (struct sae_batch *)0x1, *again = NULL;
    uint8_t *out = NULL;
    size_t len = 0;
    if (sae_batch_decode(data, size, &limits, &m) != 0) {
        WIRE_FUZZ_REQUIRE(m == (struct sae_batch *)0x1);
        return 0;
    }
    WIRE_FUZZ_REQUIRE(sae_batch_encode(m, &limits, &out, &len) == 0);
    WIRE_FUZZ_REQUIRE(sae_batch_decode(out, len, &limits, &again) == 0);
    sae_batch_free(again);
    sae_wire_buffer_free(out, len);
    fuzz_open_sealed(m, &limits);
    sae_batch_free(m);
    return 0;
}
