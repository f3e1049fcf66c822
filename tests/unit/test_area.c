/* The official list of areas: the built-in Probolinggo extract, codes, the CSV reader at
 * its limits, and resolving what people type to one area. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_area.h"
#include "sae/sae_registration.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define HEADER "code,parent_code,name\n"

static size_t count_level(const struct sae_area_list *list, enum sae_area_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < list->count; i++)
        n += list->items[i].level == level;
    return n;
}

static int parse_text(const char *csv, struct sae_area_list *out, struct sae_message *why)
{
    return sae_area_list_parse(csv, strlen(csv), out, why);
}

/* Kabupaten Probolinggo: 24 kecamatan and 330 villages (Kemendagri, via idn-area-data). */
static void test_builtin_is_probolinggo(void **state)
{
    struct sae_area_list list;
    (void)state;
    assert_int_equal(sae_area_list_builtin(&list), 0);
    assert_int_equal(count_level(&list, SAE_AREA_REGENCY), 1);
    assert_int_equal(count_level(&list, SAE_AREA_DISTRICT), 24);
    assert_int_equal(count_level(&list, SAE_AREA_VILLAGE), 330);
    const struct sae_area *paiton = sae_area_find(&list, "35.13.12");
    assert_non_null(paiton);
    assert_string_equal(paiton->name, "Paiton");
    const struct sae_area *village = sae_area_find(&list, "35.13.12.2018");
    assert_non_null(village);
    assert_string_equal(village->name, "Sumberanyar");
    assert_string_equal(village->parent, "35.13.12");
    /* Every village's kecamatan is in the list. */
    for (size_t i = 0; i < list.count; i++)
        if (list.items[i].level == SAE_AREA_VILLAGE)
            assert_non_null(sae_area_find(&list, list.items[i].parent));
    sae_area_list_free(&list);
}

static void test_code_forms(void **state)
{
    static const struct {
        const char *text, *canonical;
        enum sae_area_level level;
    } good[] = {
        {"35", "35", SAE_AREA_PROVINCE},
        {"3513", "35.13", SAE_AREA_REGENCY},
        {"35.13.12", "35.13.12", SAE_AREA_DISTRICT},
        {"3513122018", "35.13.12.2018", SAE_AREA_VILLAGE},
        {" 35.13.12.2018 ", "35.13.12.2018", SAE_AREA_VILLAGE},
    };
    static const char *const bad[] = {"", "3", "351", "35131", "351312201", "35131220181",
                                      "351.3", "35.13.122018", "35..13", "35.13.12.2018.1",
                                      "3a13", "35 13", "-35", "35.13.12.201"};
    char out[SAE_AREA_CODE_BYTES] = "untouched", digits[SAE_AREA_CODE_BYTES];
    enum sae_area_level level;
    (void)state;
    for (size_t i = 0; i < COUNT(good); i++) {
        assert_int_equal(sae_area_code_parse(good[i].text, out, &level), 0);
        assert_string_equal(out, good[i].canonical);
        assert_int_equal(level, good[i].level);
    }
    strcpy(out, "untouched");
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_int_equal(sae_area_code_parse(bad[i], out, &level), SAE_EINVAL);
        assert_string_equal(out, "untouched");
    }
    sae_area_code_digits("35.13.12.2018", digits);
    assert_string_equal(digits, "3513122018");
}

static void test_csv_forms(void **state)
{
    struct sae_area_list list;
    struct sae_message why = {{0}};
    (void)state;
    /* A BOM, CRLF lines, quoted fields with commas and doubled quotes, a blank line, the
     * idn-area-data header of villages.csv, and a quote inside an unquoted name. */
    const char csv[] = "\xef\xbb\xbf" "code,district_code,name\r\n"
                       "35.13.15.2017,35.13.15,Soka\"an\r\n"
                       "\r\n"
                       "\"35.13.15.2001\",\"35.13.15\",\"Desa \"\"Baru\"\", Utara\"\r\n";
    assert_int_equal(parse_text(csv, &list, &why), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "Desa \"Baru\", Utara");
    assert_string_equal(list.items[1].name, "Soka\"an");
    sae_area_list_free(&list);
    /* The same code twice with the same name counts once. */
    assert_int_equal(parse_text(HEADER "35,,JAWA TIMUR\n35,,JAWA TIMUR\n", &list, &why), 0);
    assert_int_equal(list.count, 1);
    sae_area_list_free(&list);
}

static void test_csv_refusals(void **state)
{
    static const struct {
        const char *csv, *why;
        int rc;
    } bad[] = {
        {"", "empty", SAE_EINVAL},
        {"code,name\n", "header", SAE_EINVAL},
        {HEADER "35.13,35\n", "line 2: not three fields", SAE_EINVAL},
        {HEADER "35.13,35,A,B\n", "line 2: not three fields", SAE_EINVAL},
        {HEADER "35.1x,35,A\n", "line 2: \"35.1x\" is not an area code", SAE_EINVAL},
        {HEADER "35.13,36,A\n", "the parent of 35.13 must be 35", SAE_EINVAL},
        {HEADER "35,11,A\n", "the parent of 35 must be empty", SAE_EINVAL},
        {HEADER "35,,A\n35,,B\n", "35 is listed twice with different names", SAE_EINVAL},
        {HEADER "35,,A\tB\n", "the name of 35 must be", SAE_EINVAL},
        {HEADER "35,,\"A\n", "line 2: not three fields", SAE_EINVAL},
        {HEADER "35,,\"A\"B\n", "line 2: not three fields", SAE_EINVAL},
        {HEADER "35,,\xc3\x28\n", "not UTF-8", SAE_EINVAL},
    };
    struct sae_area_list list = {NULL, 7};
    (void)state;
    for (size_t i = 0; i < COUNT(bad); i++) {
        struct sae_message why = {{0}};
        assert_int_equal(parse_text(bad[i].csv, &list, &why), bad[i].rc);
        if (!strstr(why.text, bad[i].why))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, why.text, bad[i].why);
        assert_null(list.items);
        assert_int_equal(list.count, 7);
    }
}

/* Names of SAE_AREA_NAME_BYTES bytes pass, one more is refused; the file size limit holds
 * at its edge. */
static void test_csv_limits(void **state)
{
    char csv[256];
    char name[SAE_AREA_NAME_BYTES + 2];
    struct sae_area_list list;
    struct sae_message why = {{0}};
    (void)state;
    memset(name, 'a', SAE_AREA_NAME_BYTES);
    name[SAE_AREA_NAME_BYTES] = '\0';
    snprintf(csv, sizeof csv, HEADER "35,,%s\n", name);
    assert_int_equal(parse_text(csv, &list, &why), 0);
    sae_area_list_free(&list);
    name[SAE_AREA_NAME_BYTES] = 'a';
    name[SAE_AREA_NAME_BYTES + 1] = '\0';
    snprintf(csv, sizeof csv, HEADER "35,,%s\n", name);
    assert_int_equal(parse_text(csv, &list, &why), SAE_ETOOBIG);
    assert_non_null(strstr(why.text, "too long"));

    size_t big = SAE_AREA_CSV_BYTES + 1;
    char *bytes = malloc(big);
    assert_non_null(bytes);
    memcpy(bytes, HEADER, strlen(HEADER));
    memset(bytes + strlen(HEADER), '\n', big - strlen(HEADER));
    assert_int_equal(sae_area_list_parse(bytes, big, &list, &why), SAE_ETOOBIG);
    assert_non_null(strstr(why.text, "larger than"));
    assert_int_equal(sae_area_list_parse(bytes, big - 1, &list, &why), 0);
    assert_int_equal(list.count, 0);
    sae_area_list_free(&list);
    free(bytes);
}

/* SAE_AREA_LIST_MAX areas are read; one more is refused. */
static void test_list_max(void **state)
{
    size_t rows = SAE_AREA_LIST_MAX + 1, at;
    char *csv = malloc(strlen(HEADER) + rows * 32 + 1);
    struct sae_area_list list;
    struct sae_message why = {{0}};
    (void)state;
    assert_non_null(csv);
    at = (size_t)sprintf(csv, HEADER);
    for (size_t i = 0; i < rows; i++)
        at += (size_t)sprintf(csv + at, "35.%02zu.%02zu.%04zu,35.%02zu.%02zu,V\n", i % 100,
                              (i / 100) % 100, i / 10000 + 1000, i % 100, (i / 100) % 100);
    /* The last row alone goes past the limit. */
    assert_int_equal(sae_area_list_parse(csv, at, &list, &why), SAE_ETOOBIG);
    assert_non_null(strstr(why.text, "more than"));
    char *last = csv + at - 1;
    while (last > csv && last[-1] != '\n')
        last--;
    assert_int_equal(sae_area_list_parse(csv, (size_t)(last - csv), &list, &why), 0);
    assert_int_equal(list.count, SAE_AREA_LIST_MAX);
    sae_area_list_free(&list);
    free(csv);
}

static void test_resolve(void **state)
{
    struct sae_area_list list;
    const struct sae_area *area = NULL;
    struct sae_message why = {{0}};
    char label[SAE_AREA_LABEL_BYTES];
    (void)state;
    assert_int_equal(sae_area_list_builtin(&list), 0);
    static const char *const same[] = {"35.13.12.2018", "3513122018", "Sumberanyar",
                                       "  sumberanyar ", "Desa Sumberanyar", "SUMBERANYAR",
                                       "sumberanyar, paiton", "Sumberanyar,Kec. Paiton"};
    for (size_t i = 0; i < COUNT(same); i++) {
        assert_int_equal(sae_area_resolve(&list, same[i], SAE_AREA_VILLAGE, &area, &why), 0);
        assert_string_equal(area->code, "35.13.12.2018");
    }
    sae_area_label(&list, area, label);
    assert_string_equal(label, "Sumberanyar (Paiton)");
    assert_int_equal(sae_area_resolve(&list, "kecamatan paiton", SAE_AREA_DISTRICT, &area, &why),
                     0);
    assert_string_equal(area->code, "35.13.12");

    /* A typo: not found, with the nearest names. */
    area = NULL;
    assert_int_equal(sae_area_resolve(&list, "desa sumberanyr ", SAE_AREA_VILLAGE, &area, &why),
                     SAE_ENOTFOUND);
    assert_null(area);
    assert_non_null(strstr(why.text, "nearest: Sumberanyar (Paiton)"));
    /* A name several kecamatan share: the candidates, then narrowed by the kecamatan. */
    assert_int_equal(sae_area_resolve(&list, "Karanganyar", SAE_AREA_VILLAGE, &area, &why),
                     SAE_EAMBIGUOUS);
    assert_non_null(strstr(why.text, "Karanganyar (Paiton) 35.13.12."));
    assert_int_equal(sae_area_resolve(&list, "Karanganyar, Paiton", SAE_AREA_VILLAGE, &area,
                                      &why), 0);
    assert_string_equal(area->parent, "35.13.12");
    /* Codes of another level, unknown codes, hostile text. */
    assert_int_equal(sae_area_resolve(&list, "35.13.12", SAE_AREA_VILLAGE, &area, &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "35.13.12 is a kecamatan code; give a village"));
    assert_int_equal(sae_area_resolve(&list, "35.13.99.2001", SAE_AREA_VILLAGE, &area, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(sae_area_resolve(&list, "", SAE_AREA_VILLAGE, &area, &why), SAE_EINVAL);
    assert_int_equal(sae_area_resolve(&list, "Sumber\nanyar", SAE_AREA_VILLAGE, &area, &why),
                     SAE_EINVAL);
    char long_name[512];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(sae_area_resolve(&list, long_name, SAE_AREA_VILLAGE, &area, &why),
                     SAE_EINVAL);
    sae_area_list_free(&list);
}

/* The text lookup answers as the parsed list does, for every area of it and beside them:
 * a code's own row only, never one that starts with it, never the header. */
static void test_builtin_has_as_the_list(void **state)
{
    (void)state;
    const struct sae_area_list *list = NULL;
    char prefix[SAE_REGISTRATION_PREFIX_DIGITS + 1], digits[SAE_AREA_CODE_BYTES];
    assert_int_equal(sae_area_list_shared(&list), 0);
    for (size_t i = 0; i < list->count; i++) {
        const struct sae_area *area = &list->items[i];
        assert_true(sae_area_builtin_has(area->code));
        if (area->level != SAE_AREA_VILLAGE)
            continue;
        assert_int_equal(sae_registration_prefix(area->code, 7, prefix), 0);
        sae_area_code_digits(area->code, digits);
        assert_string_equal(prefix, digits);
    }
    assert_false(sae_area_builtin_has("35.13.12.201"));
    assert_false(sae_area_builtin_has("35.13.99.9999"));
    assert_false(sae_area_builtin_has("code"));
    assert_false(sae_area_builtin_has(""));
    /* A village's code shape that is no row: the device's fallback, as before. */
    assert_int_equal(sae_registration_prefix("35.13.99.9999", 5, prefix), 0);
    assert_string_equal(prefix, "0000000005");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_is_probolinggo),
        cmocka_unit_test(test_code_forms),
        cmocka_unit_test(test_csv_forms),
        cmocka_unit_test(test_csv_refusals),
        cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_list_max),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_builtin_has_as_the_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
