/* Field value validation: canonical forms and every refusal with its code. Each input is
 * copied into a heap buffer of exactly its length, without a terminating NUL, so that an
 * over-read shows up under AddressSanitizer and valgrind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* The length of a string literal, NULs inside it included. */
#define LIT(s) s, sizeof(s) - 1

struct value_case {
    const char *kind;
    const char *field;
    const char *input;
    size_t len;
    int rc;
    const char *canonical; /* expected canonical text when rc == 0 */
};

static const struct sae_field *field_of(const char *kind_name, const char *name)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    assert_int_equal(sae_catalogue_find_kind(kind_name, &kind), 0);
    assert_int_equal(sae_catalogue_find_field(kind, name, &field), 0);
    return field;
}

/* Validates len bytes of input from an exact-size heap copy. On success returns the
 * canonical text (caller frees); on failure checks that the message is one non-empty line
 * naming the field and that *canonical was left alone. */
static char *validate(const struct sae_field *field, const char *input, size_t len, int want_rc,
                      char message[SAE_VALIDATE_MESSAGE_BYTES])
{
    char *copy = malloc(len ? len : 1), *sentinel = (char *)&copy, *canonical = sentinel;
    assert_non_null(copy);
    memcpy(copy, input, len);
    int rc = sae_validate_value(field, copy, len, &canonical, message);
    free(copy);
    if (rc != want_rc)
        print_error("%s \"%.*s\": got %d, want %d (%s)\n", field->name, (int)(len < 80 ? len : 80),
                    input, rc, want_rc, message);
    assert_int_equal(rc, want_rc);
    if (rc == 0) {
        assert_ptr_not_equal(canonical, sentinel);
        return canonical;
    }
    assert_ptr_equal(canonical, sentinel);
    assert_true(strlen(message) > strlen(field->name));
    assert_memory_equal(message, field->name, strlen(field->name));
    assert_null(strchr(message, '\n'));
    assert_null(strchr(message, '\r'));
    return NULL;
}

static void run_cases(const struct value_case *cases, size_t count)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    for (size_t i = 0; i < count; i++) {
        const struct value_case *c = &cases[i];
        char *canonical = validate(field_of(c->kind, c->field), c->input, c->len, c->rc, message);
        if (c->rc == 0) {
            assert_string_equal(canonical, c->canonical);
            free(canonical);
        }
    }
}

static void test_int_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "victim_age", LIT("0"), 0, "0"},
        {"case", "victim_age", LIT("120"), 0, "120"},
        {"case", "victim_age", LIT("007"), 0, "7"},
        {"case", "victim_age", LIT("-0"), 0, "0"},
        {"case", "victim_age", LIT("00000000000000000120"), 0, "120"}, /* 20 digits */
        {"case", "victim_age", LIT("-1"), SAE_ERANGE, NULL},
        {"case", "victim_age", LIT("121"), SAE_ERANGE, NULL},
        {"case", "victim_age", LIT("99999999999999999999"), SAE_ERANGE, NULL}, /* overflow */
        {"case", "victim_age", LIT("-9223372036854775809"), SAE_ERANGE, NULL},
        {"case", "victim_age", LIT("9223372036854775807"), SAE_ERANGE, NULL},
        {"case", "victim_age", LIT("000000000000000000120"), SAE_EINVAL, NULL}, /* 21 digits */
        {"case", "victim_age", LIT(""), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("-"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("1a"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT(" 7"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("7 "), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("7.0"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("0x10"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("--1"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("7\0"), SAE_EINVAL, NULL},
        {"case", "victim_age", LIT("\xd9\xa7"), SAE_EINVAL, NULL}, /* Arabic-Indic seven */
    };
    run_cases(cases, COUNT(cases));
}

static void test_int_messages_name_the_range(void **state)
{
    (void)state;
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    const struct sae_field *age = field_of("case", "victim_age");
    validate(age, LIT("121"), SAE_ERANGE, message);
    assert_non_null(strstr(message, "from 0 to 120"));
    validate(age, LIT("tujuh"), SAE_EINVAL, message);
    assert_non_null(strstr(message, "from 0 to 120"));
}

static void test_date_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "intake_date", LIT("2026-11-29"), 0, "2026-11-29"},
        {"case", "intake_date", LIT("2024-02-29"), 0, "2024-02-29"},
        {"case", "intake_date", LIT("2000-02-29"), 0, "2000-02-29"}, /* divisible by 400 */
        {"case", "intake_date", LIT("2026-12-31"), 0, "2026-12-31"},
        {"case", "intake_date", LIT("2026-04-30"), 0, "2026-04-30"},
        {"case", "intake_date", LIT("1900-01-01"), 0, "1900-01-01"},
        {"case", "intake_date", LIT("2100-12-31"), 0, "2100-12-31"},
        {"case", "intake_date", LIT("1899-12-31"), SAE_ERANGE, NULL},
        {"case", "intake_date", LIT("2101-01-01"), SAE_ERANGE, NULL},
        {"case", "intake_date", LIT("0000-01-01"), SAE_ERANGE, NULL},
        {"case", "intake_date", LIT("2026-02-29"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("1900-02-29"), SAE_EINVAL, NULL}, /* century, not leap */
        {"case", "intake_date", LIT("2026-13-01"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-00-10"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-01-00"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-01-32"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-04-31"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-1-01"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-01-1"), SAE_EINVAL, NULL},
        /* The ways people write dates here: day first, with dashes or slashes. */
        {"case", "intake_date", LIT("26-01-2026"), 0, "2026-01-26"},
        {"case", "intake_date", LIT("26/01/2026"), 0, "2026-01-26"},
        {"case", "intake_date", LIT("6/1/2026"), 0, "2026-01-06"},
        {"case", "intake_date", LIT("29/02/2024"), 0, "2024-02-29"},
        {"case", "intake_date", LIT("29/02/2026"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("31-04-2026"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("26-01/2026"), SAE_EINVAL, NULL}, /* mixed separators */
        {"case", "intake_date", LIT("26-01-26"), SAE_EINVAL, NULL},   /* two-digit year */
        {"case", "intake_date", LIT("126-01-2026"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("01/01/1899"), SAE_ERANGE, NULL},
        {"case", "intake_date", LIT("2026/01/01"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-01-01T00:00"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-01-01 "), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-0a-01"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("-026-01-01"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT("2026-01-0\0"), SAE_EINVAL, NULL},
        {"case", "intake_date", LIT(""), SAE_EINVAL, NULL},
        {"service", "service_date", LIT("2026-02-28"), 0, "2026-02-28"},
    };
    run_cases(cases, COUNT(cases));
}

static void test_enum_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "risk_level", LIT("high"), 0, "high"},
        {"case", "risk_level", LIT("HIGH"), 0, "high"},
        {"case", "victim_sex", LIT("f"), 0, "F"},
        {"case", "victim_sex", LIT("M"), 0, "M"},
        {"case", "perpetrator_sex", LIT("UNKNOWN"), 0, "unknown"},
        {"referral", "referral_result", LIT("service_unavailable"), 0, "service_unavailable"},
        /* Staff's language: labels in both languages and common forms, any case, spaces as
         * typed. */
        {"case", "victim_sex", LIT("perempuan"), 0, "F"},
        {"case", "victim_sex", LIT("P"), 0, "F"},
        {"case", "victim_sex", LIT("Female"), 0, "F"},
        {"case", "victim_sex", LIT("laki laki"), 0, "M"},
        {"case", "victim_sex", LIT(" Laki-Laki "), 0, "M"},
        {"case", "risk_level", LIT("Tinggi"), 0, "high"},
        {"case", "status", LIT("ditutup"), 0, "closed"},
        {"case", "victim_education", LIT("SMP"), 0, "junior"},
        {"referral", "referred_to", LIT("UPT PPA"), 0, "uptd_ppa"},
        {"referral", "referred_to", LIT("upt  ppa"), 0, "uptd_ppa"},
        {"case", "victim_sex", LIT("unknown"), SAE_EINVAL, NULL}, /* another field's code */
        {"case", "risk_level", LIT("hig"), SAE_EINVAL, NULL},
        {"case", "risk_level", LIT("highx"), SAE_EINVAL, NULL},
        {"case", "risk_level", LIT("high\0"), SAE_EINVAL, NULL},
        {"case", "risk_level", LIT("hi\0gh"), SAE_EINVAL, NULL},
        {"case", "risk_level", LIT(""), SAE_EINVAL, NULL},
        {"case", "status", LIT("new\nclosed"), SAE_EINVAL, NULL},
    };
    run_cases(cases, COUNT(cases));
}

/* Sets: codes, labels or aliases separated by commas; canonical in catalogue order, each
 * once; nothing at all is the empty set. */
static void test_set_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "violence_types", LIT("physical"), 0, "physical"},
        {"case", "violence_types", LIT("fisik, psikis"), 0, "physical,psychological"},
        {"case", "violence_types", LIT("psikis,fisik"), 0, "physical,psychological"},
        {"case", "violence_types", LIT("seksual,Sexual,SEKSUAL"), 0, "sexual"},
        {"case", "violence_types", LIT("TPPO,other"), 0, "trafficking,other"},
        {"case", "violence_types", LIT(""), 0, ""},
        {"case", "violence_types", LIT(" , "), 0, ""},
        {"case", "violence_types", LIT("fisik,,psikis"), 0, "physical,psychological"},
        {"case", "impacts", LIT("ekonomi,hukum,fisik"), 0, "physical,economic,legal"},
        {"case", "disability_types", LIT("tunarungu"), 0, "sensory_hearing"},
        {"case", "violence_types", LIT("fisik,hitting"), SAE_EINVAL, NULL},
        {"case", "violence_types", LIT("fisik;psikis"), SAE_EINVAL, NULL},
        {"case", "violence_types", LIT("fisik\0"), SAE_EINVAL, NULL},
    };
    run_cases(cases, COUNT(cases));
}

/* Areas are given by code here (with or without dots), of the field's level. */
static void test_area_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "residence_village", LIT("35.13.12.2018"), 0, "35.13.12.2018"},
        {"case", "residence_village", LIT("3513122018"), 0, "35.13.12.2018"},
        {"case", "residence_district", LIT("35.13.12"), 0, "35.13.12"},
        {"case", "residence_village", LIT("35.13.12"), SAE_EINVAL, NULL},
        {"case", "residence_district", LIT("35.13.12.2018"), SAE_EINVAL, NULL},
        {"case", "residence_village", LIT("Sumberanyar"), SAE_EINVAL, NULL},
        {"case", "residence_village", LIT(""), SAE_EINVAL, NULL},
    };
    run_cases(cases, COUNT(cases));
}

static void test_enum_message_lists_allowed_codes(void **state)
{
    (void)state;
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    const struct sae_field *types = field_of("case", "violence_types");
    validate(types, LIT("pukul"), SAE_EINVAL, message);
    assert_non_null(strstr(message, "\"pukul\""));
    assert_non_null(strstr(message, "tidak dikenal")); /* said in Indonesian too */
    for (size_t i = 0; i < types->value_count; i++) {
        assert_non_null(strstr(message, types->values[i].code));
        assert_non_null(strstr(message, types->values[i].label_id));
    }
    /* A hostile value is quoted escaped and shortened, never raw. */
    validate(types, LIT("a\nb\x1b[2J\"c\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), SAE_EINVAL,
             message);
    assert_null(strchr(message, '\x1b'));
    assert_non_null(strstr(message, "a\\x0ab\\x1b[2J\\x22c\\x22"));
    assert_non_null(strstr(message, "..."));
    /* A date names every form it accepts, in both languages. */
    validate(field_of("case", "intake_date"), LIT("20 Nov 2026"), SAE_EINVAL, message);
    assert_non_null(strstr(message, "YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY"));
    assert_non_null(strstr(message, "tanggal ditulis"));
}

static void test_bool_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "victim_disability", LIT("true"), 0, "true"},
        {"case", "victim_disability", LIT("yes"), 0, "true"},
        {"case", "victim_disability", LIT("ya"), 0, "true"},
        {"case", "victim_disability", LIT("1"), 0, "true"},
        {"case", "victim_disability", LIT("TRUE"), 0, "true"},
        {"case", "victim_disability", LIT("Ya"), 0, "true"},
        {"case", "victim_disability", LIT("false"), 0, "false"},
        {"case", "victim_disability", LIT("no"), 0, "false"},
        {"case", "victim_disability", LIT("tidak"), 0, "false"},
        {"case", "victim_disability", LIT("0"), 0, "false"},
        {"case", "victim_disability", LIT("Tidak"), 0, "false"},
        {"case", "victim_disability", LIT("y"), SAE_EINVAL, NULL},
        {"case", "victim_disability", LIT("2"), SAE_EINVAL, NULL},
        {"case", "victim_disability", LIT("01"), SAE_EINVAL, NULL},
        {"case", "victim_disability", LIT("truee"), SAE_EINVAL, NULL},
        {"case", "victim_disability", LIT("tru"), SAE_EINVAL, NULL},
        {"case", "victim_disability", LIT("true\0"), SAE_EINVAL, NULL},
        {"case", "victim_disability", LIT(""), SAE_EINVAL, NULL},
    };
    run_cases(cases, COUNT(cases));
}

static void test_reference_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"service", "case_id", LIT("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff"), 0,
         "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff"},
        {"service", "case_id", LIT("0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0FF"), 0,
         "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff"},
        /* Prefixes are resolved by the journal, never by the bare validator. */
        {"service", "case_id", LIT("0f1e2d"), SAE_EINVAL, NULL},
        {"service", "case_id", LIT("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f"), SAE_EINVAL, NULL},
        {"service", "case_id", LIT("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ffa"), SAE_EINVAL, NULL},
        {"service", "case_id", LIT("0f1e2d3c4b5a-4978-8695-a4b3c2d1e0ff0"), SAE_EINVAL, NULL},
        {"service", "case_id", LIT("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fg"), SAE_EINVAL, NULL},
        {"service", "case_id", LIT("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f\0"), SAE_EINVAL, NULL},
        {"referral", "case_id", LIT(""), SAE_EINVAL, NULL},
    };
    run_cases(cases, COUNT(cases));
}

/* A text value of n bytes: unit repeated (n must be a multiple of its length). */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(n % u, 0);
    for (size_t i = 0; i < n; i += u)
        memcpy(buf + i, unit, u);
    buf[n] = '\0';
    return buf;
}

static void check_text_limit(const char *kind, const char *name, size_t limit)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    const struct sae_field *field = field_of(kind, name);
    char *text = repeat("a", limit + 1);
    char *canonical = validate(field, text, limit, 0, message);
    assert_int_equal(strlen(canonical), limit);
    free(canonical);
    validate(field, text, limit + 1, SAE_ETOOBIG, message);
    free(text);
    /* The limit is in bytes, not characters: "é" is two. */
    assert_int_equal(limit % 2, 0);
    text = repeat("\xc3\xa9", limit + 2);
    canonical = validate(field, text, limit, 0, message);
    free(canonical);
    validate(field, text, limit + 2, SAE_ETOOBIG, message);
    free(text);
}

static void test_text_limits_at_the_edge(void **state)
{
    (void)state;
    check_text_limit("case", "victim_name", 200);
    check_text_limit("service", "provider", 200);
    check_text_limit("case", "narrative", SAE_LIMIT_TEXT_BYTES);
    check_text_limit("referral", "notes", SAE_LIMIT_TEXT_BYTES);
}

static void test_text_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"case", "victim_name", LIT("Siti Aminah"), 0, "Siti Aminah"},
        {"case", "victim_name", LIT("Nur \xe2\x80\x99" "Aini \xf0\x9f\x98\x80"), 0,
         "Nur \xe2\x80\x99" "Aini \xf0\x9f\x98\x80"},
        {"case", "victim_name", LIT(" "), 0, " "},
        {"case", "victim_name", LIT(""), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("Siti\0Aminah"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("\0"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("\xc0\x80"), SAE_EINVAL, NULL},     /* overlong NUL */
        {"case", "victim_name", LIT("\xed\xa0\x80"), SAE_EINVAL, NULL}, /* surrogate */
        {"case", "victim_name", LIT("\xf5\x80\x80\x80"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("Siti \xe2\x82"), SAE_EINVAL, NULL}, /* truncated */
        {"case", "victim_name", LIT("Siti \x80"), SAE_EINVAL, NULL},     /* lone continuation */
        {"case", "victim_name", LIT("Latin-1 \xe9t\xe9"), SAE_EINVAL, NULL},
        /* A single-line field refuses every C0 control and DEL. */
        {"case", "victim_name", LIT("Siti\nAminah"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("Siti\rAminah"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("Siti\tAminah"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("Siti\x1b[31m"), SAE_EINVAL, NULL},
        {"case", "victim_name", LIT("Siti\x7f"), SAE_EINVAL, NULL},
        {"service", "provider", LIT("\x01"), SAE_EINVAL, NULL},
        /* C1 controls and bidirectional overrides rewrite what a reader sees. */
        {"case", "victim_name", LIT("Siti\xc2\x9b" "31m"), SAE_EINVAL, NULL}, /* U+009B CSI */
        {"case", "victim_name", LIT("Siti\xc2\x85"), SAE_EINVAL, NULL},       /* U+0085 NEL */
        {"case", "victim_name", LIT("\xe2\x80\xae" "itiS"), SAE_EINVAL, NULL}, /* U+202E */
        {"case", "narrative", LIT("a\xe2\x81\xa6" "b"), SAE_EINVAL, NULL},     /* U+2066 */
        {"case", "victim_name", LIT("Siti \xc2\xa0" "Aminah"), 0, "Siti \xc2\xa0" "Aminah"},
        /* A multiline field takes line breaks and tabs, nothing else. */
        {"case", "narrative", LIT("Baris satu\nBaris dua\r\n\tindent"), 0,
         "Baris satu\nBaris dua\r\n\tindent"},
        {"case", "narrative", LIT("\n"), 0, "\n"},
        {"case", "narrative", LIT("bell\x07"), SAE_EINVAL, NULL},
        {"case", "narrative", LIT("esc\x1b[2J"), SAE_EINVAL, NULL},
        {"case", "narrative", LIT("del\x7f"), SAE_EINVAL, NULL},
        {"case", "narrative", LIT("nul\0after"), SAE_EINVAL, NULL},
        {"case", "narrative", LIT("\xc0\x80"), SAE_EINVAL, NULL},
        {"service", "notes", LIT("Konseling\nselesai"), 0, "Konseling\nselesai"},
        {"referral", "notes", LIT(""), SAE_EINVAL, NULL},
    };
    run_cases(cases, COUNT(cases));
}

/* Values of other types are short; anything past 64 bytes is refused before parsing. */
static void test_long_non_text_values(void **state)
{
    (void)state;
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    static const char *const fields[][2] = {
        {"case", "victim_age"},       {"case", "intake_date"}, {"case", "risk_level"},
        {"case", "victim_disability"}, {"service", "case_id"},
    };
    char *zeros = repeat("0", 4096);
    for (size_t i = 0; i < COUNT(fields); i++) {
        const struct sae_field *field = field_of(fields[i][0], fields[i][1]);
        validate(field, zeros, 65, SAE_ETOOBIG, message);
        validate(field, zeros, 4096, SAE_ETOOBIG, message);
        /* 64 bytes is parsed normally (and is not a valid value of these types). */
        validate(field, zeros, 64, SAE_EINVAL, message);
    }
    /* A set's text may be longer (every value by a long form): its own limit. */
    const struct sae_field *set = field_of("case", "violence_types");
    validate(set, zeros, SAE_SET_TEXT_BYTES + 1, SAE_ETOOBIG, message);
    validate(set, zeros, SAE_SET_TEXT_BYTES, SAE_EINVAL, message);
    char *commas = repeat(",", SAE_SET_TEXT_BYTES);
    free(validate(set, commas, SAE_SET_TEXT_BYTES, 0, message)); /* only separators: empty */
    free(commas);
    free(zeros);
}

struct utf8_case {
    const char *bytes;
    size_t len;
    int rc;
};

static void test_utf8_check(void **state)
{
    (void)state;
    static const struct utf8_case cases[] = {
        {LIT(""), 0},
        {LIT("ascii ~"), 0},
        {LIT("\xc2\x80"), 0},             /* U+0080, smallest 2-byte */
        {LIT("\xdf\xbf"), 0},             /* U+07FF */
        {LIT("\xe0\xa0\x80"), 0},         /* U+0800, smallest 3-byte */
        {LIT("\xed\x9f\xbf"), 0},         /* U+D7FF, below the surrogates */
        {LIT("\xee\x80\x80"), 0},         /* U+E000, above them */
        {LIT("\xef\xbf\xbf"), 0},         /* U+FFFF */
        {LIT("\xf0\x90\x80\x80"), 0},     /* U+10000, smallest 4-byte */
        {LIT("\xf4\x8f\xbf\xbf"), 0},     /* U+10FFFF, the last code point */
        {LIT("\x00"), SAE_EINVAL},
        {LIT("a\0b"), SAE_EINVAL},
        {LIT("\xc0\x80"), SAE_EINVAL},    /* overlong NUL */
        {LIT("\xc1\xbf"), SAE_EINVAL},    /* overlong U+007F */
        {LIT("\xe0\x80\x80"), SAE_EINVAL},
        {LIT("\xe0\x9f\xbf"), SAE_EINVAL}, /* overlong U+07FF */
        {LIT("\xf0\x80\x80\x80"), SAE_EINVAL},
        {LIT("\xf0\x8f\xbf\xbf"), SAE_EINVAL}, /* overlong U+FFFF */
        {LIT("\xed\xa0\x80"), SAE_EINVAL}, /* U+D800 */
        {LIT("\xed\xbf\xbf"), SAE_EINVAL}, /* U+DFFF */
        {LIT("\xf4\x90\x80\x80"), SAE_EINVAL}, /* U+110000 */
        {LIT("\xf5\x80\x80\x80"), SAE_EINVAL},
        {LIT("\xf8\x88\x80\x80\x80"), SAE_EINVAL},
        {LIT("\xfe"), SAE_EINVAL},
        {LIT("\xff"), SAE_EINVAL},
        {LIT("\x80"), SAE_EINVAL},
        {LIT("a\xbf"), SAE_EINVAL},
        {LIT("\xc3"), SAE_EINVAL},
        {LIT("\xe2\x82"), SAE_EINVAL},
        {LIT("\xf0\x9f\x98"), SAE_EINVAL},
        {LIT("\xe2\x28\xa1"), SAE_EINVAL}, /* second byte not a continuation */
        {LIT("\xe2\x82\x28"), SAE_EINVAL}, /* third byte not a continuation */
        {LIT("\xc3\x00"), SAE_EINVAL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char *copy = malloc(cases[i].len ? cases[i].len : 1);
        assert_non_null(copy);
        memcpy(copy, cases[i].bytes, cases[i].len);
        int rc = sae_utf8_check(copy, cases[i].len);
        free(copy);
        if (rc != cases[i].rc)
            print_error("utf8 case %zu: got %d, want %d\n", i, rc, cases[i].rc);
        assert_int_equal(rc, cases[i].rc);
    }
    /* The length bounds the check: bytes after it are not read. */
    assert_int_equal(sae_utf8_check("ok\xff", 2), 0);
}

static void test_validate_name(void **state)
{
    (void)state;
    char name[SAE_LIMIT_VILLAGE_BYTES + 2];
    memset(name, 'a', sizeof name - 1);
    name[SAE_LIMIT_VILLAGE_BYTES] = '\0';
    assert_int_equal(sae_validate_name(name, SAE_LIMIT_VILLAGE_BYTES), 0);
    name[SAE_LIMIT_VILLAGE_BYTES] = 'a';
    name[SAE_LIMIT_VILLAGE_BYTES + 1] = '\0';
    assert_int_equal(sae_validate_name(name, SAE_LIMIT_VILLAGE_BYTES), SAE_EINVAL);
    assert_int_equal(sae_validate_name("Desa Sumberanyar", SAE_LIMIT_VILLAGE_BYTES), 0);
    assert_int_equal(sae_validate_name("Kelurahan Jati \xc3\xa9", SAE_LIMIT_VILLAGE_BYTES), 0);
    assert_int_equal(sae_validate_name("", SAE_LIMIT_VILLAGE_BYTES), SAE_EINVAL);
    assert_int_equal(sae_validate_name("Desa\nBaru", SAE_LIMIT_VILLAGE_BYTES), SAE_EINVAL);
    assert_int_equal(sae_validate_name("Desa\tBaru", SAE_LIMIT_VILLAGE_BYTES), SAE_EINVAL);
    assert_int_equal(sae_validate_name("Desa \xc0\x80", SAE_LIMIT_VILLAGE_BYTES), SAE_EINVAL);
    assert_int_equal(sae_validate_name("\xe9t\xe9", SAE_LIMIT_VILLAGE_BYTES), SAE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_values),
        cmocka_unit_test(test_int_messages_name_the_range),
        cmocka_unit_test(test_date_values),
        cmocka_unit_test(test_enum_values),
        cmocka_unit_test(test_set_values),
        cmocka_unit_test(test_area_values),
        cmocka_unit_test(test_enum_message_lists_allowed_codes),
        cmocka_unit_test(test_bool_values),
        cmocka_unit_test(test_reference_values),
        cmocka_unit_test(test_text_limits_at_the_edge),
        cmocka_unit_test(test_text_values),
        cmocka_unit_test(test_long_non_text_values),
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_validate_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
