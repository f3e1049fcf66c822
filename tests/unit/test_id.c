/* Report ids: random version-4 UUIDs, their text form and id prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_id.h"
#include "sae/sae_limits.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define GENERATED 2000

static const char known_text[] = "00010203-0405-0607-0809-0a0b0c0d0e0f";

static struct sae_id known_id(void)
{
    struct sae_id id;
    for (size_t i = 0; i < SAE_ID_BYTES; i++)
        id.bytes[i] = (uint8_t)i;
    return id;
}

static int compare_ids(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct sae_id));
}

static void test_generate_sets_version_and_variant(void **state)
{
    (void)state;
    struct sae_id *ids = calloc(GENERATED, sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < GENERATED; i++) {
        char text[SAE_ID_TEXT_LEN + 1];
        sae_id_generate(&ids[i]);
        assert_int_equal(ids[i].bytes[6] >> 4, 4);
        assert_int_equal(ids[i].bytes[8] & 0xc0, 0x80);
        sae_id_format(&ids[i], text);
        assert_int_equal(text[14], '4');
        assert_non_null(strchr("89ab", text[19]));
    }
    /* 122 random bits: two equal ids among a few thousand would mean no randomness. */
    qsort(ids, GENERATED, sizeof *ids, compare_ids);
    for (size_t i = 1; i < GENERATED; i++)
        assert_int_not_equal(compare_ids(&ids[i - 1], &ids[i]), 0);
    free(ids);
}

static void test_format_known_bytes(void **state)
{
    (void)state;
    struct sae_id id = known_id();
    char text[SAE_ID_TEXT_LEN + 2];
    memset(text, 'x', sizeof text);
    sae_id_format(&id, text);
    assert_string_equal(text, known_text);
    assert_int_equal(text[SAE_ID_TEXT_LEN + 1], 'x'); /* writes 37 bytes, no more */
    memset(id.bytes, 0xff, sizeof id.bytes);
    sae_id_format(&id, text);
    assert_string_equal(text, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_parse_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        struct sae_id id, back;
        char text[SAE_ID_TEXT_LEN + 1];
        sae_id_generate(&id);
        sae_id_format(&id, text);
        assert_int_equal(sae_id_parse(text, &back), 0);
        assert_memory_equal(id.bytes, back.bytes, SAE_ID_BYTES);
    }
    struct sae_id want = known_id(), back;
    assert_int_equal(sae_id_parse(known_text, &back), 0);
    assert_memory_equal(want.bytes, back.bytes, SAE_ID_BYTES);
    assert_int_equal(sae_id_parse("00010203-0405-0607-0809-0A0B0C0D0E0F", &back), 0);
    assert_memory_equal(want.bytes, back.bytes, SAE_ID_BYTES);
    assert_int_equal(sae_id_parse("00010203-0405-0607-0809-0a0B0c0D0e0F", &back), 0);
    assert_memory_equal(want.bytes, back.bytes, SAE_ID_BYTES);
}

static void test_parse_refuses_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "00010203-0405-0607-0809-0a0b0c0d0e0",    /* 35 */
        "00010203-0405-0607-0809-0a0b0c0d0e0f0",  /* 37 */
        "000102030405060708090a0b0c0d0e0f",       /* no hyphens */
        "{00010203-0405-0607-0809-0a0b0c0d0e0f}", /* braces */
        "0001020-30405-0607-0809-0a0b0c0d0e0f",   /* hyphen one place early */
        "000102030-405-0607-0809-0a0b0c0d0e0f",   /* hyphen one place late */
        "00010203-0405-0607-08090-a0b0c0d0e0f",
        "00010203x0405-0607-0809-0a0b0c0d0e0f",   /* hyphen replaced */
        "0001020304050-607-0809-0a0b0c0d0e0f0",
        "00010203-0405-0607-0809-0a0b0c0d0e0g",   /* non-hex */
        "00010203-0405-0607-0809-0a0b0c0d0e0 ",
        " 0010203-0405-0607-0809-0a0b0c0d0e0f",
        "00010203-0405-0607-0809-0a0b0c0d0e-f",
        "0x010203-0405-0607-0809-0a0b0c0d0e0f",
        "+0010203-0405-0607-0809-0a0b0c0d0e0f",
        "-----------------------------------",
        "00010203-0405-0607-0809-0a0b0c0d0e\xc3\xa9",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        struct sae_id id;
        memset(id.bytes, 0xa5, sizeof id.bytes);
        if (sae_id_parse(bad[i], &id) != SAE_EINVAL)
            print_error("accepted \"%s\"\n", bad[i]);
        assert_int_equal(sae_id_parse(bad[i], &id), SAE_EINVAL);
        for (size_t b = 0; b < SAE_ID_BYTES; b++)
            assert_int_equal(id.bytes[b], 0xa5); /* untouched on failure */
    }
}

struct prefix_case {
    const char *text;
    int rc;
    const char *normalized;
};

static void test_normalize_prefix(void **state)
{
    (void)state;
    static const struct prefix_case cases[] = {
        {"00010", SAE_EINVAL, NULL}, /* 5: one short of the minimum */
        {"000102", 0, "000102"},     /* 6: the minimum */
        {"ABCDEF", 0, "abcdef"},
        {"00010203", 0, "00010203"},
        {"00010203-", 0, "00010203-"},
        {"00010203-04", 0, "00010203-04"},
        {"00010203-0405-0607-0809-0A0B0C0D0E0F", 0, known_text}, /* 36 */
        {"00010203-0405-0607-0809-0a0b0c0d0e0f0", SAE_EINVAL, NULL}, /* 37 */
        {"", SAE_EINVAL, NULL},
        {"abcdeg", SAE_EINVAL, NULL},
        {"000102030", SAE_EINVAL, NULL}, /* a digit where the first hyphen goes */
        {"0001-0203", SAE_EINVAL, NULL}, /* a hyphen where a digit goes */
        {"000102 ", SAE_EINVAL, NULL},
        {"\xc3\xa9\xc3\xa9\xc3\xa9", SAE_EINVAL, NULL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char out[SAE_ID_TEXT_LEN + 1];
        memset(out, 'x', sizeof out);
        out[SAE_ID_TEXT_LEN] = '\0';
        int rc = sae_id_normalize_prefix(cases[i].text, out);
        if (rc != cases[i].rc)
            print_error("prefix \"%s\": got %d\n", cases[i].text, rc);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0)
            assert_string_equal(out, cases[i].normalized);
        else
            assert_int_equal(strspn(out, "x"), SAE_ID_TEXT_LEN); /* untouched */
    }
    /* A very long argument is refused without being read to its end. */
    char *long_text = malloc(100001);
    assert_non_null(long_text);
    memset(long_text, 'a', 100000);
    long_text[100000] = '\0';
    char out[SAE_ID_TEXT_LEN + 1];
    assert_int_equal(sae_id_normalize_prefix(long_text, out), SAE_EINVAL);
    free(long_text);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_sets_version_and_variant),
        cmocka_unit_test(test_format_known_bytes),
        cmocka_unit_test(test_parse_round_trip),
        cmocka_unit_test(test_parse_refuses_malformed),
        cmocka_unit_test(test_normalize_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
