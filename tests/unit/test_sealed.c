/* Sealed values (include/sae/sae_sealed.h): a value sealed to a public key opens with its
 * secret half only; a value sealed to another key says so (SAE_EPERM) rather than
 * "damaged"; every single byte flipped and every truncation is refused with the output
 * untouched; sizes at their limit and one past; the empty value; a newer version. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"

static unsigned char pk[32], sk[32], other_pk[32], other_sk[32];

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    crypto_box_keypair(pk, sk);
    crypto_box_keypair(other_pk, other_sk);
    return 0;
}

static int try_open(const unsigned char *pub, const unsigned char *sec,
                    const unsigned char *bytes, size_t len, char **plain, size_t *plain_len)
{
    *plain = (char *)(uintptr_t)0x1;
    *plain_len = 77;
    int rc = sae_sealed_open(pub, sec, bytes, len, plain, plain_len);
    if (rc != 0) {
        assert_ptr_equal(*plain, (char *)(uintptr_t)0x1);
        assert_int_equal(*plain_len, 77);
    }
    return rc;
}

static void test_round_trip_and_other_key(void **state)
{
    (void)state;
    static const char name[] = "Siti Rahmawati";
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len = 0;
    char *plain = NULL;
    assert_int_equal(sae_sealed_seal(pk, name, strlen(name), &sealed, &len), 0);
    assert_int_equal(len, SAE_SEALED_OVERHEAD + strlen(name));
    assert_int_equal(sealed[0], SAE_SEALED_VERSION);
    assert_null(memmem(sealed, len, "Siti", 4));
    assert_int_equal(try_open(pk, sk, sealed, len, &plain, &plain_len), 0);
    assert_int_equal(plain_len, strlen(name));
    assert_string_equal(plain, name);
    sae_wipe_free(plain, plain_len + 1);
    /* Sealed to pk: another key pair is told so, not that the value is damaged. */
    assert_int_equal(try_open(other_pk, other_sk, sealed, len, &plain, &plain_len), SAE_EPERM);
    /* The right tag with the wrong secret half does not open either. */
    assert_int_equal(try_open(pk, other_sk, sealed, len, &plain, &plain_len), SAE_ECORRUPT);
    /* Two seals of one value differ (an ephemeral key each): equal values do not show. */
    unsigned char *again = NULL;
    size_t again_len = 0;
    assert_int_equal(sae_sealed_seal(pk, name, strlen(name), &again, &again_len), 0);
    assert_memory_not_equal(again + SAE_SEALED_HEADER_BYTES, sealed + SAE_SEALED_HEADER_BYTES,
                            len - SAE_SEALED_HEADER_BYTES);
    free(again);
    free(sealed);
}

static void test_every_byte_flipped_and_truncated(void **state)
{
    (void)state;
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len;
    char *plain;
    assert_int_equal(sae_sealed_seal(pk, "Pak RT", 6, &sealed, &len), 0);
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 0x01;
        int rc = try_open(pk, sk, sealed, len, &plain, &plain_len);
        if (i == 0)
            assert_int_equal(rc, SAE_ECORRUPT); /* version 0 */
        else if (i < SAE_SEALED_HEADER_BYTES)
            assert_int_equal(rc, SAE_EPERM);
        else
            assert_int_equal(rc, SAE_ECORRUPT);
        sealed[i] ^= 0x01;
    }
    for (size_t cut = 0; cut < len; cut++)
        assert_true(try_open(pk, sk, sealed, cut, &plain, &plain_len) == SAE_ECORRUPT);
    sealed[0] = SAE_SEALED_VERSION_SHARED + 1;
    assert_int_equal(try_open(pk, sk, sealed, len, &plain, &plain_len), SAE_ESCHEMA);
    free(sealed);
}

static void test_sizes_at_the_edge(void **state)
{
    (void)state;
    char *big = malloc(SAE_SEALED_PLAIN_MAX + 1), *plain = NULL;
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len = 0;
    struct sae_sealed_header header;
    assert_non_null(big);
    memset(big, 'n', SAE_SEALED_PLAIN_MAX + 1);
    assert_int_equal(sae_sealed_seal(pk, big, SAE_SEALED_PLAIN_MAX + 1, &sealed, &len),
                     SAE_ETOOBIG);
    assert_null(sealed);
    assert_int_equal(sae_sealed_seal(pk, big, SAE_SEALED_PLAIN_MAX, &sealed, &len), 0);
    assert_int_equal(len, SAE_SEALED_OVERHEAD + SAE_SEALED_PLAIN_MAX);
    assert_int_equal(sae_sealed_header(sealed, len, &header), 0);
    assert_int_equal(header.plain_len, SAE_SEALED_PLAIN_MAX);
    assert_int_equal(try_open(pk, sk, sealed, len, &plain, &plain_len), 0);
    assert_memory_equal(plain, big, SAE_SEALED_PLAIN_MAX);
    sae_wipe_free(plain, plain_len + 1);
    assert_int_equal(sae_sealed_header(sealed, len + 1, &header), SAE_ETOOBIG);
    free(sealed);
    /* The empty value seals and opens to "". */
    assert_int_equal(sae_sealed_seal(pk, "", 0, &sealed, &len), 0);
    assert_int_equal(len, SAE_SEALED_OVERHEAD);
    assert_int_equal(try_open(pk, sk, sealed, len, &plain, &plain_len), 0);
    assert_int_equal(plain_len, 0);
    assert_string_equal(plain, "");
    sae_wipe_free(plain, 1);
    free(sealed);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_other_key),
        cmocka_unit_test(test_every_byte_flipped_and_truncated),
        cmocka_unit_test(test_sizes_at_the_edge),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
