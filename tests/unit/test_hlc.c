/* Versions: hybrid logical clocks. The wall clock is always passed in, so every case here
 * is deterministic: a clock that goes backwards is just a smaller number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_hlc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

static sae_hlc pack(uint64_t ms, uint32_t counter)
{
    sae_hlc v = SENTINEL;
    assert_int_equal(sae_hlc_pack(ms, counter, &v), 0);
    return v;
}

static void test_pack_and_unpack(void **state)
{
    (void)state;
    static const struct {
        uint64_t ms;
        uint32_t counter;
        sae_hlc packed;
    } cases[] = {
        {0, 0, 0},
        {0, 1, 1},
        {1, 0, 0x10000},
        {5, 7, 0x50007},
        {UINT64_C(1795958401123), 0xffff, (UINT64_C(1795958401123) << 16) | 0xffff},
        {SAE_HLC_MS_MAX, 0, SAE_HLC_MS_MAX << 16},
        {SAE_HLC_MS_MAX, SAE_HLC_COUNTER_MAX, (SAE_HLC_MS_MAX << 16) | 0xffff},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        sae_hlc v = pack(cases[i].ms, cases[i].counter);
        assert_int_equal(v, cases[i].packed);
        assert_int_equal(sae_hlc_ms(v), cases[i].ms);
        assert_int_equal(sae_hlc_counter(v), cases[i].counter);
    }
    /* The largest version still fits a signed SQLite integer. */
    assert_true(pack(SAE_HLC_MS_MAX, SAE_HLC_COUNTER_MAX) <= (sae_hlc)INT64_MAX);
}

static void test_pack_refuses_out_of_range(void **state)
{
    (void)state;
    sae_hlc v = SENTINEL;
    assert_int_equal(sae_hlc_pack(SAE_HLC_MS_MAX + 1, 0, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_pack(UINT64_MAX, 0, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_pack(0, SAE_HLC_COUNTER_MAX + 1, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_pack(0, UINT32_MAX, &v), SAE_ECLOCK);
    assert_int_equal(v, SENTINEL);
}

static void test_tick_follows_the_wall_clock(void **state)
{
    (void)state;
    sae_hlc v = SENTINEL;
    assert_int_equal(sae_hlc_tick(0, 1000, &v), 0);
    assert_int_equal(v, pack(1000, 0));
    assert_int_equal(sae_hlc_tick(pack(1000, 0), 1000, &v), 0); /* same ms: counter */
    assert_int_equal(v, pack(1000, 1));
    assert_int_equal(sae_hlc_tick(pack(1000, 41), 2000, &v), 0); /* later ms: counter resets */
    assert_int_equal(v, pack(2000, 0));
    assert_int_equal(sae_hlc_tick(0, 0, &v), 0); /* a clock stuck at the epoch still ticks */
    assert_int_equal(v, pack(0, 1));
}

static void test_tick_is_monotonic_when_the_clock_goes_back(void **state)
{
    (void)state;
    /* The laptop's clock is set back by a day, then creeps forward again. */
    static const uint64_t walls[] = {
        1795958401123, 1795958401123, 1795872001123, 1795872001124, 1795958401122,
        1795958401123, 1795958401124, 0,             1795958401200,
    };
    sae_hlc last = 0;
    for (size_t i = 0; i < COUNT(walls); i++) {
        sae_hlc next = SENTINEL;
        assert_int_equal(sae_hlc_tick(last, walls[i], &next), 0);
        assert_true(next > last);
        assert_true(sae_hlc_ms(next) >= walls[i]);
        last = next;
    }
    assert_int_equal(last, pack(1795958401200, 0));
    sae_hlc v = SENTINEL;
    assert_int_equal(sae_hlc_tick(pack(5000, 3), 4000, &v), 0);
    assert_int_equal(v, pack(5000, 4));
}

static void test_counter_overflow_moves_to_the_next_ms(void **state)
{
    (void)state;
    sae_hlc v = SENTINEL;
    assert_int_equal(sae_hlc_tick(pack(5000, SAE_HLC_COUNTER_MAX - 1), 5000, &v), 0);
    assert_int_equal(v, pack(5000, SAE_HLC_COUNTER_MAX));
    assert_int_equal(sae_hlc_tick(v, 5000, &v), 0);
    assert_int_equal(v, pack(5001, 0));
    assert_int_equal(sae_hlc_tick(pack(5000, SAE_HLC_COUNTER_MAX), 10, &v), 0);
    assert_int_equal(v, pack(5001, 0));
    /* 2^16 + 1 versions in one millisecond stay strictly increasing. */
    sae_hlc last = pack(7000, 0);
    for (uint32_t i = 0; i <= SAE_HLC_COUNTER_MAX + 1; i++) {
        assert_int_equal(sae_hlc_tick(last, 7000, &v), 0);
        assert_true(v > last);
        last = v;
    }
    assert_int_equal(last, pack(7001, 1));
}

static void test_receive_takes_the_max(void **state)
{
    (void)state;
    sae_hlc v = SENTINEL;
    /* The hub is ahead: the post catches up past its version. */
    assert_int_equal(sae_hlc_receive(pack(1000, 5), pack(9000, 3), 1500, &v), 0);
    assert_int_equal(v, pack(9000, 4));
    /* The post is ahead: a late remote version does not move it back. */
    assert_int_equal(sae_hlc_receive(pack(9000, 3), pack(1000, 5), 1500, &v), 0);
    assert_int_equal(v, pack(9000, 4));
    /* The wall clock is ahead of both. */
    assert_int_equal(sae_hlc_receive(pack(1000, 5), pack(2000, 3), 3000, &v), 0);
    assert_int_equal(v, pack(3000, 0));
    /* Equal versions: strictly above them. */
    assert_int_equal(sae_hlc_receive(pack(4000, 9), pack(4000, 9), 4000, &v), 0);
    assert_int_equal(v, pack(4000, 10));
    assert_int_equal(sae_hlc_receive(pack(1, 0), pack(4000, SAE_HLC_COUNTER_MAX), 0, &v), 0);
    assert_int_equal(v, pack(4001, 0));
}

static void test_clock_edge_is_refused(void **state)
{
    (void)state;
    sae_hlc v = SENTINEL, top = pack(SAE_HLC_MS_MAX, SAE_HLC_COUNTER_MAX);
    assert_int_equal(sae_hlc_tick(top, 0, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_tick(top, SAE_HLC_MS_MAX, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_tick(0, SAE_HLC_MS_MAX + 1, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_tick(0, UINT64_MAX, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_receive(0, top, 0, &v), SAE_ECLOCK);
    assert_int_equal(sae_hlc_receive(top, 0, 0, &v), SAE_ECLOCK);
    assert_int_equal(v, SENTINEL);
    /* One below the edge is still fine. */
    assert_int_equal(sae_hlc_tick(0, SAE_HLC_MS_MAX, &v), 0);
    assert_int_equal(v, pack(SAE_HLC_MS_MAX, 0));
    assert_int_equal(sae_hlc_tick(pack(SAE_HLC_MS_MAX, SAE_HLC_COUNTER_MAX - 1), 0, &v), 0);
    assert_int_equal(v, top);
}

static void test_version_compare(void **state)
{
    (void)state;
    static const struct {
        struct sae_version a, b;
        int sign;
    } cases[] = {
        {{100, 1}, {100, 1}, 0},
        {{100, 1}, {101, 0}, -1},
        {{101, 0}, {100, 9}, 1},
        {{100, 1}, {100, 2}, -1}, /* equal clocks: the origin breaks the tie */
        {{100, 2}, {100, 1}, 1},
        {{0, 0}, {0, 0}, 0},
        {{0, UINT64_MAX}, {1, 0}, -1},
        {{UINT64_MAX, 0}, {UINT64_MAX - 1, UINT64_MAX}, 1},
        {{5, INT64_MAX}, {5, (uint64_t)INT64_MAX + 1}, -1}, /* unsigned, not signed */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        int ab = sae_version_compare(&cases[i].a, &cases[i].b);
        int ba = sae_version_compare(&cases[i].b, &cases[i].a);
        assert_int_equal((ab > 0) - (ab < 0), cases[i].sign);
        assert_int_equal((ba > 0) - (ba < 0), -cases[i].sign);
    }
}

static void test_hex_round_trip(void **state)
{
    (void)state;
    static const struct {
        sae_hlc v;
        const char *hex;
    } cases[] = {
        {0, "0000000000000000"},
        {1, "0000000000000001"},
        {UINT64_C(0x0123456789abcdef), "0123456789abcdef"},
        {(UINT64_C(1795958401123) << 16) | 7, "01a2277668630007"},
        {(sae_hlc)INT64_MAX, "7fffffffffffffff"}, /* the largest version */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char hex[SAE_HLC_HEX_LEN + 1];
        sae_hlc back = SENTINEL;
        sae_hlc_format_hex(cases[i].v, hex);
        assert_int_equal(strlen(hex), SAE_HLC_HEX_LEN);
        assert_string_equal(hex, cases[i].hex);
        assert_int_equal(sae_hlc_parse_hex(hex, &back), 0);
        assert_int_equal(back, cases[i].v);
    }
    /* The text sorts like the number. */
    char a[SAE_HLC_HEX_LEN + 1], b[SAE_HLC_HEX_LEN + 1];
    sae_hlc_format_hex(pack(9, 0xffff), a);
    sae_hlc_format_hex(pack(10, 0), b);
    assert_true(strcmp(a, b) < 0);
}

static void test_hex_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "000000000000000",   /* 15 digits */
        "00000000000000000", /* 17 digits */
        "0x00000000000001",
        "000000000000000g",
        " 000000000000001",
        "000000000000001 ",
        "-000000000000001",
        "+000000000000001",
        "00000000\n0000001",
        "8000000000000000", /* 2^63: past every valid version */
        "ffffffffffffffff",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        sae_hlc v = SENTINEL;
        assert_int_equal(sae_hlc_parse_hex(bad[i], &v), SAE_EINVAL);
        assert_int_equal(v, SENTINEL);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    static const struct {
        sae_hlc v;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {(UINT64_C(1795958401123) << 16) | 42, "2026-11-29T13:20:01.123Z"},
        {UINT64_C(1709251199999) << 16, "2024-02-29T23:59:59.999Z"},
        {(SAE_HLC_MS_MAX << 16) | 0xffff, "6429-10-17T02:45:55.327Z"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char text[SAE_HLC_TIME_LEN + 1];
        memset(text, 'x', sizeof text);
        sae_hlc_format_time(cases[i].v, text);
        assert_string_equal(text, cases[i].text);
        assert_int_equal(strlen(text), SAE_HLC_TIME_LEN);
    }
}

static void test_wall_clock_is_after_2020(void **state)
{
    (void)state;
    uint64_t now = sae_wall_clock_ms();
    assert_true(now > UINT64_C(1577836800000));
    assert_true(now <= SAE_HLC_MS_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_and_unpack),
        cmocka_unit_test(test_pack_refuses_out_of_range),
        cmocka_unit_test(test_tick_follows_the_wall_clock),
        cmocka_unit_test(test_tick_is_monotonic_when_the_clock_goes_back),
        cmocka_unit_test(test_counter_overflow_moves_to_the_next_ms),
        cmocka_unit_test(test_receive_takes_the_max),
        cmocka_unit_test(test_clock_edge_is_refused),
        cmocka_unit_test(test_version_compare),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_parse_refuses),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_wall_clock_is_after_2020),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
