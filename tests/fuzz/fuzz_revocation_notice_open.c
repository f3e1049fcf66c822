/* libFuzzer target: sae_revocation_notice_open, what a post runs on the body of every 403 it
 * gets, before it decides whether to wipe. The first input byte picks a mode:
 * - even: the rest is the answer's body, opened with the hub's and the post's keys (a body
 *   from anyone: forging the box is out of the fuzzer's reach, so this covers the header,
 *   size and key paths);
 * - odd: the second byte is a message type and the rest is what goes inside the box after
 *   the header copy (normally a zlib stream), boxed with the hub's real key, so inflate and
 *   the ErrorStatus decoder behind the box are fuzzed too.
 * Oracle: a refusal is SAE_EPERM, SAE_EINVAL or SAE_ENOMEM with the output untouched; a
 * notice accepted re-seals to one that opens to the same notice. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "sae/sae_revocation.h"
#include "wire_fuzz.h"

static uint8_t post_pk[32], post_sk[32], hub_pk[32], hub_sk[32];
static uint64_t hub_id;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    wire_fuzz_vector_keys(post_pk, post_sk, hub_pk, hub_sk);
    if (sae_origin_from_public_key(hub_pk, &hub_id) != 0)
        abort();
    return 0;
}

static void check(const uint8_t *body, size_t len)
{
    struct sae_limits limits = wire_fuzz_limits();
    const struct sae_revocation_notice canary = {.hub_time_ms = 0x1234, .hub_clock = 0x5678};
    struct sae_revocation_notice got = canary, again = canary;
    int rc = sae_revocation_notice_open(body, len, hub_id, hub_pk, post_sk, &limits, &got);
    if (rc != 0) {
        WIRE_FUZZ_REQUIRE(rc == SAE_EPERM || rc == SAE_EINVAL || rc == SAE_ENOMEM);
        WIRE_FUZZ_REQUIRE(memcmp(&got, &canary, sizeof got) == 0);
        return;
    }
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    WIRE_FUZZ_REQUIRE(sae_revocation_notice_seal(hub_id, hub_sk, post_pk, &got, &limits, &sealed,
                                                 &sealed_len) == 0);
    WIRE_FUZZ_REQUIRE(sae_revocation_notice_open(sealed, sealed_len, hub_id, hub_pk, post_sk,
                                                 &limits, &again) == 0);
    WIRE_FUZZ_REQUIRE(again.hub_time_ms == got.hub_time_ms && again.hub_clock == got.hub_clock);
    free(sealed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        check(data + 1, size - 1);
        return 0;
    }
    if (size < 2)
        return 0;
    size_t len = 0;
    uint8_t *env = wire_fuzz_box(data[1], hub_id, hub_sk, post_pk, data + 2, size - 2,
                                 &len);
    check(env, len);
    free(env);
    return 0;
}
