/* libFuzzer target for sealed values (sae_sealed.h), versions 1 and 2, which will be read
 * from node.db, hub.db, pulls and backups: any bytes opened with a fixed key pair, by
 * sae_sealed_open and by an opener that lives across inputs (its cache of shared keys met by
 * hostile ephemeral keys), are refused with a documented code and the outputs untouched, or
 * (never for forged input, which cannot authenticate) open. The input is also sealed as a
 * value in both versions when within the limit and must open back to itself, its header
 * saying its length. */
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "sealing_fuzz.h"

static struct sealing_fuzz_keys k;

static void keys(void)
{
    sealing_fuzz_keys_once(&k, 7);
}

static int open_hostile(const uint8_t *data, size_t size, bool with_opener)
{
    char *plain = (char *)(uintptr_t)0x1;
    size_t plain_len = 99;
    int rc = with_opener ? sae_opener_open(k.opener, data, size, &plain, &plain_len)
                         : sae_sealed_open(k.pk, k.sk, data, size, &plain, &plain_len);
    if (rc == 0) { /* only bytes sealed to k.pk, which the fuzzer would have to forge */
        sae_wipe_free(plain, plain_len + 1);
        return rc;
    }
    REQUIRE(rc == SAE_ECORRUPT || rc == SAE_ESCHEMA || rc == SAE_ETOOBIG || rc == SAE_EPERM);
    REQUIRE(plain == (char *)(uintptr_t)0x1 && plain_len == 99);
    return rc;
}

/* Both ways of opening agree on every input. */
static void check_hostile(const uint8_t *data, size_t size)
{
    REQUIRE(open_hostile(data, size, false) == open_hostile(data, size, true));
}

static void check_round_trip(const uint8_t *data, size_t size)
{
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len = 0;
    char *plain = NULL;
    struct sae_sealed_header header;
    int rc = sae_sealed_seal(k.pk, data, size, &sealed, &len);
    if (size > SAE_SEALED_PLAIN_MAX) {
        REQUIRE(rc == SAE_ETOOBIG);
        return;
    }
    REQUIRE(rc == 0 && len == size + SAE_SEALED_OVERHEAD);
    REQUIRE(sae_sealed_header(sealed, len, &header) == 0 && header.plain_len == size);
    REQUIRE(sae_sealed_open(k.pk, k.sk, sealed, len, &plain, &plain_len) == 0);
    REQUIRE(plain_len == size && memcmp(plain, data, size) == 0 && plain[size] == '\0');
    sae_wipe_free(plain, plain_len + 1);
    free(sealed);
    REQUIRE(sae_sealer_seal(k.sealer, data, size, &sealed, &len) == 0);
    REQUIRE(len == size + SAE_SEALED_SHARED_OVERHEAD);
    REQUIRE(sae_sealed_header(sealed, len, &header) == 0 && header.plain_len == size &&
            header.version == SAE_SEALED_VERSION_SHARED);
    REQUIRE(sae_opener_open(k.opener, sealed, len, &plain, &plain_len) == 0);
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
