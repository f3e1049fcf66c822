/* The shown values kept on write (the table field_shown, migration 9) equal what the view
 * they replaced computed from the journal on every read, after a random mix of everything
 * that writes a field's state, its review or its journal: local adds, edits and deletes,
 * pulled changes (older and newer, of known and unknown reports, deletes among them),
 * district reviews opened and closed (naming versions the post has and has not yet),
 * resolutions, set-asides and re-dated own changes. The view's query stays here as the
 * reference, compared for every (report, field) after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>

#include "unit_support.h"

#include "sae/sae_borrow.h"
#include "sae/sae_hlc.h"
#include "sae/sae_wire.h"
#include "store/journal.h"
#include "store/restamp.h"
#include "store/sync_state.h"

/* The view field_shown of migrations 4 to 8, word for word but for the state's value, which
 * migration 13 keeps in its journal entry alone. */
#define REFERENCE_SQL                                                                         \
    "SELECT f.report_id, f.field,"                                                            \
    "    iif(s.seq IS NULL, (SELECT e.value FROM journal e WHERE e.seq = f.seq), s.value),"   \
    "    iif(s.seq IS NULL, f.version, s.version), iif(s.seq IS NULL, f.origin, s.origin),"   \
    "    r.report_id IS NOT NULL"                                                             \
    "  FROM report_field f"                                                                   \
    "  LEFT JOIN review r ON r.report_id = f.report_id AND r.field = f.field"                 \
    "  LEFT JOIN journal s ON s.seq = (SELECT j.seq FROM journal j"                           \
    "    WHERE r.latest_version = f.version AND r.latest_origin = f.origin"                   \
    "    AND j.report_id = r.report_id AND j.field = r.field"                                 \
    "    AND j.version = r.standing_version AND j.origin = r.standing_origin"                 \
    "    ORDER BY j.seq LIMIT 1)"

/* The table as its readers take it: a sealed value through the entry it refers to. */
#define TABLE_SQL                                                                             \
    "SELECT t.report_id, t.field, " JOURNAL_RESOLVED("t.value") ", t.version, t.origin,"      \
    " t.under_review FROM field_shown t"

#define REPORTS_MAX 12
#define STEPS 600
#define REMOTE_ORIGINS 3

static const char *const fields[] = {"risk_level", "victim_name", "status", "narrative"};
static const char *const risks[] = {"low", "medium", "high"};
static const char *const statuses[] = {"new", "active", "referred", "closed"};

struct world {
    struct node_store *store;
    uint64_t rng;
    char ids[REPORTS_MAX][SAE_ID_TEXT_LEN + 1];
    size_t count;
    uint64_t remote_seq[REMOTE_ORIGINS];
    size_t redates;
};

static uint32_t next(struct world *w, uint32_t below)
{
    w->rng = w->rng * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(w->rng >> 33) % below;
}

static const char *a_value(struct world *w, const char *field, char buf[64])
{
    if (strcmp(field, "risk_level") == 0)
        return risks[next(w, 3)];
    if (strcmp(field, "status") == 0)
        return statuses[next(w, 4)];
    snprintf(buf, 64, "%s %u", field[0] == 'v' ? "Siti" : "Kronologi", next(w, 5));
    return buf;
}

/* Rows of the table and of the reference that the other lacks: none, and as many. */
static void assert_equal_to_reference(struct node_store *store)
{
    assert_int_equal(unit_count(store, "SELECT count(*) FROM (" TABLE_SQL " EXCEPT "
                                REFERENCE_SQL ")"), 0);
    assert_int_equal(unit_count(store, "SELECT count(*) FROM (" REFERENCE_SQL " EXCEPT "
                                TABLE_SQL ")"), 0);
    assert_int_equal(unit_count(store, "SELECT count(*) FROM field_shown"),
                     unit_count(store, "SELECT count(*) FROM report_field"));
    /* A sealed value's text is in the journal alone. */
    assert_int_equal(unit_count(store, "SELECT count(*) FROM field_shown WHERE substr(value,"
                                " 1, 7) = 'sealed:' AND substr(value, 1, 8) <> '"
                                JOURNAL_ENTRY_REF "'"), 0);
}

static void local_add(struct world *w)
{
    if (w->count == REPORTS_MAX)
        return;
    unit_add_case(w->store, w->ids[w->count++]);
}

static void local_edit(struct world *w)
{
    char buf[64], set[96];
    size_t applied = 0;
    struct sae_message why = {{0}};
    const char *field = fields[next(w, 4)];
    snprintf(set, sizeof set, "%s=%s", field, a_value(w, field, buf));
    int rc = unit_try_edit(w->store, w->ids[next(w, (uint32_t)w->count)], "case",
                           (const char *const[]){set, NULL}, &applied, &why);
    /* A deleted report, or a rule (a closed case) refusing, changes nothing. */
    assert_true(rc == 0 || rc == SAE_EDELETED || rc == SAE_EINVAL);
}

static void local_delete(struct world *w)
{
    struct sae_message why = {{0}};
    int rc = journal_delete(w->store, w->ids[next(w, (uint32_t)w->count)], &why);
    assert_true(rc == 0 || rc == SAE_EDELETED);
}

/* A version near the post's newest: older, equal in time or newer. */
static struct sae_version a_version(struct world *w, uint64_t origin)
{
    sae_hlc at = 0;
    uint64_t ms = sae_wall_clock_ms() - 5000 + next(w, 10000);
    assert_int_equal(sae_hlc_pack(ms, next(w, 3), &at), 0);
    return (struct sae_version){at, origin};
}

/* Another post's (or the district's) change, applied as a pull applies it; sometimes of a
 * report this post has never seen, sometimes a delete. */
static void pulled(struct world *w, const char *field, const char *value,
                   const struct sae_version *version, const char *id)
{
    uint32_t o = (uint32_t)(version->origin - 1001);
    struct sae_change c = {.kind = "case", .field = sae_borrow(field),
                           .value = sae_borrow(value), .version = *version,
                           .seq = ++w->remote_seq[o]};
    bool applied = false;
    assert_int_equal(sae_id_parse(id, &c.report_id), 0);
    assert_int_equal(node_store_begin(w->store), 0);
    assert_int_equal(journal_apply_remote(w->store, &c, &applied), 0);
    assert_int_equal(node_store_commit(w->store), 0);
    assert_true(applied);
}

static void pull_one(struct world *w)
{
    char buf[64], fresh[SAE_ID_TEXT_LEN + 1];
    struct sae_id id;
    const char *target = w->ids[next(w, (uint32_t)w->count)];
    if (next(w, 8) == 0 && w->count < REPORTS_MAX) {
        sae_id_generate(&id);
        sae_id_format(&id, fresh);
        memcpy(w->ids[w->count++], fresh, sizeof fresh);
        target = w->ids[w->count - 1];
    }
    struct sae_version v = a_version(w, 1001 + next(w, REMOTE_ORIGINS));
    if (next(w, 12) == 0) {
        pulled(w, SAE_FIELD_TOMBSTONE, "1", &v, target);
        return;
    }
    const char *field = fields[next(w, 4)];
    pulled(w, field, a_value(w, field, buf), &v, target);
}

/* The version of a random journal entry of (id, field), and the field's current one. */
static bool versions_of(struct world *w, const char *id, const char *field,
                        struct sae_version *some, struct sae_version *current)
{
    sqlite3_stmt *stmt = NULL;
    bool found = false;
    assert_int_equal(sqlite3_prepare_v2(w->store->db,
                                        "SELECT j.version, j.origin, f.version, f.origin"
                                        " FROM journal j JOIN report_field f ON f.report_id ="
                                        " j.report_id AND f.field = j.field WHERE j.report_id = ?1"
                                        " AND j.field = ?2 ORDER BY random() LIMIT 1",
                                        -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, field, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *some = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 0),
                                     (uint64_t)sqlite3_column_int64(stmt, 1)};
        *current = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 2),
                                        (uint64_t)sqlite3_column_int64(stmt, 3)};
        found = true;
    }
    sqlite3_finalize(stmt);
    return found;
}

/* The district opens a review (standing: a version the post has, or one still to come;
 * latest: the post's current one, or another), closes one, or resolves one: its
 * resolution arrives as a newer change and the review is closed. */
static void district(struct world *w)
{
    char buf[64];
    const char *id = w->ids[next(w, (uint32_t)w->count)];
    const char *field = fields[next(w, 4)];
    struct sae_version some, current;
    if (!versions_of(w, id, field, &some, &current))
        return;
    switch (next(w, 4)) {
    case 0: {
        struct sae_version ahead = a_version(w, 1001 + next(w, REMOTE_ORIGINS));
        unit_review(w->store, id, field, true, ahead, current);
        pulled(w, field, a_value(w, field, buf), &ahead, id); /* the standing one arrives */
        break;
    }
    case 1:
        unit_review(w->store, id, field, true, some, next(w, 4) ? current : some);
        break;
    case 2:
        unit_review(w->store, id, field, false, some, current);
        break;
    default: {
        sae_hlc later = 0;
        assert_int_equal(sae_hlc_pack(sae_wall_clock_ms() + 10000, 0, &later), 0);
        const struct sae_version resolution = {later, 1001};
        pulled(w, field, a_value(w, field, buf), &resolution, id);
        unit_review(w->store, id, field, false, some, current);
    }
    }
}

/* The hub refuses some own changes for good: kept, shown, not resent. */
static void set_aside(struct world *w)
{
    int64_t last = unit_count(w->store, "SELECT coalesce(max(seq), 0) FROM journal");
    struct sae_refusal refusal = {.seq = 1 + next(w, (uint32_t)last), .code = 1,
                                  .message = sae_borrow("refused")};
    assert_int_equal(node_store_begin(w->store), 0);
    assert_int_equal(sync_state_record_ack(w->store, 0, &refusal, 1, 1), 0);
    assert_int_equal(node_store_commit(w->store), 0);
}

/* The hub finds this computer's clock a day off, ahead or behind: own changes not taken
 * are re-dated, as often as the mix picks it. */
static void redate(struct world *w)
{
    size_t restamped = 0;
    const int64_t offset = next(w, 2) ? 86400000 : -86400000;
    w->redates++;
    assert_int_equal(node_store_begin(w->store), 0);
    assert_int_equal(sync_state_observe_hub_clock(w->store, 1, offset), 0);
    assert_int_equal(node_store_commit(w->store), 0);
    assert_int_equal(restamp_pending(w->store, &restamped), 0);
}

typedef void (*step_fn)(struct world *w);

static void test_table_equals_the_view_after_a_random_mix(void **state)
{
    struct unit_fixture *f = *state;
    static const step_fn steps[] = {local_add, local_edit, local_edit, local_delete,
                                    pull_one,  pull_one,   district,   district,
                                    set_aside, redate};
    struct world w = {.store = f->store, .rng = 20261206};
    local_add(&w);
    local_add(&w);
    for (size_t i = 0; i < STEPS; i++) {
        size_t pick = next(&w, (uint32_t)COUNT(steps));
        /* Deletes and re-dates are rarer than writes. */
        if ((steps[pick] == local_delete || steps[pick] == redate) && next(&w, 2) != 0)
            continue;
        steps[pick](&w);
        assert_equal_to_reference(f->store);
    }
    /* The mix reached what it is about: reviews standing on other versions, deletes. */
    assert_true(unit_count(f->store, "SELECT count(*) FROM field_shown s JOIN report_field f"
                           " USING (report_id, field) WHERE s.version <> f.version") > 0);
    assert_true(unit_count(f->store, "SELECT count(*) FROM field_shown WHERE under_review") > 0);
    assert_true(unit_count(f->store, "SELECT count(*) FROM field_shown WHERE substr(value, 1, 8)"
                           " = '" JOURNAL_ENTRY_REF "'") > 0);
    assert_true(unit_count(f->store, "SELECT count(*) FROM field_shown WHERE field = '"
                           SAE_FIELD_TOMBSTONE "'") > 0);
    assert_true(unit_count(f->store, "SELECT count(*) FROM journal WHERE restamp_of IS NOT NULL")
                > 0);
    /* The clock swung back and forth often (before re-dates could repeat an older version,
     * about ten swings ended in a refusal). */
    assert_true(w.redates >= 20);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table_equals_the_view_after_a_random_mix,
                                        unit_setup, unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
