/* Re-dating own changes written under a wrong clock (node/restamp.c), on real journal files:
 * what is re-dated and what is not, order and grouping, bases, the state, the clock, held
 * changes set aside by the hub, and a second pass that finds nothing left to do. The clock
 * offset and the hub's verdicts are written into the journal as a sync would record them. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/journal_check.h"
#include "store/journal.h"
#include "store/restamp.h"
#include "store/sync_state.h"
#include "sae/sae_wire.h"
#include "unit_support.h"

#define YEAR_MS (365LL * 24 * 3600 * 1000)

/* As a sync that measured the hub's clock offset_ms away from ours would leave the journal:
 * the offset stored, and every entry so far marked as written under the old correction. */
static void measured_offset(struct node_store *store, int64_t offset_ms)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE meta SET value = %lld WHERE key = 'clock_offset_ms';"
             "UPDATE meta SET value = (SELECT max(seq) + 1 FROM journal)"
             " WHERE key = 'restamp_below_seq';",
             (long long)offset_ms);
    assert_int_equal(unit_sql(store, sql), SQLITE_OK);
}

static size_t restamp(struct node_store *store)
{
    size_t count = 99;
    assert_int_equal(restamp_pending(store, &count), 0);
    return count;
}

static void assert_check_ok(struct node_store *store)
{
    struct journal_check_result r;
    assert_int_equal(journal_check(store, &r), 0);
    if (r.problems)
        print_error("check: %s\n", r.first_problem);
    assert_int_equal(r.problems, 0);
}

static int64_t count_of(struct node_store *store, const char *sql)
{
    return unit_count(store, sql);
}

/* The tests below write a pulled change or another process's edit by SQL: the state is in
 * the field's row of field_shown (migration 15), whose shown values follow it, as
 * journal_refresh_shown keeps them (no reviews here). */
#define STATE_OF(where)                                                                       \
    "INSERT OR REPLACE INTO field_shown_row(report_num, field, value, version, origin,"       \
    " under_review, seq) SELECT report_num, field, NULL, version, origin, 0, seq"             \
    " FROM journal_entry WHERE " where
#define SHOWN_AS_STATE                                                                        \
    ";UPDATE field_shown_row SET value = (SELECT " JOURNAL_SHOWN_VALUE("j")                   \
    " FROM journal_entry j WHERE j.seq = field_shown_row.seq)"

/* A correct clock: nothing to do, nothing written. */
static void test_nothing_to_redate(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    int64_t rows = unit_journal_rows(f->store);
    assert_int_equal(restamp(f->store), 0);
    assert_int_equal(unit_journal_rows(f->store), rows);
}

/* This computer a year ahead of the hub: every pending entry is written again, a year
 * earlier, in order; one command's entries keep sharing one version; an edit's base names
 * the new version of what it edited; the state follows the new entries; the clock comes
 * back; check passes. */
static void test_pending_redated_in_order(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"status=active", "risk_level=high", NULL}, 2);
    unit_edit(f->store, id,
              (const char *const[]){"status=closed", "closure_reason=services_completed", NULL},
              2);
    int64_t before = unit_journal_rows(f->store);
    measured_offset(f->store, -YEAR_MS);
    assert_int_equal(restamp(f->store), (size_t)before);
    assert_int_equal(unit_journal_rows(f->store), 2 * before);
    /* Each new entry re-dates the old one of the same position, a year earlier. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM journal n JOIN journal o ON o.seq = n.restamp_of"
             " WHERE n.field = o.field AND n.value IS o.value AND n.seq = o.seq + %lld"
             " AND (o.version >> 16) - (n.version >> 16) BETWEEN 364 * 86400000"
             " AND 366 * 86400000", (long long)before);
    assert_int_equal(count_of(f->store, sql), before);
    /* Versions rise with seq; one command, one version. */
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal a, journal b"
                                        " WHERE a.restamp_of IS NOT NULL AND b.restamp_of"
                                        " IS NOT NULL AND a.seq < b.seq AND a.version > b.version"),
                     0);
    assert_int_equal(count_of(f->store, "SELECT count(DISTINCT version) FROM journal"
                                        " WHERE restamp_of IS NOT NULL"), 3);
    /* Bases point at new versions only. */
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal n WHERE restamp_of IS NOT"
                                        " NULL AND base_version <> 0 AND NOT EXISTS (SELECT 1"
                                        " FROM journal b WHERE b.restamp_of IS NOT NULL"
                                        " AND b.version = n.base_version AND b.field = n.field)"),
                     0);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM report_field f JOIN journal j"
                                        " ON j.seq = f.seq WHERE j.restamp_of IS NULL"), 0);
    assert_int_equal(count_of(f->store, "SELECT value = (SELECT max(version) FROM journal"
                                        " WHERE restamp_of IS NOT NULL) FROM meta"
                                        " WHERE key = 'clock'"), 1);
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    for (size_t i = 0; i < report->value_count; i++)
        if (strcmp(report->values[i].field->name, "status") == 0)
            assert_string_equal(report->values[i].value, "closed");
    report_free(report);
    assert_check_ok(f->store);
    /* Done once: a second pass finds nothing, and new edits are dated by the corrected
     * clock, after the re-dated ones. */
    assert_int_equal(restamp(f->store), 0);
    unit_edit(f->store, id, (const char *const[]){"status=referred", NULL}, 1);
    assert_int_equal(count_of(f->store, "SELECT (SELECT version FROM journal ORDER BY seq DESC"
                                        " LIMIT 1) > (SELECT max(version) FROM journal"
                                        " WHERE restamp_of IS NOT NULL)"), 1);
    assert_int_equal(count_of(f->store, "SELECT (SELECT version >> 16 FROM journal ORDER BY"
                                        " seq DESC LIMIT 1) < (SELECT max(version >> 16) - "
                                        "300 * 86400000 FROM journal)"), 1);
    assert_check_ok(f->store);
}

/* Changes the hub acknowledged are not re-dated, except those it holds for their date (set
 * aside as CLOCK_AHEAD): those are, and leave the set-aside list. */
static void test_only_held_acknowledged_changes_are_redated(void **state)
{
    struct unit_fixture *f = *state;
    char first[SAE_ID_TEXT_LEN + 1], second[SAE_ID_TEXT_LEN + 1];
    char sql[256];
    unit_add_case(f->store, first);
    int64_t first_rows = unit_journal_rows(f->store);
    unit_add_case(f->store, second);
    int64_t rows = unit_journal_rows(f->store);
    snprintf(sql, sizeof sql,
             "UPDATE meta SET value = %lld WHERE key = 'acked_seq';"
             "INSERT INTO set_aside(seq, code, message, at_ms) SELECT seq, %d, 'held', 0"
             " FROM journal WHERE seq > %lld;",
             (long long)rows, SAE_STATUS_CLOCK_AHEAD, (long long)first_rows);
    assert_int_equal(unit_sql(f->store, sql), SQLITE_OK);
    measured_offset(f->store, -YEAR_MS);
    assert_int_equal(restamp(f->store), (size_t)(rows - first_rows));
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM set_aside"), 0);
    assert_int_equal(count_of(f->store, "SELECT min(restamp_of) FROM journal"), first_rows + 1);
    int64_t pending = 0;
    assert_int_equal(report_pending_count(f->store, rows, &pending), 0);
    assert_int_equal(pending, rows - first_rows);
    assert_check_ok(f->store);
}

/* A clock a year behind: pending entries written before the offset was known are re-dated
 * forward; a pulled change of another post is never touched. */
static void test_behind_clock_redates_forward(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    assert_int_equal(unit_sql(f->store, "INSERT INTO journal_entry(report_num, kind, field,"
                                        " value, version, origin, base_version, base_origin,"
                                        " origin_seq) SELECT report_num, kind, 'risk_level',"
                                        " 'low', version + 1, 77, 0, 0, 1 FROM journal_entry"
                                        " WHERE seq = 1"),
                     SQLITE_OK);
    assert_int_equal(unit_sql(f->store, STATE_OF("origin = 77") SHOWN_AS_STATE),
                     SQLITE_OK);
    int64_t own = count_of(f->store, "SELECT count(*) FROM journal WHERE origin <> 77");
    measured_offset(f->store, YEAR_MS);
    assert_int_equal(restamp(f->store), (size_t)own);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal WHERE origin = 77"), 1);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal n JOIN journal o"
                                        " ON o.seq = n.restamp_of WHERE (n.version >> 16) -"
                                        " (o.version >> 16) BETWEEN 364 * 86400000"
                                        " AND 366 * 86400000"), own);
    assert_check_ok(f->store);
}

/* An edit written between the sync's measurement and its re-dating (another sae-node
 * process) names the old version of an entry re-dated since: it is re-dated too, its base
 * naming the new version, so the hub sees it build on what it has. */
static void test_edit_on_a_redated_entry_is_rebased(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    measured_offset(f->store, -YEAR_MS);
    size_t first = restamp(f->store);
    assert_true(first > 0);
    assert_int_equal(unit_sql(f->store,
                              "INSERT INTO journal_entry(report_num, kind, field, value, version,"
                              " origin, base_version, base_origin) SELECT report_num, kind,"
                              " field, 'active', (SELECT max(version) + 1 FROM journal), origin,"
                              " version, origin FROM journal_entry WHERE field = 'status'"
                              " AND restamp_of IS NULL;"
                              "UPDATE field_shown_row SET version = (SELECT"
                              " max(version) FROM journal), seq = (SELECT max(seq) FROM"
                              " journal) WHERE field = 'status'" SHOWN_AS_STATE),
                     SQLITE_OK);
    assert_check_ok(f->store);
    assert_int_equal(restamp(f->store), 1);
    assert_int_equal(count_of(f->store, "SELECT n.base_version = (SELECT version FROM journal"
                                        " WHERE field = 'status' AND restamp_of IS NOT NULL"
                                        " AND value = 'new') FROM journal n"
                                        " ORDER BY seq DESC LIMIT 1"), 1);
    assert_int_equal(restamp(f->store), 0);
    assert_check_ok(f->store);
}

/* A change of another post dated a day ahead (the hub accepts up to a day): this post's
 * clock follows it, so its next entries are dated after it. Following a version received
 * is no error of this computer's clock: nothing is re-dated. */
static void remote_change_ahead(struct node_store *store, char id[SAE_ID_TEXT_LEN + 1])
{
    char sql[1024];
    unit_add_case(store, id);
    snprintf(sql, sizeof sql,
             "INSERT INTO journal_entry(report_num, kind, field, value, version, origin,"
             " base_version, base_origin, origin_seq) SELECT report_num, kind, 'risk_level', 'low',"
             " ((%lld + 86400000) << 16), 77, 0, 0, 1 FROM journal_entry WHERE seq = 1;"
             STATE_OF("origin = 77") ";"
             "UPDATE meta SET value = (SELECT max(seq) FROM journal) WHERE key = 'acked_seq'"
             SHOWN_AS_STATE,
             (long long)sae_wall_clock_ms());
    assert_int_equal(unit_sql(store, sql), SQLITE_OK);
}

static void test_following_a_version_ahead_is_not_redated(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    remote_change_ahead(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"status=active", NULL}, 1);
    assert_int_equal(count_of(f->store, "SELECT (SELECT version FROM journal ORDER BY seq DESC"
                                        " LIMIT 1) > (SELECT version FROM journal"
                                        " WHERE origin = 77)"), 1);
    assert_int_equal(restamp(f->store), 0);
    assert_check_ok(f->store);
}

/* When the offset changes, an entry dated right after a version received ahead is re-dated
 * after that version again: the new version must still differ from the old one, or the
 * change could never be sent (supersedes == hlc is refused on the wire). */
static void test_redated_version_never_equals_the_old_one(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    remote_change_ahead(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"status=active", NULL}, 1);
    measured_offset(f->store, 0);
    assert_int_equal(restamp(f->store), 1);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal n JOIN journal o"
                                        " ON o.seq = n.restamp_of WHERE n.version = o.version"),
                     0);
    assert_check_ok(f->store);
}

/* The hub measures this computer's clock a day ahead, then a day behind, back and forth:
 * each swing re-dates the pending entries (and those dated past the new ceiling) to a time
 * the clock visited before. A new version must name one change only: were it to equal an
 * older one of the same report, a base naming it would lead back and forth between the two
 * (a cycle the re-dating refuses as a damaged journal, which it once did after ten swings). */
#define CLOCK_SWINGS 24

static void test_clock_swinging_back_and_forth(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    static const char *const statuses[] = {"status=active", "status=referred"};
    char sql[1024];
    unit_add_case(f->store, id);
    /* Another post's change a minute ahead: re-dated entries come after it, their time the
     * same at every swing back. */
    snprintf(sql, sizeof sql,
             "INSERT INTO journal_entry(report_num, kind, field, value, version, origin,"
             " base_version, base_origin, origin_seq) SELECT report_num, kind, 'risk_level', 'low',"
             " ((%lld + 60000) << 16), 77, 0, 0, 1 FROM journal_entry WHERE seq = 1;"
             STATE_OF("origin = 77") SHOWN_AS_STATE,
             (long long)sae_wall_clock_ms());
    assert_int_equal(unit_sql(f->store, sql), SQLITE_OK);
    for (int swing = 0; swing < CLOCK_SWINGS; swing++) {
        size_t count = 0;
        unit_edit(f->store, id, (const char *const[]){statuses[swing % 2], NULL}, 1);
        assert_int_equal(node_store_begin(f->store), 0);
        assert_int_equal(sync_state_observe_hub_clock(f->store, 1, swing % 2 ? 86400000
                                                                              : -86400000),
                         0);
        assert_int_equal(node_store_commit(f->store), 0);
        assert_int_equal(restamp_pending(f->store, &count), 0);
        assert_true(count > 0);
        assert_check_ok(f->store);
    }
    /* No two own entries of the report share a version but one command's fields. */
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal a JOIN journal b"
                                        " ON a.report_id = b.report_id AND a.field = b.field"
                                        " AND a.version = b.version AND a.origin = b.origin"
                                        " AND a.seq < b.seq"), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_nothing_to_redate),
        T(test_pending_redated_in_order),
        T(test_only_held_acknowledged_changes_are_redated),
        T(test_behind_clock_redates_forward),
        T(test_edit_on_a_redated_entry_is_rebased),
        T(test_following_a_version_ahead_is_not_redated),
        T(test_redated_version_never_equals_the_old_one),
        T(test_clock_swinging_back_and_forth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
