/* libFuzzer target: sae_wire_peek_schema, which the hub runs on every opened message to
 * answer a refusal in a version its sender reads. Oracle: it never reads past the input;
 * where it succeeds and the bytes also decode as a push batch or a pull request, both agree
 * on the schema version; where a decoder accepts the bytes, the peek accepts them too. */
#include "wire_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sae_limits limits = wire_fuzz_limits();
    struct sae_batch *batch = NULL;
    struct sae_pull_request *pull = NULL;
    uint32_t version = 0;
    int peeked = sae_wire_peek_schema(data, size, &version);
    if (sae_batch_decode(data, size, &limits, &batch) == 0) {
        WIRE_FUZZ_REQUIRE(peeked == 0 && version == batch->schema_version);
        sae_batch_free(batch);
    }
    if (sae_pull_request_decode(data, size, &limits, &pull) == 0) {
        WIRE_FUZZ_REQUIRE(peeked == 0 && version == pull->schema_version);
        sae_pull_request_free(pull);
    }
    return 0;
}
