/* A revoked device's wipe on a real journal (node/store/node_wipe.c and the owners' steps):
 * every sensitive value of every table that holds values becomes NULL while the other
 * values stay, and so does the district's free text (notes, refusal messages); the journal's append-only guard is back afterwards, as it was; staff wraps
 * and sessions, the token, storage.key and node.key are gone; the state says done and the
 * line names the date; a second run (a wipe resumed after a crash) changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sae/sae_keywrap.h"
#include "store/journal_wipe.h"
#include "store/node_staff.h"
#include "store/node_wipe.h"
#include "store/storage_key.h"
#include "unit_support.h"

#define NAME "TANDA-NAMA-Siti"
#define STORY "TANDA-CERITA-panjang"

static const char *const case_sets[] = {"violence_types=physical,sexual", "victim_sex=F",
                                        "intake_date=2026-01-05", "victim_name=" NAME,
                                        "narrative=" STORY, NULL};

static int64_t sensitive_left(struct node_store *store, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE value IS NOT NULL AND field IN "
             "('victim_name', 'narrative', 'notes')", table);
    return unit_count(store, sql);
}

/* A pulled resolution's note, as the hub sent it (written past the guard, as a pull would
 * have written it with the entry). */
static int note_a_resolution(struct node_store *store, void *context)
{
    (void)context;
    return unit_sql(store, "UPDATE journal_entry SET note = 'TANDA-CATATAN-KOORDINATOR'"
                           " WHERE field = 'victim_name'") == SQLITE_OK ? 0 : SAE_EIO;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    unit_path(dir, name, path);
    return access(path, F_OK) == 0;
}

static void test_wipe_nulls_sensitive_values_and_destroys_keys(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], service[SAE_ID_TEXT_LEN + 1];
    unit_add(f->store, "case", case_sets, id);
    char case_ref[64];
    snprintf(case_ref, sizeof case_ref, "case_id=%s", id);
    const char *const service_sets[] = {case_ref, "service_type=counselling",
                                        "service_date=2026-01-06", "notes=TANDA-CATATAN", NULL};
    unit_add(f->store, "service", service_sets, service);
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    memset(wrap, 0x5a, sizeof wrap);
    assert_int_equal(node_staff_add(f->store, "Bu Sari", NODE_STAFF_HEAD, "$h", wrap, 1), 0);
    static const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES] = {1, 2, 3};
    assert_int_equal(node_staff_session_add(f->store, token_hash, "Bu Sari", "csrf", 1), 0);
    assert_true(sensitive_left(f->store, "journal") == 3);
    /* Copies sealed for the hub (node/store/hub_copy.c) of changes not yet acknowledged. */
    assert_int_equal(unit_sql(f->store, "UPDATE journal_entry SET hub_sealed = x'0102'"
                                        " WHERE field IN "
                                        "('victim_name', 'narrative', 'notes')"), SQLITE_OK);
    /* Free text from the district that may name a survivor: a coordinator's note on a
     * resolution, the district's review note of a case, a refusal's message. */
    assert_int_equal(journal_unguarded(f->store, note_a_resolution, NULL), 0);
    assert_int_equal(unit_sql(f->store, "INSERT INTO review(report_id, field, standing_version,"
                                        " standing_origin, latest_version, latest_origin, note,"
                                        " reviewer) VALUES ('r', '_review', 1, 1, 1, 1,"
                                        " 'TANDA-CATATAN-REVIEW', 'Bu Ani')"), SQLITE_OK);
    assert_int_equal(unit_sql(f->store, "INSERT INTO set_aside(seq, code, message, at_ms)"
                                        " VALUES (1, 3, 'TANDA-PESAN', 1)"), SQLITE_OK);
    assert_true(file_exists(f->d.dir, STORAGE_KEY_UNCLAIMED_FILE));
    assert_true(file_exists(f->d.dir, NODE_KEY_FILE));
    int64_t rows = unit_journal_rows(f->store);

    struct node_wipe_state s;
    assert_int_equal(node_wipe_state(f->store, &s), 0);
    assert_false(s.revoked);
    assert_int_equal(node_wipe_run(f->store, 1765000000000), 0);
    for (int pass = 0; pass < 2; pass++) {
        assert_true(sensitive_left(f->store, "journal") == 0);
        assert_true(sensitive_left(f->store, "field_shown") == 0);
        assert_true(unit_count(f->store, "SELECT count(*) FROM journal WHERE hub_sealed IS "
                                         "NOT NULL") == 0);
        assert_true(unit_journal_rows(f->store) == rows); /* nothing deleted */
        assert_true(unit_count(f->store, "SELECT count(*) FROM journal WHERE note IS NOT NULL")
                    == 0);
        assert_true(unit_count(f->store, "SELECT count(*) FROM review WHERE note IS NOT NULL")
                    == 0);
        assert_true(unit_count(f->store, "SELECT count(*) FROM review") == 1); /* state stays */
        assert_true(unit_count(f->store, "SELECT count(*) FROM set_aside WHERE message LIKE"
                                         " 'TANDA%'") == 0);
        assert_true(unit_count(f->store, "SELECT count(*) FROM set_aside") == 1);
        assert_true(unit_count(f->store, "SELECT count(*) FROM field_shown WHERE field = "
                                         "'violence_types/sexual' AND value = '1'") == 1);
        assert_true(unit_count(f->store, "SELECT count(*) FROM staff WHERE key_wrap IS NOT "
                                         "NULL") == 0);
        assert_true(unit_count(f->store, "SELECT count(*) FROM staff") == 1);
        assert_true(unit_count(f->store, "SELECT count(*) FROM staff_session") == 0);
        assert_false(file_exists(f->d.dir, STORAGE_KEY_UNCLAIMED_FILE));
        assert_false(file_exists(f->d.dir, NODE_KEY_FILE));
        assert_int_equal(node_wipe_state(f->store, &s), 0);
        assert_true(s.revoked && s.done && s.revoked_ms == 1765000000000);
        /* Resumed (as after a crash): the same, and the first date stays. */
        assert_int_equal(node_wipe_run(f->store, 1765999999999), 0);
    }
    /* The append-only guard is back. */
    assert_int_not_equal(unit_sql(f->store, "UPDATE journal_entry SET value = 'x'"),
                         SQLITE_OK);
    assert_int_equal(node_wipe_resume(f->store), 0);
    struct sae_message why = {{0}};
    node_wipe_explain(&s, &why);
    assert_string_equal(why.text, "this device was revoked by the district on 2025-12-06 "
                                  "(WIB); survivors' data on it was wiped; contact the "
                                  "district");
    s.done = false;
    node_wipe_explain(&s, &why);
    assert_non_null(strstr(why.text, "did not finish and runs again"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wipe_nulls_sensitive_values_and_destroys_keys,
                                        unit_setup, unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
