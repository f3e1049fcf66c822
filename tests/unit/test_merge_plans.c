/* The hub's cached statements keep their plans: ingest binds a new report and field to the
 * same statements for every change of every batch, and a statement SQLite plans again at
 * each binding cost most of ingest's instructions (issue 14). Real hub database, real
 * batches through merge_apply_batch. */
#include "merge_support.h"

#define CASE_1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define CASE_2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define REFERRAL "5b1e0c44-9d3a-4f6e-8c21-7a0d9e3f1b26"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches_of_many_fields_plan_each_statement_once,
                                        hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
