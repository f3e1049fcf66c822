/* A passphrase's verifier and wrapping key from one Argon2id (include/sae/sae_passkey.h,
 * proto/STORAGE_KEYS.md section 2a): the verifier matches its passphrase and no other; the
 * key its check gives opens the version-2 wrap made with it, without a passphrase, and so
 * does the passphrase itself (any reader of wraps); the subkeys are crypto_kdf's of the
 * Argon2id output, recomputed here from libsodium's primitives; a damaged verifier text or
 * wrap is refused with its code and leaves the outputs untouched. Cheapest parameters but
 * one test with the programs' own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "sae/sae_error.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"

#define PASS "kunci pos Sumberanyar"
#define OPS SAE_KEYWRAP_OPSLIMIT_MIN
#define MEM SAE_KEYWRAP_MEMLIMIT_KIB_MIN

static unsigned char secret[SAE_KEYWRAP_KEY_BYTES];

static void make(const char *passphrase, char text[SAE_PASSKEY_TEXT_BYTES],
                 unsigned char wrap[SAE_KEYWRAP_BYTES])
{
    assert_int_equal(sae_passkey_make_params(passphrase, strlen(passphrase), secret, OPS, MEM,
                                             text, wrap), 0);
}

static void test_verifier_and_wrap_from_one_hash(void **state)
{
    (void)state;
    char text[SAE_PASSKEY_TEXT_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], wrapping[SAE_PASSKEY_KEY_BYTES];
    unsigned char got[SAE_KEYWRAP_KEY_BYTES];
    make(PASS, text, wrap);
    assert_true(sae_passkey_is(text));
    assert_true(strlen(text) < SAE_PASSKEY_TEXT_BYTES);
    assert_true(sae_passkey_pairs(text, wrap));
    assert_int_equal(sae_passkey_check(text, PASS, strlen(PASS), wrapping), 0);
    assert_int_equal(sae_keywrap_open_split(wrap, sizeof wrap, wrapping, got), 0);
    assert_memory_equal(got, secret, sizeof secret);
    /* The passphrase opens it too, as any wrap. */
    memset(got, 0, sizeof got);
    assert_int_equal(sae_keywrap_open(wrap, sizeof wrap, PASS, strlen(PASS), got), 0);
    assert_memory_equal(got, secret, sizeof secret);
    /* Another passphrase: refused, the key untouched. */
    memset(wrapping, 0xa5, sizeof wrapping);
    assert_int_equal(sae_passkey_check(text, "kunci pos lain", 14, wrapping), SAE_EPERM);
    for (size_t i = 0; i < sizeof wrapping; i++)
        assert_int_equal(wrapping[i], 0xa5);
    assert_int_equal(sae_keywrap_open_split(wrap, sizeof wrap, wrapping, got), SAE_EPERM);
    /* Two makings of one passphrase share nothing: salt, verifier and wrap differ. */
    char other[SAE_PASSKEY_TEXT_BYTES];
    unsigned char other_wrap[SAE_KEYWRAP_BYTES];
    make(PASS, other, other_wrap);
    assert_string_not_equal(text, other);
    assert_false(sae_passkey_pairs(text, other_wrap));
    /* Without a secret, only the verifier. */
    assert_int_equal(sae_passkey_make_params(PASS, strlen(PASS), NULL, OPS, MEM, other, NULL), 0);
    assert_int_equal(sae_passkey_check(other, PASS, strlen(PASS), NULL), 0);
}

/* The subkeys as the format says: BLAKE2b-256 keyed by the Argon2id output, salt the subkey
 * id (little-endian, padded to 16), personal "SAEpass1" (padded to 16). */
static void test_subkeys_are_the_formats(void **state)
{
    (void)state;
    char text[SAE_PASSKEY_TEXT_BYTES], salt_b64[64], verifier_b64[64];
    unsigned char wrap[SAE_KEYWRAP_BYTES], salt[16], verifier[32], master[32], sub[32];
    unsigned char bsalt[16] = {0}, personal[16] = "SAEpass1", got[32];
    unsigned ops = 0, mem = 0;
    make(PASS, text, wrap);
    assert_int_equal(sscanf(text, "$sae-passkey$v=1$t=%u,m=%u$%63[^$]$%63s", &ops, &mem,
                            salt_b64, verifier_b64), 4);
    assert_int_equal(ops, OPS);
    assert_int_equal(mem, MEM);
    assert_int_equal(sodium_base642bin(salt, sizeof salt, salt_b64, strlen(salt_b64), NULL,
                                       NULL, NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING), 0);
    assert_int_equal(sodium_base642bin(verifier, sizeof verifier, verifier_b64,
                                       strlen(verifier_b64), NULL, NULL, NULL,
                                       sodium_base64_VARIANT_ORIGINAL_NO_PADDING), 0);
    assert_memory_equal(wrap + 16, salt, sizeof salt); /* the wrap's salt is the verifier's */
    assert_int_equal(crypto_pwhash(master, sizeof master, PASS, strlen(PASS), salt, ops,
                                   (size_t)mem * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
    bsalt[0] = 1;
    assert_int_equal(crypto_generichash_blake2b_salt_personal(sub, sizeof sub, NULL, 0, master,
                                                              sizeof master, bsalt, personal), 0);
    assert_memory_equal(sub, verifier, sizeof verifier);
    bsalt[0] = 2;
    assert_int_equal(crypto_generichash_blake2b_salt_personal(sub, sizeof sub, NULL, 0, master,
                                                              sizeof master, bsalt, personal), 0);
    assert_int_equal(sae_keywrap_open_split(wrap, sizeof wrap, sub, got), 0);
    assert_memory_equal(got, secret, sizeof secret);
}

static void test_damaged_texts_and_wraps(void **state)
{
    (void)state;
    char text[SAE_PASSKEY_TEXT_BYTES], bad[SAE_PASSKEY_TEXT_BYTES + 8];
    unsigned char wrap[SAE_KEYWRAP_BYTES], wrapping[SAE_PASSKEY_KEY_BYTES];
    unsigned char got[SAE_KEYWRAP_KEY_BYTES];
    make(PASS, text, wrap);
    const char *const corrupt[] = {"", "$argon2id$v=19$m=32768,t=3,p=1$c2FsdA$aGFzaA",
                                   "$sae-passkey$v=1$", "$sae-passkey$v=1$t=1,m=8$AAAA$AAAA",
                                   "$sae-passkey$v=1$t=1,m=8"};
    for (size_t i = 0; i < sizeof corrupt / sizeof corrupt[0]; i++)
        assert_int_equal(sae_passkey_check(corrupt[i], PASS, strlen(PASS), wrapping),
                         SAE_ECORRUPT);
    /* A text cut short by one character, or one longer. */
    snprintf(bad, sizeof bad, "%.*s", (int)strlen(text) - 1, text);
    assert_int_equal(sae_passkey_check(bad, PASS, strlen(PASS), NULL), SAE_ECORRUPT);
    snprintf(bad, sizeof bad, "%sA", text);
    assert_int_equal(sae_passkey_check(bad, PASS, strlen(PASS), NULL), SAE_ECORRUPT);
    /* Parameters beyond the format's bounds are refused before any hashing. */
    snprintf(bad, sizeof bad, "%s", text);
    char *m = strstr(bad, "m=8$");
    assert_non_null(m);
    memcpy(m, "m=7$", 4);
    assert_int_equal(sae_passkey_check(bad, PASS, strlen(PASS), NULL), SAE_ERANGE);
    /* A version-1 wrap is not opened by a wrapping key; a wrap flipped anywhere is refused. */
    unsigned char v1[SAE_KEYWRAP_BYTES];
    assert_int_equal(sae_keywrap_seal_params(secret, PASS, strlen(PASS), OPS, MEM, v1), 0);
    assert_int_equal(sae_passkey_check(text, PASS, strlen(PASS), wrapping), 0);
    assert_int_equal(sae_keywrap_open_split(v1, sizeof v1, wrapping, got), SAE_EINVAL);
    assert_false(sae_passkey_pairs(text, v1));
    for (size_t i = 0; i < sizeof wrap; i++) {
        wrap[i] ^= 0x01;
        assert_int_not_equal(sae_keywrap_open_split(wrap, sizeof wrap, wrapping, got), 0);
        wrap[i] ^= 0x01;
    }
    assert_int_equal(sae_keywrap_open_split(wrap, sizeof wrap, wrapping, got), 0);
    assert_int_equal(sae_passkey_make_params(PASS, strlen(PASS), secret, OPS, MEM - 1, text,
                                             wrap), SAE_ERANGE);
    assert_int_equal(sae_passkey_make_params("", 0, secret, OPS, MEM, text, wrap), SAE_EINVAL);
}

static void test_programs_parameters(void **state)
{
    (void)state;
    char text[SAE_PASSKEY_TEXT_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], wrapping[SAE_PASSKEY_KEY_BYTES];
    struct sae_keywrap parsed;
    assert_int_equal(sae_passkey_make(PASS, strlen(PASS), secret, text, wrap), 0);
    assert_non_null(strstr(text, "$t=3,m=32768$"));
    assert_int_equal(sae_keywrap_decode(wrap, sizeof wrap, &parsed), 0);
    assert_int_equal(parsed.version, SAE_KEYWRAP_VERSION_SPLIT);
    assert_int_equal(parsed.algorithm, SAE_KEYWRAP_ALG_ARGON2ID_SPLIT_XCHACHA);
    assert_int_equal(sae_passkey_check(text, PASS, strlen(PASS), wrapping), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    randombytes_buf(secret, sizeof secret);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verifier_and_wrap_from_one_hash),
        cmocka_unit_test(test_subkeys_are_the_formats),
        cmocka_unit_test(test_damaged_texts_and_wraps),
        cmocka_unit_test(test_programs_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
