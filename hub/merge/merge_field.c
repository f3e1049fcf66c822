/* Heads, winners and conflicts of one field, computed from the changes alone, never from
 * the order they arrived in. */
#include "merge/merge_field.h"
#include "merge/merge_rows.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/merge_conflict.h"
#include "merge/merge_review.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

struct head {
    int64_t seq;
    char *value; /* NULL: unset */
    int64_t version, origin;
    int rank; /* the value's safety rank under the field's policy (sae_field_rank) */
};

/* Whether the change aliased X has a child that is not held: a change built on it (its
 * base), a resolution or re-dated change naming it as parent, a later change of X's own
 * writer (a post's next edit of a field replaces its own earlier one), or a change whose
 * writer had pulled X and edited from a value equal to X's: that writer saw X's value, so
 * X is not concurrent with its edit (two equal values settled by the hub stay settled when
 * a post that saw both edits on). */
#define HAS_CHILD(X)                                                                        \
    " (EXISTS (SELECT 1 FROM change d WHERE d.report_no = " X ".report_no"                   \
    "   AND d.field = " X ".field AND d.held = 0 AND d.seq <> " X ".seq"                     \
    "   AND ((d.base_version = " X ".version AND d.base_origin = " X ".origin)"              \
    "     OR (d.origin = " X ".origin AND d.node_seq > " X ".node_seq)"                      \
    "     OR (" X ".seq <= d.seen_cursor"                                                    \
    "       AND EXISTS (SELECT 1 FROM change b WHERE b.report_no = d.report_no"              \
    "         AND b.field = d.field AND b.version = d.base_version"                          \
    "         AND b.origin = d.base_origin AND b.value IS " X ".value))))"                    \
    " OR EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = " X ".seq))"

/* Heads: changes of the field that are not held and have no child (HAS_CHILD). */
static const char heads_sql[] =
    "SELECT c.seq, c.value, c.version, c.origin, c.kind FROM change c"
    " WHERE c.report_no = ?1 AND c.field = ?2 AND c.held = 0 AND NOT" HAS_CHILD("c")
    " ORDER BY c.version, c.origin";

/* Held changes no resolution has settled yet. */
static const char held_sql[] =
    "SELECT c.seq FROM change c WHERE c.report_no = ?1 AND c.field = ?2 AND c.held = 1"
    " AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = c.seq) ORDER BY c.seq";

/* Edits of other fields that the tombstone ?1 and the edit did not see of each other. A
 * writer saw a change when it wrote it earlier itself, or pulled past it. Only edits that
 * are still heads of their field count: one a later change replaced (its own post's next
 * edit, a resolution) is judged through that later change. */
static const char concurrent_edits_sql[] =
    "SELECT e.seq FROM change e, change t WHERE t.seq = ?1 AND e.report_no = t.report_no"
    " AND e.field <> '" SAE_FIELD_TOMBSTONE "' AND e.held = 0"
    " AND NOT ((e.origin = t.origin AND e.node_seq < t.node_seq) OR e.seq <= t.seen_cursor)"
    " AND NOT ((t.origin = e.origin AND t.node_seq < e.node_seq) OR t.seq <= e.seen_cursor)"
    " AND NOT" HAS_CHILD("e") " ORDER BY e.seq";

static void heads_free(struct head *heads, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(heads[i].value);
    free(heads);
}

/* The safety rank of a value under its field's merge policy (sae_field_rank): 0 for every
 * value of a field merged by the latest version, of the tombstone, and of a field this
 * catalogue does not know. */
static int value_rank(const char *kind_name, const char *field, const char *value)
{
    const struct sae_kind *kind = NULL;
    struct sae_field_ref ref;
    if (sae_catalogue_find_kind(kind_name, &kind) != 0 ||
        sae_catalogue_resolve(kind, field, &ref) != 0)
        return 0;
    return sae_field_rank(ref.field, ref.element, value);
}

/* Binds the report's number and the field to ?1 and ?2, as the statements below have them. */
static int bind_report_field(sqlite3_stmt *stmt, int64_t report_no, const char *field)
{
    int rc = sae_db_bind_int(stmt, 1, report_no);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, field);
    return rc;
}

static int load_heads(struct hub_store *store, int64_t report_no, const char *field,
                      struct head **out, size_t *out_count)
{
    sqlite3_stmt *stmt = NULL;
    struct head *heads = NULL;
    size_t count = 0;
    int err = 0;
    int rc = hub_store_prepare(store, heads_sql, &stmt);
    if (rc == 0)
        rc = bind_report_field(stmt, report_no, field);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct head *grown = realloc(heads, (count + 1) * sizeof *heads);
        const unsigned char *value = sqlite3_column_text(stmt, 1);
        const unsigned char *kind = sqlite3_column_text(stmt, 4);
        if (!grown) {
            err = SAE_ENOMEM;
            break;
        }
        heads = grown;
        heads[count] = (struct head){sqlite3_column_int64(stmt, 0), NULL,
                                     sqlite3_column_int64(stmt, 2), sqlite3_column_int64(stmt, 3),
                                     0};
        if (value && !(heads[count].value = strdup((const char *)value)))
            err = SAE_ENOMEM;
        else if (!kind)
            err = SAE_ECORRUPT; /* a NOT NULL column */
        else
            heads[count].rank = value_rank((const char *)kind, field, heads[count].value);
        count++;
        rc = 0;
    }
    sae_db_reset(stmt);
    if (err == 0 && rc != 0)
        err = rc;
    if (err != 0) {
        heads_free(heads, count);
        return err;
    }
    *out = heads;
    *out_count = count;
    return 0;
}

/* The head that stands (heads ordered by version, origin; count > 0): the highest rank,
 * the latest among equal ranks. A field merged by the latest version ranks every value 0,
 * so its latest head stands, as equal values do under any policy. */
static size_t standing_head(const struct head *heads, size_t count)
{
    size_t best = count - 1;
    for (size_t i = count - 1; i-- > 0;)
        if (heads[i].rank > heads[best].rank)
            best = i;
    return best;
}

static int collect_seqs(struct hub_store *store, const char *sql, int64_t report_no,
                        const char *field, int64_t seq, struct seq_list *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = field ? bind_report_field(stmt, report_no, field) : sae_db_bind_int(stmt, 1, seq);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        err = seq_list_add(out, sqlite3_column_int64(stmt, 0));
        rc = 0;
    }
    sae_db_reset(stmt);
    if (err == 0 && rc != 0)
        err = rc;
    return err;
}

/* heads: how many heads the field has; a field with one may take the fast way. */
static const char set_winner_sql[] =
    "INSERT OR REPLACE INTO field_winner(report_no, field, change, heads)"
    " VALUES (?1, ?2, ?3, ?4)";

static int set_winner(struct hub_store *store, int64_t report_no, const char *field,
                      int64_t seq, size_t heads)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, set_winner_sql, &stmt);
    if (rc == 0)
        rc = bind_report_field(stmt, report_no, field);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, seq);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, (int64_t)heads);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int shape_from_heads(const struct head *heads, size_t count, struct conflict_shape *shape)
{
    int rc = 0;
    if (count < 2)
        return 0;
    conflict_shape_add_reason(shape, "concurrent");
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = seq_list_add(&shape->candidates, heads[i].seq);
        if (!same_text(heads[i].value, heads[0].value))
            shape->hard = true;
    }
    return rc;
}

/* Held changes are candidates beside every head, and always hard. */
static int shape_add_held(struct hub_store *store, int64_t report_no, const char *field,
                          const struct head *heads, size_t count, struct conflict_shape *shape)
{
    struct seq_list held = {0};
    int rc = collect_seqs(store, held_sql, report_no, field, 0, &held);
    if (rc == 0 && held.count > 0) {
        conflict_shape_add_reason(shape, "clock");
        shape->hard = true;
        for (size_t i = 0; rc == 0 && i < count; i++)
            rc = seq_list_add(&shape->candidates, heads[i].seq);
        for (size_t i = 0; rc == 0 && i < held.count; i++)
            rc = seq_list_add(&shape->candidates, held.items[i]);
    }
    free(held.items);
    return rc;
}

/* Each tombstone head with edits it did not see, nor they it: a hard delete conflict. */
static int shape_add_delete(struct hub_store *store, const struct head *heads, size_t count,
                            struct conflict_shape *shape)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct seq_list edits = {0};
        if (!heads[i].value)
            continue; /* a restore, not a delete */
        rc = collect_seqs(store, concurrent_edits_sql, 0, NULL, heads[i].seq, &edits);
        if (rc == 0 && edits.count > 0) {
            conflict_shape_add_reason(shape, "delete");
            shape->hard = true;
            rc = seq_list_add(&shape->candidates, heads[i].seq);
            for (size_t k = 0; rc == 0 && k < edits.count; k++)
                rc = seq_list_add(&shape->candidates, edits.items[k]);
        }
        free(edits.items);
    }
    return rc;
}

/* A field with nothing held and no open conflict: the common case, checked in one query. */
#define QUIET_EXPRESSION                                                                   \
    " NOT EXISTS (SELECT 1 FROM change h WHERE h.report_no = ?1 AND h.field = ?2"          \
    "   AND h.held = 1 AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = h.seq))" \
    " AND NOT EXISTS (SELECT 1 FROM conflict WHERE field = ?2 AND status = 'open'"        \
    "   AND report_id = (SELECT id FROM report WHERE no = ?1))"
static const char quiet_sql[] = "SELECT" QUIET_EXPRESSION;

static int field_is_quiet(struct hub_store *store, int64_t report_no, const char *field,
                          bool *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, quiet_sql, &stmt);
    if (rc == 0)
        rc = bind_report_field(stmt, report_no, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        *out = sqlite3_column_int(stmt, 0) != 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_EDB : rc; /* the query always returns a row */
}

/* The field's current winner (found = false when it has none) and whether the field is
 * quiet (quiet_sql) with one head at most (equal values the hub settled leave several),
 * in one statement: this runs once per field of every batch. */
static const char winner_quiet_sql[] =
    "SELECT c.version, c.origin, s.change IS NOT NULL, coalesce(s.heads, 0) <= 1 AND"
    QUIET_EXPRESSION
    " FROM (SELECT 1) LEFT JOIN field_winner s ON s.report_no = ?1 AND s.field = ?2"
    " LEFT JOIN change c ON c.seq = s.change";

static int winner_and_quiet(struct hub_store *store, int64_t report_no, const char *field,
                            struct sae_version *winner, bool *found, bool *quiet)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, winner_quiet_sql, &stmt);
    if (rc == 0)
        rc = bind_report_field(stmt, report_no, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *winner = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 0),
                                       (uint64_t)sqlite3_column_int64(stmt, 1)};
        *found = sqlite3_column_int(stmt, 2) != 0;
        *quiet = sqlite3_column_int(stmt, 3) != 0;
    }
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_EDB : rc; /* the query always returns a row */
}

static const char has_tombstone_sql[] =
    "SELECT EXISTS (SELECT 1 FROM change WHERE report_no = ?1"
    " AND field = ?2)";

static int has_tombstone(struct hub_store *store, int64_t report_no, bool *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, has_tombstone_sql, &stmt);
    if (rc == 0)
        rc = bind_report_field(stmt, report_no, SAE_FIELD_TOMBSTONE);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        *out = sqlite3_column_int(stmt, 0) != 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_EDB : rc; /* the query always returns a row */
}

int merge_state_fast_forward(struct hub_store *store, int64_t report_no, const char *field,
                             int64_t seq, struct sae_version base, bool fresh, bool *done)
{
    struct sae_version winner = {0, 0};
    bool found = false, quiet = false, tombstone = strcmp(field, SAE_FIELD_TOMBSTONE) == 0;
    int rc = 0;
    *done = false;
    if (tombstone) {
        rc = seq == 0 ? has_tombstone(store, report_no, &found) : 0;
        *done = rc == 0 && seq == 0 && !found;
        return rc;
    }
    if (seq == 0)
        return 0;
    /* A report no transaction stored before has no winner, conflict or held change. */
    quiet = fresh;
    if (!fresh)
        rc = winner_and_quiet(store, report_no, field, &winner, &found, &quiet);
    bool builds_on = found ? sae_version_compare(&winner, &base) == 0
                           : base.hlc == 0 && base.origin == 0;
    if (rc != 0 || !builds_on || !quiet)
        return rc;
    rc = set_winner(store, report_no, field, seq, 1);
    *done = rc == 0;
    return rc;
}

/* What the field's conflict must be, given its heads. */
static int field_shape(struct hub_store *store, int64_t report_no, const char *field,
                       const struct head *heads, size_t count, struct conflict_shape *shape)
{
    int rc = shape_from_heads(heads, count, shape);
    if (rc == 0)
        rc = shape_add_held(store, report_no, field, heads, count, shape);
    if (rc == 0 && strcmp(field, SAE_FIELD_TOMBSTONE) == 0)
        rc = shape_add_delete(store, heads, count, shape);
    return rc;
}

int merge_state_recompute(struct hub_store *store, int64_t report_no, const char *report_id,
                          const char *field, int64_t now_ms)
{
    struct head *heads = NULL;
    size_t count = 0;
    bool quiet = false, open = false, tombstone = strcmp(field, SAE_FIELD_TOMBSTONE) == 0;
    struct conflict_shape shape;
    memset(&shape, 0, sizeof shape);
    int rc = load_heads(store, report_no, field, &heads, &count);
    if (rc != 0)
        return rc;
    struct merge_review_state review = {false, 0, 0};
    if (count > 0) {
        /* Heads come ordered by (version, origin): the last is the latest. */
        review.standing = heads[standing_head(heads, count)].seq;
        review.latest = heads[count - 1].seq;
        rc = set_winner(store, report_no, field, review.standing, count);
    }
    /* One head (or none), nothing held, no conflict open: a clean field, nothing more to
     * compute. A tombstone head still has to be checked against concurrent edits. */
    if (rc == 0 && count <= 1 && !(tombstone && count == 1))
        rc = field_is_quiet(store, report_no, field, &quiet);
    if (rc == 0 && !quiet)
        rc = field_shape(store, report_no, field, heads, count, &shape);
    if (rc == 0 && !quiet)
        rc = merge_conflict_sync(store, report_id, field, &shape, now_ms, &open);
    review.open = open;
    /* A resolution closed its conflict before this recompute: the log says so too. */
    if (rc == 0)
        rc = merge_review_log(store, report_id, field, &review);
    free(shape.candidates.items);
    heads_free(heads, count);
    return rc;
}
