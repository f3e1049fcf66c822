#include "store/hub_copy.h"
#include "store/journal.h"
#include "store/value_seal.h"
#include "store/node_meta.h"
#include "store/restamp.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_wire.h"

/* Own entries to re-date, in journal order: those the hub holds for their date, and pending
 * ones written under an earlier clock correction (seq below the mark set when the measured
 * offset changed), dated in the future even by the corrected clock and past every version
 * received from others (?4), or built on an entry that was re-dated since (its base must
 * name the new version). An entry another one already re-dates is done. */
static const char candidates_sql[] =
    "SELECT seq, report_id, kind, field, value, version, base_version, base_origin,"
    " seen_cursor, seq IN (SELECT seq FROM set_aside WHERE code = ?5) FROM journal j"
    " WHERE origin = ?1 AND origin_seq IS NULL"
    " AND coalesce(value, '') <> '" VALUE_SEAL_ERASED "'"
    " AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.restamp_of = j.seq)"
    " AND (seq IN (SELECT seq FROM set_aside WHERE code = ?5)"
    "   OR (seq > ?2 AND seq NOT IN (SELECT seq FROM set_aside)"
    "     AND ((seq < ?3 AND restamp_of IS NULL) OR version > ?4"
    "       OR (base_origin = ?1 AND EXISTS (SELECT 1 FROM journal_entry o"
    "         JOIN journal_entry n ON n.restamp_of = o.seq"
    "         WHERE o.report_num = (SELECT e.report_num FROM journal_entry e"
    "           WHERE e.seq = j.seq)"
    "         AND o.field = j.field"
    "         AND o.version = j.base_version AND o.origin = j.base_origin)))))"
    /* Implied by the above; it lets SQLite read the journal from there on instead of the
     * whole of it (the OR kept it from using the rowid: 288 ms a round at 10,000 reports). */
    " AND seq > coalesce(min(?2, (SELECT min(seq) - 1 FROM set_aside WHERE code = ?5)), ?2)"
    " ORDER BY seq";

/* Whether any entry can be a candidate: an own entry past the acknowledged one, or one the
 * hub holds for its date. Most rounds have none, and need neither the candidates nor the
 * newest version received (a read of every entry from others). */
static const char may_restamp_sql[] =
    "SELECT EXISTS (SELECT 1 FROM journal_entry WHERE seq > ?2 AND origin = ?1"
    " AND origin_seq IS NULL) OR EXISTS (SELECT 1 FROM set_aside WHERE code = ?3)";

/* The entry that re-dates the own entry of this field and version, if any. */
static const char redated_base_sql[] =
    "SELECT n.version FROM journal_entry o JOIN journal_entry n ON n.restamp_of = o.seq"
    " WHERE o.report_num = " REPORT_NUM("?1")
    " AND o.field = ?2 AND o.version = ?3 AND o.origin = ?4";

/* The newest version that stays: new versions must come after it. */
static const char floor_sql[] =
    "SELECT coalesce(max(version), 0) FROM journal_entry j"
    " WHERE seq NOT IN (SELECT seq FROM redate)"
    " AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.restamp_of = j.seq)";

/* A re-dated entry is the same person's change: it keeps the author of the one it re-dates,
 * and the hub's copy of its value (hub_copy.h), which is the same value: its own copy, or
 * its slot in a value box (hub_copy_box_follow). */
static const char insert_sql[] =
    "INSERT INTO journal_entry(report_num, kind, field, value, version, origin, base_version,"
    " base_origin, seen_cursor, restamp_of, author, hub_sealed) VALUES (" REPORT_NUM("?1") ","
    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT author FROM journal_entry WHERE seq = ?10),"
    " (SELECT hub_sealed FROM journal_entry WHERE seq = ?10))";

/* The field's state again, now that its re-dated entry no longer counts. */
/* The state is in the field's row of field_shown (migration 15), whose shown columns
 * journal_refresh_shown takes again after. */
static const char recompute_sql[] =
    "INSERT INTO field_shown_row(report_num, field, value, version, origin, under_review, seq)"
    " SELECT report_num, field, NULL, version, origin, 0, seq FROM journal_entry j"
    " WHERE report_num = " REPORT_NUM("?1") " AND field = ?2"
    " AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.restamp_of = j.seq)"
    " ORDER BY version DESC, origin DESC, seq DESC LIMIT 1"
    " ON CONFLICT(report_num, field) DO UPDATE SET"
    " state_version = excluded.version, state_origin = excluded.origin, seq = excluded.seq";

static const char unset_aside_sql[] = "DELETE FROM set_aside WHERE seq = ?1";

struct entry {
    int64_t seq, version, base_version, base_origin, seen_cursor, new_version;
    char *report_id, *kind, *field, *value;
    bool held;
};

struct entries {
    struct entry *items;
    size_t count, capacity;
};

static void entries_free(struct entries *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].report_id);
        free(list->items[i].kind);
        free(list->items[i].field);
        free(list->items[i].value);
    }
    free(list->items);
}

static int entry_read(sqlite3_stmt *stmt, struct entries *list)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        struct entry *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown)
            return SAE_ENOMEM;
        list->items = grown;
        list->capacity = capacity;
    }
    struct entry *e = &list->items[list->count];
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(stmt, 0);
    e->version = sqlite3_column_int64(stmt, 5);
    e->base_version = sqlite3_column_int64(stmt, 6);
    e->base_origin = sqlite3_column_int64(stmt, 7);
    e->seen_cursor = sqlite3_column_int64(stmt, 8);
    e->held = sqlite3_column_int(stmt, 9) != 0;
    list->count++;
    int rc = sae_db_column_dup(stmt, 1, &e->report_id);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 2, &e->kind);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 3, &e->field);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 4, &e->value);
    if (rc == 0 && !(e->report_id && e->kind && e->field))
        rc = SAE_ECORRUPT; /* NOT NULL columns */
    return rc;
}

static int read_candidates(struct node_store *store, const int64_t params[5],
                           struct entries *list)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, candidates_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 1, params, 5);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = entry_read(stmt, list);
    sae_db_reset(stmt);
    return rc;
}

static const char redate_table_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS redate(seq INTEGER PRIMARY KEY); DELETE FROM temp.redate";
static const char redate_insert_sql[] = "INSERT INTO temp.redate VALUES (?1)";

/* The floor excludes the entries being re-dated: a temporary table names them. */
static int read_floor(struct node_store *store, const struct entries *list, int64_t *floor)
{
    int rc = sae_db_exec(store->db, redate_table_sql);
    for (size_t i = 0; rc == 0 && i < list->count; i++)
        rc = sae_db_run(store->db, &store->statements, redate_insert_sql, &list->items[i].seq, 1);
    if (rc == 0)
        rc = sae_db_query_int(store->db, &store->statements, floor_sql, NULL, 0, floor);
    return rc;
}

/* Whether an own entry of the report already carries the version. */
static const char version_taken_sql[] =
    "SELECT EXISTS (SELECT 1 FROM journal_entry WHERE report_num = " REPORT_NUM("?1")
    " AND origin = ?2 AND version = ?3)";

static int version_taken(struct node_store *store, const char *report_id, sae_hlc version,
                         bool *taken)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t ints[] = {(int64_t)store->origin, (int64_t)version};
    int rc = sae_db_prepare_cached(store->db, &store->statements, version_taken_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 2, ints, 2);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *taken = sqlite3_column_int(stmt, 0) != 0;
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ECORRUPT; /* EXISTS always answers a row */
    }
    sae_db_reset(stmt);
    return rc;
}

/* New versions in journal order; entries of one original version (one command) share one.
 * The floor leaves out entries re-dated before, so a clock swinging back and forth comes
 * by versions issued already: a new version is never one an own entry of the report holds
 * (not the one it re-dates: the wire forbids supersedes == hlc; nor an older one: a base
 * naming it would lead to two entries, and re-dating would chase them in a cycle). */
static int assign_versions(struct node_store *store, struct entries *list, int64_t floor,
                           uint64_t now_ms)
{
    sae_hlc last = (sae_hlc)floor, next = 0;
    for (size_t i = 0; i < list->count; i++) {
        struct entry *e = &list->items[i];
        bool same_group = i > 0 && list->items[i - 1].version == e->version &&
                          strcmp(list->items[i - 1].report_id, e->report_id) == 0;
        bool taken = !same_group;
        int rc = 0;
        for (sae_hlc from = last; rc == 0 && taken; from = next) {
            rc = sae_hlc_tick(from, now_ms, &next);
            if (rc == 0)
                rc = version_taken(store, e->report_id, next, &taken);
        }
        if (rc != 0)
            return rc;
        last = next;
        e->new_version = (int64_t)next;
    }
    return 0;
}

/* Re-dates of re-dates followed before the chain is taken for a cycle (a damaged journal). */
#define REBASE_HOPS_MAX 64

static const char newest_received_sql[] =
    "SELECT coalesce(max(version), 0) FROM journal_entry WHERE origin <> ?1";

/* The latest an own entry may be dated without being re-dated: the corrected time or the
 * newest version received from others (a post's clock follows what it receives, and the hub
 * accepts versions up to a day ahead: following one is no error of this computer's clock),
 * plus the tolerance. */
static int future_ceiling(struct node_store *store, uint64_t now_ms, sae_hlc *out)
{
    int64_t newest = 0;
    const int64_t own = (int64_t)store->origin;
    int rc = sae_db_query_int(store->db, &store->statements, newest_received_sql, &own, 1,
                              &newest);
    uint64_t ms = sae_hlc_ms((sae_hlc)newest) > now_ms ? sae_hlc_ms((sae_hlc)newest) : now_ms;
    ms += NODE_CLOCK_TOLERANCE_MS;
    if (rc == 0)
        rc = sae_hlc_pack(ms < SAE_HLC_MS_MAX ? ms : SAE_HLC_MS_MAX, SAE_HLC_COUNTER_MAX, out);
    return rc;
}

/* A base that names an own entry re-dated (in this pass, whose entries are written in
 * order, or before) names its newest version instead; re-dating can chain. */
static int rebase(struct node_store *store, struct entry *e)
{
    sqlite3_stmt *stmt = NULL;
    if ((uint64_t)e->base_origin != store->origin || e->base_version == 0)
        return 0;
    int rc = sae_db_prepare_cached(store->db, &store->statements, redated_base_sql, &stmt);
    for (int hops = 0; rc == 0 && hops < REBASE_HOPS_MAX; hops++) {
        const int64_t version[] = {e->base_version, e->base_origin};
        rc = sae_db_bind_text(stmt, 1, e->report_id);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 2, e->field);
        if (rc == 0)
            rc = sae_db_bind_ints(stmt, 3, version, 2);
        if (rc == 0)
            rc = sae_db_step(stmt);
        if (rc == SAE_DB_ROW)
            e->base_version = sqlite3_column_int64(stmt, 0);
        sae_db_reset(stmt);
        if (rc == 0)
            return 0;
        if (rc == SAE_DB_ROW)
            rc = 0;
    }
    return rc == 0 ? SAE_ECORRUPT : rc; /* a cycle of re-dated entries */
}

static int write_entry(struct node_store *store, const struct entry *e)
{
    sqlite3_stmt *ins = NULL, *state = NULL, *unset = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, insert_sql, &ins);
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, recompute_sql, &state);
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, unset_aside_sql, &unset);
    if (rc != 0)
        return rc;
    const int64_t ints[] = {e->new_version, (int64_t)store->origin, e->base_version,
                            e->base_origin, e->seen_cursor, e->seq};
    rc = sae_db_bind_text(ins, 1, e->report_id);
    if (rc == 0)
        rc = sae_db_bind_text(ins, 2, e->kind);
    if (rc == 0)
        rc = sae_db_bind_text(ins, 3, e->field);
    if (rc == 0)
        rc = sae_db_bind_text(ins, 4, e->value);
    if (rc == 0)
        rc = sae_db_bind_ints(ins, 5, ints, sizeof ints / sizeof ints[0]);
    if (rc == 0)
        rc = sae_db_step_done(ins);
    if (rc == 0)
        rc = hub_copy_box_follow(store, e->seq, sae_db_last_rowid(store->db));
    if (rc == 0)
        rc = sae_db_bind_text(state, 1, e->report_id);
    if (rc == 0)
        rc = sae_db_bind_text(state, 2, e->field);
    if (rc == 0)
        rc = sae_db_step_done(state);
    if (rc == 0)
        rc = journal_refresh_shown(store, e->report_id, e->field);
    if (rc == 0)
        rc = sae_db_bind_int(unset, 1, e->seq);
    if (rc == 0)
        rc = sae_db_step_done(unset);
    sae_db_reset(ins);
    sae_db_reset(state);
    sae_db_reset(unset);
    return rc;
}

/* The clock issues versions after the last one written; a clock that ran ahead comes back
 * to the floor (the HLC's one step back, taken only here, with the entries it dated
 * re-dated in the same transaction). */
static int reset_clock(struct node_store *store, const struct entries *list, uint64_t now_ms)
{
    int64_t clock = 0, floor = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_CLOCK, &clock);
    if (rc != 0 || (int64_t)sae_hlc_ms((sae_hlc)clock) <= (int64_t)now_ms + NODE_CLOCK_TOLERANCE_MS)
        return rc;
    if (list->count)
        floor = list->items[list->count - 1].new_version;
    else
        rc = read_floor(store, list, &floor);
    return rc == 0 ? sae_db_set_meta_int(store->db, NODE_META_CLOCK, floor) : rc;
}

static int restamp_in_transaction(struct node_store *store, size_t *restamped)
{
    struct entries list = {0};
    int64_t offset = 0, acked = 0, mark = 0, floor = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_CLOCK_OFFSET_MS, &offset);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, NODE_META_ACKED_SEQ, &acked);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, NODE_META_RESTAMP_BELOW_SEQ, &mark);
    uint64_t now_ms = node_store_corrected_ms(offset);
    const int64_t may_params[3] = {(int64_t)store->origin, acked, SAE_STATUS_CLOCK_AHEAD};
    int64_t may = 0;
    if (rc == 0)
        rc = sae_db_query_int(store->db, &store->statements, may_restamp_sql, may_params, 3,
                              &may);
    sae_hlc future = 0;
    if (rc == 0 && may)
        rc = future_ceiling(store, now_ms, &future);
    const int64_t params[5] = {(int64_t)store->origin, acked, mark, (int64_t)future,
                               SAE_STATUS_CLOCK_AHEAD};
    if (rc == 0 && may)
        rc = read_candidates(store, params, &list);
    if (rc == 0 && list.count)
        rc = read_floor(store, &list, &floor);
    if (rc == 0 && list.count)
        rc = assign_versions(store, &list, floor, now_ms);
    for (size_t i = 0; rc == 0 && i < list.count; i++) {
        rc = rebase(store, &list.items[i]);
        if (rc == 0)
            rc = write_entry(store, &list.items[i]);
    }
    if (rc == 0)
        rc = reset_clock(store, &list, now_ms);
    if (rc == 0)
        *restamped = list.count;
    entries_free(&list);
    return rc;
}

int restamp_pending(struct node_store *store, size_t *restamped)
{
    size_t count = 0;
    int rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    rc = restamp_in_transaction(store, &count);
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0) {
        node_store_rollback(store);
        return rc;
    }
    *restamped = count;
    return 0;
}
