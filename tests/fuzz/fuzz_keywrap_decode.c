/* libFuzzer target for wrapped keys (sae_keywrap.h), which a post reads from node.db and
 * the hub from hub.db or a recovery sheet: any bytes are either refused with one of the
 * documented codes, the output untouched, or parsed into a wrap whose parameters are in
 * bounds and which encodes back to exactly the same bytes. Opening (Argon2id) is left to the
 * unit tests: its cost, not its parsing, is what bounded parameters guard. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_keywrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_require.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sae_keywrap wrap, before;
    unsigned char again[SAE_KEYWRAP_BYTES];
    memset(&wrap, 0x5a, sizeof wrap);
    before = wrap;
    int rc = sae_keywrap_decode(data, size, &wrap);
    if (rc != 0) {
        REQUIRE(rc == SAE_ECORRUPT || rc == SAE_ESCHEMA || rc == SAE_ERANGE);
        REQUIRE(memcmp(&wrap, &before, sizeof wrap) == 0);
        REQUIRE(size != SAE_KEYWRAP_BYTES || rc != SAE_ECORRUPT || memcmp(data, "SAEK", 4) != 0 ||
                data[4] != SAE_KEYWRAP_VERSION || data[5] != SAE_KEYWRAP_ALG_ARGON2ID_XCHACHA ||
                data[6] != 0 || data[7] != 0);
        return 0;
    }
    REQUIRE(size == SAE_KEYWRAP_BYTES);
    REQUIRE(wrap.opslimit >= SAE_KEYWRAP_OPSLIMIT_MIN && wrap.opslimit <= SAE_KEYWRAP_OPSLIMIT_MAX);
    REQUIRE(wrap.memlimit_kib >= SAE_KEYWRAP_MEMLIMIT_KIB_MIN &&
            wrap.memlimit_kib <= SAE_KEYWRAP_MEMLIMIT_KIB_MAX);
    REQUIRE(sae_keywrap_encode(&wrap, again) == 0);
    REQUIRE(memcmp(again, data, SAE_KEYWRAP_BYTES) == 0);
    return 0;
}
