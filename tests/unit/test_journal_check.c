/* `sae-node check` on real journals: a healthy one passes, and each kind of damage done
 * behind the program's back with plain SQL is found and named. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/journal.h"
#include "store/journal_check.h"
#include "sae/sae_wire.h"
#include "unit_support.h"

/* A journal with every kind, an edit, an unset and a delete. */
static void populate(struct node_store *store)
{
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1], x[SAE_ID_TEXT_LEN + 1], ref[48];
    struct sae_message why = {{0}};
    size_t applied = 0;
    unit_add_case(store, a);
    unit_add_case(store, b);
    assert_int_equal(unit_try_edit(store, a, "case",
                                   (const char *const[]){"status=active", "victim_age=8",
                                                         "narrative=Baris satu\nBaris dua", NULL},
                                   &applied, &why), 0);
    snprintf(ref, sizeof ref, "case_id=%s", a);
    unit_add(store, "service",
             (const char *const[]){ref, "service_type=counselling", "service_date=2026-11-02",
                                   NULL},
             x);
    unit_add(store, "referral",
             (const char *const[]){ref, "referred_to=uptd_ppa", "referral_date=2026-11-03", NULL},
             x);
    assert_int_equal(journal_delete(store, b, &why), 0);
}

static int setup(void **state)
{
    unit_setup(state);
    populate(((struct unit_fixture *)*state)->store);
    return 0;
}

static struct journal_check_result check(struct node_store *store)
{
    struct journal_check_result r;
    memset(&r, 0x5a, sizeof r);
    assert_int_equal(journal_check(store, &r), 0);
    return r;
}

static void expect_clean(struct node_store *store)
{
    struct journal_check_result r = check(store);
    if (r.problems != 0)
        print_error("unexpected problem: %s\n", r.first_problem);
    assert_int_equal(r.problems, 0);
    assert_string_equal(r.first_problem, "");
    assert_int_equal(r.changes_checked, unit_journal_rows(store));
    assert_int_equal(r.reports_checked, unit_count(store, "SELECT count(*) FROM report"));
}

static void test_healthy_journal_passes(void **state)
{
    struct unit_fixture *f = *state;
    expect_clean(f->store);
    assert_true(unit_journal_rows(f->store) > 15);
    /* The check ends its read transaction: writing afterwards works. */
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    expect_clean(f->store);
}

static void test_empty_journal_passes(void **state)
{
    struct unit_fixture *f = *state;
    expect_clean(f->store);
    assert_int_equal(check(f->store).changes_checked, 0);
}

/* The trigger keeps the journal append-only even for plain SQL. */
static void test_journal_rows_cannot_change(void **state)
{
    struct unit_fixture *f = *state;
    int64_t rows = unit_journal_rows(f->store);
    int rc = unit_sql(f->store, "UPDATE journal_entry SET value = 'closed'"
                                " WHERE field = 'status'");
    assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);
    rc = unit_sql(f->store, "DELETE FROM journal_entry WHERE seq = 1");
    assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);
    /* The view that names reports by id (node migration 17) cannot be written at all. */
    assert_int_not_equal(unit_sql(f->store, "UPDATE journal SET value = 'closed'"), SQLITE_OK);
    assert_int_not_equal(unit_sql(f->store, "DELETE FROM journal"), SQLITE_OK);
    assert_int_equal(unit_journal_rows(f->store), rows);
    expect_clean(f->store);
}

#define FIRST_CASE "(SELECT id FROM report WHERE kind = 'case' ORDER BY first_seq LIMIT 1)"
/* Its local number, which the tables name it by (node migration 17). */
#define FIRST_NUM "(SELECT num FROM report WHERE kind = 'case' ORDER BY first_seq LIMIT 1)"
/* A journal row for the first case that loses to the current value (version 1), so only
 * the value itself can be wrong. */
#define OLD_CHANGE(field, value)                                                             \
    "INSERT INTO journal_entry(report_num, kind, field, value, version, origin, base_version," \
    " base_origin) VALUES (" FIRST_NUM ", 'case', '" field "', " value ", 1, 0, 0, 0)"

struct tampering {
    const char *what;
    const char *sql;
    int64_t problems; /* exact count, or 0 for "at least one" */
    const char *first; /* a phrase the first problem must contain */
};

static const struct tampering tamperings[] = {
    {"a current value pointing at another entry (the state keeps its entry's seq alone)",
     "UPDATE field_shown_row SET seq = (SELECT max(seq) FROM journal_entry WHERE report_num = "
     FIRST_NUM " AND field <> 'status') WHERE field = 'status' AND report_num = " FIRST_NUM,
     0, "current state"},
    {"a report row deleted", "DELETE FROM report WHERE id = " FIRST_CASE, 0,
     "missing from the current state"},
    {"all current values of a report deleted",
     "DELETE FROM field_shown_row WHERE report_num = " FIRST_NUM, 0,
     "missing from the current state"},
    {"a current value with no journal entry",
     "INSERT INTO field_shown_row VALUES (" FIRST_NUM ", 'victim_name', NULL, 1, 0, 0, 1, NULL,"
     " NULL)", 0,
     "not implied by the journal"},
    {"a shown value edited in place",
     "UPDATE field_shown_row SET value = 'closed' WHERE field = 'status' AND report_num = "
     FIRST_NUM,
     2, "shown values"},
    {"a shown sealed value referring to another entry",
     "UPDATE field_shown_row SET value = 'sealed:#1' WHERE field = 'narrative' AND report_num = "
     FIRST_NUM, 2, "shown values"},
    /* The state and the shown value share a row (migration 15): a shown version apart from
     * the state's, the state's kept beside it, with no review to stand for. */
    {"a shown version that is not the state's, with no review",
     "UPDATE field_shown_row SET version = version - 1, state_version = version, state_origin ="
     " origin WHERE field = 'status' AND report_num = " FIRST_NUM, 2, "shown values"},
    {"a report with no journal entry",
     "INSERT INTO report(id, kind, first_seq) VALUES ('abcdef01-0000-4000-8000-000000000001',"
     " 'case', 9999)", 0,
     "no journal entries"},
    {"an int that is not a number", OLD_CHANGE("victim_age", "'abc'"), 1,
     "value of victim_age is not valid"},
    {"an int out of range", OLD_CHANGE("victim_age", "'121'"), 1,
     "value of victim_age is not valid"},
    {"an int not in canonical form", OLD_CHANGE("victim_age", "'007'"), 1,
     "value of victim_age is not valid"},
    {"an enum code in the wrong case", OLD_CHANGE("victim_sex", "'f'"), 1,
     "value of victim_sex is not valid"},
    {"a set element other than present", OLD_CHANGE("violence_types/physical", "'yes'"), 1,
     "value of violence_types/physical is not valid"},
    {"a set element not in the catalogue", OLD_CHANGE("violence_types/hitting", "'1'"), 0, NULL},
    {"an impossible date", OLD_CHANGE("intake_date", "'2026-02-29'"), 1,
     "value of intake_date is not valid"},
    {"single-line text with a line break", OLD_CHANGE("victim_name", "'Siti' || char(10)"), 0,
     NULL},
    {"text with invalid UTF-8", OLD_CHANGE("narrative", "CAST(x'c080' AS TEXT)"), 0, NULL},
    {"a field the catalogue does not know", OLD_CHANGE("colour", "'red'"), 0, NULL},
    /* Two problems: the replay differs, and the tombstone value itself is invalid. */
    {"a tombstone with a value other than 1", OLD_CHANGE("_deleted", "'yes'"), 2, NULL},
    {"a kind the catalogue does not know",
     "INSERT INTO journal_entry(report_num, kind, field, value, version, origin, base_version,"
     " base_origin) VALUES (" FIRST_NUM ", 'event', 'status', 'new', 1, 0, 0, 0)",
     0, NULL},
};

static void test_each_tampering_is_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(tamperings); i++) {
        const struct tampering *t = &tamperings[i];
        void *fixture = NULL;
        assert_int_equal(setup(&fixture), 0);
        struct unit_fixture *f = fixture;
        expect_clean(f->store);
        int rc = unit_sql(f->store, t->sql);
        if (rc != SQLITE_OK)
            print_error("%s: %s\n", t->what, sqlite3_errmsg(f->store->db));
        assert_int_equal(rc, SQLITE_OK);
        struct journal_check_result r = check(f->store);
        print_message("%-45s -> %lld: %s\n", t->what, (long long)r.problems, r.first_problem);
        assert_true(r.problems > 0);
        if (t->problems)
            assert_int_equal(r.problems, t->problems);
        assert_true(r.first_problem[0] != '\0');
        assert_null(strchr(r.first_problem, '\n'));
        if (t->first)
            assert_non_null(strstr(r.first_problem, t->first));
        unit_teardown(&fixture);
    }
}

/* Several problems are all counted; the message is the first one found. */
static void test_problems_are_counted(void **state)
{
    struct unit_fixture *f = *state;
    assert_int_equal(unit_sql(f->store, OLD_CHANGE("victim_age", "'abc'")), SQLITE_OK);
    assert_int_equal(unit_sql(f->store, OLD_CHANGE("intake_date", "'2026-13-01'")), SQLITE_OK);
    assert_int_equal(unit_sql(f->store, OLD_CHANGE("victim_sex", "'X'")), SQLITE_OK);
    struct journal_check_result r = check(f->store);
    assert_int_equal(r.problems, 3);
    assert_non_null(strstr(r.first_problem, "victim_age"));
    assert_int_equal(r.changes_checked, unit_journal_rows(f->store));
}

/* Set elements pulled from the hub ("FIELD/CODE", "1" or unset) are checked as elements:
 * valid ones pass, an unknown element or a value other than "1" is named. */
static void test_set_elements_are_checked_as_elements(void **state)
{
    struct unit_fixture *f = *state;
    struct sae_change c = {.kind = "case", .field = "violence_types/sexual", .value = "1",
                           .version = {UINT64_C(1) << 40, 77}, .seq = 1};
    bool applied = false;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    assert_int_equal(sae_id_parse(id, &c.report_id), 0);
    assert_int_equal(node_store_begin(f->store), 0);
    assert_int_equal(journal_apply_remote(f->store, &c, &applied), 0);
    c = (struct sae_change){c.report_id, "case", "violence_types/sexual", NULL,
                            {(UINT64_C(1) << 40) + 1, 77}, {UINT64_C(1) << 40, 77}, 2, 0, 0,
                            NULL, NULL, NULL, NULL, 0, false, NULL, 0, 0};
    assert_int_equal(journal_apply_remote(f->store, &c, &applied), 0);
    assert_int_equal(node_store_commit(f->store), 0);
    expect_clean(f->store);
    /* An older entry of the element (the state keeps the newer one) with a bad value. */
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO journal_entry(report_num, kind, field, value,"
             " version, origin, base_version, base_origin) VALUES"
             " ((SELECT num FROM report WHERE id = '%s'), 'case',"
             " 'violence_types/sexual', '2', 1, 0, 0, 0)", id);
    assert_int_equal(unit_sql(f->store, sql), SQLITE_OK);
    struct journal_check_result r = check(f->store);
    assert_int_equal(r.problems, 1);
    assert_non_null(strstr(r.first_problem, "value of violence_types/sexual is not valid"));
    assert_int_equal(unit_sql(f->store, OLD_CHANGE("violence_types/bruises", "'1'")), SQLITE_OK);
    /* The unknown element, and the state the replay derives for it (the post has none). */
    assert_int_equal(check(f->store).problems, 3);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077); /* as sae-node does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_healthy_journal_passes, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_empty_journal_passes, unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_journal_rows_cannot_change, setup, unit_teardown),
        cmocka_unit_test(test_each_tampering_is_found),
        cmocka_unit_test_setup_teardown(test_problems_are_counted, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_set_elements_are_checked_as_elements, setup,
                                        unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
