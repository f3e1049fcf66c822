/* The hub's revocation notice (include/sae/sae_revocation.h): what the hub seals opens for
 * the device it was sealed to, with the hub's key, and gives the hub's time; nothing else is
 * a notice: a plain text body, a notice sealed by another key (also under the hub's id), one
 * made for another device, another ErrorStatus code, another message type, every single
 * byte flipped and every truncation. The output stays untouched on every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "sae/sae_revocation.h"
#include "sae/sae_wire.h"

static uint8_t hub_pk[32], hub_sk[32], node_pk[32], node_sk[32], other_pk[32], other_sk[32];
static uint64_t hub_id, other_id;
static struct sae_limits limits;

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    crypto_box_keypair(hub_pk, hub_sk);
    crypto_box_keypair(node_pk, node_sk);
    crypto_box_keypair(other_pk, other_sk);
    limits = sae_limits_default();
    return sae_origin_from_public_key(hub_pk, &hub_id) == 0 &&
                   sae_origin_from_public_key(other_pk, &other_id) == 0
               ? 0
               : -1;
}

static const struct sae_revocation_notice NOTICE = {.hub_time_ms = 1764990000123u,
                                                    .hub_clock = (sae_hlc)1764990000123u << 16};

/* Opens as the node would; on refusal the output must be untouched. */
static int try_open(const uint8_t *body, size_t len, struct sae_revocation_notice *out)
{
    struct sae_revocation_notice canary = {.hub_time_ms = 77, .hub_clock = 78};
    *out = canary;
    int rc = sae_revocation_notice_open(body, len, hub_id, hub_pk, node_sk, &limits, out);
    if (rc != 0)
        assert_memory_equal(out, &canary, sizeof canary);
    return rc;
}

static void test_the_hubs_notice_opens_for_its_device(void **state)
{
    (void)state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    struct sae_revocation_notice got;
    assert_int_equal(sae_revocation_notice_seal(hub_id, hub_sk, node_pk, &NOTICE, &limits,
                                                &sealed, &len), 0);
    assert_int_equal(try_open(sealed, len, &got), 0);
    assert_true(got.hub_time_ms == NOTICE.hub_time_ms && got.hub_clock == NOTICE.hub_clock);
    /* Another device holding this notice cannot open it. */
    assert_int_equal(sae_revocation_notice_open(sealed, len, hub_id, hub_pk, other_sk, &limits,
                                                &got), SAE_EPERM);
    /* Every byte flipped, every truncation: not a notice. */
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 0x01;
        assert_int_equal(try_open(sealed, len, &got), SAE_EPERM);
        sealed[i] ^= 0x01;
    }
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(try_open(sealed, cut, &got), SAE_EPERM);
    free(sealed);
}

static void test_forgeries_are_not_notices(void **state)
{
    (void)state;
    static const char text[] = "this device was revoked by the district";
    uint8_t *sealed = NULL;
    size_t len = 0;
    struct sae_revocation_notice got;
    assert_int_equal(try_open((const uint8_t *)text, sizeof text - 1, &got), SAE_EPERM);
    assert_int_equal(try_open(NULL, 0, &got), SAE_EPERM);
    /* Sealed by another key, under its own id and then under the hub's. */
    assert_int_equal(sae_revocation_notice_seal(other_id, other_sk, node_pk, &NOTICE, &limits,
                                                &sealed, &len), 0);
    assert_int_equal(try_open(sealed, len, &got), SAE_EPERM);
    for (int i = 0; i < 8; i++)
        sealed[6 + i] = (uint8_t)(hub_id >> (56 - 8 * i));
    assert_int_equal(try_open(sealed, len, &got), SAE_EPERM);
    free(sealed);
    /* The hub's key, sealed to another device. */
    assert_int_equal(sae_revocation_notice_seal(hub_id, hub_sk, other_pk, &NOTICE, &limits,
                                                &sealed, &len), 0);
    assert_int_equal(try_open(sealed, len, &got), SAE_EPERM);
    free(sealed);
}

/* The hub's own envelope of msg_type holding plain. */
static int sealed_by_hub(const uint8_t *plain, size_t plain_len, uint8_t msg_type,
                         uint8_t **out, size_t *out_len)
{
    return sae_envelope_seal(plain, plain_len, msg_type, hub_id, hub_sk, node_pk, &limits, out,
                             out_len);
}

static void test_other_answers_of_the_hub_are_not_notices(void **state)
{
    (void)state;
    struct sae_error_status status = {.schema_version = SAE_WIRE_SCHEMA_VERSION,
                                      .code = SAE_STATUS_AUTH_FAILED, .hub_time_ms = 5};
    uint8_t *plain = NULL, *sealed = NULL;
    size_t plain_len = 0, len = 0;
    struct sae_revocation_notice got;
    assert_int_equal(sae_error_status_encode(&status, &limits, &plain, &plain_len), 0);
    assert_int_equal(sealed_by_hub(plain, plain_len, SAE_MSG_ERROR_STATUS, &sealed, &len), 0);
    assert_int_equal(try_open(sealed, len, &got), SAE_EINVAL);
    free(sealed);
    sae_wire_buffer_free(plain, plain_len);
    /* A REVOKED status inside another message type. */
    status.code = SAE_STATUS_REVOKED;
    assert_int_equal(sae_error_status_encode(&status, &limits, &plain, &plain_len), 0);
    assert_int_equal(sealed_by_hub(plain, plain_len, SAE_MSG_PUSH_ACK, &sealed, &len), 0);
    assert_int_equal(try_open(sealed, len, &got), SAE_EINVAL);
    free(sealed);
    /* Not a message at all inside the hub's box. */
    assert_int_equal(sealed_by_hub((const uint8_t *)"\xff\xff\xff", 3, SAE_MSG_ERROR_STATUS,
                                   &sealed, &len), 0);
    assert_int_equal(try_open(sealed, len, &got), SAE_EINVAL);
    free(sealed);
    sae_wire_buffer_free(plain, plain_len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_hubs_notice_opens_for_its_device),
        cmocka_unit_test(test_forgeries_are_not_notices),
        cmocka_unit_test(test_other_answers_of_the_hub_are_not_notices),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
