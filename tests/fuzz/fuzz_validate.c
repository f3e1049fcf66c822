/* libFuzzer target for field validation: every value a post or the network sends passes
 * through sae_validate_value, so it must never crash, leak or accept what it cannot
 * round-trip. The first input byte picks a field of the catalogue (low 7 bits) and whether
 * the value is the rest of the input or a value sized around the field's limit (high bit).
 *
 * Invariants checked:
 * - success: the canonical form is NUL-terminated valid UTF-8 that the field's type allows
 *   (text within its limit and without stray control characters, int in range, an enum
 *   code of the field, ...), and validating it again gives the same canonical form;
 * - failure: the result is one of the documented codes, *canonical is left untouched and the
 *   message is one non-empty line;
 * - sae_utf8_check agrees with an independent reading of Unicode's table of well-formed
 *   byte sequences (Unicode 15, table 3-7), plus the "no NUL" rule. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_id.h"
#include "sae/sae_limits.h"
#include "sae/sae_area.h"
#include "sae/sae_validate.h"
#include "sae/sae_view.h"

/* Non-text values (but sets) longer than this are refused before parsing (validate.c). */
#define SHORT_VALUE_LIMIT 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fails loudly: libFuzzer records the input that got here as a crash artifact. */
#include "fuzz_require.h"

static size_t catalogue_field_count(void)
{
    size_t total = 0;
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++)
        total += sae_catalogue_kind_at(k)->field_count;
    return total;
}

/* The index-th field when every kind's fields are laid end to end. */
static const struct sae_field *catalogue_field_at(size_t index)
{
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        if (index < kind->field_count)
            return &kind->fields[index];
        index -= kind->field_count;
    }
    return NULL;
}

/* Reference decoder written from table 3-7 rather than from the code under test: the
 * allowed second byte depends on the first, the rest are plain continuation bytes. */
static bool utf8_reference_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        uint8_t lo = 0x80, hi = 0xbf;
        size_t extra;
        if (c == 0x00)
            return false;
        if (c <= 0x7f) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            extra = 1;
        else if (c == 0xe0)
            extra = 2, lo = 0xa0;
        else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
            extra = 2;
        else if (c == 0xed)
            extra = 2, hi = 0x9f;
        else if (c == 0xf0)
            extra = 3, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3)
            extra = 3;
        else if (c == 0xf4)
            extra = 3, hi = 0x8f;
        else
            return false;
        if (len - i <= extra || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= extra; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return false;
        i += extra + 1;
    }
    return true;
}

/* Out-params stay untouched on failure: a sentinel shows whether validation wrote one. */
static char untouched_sentinel;

static void check_message_line(const char *message)
{
    size_t len = strnlen(message, SAE_VALIDATE_MESSAGE_BYTES);
    REQUIRE(len > 0 && len < SAE_VALIDATE_MESSAGE_BYTES);
    REQUIRE(memchr(message, '\n', len) == NULL && memchr(message, '\r', len) == NULL);
}

/* A real day within the accepted years, asked of the C library's calendar: timegm
 * normalises 2023-02-29 to 2023-03-01, so a date that does not exist comes back changed. */
static bool is_calendar_date(const char *text)
{
    int year, month, day, consumed = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 || consumed != 10)
        return false;
    if (year < SAE_LIMIT_YEAR_MIN || year > SAE_LIMIT_YEAR_MAX)
        return false;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back))
        return false;
    return back.tm_year == year - 1900 && back.tm_mon == month - 1 && back.tm_mday == day;
}

/* What the catalogue promises about an accepted value, restated per type. */
static void check_canonical_shape(const struct sae_field *field, const char *canonical,
                                  size_t clen)
{
    size_t limit = field->max_bytes ? field->max_bytes : SAE_LIMIT_TEXT_BYTES;
    struct sae_id id;
    switch (field->type) {
    case SAE_FIELD_TEXT:
        REQUIRE(clen > 0 && clen <= limit);
        for (size_t i = 0; i < clen; i++) {
            unsigned char c = (unsigned char)canonical[i];
            bool line_break = c == '\n' || c == '\r' || c == '\t';
            REQUIRE(!(c < 0x20 || c == 0x7f) || (field->multiline && line_break));
        }
        break;
    case SAE_FIELD_INT: {
        long long n = strtoll(canonical, NULL, 10);
        REQUIRE(n >= field->min_value && n <= field->max_value);
        break;
    }
    case SAE_FIELD_DATE: REQUIRE(clen == 10 && is_calendar_date(canonical)); break;
    case SAE_FIELD_ENUM: REQUIRE(sae_field_find_value(field, canonical) != NULL); break;
    case SAE_FIELD_BOOL:
        REQUIRE(strcmp(canonical, "true") == 0 || strcmp(canonical, "false") == 0);
        break;
    case SAE_FIELD_REFERENCE: REQUIRE(sae_id_parse(canonical, &id) == 0); break;
    case SAE_FIELD_SET: {
        /* Codes of the set in catalogue order, each once: exactly what sae_set_format makes. */
        sae_set_mask mask = 0;
        char *again = NULL;
        REQUIRE(sae_set_parse(field, canonical, &mask) == 0);
        REQUIRE(sae_set_format(field, mask, &again) == 0);
        REQUIRE(strcmp(again, canonical) == 0);
        free(again);
        break;
    }
    case SAE_FIELD_AREA: {
        char code[SAE_AREA_CODE_BYTES];
        enum sae_area_level level;
        REQUIRE(sae_area_code_parse(canonical, code, &level) == 0);
        REQUIRE(strcmp(code, canonical) == 0 && (int)level == field->area_level);
        break;
    }
    }
}

static void check_success(const struct sae_field *field, const char *value, size_t len,
                          char *canonical)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    char *again = NULL;
    REQUIRE(canonical != NULL && canonical != &untouched_sentinel);
    size_t clen = strlen(canonical);
    REQUIRE(sae_utf8_check(canonical, clen) == 0);
    /* Text is stored as given; every other type has a short canonical form (the empty set
     * is ""). */
    if (field->type == SAE_FIELD_TEXT)
        REQUIRE(clen == len && memcmp(canonical, value, len) == 0);
    else
        REQUIRE(field->type == SAE_FIELD_SET ? clen <= SAE_SET_TEXT_BYTES
                                             : clen > 0 && clen <= SHORT_VALUE_LIMIT);
    check_canonical_shape(field, canonical, clen);
    int rc = sae_validate_value(field, canonical, clen, &again, message);
    REQUIRE(rc == 0 && again != NULL);
    REQUIRE(strcmp(again, canonical) == 0);
    free(again);
}

static void check_failure(int rc, const char *canonical, const char *message)
{
    REQUIRE(rc == SAE_EINVAL || rc == SAE_ERANGE || rc == SAE_ETOOBIG);
    REQUIRE(canonical == &untouched_sentinel);
    check_message_line(message);
}

/* Values around a field's length limit are slow to reach by mutation, so the high bit of
 * the selector asks for one: the next byte is a signed offset from the limit and the rest
 * of the input is repeated to fill it. The buffer is exactly that long, so reading past the
 * value is caught by AddressSanitizer. Limits above NEAR_LIMIT_MAX (the 32 KiB of long
 * texts) are left to the unit tests: validating 32 KiB under the fuzzer's instrumentation
 * costs about 10 ms, and one such input in the corpus slows every run by an order of
 * magnitude. */
#define NEAR_LIMIT_MAX 4096

static size_t length_limit(const struct sae_field *field)
{
    if (field->type == SAE_FIELD_SET)
        return SAE_SET_TEXT_BYTES;
    if (field->type != SAE_FIELD_TEXT)
        return SHORT_VALUE_LIMIT;
    return field->max_bytes ? field->max_bytes : SAE_LIMIT_TEXT_BYTES;
}

/* Fills value with copies of fill by doubling: a byte loop would be instrumented. */
static void fill_repeating(char *value, size_t len, const uint8_t *fill, size_t fill_len)
{
    size_t done = fill_len < len ? fill_len : len;
    memcpy(value, fill, done);
    while (done < len) {
        size_t n = done < len - done ? done : len - done;
        memcpy(value + done, value, n);
        done += n;
    }
}

static int value_near_limit(const struct sae_field *field, const uint8_t *rest, size_t rest_len,
                            char **out, size_t *out_len)
{
    size_t limit = length_limit(field);
    int offset = rest_len > 0 ? (int8_t)rest[0] : 1;
    const uint8_t *fill = rest_len > 1 ? rest + 1 : (const uint8_t *)"a";
    size_t fill_len = rest_len > 1 ? rest_len - 1 : 1;
    size_t len = offset < 0 && (size_t)-offset > limit ? 0 : (size_t)((long)limit + offset);
    char *value = malloc(len ? len : 1);
    if (!value)
        return -1;
    fill_repeating(value, len, fill, fill_len);
    *out = value;
    *out_len = len;
    return 0;
}

static void check_value(const struct sae_field *field, const char *value, size_t len)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    char *canonical = &untouched_sentinel;
    REQUIRE((sae_utf8_check(value, len) == 0) ==
            utf8_reference_valid((const uint8_t *)value, len));
    memset(message, 'x', sizeof message); /* a stale message must not pass for a new one */
    int rc = sae_validate_value(field, value, len, &canonical, message);
    if (rc == 0) {
        check_success(field, value, len, canonical);
        free(canonical);
    } else {
        check_failure(rc, canonical, message);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static size_t field_count;
    if (field_count == 0)
        field_count = catalogue_field_count();
    if (size == 0 || field_count == 0)
        return 0;
    const struct sae_field *field = catalogue_field_at((data[0] & 0x7f) % field_count);
    if (!(data[0] & 0x80) || length_limit(field) > NEAR_LIMIT_MAX) {
        check_value(field, (const char *)data + 1, size - 1);
        return 0;
    }
    char *value = NULL;
    size_t len = 0;
    if (value_near_limit(field, data + 1, size - 1, &value, &len) != 0)
        return 0;
    check_value(field, value, len);
    free(value);
    return 0;
}
