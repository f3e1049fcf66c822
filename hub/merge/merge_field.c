/* Heads, winners and conflicts of one field, computed from the changes alone, never from
 * the order they arrived in. */
#include "merge/merge_field.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

struct head {
    int64_t seq;
    char *value; /* NULL: unset */
    int64_t version, origin;
};

struct seq_list {
    int64_t *items;
    size_t count, capacity;
};

static int seq_list_add(struct seq_list *list, int64_t seq)
{
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i] == seq)
            return 0;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 8;
        int64_t *items = realloc(list->items, capacity * sizeof *items);
        if (!items)
            return SAE_ENOMEM;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = seq;
    return 0;
}

/* Heads: changes of the field that are not held, that no other such change names as its
 * base, and that no resolution lists as a parent. */
static const char heads_sql[] =
    "SELECT c.seq, c.value, c.version, c.origin FROM change c"
    " WHERE c.report_id = ?1 AND c.field = ?2 AND c.held = 0"
    " AND NOT EXISTS (SELECT 1 FROM change d WHERE d.report_id = c.report_id"
    "   AND d.field = c.field AND d.held = 0 AND d.base_version = c.version"
    "   AND d.base_origin = c.origin)"
    " AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = c.seq)"
    " ORDER BY c.version, c.origin";

/* Held changes no resolution has settled yet. */
static const char held_sql[] =
    "SELECT c.seq FROM change c WHERE c.report_id = ?1 AND c.field = ?2 AND c.held = 1"
    " AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = c.seq) ORDER BY c.seq";

/* Edits of other fields that the tombstone ?1 and the edit did not see of each other. A
 * writer saw a change when it wrote it earlier itself, or pulled past it. Only edits that
 * are still heads of their field count: one a later change replaced (its own post's next
 * edit, a resolution) is judged through that later change. */
static const char concurrent_edits_sql[] =
    "SELECT e.seq FROM change e, change t WHERE t.seq = ?1 AND e.report_id = t.report_id"
    " AND e.field <> '" SAE_FIELD_TOMBSTONE "' AND e.held = 0"
    " AND NOT ((e.origin = t.origin AND e.node_seq < t.node_seq) OR e.seq <= t.seen_cursor)"
    " AND NOT ((t.origin = e.origin AND t.node_seq < e.node_seq) OR t.seq <= e.seen_cursor)"
    " AND NOT EXISTS (SELECT 1 FROM change d WHERE d.report_id = e.report_id"
    "   AND d.field = e.field AND d.held = 0 AND d.base_version = e.version"
    "   AND d.base_origin = e.origin)"
    " AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = e.seq)"
    " ORDER BY e.seq";

static void heads_free(struct head *heads, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(heads[i].value);
    free(heads);
}

static int bind_field(sqlite3_stmt *stmt, const char *report_id, const char *field)
{
    int rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, field);
    return rc;
}

static int load_heads(struct hub_store *store, const char *report_id, const char *field,
                      struct head **out, size_t *out_count)
{
    sqlite3_stmt *stmt = NULL;
    struct head *heads = NULL;
    size_t count = 0;
    int err = 0;
    int rc = hub_store_prepare(store, heads_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, field);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct head *grown = realloc(heads, (count + 1) * sizeof *heads);
        const unsigned char *value = sqlite3_column_text(stmt, 1);
        if (!grown) {
            err = SAE_ENOMEM;
            break;
        }
        heads = grown;
        heads[count] = (struct head){sqlite3_column_int64(stmt, 0), NULL,
                                     sqlite3_column_int64(stmt, 2), sqlite3_column_int64(stmt, 3)};
        if (value && !(heads[count].value = strdup((const char *)value)))
            err = SAE_ENOMEM;
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

static int collect_seqs(struct hub_store *store, const char *sql, const char *report_id,
                        const char *field, int64_t seq, struct seq_list *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = report_id ? bind_field(stmt, report_id, field) : sae_db_bind_int(stmt, 1, seq);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        err = seq_list_add(out, sqlite3_column_int64(stmt, 0));
        rc = 0;
    }
    sae_db_reset(stmt);
    if (err == 0 && rc != 0)
        err = rc;
    return err;
}

static const char set_winner_sql[] =
    "INSERT OR REPLACE INTO field_state(report_id, field, change)"
    " VALUES (?1, ?2, ?3)";

static int set_winner(struct hub_store *store, const char *report_id, const char *field,
                      int64_t seq)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, set_winner_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, seq);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What the field's open conflict must be: its candidates, severity and reason. */
struct conflict_shape {
    struct seq_list candidates;
    bool hard;
    char reason[64];
};

static void add_reason(struct conflict_shape *shape, const char *reason)
{
    size_t used = strlen(shape->reason);
    if (strstr(shape->reason, reason))
        return;
    snprintf(shape->reason + used, sizeof shape->reason - used, "%s%s", used ? "," : "", reason);
}

static int shape_from_heads(const struct head *heads, size_t count, struct conflict_shape *shape)
{
    int rc = 0;
    if (count < 2)
        return 0;
    add_reason(shape, "concurrent");
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = seq_list_add(&shape->candidates, heads[i].seq);
        if (!same_text(heads[i].value, heads[0].value))
            shape->hard = true;
    }
    return rc;
}

/* Held changes are candidates beside every head, and always hard. */
static int shape_add_held(struct hub_store *store, const char *report_id, const char *field,
                          const struct head *heads, size_t count, struct conflict_shape *shape)
{
    struct seq_list held = {0};
    int rc = collect_seqs(store, held_sql, report_id, field, 0, &held);
    if (rc == 0 && held.count > 0) {
        add_reason(shape, "clock");
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
        rc = collect_seqs(store, concurrent_edits_sql, NULL, NULL, heads[i].seq, &edits);
        if (rc == 0 && edits.count > 0) {
            add_reason(shape, "delete");
            shape->hard = true;
            rc = seq_list_add(&shape->candidates, heads[i].seq);
            for (size_t k = 0; rc == 0 && k < edits.count; k++)
                rc = seq_list_add(&shape->candidates, edits.items[k]);
        }
        free(edits.items);
    }
    return rc;
}

static const char open_conflict_id_sql[] =
    "SELECT id FROM conflict WHERE report_id = ?1 AND field = ?2"
    " AND status = 'open'";

static int open_conflict_id(struct hub_store *store, const char *report_id, const char *field,
                            int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, open_conflict_id_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    *out = rc == SAE_DB_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW || rc == 0 ? 0 : rc;
}

static int exec_bound(struct hub_store *store, const char *sql, int64_t a, const char *text1,
                      const char *text2, int64_t b)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, a);
    if (rc == 0 && text1)
        rc = sae_db_bind_text(stmt, 2, text1);
    if (rc == 0 && text2)
        rc = sae_db_bind_text(stmt, 3, text2);
    if (rc == 0 && sae_db_param_count(stmt) >= 4)
        rc = sae_db_bind_int(stmt, 4, b);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char insert_conflict_sql[] =
    "INSERT INTO conflict(report_id, field, opened_ms, severity,"
    " reason, status) VALUES (?1, ?2, ?3, ?4, ?5, 'open')";

static int insert_conflict(struct hub_store *store, const char *report_id, const char *field,
                           const char *severity, const char *reason, int64_t now_ms,
                           int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, insert_conflict_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, now_ms);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, severity);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, reason);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc != 0)
        return rc;
    *out = sae_db_last_rowid(store->db);
    return 0;
}

/* Makes the field's open conflict match shape, opening one if needed. */
static int sync_conflict(struct hub_store *store, const char *report_id, const char *field,
                         const struct conflict_shape *shape, int64_t now_ms)
{
    int64_t id = 0;
    const char *severity = shape->hard ? "hard" : "soft";
    int rc = open_conflict_id(store, report_id, field, &id);
    /* Nothing concurrent is left, yet a conflict is open: later changes replaced every
     * candidate (a post re-dated its held change; a resolution of one field replaced the
     * only edit a delete had not seen). A resolution closes its own conflict itself. */
    if (rc == 0 && shape->candidates.count == 0 && id != 0)
        return exec_bound(store, "UPDATE conflict SET status = 'resolved', resolved_ms = ?4,"
                                 " resolved_by = ?2, note = ?3 WHERE id = ?1", id, "sae-hub",
                          "settled: later changes replaced every candidate (a post re-dated "
                          "its change after its clock was corrected, or a resolution)", now_ms);
    if (rc != 0 || (shape->candidates.count == 0))
        return rc;
    if (id == 0) {
        rc = insert_conflict(store, report_id, field, severity, shape->reason, now_ms, &id);
    } else {
        rc = exec_bound(store, "UPDATE conflict SET severity = ?2, reason = ?3 WHERE id = ?1",
                        id, severity, shape->reason, 0);
        if (rc == 0)
            rc = exec_bound(store, "DELETE FROM conflict_candidate WHERE conflict = ?1", id, NULL,
                            NULL, 0);
    }
    for (size_t i = 0; rc == 0 && i < shape->candidates.count; i++)
        rc = exec_bound(store, "INSERT INTO conflict_candidate(conflict, change) VALUES (?1, ?4)",
                        id, NULL, NULL, shape->candidates.items[i]);
    return rc;
}

/* A field with nothing held and no open conflict: the common case, checked in one query. */
#define QUIET_EXPRESSION                                                                   \
    " NOT EXISTS (SELECT 1 FROM change h WHERE h.report_id = ?1 AND h.field = ?2"          \
    "   AND h.held = 1 AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = h.seq))" \
    " AND NOT EXISTS (SELECT 1 FROM conflict WHERE report_id = ?1 AND field = ?2"           \
    "   AND status = 'open')"
static const char quiet_sql[] = "SELECT" QUIET_EXPRESSION;

static int field_is_quiet(struct hub_store *store, const char *report_id, const char *field,
                          bool *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, quiet_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        *out = sqlite3_column_int(stmt, 0) != 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_EDB : rc; /* the query always returns a row */
}

/* The field's current winner (found = false when it has none) and whether the field is
 * quiet (quiet_sql), in one statement: this runs once per field of every batch. */
static const char winner_quiet_sql[] =
    "SELECT c.version, c.origin, s.change IS NOT NULL," QUIET_EXPRESSION
    " FROM (SELECT 1) LEFT JOIN field_state s ON s.report_id = ?1 AND s.field = ?2"
    " LEFT JOIN change c ON c.seq = s.change";

static int winner_and_quiet(struct hub_store *store, const char *report_id, const char *field,
                            struct sae_version *winner, bool *found, bool *quiet)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, winner_quiet_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, field);
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
    "SELECT EXISTS (SELECT 1 FROM change WHERE report_id = ?1"
    " AND field = ?2)";

static int has_tombstone(struct hub_store *store, const char *report_id, bool *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, has_tombstone_sql, &stmt);
    if (rc == 0)
        rc = bind_field(stmt, report_id, SAE_FIELD_TOMBSTONE);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        *out = sqlite3_column_int(stmt, 0) != 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_EDB : rc; /* the query always returns a row */
}

int merge_state_fast_forward(struct hub_store *store, const char *report_id, const char *field,
                             int64_t seq, struct sae_version base, bool *done)
{
    struct sae_version winner = {0, 0};
    bool found = false, quiet = false, tombstone = strcmp(field, SAE_FIELD_TOMBSTONE) == 0;
    int rc = 0;
    *done = false;
    if (tombstone) {
        rc = seq == 0 ? has_tombstone(store, report_id, &found) : 0;
        *done = rc == 0 && seq == 0 && !found;
        return rc;
    }
    if (seq == 0)
        return 0;
    rc = winner_and_quiet(store, report_id, field, &winner, &found, &quiet);
    bool builds_on = found ? sae_version_compare(&winner, &base) == 0
                           : base.hlc == 0 && base.origin == 0;
    if (rc != 0 || !builds_on || !quiet)
        return rc;
    rc = set_winner(store, report_id, field, seq);
    *done = rc == 0;
    return rc;
}

int merge_state_recompute(struct hub_store *store, const char *report_id, const char *field,
                          int64_t now_ms)
{
    struct head *heads = NULL;
    size_t count = 0;
    bool quiet = false, tombstone = strcmp(field, SAE_FIELD_TOMBSTONE) == 0;
    struct conflict_shape shape;
    memset(&shape, 0, sizeof shape);
    int rc = load_heads(store, report_id, field, &heads, &count);
    if (rc != 0)
        return rc;
    /* Heads come ordered by (version, origin): the last one wins. */
    if (count > 0)
        rc = set_winner(store, report_id, field, heads[count - 1].seq);
    /* One head (or none), nothing held, no conflict open: a clean field, nothing more to
     * compute. A tombstone head still has to be checked against concurrent edits. */
    if (rc == 0 && count <= 1 && !(tombstone && count == 1))
        rc = field_is_quiet(store, report_id, field, &quiet);
    if (rc == 0 && quiet) {
        heads_free(heads, count);
        return 0;
    }
    if (rc == 0)
        rc = shape_from_heads(heads, count, &shape);
    if (rc == 0)
        rc = shape_add_held(store, report_id, field, heads, count, &shape);
    if (rc == 0 && tombstone)
        rc = shape_add_delete(store, heads, count, &shape);
    if (rc == 0)
        rc = sync_conflict(store, report_id, field, &shape, now_ms);
    free(shape.candidates.items);
    heads_free(heads, count);
    return rc;
}
