/* Reading conflicts: the conflict row, the field's current value, every candidate
 * numbered as merge_resolve numbers them, and the resolution once there is one. */
#include "store/hub_read.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"

static const char select_conflicts_sql[] =
    "SELECT k.id, k.report_id, k.field, k.severity, k.reason, k.status, k.opened_ms,"
    " k.resolved_ms, k.resolved_by, k.note, k.resolution, r.kind, r.village,"
    " " HUB_VILLAGE_NAME_SQL("r.village") " FROM conflict k JOIN report r ON r.id = k.report_id"
    " WHERE (?1 IS NULL OR k.id = ?1) AND (?2 OR k.status = 'open') ORDER BY k.id";

/* The order of merge_district.c's candidate_at, (version, origin); seq only orders changes of one
 * command, which share a version and resolve alike. */
static const char select_candidates_sql[] =
    "SELECT c.seq, c.field, revealed(c.seq, c.value), c.version, c.origin, c.village,"
    " c.author, c.held,"
    " c.note, " HUB_DEVICE_NAME_SQL("c.origin", "?2", "?3")
    " FROM conflict_candidate k JOIN change c ON c.seq = k.change WHERE k.conflict = ?1"
    " ORDER BY c.version, c.origin, c.seq";

static const char select_winner_sql[] =
    "SELECT revealed(c.seq, c.value), c.version, c.origin FROM field_state s"
    " JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = ?1 AND s.field = ?2";

static const char select_change_sql[] =
    "SELECT revealed(seq, value), version, origin FROM change WHERE seq = ?1";

/* The statements one conflict needs besides its own row, prepared once per list. */
struct conflict_reader {
    sqlite3_stmt *conflicts, *candidates, *winner, *change;
    uint64_t hub_id; /* district changes: the hub's origin */
};

static void reader_finish(struct conflict_reader *r)
{
    sae_db_finalize(r->conflicts);
    sae_db_finalize(r->candidates);
    sae_db_finalize(r->winner);
    sae_db_finalize(r->change);
}

static int reader_prepare(struct hub_store *store, struct conflict_reader *r)
{
    memset(r, 0, sizeof *r);
    int rc = sae_db_prepare(store->db, select_conflicts_sql, &r->conflicts);
    if (rc == 0)
        rc = sae_db_prepare(store->db, select_candidates_sql, &r->candidates);
    if (rc == 0)
        rc = sae_db_prepare(store->db, select_winner_sql, &r->winner);
    if (rc == 0)
        rc = sae_db_prepare(store->db, select_change_sql, &r->change);
    if (rc == 0)
        rc = sae_db_bind_int(r->candidates, 2, (int64_t)store->hub_id);
    if (rc == 0)
        rc = sae_db_bind_text(r->candidates, 3, store->name);
    r->hub_id = store->hub_id;
    if (rc != 0) {
        reader_finish(r);
        return rc;
    }
    return 0;
}

void hub_conflict_free(struct hub_conflict *conflict)
{
    if (!conflict)
        return;
    for (size_t i = 0; i < conflict->candidate_count; i++) {
        free(conflict->candidates[i].field);
        free(conflict->candidates[i].value);
        free(conflict->candidates[i].village);
        free(conflict->candidates[i].author);
        free(conflict->candidates[i].device);
        free(conflict->candidates[i].note);
    }
    free(conflict->candidates);
    free(conflict->village);
    free(conflict->village_name);
    free(conflict->field);
    free(conflict->reason);
    free(conflict->winner_value);
    free(conflict->resolved_by);
    free(conflict->note);
    free(conflict->resolution_value);
    free(conflict);
}

/* sae_db_column_dup for struct initializers: *failed is set when a copy could not be made. */
static char *column_dup(sqlite3_stmt *stmt, int column, bool *failed)
{
    char *copy = NULL;
    if (sae_db_column_dup(stmt, column, &copy) != 0)
        *failed = true;
    return copy;
}

static int load_candidates(struct conflict_reader *r, struct hub_conflict *k)
{
    int err = 0;
    int rc = sae_db_bind_int(r->candidates, 1, k->id);
    while (err == 0 && rc == 0 && (rc = sae_db_step(r->candidates)) == SAE_DB_ROW) {
        sqlite3_stmt *s = r->candidates;
        struct hub_candidate *grown =
            realloc(k->candidates, (k->candidate_count + 1) * sizeof *grown);
        bool failed = false;
        if (!grown) {
            err = SAE_ENOMEM;
            break;
        }
        k->candidates = grown;
        struct hub_candidate *c = &k->candidates[k->candidate_count++];
        *c = (struct hub_candidate){
            .number = (int)k->candidate_count,
            .seq = sqlite3_column_int64(s, 0),
            .field = column_dup(s, 1, &failed),
            .value = column_dup(s, 2, &failed),
            .version = {(sae_hlc)sqlite3_column_int64(s, 3), (uint64_t)sqlite3_column_int64(s, 4)},
            .village = column_dup(s, 5, &failed),
            .author = column_dup(s, 6, &failed),
            .held = sqlite3_column_int(s, 7) != 0,
            .note = column_dup(s, 8, &failed),
            .device = column_dup(s, 9, &failed),
        };
        c->district = c->version.origin == r->hub_id;
        if (failed)
            err = SAE_ENOMEM;
        else if (!c->field || !c->village)
            err = SAE_ECORRUPT;
        rc = 0;
    }
    if (err == 0 && rc != 0)
        err = rc;
    sae_db_reset(r->candidates);
    return err;
}

/* Reads value, version and origin (columns 0..2) of a one-row statement into the outputs;
 * *found is false when there is no row. */
static int read_value_row(sqlite3_stmt *stmt, bool *found, char **value,
                          struct sae_version *version)
{
    bool failed = false;
    int rc = sae_db_step(stmt);
    int err = 0;
    if (rc == SAE_DB_ROW) {
        *found = true;
        *value = column_dup(stmt, 0, &failed);
        *version = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 1),
                                        (uint64_t)sqlite3_column_int64(stmt, 2)};
        err = failed ? SAE_ENOMEM : 0;
    } else if (rc != 0) {
        err = rc;
    }
    sae_db_reset(stmt);
    return err;
}

static int load_winner(struct conflict_reader *r, struct hub_conflict *k)
{
    int rc = sae_db_bind_text(r->winner, 1, k->report_id);
    if (rc == 0)
        rc = sae_db_bind_text(r->winner, 2, k->field);
    if (rc != 0)
        return rc;
    return read_value_row(r->winner, &k->has_winner, &k->winner_value, &k->winner_version);
}

static int load_resolution(struct conflict_reader *r, struct hub_conflict *k, int64_t seq)
{
    int rc = sae_db_bind_int(r->change, 1, seq);
    if (rc != 0)
        return rc;
    return read_value_row(r->change, &k->has_resolution, &k->resolution_value,
                          &k->resolution_version);
}

/* The conflict of the current row of r->conflicts, with everything it refers to. */
static int build_conflict(struct conflict_reader *r, struct hub_conflict **out)
{
    sqlite3_stmt *s = r->conflicts;
    const struct sae_kind *kind = NULL;
    const unsigned char *report_id = sqlite3_column_text(s, 1);
    const unsigned char *kind_name = sqlite3_column_text(s, 11);
    const unsigned char *status = sqlite3_column_text(s, 5);
    const unsigned char *severity = sqlite3_column_text(s, 3);
    bool failed = false;
    if (!report_id || strlen((const char *)report_id) != SAE_ID_TEXT_LEN || !kind_name ||
        !status || !severity || sae_catalogue_find_kind((const char *)kind_name, &kind) != 0)
        return SAE_ECORRUPT;
    struct hub_conflict *k = calloc(1, sizeof *k);
    if (!k)
        return SAE_ENOMEM;
    k->id = sqlite3_column_int64(s, 0);
    memcpy(k->report_id, report_id, SAE_ID_TEXT_LEN + 1);
    k->kind = kind;
    k->field = column_dup(s, 2, &failed);
    k->hard = strcmp((const char *)severity, "hard") == 0;
    k->reason = column_dup(s, 4, &failed);
    k->open = strcmp((const char *)status, "open") == 0;
    k->opened_ms = sqlite3_column_int64(s, 6);
    k->resolved_ms = sqlite3_column_int64(s, 7);
    k->resolved_by = column_dup(s, 8, &failed);
    k->note = column_dup(s, 9, &failed);
    int64_t resolution = sqlite3_column_int64(s, 10);
    k->village = column_dup(s, 12, &failed);
    k->village_name = column_dup(s, 13, &failed);
    int rc = failed ? SAE_ENOMEM : 0;
    if (rc == 0 && (!k->field || !k->reason || !k->village))
        rc = SAE_ECORRUPT;
    if (rc == 0)
        rc = load_candidates(r, k);
    if (rc == 0)
        rc = load_winner(r, k);
    if (rc == 0 && !k->open && resolution != 0)
        rc = load_resolution(r, k, resolution);
    if (rc != 0) {
        hub_conflict_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

int hub_conflict_list(struct hub_store *store, bool include_resolved,
                      hub_conflict_visit_fn visit, void *context)
{
    struct conflict_reader r;
    int err = reader_prepare(store, &r);
    if (err != 0)
        return err;
    int rc = sae_db_bind_int(r.conflicts, 2, include_resolved);
    while (err == 0 && rc == 0 && (rc = sae_db_step(r.conflicts)) == SAE_DB_ROW) {
        struct hub_conflict *k = NULL;
        err = build_conflict(&r, &k);
        if (err == 0)
            err = visit(k, context);
        hub_conflict_free(k);
        rc = 0;
    }
    if (err == 0 && rc != 0)
        err = rc;
    reader_finish(&r);
    return err;
}

int hub_conflict_load(struct hub_store *store, int64_t id, struct hub_conflict **out)
{
    struct conflict_reader r;
    if (id <= 0)
        return SAE_ENOTFOUND;
    int err = reader_prepare(store, &r);
    if (err != 0)
        return err;
    int rc = sae_db_bind_int(r.conflicts, 1, id);
    if (rc == 0)
        rc = sae_db_bind_int(r.conflicts, 2, 1);
    if (rc == 0)
        rc = sae_db_step(r.conflicts);
    if (rc == SAE_DB_ROW)
        err = build_conflict(&r, out);
    else
        err = rc == 0 ? SAE_ENOTFOUND : rc;
    reader_finish(&r);
    return err;
}

static const char hub_report_open_conflicts_sql[] =
    "SELECT id, field FROM conflict WHERE report_id = ?1"
    " AND status = 'open' ORDER BY id";

int hub_report_open_conflicts(struct hub_store *store, const char *id,
                              struct hub_open_conflict **out, size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    struct hub_open_conflict *items = NULL;
    size_t n = 0;
    int err = 0;
    int rc = sae_db_prepare(store->db, hub_report_open_conflicts_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_open_conflict *grown = realloc(items, (n + 1) * sizeof *grown);
        const unsigned char *field = sqlite3_column_text(stmt, 1);
        if (!grown) {
            err = SAE_ENOMEM;
            break;
        }
        items = grown;
        items[n].id = sqlite3_column_int64(stmt, 0);
        snprintf(items[n].field, sizeof items[n].field, "%s", field ? (const char *)field : "");
        n++;
        rc = 0;
    }
    sae_db_finalize(stmt);
    if (err == 0 && rc != 0)
        err = rc;
    if (err != 0) {
        free(items);
        return err;
    }
    *out = items;
    *count = n;
    return 0;
}
