/* Deciding conflicts from the console: a resolution or a dismissal is refused with
 * SAE_ECHANGED when the conflict's candidates are not the ones the page saw, and changes
 * nothing then; a dismissal keeps the standing value (without a version when it is the
 * newest, with one of the same value when a safest policy kept an older one) and is
 * recorded; a new concurrent change opens the field again after either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case_world_fixture.h"
#include "merge/merge.h"
#include "store/conflict_queue.h"
#include "sae/sae_borrow.h"
#include "sae/sae_db.h"
#include "sae/sae_envelope.h"

#define NOW_MS INT64_C(1795958400000)
#define LATER_MS (NOW_MS + 60000)

static const struct case_world_options world_options = {
    .seed = 11, .cases = 60, .posts = 4, .conflicts = 8, .batch = 1000, .now_ms = NOW_MS};

static int setup(void **state)
{
    return case_world_fixture_new(state, &world_options);
}

static int64_t count_of(struct case_world_fixture *f, const char *sql)
{
    int64_t n = -1;
    /* Not the store's cache: it knows statements by the address of their text. */
    assert_int_equal(sae_db_query_int(f->world.store->db, NULL, sql, NULL, 0, &n), 0);
    return n;
}

/* The queue's entry on field (the first staged conflict of that kind). */
static void entry_on(struct case_world_fixture *f, const char *field, struct hub_queue *out)
{
    struct hub_queue queue;
    struct hub_queue_query q = {.limit = HUB_QUEUE_PAGE_MAX, .now_ms = NOW_MS};
    assert_int_equal(hub_conflict_queue(f->world.store, &q, &queue, NULL), 0);
    int64_t id = 0;
    for (size_t i = 0; i < queue.count && id == 0; i++)
        if (strcmp(queue.entries[i].field, field) == 0)
            id = queue.entries[i].id;
    hub_conflict_queue_free(&queue);
    assert_true(id > 0);
    assert_int_equal(hub_conflict_queue_entry(f->world.store, id, NOW_MS, out), 0);
}

static void seen_of(const struct hub_queue_entry *e, int64_t seqs[2], struct merge_seen *seen)
{
    for (size_t i = 0; i < e->candidate_count; i++)
        seqs[i] = e->candidates[i].change.seq;
    *seen = (struct merge_seen){seqs, e->candidate_count};
}

static void current_value(struct case_world_fixture *f, const char *id, const char *field, char out[64])
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sae_db_prepare(f->world.store->db,
                                    "SELECT coalesce(revealed(c.seq, c.value), '-')"
                                    " FROM field_state s JOIN change c ON c.seq = s.change WHERE s.report_id = ?1 AND"
                                    " s.field = ?2", &stmt), 0);
    assert_int_equal(sae_db_bind_text(stmt, 1, id), 0);
    assert_int_equal(sae_db_bind_text(stmt, 2, field), 0);
    assert_int_equal(sae_db_step(stmt), SAE_DB_ROW);
    sae_db_column_copy(stmt, 0, out, 64);
    sae_db_finalize(stmt);
}

/* A third device of the report's village edits field from the version both candidates
 * saw, unaware of the conflict and of its decision. */
static struct sae_version edit_from(struct case_world_fixture *f, const struct hub_queue_entry *e,
                                    const char *value, struct sae_version base, uint64_t seq)
{
    uint8_t seed[crypto_box_SEEDBYTES], sk[crypto_box_SECRETKEYBYTES];
    struct hub_node node = {.enrolled_ms = NOW_MS};
    memset(seed, 0x77, sizeof seed);
    assert_int_equal(crypto_box_seed_keypair(node.public_key, sk, seed), 0);
    assert_int_equal(sae_origin_from_public_key(node.public_key, &node.id), 0);
    snprintf(node.village, sizeof node.village, "%s", e->village);
    snprintf(node.device_name, sizeof node.device_name, "Laptop ketiga");
    int added = hub_store_node_add(f->world.store, &node);
    assert_true(added == 0 || added == SAE_EEXIST);
    struct sae_change change = {.kind = sae_borrow("case"), .field = e->field,
                                .value = sae_borrow(value),
                                .version = {(sae_hlc)(NOW_MS - 1000 + (int64_t)seq) << 16,
                                            node.id},
                                .base = base, .seq = seq, .author = sae_borrow("Wati")};
    assert_int_equal(sae_id_parse(e->report_id, &change.report_id), 0);
    struct sae_batch batch = {.schema_version = 2, .origin = node.id, .clock = change.version.hlc,
                              .changes = &change, .change_count = 1};
    struct merge_sender sender = {node.id, e->village, 0, true};
    struct merge_options options = {LATER_MS, HUB_DRIFT_MS_DEFAULT};
    struct sae_push_ack *ack = NULL;
    assert_int_equal(merge_apply_batch(f->world.store, &sender, &batch, &options, &ack, NULL), 0);
    assert_int_equal(ack->refusal_count, 0);
    sae_push_ack_free(ack);
    return change.version;
}

static void concurrent_edit(struct case_world_fixture *f, const struct hub_queue_entry *e,
                            const char *value)
{
    edit_from(f, e, value, e->agreed.version, 1);
}

static int64_t open_on(struct case_world_fixture *f, const struct hub_queue_entry *e)
{
    int64_t n = -1;
    const char *sql = "SELECT count(*) FROM conflict WHERE status = 'open' AND report_id = ?1"
                      " AND field = ?2";
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sae_db_prepare(f->world.store->db, sql, &stmt), 0);
    assert_int_equal(sae_db_bind_text(stmt, 1, e->report_id), 0);
    assert_int_equal(sae_db_bind_text(stmt, 2, e->field), 0);
    assert_int_equal(sae_db_step(stmt), SAE_DB_ROW);
    n = sqlite3_column_int64(stmt, 0);
    sae_db_finalize(stmt);
    return n;
}

static void test_a_changed_conflict_is_refused(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue q;
    struct sae_message why = {{0}};
    int64_t seqs[2];
    struct merge_seen seen;
    entry_on(f, "victim_age", &q);
    const struct hub_queue_entry *e = &q.entries[0];
    seen_of(e, seqs, &seen);
    int64_t changes = count_of(f, "SELECT count(*) FROM change");
    /* The page saw one candidate only. */
    struct merge_seen fewer = {seqs, 1};
    assert_int_equal(merge_resolve_seen(f->world.store, e->id, &fewer, 1, NULL, false,
                                        "Koordinator", "cek", LATER_MS, &why), SAE_ECHANGED);
    assert_non_null(strstr(why.text, "changed since it was shown"));
    assert_int_equal(merge_dismiss(f->world.store, e->id, &fewer, "Koordinator", NULL, LATER_MS,
                                   NULL, NULL), SAE_ECHANGED);
    /* A third post's change joins the conflict after the page was loaded. */
    concurrent_edit(f, e, "32");
    changes++;
    assert_int_equal(merge_resolve_seen(f->world.store, e->id, &seen, 1, NULL, false,
                                        "Koordinator", NULL, LATER_MS, &why), SAE_ECHANGED);
    assert_int_equal(merge_dismiss(f->world.store, e->id, &seen, "Koordinator", NULL, LATER_MS,
                                   NULL, NULL), SAE_ECHANGED);
    assert_int_equal(count_of(f, "SELECT count(*) FROM change"), changes);
    assert_int_equal(open_on(f, e), 1);
    /* With the candidates as they are now, it goes through. */
    struct hub_queue again;
    int64_t now_seqs[3];
    assert_int_equal(hub_conflict_queue_entry(f->world.store, e->id, NOW_MS, &again), 0);
    assert_int_equal(again.entries[0].candidate_count, 3);
    for (size_t i = 0; i < 3; i++)
        now_seqs[i] = again.entries[0].candidates[i].change.seq;
    struct merge_seen current = {now_seqs, 3};
    assert_int_equal(merge_resolve_seen(f->world.store, e->id, &current, 0, "33", false,
                                        "Koordinator", "usia dari akta", LATER_MS, NULL), 0);
    assert_int_equal(open_on(f, e), 0);
    /* A second decision on the same conflict: already resolved. */
    assert_int_equal(merge_dismiss(f->world.store, e->id, &current, "Koordinator", NULL, LATER_MS,
                                   NULL, NULL), SAE_EEXIST);
    hub_conflict_queue_free(&again);
    hub_conflict_queue_free(&q);
}

static void test_dismissing_the_newest_writes_nothing(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue q;
    int64_t seqs[2];
    struct merge_seen seen;
    char before[64], after[64];
    entry_on(f, "victim_age", &q);
    const struct hub_queue_entry *e = &q.entries[0];
    seen_of(e, seqs, &seen);
    current_value(f, e->report_id, e->field, before);
    int64_t changes = count_of(f, "SELECT count(*) FROM change");
    bool wrote = true;
    assert_int_equal(merge_dismiss(f->world.store, e->id, &seen, "Koordinator", "usia benar",
                                   LATER_MS, &wrote, NULL), 0);
    assert_false(wrote);
    assert_int_equal(count_of(f, "SELECT count(*) FROM change"), changes);
    current_value(f, e->report_id, e->field, after);
    assert_string_equal(after, before);
    assert_int_equal(open_on(f, e), 0);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflict WHERE id = %lld AND dismissed = 1"
             " AND resolved_by = 'Koordinator' AND note = 'usia benar' AND status = 'resolved'",
             (long long)e->id);
    assert_int_equal(count_of(f, sql), 1);
    /* The posts are told the field is settled: its last review state is closed. */
    snprintf(sql, sizeof sql, "SELECT open FROM review WHERE report_id = '%s' AND field ="
             " 'victim_age' ORDER BY seq DESC LIMIT 1", e->report_id);
    assert_int_equal(count_of(f, sql), 0);
    /* It stays closed through the next recompute of the field... */
    assert_int_equal(merge_district_edit(f->world.store, e->report_id, "victim_age", before,
                                         "Koordinator", LATER_MS, NULL), 0);
    assert_int_equal(open_on(f, e), 0);
    /* ...and a new concurrent change opens it again. */
    concurrent_edit(f, e, "40");
    assert_int_equal(open_on(f, e), 1);
    hub_conflict_queue_free(&q);
}

static void test_dismissing_an_older_safest_value_writes_it_again(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue q;
    int64_t seqs[2];
    struct merge_seen seen;
    char after[64];
    entry_on(f, "risk_level", &q);
    const struct hub_queue_entry *e = &q.entries[0];
    seen_of(e, seqs, &seen);
    assert_string_equal(e->standing.value, "high");
    int64_t changes = count_of(f, "SELECT count(*) FROM change");
    bool wrote = false;
    assert_int_equal(merge_dismiss(f->world.store, e->id, &seen, "Koordinator", NULL, LATER_MS,
                                   &wrote, NULL), 0);
    assert_true(wrote);
    /* One version of the same value, newer than the "low" the posts would otherwise show. */
    assert_int_equal(count_of(f, "SELECT count(*) FROM change"), changes + 1);
    current_value(f, e->report_id, e->field, after);
    assert_string_equal(after, "high");
    assert_int_equal(open_on(f, e), 0);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT dismissed FROM conflict WHERE id = %lld", (long long)e->id);
    assert_int_equal(count_of(f, sql), 1);
    /* A resolved conflict reopens too when a post that never saw it writes concurrently. */
    concurrent_edit(f, e, "medium");
    assert_int_equal(open_on(f, e), 1);
    hub_conflict_queue_free(&q);
}

/* A candidate built on its own writer's earlier edit: the agreed value is still the one
 * every candidate descends from, found through their bases. */
static void test_agreed_through_a_chain_of_bases(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue q, again;
    entry_on(f, "victim_age", &q);
    const struct hub_queue_entry *e = &q.entries[0];
    struct sae_version first = edit_from(f, e, "40", e->agreed.version, 1);
    edit_from(f, e, "41", first, 2);
    assert_int_equal(hub_conflict_queue_entry(f->world.store, e->id, NOW_MS, &again), 0);
    const struct hub_queue_entry *now = &again.entries[0];
    assert_int_equal(now->candidate_count, 3);
    assert_int_equal(now->agreed.seq, e->agreed.seq);
    assert_string_equal(now->agreed.value, e->agreed.value);
    bool chained = false;
    for (size_t i = 0; i < 3; i++)
        chained = chained || (now->candidates[i].base.exists &&
                              strcmp(now->candidates[i].base.value, "40") == 0);
    assert_true(chained);
    hub_conflict_queue_free(&again);
    hub_conflict_queue_free(&q);
}

static void test_seen_at_its_limit(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue q;
    int64_t many[MERGE_SEEN_MAX + 1];
    entry_on(f, "status", &q);
    const struct hub_queue_entry *e = &q.entries[0];
    for (size_t i = 0; i < MERGE_SEEN_MAX + 1; i++)
        many[i] = e->candidates[i % 2].change.seq;
    struct merge_seen too_many = {many, MERGE_SEEN_MAX + 1};
    assert_int_equal(merge_dismiss(f->world.store, e->id, &too_many, "Koordinator", NULL,
                                   LATER_MS, NULL, NULL), SAE_ECHANGED);
    assert_int_equal(open_on(f, e), 1);
    assert_int_equal(merge_dismiss(f->world.store, 999999, NULL, "Koordinator", NULL, LATER_MS,
                                   NULL, NULL), SAE_ENOTFOUND);
    hub_conflict_queue_free(&q);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, case_world_fixture_free)
    const struct CMUnitTest tests[] = {
        T(test_a_changed_conflict_is_refused),
        T(test_dismissing_the_newest_writes_nothing),
        T(test_dismissing_an_older_safest_value_writes_it_again),
        T(test_agreed_through_a_chain_of_bases),
        T(test_seen_at_its_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
