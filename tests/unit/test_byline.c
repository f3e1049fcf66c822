/* Bylines (sae_byline.h): person, device and time as people read them, in local time, with
 * the year only outside the current one, and what an unknown author or device leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sae/sae_byline.h"

/* 2026-12-03T07:05:00Z: 14:05 in WIB (UTC+7). */
#define DEC_3_MS UINT64_C(1796281500000)
#define DAY_MS UINT64_C(86400000)

static int use_wib(void **state)
{
    (void)state;
    /* A POSIX TZ string: no time zone database needed. */
    setenv("TZ", "WIB-7", 1);
    tzset();
    return 0;
}

static void test_byline_reads_as_people_say_it(void **state)
{
    (void)state;
    char out[SAE_BYLINE_BYTES];
    sae_byline("Siti", "Laptop Pos Sumberanyar", DEC_3_MS, DEC_3_MS + DAY_MS, out);
    assert_string_equal(out, "Siti, Laptop Pos Sumberanyar, 3 Dec 14:05");
    /* A schema-1 post's change: no author, the device stands for it. */
    sae_byline(NULL, "Laptop Pos Sumberanyar", DEC_3_MS, DEC_3_MS, out);
    assert_string_equal(out, "Laptop Pos Sumberanyar, 3 Dec 14:05");
    sae_byline("Bu Ani", NULL, DEC_3_MS, DEC_3_MS, out);
    assert_string_equal(out, "Bu Ani, 3 Dec 14:05");
    sae_byline(NULL, NULL, DEC_3_MS, DEC_3_MS, out);
    assert_string_equal(out, "unknown, 3 Dec 14:05");
}

static void test_byline_time_year_and_days(void **state)
{
    (void)state;
    char out[SAE_BYLINE_TIME_BYTES];
    sae_byline_time(DEC_3_MS + 7 * DAY_MS, DEC_3_MS, out);
    assert_string_equal(out, "10 Dec 14:05");
    sae_byline_time(DEC_3_MS - 365 * DAY_MS, DEC_3_MS, out);
    assert_string_equal(out, "3 Dec 2025 14:05");
    /* The longest person and device still fit whole. */
    char person[SAE_LIMIT_PERSON_BYTES + 1], device[SAE_WIRE_TEXT_BYTES + 1];
    char line[SAE_BYLINE_BYTES];
    memset(person, 'p', sizeof person - 1);
    person[sizeof person - 1] = '\0';
    memset(device, 'd', sizeof device - 1);
    device[sizeof device - 1] = '\0';
    sae_byline(person, device, DEC_3_MS - 365 * DAY_MS, DEC_3_MS, line);
    assert_int_equal(strlen(line), strlen(person) + strlen(device) + strlen(", , ") +
                                       strlen("3 Dec 2025 14:05"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byline_reads_as_people_say_it),
        cmocka_unit_test(test_byline_time_year_and_days),
    };
    return cmocka_run_group_tests(tests, use_wib, NULL);
}
