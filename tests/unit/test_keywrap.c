/* Wrapped keys (include/sae/sae_keywrap.h) and secure memory (sae_secure_mem.h): a wrap
 * opens with its passphrase and no other, a passphrase change (a new wrap of the same key)
 * still gives the same key; every single byte flipped, every truncation and every
 * parameter out of bounds is refused with its own code and leaves the output untouched.
 * Most wraps here use the cheapest parameters the format accepts, so a test of a hundred
 * openings runs in milliseconds; one uses the programs' own. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sodium.h>

#include "sae/sae_error.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_secure_mem.h"

#define PASS "kunci pos Sumberanyar"
#define CHEAP_OPS SAE_KEYWRAP_OPSLIMIT_MIN
#define CHEAP_MEM SAE_KEYWRAP_MEMLIMIT_KIB_MIN

static unsigned char key[SAE_KEYWRAP_KEY_BYTES];

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(key, sizeof key);
    return 0;
}

static void cheap_wrap(const char *passphrase, unsigned char out[SAE_KEYWRAP_BYTES])
{
    assert_int_equal(sae_keywrap_seal_params(key, passphrase, strlen(passphrase), CHEAP_OPS,
                                             CHEAP_MEM, out), 0);
}

/* Opens into a buffer filled with 0xa5 and checks the code, and on failure that it stayed. */
static int try_open(const unsigned char *wrap, size_t len, const char *passphrase,
                    unsigned char out[SAE_KEYWRAP_KEY_BYTES])
{
    memset(out, 0xa5, SAE_KEYWRAP_KEY_BYTES);
    int rc = sae_keywrap_open(wrap, len, passphrase, strlen(passphrase), out);
    if (rc != 0)
        for (size_t i = 0; i < SAE_KEYWRAP_KEY_BYTES; i++)
            assert_int_equal(out[i], 0xa5);
    return rc;
}

static void test_programs_parameters_round_trip(void **state)
{
    (void)state;
    unsigned char wrap[SAE_KEYWRAP_BYTES], got[SAE_KEYWRAP_KEY_BYTES];
    struct sae_keywrap parsed;
    assert_int_equal(sae_keywrap_seal(key, PASS, strlen(PASS), wrap), 0);
    assert_int_equal(sae_keywrap_decode(wrap, sizeof wrap, &parsed), 0);
    assert_int_equal(parsed.opslimit, SAE_KEYWRAP_OPSLIMIT);
    assert_int_equal(parsed.memlimit_kib, SAE_KEYWRAP_MEMLIMIT_KIB);
    assert_memory_equal(wrap, "SAEK\x01\x01\x00\x00", 8);
    assert_int_equal(try_open(wrap, sizeof wrap, PASS, got), 0);
    assert_memory_equal(got, key, sizeof key);
    /* The key itself never shows in the wrap. */
    assert_null(memmem(wrap, sizeof wrap, key, 8));
}

static void test_wrong_passphrase_refused(void **state)
{
    (void)state;
    unsigned char wrap[SAE_KEYWRAP_BYTES], got[SAE_KEYWRAP_KEY_BYTES];
    cheap_wrap(PASS, wrap);
    assert_int_equal(try_open(wrap, sizeof wrap, "kunci pos SumberanyaR", got), SAE_EPERM);
    assert_int_equal(try_open(wrap, sizeof wrap, "", got), SAE_EINVAL);
    assert_int_equal(try_open(wrap, sizeof wrap, PASS, got), 0);
}

/* A passphrase change is a new wrap of the same key: both open to it, salts differ. */
static void test_rewrap_gives_same_key(void **state)
{
    (void)state;
    unsigned char a[SAE_KEYWRAP_BYTES], b[SAE_KEYWRAP_BYTES], got[SAE_KEYWRAP_KEY_BYTES];
    cheap_wrap(PASS, a);
    cheap_wrap("frasa sandi yang baru sekali", b);
    assert_memory_not_equal(a + 16, b + 16, SAE_KEYWRAP_SALT_BYTES);
    assert_int_equal(try_open(b, sizeof b, "frasa sandi yang baru sekali", got), 0);
    assert_memory_equal(got, key, sizeof key);
    assert_int_equal(try_open(b, sizeof b, PASS, got), SAE_EPERM);
}

static void test_every_byte_flipped_refused(void **state)
{
    (void)state;
    unsigned char wrap[SAE_KEYWRAP_BYTES], got[SAE_KEYWRAP_KEY_BYTES];
    cheap_wrap(PASS, wrap);
    for (size_t i = 0; i < sizeof wrap; i++)
        for (unsigned bit = 0; bit < 8; bit += 7) {
            wrap[i] ^= (unsigned char)(1u << bit);
            int rc = try_open(wrap, sizeof wrap, PASS, got);
            /* The header names its own fault; anything past it fails authentication. */
            if (i < 8)
                assert_true(rc == SAE_ECORRUPT || rc == SAE_ESCHEMA);
            else if (i < 16)
                assert_true(rc == SAE_ERANGE || rc == SAE_EPERM);
            else
                assert_int_equal(rc, SAE_EPERM);
            wrap[i] ^= (unsigned char)(1u << bit);
        }
    assert_int_equal(try_open(wrap, sizeof wrap, PASS, got), 0);
}

static void test_truncated_and_long_refused(void **state)
{
    (void)state;
    unsigned char wrap[SAE_KEYWRAP_BYTES + 1], got[SAE_KEYWRAP_KEY_BYTES];
    struct sae_keywrap parsed;
    cheap_wrap(PASS, wrap);
    wrap[SAE_KEYWRAP_BYTES] = 0;
    for (size_t len = 0; len < SAE_KEYWRAP_BYTES; len++)
        assert_int_equal(sae_keywrap_decode(wrap, len, &parsed), SAE_ECORRUPT);
    assert_int_equal(try_open(wrap, SAE_KEYWRAP_BYTES - 1, PASS, got), SAE_ECORRUPT);
    assert_int_equal(try_open(wrap, SAE_KEYWRAP_BYTES + 1, PASS, got), SAE_ECORRUPT);
    assert_int_equal(try_open(NULL, 0, PASS, got), SAE_ECORRUPT);
}

/* Parameters at each bound are taken, one past is refused before any hashing (a wrap asking
 * for 4 GiB would otherwise be obeyed). */
static void test_parameters_bounded(void **state)
{
    (void)state;
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    struct sae_keywrap parsed;
    const struct { uint32_t ops, mem; int rc; } cases[] = {
        {SAE_KEYWRAP_OPSLIMIT_MIN, SAE_KEYWRAP_MEMLIMIT_KIB_MIN, 0},
        {SAE_KEYWRAP_OPSLIMIT_MAX, SAE_KEYWRAP_MEMLIMIT_KIB_MAX, 0},
        {SAE_KEYWRAP_OPSLIMIT_MIN - 1, SAE_KEYWRAP_MEMLIMIT_KIB_MIN, SAE_ERANGE},
        {SAE_KEYWRAP_OPSLIMIT_MAX + 1, SAE_KEYWRAP_MEMLIMIT_KIB_MIN, SAE_ERANGE},
        {SAE_KEYWRAP_OPSLIMIT_MIN, SAE_KEYWRAP_MEMLIMIT_KIB_MIN - 1, SAE_ERANGE},
        {SAE_KEYWRAP_OPSLIMIT_MIN, SAE_KEYWRAP_MEMLIMIT_KIB_MAX + 1, SAE_ERANGE},
        {SAE_KEYWRAP_OPSLIMIT_MIN, UINT32_MAX, SAE_ERANGE},
    };
    cheap_wrap(PASS, wrap);
    assert_int_equal(sae_keywrap_decode(wrap, sizeof wrap, &parsed), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char bytes[SAE_KEYWRAP_BYTES];
        parsed.opslimit = cases[i].ops;
        parsed.memlimit_kib = cases[i].mem;
        assert_int_equal(sae_keywrap_encode(&parsed, bytes), cases[i].rc);
        /* Written by hand, as a damaged or hostile file would hold them. */
        memcpy(bytes, wrap, sizeof bytes);
        for (int b = 0; b < 4; b++) {
            bytes[8 + b] = (unsigned char)(cases[i].ops >> (24 - 8 * b));
            bytes[12 + b] = (unsigned char)(cases[i].mem >> (24 - 8 * b));
        }
        struct sae_keywrap again;
        assert_int_equal(sae_keywrap_decode(bytes, sizeof bytes, &again), cases[i].rc);
        if (cases[i].rc != 0)
            assert_int_equal(sae_keywrap_seal_params(key, PASS, strlen(PASS), cases[i].ops,
                                                     cases[i].mem, bytes), SAE_ERANGE);
    }
}

static void test_versions_and_passphrase_edges(void **state)
{
    (void)state;
    unsigned char wrap[SAE_KEYWRAP_BYTES], got[SAE_KEYWRAP_KEY_BYTES];
    char longest[SAE_KEYWRAP_PASSPHRASE_MAX_BYTES + 2];
    struct sae_keywrap parsed;
    cheap_wrap(PASS, wrap);
    wrap[4] = SAE_KEYWRAP_VERSION_SPLIT + 1; /* a newer program's */
    assert_int_equal(sae_keywrap_decode(wrap, sizeof wrap, &parsed), SAE_ESCHEMA);
    /* Version 2 has algorithm 2 only (sae_passkey.h): 1 under 2 is damage. */
    wrap[4] = SAE_KEYWRAP_VERSION_SPLIT;
    assert_int_equal(sae_keywrap_decode(wrap, sizeof wrap, &parsed), SAE_ECORRUPT);
    wrap[4] = 0;
    assert_int_equal(sae_keywrap_decode(wrap, sizeof wrap, &parsed), SAE_ECORRUPT);
    memset(longest, 'k', sizeof longest - 1);
    longest[SAE_KEYWRAP_PASSPHRASE_MAX_BYTES] = '\0';
    cheap_wrap(longest, wrap);
    assert_int_equal(try_open(wrap, sizeof wrap, longest, got), 0);
    longest[SAE_KEYWRAP_PASSPHRASE_MAX_BYTES] = 'k';
    longest[SAE_KEYWRAP_PASSPHRASE_MAX_BYTES + 1] = '\0';
    assert_int_equal(sae_keywrap_seal_params(key, longest, strlen(longest), CHEAP_OPS,
                                             CHEAP_MEM, wrap), SAE_EINVAL);
}

static void test_secure_memory(void **state)
{
    (void)state;
    void *secret = NULL, *copy = NULL;
    assert_int_equal(sae_secure_alloc(0, &secret), SAE_EINVAL);
    assert_null(secret);
    assert_int_equal(sae_secure_alloc(32, &secret), 0);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(((unsigned char *)secret)[i], 0);
    assert_int_equal(sae_secure_dup(key, sizeof key, &copy), 0);
    assert_memory_equal(copy, key, sizeof key);
    assert_int_equal(sae_secure_readonly(copy), 0);
    assert_memory_equal(copy, key, sizeof key); /* still readable */
    assert_int_equal(sae_secure_noaccess(copy), 0);
    assert_int_equal(sae_secure_readwrite(copy), 0);
    ((unsigned char *)copy)[0] ^= 1;
    assert_int_equal(sae_secure_noaccess(secret), 0);
    sae_secure_free(secret); /* freed whatever its protection */
    sae_secure_free(copy);
    sae_secure_free(NULL);
    assert_int_equal(sae_secure_readonly(NULL), SAE_ECRYPTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_programs_parameters_round_trip),
        cmocka_unit_test(test_wrong_passphrase_refused),
        cmocka_unit_test(test_rewrap_gives_same_key),
        cmocka_unit_test(test_every_byte_flipped_refused),
        cmocka_unit_test(test_truncated_and_long_refused),
        cmocka_unit_test(test_parameters_bounded),
        cmocka_unit_test(test_versions_and_passphrase_edges),
        cmocka_unit_test(test_secure_memory),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
