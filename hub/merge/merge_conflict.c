/* The conflict rows of one field: open for a coordinator, or settled by the hub. */
#include "merge/merge_conflict.h"
#include "merge/merge_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"

int seq_list_add(struct seq_list *list, int64_t seq)
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

void conflict_shape_add_reason(struct conflict_shape *shape, const char *reason)
{
    size_t used = strlen(shape->reason);
    if (strstr(shape->reason, reason))
        return;
    snprintf(shape->reason + used, sizeof shape->reason - used, "%s%s", used ? "," : "", reason);
}

/* The id of the field's conflict that sql (?1 report, ?2 field) finds, 0 for none. */
static int conflict_id(struct hub_store *store, const char *sql, const char *report_id,
                       const char *field, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = merge_bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    *out = rc == SAE_DB_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW || rc == 0 ? 0 : rc;
}

static const char open_conflict_id_sql[] =
    "SELECT id FROM conflict WHERE report_id = ?1 AND field = ?2"
    " AND status = 'open'";
static const char last_settled_id_sql[] =
    "SELECT id FROM conflict WHERE report_id = ?1 AND field = ?2 AND status = 'resolved'"
    " AND resolved_by = '" MERGE_HUB_AUTHOR "' AND note = '" MERGE_NOTE_EQUAL "'"
    " ORDER BY id DESC LIMIT 1";

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
    "INSERT INTO conflict(report_id, field, opened_ms, severity, reason, status)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 'open')";
static const char close_settled_sql[] =
    "UPDATE conflict SET status = 'resolved', resolved_ms = ?4, resolved_by = '"
    MERGE_HUB_AUTHOR "', note = ?2 WHERE id = ?1";

static int insert_conflict(struct hub_store *store, const char *report_id, const char *field,
                           const struct conflict_shape *shape, int64_t now_ms, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, insert_conflict_sql, &stmt);
    if (rc == 0)
        rc = merge_bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, now_ms);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, shape->hard ? "hard" : "soft");
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, shape->reason);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc != 0)
        return rc;
    *out = sae_db_last_rowid(store->db);
    return 0;
}

/* The conflict's candidates become those of shape. */
static int write_candidates(struct hub_store *store, int64_t id,
                            const struct conflict_shape *shape)
{
    int rc = exec_bound(store, "DELETE FROM conflict_candidate WHERE conflict = ?1", id, NULL,
                        NULL, 0);
    for (size_t i = 0; rc == 0 && i < shape->candidates.count; i++)
        rc = exec_bound(store, "INSERT INTO conflict_candidate(conflict, change) VALUES (?1, ?4)",
                        id, NULL, NULL, shape->candidates.items[i]);
    return rc;
}

static int compare_seq(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static const char candidates_sql[] =
    "SELECT change FROM conflict_candidate WHERE conflict = ?1 ORDER BY change";

/* Whether conflict id has exactly the candidates of shape. */
static int same_candidates(struct hub_store *store, int64_t id,
                           const struct conflict_shape *shape, bool *out)
{
    size_t n = shape->candidates.count, i = 0;
    int64_t *sorted = malloc(n * sizeof *sorted);
    sqlite3_stmt *stmt = NULL;
    bool same = true;
    if (!sorted)
        return SAE_ENOMEM;
    memcpy(sorted, shape->candidates.items, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_seq);
    int rc = hub_store_prepare(store, candidates_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, id);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        same = same && i < n && sorted[i] == sqlite3_column_int64(stmt, 0);
        i++;
        rc = 0;
    }
    sae_db_reset(stmt);
    free(sorted);
    if (rc == 0)
        *out = same && i == n;
    return rc;
}

/* Equal values need no coordinator: an open conflict of the field is closed by the hub,
 * or the settlement is recorded as a conflict resolved at once, unless the last one
 * recorded had these very candidates (the field was recomputed again, nothing changed). */
static int settle_equal(struct hub_store *store, const char *report_id, const char *field,
                        const struct conflict_shape *shape, int64_t open_id, int64_t now_ms)
{
    int64_t id = open_id;
    bool recorded = false;
    int rc = 0;
    if (id == 0) {
        rc = conflict_id(store, last_settled_id_sql, report_id, field, &id);
        if (rc == 0 && id != 0)
            rc = same_candidates(store, id, shape, &recorded);
        if (rc != 0 || recorded)
            return rc;
        rc = insert_conflict(store, report_id, field, shape, now_ms, &id);
    } else {
        rc = exec_bound(store, "UPDATE conflict SET severity = 'soft', reason = ?2 WHERE id = ?1",
                        id, shape->reason, NULL, 0);
    }
    if (rc == 0)
        rc = write_candidates(store, id, shape);
    if (rc == 0)
        rc = exec_bound(store, close_settled_sql, id, MERGE_NOTE_EQUAL, NULL, now_ms);
    return rc;
}

int merge_conflict_sync(struct hub_store *store, const char *report_id, const char *field,
                        const struct conflict_shape *shape, int64_t now_ms, bool *open)
{
    int64_t id = 0;
    int rc = conflict_id(store, open_conflict_id_sql, report_id, field, &id);
    *open = false;
    if (rc != 0)
        return rc;
    /* Nothing concurrent is left, yet a conflict is open: later changes replaced every
     * candidate (a post re-dated its held change; a resolution of one field replaced the
     * only edit a delete had not seen). A resolution closes its own conflict itself. */
    if (shape->candidates.count == 0)
        return id == 0 ? 0 : exec_bound(store, close_settled_sql, id, MERGE_NOTE_REPLACED, NULL,
                                        now_ms);
    if (!shape->hard)
        return settle_equal(store, report_id, field, shape, id, now_ms);
    if (id == 0)
        rc = insert_conflict(store, report_id, field, shape, now_ms, &id);
    else
        rc = exec_bound(store, "UPDATE conflict SET severity = 'hard', reason = ?2 WHERE id = ?1",
                        id, shape->reason, NULL, 0);
    if (rc == 0)
        rc = write_candidates(store, id, shape);
    *open = rc == 0;
    return rc;
}
