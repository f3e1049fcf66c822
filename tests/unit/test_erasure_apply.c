/* The district's erasure applied on a real journal (node/store/erasure_apply.c): every
 * sensitive value of the report, own (sent or not) and pulled (sealed or withheld), becomes
 * the erased mark in the journal and the state, with no copy for the hub left; it reads
 * masked with its own flag, with the key lent or not; the report's other fields and other
 * reports keep theirs; the journal's check passes; an own value not sent is neither counted
 * pending nor sent; a report the post does not hold changes nothing; applying it again
 * wipes nothing more; a value written afterwards is a new value; the append-only guard is
 * back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/erasure_apply.h"
#include "store/journal.h"
#include "store/journal_check.h"
#include "store/report_read.h"
#include "store/sync_state.h"
#include "store/value_seal.h"
#include "sae/sae_wipe.h"
#include "unit_support.h"

static int64_t apply(struct node_store *store, const char *id_text)
{
    struct sae_id id;
    int64_t wiped = -1;
    assert_int_equal(sae_id_parse(id_text, &id), 0);
    assert_int_equal(node_store_begin(store), 0);
    assert_int_equal(erasure_apply(store, &id, 1, &wiped), 0);
    assert_int_equal(node_store_commit(store), 0);
    assert_int_equal(erasure_apply_scrub(store), 0);
    return wiped;
}

static const struct report_value *value_of(const struct report *r, const char *field)
{
    for (size_t i = 0; i < r->value_count; i++)
        if (strcmp(r->values[i].field->name, field) == 0)
            return &r->values[i];
    fail_msg("no value of %s", field);
    return NULL;
}

static int64_t count_of(struct node_store *store, const char *format, const char *id)
{
    char sql[512];
    snprintf(sql, sizeof sql, format, id);
    return unit_count(store, sql);
}

static void expect_erased(struct node_store *store, const char *id)
{
    struct report *r = NULL;
    assert_int_equal(report_load(store, id, &r), 0);
    const struct report_value *v = value_of(r, "victim_name");
    assert_true(v->erased && v->masked);
    assert_false(v->withheld);
    assert_true(value_of(r, "narrative")->erased);
    assert_false(value_of(r, "risk_level")->erased);
    report_free(r);
}

static void expect_clean(struct node_store *store)
{
    struct journal_check_result result;
    assert_int_equal(journal_check(store, &result), 0);
    assert_int_equal(result.problems, 0);
}

static void test_erasure_wipes_the_reports_values_only(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], other[SAE_ID_TEXT_LEN + 1];
    unit_add(f->store, "case", (const char *const[]){"status=new", "intake_date=2026-01-05",
             "violence_types=physical", "victim_sex=F", "victim_age=20", "risk_level=low",
             "victim_name=Siti Dihapus", "narrative=Cerita dihapus", NULL}, id);
    unit_add(f->store, "case", (const char *const[]){"status=new", "intake_date=2026-01-05",
             "violence_types=physical", "victim_sex=F", "victim_age=20",
             "victim_name=Dewi Tetap", NULL}, other);
    /* A second name, so the report has a superseded value too. */
    unsigned char *secret = unit_lend(f->store);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Siti Kedua", NULL}, 1);
    unit_unlend(f->store, secret);
    int64_t pending = 0, rows = unit_journal_rows(f->store);
    assert_int_equal(sync_state_pending_count(f->store, &pending), 0);
    int64_t before_pending = pending;
    assert_int_equal(apply(f->store, id), 3); /* two names and a narrative */
    assert_int_equal(unit_journal_rows(f->store), rows);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal WHERE report_id = '%s'"
                              " AND field IN ('victim_name', 'narrative')"
                              " AND value <> '" VALUE_SEAL_ERASED "'", id), 0);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM journal WHERE report_id = '%s'"
                              " AND hub_sealed IS NOT NULL", id), 0);
    assert_int_equal(count_of(f->store, "SELECT count(*) FROM field_shown WHERE report_id ="
                              " '%s' AND value = '" VALUE_SEAL_ERASED "'", id), 2);
    expect_erased(f->store, id);
    secret = unit_lend(f->store);
    expect_erased(f->store, id); /* no key opens a mark */
    struct report *r = NULL;
    assert_int_equal(report_load(f->store, other, &r), 0);
    assert_string_equal(value_of(r, "victim_name")->value, "Dewi Tetap");
    report_free(r);
    unit_unlend(f->store, secret);
    expect_clean(f->store);
    /* The three wiped entries were own and unsent: never pending, never sent. */
    assert_int_equal(sync_state_pending_count(f->store, &pending), 0);
    assert_int_equal(pending, before_pending - 3);
    struct sae_change batch[64];
    size_t n = 0;
    assert_int_equal(sync_state_next_batch(f->store, 64, 1 << 20, batch, &n), 0);
    /* (It ends before the other report's name, whose copy for the hub needs the key.) */
    char seen[SAE_ID_TEXT_LEN + 1];
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        sae_id_format(&batch[i].report_id, seen);
        assert_false(strcmp(seen, id) == 0 && (strcmp(batch[i].field, "victim_name") == 0 ||
                                               strcmp(batch[i].field, "narrative") == 0));
    }
    for (size_t i = 0; i < n; i++)
        sae_wipe_clear_change(&batch[i]);
    /* Again: nothing more. A report not held here: nothing. */
    assert_int_equal(apply(f->store, id), 0);
    assert_int_equal(apply(f->store, "99999999-9999-4999-8999-999999999999"), 0);
    /* The guard is back. */
    assert_int_not_equal(unit_sql(f->store, "UPDATE journal_entry SET value = 'x'"), 0);
}

static void test_a_value_written_after_is_new(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Siti Lama", NULL}, 1);
    assert_int_equal(apply(f->store, id), 1);
    /* The form sends back the mask it showed: no new value. A new name is one. */
    unit_edit(f->store, id, (const char *const[]){"victim_name=" VALUE_SEAL_MASK, NULL}, 0);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Siti Baru", NULL}, 1);
    unsigned char *secret = unit_lend(f->store);
    struct report *r = NULL;
    assert_int_equal(report_load(f->store, id, &r), 0);
    const struct report_value *v = value_of(r, "victim_name");
    assert_string_equal(v->value, "Siti Baru");
    assert_false(v->erased || v->masked);
    report_free(r);
    unit_unlend(f->store, secret);
    expect_clean(f->store);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_erasure_wipes_the_reports_values_only, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_a_value_written_after_is_new, unit_setup,
                                        unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
