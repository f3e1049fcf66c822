/* How the post's journal finds a report's entries, on real SQLite files in temporary
 * directories: each cached statement planned once, one report's rows read whatever the
 * journal's size (the index of its local number, node migration 17), and a pulled report
 * numbered before its entry names it. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sys/stat.h>

#include "sae/sae_db.h"
#include "store/journal_check.h"
#include "sae/sae_wire.h"
#include "unit_support.h"

/* Adds and edits bind a new field to the same cached statements one field after another: each
 * is planned once (a partial index on field_shown would have SQLite plan them again at every
 * new binding: node_store_open, sae_db_plan_once). */
static void test_writes_plan_each_statement_once(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    unit_add_case(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"status=active", "risk_level=high", NULL}, 2);
    const struct sae_db_cache *cache = &f->store->statements;
    assert_true(cache->count > 0);
    for (size_t i = 0; i < cache->count; i++) {
        int replans = sqlite3_stmt_status(cache->entries[i].stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
        if (replans != 0)
            fail_msg("planned %d more time(s): %.160s", replans, cache->entries[i].sql);
    }
}

/* What SQLite did for one report's add, edits, history, a review and delete: virtual machine steps
 * over every cached statement, a count of rows read (not a time). */
static int64_t steps_for_one_report(struct node_store *store)
{
    const struct sae_db_cache *cache = &store->statements;
    for (size_t i = 0; i < cache->count; i++)
        sqlite3_stmt_status(cache->entries[i].stmt, SQLITE_STMTSTATUS_VM_STEP, 1);
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {0};
    unit_add_case(store, id);
    unit_edit(store, id, (const char *const[]){"status=active", "risk_level=high", NULL}, 2);
    /* The district reviews the status: its first version stands (the shown value is taken
     * from the report's entries again), its edit is the latest. */
    struct unit_history h = unit_history_of(store, id);
    struct sae_version status[2];
    size_t statuses = 0;
    for (size_t i = 0; i < h.count && statuses < 2; i++)
        if (strcmp(h.at[i].field, "status") == 0)
            status[statuses++] = h.at[i].version;
    assert_int_equal(statuses, 2);
    unit_review(store, id, "status", true, status[0], status[1]);
    unit_edit(store, id, (const char *const[]){"risk_level=low", NULL}, 1);
    assert_int_equal(journal_delete(store, id, &why), 0);
    int64_t steps = 0;
    for (size_t i = 0; i < cache->count; i++)
        steps += sqlite3_stmt_status(cache->entries[i].stmt, SQLITE_STMTSTATUS_VM_STEP, 0);
    return steps;
}

/* A report's entries are found through the index of its local number (journal_by_report,
 * node migration 17; the number looked up by the id, journal.h REPORT_NUM): writing and
 * reading one report reads as many rows in a journal of 60 other reports as in one of 10.
 * A statement that named the report's entries in a way no index serves would read the whole
 * journal, 50 more reports' entries: many times the rows of the small journal. */
static void test_one_report_reads_no_more_in_a_larger_journal(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    for (int i = 0; i < 10; i++)
        unit_add_case(f->store, id);
    (void)steps_for_one_report(f->store); /* every statement prepared and planned */
    int64_t small = steps_for_one_report(f->store);
    for (int i = 0; i < 50; i++)
        unit_add_case(f->store, id);
    int64_t large = steps_for_one_report(f->store);
    assert_true(small > 0);
    if (large > small + small / 10)
        fail_msg("%lld steps at 60 reports against %lld at 10", (long long)large,
                 (long long)small);
}

/* A pulled report first seen gets its row, and so its local number, before its entry names
 * it (node migration 17), numbered after the reports already here. A change the post holds
 * already under the same (origin, seq) but sent again under another report's id (only a
 * damaged or hostile answer) is skipped, and the row made for that id goes with it: no
 * report without entries, nothing else changed, check clean. */
static void test_a_pulled_report_is_numbered_and_a_repeat_leaves_no_row(void **state)
{
    struct unit_fixture *f = *state;
    char own[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, own);
    struct sae_change c = {.kind = "case", .field = "status", .value = "active",
                           .version = {UINT64_C(1) << 40, 77}, .seq = 1};
    bool applied = false;
    c.report_id.bytes[0] = 0xab;
    c.report_id.bytes[6] = 0x40; /* a version-4 id, as any post makes */
    c.report_id.bytes[8] = 0x80;
    assert_int_equal(node_store_begin(f->store), 0);
    assert_int_equal(journal_apply_remote(f->store, &c, &applied), 0);
    assert_true(applied);
    assert_int_equal(node_store_commit(f->store), 0);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM report"), 2);
    assert_int_equal(unit_count(f->store, "SELECT num FROM report WHERE first_seq ="
                                          " (SELECT max(seq) FROM journal_entry)"), 2);
    int64_t rows = unit_journal_rows(f->store);
    c.report_id.bytes[1] = 0xcd; /* another report, the same (origin, seq) */
    assert_int_equal(node_store_begin(f->store), 0);
    assert_int_equal(journal_apply_remote(f->store, &c, &applied), 0);
    assert_false(applied);
    assert_int_equal(node_store_commit(f->store), 0);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM report"), 2);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM report WHERE first_seq = 0"), 0);
    assert_int_equal(unit_journal_rows(f->store), rows);
    struct journal_check_result r;
    assert_int_equal(journal_check(f->store, &r), 0);
    assert_int_equal(r.problems, 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077); /* as sae-node does */
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_writes_plan_each_statement_once),
        T(test_one_report_reads_no_more_in_a_larger_journal),
        T(test_a_pulled_report_is_numbered_and_a_repeat_leaves_no_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
