/* Monitoring and evaluation on a real hub database filled through merge: which date puts a
 * case in a month, which place gets the credit, consent, linked survivors, every figure
 * against counts known by construction, the facts kept up to date incrementally, and the
 * limits of a period at their edges; the console's kept reports (api/me_cache.h). */
#include "merge_support.h"

#include "api/me_cache.h"
#include "store/duplicates.h"
#include "store/hub_areas.h"
#include "store/me_facts.h"
#include "store/me_stats.h"
#include "store/month_lock.h"

#define R1 "11111111-1111-4111-8111-111111111111"
#define R2 "22222222-2222-4222-8222-222222222222"
#define R3 "33333333-3333-4333-8333-333333333333"
#define R4 "44444444-4444-4444-8444-444444444444"
#define R5 "55555555-5555-4555-8555-555555555555"
#define S1 "aaaaaaaa-0001-4000-8000-000000000001"
#define S2 "aaaaaaaa-0002-4000-8000-000000000002"
#define S3 "aaaaaaaa-0003-4000-8000-000000000003"
#define H1 "bbbbbbbb-0001-4000-8000-000000000001"
#define F1 "cccccccc-0001-4000-8000-000000000001"
enum { A, B, C, D };

/* R1, R2, R4 in Sumberanyar (Paiton), R3 in Kalibuntu; R2 refused to be counted, R4 never
 * said; R5 deleted. */
static void populate(struct hub_fixture *f)
{
    deliver_fields(f, A, R1, "case", (const char *const[]){"status=new", "intake_date=2026-11-20",
        "incident_date=2026-11-18", "victim_sex=F", "victim_age=7", "violence_types/physical=1",
        "violence_types/sexual=1", "consent_statistics=true", NULL});
    deliver_fields(f, A, R2, "case", (const char *const[]){"status=new", "intake_date=2026-11-02",
        "victim_sex=F", "victim_age=34", "violence_types/psychological=1",
        "consent_statistics=false", NULL});
    deliver_fields(f, D, R3, "case", (const char *const[]){"status=new", "intake_date=2026-10-03",
        "victim_sex=M", "victim_age=15", "violence_types/physical=1",
        "consent_statistics=true", NULL});
    deliver_fields(f, A, R4, "case", (const char *const[]){"status=new", "intake_date=2026-11-05",
        "victim_sex=F", "victim_age=30", "violence_types/physical=1", NULL});
    deliver_fields(f, A, R5, "case", (const char *const[]){"status=new", "intake_date=2026-11-06",
        "victim_sex=F", "victim_age=30", "violence_types/physical=1",
        "consent_statistics=true", NULL});
    deliver_fields(f, A, R5, "case", (const char *const[]){SAE_FIELD_TOMBSTONE "=1", NULL});
    deliver_fields(f, A, S1, "service", (const char *const[]){"case_id=" R1,
        "service_type=counselling", "service_date=2026-11-21", NULL});
    deliver_fields(f, A, S2, "service", (const char *const[]){"case_id=" R1,
        "service_type=health_visum", "service_date=2026-11-25", NULL});
    deliver_fields(f, D, S3, "service", (const char *const[]){"case_id=" R3,
        "service_type=health_visum", "service_date=2026-10-13", NULL});
    deliver_fields(f, A, H1, "shelter_stay", (const char *const[]){"case_id=" R1,
        "admission_date=2026-11-22", "discharge_date=2026-11-25", NULL});
    deliver_fields(f, A, F1, "referral", (const char *const[]){"case_id=" R1, "referred_to=uptd_ppa",
        "referral_date=2026-11-22", "referral_status=sent", NULL});
}

static struct me_filter month_filter(const char *month)
{
    struct me_filter filter = {.now_ms = NOW_MS};
    assert_int_equal(me_filter_period(&filter, month, month), 0);
    return filter;
}

static int64_t count_of(const struct me_report *r, const char *figure, const char *key,
                        const char *sub)
{
    const struct me_figure *f = me_report_figure(r, figure);
    assert_non_null(f);
    return me_figure_count(f, key, sub);
}

static void test_month_by_intake_and_consent(void **state)
{
    struct hub_fixture *f = *state;
    struct me_report r;
    populate(f);
    struct me_filter filter = month_filter("2026-11");
    assert_int_equal(me_report_load(f->store, &filter, &r), 0);
    /* R1 counted; R2 (consent false) and R4 (never asked) left out; R5 deleted; R3 is
     * October's. */
    assert_int_equal(r.counted, 1);
    assert_int_equal(r.left_out, 2);
    assert_int_equal(r.linked, 0);
    assert_int_equal(count_of(&r, "cases_by_month", "2026-11", ""), 1);
    assert_int_equal(count_of(&r, "cases_by_type", "physical", ""), 1);
    assert_int_equal(count_of(&r, "cases_by_type", "sexual", ""), 1);
    assert_int_equal(count_of(&r, "cases_by_type", "psychological", ""), 0);
    assert_int_equal(count_of(&r, "cases_by_month_type", "2026-11", "sexual"), 1);
    assert_int_equal(count_of(&r, "cases_by_village", VILLAGE_SUMBERANYAR, ""), 1);
    assert_int_equal(count_of(&r, "cases_by_kecamatan", "35.13.12", ""), 1);
    assert_int_equal(count_of(&r, "victims_by_sex", "F", ""), 1);
    assert_int_equal(count_of(&r, "victims_by_age_band", "6-12", "F"), 1);
    assert_int_equal(count_of(&r, "victims_by_age_group", "child", "F"), 1);
    assert_int_equal(count_of(&r, "rekap", "physical", "F/child"), 1);
    assert_int_equal(count_of(&r, "rekap", "sexual", "F/child"), 1);
    assert_int_equal(count_of(&r, "services_by_spm", "social_rehabilitation", "counselling"), 1);
    assert_int_equal(count_of(&r, "services_by_spm", "health", "health_visum"), 1);
    assert_int_equal(count_of(&r, "shelter_stays", "1-7", ""), 1);
    assert_int_equal(count_of(&r, "shelter_stays", ME_MEDIAN_KEY, ""), 3);
    assert_int_equal(count_of(&r, "referrals", "uptd_ppa", "sent"), 1);
    assert_int_equal(count_of(&r, "days_incident_to_report", ME_MEDIAN_KEY, ""), 2);
    assert_int_equal(count_of(&r, "days_intake_to_first_service", "1-7", ""), 1);
    assert_int_equal(count_of(&r, "days_intake_to_first_service", ME_MEDIAN_KEY, ""), 1);
    const struct me_figure *village = me_report_figure(&r, "cases_by_village");
    assert_string_equal(village->rows[0].label, "Sumberanyar (Paiton)");
    me_report_free(&r);

    /* October: R3 in Kalibuntu, its service ten days after intake, no incident date. */
    filter = month_filter("2026-10");
    assert_int_equal(me_report_load(f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(count_of(&r, "cases_by_village", VILLAGE_KALIBUNTU, ""), 1);
    assert_int_equal(count_of(&r, "victims_by_age_group", "child", "M"), 1);
    assert_int_equal(count_of(&r, "days_incident_to_report", "none", ""), 1);
    assert_int_equal(count_of(&r, "days_intake_to_first_service", "8-30", ""), 1);
    assert_int_equal(count_of(&r, "days_intake_to_first_service", ME_MEDIAN_KEY, ""), 10);
    me_report_free(&r);
}

static void test_area_filters_and_open_period(void **state)
{
    struct hub_fixture *f = *state;
    struct me_report r;
    populate(f);
    struct me_filter filter = {.now_ms = NOW_MS, .kecamatan = "35.13.12"};
    assert_int_equal(me_report_load(f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(count_of(&r, "cases_by_month", "2026-10", ""), 0);
    me_report_free(&r);
    filter = (struct me_filter){.now_ms = NOW_MS, .village = VILLAGE_KALIBUNTU};
    assert_int_equal(me_report_load(f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(count_of(&r, "services_by_spm", "health", "health_visum"), 1);
    assert_int_equal(count_of(&r, "services_by_spm", "social_rehabilitation", "counselling"), 0);
    me_report_free(&r);
    filter = (struct me_filter){.now_ms = NOW_MS};
    assert_int_equal(me_report_load(f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 2);
    assert_int_equal(r.left_out, 2);
    me_report_free(&r);
}

/* A later change reaches the figures: only the reports it touched are read again. */
static void test_facts_follow_changes(void **state)
{
    struct hub_fixture *f = *state;
    struct me_report r;
    int64_t refreshed = -1;
    populate(f);
    assert_int_equal(me_facts_refresh(f->store, &refreshed), 0);
    assert_int_equal(refreshed, 10);
    assert_int_equal(me_facts_refresh(f->store, &refreshed), 0);
    assert_int_equal(refreshed, 0);
    deliver_fields(f, A, R4, "case", (const char *const[]){"consent_statistics=true", NULL});
    assert_int_equal(me_facts_refresh(f->store, &refreshed), 0);
    assert_int_equal(refreshed, 1);
    struct me_filter filter = month_filter("2026-11");
    assert_int_equal(me_report_load(f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 2);
    assert_int_equal(r.left_out, 1);
    assert_int_equal(count_of(&r, "victims_by_age_band", "25-44", "F"), 1);
    me_report_free(&r);
}

/* A locked month keeps its figures; a later edit of one of its cases shows as revisions,
 * the locked count beside the count now. */
static void test_month_lock_and_revisions(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    struct month_lock_info info;
    struct month_revision *revisions = NULL;
    size_t count = 99;
    populate(f);
    /* NOW_MS is in November 2026: November is not over; October is. */
    assert_int_equal(month_lock(f->store, "2026-11", "Koordinator", NOW_MS, &why), SAE_EINVAL);
    assert_int_equal(month_lock(f->store, "2026-1", "Koordinator", NOW_MS, &why), SAE_EINVAL);
    assert_int_equal(month_lock_get(f->store, "2026-10", &info), SAE_ENOTFOUND);
    assert_int_equal(month_lock(f->store, "2026-10", "Koordinator", NOW_MS, &why), 0);
    assert_int_equal(month_lock(f->store, "2026-10", "Lain", NOW_MS, &why), SAE_EEXIST);
    assert_non_null(strstr(why.text, "Koordinator"));
    assert_int_equal(month_lock_get(f->store, "2026-10", &info), 0);
    assert_string_equal(info.locked_by, "Koordinator");
    assert_int_equal(month_revisions(f->store, "2026-10", NOW_MS, &revisions, &count), 0);
    assert_int_equal(count, 0);
    month_revisions_free(revisions, count);
    /* R3 was 15; the post corrects it to 19: a child becomes an adult. */
    deliver_fields(f, D, R3, "case", (const char *const[]){"victim_age=19", NULL});
    assert_int_equal(month_revisions(f->store, "2026-10", NOW_MS, &revisions, &count), 0);
    bool child = false, adult = false;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(revisions[i].figure, "victims_by_age_group") == 0 &&
            strcmp(revisions[i].key, "child") == 0)
            child = revisions[i].locked == 1 && revisions[i].now == 0;
        if (strcmp(revisions[i].figure, "victims_by_age_group") == 0 &&
            strcmp(revisions[i].key, "adult") == 0)
            adult = revisions[i].locked == 0 && revisions[i].now == 1;
        assert_string_not_equal(revisions[i].figure, "totals");
    }
    assert_true(child && adult);
    month_revisions_free(revisions, count);
    assert_int_equal(month_revisions(f->store, "2026-09", NOW_MS, &revisions, &count),
                     SAE_ENOTFOUND);
}

/* A village stored by name before the list, then assigned its code: its cases' credit
 * moves with it although no change arrived. */
static void test_credit_follows_villages_assign(void **state)
{
    struct hub_fixture *f = *state;
    struct me_report r;
    struct me_filter all = {.now_ms = NOW_MS};
    int64_t rows = 0;
    f->devices[C].village = "Desa Lama";
    deliver_fields(f, C, R1, "case", (const char *const[]){"status=new",
        "intake_date=2026-11-20", "victim_sex=F", "victim_age=30", "violence_types/physical=1",
        "consent_statistics=true", NULL});
    assert_int_equal(me_report_load(f->store, &all, &r), 0);
    assert_int_equal(count_of(&r, "cases_by_village", "Desa Lama", ""), 1);
    assert_int_equal(count_of(&r, "cases_by_kecamatan", "", ""), 1);
    me_report_free(&r);
    assert_int_equal(hub_areas_assign(f->store, "Desa Lama", VILLAGE_JABUNGSISIR, &rows), 0);
    assert_int_equal(me_report_load(f->store, &all, &r), 0);
    assert_int_equal(count_of(&r, "cases_by_village", VILLAGE_JABUNGSISIR, ""), 1);
    assert_int_equal(count_of(&r, "cases_by_kecamatan", "35.13.12", ""), 1);
    me_report_free(&r);
}

/* The console's kept reports: a change of what the figures count (a post's change, two
 * cases linked as one survivor, the list of areas) is in the next report asked for. */
static void test_cache_follows_every_change(void **state)
{
    struct hub_fixture *f = *state;
    struct me_cache *cache = NULL;
    struct me_report r;
    struct sae_message why = {{0}};
    int64_t before = 0, after = 0;
    populate(f);
    struct me_filter filter = month_filter("2026-11");
    assert_int_equal(me_cache_create(&cache), 0);
    assert_int_equal(me_cache_load(cache, f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 1);
    me_report_free(&r);
    deliver_fields(f, A, R4, "case", (const char *const[]){"consent_statistics=true", NULL});
    assert_int_equal(me_cache_load(cache, f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 2);
    assert_int_equal(r.linked, 0);
    me_report_free(&r);
    assert_int_equal(dup_decide(f->store, R1, R4, true, "Koordinator", NULL, NOW_MS, &why), 0);
    assert_int_equal(me_cache_load(cache, f->store, &filter, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(r.linked, 1);
    me_report_free(&r);
    assert_int_equal(me_facts_version(f->store, &before), 0);
    assert_int_equal(hub_store_begin(f->store), 0);
    assert_int_equal(me_facts_invalidate(f->store), 0);
    assert_int_equal(hub_store_commit(f->store), 0);
    assert_int_equal(me_facts_version(f->store, &after), 0);
    assert_true(after > before);
    me_cache_destroy(cache);
}

/* While nothing it counts changes, a report asked for again is the one kept, not computed
 * again (a write behind the facts' back shows only in a fresh computation); another period
 * is its own report. */
static void test_cache_keeps_while_nothing_changes(void **state)
{
    struct hub_fixture *f = *state;
    struct me_cache *cache = NULL;
    struct me_report r;
    populate(f);
    struct me_filter november = month_filter("2026-11"), october = month_filter("2026-10");
    assert_int_equal(me_cache_create(&cache), 0);
    assert_int_equal(me_cache_load(cache, f->store, &november, &r), 0);
    assert_int_equal(r.counted, 1);
    me_report_free(&r);
    assert_int_equal(sae_db_exec(f->store->db, "UPDATE me_case SET consent_statistics = 0"), 0);
    assert_int_equal(me_cache_load(cache, f->store, &november, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_ptr_equal(r.filter.kecamatan, november.kecamatan);
    me_report_free(&r);
    assert_int_equal(me_report_load(f->store, &november, &r), 0);
    assert_int_equal(r.counted, 0);
    me_report_free(&r);
    assert_int_equal(me_cache_load(cache, f->store, &october, &r), 0);
    assert_int_equal(r.counted, 0);
    assert_int_equal(r.left_out, 1);
    me_report_free(&r);
    /* ME_CACHE_ENTRIES reports are kept: November (the oldest) gives way to the next. */
    for (int month = 1; month <= ME_CACHE_ENTRIES - 2; month++) {
        char text[8];
        snprintf(text, sizeof text, "2026-%02d", month);
        struct me_filter other = month_filter(text);
        assert_int_equal(me_cache_load(cache, f->store, &other, &r), 0);
        me_report_free(&r);
    }
    assert_int_equal(me_cache_load(cache, f->store, &november, &r), 0);
    assert_int_equal(r.counted, 1);
    me_report_free(&r);
    struct me_filter one_more = month_filter("2025-12");
    assert_int_equal(me_cache_load(cache, f->store, &one_more, &r), 0);
    me_report_free(&r);
    assert_int_equal(me_cache_load(cache, f->store, &november, &r), 0);
    assert_int_equal(r.counted, 0);
    me_report_free(&r);
    me_cache_destroy(cache);
}

/* Every connection maps hub.db (HUB_MMAP_BYTES_TEXT): pages read without a copy each. */
static void test_store_maps_the_database(void **state)
{
    struct hub_fixture *f = *state;
    int64_t mapped = 0;
    assert_int_equal(sae_db_query_int(f->store->db, NULL, "PRAGMA mmap_size", NULL, 0, &mapped),
                     0);
    assert_int_equal(mapped, strtoll(HUB_MMAP_BYTES_TEXT, NULL, 10));
}

static void test_period_limits(void **state)
{
    (void)state;
    struct me_filter filter = {0};
    char month[ME_MONTH_BYTES];
    assert_int_equal(me_month_parse("2026-12", month), 0);
    assert_int_equal(me_month_parse("1900-01", month), 0);
    assert_int_equal(me_month_parse("2100-12", month), 0);
    assert_int_equal(me_month_parse("1899-12", month), SAE_EINVAL);
    assert_int_equal(me_month_parse("2101-01", month), SAE_EINVAL);
    assert_int_equal(me_month_parse("2026-13", month), SAE_EINVAL);
    assert_int_equal(me_month_parse("2026-1", month), SAE_EINVAL);
    assert_int_equal(me_month_parse("2026-11x", month), SAE_EINVAL);
    /* ME_PERIOD_MONTHS_MAX months are one period; one more is refused. */
    assert_int_equal(me_filter_period(&filter, "2017-01", "2026-12"), 0);
    assert_string_equal(filter.to, "2026-12");
    assert_int_equal(me_filter_period(&filter, "2016-12", "2026-12"), SAE_ERANGE);
    assert_int_equal(me_filter_period(&filter, "2026-12", "2026-11"), SAE_ERANGE);
    assert_string_equal(filter.from, "2017-01");
    assert_int_equal(me_filter_period(&filter, "2026-12", NULL), 0);
    assert_string_equal(filter.to, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_month_by_intake_and_consent, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_area_filters_and_open_period, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_facts_follow_changes, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_month_lock_and_revisions, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_credit_follows_villages_assign, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_cache_follows_every_change, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_cache_keeps_while_nothing_changes, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_store_maps_the_database, hub_setup, hub_teardown),
        cmocka_unit_test(test_period_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
