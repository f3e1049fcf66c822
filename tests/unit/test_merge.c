/* The merge rules of docs/DESIGN.md ("Merge rules"), one test each, on a real hub database:
 * clean updates, concurrent edits (hard and soft), different fields, edit against delete,
 * clock drift, exactly-once, refusals, district edits and resolutions. */
#include "merge_support.h"
#include "merge/merge_conflict.h"
#include "merge/merge_field.h"
#include "store/hub_meta.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
enum { A, B, C, D };
/* A version of MS(offset) as SQL text. */
#define HLC_SQL(offset) "((1795958400000 + " #offset ") << 16)"

/* Device A records case R1 at time 0: what every test starts from. */
static const struct test_change created[] = {
    {A, R1, "case", "status", "new", MS(0), -1, 0, 0},
    {A, R1, "case", "violence_type", "psychological", MS(0), -1, 0, 0},
    {A, R1, "case", "victim_sex", "F", MS(0), -1, 0, 0},
    {A, R1, "case", "intake_date", "2026-11-20", MS(0), -1, 0, 0},
};

static void create_r1(struct hub_fixture *f)
{
    struct merge_outcome o = deliver(f, created, COUNT(created));
    assert_int_equal(o.applied, 4);
}

static int64_t open_conflicts(struct hub_fixture *f)
{
    return hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open'");
}

static void test_clean_update_based_on_current(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    /* B pulled R1 (cursor 4) and edits status on top of A's version. */
    const struct test_change edit[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 4}};
    deliver(f, edit, 1);
    assert_winner(f, R1, "status", "active");
    assert_int_equal(open_conflicts(f), 0);
}

static void test_concurrent_different_values_is_one_hard_conflict(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    /* victim_age is merged by the latest version: the later version stands. */
    const struct test_change by_b[] = {{B, R1, "case", "victim_age", "14", MS(1000), -1, 0, 4}};
    const struct test_change by_c[] = {{C, R1, "case", "victim_age", "15", MS(2000), -1, 0, 4}};
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    assert_winner(f, R1, "victim_age", "15");
    assert_int_equal(open_conflicts(f), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE severity = 'hard'"
                                  " AND field = 'victim_age'"), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict_candidate k JOIN change c"
                                  " ON c.seq = k.change WHERE c.value IN ('14', '15')"), 2);
    /* The losing value is kept, with who and when. */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE value = '14'"), 1);
}

/* Equal values need no coordinator: settled at once, recorded once, the latest stands. */
static void test_concurrent_equal_values_are_settled_and_recorded(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 4}};
    const struct test_change by_c[] = {{C, R1, "case", "status", "active", MS(2000), A, MS(0), 4}};
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    assert_int_equal(open_conflicts(f), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'resolved'"
                                  " AND severity = 'soft' AND resolved_by = 'sae-hub' AND note ="
                                  " '" MERGE_NOTE_EQUAL "' AND resolved_ms > 0"), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict_candidate"), 2);
    assert_int_equal(hub_count(f, "SELECT c.version = " HLC_SQL(2000) " FROM field_state s"
                                  " JOIN change c ON c.seq = s.change WHERE s.field = 'status'"),
                     1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM review"), 0); /* nothing to review */
    /* Recomputed again with the same heads, the field records its settlement no second
     * time. */
    assert_int_equal(hub_store_begin(f->store), 0);
    int64_t r1_no = hub_count(f, "SELECT no FROM report WHERE id = '" R1 "'");
    assert_int_equal(merge_state_recompute(f->store, r1_no, R1, "status", NOW_MS + 10), 0);
    assert_int_equal(hub_store_commit(f->store), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict"), 1);
    /* A post that had pulled both edits on: a sequential edit, no conflict. */
    const struct test_change on[] = {{A, R1, "case", "status", "closed", MS(3000), C, MS(2000), 6}};
    deliver(f, on, 1);
    assert_winner(f, R1, "status", "closed");
    assert_int_equal(open_conflicts(f), 0);
    assert_int_equal(hub_count(f, "SELECT heads FROM field_state WHERE field = 'status'"), 1);
}

static void test_concurrent_different_fields_is_no_conflict(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 4}};
    const struct test_change by_c[] = {{C, R1, "case", "risk_level", "high", MS(2000), -1, 0, 4}};
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    assert_winner(f, R1, "status", "active");
    assert_winner(f, R1, "risk_level", "high");
    assert_int_equal(open_conflicts(f), 0);
}

static void test_same_time_ties_break_on_origin(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 4}};
    const struct test_change by_c[] = {{C, R1, "case", "status", "closed", MS(1000), A, MS(0), 4}};
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    const char *want = f->devices[B].id > f->devices[C].id ? "active" : "closed";
    assert_winner(f, R1, "status", want);
}

static void test_edit_against_concurrent_delete_is_flagged(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    /* B deletes R1 having pulled it; C edits it, also having pulled only A's changes. */
    const struct test_change del[] = {{B, R1, "case", SAE_FIELD_TOMBSTONE, "1", MS(1000), -1, 0, 4}};
    const struct test_change edit[] = {{C, R1, "case", "risk_level", "high", MS(2000), -1, 0, 4}};
    deliver(f, del, 1);
    deliver(f, edit, 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open' AND"
                                  " field = '_deleted' AND severity = 'hard' AND reason = 'delete'"),
                     1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict_candidate"), 2);
}

static void test_delete_after_seeing_the_edit_is_clean(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change edit[] = {{C, R1, "case", "risk_level", "high", MS(1000), -1, 0, 4}};
    deliver(f, edit, 1); /* hub seq 5 */
    const struct test_change del[] = {{B, R1, "case", SAE_FIELD_TOMBSTONE, "1", MS(2000), -1, 0, 5}};
    deliver(f, del, 1);
    assert_int_equal(open_conflicts(f), 0);
    assert_winner(f, R1, SAE_FIELD_TOMBSTONE, "1");
}

static void test_future_change_is_held_never_winning(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    int64_t year = INT64_C(365) * 24 * 3600 * 1000;
    const struct test_change future[] = {
        {B, R1, "case", "status", "closed", MS(year), A, MS(0), 4}};
    struct sae_push_ack *ack = NULL;
    struct merge_outcome o = deliver_with_seqs(f, future, 1, NULL, NOW_MS, &ack);
    assert_int_equal(o.held, 1);
    /* The post is told, in words its staff can act on. */
    assert_int_equal(ack->refusal_count, 1);
    assert_int_equal(ack->refusals[0].code, SAE_STATUS_CLOCK_AHEAD);
    assert_non_null(strstr(ack->refusals[0].message, "date on this computer is wrong"));
    sae_push_ack_free(ack);
    assert_winner(f, R1, "status", "new");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE held = 1"), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open' AND"
                                  " reason LIKE '%clock%' AND severity = 'hard'"), 1);
    /* The hub's clock did not jump a year ahead. */
    int64_t clock = 0;
    assert_int_equal(sae_db_meta_int(f->store->db, HUB_META_CLOCK, &clock), 0);
    assert_true((sae_hlc)clock < MS(year));
    /* Just inside the drift is not held. */
    const struct test_change near[] = {
        {C, R1, "case", "risk_level", "low", MS(HUB_DRIFT_MS_DEFAULT), -1, 0, 4}};
    assert_int_equal(deliver(f, near, 1).held, 0);
    assert_winner(f, R1, "risk_level", "low");
}

static void test_replayed_batch_gets_the_stored_ack(void **state)
{
    struct hub_fixture *f = *state;
    const uint64_t seqs[] = {7, 8, 9, 10};
    struct sae_push_ack *first = NULL, *again = NULL;
    struct merge_outcome o = deliver_with_seqs(f, created, 4, seqs, NOW_MS, &first);
    assert_int_equal(o.applied, 4);
    assert_int_equal(first->acked_seq, 10);
    o = deliver_with_seqs(f, created, 4, seqs, NOW_MS + 5000, &again);
    assert_true(o.replayed);
    assert_int_equal(o.applied, 0);
    assert_int_equal(again->acked_seq, 10);
    assert_int_equal(again->refusal_count, first->refusal_count);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change"), 4);
    sae_push_ack_free(first);
    sae_push_ack_free(again);
    /* A batch overlapping what was applied applies only the new change. */
    const uint64_t overlap[] = {9, 10, 11};
    const struct test_change more[] = {
        created[2], created[3], {A, R1, "case", "risk_level", "low", MS(5), -1, 0, 0}};
    o = deliver_with_seqs(f, more, 3, overlap, NOW_MS, NULL);
    assert_int_equal(o.duplicates, 2);
    assert_int_equal(o.applied, 1);
}

static void test_refusals_are_named_and_stored(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change bad[] = {
        {D, R1, "case", "status", "active", MS(1000), A, MS(0), 4},  /* another village */
    };
    const struct test_change bad_b[] = {
        {B, R1, "referral", "referral_status", "sent", MS(1000), -1, 0, 4}, /* wrong kind */
        {B, R1, "case", "colour", "red", MS(1000), -1, 0, 4},               /* unknown field */
        {B, R1, "case", "status", "paused", MS(1000), -1, 0, 4},            /* not allowed */
        {B, R1, "case", "status", "active", MS(0) - 65536, A, MS(0), 4},    /* before its base */
        {B, R2, "case", "status", "active", MS(1000), -1, 0, 0},            /* fine */
    };
    struct sae_push_ack *ack = NULL;
    struct merge_outcome o = deliver_with_seqs(f, bad, 1, NULL, NOW_MS, &ack);
    assert_int_equal(o.refused, 1);
    assert_int_equal(ack->refusal_count, 1);
    /* Not the value's fault: the post must not tell its staff to correct it. */
    assert_int_equal(ack->refusals[0].code, SAE_STATUS_WRONG_VILLAGE);
    assert_non_null(strstr(ack->refusals[0].message, "another village"));
    sae_push_ack_free(ack);
    o = deliver_with_seqs(f, bad_b, COUNT(bad_b), NULL, NOW_MS, &ack);
    assert_int_equal(o.refused, 4);
    assert_int_equal(o.applied, 1);
    assert_int_equal(ack->refusal_count, 4);
    for (size_t i = 0; i < ack->refusal_count; i++)
        assert_int_equal(ack->refusals[i].code, SAE_STATUS_INVALID_CHANGE);
    assert_int_equal(ack->acked_seq, f->devices[B].next_seq - 1);
    sae_push_ack_free(ack);
    assert_winner(f, R1, "status", "new");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM refusal"), 5);
}

static void test_district_edit_builds_on_current(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    assert_int_equal(merge_district_edit(f->store, R1, "risk_level", "high", "Bu Sari",
                                         NOW_MS + 10, &why), 0);
    assert_winner(f, R1, "risk_level", "high");
    assert_int_equal(merge_district_edit(f->store, R1, "status", "active", "Bu Sari",
                                         NOW_MS + 20, &why), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE author = 'Bu Sari' AND"
                                  " field = 'status' AND base_version > 0"), 1);
    assert_int_equal(open_conflicts(f), 0);
    assert_int_equal(merge_district_edit(f->store, R1, "status", "paused", "Bu Sari",
                                         NOW_MS + 30, &why), SAE_EINVAL);
    assert_int_equal(merge_district_edit(f->store, R2, "status", "new", "Bu Sari", NOW_MS, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(merge_district_edit(f->store, R1, "victim_sex", NULL, "Bu Sari",
                                         NOW_MS + 35, &why), SAE_EINVAL);
    const struct test_change del[] = {{A, R1, "case", SAE_FIELD_TOMBSTONE, "1", MS(100), -1, 0, 9}};
    deliver(f, del, 1);
    assert_int_equal(merge_district_edit(f->store, R1, "status", "closed", "Bu Sari",
                                         NOW_MS + 40, &why), SAE_EDELETED);
}

/* A repeat of the current value writes nothing, whichever caller asks; the rest of the
 * same call is still written. */
static void test_district_edits_skip_a_repeat(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    int64_t before = hub_count(f, "SELECT count(*) FROM change");
    const struct merge_edit same[] = {{"status", "new"}, {"victim_sex", "F"},
                                      {"risk_level", NULL}};
    size_t written = 99;
    assert_int_equal(merge_district_edits(f->store, R1, same, COUNT(same), "Bu Sari", NULL,
                                          NOW_MS + 10, &written, &why), 0);
    assert_int_equal(written, 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change"), before);
    const struct merge_edit one_new[] = {{"status", "new"}, {"risk_level", "high"}};
    assert_int_equal(merge_district_edits(f->store, R1, one_new, COUNT(one_new), "Bu Sari",
                                          NULL, NOW_MS + 20, &written, &why), 0);
    assert_int_equal(written, 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change"), before + 1);
    assert_winner(f, R1, "risk_level", "high");
}

static int64_t the_open_conflict(struct hub_fixture *f)
{
    return hub_count(f, "SELECT id FROM conflict WHERE status = 'open'");
}

static void test_resolution_keeps_a_candidate_and_flows_as_a_version(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 4}};
    const struct test_change by_c[] = {{C, R1, "case", "status", "closed", MS(2000), A, MS(0), 4}};
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    int64_t id = the_open_conflict(f);
    /* Candidates are numbered by version: 1 is B's "active". */
    assert_int_equal(merge_resolve(f->store, id, 1, NULL, false, "Pak Hadi", "ditelepon",
                                   NOW_MS + 5000, &why), 0);
    assert_winner(f, R1, "status", "active");
    assert_int_equal(open_conflicts(f), 0);
    /* The resolution is a new version by the hub, after both candidates, and carries the
     * coordinator's note to the posts. The posts' changes keep their own authors. */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE author = 'Pak Hadi' AND"
                                  " note = 'ditelepon' AND version > (SELECT max(version) FROM"
                                  " change WHERE author IN ('Rahma', 'Nur'))"), 1);
    /* A second coordinator resolving the same conflict is told. */
    assert_int_equal(merge_resolve(f->store, id, 2, NULL, false, "Bu Rina", NULL, NOW_MS + 6000,
                                   &why), SAE_EEXIST);
    assert_non_null(strstr(why.text, "Pak Hadi"));
    /* A post that had not seen the resolution and edits again opens a new conflict. */
    const struct test_change late[] = {{B, R1, "case", "status", "referred", MS(3000), B, MS(1000), 6}};
    deliver(f, late, 1);
    assert_int_equal(open_conflicts(f), 1);
}

static void test_resolution_by_value_and_bad_requests(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 4}};
    const struct test_change by_c[] = {{C, R1, "case", "status", "closed", MS(2000), A, MS(0), 4}};
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    int64_t id = the_open_conflict(f);
    assert_int_equal(merge_resolve(f->store, id, 3, NULL, false, "X", NULL, NOW_MS, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(merge_resolve(f->store, id, 0, "paused", false, "X", NULL, NOW_MS, &why),
                     SAE_EINVAL);
    assert_int_equal(merge_resolve(f->store, 999, 1, NULL, false, "X", NULL, NOW_MS, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(open_conflicts(f), 1);
    assert_int_equal(merge_resolve(f->store, id, 0, "referred", false, "X", NULL, NOW_MS + 9000,
                                   &why), 0);
    assert_winner(f, R1, "status", "referred");
}

static void test_delete_conflict_resolved_by_keeping_the_edit_restores(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    const struct test_change del[] = {{B, R1, "case", SAE_FIELD_TOMBSTONE, "1", MS(1000), -1, 0, 4}};
    const struct test_change edit[] = {{C, R1, "case", "risk_level", "high", MS(2000), -1, 0, 4}};
    deliver(f, edit, 1);
    deliver(f, del, 1);
    int64_t id = the_open_conflict(f);
    assert_true(id > 0);
    assert_int_equal(merge_resolve(f->store, id, 0, "1", false, "X", NULL, NOW_MS, &why),
                     SAE_EINVAL);
    /* Candidate 2 is C's edit (the later version): keeping it restores the report. */
    assert_int_equal(merge_resolve(f->store, id, 2, NULL, false, "X", NULL, NOW_MS + 9000, &why),
                     0);
    assert_winner(f, R1, SAE_FIELD_TOMBSTONE, "(unset)");
    assert_winner(f, R1, "risk_level", "high");
    assert_int_equal(open_conflicts(f), 0);
}

static void test_held_change_resolved_by_keeping_it(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    int64_t year = INT64_C(365) * 24 * 3600 * 1000;
    const struct test_change future[] = {{B, R1, "case", "status", "closed", MS(year), A, MS(0), 4}};
    deliver(f, future, 1);
    int64_t id = the_open_conflict(f);
    /* Candidates: A's "new" (now) and B's held "closed" (a year ahead). */
    assert_int_equal(merge_resolve(f->store, id, 2, NULL, false, "X", NULL, NOW_MS + 1000, &why),
                     0);
    assert_winner(f, R1, "status", "closed");
    assert_int_equal(open_conflicts(f), 0);
}

static void test_district_cannot_edit_append_only_events(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    create_r1(f);
    const struct test_change service[] = {
        {A, R2, "service", "case_id", R1, MS(10), -1, 0, 0},
        {A, R2, "service", "service_type", "counselling", MS(10), -1, 0, 0},
        {A, R2, "service", "service_date", "2026-11-21", MS(10), -1, 0, 0},
    };
    assert_int_equal(deliver(f, service, 3).applied, 3);
    assert_int_equal(merge_district_edit(f->store, R2, "notes", "x", "Bu Sari", NOW_MS, &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "append-only"));
}

/* Many fields of several reports in one batch: the list of fields to recompute grows while
 * it is walked (it once read freed memory there; ASan and valgrind runs catch it). */
static void test_large_batch_recomputes_every_field(void **state)
{
    struct hub_fixture *f = *state;
    static const char *const reports[] = {R1, R2, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff"};
    static const char *const fields[][2] = {{"status", "new"}, {"violence_type", "physical"},
                                            {"victim_sex", "M"}, {"intake_date", "2026-10-01"},
                                            {"risk_level", "low"}};
    struct test_change changes[15];
    for (size_t r = 0; r < 3; r++)
        for (size_t k = 0; k < 5; k++)
            changes[r * 5 + k] = (struct test_change){A, reports[r], "case", fields[k][0],
                                                      fields[k][1], MS((int64_t)r), -1, 0, 0};
    assert_int_equal(deliver(f, changes, 15).applied, 15);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM field_state"), 15);
    for (size_t r = 0; r < 3; r++)
        assert_winner(f, reports[r], "risk_level", "low");
}

/* Two concurrent changes of field on top of A's first version (base_hlc 0: no base): b by
 * B at 1000 ms, c by C at 2000 ms (NULL unsets). */
static void race(struct hub_fixture *f, const char *field, bool based, const char *b,
                 const char *c)
{
    const struct test_change by_b[] = {{B, R1, "case", field, b, MS(1000), based ? A : -1,
                                        based ? MS(0) : 0, 4}};
    const struct test_change by_c[] = {{C, R1, "case", field, c, MS(2000), based ? A : -1,
                                        based ? MS(0) : 0, 4}};
    deliver(f, by_c, 1);
    deliver(f, by_b, 1);
}

/* A post that lowered the risk without seeing another raise it does not win: the higher
 * risk stands while a coordinator decides, though the lowering is later. */
static void test_policy_higher_risk_stands(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change medium[] = {{A, R1, "case", "risk_level", "medium", MS(10), -1, 0, 4}};
    deliver(f, medium, 1);
    const struct test_change up[] = {{B, R1, "case", "risk_level", "high", MS(1000), A, MS(10), 5}};
    const struct test_change down[] = {{C, R1, "case", "risk_level", "low", MS(2000), A, MS(10), 5}};
    deliver(f, down, 1);
    deliver(f, up, 1);
    assert_winner(f, R1, "risk_level", "high");
    assert_int_equal(open_conflicts(f), 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open' AND"
                                  " field = 'risk_level' AND severity = 'hard'"), 1);
    assert_review(f, R1, "risk_level", "open high low");
    /* A coordinator decides: the review closes, and the resolution is the latest version. */
    struct sae_message why = {{0}};
    int64_t id = hub_count(f, "SELECT id FROM conflict WHERE status = 'open'");
    assert_int_equal(merge_resolve(f->store, id, 0, "medium", false, "Bu Sari", NULL,
                                   NOW_MS + 5000, &why), 0);
    assert_winner(f, R1, "risk_level", "medium");
    assert_review(f, R1, "risk_level", "closed medium medium");
}

/* Consents: a withdrawal is never lost to a concurrent grant; unset stands over a grant. */
static void test_policy_withheld_consent_stands(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    race(f, "consent_share", false, "false", "true");
    assert_winner(f, R1, "consent_share", "false");
    assert_review(f, R1, "consent_share", "open false true");
    const struct test_change given[] = {{A, R1, "case", "consent_services", "true", MS(10), -1, 0, 4}};
    deliver(f, given, 1);
    const struct test_change unset[] = {{B, R1, "case", "consent_services", NULL, MS(3000), A, MS(10), 7}};
    const struct test_change granted[] = {{C, R1, "case", "consent_statistics", "true", MS(500), -1, 0, 4}};
    deliver(f, unset, 1);
    deliver(f, granted, 1); /* another field: no conflict with it */
    assert_winner(f, R1, "consent_services", "(unset)");
    const struct test_change again[] = {{C, R1, "case", "consent_services", "true", MS(4000), A, MS(10), 7}};
    deliver(f, again, 1); /* granted again, concurrently with the unset: unset stands */
    assert_winner(f, R1, "consent_services", "(unset)");
    assert_review(f, R1, "consent_services", "open - true");
}

/* An open status stands over closed, whichever is later. */
static void test_policy_open_status_stands_over_closed(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    race(f, "status", true, "active", "closed");
    assert_winner(f, R1, "status", "active");
    assert_int_equal(open_conflicts(f), 1);
    assert_review(f, R1, "status", "open active closed");
}

/* Equal ranks fall back to the latest (version, origin). */
static void test_policy_equal_ranks_fall_back_to_the_latest(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    race(f, "status", true, "referred", "active");
    assert_winner(f, R1, "status", "active");
    assert_review(f, R1, "status", "open active active");
}

/* Unset against a value: unset ranks lowest for an enum, so low risk stands over none. */
static void test_policy_unset_against_a_value(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change low[] = {{A, R1, "case", "risk_level", "high", MS(10), -1, 0, 4}};
    deliver(f, low, 1);
    const struct test_change b[] = {{B, R1, "case", "risk_level", "low", MS(1000), A, MS(10), 5}};
    const struct test_change c[] = {{C, R1, "case", "risk_level", NULL, MS(2000), A, MS(10), 5}};
    deliver(f, c, 1);
    deliver(f, b, 1);
    assert_winner(f, R1, "risk_level", "low");
    assert_review(f, R1, "risk_level", "open low -");
}

/* Three heads: the highest rank stands though it is the oldest of them. */
static void test_policy_three_heads(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change a[] = {{A, R1, "case", "risk_level", "high", MS(500), -1, 0, 4}};
    const struct test_change b[] = {{B, R1, "case", "risk_level", "low", MS(3000), -1, 0, 4}};
    const struct test_change c[] = {{C, R1, "case", "risk_level", "medium", MS(2000), -1, 0, 4}};
    deliver(f, b, 1);
    deliver(f, a, 1);
    deliver(f, c, 1);
    assert_winner(f, R1, "risk_level", "high");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict_candidate"), 3);
    assert_review(f, R1, "risk_level", "open high low");
}

/* Set elements merge as fields of their own: different elements added concurrently both
 * stay; adding and removing one element concurrently is a conflict on that element, in
 * which the element stays while it is disputed. */
static void test_policy_set_elements(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    race(f, "violence_types/sexual", false, "1", NULL);
    const struct test_change other[] = {{C, R1, "case", "violence_types/physical", "1", MS(2500), -1, 0, 4}};
    deliver(f, other, 1);
    assert_winner(f, R1, "violence_types/sexual", "1");
    assert_winner(f, R1, "violence_types/physical", "1");
    assert_int_equal(open_conflicts(f), 1); /* only the element added and removed */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open' AND"
                                  " field = 'violence_types/sexual'"), 1);
    assert_review(f, R1, "violence_types/sexual", "open 1 -");
    /* Removed by one post while another, that had seen it present, removed it too: equal. */
    const struct test_change gone_b[] = {{B, R1, "case", "violence_types/physical", NULL, MS(4000), C, MS(2500), 8}};
    const struct test_change gone_a[] = {{A, R1, "case", "violence_types/physical", NULL, MS(4100), C, MS(2500), 8}};
    deliver(f, gone_b, 1);
    deliver(f, gone_a, 1);
    assert_winner(f, R1, "violence_types/physical", "(unset)");
    assert_int_equal(open_conflicts(f), 1);
}

/* A post's next edit of a field replaces its own earlier one, whatever it was based on:
 * shown the higher risk under review, the post that lowered it sets medium on top of it. */
static void test_own_next_edit_replaces_its_earlier_one(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change up[] = {{B, R1, "case", "risk_level", "high", MS(1000), -1, 0, 4}};
    const struct test_change down[] = {{C, R1, "case", "risk_level", "low", MS(2000), -1, 0, 4}};
    const struct test_change on[] = {{C, R1, "case", "risk_level", "medium", MS(3000), B,
                                      MS(1000), 6}};
    deliver(f, up, 1);
    deliver(f, down, 1);
    assert_review(f, R1, "risk_level", "open high low");
    deliver(f, on, 1);
    assert_winner(f, R1, "risk_level", "medium");
    assert_int_equal(open_conflicts(f), 0);
    assert_review(f, R1, "risk_level", "closed medium medium");
}

/* Sequential edits are never affected: lowering the risk after seeing it raised wins. */
static void test_policy_leaves_sequential_edits_alone(void **state)
{
    struct hub_fixture *f = *state;
    create_r1(f);
    const struct test_change up[] = {{B, R1, "case", "risk_level", "high", MS(1000), -1, 0, 4}};
    const struct test_change down[] = {{C, R1, "case", "risk_level", "low", MS(2000), B, MS(1000), 5}};
    const struct test_change closed[] = {{C, R1, "case", "status", "closed", MS(2000), A, MS(0), 5}};
    deliver(f, up, 1);
    deliver(f, down, 1);
    deliver(f, closed, 1);
    assert_winner(f, R1, "risk_level", "low");
    assert_winner(f, R1, "status", "closed");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM review"), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, hub_setup, hub_teardown)
    const struct CMUnitTest tests[] = {
        T(test_clean_update_based_on_current),
        T(test_concurrent_different_values_is_one_hard_conflict),
        T(test_concurrent_equal_values_are_settled_and_recorded),
        T(test_concurrent_different_fields_is_no_conflict),
        T(test_same_time_ties_break_on_origin),
        T(test_edit_against_concurrent_delete_is_flagged),
        T(test_delete_after_seeing_the_edit_is_clean),
        T(test_future_change_is_held_never_winning),
        T(test_replayed_batch_gets_the_stored_ack),
        T(test_refusals_are_named_and_stored),
        T(test_district_edit_builds_on_current),
        T(test_district_edits_skip_a_repeat),
        T(test_resolution_keeps_a_candidate_and_flows_as_a_version),
        T(test_resolution_by_value_and_bad_requests),
        T(test_delete_conflict_resolved_by_keeping_the_edit_restores),
        T(test_held_change_resolved_by_keeping_it),
        T(test_large_batch_recomputes_every_field),
        T(test_district_cannot_edit_append_only_events),
        T(test_policy_higher_risk_stands),
        T(test_policy_withheld_consent_stands),
        T(test_policy_open_status_stands_over_closed),
        T(test_policy_equal_ranks_fall_back_to_the_latest),
        T(test_policy_unset_against_a_value),
        T(test_policy_three_heads),
        T(test_policy_set_elements),
        T(test_policy_leaves_sequential_edits_alone),
        T(test_own_next_edit_replaces_its_earlier_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
