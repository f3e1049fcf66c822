/* Derived figures: one definition for every reader. */
#include "sae/sae_derived.h"

#include <stdio.h>
#include <string.h>

/* UTC+7: the date a post in East Java writes on paper. */
#define WIB_OFFSET_MS (7LL * 3600 * 1000)
#define MS_PER_DAY (86400LL * 1000)

static const struct {
    int upto; /* the band's oldest age */
    const char *code;
} bands[SAE_AGE_BAND_COUNT] = {
    {5, "0-5"}, {12, "6-12"}, {17, "13-17"}, {24, "18-24"},
    {44, "25-44"}, {59, "45-59"}, {SAE_LIMIT_AGE_MAX, "60+"},
};

int sae_age_band_of(long long age, enum sae_age_band *out)
{
    if (age < 0 || age > SAE_LIMIT_AGE_MAX)
        return SAE_ERANGE;
    int band = 0;
    while (age > bands[band].upto)
        band++;
    *out = (enum sae_age_band)band;
    return 0;
}

const char *sae_age_band_code(enum sae_age_band band)
{
    return (unsigned)band < SAE_AGE_BAND_COUNT ? bands[band].code : "?";
}

bool sae_age_is_child(long long age)
{
    return age >= 0 && age < SAE_AGE_ADULT;
}

const char *sae_age_group_code(long long age)
{
    return sae_age_is_child(age) ? "child" : "adult";
}

/* Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sae_date_to_days(const char *date, int64_t *out)
{
    static const unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 0;
    unsigned m = 0, d = 0;
    char tail;
    if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
        return SAE_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (date[i] < '0' || date[i] > '9'))
            return SAE_EINVAL;
    if (sscanf(date, "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
        d > month_days[m - 1] + (m == 2 && leap_year(y)))
        return SAE_EINVAL;
    *out = days_from_civil(y, m, d);
    return 0;
}

int sae_days_between(const char *from, const char *to, int64_t *out)
{
    int64_t a, b;
    if (sae_date_to_days(from, &a) != 0 || sae_date_to_days(to, &b) != 0)
        return SAE_EINVAL;
    *out = b - a;
    return 0;
}

/* Writes the date of days since 1970-01-01 (civil_from_days, the inverse of
 * days_from_civil). */
static void date_of_days(int64_t days, char out[11])
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = (unsigned)(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    /* Dates before year 0 or after 9999 cannot be written YYYY-MM-DD; they never occur. */
    unsigned year = (unsigned)((y % 10000 + 10000) % 10000);
    snprintf(out, 11, "%04u-%02u-%02u", year, m % 100, d % 100);
}

void sae_date_today(int64_t now_ms, char out[11])
{
    date_of_days((now_ms + WIB_OFFSET_MS) / MS_PER_DAY, out);
}

int sae_date_add_days(const char *date, int64_t days, char out[11])
{
    int64_t from;
    char text[11];
    if (sae_date_to_days(date, &from) != 0)
        return SAE_EINVAL;
    date_of_days(from + days, text);
    if (sae_date_to_days(text, &from) != 0)
        return SAE_ERANGE;
    memcpy(out, text, sizeof text);
    return 0;
}

/* ---- SQL functions ------------------------------------------------------------------- */

static bool integer_arg(sqlite3_value *v, long long *out)
{
    if (sqlite3_value_type(v) != SQLITE_INTEGER)
        return false;
    *out = sqlite3_value_int64(v);
    return true;
}

static void sql_age_band(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    long long age;
    enum sae_age_band band;
    (void)argc;
    if (integer_arg(argv[0], &age) && sae_age_band_of(age, &band) == 0)
        sqlite3_result_text(ctx, sae_age_band_code(band), -1, SQLITE_STATIC);
    else
        sqlite3_result_null(ctx);
}

static void sql_age_group(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    long long age;
    (void)argc;
    if (integer_arg(argv[0], &age) && age >= 0 && age <= SAE_LIMIT_AGE_MAX)
        sqlite3_result_text(ctx, sae_age_group_code(age), -1, SQLITE_STATIC);
    else
        sqlite3_result_null(ctx);
}

static void sql_days_between(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t days;
    (void)argc;
    const char *from = (const char *)sqlite3_value_text(argv[0]);
    const char *to = (const char *)sqlite3_value_text(argv[1]);
    if (from && to && sae_days_between(from, to, &days) == 0)
        sqlite3_result_int64(ctx, days);
    else
        sqlite3_result_null(ctx);
}

int sae_derived_register(sqlite3 *db)
{
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function(db, "sae_age_band", 1, flags, NULL, sql_age_band, NULL,
                                     NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "sae_age_group", 1, flags, NULL, sql_age_group, NULL,
                                     NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "sae_days_between", 2, flags, NULL, sql_days_between,
                                     NULL, NULL);
    return rc == SQLITE_OK ? 0 : SAE_EDB;
}
