/* Review states on both sides, on real databases: the hub's pull hands a post its village's
 * reviews in order, never ahead of the changes they name (hub/api/pull.c); a post keeps them
 * and shows, while it holds the latest version, the standing one, marked, and edits from it
 * (node/store: sync_state.c, the field_shown view, report_read.c, journal.c). */
#include "merge_support.h"
#include "unit_support.h"

#include "api/pull.h"
#include "store/sync_state.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
enum { A, B, C, D };

/* A creates R1 with risk medium; B raises it, C (later) lowers it, apart. */
static void disputed(struct hub_fixture *f)
{
    const struct test_change created[] = {
        {A, R1, "case", "status", "new", MS(0), -1, 0, 0},
        {A, R1, "case", "victim_sex", "F", MS(0), -1, 0, 0},
        {A, R1, "case", "intake_date", "2026-11-20", MS(0), -1, 0, 0},
        {A, R1, "case", "risk_level", "medium", MS(0), -1, 0, 0},
    };
    const struct test_change up[] = {{B, R1, "case", "risk_level", "high", MS(1000), A, MS(0), 4}};
    const struct test_change down[] = {{C, R1, "case", "risk_level", "low", MS(2000), A, MS(0), 4}};
    deliver(f, created, COUNT(created));
    deliver(f, up, 1);
    deliver(f, down, 1);
}

static struct sae_pull_response *pull(struct hub_fixture *f, int device, uint64_t cursor,
                                      uint64_t review_cursor, uint32_t max, bool reviews)
{
    struct hub_node node;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request request = {.cursor = cursor, .max_changes = max,
                                       .review_cursor = review_cursor,
                                       .with_reviews = reviews};
    struct sae_pull_response *r = NULL;
    assert_int_equal(hub_store_node_get(f->store, f->devices[device].id, &node), 0);
    assert_int_equal(pull_changes(f->store, &node, &request, &limits, NOW_MS, &r), 0);
    return r;
}

static void test_pull_hands_out_reviews_after_their_changes(void **state)
{
    struct hub_fixture *f = *state;
    disputed(f);
    /* One change per answer: the review comes with the last change it names, not before. */
    uint64_t cursor = 0, review_cursor = 0;
    size_t changes = 0, answers = 0;
    struct sae_review got = {{{0}}, NULL, false, {0, 0}, {0, 0}, NULL, NULL, NULL};
    for (bool more = true; more; answers++) {
        struct sae_pull_response *r = pull(f, A, cursor, review_cursor, 1, true);
        changes += r->change_count;
        if (r->review_count == 1) {
            assert_int_equal(changes, 2); /* B's and C's risk_level */
            got = r->reviews[0];
            got.field = strdup(r->reviews[0].field);
        }
        assert_true(r->review_count <= 1);
        cursor = r->next_cursor;
        review_cursor = r->next_review_cursor;
        more = r->more;
        sae_pull_response_free(r);
    }
    assert_non_null(got.field);
    assert_string_equal(got.field, "risk_level");
    assert_true(got.open);
    assert_true(got.standing.origin == f->devices[B].id && got.standing.hlc == MS(1000));
    assert_true(got.latest.origin == f->devices[C].id && got.latest.hlc == MS(2000));
    free(got.field);
    /* A post that does not ask gets none; a review cursor never issued is refused. */
    struct sae_pull_response *plain = pull(f, A, 0, 0, 0, false);
    assert_int_equal(plain->review_count, 0);
    assert_true(plain->next_review_cursor == 0 && !plain->more);
    sae_pull_response_free(plain);
    struct hub_node node;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request bad = {.review_cursor = review_cursor + 1, .with_reviews = true};
    struct sae_pull_response *r = NULL;
    assert_int_equal(hub_store_node_get(f->store, f->devices[A].id, &node), 0);
    assert_int_equal(pull_changes(f->store, &node, &bad, &limits, NOW_MS, &r), SAE_EINVAL);
    assert_null(r);
    /* Another village's post gets none of them, and its cursor skips them. */
    r = pull(f, D, 0, 0, 0, true);
    assert_int_equal(r->review_count, 0);
    assert_true(r->next_review_cursor == review_cursor);
    sae_pull_response_free(r);
}

/* What a post applies from a pull: a remote change of R1's risk_level. */
static void remote(struct node_store *store, const char *id, const char *value,
                   struct sae_version version, uint64_t seq)
{
    struct sae_change c = {.kind = "case", .field = "risk_level", .value = sae_borrow(value),
                           .version = version, .seq = seq};
    bool applied = false;
    assert_int_equal(sae_id_parse(id, &c.report_id), 0);
    assert_int_equal(journal_apply_remote(store, &c, &applied), 0);
    assert_true(applied);
}

static const char *shown_risk(struct node_store *store, const char *id, bool *under_review,
                              struct report **out)
{
    assert_int_equal(report_load(store, id, out), 0);
    *under_review = report_under_review(*out, "risk_level");
    for (size_t i = 0; i < (*out)->value_count; i++)
        if (strcmp((*out)->values[i].field->name, "risk_level") == 0)
            return (*out)->values[i].value;
    return NULL;
}

static void test_post_shows_the_standing_value_and_edits_from_it(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct report *r = NULL;
    bool marked = false;
    const struct sae_version high = {UINT64_C(1) << 60, 11}, low = {(UINT64_C(1) << 60) + 7, 12};
    unit_add_case(f->store, id);
    assert_int_equal(node_store_begin(f->store), 0);
    remote(f->store, id, "high", high, 1);
    remote(f->store, id, "low", low, 1);
    assert_int_equal(node_store_commit(f->store), 0);
    assert_string_equal(shown_risk(f->store, id, &marked, &r), "low"); /* last writer wins */
    assert_false(marked);
    report_free(r);
    unit_review(f->store, id, "risk_level", true, high, low);
    assert_string_equal(shown_risk(f->store, id, &marked, &r), "high");
    assert_true(marked);
    assert_int_equal(r->under_review_count, 1);
    assert_string_equal(r->under_review[0].field, "risk_level");
    assert_string_equal(r->under_review[0].value, "high");
    report_free(r);
    /* An edit starts from what is shown: high again is no change; medium builds on high. */
    unit_edit(f->store, id, (const char *const[]){"risk_level=high", NULL}, 0);
    unit_edit(f->store, id, (const char *const[]){"risk_level=medium", NULL}, 1);
    struct unit_history h = unit_history_of(f->store, id);
    assert_true(h.at[h.count - 1].base.hlc == high.hlc && h.at[h.count - 1].base.origin == 11);
    /* Its own newer edit is shown, still marked until the hub has judged it. */
    assert_string_equal(shown_risk(f->store, id, &marked, &r), "medium");
    assert_true(marked);
    report_free(r);
    /* A closed review is forgotten. */
    unit_review(f->store, id, "risk_level", false, high, low);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM review"), 0);
    assert_string_equal(shown_risk(f->store, id, &marked, &r), "medium");
    assert_false(marked);
    report_free(r);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pull_hands_out_reviews_after_their_changes,
                                        hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_post_shows_the_standing_value_and_edits_from_it,
                                        unit_setup, unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
