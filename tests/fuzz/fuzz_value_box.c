/* libFuzzer target for value boxes (sae_value_box.h), which the hub opens from every push of
 * schema 6: any bytes are unpacked as a box's deflated plaintext, opened as a sealed box
 * with a fixed key pair, and sealed as a box's plaintext then opened back. Each is refused
 * with a documented code and the output untouched, or yields at most SAE_VALUE_BOX_VALUES_MAX
 * values, none empty, none with a NUL, whose framing fits SAE_VALUE_BOX_PLAIN_MAX; and a
 * box of those values packs and opens back to the same values. */
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_value_box.h"
#include "sae/sae_wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "sealing_fuzz.h"

static struct sealing_fuzz_keys k;

static void keys(void)
{
    sealing_fuzz_keys_once(&k, 9);
}

static void check_values(const struct sae_value_box *box)
{
    size_t framed = 0;
    REQUIRE(box->count >= 1 && box->count <= SAE_VALUE_BOX_VALUES_MAX);
    for (size_t i = 0; i < box->count; i++) {
        REQUIRE(box->lens[i] > 0 && strlen(box->values[i]) == box->lens[i]);
        framed += box->lens[i] + 1;
    }
    REQUIRE(framed <= SAE_VALUE_BOX_PLAIN_MAX);
}

/* The values sealed in a box again open back to themselves. */
static void check_round_trip(const struct sae_value_box *box)
{
    unsigned char *sealed = NULL;
    size_t len = 0;
    struct sae_value_box again = {0};
    int rc = sae_value_box_seal(k.sealer, (const char *const *)box->values, box->count, &sealed,
                                &len);
    if (rc == SAE_ETOOBIG) /* deflated past what one seal takes */
        return;
    REQUIRE(rc == 0);
    REQUIRE(sae_value_box_open(k.opener, sealed, len, &again) == 0);
    REQUIRE(again.count == box->count);
    for (size_t i = 0; i < box->count; i++)
        REQUIRE(again.lens[i] == box->lens[i] &&
                memcmp(again.values[i], box->values[i], box->lens[i]) == 0);
    sae_value_box_free(&again);
    free(sealed);
}

static void check_unpack(const uint8_t *data, size_t size)
{
    struct sae_value_box box = {(char **)(uintptr_t)0x1, NULL, 99};
    int rc = sae_value_box_unpack(data, size, &box);
    if (rc != 0) {
        REQUIRE(rc == SAE_ECORRUPT || rc == SAE_ETOOBIG);
        REQUIRE(box.values == (char **)(uintptr_t)0x1 && box.count == 99);
        return;
    }
    check_values(&box);
    check_round_trip(&box);
    sae_value_box_free(&box);
}

static void check_open(const uint8_t *data, size_t size)
{
    struct sae_value_box box = {(char **)(uintptr_t)0x1, NULL, 99};
    int rc = sae_value_box_open(k.opener, data, size, &box);
    if (rc == 0) { /* only bytes sealed to k.pk, which the fuzzer would have to forge */
        check_values(&box);
        sae_value_box_free(&box);
        return;
    }
    REQUIRE(rc == SAE_ECORRUPT || rc == SAE_ESCHEMA || rc == SAE_ETOOBIG || rc == SAE_EPERM);
    REQUIRE(box.values == (char **)(uintptr_t)0x1 && box.count == 99);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys();
    check_unpack(data, size);
    check_open(data, size);
    return 0;
}
