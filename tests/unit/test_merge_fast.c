/* Ingest's fast ways (issue 14) keep the merge rules: cached statements keep their plans
 * (ingest binds a new report and field to the same statements for every change of every
 * batch, and a statement SQLite plans again at each binding cost most of ingest's
 * instructions); a report a batch stores first skips reading its fields' state, which must
 * not leak to the other reports of the batch; the WAL is copied into hub.db only at
 * HUB_WAL_CHECKPOINT_PAGES; a report's summary, refreshed in one pass, stays what its
 * definition says; whatever short way a batch took, recomputing every field the general way
 * afterwards changes no row. Real hub database, real batches through merge_apply_batch. */
#include "merge_support.h"

#include <sys/stat.h>

#include "merge/merge_field.h"
#include "merge/merge_rows.h"
#include "merge/merge_summary.h"
#include "store/hub_summary.h"

enum { A, B, C };

#define DAY_MS INT64_C(86400000)

#define CASE_1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define CASE_2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define REFERRAL "5b1e0c44-9d3a-4f6e-8c21-7a0d9e3f1b26"
#define CASE_3 "c7d1e2f3-0a4b-4c5d-9e6f-1a2b3c4d5e6f"
#define SERVICE "d2e3f4a5-1b2c-4d3e-8f4a-5b6c7d8e9f0a"
#define STAY "e3f4a5b6-2c3d-4e4f-9a5b-6c7d8e9f0a1b"

/* Every statement of the store's cache that has run at all ran without being planned
 * again. */
static void assert_no_replanning(struct hub_fixture *f)
{
    const struct sae_db_cache *cache = &f->store->statements;
    assert_true(cache->count > 0);
    for (size_t i = 0; i < cache->count; i++) {
        sqlite3_stmt *stmt = cache->entries[i].stmt;
        int replans = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
        if (replans != 0)
            fail_msg("planned %d more time(s): %.160s", replans, cache->entries[i].sql);
    }
}

static void test_batches_of_many_fields_plan_each_statement_once(void **state)
{
    struct hub_fixture *f = *state;
    deliver_fields(f, 0, CASE_1, "case",
                   (const char *const[]){"status=new", "victim_sex=F", "consent_share=true",
                                         "victim_name=Siti", "intake_date=2026-11-20", NULL});
    deliver_fields(f, 1, CASE_2, "case",
                   (const char *const[]){"status=new", "victim_sex=M", "violence_type=sexual",
                                         NULL});
    /* case_id: the field the partial index change_by_case_id is restricted to. */
    deliver_fields(f, 0, REFERRAL, "referral",
                   (const char *const[]){"case_id=" CASE_1, "referred_to=uptd_ppa",
                                         "referral_date=2026-11-02", NULL});
    deliver_fields(f, 0, CASE_1, "case",
                   (const char *const[]){"status=active", "victim_name=Siti Rahma", NULL});
    deliver_fields(f, 1, CASE_2, "case", (const char *const[]){"status=closed", NULL});
    assert_winner(f, CASE_1, "status", "active");
    assert_winner(f, CASE_2, "status", "closed");
    assert_no_replanning(f);
}

static int64_t open_conflicts(struct hub_fixture *f, const char *field)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflict WHERE status = 'open'"
             " AND field = '%s'", field);
    return hub_count(f, sql);
}

/* B's batch creates CASE_2 and, between its changes, edits CASE_1's status without having
 * seen A's: the new report's fields win at once, CASE_1's edit is concurrent all the same. */
static void test_a_new_report_in_the_batch_leaves_the_others_merged_in_full(void **state)
{
    struct hub_fixture *f = *state;
    const struct test_change by_a[] = {{A, CASE_1, "case", "status", "new", MS(0), -1, 0, 0},
                                       {A, CASE_1, "case", "risk_level", "low", MS(0), -1, 0, 0}};
    assert_int_equal(deliver(f, by_a, COUNT(by_a)).applied, 2);
    const struct test_change by_b[] = {
        {B, CASE_2, "case", "status", "new", MS(1000), -1, 0, 0},
        {B, CASE_1, "case", "status", "active", MS(1000), -1, 0, 0},
        {B, CASE_2, "case", "victim_sex", "F", MS(1000), -1, 0, 0},
        {B, CASE_1, "case", "risk_level", "high", MS(1000), A, MS(0), 2},
        {B, CASE_2, "case", "risk_level", "high", MS(1000), -1, 0, 0},
    };
    assert_int_equal(deliver(f, by_b, COUNT(by_b)).applied, COUNT(by_b));
    assert_int_equal(open_conflicts(f, "status"), 1);
    assert_int_equal(open_conflicts(f, "risk_level"), 0);
    assert_winner(f, CASE_1, "risk_level", "high");
    assert_winner(f, CASE_2, "status", "new");
    assert_winner(f, CASE_2, "victim_sex", "F");
    assert_winner(f, CASE_2, "risk_level", "high");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM field_state WHERE report_id = '"
                                  CASE_2 "' AND heads = 1"), 3);
    /* A new report's field with a base the hub never had is not a clean first value. */
    const struct test_change based[] = {
        {C, REFERRAL, "referral", "referral_date", "2026-11-02", MS(2000), A, MS(500), 7}};
    deliver(f, based, 1);
    assert_winner(f, REFERRAL, "referral_date", "2026-11-02");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict"), 1);
}

/* Rows of report_summary that the summary's definition (HUB_SUMMARY_SELECT_SQL, as migration
 * 6 filled the table) would not give, and rows it would give that the table has not. */
static int64_t summaries_unlike_their_definition(struct hub_fixture *f)
{
    return hub_count(f, "SELECT (SELECT count(*) FROM (SELECT * FROM report_summary EXCEPT "
                     HUB_SUMMARY_SELECT_SQL ")) + (SELECT count(*) FROM (" HUB_SUMMARY_SELECT_SQL
                     " EXCEPT SELECT * FROM report_summary))");
}

/* The merge refreshes a report's summary in one pass over its winners (merge_summary.c):
 * every column must stay what the definition says, through a set's elements added and
 * unset, the old single violence type, every kind's date and status, a case reference, a
 * delete, a conflict, and a batch that moves no winner. */
static void test_summaries_refreshed_in_one_pass_match_their_definition(void **state)
{
    struct hub_fixture *f = *state;
    deliver_fields(f, 0, CASE_1, "case",
                   (const char *const[]){"status=new", "intake_date=2026-11-20",
                                         "risk_level=high", "violence_types/physical=1",
                                         "violence_types/sexual=1", NULL});
    deliver_fields(f, 1, CASE_2, "case",
                   (const char *const[]){"status=new", "violence_type=sexual", NULL});
    deliver_fields(f, 0, REFERRAL, "referral",
                   (const char *const[]){"case_id=" CASE_1, "referred_to=uptd_ppa",
                                         "referral_date=2026-11-02", NULL});
    deliver_fields(f, 0, SERVICE, "service",
                   (const char *const[]){"case_id=" CASE_1, "service_date=2026-11-21", NULL});
    deliver_fields(f, 0, STAY, "shelter_stay",
                   (const char *const[]){"case_id=" CASE_1, "admission_date=2026-11-22", NULL});
    deliver_fields(f, 2, CASE_3, "case", (const char *const[]){"status=new", NULL});
    assert_int_equal(summaries_unlike_their_definition(f), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM report_summary WHERE report_id = '"
                                  CASE_2 "' AND violence = ',sexual,'"), 1);
    /* One element unset; CASE_2's single type given a set; CASE_3 deleted. */
    const struct test_change unset[] = {
        {A, CASE_1, "case", "violence_types/sexual", NULL, MS(100000), -1, 0, 0},
        {A, CASE_1, "case", "status", "active", MS(100000), -1, 0, 0}};
    deliver(f, unset, COUNT(unset));
    deliver_fields(f, 1, CASE_2, "case", (const char *const[]){"violence_types/neglect=1", NULL});
    const struct test_change del[] = {
        {C, CASE_3, "case", SAE_FIELD_TOMBSTONE, "1", MS(200000), -1, 0, 0}};
    deliver(f, del, COUNT(del));
    assert_int_equal(summaries_unlike_their_definition(f), 0);
    assert_int_equal(hub_count(f, "SELECT deleted FROM report_summary WHERE report_id = '"
                                  CASE_3 "'"), 1);
    /* Concurrent statuses of one case: a conflict, the winner chosen by the policy. */
    const struct test_change concurrent[] = {
        {B, CASE_1, "case", "status", "closed", MS(150000), -1, 0, 0}};
    deliver(f, concurrent, COUNT(concurrent));
    /* A change that loses moves no winner: the summary stays as it was. */
    const struct test_change stale[] = {
        {B, REFERRAL, "referral", "referral_status", "sent", MS(50), -1, 0, 0}};
    deliver(f, stale, COUNT(stale));
    assert_int_equal(summaries_unlike_their_definition(f), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM report_summary"),
                     hub_count(f, "SELECT count(*) FROM report"));
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open'"), 1);
}

/* Every row of every table of hub.db, table by table in name order, each in its key's order:
 * what two states of the hub must share to be the same. Malloc'd. */
static char *every_row(struct hub_fixture *f)
{
    sqlite3_stmt *tables = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(sqlite3_prepare_v2(f->store->db, "SELECT name FROM sqlite_master"
                                        " WHERE type = 'table' ORDER BY name", -1, &tables,
                                        NULL), SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[160];
        sqlite3_stmt *rows = NULL;
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", sqlite3_column_text(tables, 0));
        assert_int_equal(sqlite3_prepare_v2(f->store->db, sql, -1, &rows, NULL), SQLITE_OK);
        fprintf(out, "%s\n", sqlite3_column_text(tables, 0));
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                const unsigned char *v = sqlite3_column_text(rows, c);
                fprintf(out, "|%s", v ? (const char *)v : "NULL");
            }
            fputc('\n', out);
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    assert_int_equal(fclose(out), 0);
    return text;
}

/* Fails naming the first line (table name or row) where two every_row texts part. */
static void assert_same_rows(const char *before, const char *after)
{
    size_t line = 0, i = 0;
    for (; before[i] && before[i] == after[i]; i++)
        if (before[i] == '\n')
            line = i + 1;
    if (before[i] != after[i])
        fail_msg("the general recompute changed a row; before: \"%.200s\", after: \"%.200s\"",
                 before + line, after + line);
}

/* The general path over what the hub holds: every field of every report recomputed from its
 * changes alone (heads, winner, conflict, review log), its tombstone too, then every
 * summary, in one write transaction. */
static void recompute_everything(struct hub_fixture *f)
{
    static const char fields_sql[] =
        "SELECT c.report_no, r.id, c.field FROM change c JOIN report r ON r.no = c.report_no"
        " UNION SELECT no, id, '" SAE_FIELD_TOMBSTONE "' FROM report ORDER BY 1, 3";
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(hub_store_begin(f->store), 0);
    assert_int_equal(sqlite3_prepare_v2(f->store->db, fields_sql, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        assert_int_equal(merge_state_recompute(f->store, sqlite3_column_int64(stmt, 0),
                                               (const char *)sqlite3_column_text(stmt, 1),
                                               (const char *)sqlite3_column_text(stmt, 2), NOW_MS),
                         0);
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(f->store->db, "SELECT no, id FROM report", -1, &stmt,
                                        NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        assert_int_equal(merge_summary_refresh(f->store, sqlite3_column_int64(stmt, 0),
                                               (const char *)sqlite3_column_text(stmt, 1)),
                         0);
    sqlite3_finalize(stmt);
    assert_int_equal(hub_store_commit(f->store), 0);
}

/* Each report's number (report.no) is given in the order reports were first stored, its
 * first_change is the seq its first change took, and every change row and winner carries the
 * number of the report its id names. */
static void assert_report_numbers_hold(struct hub_fixture *f)
{
    assert_int_equal(hub_count(f, "SELECT count(*) FROM report r WHERE r.first_change IS NOT"
                                  " (SELECT min(seq) FROM change c WHERE c.report_id = r.id)"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM report a JOIN report b ON a.no < b.no"
                                  " WHERE a.first_change >= b.first_change"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change c LEFT JOIN report r"
                                  " ON r.no = c.report_no WHERE r.id IS NOT c.report_id"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM field_winner w JOIN change c"
                                  " ON c.seq = w.change WHERE c.report_no <> w.report_no"), 0);
}

/* What the batches' short ways wrote (a report the batch stored first: its fields' winners
 * without reading them, no tombstone check; a field one change moved on from its winner) is
 * exactly what the general recompute derives from the same changes: recomputing every field
 * and summary afterwards changes no row of any table. The batches mix what an initial sync
 * sends (new reports of every kind, sets, a delete, a change held for its date) with what
 * takes the general path (concurrent edits, a report a batch names twice apart, an edit
 * of a deleted report by a post that had not seen the delete). */
static void test_the_short_ways_leave_what_the_general_recompute_derives(void **state)
{
    struct hub_fixture *f = *state;
    const struct test_change initial[] = {
        {A, CASE_1, "case", "status", "new", MS(0), -1, 0, 0},
        {A, CASE_1, "case", "intake_date", "2026-11-20", MS(0), -1, 0, 0},
        {A, CASE_1, "case", "risk_level", "medium", MS(0), -1, 0, 0},
        {A, CASE_1, "case", "victim_name", "Siti Rahma", MS(0), -1, 0, 0},
        {A, CASE_1, "case", "violence_types/physical", "1", MS(0), -1, 0, 0},
        {A, CASE_1, "case", "violence_types/sexual", "1", MS(0), -1, 0, 0},
        {A, REFERRAL, "referral", "case_id", CASE_1, MS(0), -1, 0, 0},
        {A, REFERRAL, "referral", "referral_date", "2026-11-21", MS(0), -1, 0, 0},
        {A, CASE_3, "case", "status", "new", MS(0), -1, 0, 0},
        {A, CASE_3, "case", SAE_FIELD_TOMBSTONE, "1", MS(10), -1, 0, 0},
        {A, SERVICE, "service", "service_date", "2026-11-22", MS(0), -1, 0, 0},
        /* Dated two days past the hub's clock: held, a clock conflict of a new report. */
        {A, STAY, "shelter_stay", "admission_date", "2026-11-23", MS(2 * DAY_MS), -1, 0, 0},
    };
    assert_int_equal(deliver(f, initial, COUNT(initial)).applied, COUNT(initial) - 1);
    const struct test_change by_b[] = {
        {B, CASE_2, "case", "status", "new", MS(1000), -1, 0, 0},
        {B, CASE_1, "case", "status", "active", MS(1000), -1, 0, 0},
        {B, CASE_1, "case", "risk_level", "medium", MS(1000), -1, 0, 0},
        {B, CASE_2, "case", "victim_sex", "F", MS(1000), -1, 0, 0},
        {B, CASE_2, "case", "risk_level", "high", MS(1000), -1, 0, 0},
    };
    assert_int_equal(deliver(f, by_b, COUNT(by_b)).applied, COUNT(by_b));
    const struct test_change by_c[] = {
        {C, REFERRAL, "referral", "referral_status", "sent", MS(2000), A, MS(0), 0},
        {C, CASE_2, "case", SAE_FIELD_TOMBSTONE, "1", MS(2000), -1, 0, 0},
    };
    assert_int_equal(deliver(f, by_c, COUNT(by_c)).applied, COUNT(by_c));
    const struct test_change late_edit[] = {
        {B, CASE_2, "case", "victim_sex", "M", MS(3000), B, MS(1000), 0},
    };
    assert_int_equal(deliver(f, late_edit, COUNT(late_edit)).applied, 1);
    /* The merge took every kind of way: winners, a delete conflict, a clock conflict, a
     * concurrent status; the equal risk levels settled by the hub. */
    assert_int_equal(open_conflicts(f, "status"), 1);
    assert_int_equal(open_conflicts(f, SAE_FIELD_TOMBSTONE), 1);
    assert_int_equal(open_conflicts(f, "admission_date"), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE field = 'risk_level'"
                                  " AND status = 'resolved'"), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM report_summary"), 6);
    assert_int_equal(summaries_unlike_their_definition(f), 0);
    assert_report_numbers_hold(f);
    char *merged = every_row(f);
    recompute_everything(f);
    char *recomputed = every_row(f);
    assert_same_rows(merged, recomputed);
    free(merged);
    free(recomputed);
}

#define WAL_FRAME_BYTES (4096 + 24)
#define PAGES_PER_WRITE 100

/* Frames the WAL file has room for: it grows until a checkpoint has copied it all, then the
 * next write starts again from its first frame. */
static int64_t wal_frames(struct hub_fixture *f)
{
    char wal[sizeof f->path + 8];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_equal(stat(wal, &st), 0);
    return ((int64_t)st.st_size - 32) / WAL_FRAME_BYTES;
}

/* One transaction of PAGES_PER_WRITE rows of a page each (and a few interior pages). */
static void write_pages(struct hub_fixture *f, int64_t *written)
{
    assert_int_equal(sae_db_exec(f->store->db,
                                 "BEGIN IMMEDIATE;"
                                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                                 " WHERE i < 100) INSERT INTO scratch SELECT randomblob(3500)"
                                 " FROM n; COMMIT"), 0);
    *written += PAGES_PER_WRITE;
}

static void test_the_wal_is_copied_at_its_limit(void **state)
{
    struct hub_fixture *f = *state;
    _Static_assert(PAGES_PER_WRITE * 10 < HUB_WAL_CHECKPOINT_PAGES, "several writes a WAL");
    assert_int_equal(sae_db_exec(f->store->db, "CREATE TABLE scratch(b BLOB) STRICT"), 0);
    assert_int_equal(sqlite3_wal_checkpoint_v2(f->store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                               NULL, NULL), SQLITE_OK);
    int64_t written = 0;
    while (written + PAGES_PER_WRITE < HUB_WAL_CHECKPOINT_PAGES - PAGES_PER_WRITE)
        write_pages(f, &written);
    /* Below the limit nothing was copied: every frame written is still in the WAL. */
    assert_true(wal_frames(f) >= written);
    while (written < 2 * HUB_WAL_CHECKPOINT_PAGES)
        write_pages(f, &written);
    /* Past it, a commit copied the WAL and the writes began again at its start. */
    assert_true(wal_frames(f) < HUB_WAL_CHECKPOINT_PAGES + 2 * PAGES_PER_WRITE);
}

/* A touched field's report id and name are copied whole into the item or refused: at the
 * item's length they are kept, one byte over is SAE_EINVAL with the list as it was (a cut
 * name would recompute another field). */
static void test_a_touched_name_is_kept_whole_at_its_limit_and_refused_past_it(void **state)
{
    (void)state;
    char id[SAE_ID_TEXT_LEN + 2], field[SAE_WIRE_NAME_BYTES + 2];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    memset(field, 'f', sizeof field - 1);
    field[sizeof field - 1] = '\0';
    struct touched t = {0};
    id[SAE_ID_TEXT_LEN] = '\0';
    field[SAE_WIRE_NAME_BYTES] = '\0';
    assert_int_equal(merge_touched_add_change(&t, 7, id, field, 9, (struct sae_version){1, 2},
                                              true), 0);
    assert_int_equal(t.count, 1);
    assert_string_equal(t.items[0].report_id, id);
    assert_string_equal(t.items[0].field, field);
    assert_int_equal(t.items[0].report_no, 7);
    field[SAE_WIRE_NAME_BYTES] = 'f';
    assert_int_equal(merge_touched_add(&t, id, field), SAE_EINVAL);
    field[SAE_WIRE_NAME_BYTES] = '\0';
    id[SAE_ID_TEXT_LEN] = 'a';
    assert_int_equal(merge_touched_add(&t, id, field), SAE_EINVAL);
    assert_int_equal(t.count, 1);
    assert_string_equal(t.items[0].field, field);
    free(t.items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_touched_name_is_kept_whole_at_its_limit_and_refused_past_it),
        cmocka_unit_test_setup_teardown(test_batches_of_many_fields_plan_each_statement_once,
                                        hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_new_report_in_the_batch_leaves_the_others_merged_in_full, hub_setup,
            hub_teardown),
        cmocka_unit_test_setup_teardown(test_the_wal_is_copied_at_its_limit, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(
            test_summaries_refreshed_in_one_pass_match_their_definition, hub_setup,
            hub_teardown),
        cmocka_unit_test_setup_teardown(
            test_the_short_ways_leave_what_the_general_recompute_derives, hub_setup,
            hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
