/* libFuzzer target for the text forms of report ids and versions, which arrive from the
 * command line, from other posts and from the hub. Each parser gets a NUL-terminated copy
 * of the input (as it would from argv or a decoded message) and is compared with a plain
 * restatement of its documented grammar:
 * - sae_id_parse: accepts exactly 36 characters in 8-4-4-4-12 groups of hex digits (either
 *   case); formatting the result gives the input lower-cased;
 * - sae_id_normalize_prefix: accepts 6..36 characters that could start such an id and
 *   writes them lower-cased; agrees with sae_id_parse on full-length input;
 * - sae_hlc_parse_hex: accepts exactly 16 lower-case hex digits; formatting gives the input.
 * Failures leave out-params untouched. When the input holds 24 bytes or more they are also
 * read as three clock values to check that tick and receive issue the smallest version
 * above what they were given, or SAE_ECLOCK. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"
#include "sae/sae_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_require.h"

/* The largest representable version: SAE_HLC_MS_MAX milliseconds, counter exhausted. */
#define HLC_MAX ((SAE_HLC_MS_MAX << SAE_HLC_COUNTER_BITS) | SAE_HLC_COUNTER_MAX)

static bool id_hyphen_at(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

/* True when text could be the first strlen(text) characters of canonical UUID text. */
static bool id_grammar_prefix(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        bool hex = isxdigit((unsigned char)text[i]) != 0;
        if (id_hyphen_at(i) ? text[i] != '-' : !hex)
            return false;
    }
    return true;
}

static void lower_copy(const char *text, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)text[i]);
    out[len] = '\0';
}

static void check_id_parse(const char *text, size_t len)
{
    struct sae_id id, before;
    char formatted[SAE_ID_TEXT_LEN + 1], lowered[SAE_ID_TEXT_LEN + 1];
    bool expect = len == SAE_ID_TEXT_LEN && id_grammar_prefix(text, len);
    memset(&id, 0xa5, sizeof id);
    before = id;
    int rc = sae_id_parse(text, &id);
    REQUIRE((rc == 0) == expect);
    if (rc != 0) {
        REQUIRE(rc == SAE_EINVAL && memcmp(&id, &before, sizeof id) == 0);
        return;
    }
    sae_id_format(&id, formatted);
    lower_copy(text, len, lowered);
    REQUIRE(strcmp(formatted, lowered) == 0);
}

static void check_id_prefix(const char *text, size_t len)
{
    char out[SAE_ID_TEXT_LEN + 1], lowered[SAE_ID_TEXT_LEN + 1];
    bool expect = len >= SAE_LIMIT_ID_PREFIX_MIN && len <= SAE_ID_TEXT_LEN &&
                  id_grammar_prefix(text, len);
    memset(out, 'Z', sizeof out);
    int rc = sae_id_normalize_prefix(text, out);
    REQUIRE((rc == 0) == expect);
    if (rc != 0) {
        REQUIRE(rc == SAE_EINVAL);
        for (size_t i = 0; i < sizeof out; i++)
            REQUIRE(out[i] == 'Z');
        return;
    }
    lower_copy(text, len, lowered);
    REQUIRE(strcmp(out, lowered) == 0);
    if (len == SAE_ID_TEXT_LEN) {
        struct sae_id id;
        REQUIRE(sae_id_parse(out, &id) == 0);
    }
}

static void check_hlc_hex(const char *text, size_t len)
{
    char formatted[SAE_HLC_HEX_LEN + 1];
    bool expect = len == SAE_HLC_HEX_LEN;
    for (size_t i = 0; expect && i < len; i++)
        expect = (text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f');
    /* Versions stay below 2^63: the first digit is at most 7. */
    expect = expect && text[0] <= '7';
    sae_hlc v = 0x5a5a5a5a5a5a5a5aULL;
    int rc = sae_hlc_parse_hex(text, &v);
    REQUIRE((rc == 0) == expect);
    if (rc != 0) {
        REQUIRE(rc == SAE_EINVAL && v == 0x5a5a5a5a5a5a5a5aULL);
        return;
    }
    sae_hlc_format_hex(v, formatted);
    REQUIRE(strcmp(formatted, text) == 0);
}

static uint64_t read_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The documented result of moving past floor at wall time wall_ms: the smallest version
 * above floor whose time is at least wall_ms; false when none is representable. */
static bool expected_next(uint64_t floor, uint64_t wall_ms, sae_hlc *out)
{
    unsigned __int128 above = (unsigned __int128)floor + 1;
    unsigned __int128 at_wall = (unsigned __int128)wall_ms << SAE_HLC_COUNTER_BITS;
    unsigned __int128 next = above > at_wall ? above : at_wall;
    if (next > HLC_MAX)
        return false;
    *out = (sae_hlc)next;
    return true;
}

static void check_clock_step(int rc, sae_hlc got, bool representable, sae_hlc expected)
{
    if (!representable) {
        REQUIRE(rc == SAE_ECLOCK && got == 0x1234);
        return;
    }
    REQUIRE(rc == 0 && got == expected);
    char text[SAE_HLC_TIME_LEN + 1];
    sae_hlc_format_time(got, text);
    REQUIRE(strlen(text) > 0 && strlen(text) <= SAE_HLC_TIME_LEN);
}

static void check_clock(const uint8_t *bytes)
{
    uint64_t last = read_u64(bytes), remote = read_u64(bytes + 8);
    uint64_t wall_ms = read_u64(bytes + 16);
    sae_hlc expected = 0, got = 0x1234;
    /* Small wall times would never reach the branch where the wall clock leads. */
    if (wall_ms & 1)
        wall_ms >>= 17;
    bool ok = expected_next(last, wall_ms, &expected);
    check_clock_step(sae_hlc_tick(last, wall_ms, &got), got, ok, expected);
    got = 0x1234;
    ok = expected_next(last > remote ? last : remote, wall_ms, &expected);
    check_clock_step(sae_hlc_receive(last, remote, wall_ms, &got), got, ok, expected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text); /* what a C string caller would see */
    check_id_parse(text, len);
    check_id_prefix(text, len);
    check_hlc_hex(text, len);
    free(text);
    if (size >= 24)
        check_clock(data);
    return 0;
}
