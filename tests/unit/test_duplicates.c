/* Possible duplicates on a real hub database filled through merge: the key file, names
 * normalised and compared only through keyed hashes, the block (kecamatan, sex, age within
 * a year, intake within 60 days) at its edges, the grades with and without names,
 * decisions never proposed again, links counted once in monitoring, the list's bound, and
 * the pairs prepared by the console's thread. */
#include "merge_support.h"

#include <sys/stat.h>

#include "api/dup_prepare.h"
#include "store/duplicates.h"
#include "sae/sae_derived.h"
#include "store/me_facts.h"
#include "store/me_stats.h"

#define K1 "10000000-0000-4000-8000-000000000001"
#define K2 "20000000-0000-4000-8000-000000000002"
#define K3 "30000000-0000-4000-8000-000000000003"
#define K4 "40000000-0000-4000-8000-000000000004"
#define K5 "50000000-0000-4000-8000-000000000005"
#define K6 "60000000-0000-4000-8000-000000000006"
enum { A, B, C, D };

static const uint8_t test_key[DUP_KEY_BYTES] = {1, 2, 3};

/* A consented case of a woman of age, intake on intake, with name (NULL: none). */
static void add_case(struct hub_fixture *f, int device, const char *id, const char *age,
                     const char *intake, const char *name, const char *incident)
{
    char a[32], i[32], n[128], d[32];
    snprintf(a, sizeof a, "victim_age=%s", age);
    snprintf(i, sizeof i, "intake_date=%s", intake);
    snprintf(n, sizeof n, "victim_name=%s", name ? name : "");
    snprintf(d, sizeof d, "incident_date=%s", incident ? incident : "");
    const char *fields[] = {"status=new", "victim_sex=F", "violence_types/physical=1",
                            "consent_statistics=true", a, i, name ? n : NULL,
                            incident ? d : NULL, NULL};
    if (!name) {
        fields[6] = incident ? d : NULL;
        fields[7] = NULL;
    }
    deliver_fields(f, device, id, "case", fields);
}

struct seen {
    struct dup_pair pairs[16];
    size_t count;
};

static int collect(const struct dup_pair *pair, void *context)
{
    struct seen *s = context;
    assert_true(s->count < 16);
    s->pairs[s->count++] = *pair;
    return 0;
}

static struct seen list(struct hub_fixture *f, bool names, struct dup_totals *totals)
{
    struct seen s = {0};
    assert_int_equal(dup_list(f->store, test_key, names, DUP_LIST_MAX, collect, &s, totals), 0);
    return s;
}

static const struct dup_pair *find(const struct seen *s, const char *a, const char *b)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->pairs[i].a.id, a) == 0 && strcmp(s->pairs[i].b.id, b) == 0)
            return &s->pairs[i];
    return NULL;
}

static void test_normalise(void **state)
{
    (void)state;
    char out[DUP_NAME_BYTES], longest[DUP_NAME_BYTES + 1];
    assert_int_equal(dup_name_normalise("Ibu  SITI-Aminah", out), 0);
    assert_string_equal(out, "siti aminah");
    assert_int_equal(dup_name_normalise("Hj. Siti Aminah ", out), 0);
    assert_string_equal(out, "siti aminah");
    assert_int_equal(dup_name_normalise("Sdri. Ayu", out), 0);
    assert_string_equal(out, "ayu");
    assert_int_equal(dup_name_normalise("Bu", out), 0);
    assert_string_equal(out, "");
    assert_int_equal(dup_name_normalise("Dewi Ṣalihah", out), 0);
    assert_string_equal(out, "dewi Ṣalihah"); /* other scripts as typed */
    memset(longest, 'a', DUP_NAME_BYTES - 1);
    longest[DUP_NAME_BYTES - 1] = '\0';
    assert_int_equal(dup_name_normalise(longest, out), 0);
    longest[DUP_NAME_BYTES - 1] = 'a';
    longest[DUP_NAME_BYTES] = '\0';
    assert_int_equal(dup_name_normalise(longest, out), SAE_ETOOBIG);
}

static void test_key_file(void **state)
{
    struct hub_fixture *f = *state;
    uint8_t key[DUP_KEY_BYTES], again[DUP_KEY_BYTES];
    char path[192];
    struct stat st;
    assert_int_equal(dup_key_load(f->dir, key), 0);
    snprintf(path, sizeof path, "%s/%s", f->dir, DUP_KEY_FILE);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(dup_key_load(f->dir, again), 0);
    assert_memory_equal(key, again, sizeof key);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(dup_key_load(f->dir, again), SAE_EPERM);
    unlink(path);
}

/* K1 and K2: one village, the same name written two ways, a week apart. K3: a village of
 * the same kecamatan, a year older, 60 days after K1 (the edge). K4: K3's village, 61 days
 * after K1. K5: two years older than K1. K6: Kalibuntu, another kecamatan. */
static void populate(struct hub_fixture *f)
{
    f->devices[C].village = VILLAGE_JABUNGSISIR;
    add_case(f, A, K1, "30", "2026-09-01", "Ibu Siti Aminah", "2026-08-30");
    add_case(f, B, K2, "30", "2026-08-25", "SITI  AMINAH", NULL);
    add_case(f, C, K3, "31", "2026-10-31", "Ayu", NULL);
    add_case(f, C, K4, "30", "2026-11-01", NULL, NULL);
    add_case(f, A, K5, "32", "2026-08-20", NULL, NULL);
    add_case(f, D, K6, "30", "2026-09-01", NULL, NULL);
}

static void test_block_and_grades(void **state)
{
    struct hub_fixture *f = *state;
    struct dup_totals totals;
    populate(f);
    struct seen plain = list(f, false, &totals);
    /* K1-K2, K1-K3 (60 days, a year apart), K3-K4; never K1-K4 (61 days), K5 (two years),
     * K6 (another kecamatan). */
    assert_int_equal(plain.count, 3);
    assert_non_null(find(&plain, K1, K2));
    assert_non_null(find(&plain, K1, K3));
    assert_non_null(find(&plain, K3, K4));
    assert_null(find(&plain, K1, K4));
    /* Without names: same village and age, intake 7 days apart: medium; no name signal. */
    const struct dup_pair *p = find(&plain, K1, K2);
    assert_int_equal(p->grade, DUP_GRADE_MEDIUM);
    assert_int_equal(p->signals & (DUP_NAME_SAME | DUP_NAME_DIFFERENT), 0);
    assert_string_equal(p->a.village, VILLAGE_SUMBERANYAR);
    assert_int_equal(find(&plain, K1, K3)->grade, DUP_GRADE_LOW);
    assert_int_equal(find(&plain, K3, K4)->grade, DUP_GRADE_MEDIUM);
    assert_int_equal(totals.medium, 2);
    assert_int_equal(totals.low, 1);
    /* With names: the same name written two ways is high and listed first; different
     * names are low. */
    struct seen named = list(f, true, &totals);
    assert_string_equal(named.pairs[0].a.id, K1);
    assert_int_equal(named.pairs[0].grade, DUP_GRADE_HIGH);
    assert_true(named.pairs[0].signals & DUP_NAME_SAME);
    assert_int_equal(find(&named, K1, K3)->grade, DUP_GRADE_LOW);
    assert_true(find(&named, K1, K3)->signals & DUP_NAME_DIFFERENT);
    assert_int_equal(totals.high, 1);
    /* Never the plain name in the duplicates' tables. */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM dup_name WHERE instr(name_hash,"
                                  " CAST('iti' AS BLOB)) > 0"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM dup_name"), 3);
}

static void test_decisions_and_counting_once(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    struct dup_totals totals;
    struct me_report r;
    struct me_filter all = {.now_ms = NOW_MS};
    char survivor[SAE_ID_TEXT_LEN + 1];
    populate(f);
    list(f, false, NULL);
    assert_int_equal(dup_decide(f->store, K2, K1, true, "Koordinator", NULL, NOW_MS, &why), 0);
    assert_int_equal(dup_decide(f->store, K3, K4, false, "Koordinator", "beda orang",
                                NOW_MS, &why), 0);
    struct seen after = list(f, false, &totals);
    assert_null(find(&after, K1, K2));
    assert_null(find(&after, K3, K4));
    assert_int_equal(totals.decided, 2);
    /* A later change to a decided case does not bring its pair back. */
    deliver_fields(f, B, K2, "case", (const char *const[]){"risk_level=high", NULL});
    after = list(f, false, NULL);
    assert_null(find(&after, K1, K2));
    assert_null(find(&after, K3, K4));
    /* Decided already: refused with who decided; a case with itself; not a case. */
    assert_int_equal(dup_decide(f->store, K1, K2, false, "Lain", "x", NOW_MS, &why), SAE_EEXIST);
    assert_non_null(strstr(why.text, "Koordinator"));
    assert_int_equal(dup_decide(f->store, K1, K1, true, "Lain", NULL, NOW_MS, &why), SAE_EINVAL);
    /* The survivor counted is the earliest intake (K2's); the linked case once. */
    assert_int_equal(dup_survivor_of(f->store, K1, survivor), 0);
    assert_string_equal(survivor, K2);
    assert_int_equal(me_report_load(f->store, &all, &r), 0);
    assert_int_equal(r.counted, 5);
    assert_int_equal(r.linked, 1);
    me_report_free(&r);
    /* Linked through a third case: K1-K3 linked too, so K2 and K3 are one survivor:
     * distinct for them is refused; the group counts once. */
    assert_non_null(find(&after, K1, K3));
    assert_int_equal(dup_decide(f->store, K1, K3, true, "Koordinator", NULL, NOW_MS, &why), 0);
    after = list(f, false, NULL);
    assert_null(find(&after, K1, K3));
    assert_int_equal(dup_decide(f->store, K2, K3, false, "Lain", "x", NOW_MS, &why), SAE_EINVAL);
    assert_int_equal(dup_survivor_of(f->store, K3, survivor), 0);
    assert_string_equal(survivor, K2); /* the earliest intake of the three */
    assert_int_equal(me_report_load(f->store, &all, &r), 0);
    assert_int_equal(r.counted, 4);
    assert_int_equal(r.linked, 2);
    me_report_free(&r);
}

/* Totals count each grade up to DUP_COUNT_MAX: one more pair stored than that still
 * counts DUP_COUNT_MAX, one fewer counts exactly. */
static void test_totals_capped(void **state)
{
    struct hub_fixture *f = *state;
    struct dup_totals totals;
    char sql[256];
    list(f, true, &totals); /* the key and cursors in place */
    snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
             " WHERE i < %d) INSERT INTO dup_pair SELECT printf('a%%06d', i), printf('b%%06d', i),"
             " 0, 1, 1 FROM n", DUP_COUNT_MAX + 1);
    assert_int_equal(sqlite3_exec(f->store->db, sql, NULL, NULL, NULL), SQLITE_OK);
    list(f, true, &totals);
    assert_int_equal(totals.low, DUP_COUNT_MAX);
    assert_int_equal(sqlite3_exec(f->store->db, "DELETE FROM dup_pair WHERE a IN ('a000001',"
                                  " 'a000002')", NULL, NULL, NULL), SQLITE_OK);
    list(f, true, &totals);
    assert_int_equal(totals.low, DUP_COUNT_MAX - 1);
    assert_int_equal(totals.high, 0);
}

/* One more case than a write transaction refreshes: the pair that crosses the chunks'
 * boundary (the 1000th and 1001st ids) is found once, the facts of every case are there. */
static void test_refresh_across_chunks(void **state)
{
    struct hub_fixture *f = *state;
    struct dup_totals totals;
    char id[SAE_ID_TEXT_LEN + 1], intake[32];
    const size_t n = DUP_REFRESH_CHUNK + 1;
    assert_int_equal(ME_FACTS_CHUNK, DUP_REFRESH_CHUNK);
    for (size_t i = 0; i < n; i++) {
        /* 61 days apart: no two cases pair, but the last two share a day. */
        int64_t day = 0;
        char date[11];
        assert_int_equal(sae_date_to_days("1900-01-01", &day), 0);
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
        assert_int_equal(sae_date_add_days("1900-01-01", 61 * (int64_t)(i < n - 1 ? i : i - 1),
                                           date), 0);
        snprintf(intake, sizeof intake, "intake_date=%s", date);
        deliver_fields(f, A, id, "case", (const char *const[]){"status=new", "victim_sex=F",
            "victim_age=30", "violence_types/physical=1", intake, NULL});
    }
    struct seen s = list(f, false, &totals);
    assert_int_equal(s.count, 1);
    assert_int_equal(totals.medium + totals.high + totals.low, 1);
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", n - 2);
    assert_string_equal(s.pairs[0].a.id, id);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM me_case"), (int64_t)n);
    /* An edit of the last case alone drops and finds its pair again, once. */
    deliver_fields(f, A, s.pairs[0].b.id, "case", (const char *const[]){"risk_level=high",
        NULL});
    s = list(f, false, &totals);
    assert_int_equal(s.count, 1);
}

static bool stop_now(void *context)
{
    (void)context;
    return true;
}

/* The console's thread builds the pairs by itself (no page asks); a refresh told to stop
 * ends before its first chunk, writing no pair and leaving the cursor for the next one. */
static void test_prepared_in_the_background(void **state)
{
    struct hub_fixture *f = *state;
    struct dup_prepare *p = NULL;
    populate(f);
    assert_int_equal(dup_refresh_until(f->store, test_key, stop_now, NULL), SAE_EBUSY);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM dup_pair"), 0);
    assert_int_equal(hub_count(f, "SELECT value FROM meta WHERE key = 'dup_cursor'"), 0);
    assert_int_equal(dup_prepare_start(f->path, f->dir, 1000, &p), 0);
    assert_true(dup_prepare_ready(p, 120000));
    assert_int_equal(hub_count(f, "SELECT count(*) FROM dup_pair"), 3);
    assert_true(hub_count(f, "SELECT value FROM meta WHERE key = 'dup_cursor'") > 0);
    dup_prepare_stop(p);
}

static void test_list_bound(void **state)
{
    struct hub_fixture *f = *state;
    struct seen s = {0};
    populate(f);
    assert_int_equal(dup_list(f->store, test_key, false, 0, collect, &s, NULL), SAE_ERANGE);
    assert_int_equal(dup_list(f->store, test_key, false, DUP_LIST_MAX + 1, collect, &s, NULL),
                     SAE_ERANGE);
    assert_int_equal(dup_list(f->store, test_key, false, 1, collect, &s, NULL), 0);
    assert_int_equal(s.count, 1);
    /* Another key (the file made again) computes every hash again: names still match. */
    static const uint8_t other_key[DUP_KEY_BYTES] = {9};
    s.count = 0;
    assert_int_equal(dup_list(f->store, other_key, true, DUP_LIST_MAX, collect, &s, NULL), 0);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.pairs[0].grade, DUP_GRADE_HIGH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test_setup_teardown(test_key_file, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_block_and_grades, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_decisions_and_counting_once, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_list_bound, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_prepared_in_the_background, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_across_chunks, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_totals_capped, hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
