/* Erasing a report's sensitive values at the hub on a real hub.db (hub/store/erasure.c):
 * every sealed copy of the report goes, its sensitive values in change become the marker
 * while its other fields and other reports stay, its name-index rows and name hash go, the
 * audit keeps who, which and why (never a value), the append-only trigger still refuses any
 * other update afterwards, and a bad reason or an unknown report changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "merge_support.h"
#include "store/dup_name.h"
#include "store/dup_pairs.h"
#include "store/erasure.h"
#include "store/sealed_values.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define R9 "99999999-9999-4999-8999-999999999999"

static void put_copies(struct hub_fixture *f, const char *report)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR IGNORE INTO sealed_value(change, holder, sealed) SELECT seq, h.holder, x'01'"
             " FROM change, (SELECT 0 AS holder UNION SELECT 41) h WHERE report_id = '%s'"
             " AND field IN ('victim_name', 'narrative')", report);
    assert_int_equal(sqlite3_exec(f->store->db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO name_index(token, report_id) VALUES (randomblob(32), '%s');"
             "INSERT OR REPLACE INTO dup_name(case_id, name_hash) VALUES ('%s', randomblob(32))",
             report, report);
    assert_int_equal(sqlite3_exec(f->store->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void two_cases(struct hub_fixture *f)
{
    deliver_fields(f, 0, R1, "case", (const char *const[]){"status=new", "victim_sex=F",
        "victim_name=Siti Rahmawati", "narrative=Cerita", NULL});
    deliver_fields(f, 0, R1, "case", (const char *const[]){"victim_name=Siti R.", NULL});
    deliver_fields(f, 0, R2, "case", (const char *const[]){"status=new",
        "victim_name=Dewi", NULL});
    put_copies(f, R1);
    put_copies(f, R2);
}

static int64_t count(struct hub_fixture *f, const char *sql_format, const char *report)
{
    char sql[512];
    snprintf(sql, sizeof sql, sql_format, report);
    return hub_count(f, sql);
}

static void test_erase(void **state)
{
    struct hub_fixture *f = *state;
    two_cases(f);
    int64_t r2_copies = count(f, "SELECT count(*) FROM sealed_value WHERE change IN"
                                 " (SELECT seq FROM change WHERE report_id = '%s')", R2);
    struct erasure_request request = {R1, "Koordinator Sari", "permintaan korban, surat 12/2026",
                                      "cli", NOW_MS};
    struct erasure_result result = {0};
    struct sae_message why = {{0}};
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), 0);
    assert_int_equal(result.copies, 6); /* two names and a narrative, two holders each */
    assert_int_equal(result.values, 3);
    assert_true(result.seq > 0);
    assert_int_equal(count(f, "SELECT count(*) FROM sealed_value WHERE change IN"
                              " (SELECT seq FROM change WHERE report_id = '%s')", R1), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM sealed_value WHERE change IN"
                              " (SELECT seq FROM change WHERE report_id = '%s')", R2),
                     r2_copies);
    assert_int_equal(count(f, "SELECT count(*) FROM change WHERE report_id = '%s'"
                              " AND field IN ('victim_name', 'narrative')"
                              " AND value != '" ERASURE_MARKER "'", R1), 0);
    assert_winner(f, R1, "status", "new");
    assert_winner(f, R1, "victim_sex", "F");
    assert_winner(f, R1, "victim_name", ERASURE_MARKER);
    assert_winner(f, R2, "victim_name", "Dewi");
    assert_int_equal(count(f, "SELECT count(*) FROM name_index WHERE report_id = '%s'", R1), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM name_index WHERE report_id = '%s'", R2), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM dup_name WHERE case_id = '%s'", R1), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM dup_name WHERE case_id = '%s'", R2), 1);
    /* The names' hashes made at ingest go too, or the next refresh would bring them back. */
    assert_int_equal(count(f, "SELECT count(*) FROM dup_change_name WHERE change IN"
                              " (SELECT seq FROM change WHERE report_id = '%s')", R1), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM dup_change_name WHERE change IN"
                              " (SELECT seq FROM change WHERE report_id = '%s')", R2), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM erased_report WHERE report_id = '%s'"
                              " AND erased_by = 'Koordinator Sari'", R1), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM audit WHERE action = 'report-erase'"
                                  " AND actor = 'Koordinator Sari' AND target = '" R1
                                  ": permintaan korban, surat 12/2026'"), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM audit WHERE instr(target, 'Siti') > 0"),
                     0);
    bool erased = false;
    int64_t at = 0;
    assert_int_equal(erasure_last(f->store, R1, &erased, &at), 0);
    assert_true(erased);
    assert_int_equal(at, NOW_MS);
    assert_int_equal(erasure_last(f->store, R2, &erased, &at), 0);
    assert_false(erased);
    /* The trigger is back: any other rewrite of a change still aborts. */
    assert_int_not_equal(sqlite3_exec(f->store->db, "UPDATE change SET value = 'x' WHERE"
                                                    " report_id = '" R2 "'",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    /* Erasing again: allowed, nothing left to replace. */
    request.now_ms = NOW_MS + 1;
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), 0);
    assert_int_equal(result.copies, 0);
    assert_int_equal(result.values, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM erased_report WHERE report_id = '%s'", R1), 2);
}

/* A case erased and then changed again (a post's later edit of another field) is refreshed
 * in the possible duplicates: the marker is no name, so no hash comes back (every erased
 * case would otherwise share one "name"). */
static void test_erased_name_hashes_nothing_later(void **state)
{
    struct hub_fixture *f = *state;
    static const uint8_t key[DUP_KEY_BYTES] = {7};
    two_cases(f);
    assert_int_equal(dup_refresh(f->store, key), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM dup_name WHERE case_id = '%s'", R1), 1);
    struct erasure_request request = {R1, "Sari", "permintaan korban", "cli", NOW_MS};
    struct erasure_result result = {0};
    assert_int_equal(erasure_erase(f->store, &request, &result, NULL), 0);
    deliver_fields(f, 0, R1, "case", (const char *const[]){"risk_level=high", NULL});
    assert_int_equal(dup_refresh(f->store, key), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM dup_name WHERE case_id = '%s'", R1), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM dup_name WHERE case_id = '%s'", R2), 1);
}

static void test_refusals_change_nothing(void **state)
{
    struct hub_fixture *f = *state;
    two_cases(f);
    char *before = state_fingerprint(f);
    int64_t copies = hub_count(f, "SELECT count(*) FROM sealed_value");
    char longest[ERASURE_REASON_MAX_BYTES + 2];
    memset(longest, 'a', sizeof longest);
    longest[sizeof longest - 1] = '\0'; /* one byte over */
    static const char *const bad[] = {"", "baris satu\nbaris dua", "\xff\xfe", "tab\there"};
    struct erasure_result result = {0};
    struct sae_message why = {{0}};
    struct erasure_request request = {R1, "Sari", longest, "cli", NOW_MS};
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "150"));
    for (size_t i = 0; i < COUNT(bad); i++) {
        request.reason = bad[i];
        assert_int_equal(erasure_erase(f->store, &request, &result, &why), SAE_EINVAL);
    }
    request.reason = NULL;
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), SAE_EINVAL);
    request.reason = "alasan";
    request.report_id = R9;
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), SAE_ENOTFOUND);
    assert_non_null(strstr(why.text, R9));
    request.report_id = "3f2a910c";
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), SAE_EINVAL);
    char *after = state_fingerprint(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM sealed_value"), copies);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM erased_report"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM audit WHERE action = 'report-erase'"), 0);
    /* The reason at its longest is taken. */
    longest[ERASURE_REASON_MAX_BYTES] = '\0';
    request.report_id = R1;
    request.reason = longest;
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), 0);
}

#define R3 "c1d2e3f4-0a1b-4c2d-9e3f-4a5b6c7d8e9f" /* in Kalibuntu, device D's village */

static void erase_now(struct hub_fixture *f, const char *report)
{
    struct erasure_request request = {report, "Koordinator Sari", "permintaan korban", "cli",
                                      NOW_MS};
    struct erasure_result result = {0};
    struct sae_message why = {{0}};
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), 0);
}

static struct erasure_page page_upto(struct hub_fixture *f, const char *village,
                                     uint64_t cursor, uint64_t upto_change, struct sae_id *ids,
                                     size_t max, int expect)
{
    struct erasure_page page = {.ids = ids, .max = max};
    assert_int_equal(sae_db_begin_read(f->store->db), 0);
    assert_int_equal(erasure_after(f->store, village, cursor, upto_change, &page), expect);
    assert_int_equal(sae_db_commit(f->store->db), 0);
    return page;
}

static struct erasure_page page_after(struct hub_fixture *f, const char *village,
                                      uint64_t cursor, struct sae_id *ids, size_t max,
                                      int expect)
{
    return page_upto(f, village, cursor, INT64_MAX, ids, max, expect);
}

static int64_t newest_change(struct hub_fixture *f)
{
    return hub_count(f, "SELECT max(seq) FROM change");
}

/* Each erasure keeps the newest change position at its making; it is told only to a post
 * holding the changes up to it; the first pending one's mark bounds the changes a pull may
 * send; and a push from before an erasure (a lower cursor) finds it pending. */
static void test_marks_order_erasures_among_changes(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_id ids[2], r2;
    bool pending = true, erased = false;
    uint64_t mark = 0;
    two_cases(f);
    assert_int_equal(erasure_next_mark(f->store, VILLAGE_SUMBERANYAR, 0, &pending, &mark), 0);
    assert_false(pending);
    erase_now(f, R2);
    const int64_t first_mark = newest_change(f);
    deliver_fields(f, 0, R1, "case", (const char *const[]){"victim_name=Sesudah", NULL});
    erase_now(f, R1);
    assert_true(newest_change(f) > first_mark);
    assert_int_equal(hub_count(f, "SELECT change_mark FROM erased_report WHERE seq = 2"),
                     newest_change(f));
    assert_int_equal(erasure_next_mark(f->store, VILLAGE_SUMBERANYAR, 0, &pending, &mark), 0);
    assert_true(pending);
    assert_int_equal(mark, first_mark);
    assert_int_equal(erasure_next_mark(f->store, VILLAGE_SUMBERANYAR, 1, &pending, &mark), 0);
    assert_int_equal(mark, newest_change(f));
    /* A post holding changes up to the first mark is told the first erasure only. */
    struct erasure_page cut = page_upto(f, VILLAGE_SUMBERANYAR, 0, (uint64_t)first_mark, ids,
                                        2, 0);
    assert_int_equal(cut.count, 1);
    assert_int_equal(sae_id_parse(R2, &r2), 0);
    assert_memory_equal(&ids[0], &r2, sizeof r2);
    assert_true(cut.more);
    assert_int_equal(cut.next_cursor, 1);
    struct erasure_page none = page_upto(f, VILLAGE_SUMBERANYAR, 0, (uint64_t)first_mark - 1,
                                         ids, 2, 0);
    assert_int_equal(none.count, 0);
    assert_true(none.more);
    assert_int_equal(none.next_cursor, 0);
    /* Pushes: from cursor 1, R1's erasure (seq 2) is pending, R2's is not; from 2, none. */
    assert_int_equal(erasure_pending_for(f->store, R1, 1, &erased), 0);
    assert_true(erased);
    assert_int_equal(erasure_pending_for(f->store, R2, 1, &erased), 0);
    assert_false(erased);
    assert_int_equal(erasure_pending_for(f->store, R1, 2, &erased), 0);
    assert_false(erased);
}

static void test_erasures_told_by_village_in_order(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_id ids[2], r1, r2;
    two_cases(f);
    deliver_fields(f, 3, R3, "case", (const char *const[]){"status=new", "victim_name=Ani",
                                                           NULL});
    struct erasure_page none = page_after(f, VILLAGE_SUMBERANYAR, 0, ids, 2, 0);
    assert_int_equal(none.count, 0);
    assert_false(none.more);
    assert_int_equal(none.next_cursor, 0);
    erase_now(f, R2);
    erase_now(f, R3); /* another village's: passed over, never told here */
    erase_now(f, R1);
    assert_int_equal(sae_id_parse(R1, &r1), 0);
    assert_int_equal(sae_id_parse(R2, &r2), 0);
    /* One at a time: R2, then R1, then none; the cursor passes the other village's row. */
    struct erasure_page first = page_after(f, VILLAGE_SUMBERANYAR, 0, ids, 1, 0);
    assert_int_equal(first.count, 1);
    assert_memory_equal(&ids[0], &r2, sizeof r2);
    assert_true(first.more);
    struct erasure_page second = page_after(f, VILLAGE_SUMBERANYAR, first.next_cursor, ids, 1, 0);
    assert_int_equal(second.count, 1);
    assert_memory_equal(&ids[0], &r1, sizeof r1);
    assert_false(second.more);
    assert_int_equal(second.next_cursor, 3);
    struct erasure_page after = page_after(f, VILLAGE_SUMBERANYAR, 3, ids, 1, 0);
    assert_int_equal(after.count, 0);
    assert_int_equal(after.next_cursor, 3);
    /* Both at once; and a cursor the hub never issued. */
    struct erasure_page both = page_after(f, VILLAGE_SUMBERANYAR, 0, ids, 2, 0);
    assert_int_equal(both.count, 2);
    assert_false(both.more);
    page_after(f, VILLAGE_SUMBERANYAR, 4, ids, 2, SAE_EINVAL);
    /* Kalibuntu is told of its own only, and skips the rest once caught up. */
    struct erasure_page other = page_after(f, VILLAGE_KALIBUNTU, 0, ids, 2, 0);
    assert_int_equal(other.count, 1);
    assert_int_equal(other.next_cursor, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_erase, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_erased_name_hashes_nothing_later, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_erasures_told_by_village_in_order, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_marks_order_erasures_among_changes, hub_setup,
                                        hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
