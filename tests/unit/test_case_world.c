/* case_world: the seeded hub.db the console's tests and benchmarks read. What it writes goes
 * through the hub's merge, each case holds what case_world_case says, the staged conflicts
 * are open (or settled, for equal values) in the real conflict tables, and the same seed
 * gives the same database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case_world.h"
#include "sae/sae_db.h"

#define NOW_MS INT64_C(1795958400000)

static void world_dir_make(struct case_world_dir *d)
{
    assert_int_equal(case_world_dir_make(d), 0);
}

static const struct case_world_options small = {
    .seed = 42, .cases = 120, .posts = 7, .conflicts = 8, .batch = 500, .now_ms = NOW_MS};

static int64_t count_of(struct case_world *w, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(hub_store_query_int(w->store, sql, NULL, 0, &n), 0);
    return n;
}

/* The current value of a case's field, "" when unset. */
static void value_of(struct case_world *w, const char *id, const char *field, char out[64])
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sae_db_prepare(w->store->db,
                                    "SELECT coalesce(revealed(c.seq, c.value), '')"
                                    " FROM field_state s JOIN change c ON c.seq = s.change WHERE s.report_id = ?1 AND"
                                    " s.field = ?2", &stmt), 0);
    assert_int_equal(sae_db_bind_text(stmt, 1, id), 0);
    assert_int_equal(sae_db_bind_text(stmt, 2, field), 0);
    out[0] = '\0';
    if (sae_db_step(stmt) == SAE_DB_ROW)
        sae_db_column_copy(stmt, 0, out, 64);
    sae_db_finalize(stmt);
}

/* The world of small, built once for the tests that only read it (a build is most of this
 * file's time under valgrind); test_same_seed_same_world builds it a second time. */
struct shared_world {
    struct case_world_dir d;
    struct case_world w;
};

static int shared_world_build(void **state)
{
    struct shared_world *s = calloc(1, sizeof *s);
    if (!s || case_world_build_temp(&small, &s->d, &s->w) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int shared_world_free(void **state)
{
    struct shared_world *s = *state;
    case_world_close_temp(&s->d, &s->w);
    free(s);
    return 0;
}

static bool staged(size_t index)
{
    for (size_t k = 0; k < small.conflicts; k++)
        if (case_world_conflict_case(&small, k) == index)
            return true;
    return false;
}

static void test_every_case_holds_what_its_seed_says(void **state)
{
    struct case_world *w = &((struct shared_world *)*state)->w;
    assert_int_equal(w->cases, small.cases);
    assert_int_equal(count_of(w, "SELECT count(*) FROM report WHERE kind = 'case'"), 120);
    assert_int_equal(count_of(w, "SELECT count(*) FROM report WHERE kind = 'service'"),
                     (int64_t)w->services);
    assert_int_equal(count_of(w, "SELECT count(*) FROM report WHERE kind = 'referral'"),
                     (int64_t)w->referrals);
    assert_true(w->services > 0 && w->referrals > 0);
    assert_int_equal(count_of(w, "SELECT count(*) FROM refusal"), 0);
    assert_int_equal(count_of(w, "SELECT count(*) FROM change"), (int64_t)w->changes);
    size_t services = 0;
    for (size_t i = 0; i < small.cases; i++) {
        struct case_world_case c;
        char got[64];
        case_world_case(&small, i, &c);
        services += c.services;
        value_of(w, c.id, "registration_number", got);
        assert_string_equal(got, c.registration);
        value_of(w, c.id, "residence_village", got);
        assert_string_equal(got, c.village);
        value_of(w, c.id, "consent_share", got);
        assert_string_equal(got, c.consent_share ? c.consent_share : "");
        if (!staged(i)) {
            value_of(w, c.id, "risk_level", got);
            assert_string_equal(got, c.risk);
            value_of(w, c.id, "status", got);
            assert_string_equal(got, c.status);
        }
    }
    assert_int_equal(services, w->services);
    /* Posts of the official list's villages, their cases in their own village. */
    assert_int_equal(count_of(w, "SELECT count(*) FROM report r JOIN area a ON a.code ="
                                  " r.village AND a.level = 4"),
                     count_of(w, "SELECT count(*) FROM report"));
}

static void test_staged_conflicts_are_real_conflicts(void **state)
{
    struct case_world *w = &((struct shared_world *)*state)->w;
    /* Kinds 0-2 stay open for a coordinator; equal values (kind 3) are settled at once. */
    assert_int_equal(w->conflicts_open, 6);
    assert_int_equal(w->conflicts_settled, 2);
    assert_int_equal(count_of(w, "SELECT count(*) FROM conflict WHERE status = 'open' AND"
                                  " severity = 'hard'"), 6);
    for (size_t k = 0; k < small.conflicts; k++) {
        struct case_world_case c;
        char got[64];
        case_world_case(&small, case_world_conflict_case(&small, k), &c);
        if (case_world_conflict_kind(k) == CASE_WORLD_CONFLICT_RISK) {
            value_of(w, c.id, "risk_level", got);
            assert_string_equal(got, "high"); /* the safest stands */
        }
    }
}

/* Everything that identifies what was merged, whatever the hub seq. */
static int64_t fingerprint(struct case_world *w)
{
    return count_of(w, "SELECT sum((unicode(substr(s.report_id, 1, 1)) * 31 +"
                       " length(s.field) * 7 + length(coalesce(revealed(c.seq, c.value), '')) +"
                       " (c.version % 1000003)) % 1000000007) FROM field_state s"
                       " JOIN change c ON c.seq = s.change");
}

/* The shared world is the first build; a second of the same seed, built here, must match it. */
static void test_same_seed_same_world(void **state)
{
    struct case_world *w1 = &((struct shared_world *)*state)->w;
    struct case_world_dir d2, d3;
    struct case_world w2, w3;
    struct case_world_options other = small;
    other.seed = 43;
    world_dir_make(&d2);
    world_dir_make(&d3);
    assert_int_equal(case_world_build(d2.path, &small, &w2), 0);
    assert_int_equal(case_world_build(d3.path, &other, &w3), 0);
    assert_int_equal(fingerprint(w1), fingerprint(&w2));
    assert_int_equal(w1->changes, w2.changes);
    assert_true(fingerprint(w1) != fingerprint(&w3));
    case_world_close(&w2);
    case_world_close(&w3);
    case_world_dir_remove(&d2);
    case_world_dir_remove(&d3);
}

static void test_bad_options_build_nothing(void **state)
{
    (void)state;
    struct case_world_dir d;
    struct case_world w;
    struct case_world_options none = small, too_many = small, tiny_batch = small;
    none.cases = 0;
    too_many.conflicts = small.cases + 1;
    tiny_batch.batch = 10;
    world_dir_make(&d);
    assert_int_equal(case_world_build(d.path, &none, &w), SAE_EINVAL);
    assert_int_equal(case_world_build(d.path, &too_many, &w), SAE_EINVAL);
    assert_int_equal(case_world_build(d.path, &tiny_batch, &w), SAE_EINVAL);
    assert_int_equal(access(d.path, F_OK), -1);
    case_world_dir_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_case_holds_what_its_seed_says),
        cmocka_unit_test(test_staged_conflicts_are_real_conflicts),
        cmocka_unit_test(test_same_seed_same_world),
        cmocka_unit_test(test_bad_options_build_nothing),
    };
    return cmocka_run_group_tests(tests, shared_world_build, shared_world_free);
}
