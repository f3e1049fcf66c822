/* libFuzzer target for sealed values (sae_sealed.h), which will be read from node.db,
 * hub.db, pulls and backups: any bytes opened with a fixed key pair are refused with a
 * documented code and the outputs untouched, or (never for forged input, which cannot
 * authenticate) open. The input is also sealed as a value when within the limit and must
 * open back to itself, its header saying its length. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_require.h"

static unsigned char pk[32], sk[32];
static int ready;

static void keys(void)
{
    unsigned char seed[crypto_box_SEEDBYTES];
    if (ready)
        return;
    REQUIRE(sodium_init() >= 0);
    memset(seed, 7, sizeof seed);
    REQUIRE(crypto_box_seed_keypair(pk, sk, seed) == 0);
    ready = 1;
}

static void check_hostile(const uint8_t *data, size_t size)
{
    char *plain = (char *)(uintptr_t)0x1;
    size_t plain_len = 99;
    int rc = sae_sealed_open(pk, sk, data, size, &plain, &plain_len);
    if (rc == 0) { /* only bytes sealed to pk, which the fuzzer would have to forge */
        sae_wipe_free(plain, plain_len + 1);
        return;
    }
    REQUIRE(rc == SAE_ECORRUPT || rc == SAE_ESCHEMA || rc == SAE_ETOOBIG || rc == SAE_EPERM);
    REQUIRE(plain == (char *)(uintptr_t)0x1 && plain_len == 99);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len = 0;
    char *plain = NULL;
    struct sae_sealed_header header;
    int rc = sae_sealed_seal(pk, data, size, &sealed, &len);
    if (size > SAE_SEALED_PLAIN_MAX) {
        REQUIRE(rc == SAE_ETOOBIG);
        return;
    }
    REQUIRE(rc == 0 && len == size + SAE_SEALED_OVERHEAD);
    REQUIRE(sae_sealed_header(sealed, len, &header) == 0 && header.plain_len == size);
    REQUIRE(sae_sealed_open(pk, sk, sealed, len, &plain, &plain_len) == 0);
    REQUIRE(plain_len == size && memcmp(plain, data, size) == 0 && plain[size] == '\0');
    sae_wipe_free(plain, plain_len + 1);
    free(sealed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys();
    check_hostile(data, size);
    check_round_trip(data, size);
    return 0;
}
