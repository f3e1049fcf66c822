/* Sealed values, version 2 (include/sae/sae_sealed.h): a sealer's values open with the
 * recipient's secret half only, through sae_sealed_open and an opener alike; another key is
 * told so (SAE_EPERM); a tampered ephemeral key, nonce, MAC or ciphertext and every
 * truncation are refused with the output untouched; the opener derives one shared key per
 * sealer, keeps SAE_OPENER_SLOTS of them and no more; version 1 and 2 open side by side. */
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

#define EPHEMERAL_AT SAE_SEALED_HEADER_BYTES
#define NONCE_AT (EPHEMERAL_AT + SAE_SEALED_KEY_BYTES)
#define MAC_AT (NONCE_AT + SAE_SEALED_NONCE_BYTES)

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

/* Opens through sae_sealed_open and through opener (when given): both agree, and a refusal
 * leaves the outputs as they were. */
static int try_open(struct sae_opener *opener, const unsigned char *bytes, size_t len,
                    const char *expected)
{
    char *plain = (char *)(uintptr_t)0x1;
    size_t plain_len = 77;
    int rc = sae_sealed_open(pk, sk, bytes, len, &plain, &plain_len);
    if (rc == 0) {
        assert_string_equal(plain, expected);
        assert_int_equal(plain_len, strlen(expected));
        sae_wipe_free(plain, plain_len + 1);
    } else {
        assert_ptr_equal(plain, (char *)(uintptr_t)0x1);
        assert_int_equal(plain_len, 77);
    }
    if (!opener)
        return rc;
    plain = (char *)(uintptr_t)0x1;
    plain_len = 77;
    assert_int_equal(sae_opener_open(opener, bytes, len, &plain, &plain_len), rc);
    if (rc == 0) {
        assert_string_equal(plain, expected);
        sae_wipe_free(plain, plain_len + 1);
    } else {
        assert_ptr_equal(plain, (char *)(uintptr_t)0x1);
        assert_int_equal(plain_len, 77);
    }
    return rc;
}

static void seal(const struct sae_sealer *sealer, const char *value, unsigned char **out,
                 size_t *len)
{
    assert_int_equal(sae_sealer_seal(sealer, value, strlen(value), out, len), 0);
}

static void test_round_trip_and_other_key(void **state)
{
    (void)state;
    static const char name[] = "Siti Rahmawati";
    struct sae_sealer *sealer = NULL;
    struct sae_opener *opener = NULL, *other = NULL;
    unsigned char *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    assert_int_equal(sae_sealer_new(pk, &sealer), 0);
    assert_true(sae_sealer_is_for(sealer, pk));
    assert_false(sae_sealer_is_for(sealer, other_pk));
    seal(sealer, name, &a, &a_len);
    seal(sealer, name, &b, &b_len);
    assert_int_equal(a_len, SAE_SEALED_SHARED_OVERHEAD + strlen(name));
    assert_int_equal(a[0], SAE_SEALED_VERSION_SHARED);
    assert_null(memmem(a, a_len, "Siti", 4));
    /* One ephemeral key, two random nonces: equal values still do not show. */
    assert_memory_equal(a + EPHEMERAL_AT, b + EPHEMERAL_AT, SAE_SEALED_KEY_BYTES);
    assert_memory_not_equal(a + NONCE_AT, b + NONCE_AT, SAE_SEALED_NONCE_BYTES);
    assert_memory_not_equal(a + MAC_AT, b + MAC_AT, a_len - MAC_AT);
    assert_int_equal(sae_opener_new(pk, sk, &opener), 0);
    assert_int_equal(try_open(opener, a, a_len, name), 0);
    assert_int_equal(try_open(opener, b, b_len, name), 0);
    assert_int_equal(sae_opener_exchanges(opener), 1);
    /* Another pair is told the value is not sealed to it; the right tag with a wrong
     * secret does not open. */
    char *plain = NULL;
    size_t plain_len = 0;
    assert_int_equal(sae_opener_new(other_pk, other_sk, &other), 0);
    assert_int_equal(sae_opener_open(other, a, a_len, &plain, &plain_len), SAE_EPERM);
    assert_int_equal(sae_sealed_open(pk, other_sk, a, a_len, &plain, &plain_len),
                     SAE_ECORRUPT);
    /* An opener refuses a secret that is not its public key's. */
    struct sae_opener *wrong = NULL;
    assert_int_equal(sae_opener_new(pk, other_sk, &wrong), SAE_EPERM);
    assert_null(wrong);
    sae_opener_free(other);
    sae_opener_free(opener);
    sae_sealer_free(sealer);
    free(a);
    free(b);
}

static void test_tampered_and_truncated(void **state)
{
    (void)state;
    struct sae_sealer *sealer = NULL;
    struct sae_opener *opener = NULL;
    unsigned char *sealed = NULL;
    size_t len = 0;
    assert_int_equal(sae_sealer_new(pk, &sealer), 0);
    assert_int_equal(sae_opener_new(pk, sk, &opener), 0);
    seal(sealer, "Pak RT", &sealed, &len);
    assert_int_equal(try_open(opener, sealed, len, "Pak RT"), 0);
    /* Every byte flipped: version, tag, ephemeral key, nonce, MAC, ciphertext. */
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 0x01;
        int rc = try_open(opener, sealed, len, "");
        if (i == 0) /* version 3: not known */
            assert_int_equal(rc, SAE_ESCHEMA);
        else if (i < SAE_SEALED_HEADER_BYTES)
            assert_int_equal(rc, SAE_EPERM);
        else
            assert_int_equal(rc, SAE_ECORRUPT);
        sealed[i] ^= 0x01;
    }
    /* Every truncation, and the same bytes read as version 1. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(try_open(opener, sealed, cut, ""), SAE_ECORRUPT);
    sealed[0] = SAE_SEALED_VERSION;
    assert_int_equal(try_open(opener, sealed, len, ""), SAE_ECORRUPT);
    /* A low-order ephemeral key (all zero) is refused before any slot changes. */
    sealed[0] = SAE_SEALED_VERSION_SHARED;
    uint64_t before = sae_opener_exchanges(opener);
    memset(sealed + EPHEMERAL_AT, 0, SAE_SEALED_KEY_BYTES);
    assert_int_equal(try_open(opener, sealed, len, ""), SAE_ECORRUPT);
    assert_int_equal(sae_opener_exchanges(opener), before + 1);
    free(sealed);
    /* The cached key still opens the sealer's next value without a new exchange. */
    seal(sealer, "Bu Lurah", &sealed, &len);
    assert_int_equal(try_open(opener, sealed, len, "Bu Lurah"), 0);
    assert_int_equal(sae_opener_exchanges(opener), before + 1);
    free(sealed);
    sae_opener_free(opener);
    sae_sealer_free(sealer);
}

static void test_sizes_at_the_edge(void **state)
{
    (void)state;
    struct sae_sealer *sealer = NULL;
    struct sae_sealed_header header;
    char *big = malloc(SAE_SEALED_PLAIN_MAX + 1), *plain = NULL;
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len = 0;
    assert_non_null(big);
    memset(big, 'n', SAE_SEALED_PLAIN_MAX + 1);
    assert_int_equal(sae_sealer_new(pk, &sealer), 0);
    assert_int_equal(sae_sealer_seal(sealer, big, SAE_SEALED_PLAIN_MAX + 1, &sealed, &len),
                     SAE_ETOOBIG);
    assert_null(sealed);
    assert_int_equal(sae_sealer_seal(sealer, big, SAE_SEALED_PLAIN_MAX, &sealed, &len), 0);
    assert_int_equal(len, SAE_SEALED_MAX_BYTES);
    assert_int_equal(sae_sealed_header(sealed, len, &header), 0);
    assert_int_equal(header.version, SAE_SEALED_VERSION_SHARED);
    assert_int_equal(header.plain_len, SAE_SEALED_PLAIN_MAX);
    assert_int_equal(sae_sealed_open(pk, sk, sealed, len, &plain, &plain_len), 0);
    assert_memory_equal(plain, big, SAE_SEALED_PLAIN_MAX);
    sae_wipe_free(plain, plain_len + 1);
    assert_int_equal(sae_sealed_header(sealed, len + 1, &header), SAE_ETOOBIG);
    free(sealed);
    assert_int_equal(sae_sealer_seal(sealer, "", 0, &sealed, &len), 0);
    assert_int_equal(len, SAE_SEALED_SHARED_OVERHEAD);
    assert_int_equal(try_open(NULL, sealed, len, ""), 0);
    free(sealed);
    /* A low-order recipient cannot be sealed to. */
    static const unsigned char zero[32];
    struct sae_sealer *bad = NULL;
    assert_int_equal(sae_sealer_new(zero, &bad), SAE_ECRYPTO);
    assert_null(bad);
    sae_sealer_free(sealer);
    free(big);
}

/* SAE_OPENER_SLOTS sealers: one exchange each, then none to open them again; one more
 * replaces the oldest, which costs one exchange again, and the newest stays. */
static void test_cache_bound(void **state)
{
    (void)state;
    struct sae_sealer *sealers[SAE_OPENER_SLOTS + 1];
    unsigned char *sealed[SAE_OPENER_SLOTS + 1];
    size_t len[SAE_OPENER_SLOTS + 1];
    struct sae_opener *opener = NULL;
    assert_int_equal(sae_opener_new(pk, sk, &opener), 0);
    for (size_t i = 0; i <= SAE_OPENER_SLOTS; i++) {
        assert_int_equal(sae_sealer_new(pk, &sealers[i]), 0);
        seal(sealers[i], "Dusun Krajan", &sealed[i], &len[i]);
    }
    for (size_t i = 0; i < SAE_OPENER_SLOTS; i++)
        assert_int_equal(try_open(opener, sealed[i], len[i], "Dusun Krajan"), 0);
    assert_int_equal(sae_opener_exchanges(opener), SAE_OPENER_SLOTS);
    for (size_t i = 0; i < SAE_OPENER_SLOTS; i++)
        assert_int_equal(try_open(opener, sealed[i], len[i], "Dusun Krajan"), 0);
    assert_int_equal(sae_opener_exchanges(opener), SAE_OPENER_SLOTS);
    assert_int_equal(try_open(opener, sealed[SAE_OPENER_SLOTS], len[SAE_OPENER_SLOTS],
                              "Dusun Krajan"), 0);
    assert_int_equal(sae_opener_exchanges(opener), SAE_OPENER_SLOTS + 1);
    assert_int_equal(try_open(opener, sealed[SAE_OPENER_SLOTS], len[SAE_OPENER_SLOTS],
                              "Dusun Krajan"), 0);
    assert_int_equal(sae_opener_exchanges(opener), SAE_OPENER_SLOTS + 1);
    assert_int_equal(try_open(opener, sealed[0], len[0], "Dusun Krajan"), 0);
    assert_int_equal(sae_opener_exchanges(opener), SAE_OPENER_SLOTS + 2);
    for (size_t i = 0; i <= SAE_OPENER_SLOTS; i++) {
        sae_sealer_free(sealers[i]);
        free(sealed[i]);
    }
    sae_opener_free(opener);
}

/* Version 1 and 2 values of one key open through one opener, in any order; version 1 costs
 * its own exchange every time. */
static void test_mixed_versions(void **state)
{
    (void)state;
    struct sae_sealer *sealer = NULL;
    struct sae_opener *opener = NULL;
    unsigned char *v1 = NULL, *v2 = NULL;
    size_t v1_len = 0, v2_len = 0;
    assert_int_equal(sae_sealer_new(pk, &sealer), 0);
    assert_int_equal(sae_opener_new(pk, sk, &opener), 0);
    assert_int_equal(sae_sealed_seal(pk, "lama", 4, &v1, &v1_len), 0);
    seal(sealer, "baru", &v2, &v2_len);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(try_open(opener, v1, v1_len, "lama"), 0);
        assert_int_equal(try_open(opener, v2, v2_len, "baru"), 0);
    }
    assert_int_equal(sae_opener_exchanges(opener), 3);
    sae_sealer_free(sealer);
    sae_opener_free(opener);
    free(v1);
    free(v2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_other_key),
        cmocka_unit_test(test_tampered_and_truncated),
        cmocka_unit_test(test_sizes_at_the_edge),
        cmocka_unit_test(test_cache_bound),
        cmocka_unit_test(test_mixed_versions),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
