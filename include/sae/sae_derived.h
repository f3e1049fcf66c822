/* Figures derived from a report's fields, computed here and nowhere else, so that every
 * reader (a post's screens, the hub's lists, monitoring counts in SQL through
 * sae_derived_register) says the same: SIMFONI-PPA age bands, child or adult, days between
 * two dates (a shelter stay's length, intake to first service). */
#ifndef SAE_DERIVED_H
#define SAE_DERIVED_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "sae_error.h"
#include "sae_limits.h"

/* SIMFONI-PPA's age bands of a victim, in years. */
enum sae_age_band {
    SAE_AGE_0_5,
    SAE_AGE_6_12,
    SAE_AGE_13_17,
    SAE_AGE_18_24,
    SAE_AGE_25_44,
    SAE_AGE_45_59,
    SAE_AGE_60_PLUS,
};
#define SAE_AGE_BAND_COUNT 7
/* Under this age a person is a child (UU 35/2014 on child protection). */
#define SAE_AGE_ADULT 18

/* The band of age; SAE_ERANGE outside 0..SAE_LIMIT_AGE_MAX, *out untouched. */
int sae_age_band_of(long long age, enum sae_age_band *out);
/* "0-5", "6-12", ..., "60+": the band's code in exports and JSON. */
const char *sae_age_band_code(enum sae_age_band band);
/* "Anak" / "Dewasa" and English: see sae_age_group_code. */
bool sae_age_is_child(long long age);
/* "child" or "adult". */
const char *sae_age_group_code(long long age);

/* Days since 1970-01-01 of a canonical date "YYYY-MM-DD"; SAE_EINVAL when it is not one. */
int sae_date_to_days(const char *date, int64_t *out);
/* to - from in days (negative when to is earlier); SAE_EINVAL for a date that is not one. */
int sae_days_between(const char *from, const char *to, int64_t *out);
/* Today's date in UTC+7 (WIB, where Probolinggo is) from a time in ms since the epoch, as
 * "YYYY-MM-DD"; a stay still open is counted up to it. */
void sae_date_today(int64_t now_ms, char out[11]);
/* The date days after date (before it when negative); SAE_EINVAL for a date that is not
 * one, SAE_ERANGE when the result cannot be written YYYY-MM-DD. out untouched then. */
int sae_date_add_days(const char *date, int64_t days, char out[11]);

/* Registers on db the SQL functions sae_age_band(age) -> text or NULL, sae_age_group(age)
 * -> 'child'/'adult' or NULL, sae_days_between(from, to) -> integer or NULL (NULL whenever
 * an argument is NULL or not valid), all deterministic. */
int sae_derived_register(sqlite3 *db);

#endif
