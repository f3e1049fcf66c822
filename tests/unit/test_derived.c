/* Derived figures at their edges: every age band boundary, child or adult, days between
 * dates across leap years, today's date in WIB, and the same answers through SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <string.h>

#include "sae/sae_derived.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_age_bands(void **state)
{
    static const struct {
        long long age;
        const char *band;
    } cases[] = {{0, "0-5"},    {5, "0-5"},     {6, "6-12"},   {12, "6-12"},
                 {13, "13-17"}, {17, "13-17"},  {18, "18-24"}, {24, "18-24"},
                 {25, "25-44"}, {44, "25-44"},  {45, "45-59"}, {59, "45-59"},
                 {60, "60+"},   {120, "60+"}};
    enum sae_age_band band = SAE_AGE_0_5;
    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        assert_int_equal(sae_age_band_of(cases[i].age, &band), 0);
        assert_string_equal(sae_age_band_code(band), cases[i].band);
    }
    band = SAE_AGE_25_44;
    assert_int_equal(sae_age_band_of(-1, &band), SAE_ERANGE);
    assert_int_equal(sae_age_band_of(SAE_LIMIT_AGE_MAX + 1, &band), SAE_ERANGE);
    assert_int_equal(band, SAE_AGE_25_44);
    assert_true(sae_age_is_child(0));
    assert_true(sae_age_is_child(17));
    assert_false(sae_age_is_child(18));
    assert_string_equal(sae_age_group_code(15), "child");
    assert_string_equal(sae_age_group_code(18), "adult");
}

static void test_days(void **state)
{
    int64_t days = 42;
    (void)state;
    assert_int_equal(sae_date_to_days("1970-01-01", &days), 0);
    assert_int_equal(days, 0);
    assert_int_equal(sae_days_between("2024-02-28", "2024-03-01", &days), 0);
    assert_int_equal(days, 2);
    assert_int_equal(sae_days_between("2026-02-28", "2026-03-01", &days), 0);
    assert_int_equal(days, 1);
    assert_int_equal(sae_days_between("2026-12-06", "2026-11-29", &days), 0);
    assert_int_equal(days, -7);
    assert_int_equal(sae_days_between("1900-01-01", "2100-12-31", &days), 0);
    assert_int_equal(days, 73413);
    days = 42;
    static const char *const bad[] = {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01",
                                      "26-01-01", "2026-01-32", "2026/01/01", "2026-01-01x",
                                      ""};
    for (size_t i = 0; i < COUNT(bad); i++)
        assert_int_equal(sae_date_to_days(bad[i], &days), SAE_EINVAL);
    assert_int_equal(days, 42);
}

static void test_today_in_wib(void **state)
{
    char date[11];
    (void)state;
    /* 2026-12-05T16:59:59.999Z is still the 5th in Probolinggo; a millisecond later it is
     * the 6th. */
    const int64_t five_pm_utc = (int64_t)1796490000 * 1000;
    sae_date_today(five_pm_utc - 1, date);
    assert_string_equal(date, "2026-12-05");
    sae_date_today(five_pm_utc, date);
    assert_string_equal(date, "2026-12-06");
    sae_date_today(0, date);
    assert_string_equal(date, "1970-01-01");
}

static void test_sql_functions(void **state)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sae_derived_register(db), 0);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT sae_age_band(15), sae_age_group(15),"
                                        " sae_days_between('2026-11-20', '2026-11-27'),"
                                        " sae_age_band(121), sae_age_band('15'),"
                                        " sae_days_between(NULL, '2026-11-27')",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "13-17");
    assert_string_equal((const char *)sqlite3_column_text(stmt, 1), "child");
    assert_int_equal(sqlite3_column_int64(stmt, 2), 7);
    assert_int_equal(sqlite3_column_type(stmt, 3), SQLITE_NULL);
    assert_int_equal(sqlite3_column_type(stmt, 4), SQLITE_NULL);
    assert_int_equal(sqlite3_column_type(stmt, 5), SQLITE_NULL);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_bands),
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_today_in_wib),
        cmocka_unit_test(test_sql_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
