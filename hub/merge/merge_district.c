/* District edits and coordinators' resolutions: new versions by the hub's origin, based
 * on the current one, each in one write transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/merge.h"
#include "store/hub_meta.h"
#include "merge/merge_rows.h"
#include "merge/merge_field.h"
#include "sae/sae_borrow.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_plan.h"
#include "sae/sae_wipe.h"
#include "store/value_vault.h"

static const char current_winner_sql[] =
    "SELECT c.version, c.origin, c.value FROM field_state s"
    " JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = ?1 AND s.field = ?2";

/* The winning change of a field: its version and value; version {0,0} when never written. */
static int current_winner(struct hub_store *store, const char *report_id, const char *field,
                          struct sae_version *version, char **value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, current_winner_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    struct sae_version v = {0, 0};
    char *text = NULL;
    if (rc == SAE_DB_ROW) {
        v.hlc = (sae_hlc)sqlite3_column_int64(stmt, 0);
        v.origin = (uint64_t)sqlite3_column_int64(stmt, 1);
        rc = sae_db_column_dup(stmt, 2, &text);
    }
    sae_db_reset(stmt);
    if (rc != 0) {
        free(text);
        return rc;
    }
    *version = v;
    if (value)
        *value = text;
    else
        free(text);
    return 0;
}

/* *out: whether value (NULL: unset) is the field's current winning value. A sealed field's
 * value is compared by its keyed token (value_vault.h), so no coordinator's key is needed:
 * an edit that repeats a name the caller cannot read is seen as the repeat it is. */
static int district_unchanged(struct hub_store *store, const char *report_id,
                              const char *field, const char *value, bool *out)
{
    struct sae_version version;
    char *stored = NULL;
    int rc = current_winner(store, report_id, field, &version, &stored);
    if (rc != 0)
        return rc;
    bool same = stored == NULL || value == NULL ? stored == value : strcmp(stored, value) == 0;
    if (!same && value != NULL && value_vault_is_token(stored)) {
        char token[VALUE_TOKEN_TEXT_BYTES];
        rc = value_vault_token(store, field, value, token);
        same = rc == 0 && strcmp(stored, token) == 0;
    }
    free(stored);
    if (rc == 0)
        *out = same;
    return rc;
}

static int is_deleted(struct hub_store *store, const char *report_id, bool *out)
{
    struct sae_version v;
    char *value = NULL;
    int rc = current_winner(store, report_id, SAE_FIELD_TOMBSTONE, &v, &value);
    if (rc == 0)
        *out = value != NULL;
    free(value);
    return rc;
}

/* Writes a district change (an edit, or a resolution with its coordinator's note) on top
 * of the field's current winner. */
/* value_of: the change whose stored value this one takes as it is (0: value is plain). */
static int write_district_change(struct hub_store *store, int64_t report_no,
                                 const char *report_id, const char *kind,
                                 const char *village, const char *field,
                                 const char *value, int64_t value_of, const char *author,
                                 const char *note, int64_t now_ms, int64_t *seq)
{
    struct stored_change row = {.report_no = report_no, .report_id = report_id,
                                .kind = kind, .village = village,
                                .field = field, .value = value, .author = author,
                                .note = note, .received_ms = now_ms, .value_of = value_of};
    int64_t district_seq = 0;
    sae_hlc version = 0;
    int rc = current_winner(store, report_id, field, &row.base, NULL);
    if (rc == 0)
        rc = hub_store_next_version(store, now_ms, &version);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, HUB_META_DISTRICT_SEQ, &district_seq);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, HUB_META_DISTRICT_SEQ, ++district_seq);
    /* The district sees every change the hub holds. */
    if (rc == 0)
        rc = hub_store_query_int(store, "SELECT coalesce(max(seq), 0) FROM change", NULL, 0,
                              &row.seen_cursor);
    row.version = (struct sae_version){version, store->hub_id};
    row.node_seq = district_seq;
    if (rc == 0)
        rc = merge_insert_change(store, &row, seq);
    return rc;
}

static int check_district_value(const char *kind, const char *field, const char *value,
                                struct sae_message *why)
{
    struct sae_change probe = {.kind = sae_borrow(kind), .field = sae_borrow(field),
                               .value = sae_borrow(value)};
    char message[SAE_CHANGE_MESSAGE_BYTES];
    if (strcmp(field, SAE_FIELD_TOMBSTONE) != 0 && sae_change_check_catalogue(&probe, message) != 0) {
        sae_message_set(why, "%s", message);
        return SAE_EINVAL;
    }
    return 0;
}

/* What a post may not do, the district may not either: edit an append-only event, or
 * leave a required field empty. */
static int check_district_edit(const char *kind_name, const char *field_name, const char *value,
                               struct sae_message *why)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    int rc = check_district_value(kind_name, field_name, value, why);
    if (rc != 0)
        return rc;
    if (sae_catalogue_find_kind(kind_name, &kind) == 0 && kind->append_only) {
        sae_message_set(why, "%s reports are append-only events and cannot be edited", kind_name);
        return SAE_EINVAL;
    }
    /* Old fields are read, never written; a case's number is the post's. */
    if (kind && sae_catalogue_find_field(kind, field_name, &field) == 0 &&
        sae_edit_check(field, value ? SAE_EDIT_SET : SAE_EDIT_UNSET, why) != 0)
        return SAE_EINVAL;
    return 0;
}

static int finish_district(struct hub_store *store, const char *report_id, const char *field,
                           int64_t now_ms, int rc)
{
    struct touched touched = {0};
    if (rc == 0)
        rc = merge_touched_add(&touched, report_id, field);
    return merge_finish_touched(store, &touched, now_ms, rc);
}

/* What a district edit of one field may not do (before anything is written). */
static int check_edit(const char *kind, const struct merge_edit *edit, struct sae_message *why)
{
    if (strcmp(edit->field, SAE_FIELD_TOMBSTONE) == 0) {
        sae_message_set(why, "%s cannot be edited; deletes come from the posts", edit->field);
        return SAE_EINVAL;
    }
    return check_district_edit(kind, edit->field, edit->value, why);
}

int merge_district_edits(struct hub_store *store, const char *report_id,
                         const struct merge_edit *edits, size_t count, const char *author,
                         const char *note, int64_t now_ms, size_t *written,
                         struct sae_message *why)
{
    char kind[SAE_WIRE_NAME_BYTES + 1], village[SAE_LIMIT_VILLAGE_BYTES + 1];
    struct touched touched = {0};
    bool deleted = false;
    int64_t report_no = 0;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = merge_report_owner(store, report_id, &report_no, kind, village);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no report has id %s; list them with: sae-hub reports list",
                        report_id);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = check_edit(kind, &edits[i], why);
    if (rc == 0)
        rc = is_deleted(store, report_id, &deleted);
    if (rc == 0 && deleted) {
        sae_message_set(why, "report %s was deleted; deleted reports cannot be edited",
                        report_id);
        rc = SAE_EDELETED;
    }
    size_t changed = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        /* A repeat of the current value would reach every post as a new version, which
         * could conflict with a post's own edit of the field. */
        bool unchanged = false;
        int64_t seq = 0;
        rc = district_unchanged(store, report_id, edits[i].field, edits[i].value, &unchanged);
        if (rc == 0 && !unchanged)
            rc = write_district_change(store, report_no, report_id, kind, village,
                                       edits[i].field, edits[i].value, 0, author, note, now_ms,
                                       &seq);
        if (rc == 0 && !unchanged)
            rc = merge_touched_add(&touched, report_id, edits[i].field);
        changed += rc == 0 && !unchanged;
    }
    rc = merge_finish_touched(store, &touched, now_ms, rc);
    if (rc == 0 && written)
        *written = changed;
    return rc;
}

int merge_district_edit(struct hub_store *store, const char *report_id, const char *field,
                        const char *value, const char *author, int64_t now_ms,
                        struct sae_message *why)
{
    const struct merge_edit edit = {field, value};
    return merge_district_edits(store, report_id, &edit, 1, author, NULL, now_ms, NULL, why);
}

struct conflict_row {
    char report_id[SAE_ID_TEXT_LEN + 1];
    char field[SAE_WIRE_NAME_BYTES + 1];
    char status[16];
    char resolved_by[128];
};

static const char load_conflict_sql[] =
    "SELECT report_id, field, status, coalesce(resolved_by, '')"
    " FROM conflict WHERE id = ?1";

static int load_conflict(struct hub_store *store, int64_t id, struct conflict_row *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = hub_store_prepare(store, load_conflict_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, out->report_id, sizeof out->report_id);
        sae_db_column_copy(stmt, 1, out->field, sizeof out->field);
        sae_db_column_copy(stmt, 2, out->status, sizeof out->status);
        sae_db_column_copy(stmt, 3, out->resolved_by, sizeof out->resolved_by);
        err = 0;
    } else if (rc != 0) {
        err = rc;
    }
    sae_db_reset(stmt);
    return err;
}

static const char candidate_at_sql[] =
    "SELECT c.seq, c.field, c.value FROM conflict_candidate k"
    " JOIN change c ON c.seq = k.change WHERE k.conflict = ?1"
    " ORDER BY c.version, c.origin, c.seq LIMIT 1 OFFSET ?2";

/* Candidate number keep (1-based, ordered by version then origin, as conflicts show lists
 * them): its change seq, field and value. */
static int candidate_at(struct hub_store *store, int64_t conflict_id, int keep, int64_t *seq,
                        char field[SAE_WIRE_NAME_BYTES + 1], char **value)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = hub_store_prepare(store, candidate_at_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, conflict_id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, keep - 1);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *seq = sqlite3_column_int64(stmt, 0);
        sae_db_column_copy(stmt, 1, field, SAE_WIRE_NAME_BYTES + 1);
        err = sae_db_column_dup(stmt, 2, value);
    } else if (rc != 0) {
        err = rc;
    }
    sae_db_reset(stmt);
    return err;
}

static const char settle_candidates_sql[] =
    "INSERT OR IGNORE INTO change_parent(child, parent)"
    " SELECT ?1, c.seq FROM conflict_candidate k"
    " JOIN change c ON c.seq = k.change"
    " WHERE k.conflict = ?2 AND c.field = ?3";

/* The resolution settles every candidate of its own field: they become its parents. */
static int settle_candidates(struct hub_store *store, int64_t conflict_id, const char *field,
                             int64_t resolution)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, settle_candidates_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, resolution);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, conflict_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, field);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char close_conflict_sql[] =
    "UPDATE conflict SET status = 'resolved', resolved_ms = ?2,"
    " resolved_by = ?3, note = ?4, resolution = ?5 WHERE id = ?1";

static int close_conflict(struct hub_store *store, int64_t id, const char *author,
                          const char *note, int64_t resolution, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, close_conflict_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, now_ms);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, author);
    if (rc == 0)
        rc = note ? sae_db_bind_text(stmt, 4, note) : sae_db_bind_null(stmt, 4);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, resolution);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The value the resolution writes: a kept candidate's value (*kept_seq: that candidate, whose
 * stored value and sealed copies it takes as they are), or the value given (*kept_seq 0).
 * Keeping an edit in a delete conflict restores the report (the tombstone is unset). */
static int resolution_value(struct hub_store *store, int64_t id, const struct conflict_row *c,
                            int keep, const char *value, bool unset, char **out,
                            int64_t *kept_seq, struct sae_message *why)
{
    char field[SAE_WIRE_NAME_BYTES + 1];
    int64_t seq = 0;
    char *kept = NULL;
    if (keep == 0) {
        if (strcmp(c->field, SAE_FIELD_TOMBSTONE) == 0) {
            sae_message_set(why, "a delete conflict is resolved with --keep N: a deletion keeps "
                            "the report deleted, an edit restores it");
            return SAE_EINVAL;
        }
        *out = unset ? NULL : strdup(value);
        return unset || *out ? 0 : SAE_ENOMEM;
    }
    int rc = candidate_at(store, id, keep, &seq, field, &kept);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "conflict %lld has no candidate %d; see: sae-hub conflicts show %lld",
                        (long long)id, keep, (long long)id);
    if (rc == 0 && strcmp(field, c->field) != 0) {
        free(kept);
        kept = NULL; /* an edit kept against a delete: restore */
    }
    if (rc == 0) {
        *out = kept;
        *kept_seq = kept ? seq : 0;
    }
    return rc;
}

static const char candidate_seqs_sql[] =
    "SELECT change FROM conflict_candidate WHERE conflict = ?1 ORDER BY change";

static int compare_seq(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* SAE_ECHANGED unless the conflict's candidates are exactly the ones the caller saw. */
static int check_seen(struct hub_store *store, int64_t id, const struct merge_seen *seen,
                      struct sae_message *why)
{
    if (!seen)
        return 0;
    int64_t sorted[MERGE_SEEN_MAX];
    size_t n = 0, now = 0;
    bool same = seen->count <= MERGE_SEEN_MAX;
    for (size_t i = 0; same && i < seen->count; i++)
        sorted[n++] = seen->seqs[i];
    qsort(sorted, n, sizeof sorted[0], compare_seq);
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, candidate_seqs_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, id);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        same = same && now < n && sorted[now] == sqlite3_column_int64(stmt, 0);
        now++;
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc == 0 && (!same || now != n)) {
        sae_message_set(why, "conflict %lld changed since it was shown (it now has %zu "
                        "candidates); look again: sae-hub conflicts show %lld", (long long)id,
                        now, (long long)id);
        rc = SAE_ECHANGED;
    }
    return rc;
}

/* The checks every decision on a conflict starts with, inside the write transaction. */
static int open_conflict(struct hub_store *store, int64_t id, const struct merge_seen *seen,
                         struct conflict_row *c, struct sae_message *why)
{
    int rc = load_conflict(store, id, c);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no conflict has id %lld; list them with: sae-hub conflicts list",
                        (long long)id);
    if (rc == 0 && strcmp(c->status, "open") != 0) {
        sae_message_set(why, "conflict %lld was already resolved by %s; see: sae-hub conflicts "
                        "show %lld", (long long)id, c->resolved_by, (long long)id);
        rc = SAE_EEXIST;
    }
    if (rc == 0)
        rc = check_seen(store, id, seen, why);
    return rc;
}

/* Inside the write transaction, after open_conflict; *seq is the resolution's change. */
static int resolve_open(struct hub_store *store, int64_t conflict_id, const struct conflict_row *c,
                        int keep, const char *value, bool unset, const char *author,
                        const char *note, int64_t now_ms, int64_t *seq, struct sae_message *why)
{
    char kind[SAE_WIRE_NAME_BYTES + 1], village[SAE_LIMIT_VILLAGE_BYTES + 1], *chosen = NULL;
    int64_t kept_seq = 0, report_no = 0;
    int rc = merge_report_owner(store, c->report_id, &report_no, kind, village);
    if (rc == 0)
        rc = resolution_value(store, conflict_id, c, keep, value, unset, &chosen, &kept_seq,
                              why);
    if (rc == 0 && keep == 0)
        rc = check_district_value(kind, c->field, chosen, why);
    if (rc == 0)
        rc = write_district_change(store, report_no, c->report_id, kind, village, c->field,
                                   chosen, kept_seq, author, note, now_ms, seq);
    if (rc == 0)
        rc = settle_candidates(store, conflict_id, c->field, *seq);
    if (rc == 0)
        rc = close_conflict(store, conflict_id, author, note, *seq, now_ms);
    sae_wipe_free_string(chosen);
    return rc;
}

int merge_resolve_seen(struct hub_store *store, int64_t conflict_id,
                       const struct merge_seen *seen, int keep, const char *value, bool unset,
                       const char *author, const char *note, int64_t now_ms,
                       struct sae_message *why)
{
    struct conflict_row c;
    int64_t seq = 0;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = open_conflict(store, conflict_id, seen, &c, why);
    if (rc == 0)
        rc = resolve_open(store, conflict_id, &c, keep, value, unset, author, note, now_ms, &seq,
                          why);
    if (rc != 0) {
        hub_store_rollback(store);
        return rc;
    }
    return finish_district(store, c.report_id, c.field, now_ms, rc);
}

int merge_resolve(struct hub_store *store, int64_t conflict_id, int keep, const char *value,
                  bool unset, const char *author, const char *note, int64_t now_ms,
                  struct sae_message *why)
{
    return merge_resolve_seen(store, conflict_id, NULL, keep, value, unset, author, note, now_ms,
                              why);
}

/* The standing change's number among the candidates (1-based, as resolve numbers them), and
 * whether it is the newest candidate, the one plain last-writer-wins shows on the posts. */
static const char standing_place_sql[] =
    "SELECT (SELECT count(*) FROM conflict_candidate k2 JOIN change c2 ON c2.seq = k2.change"
    "   WHERE k2.conflict = ?1 AND (c2.version < c.version OR (c2.version = c.version AND"
    "   (c2.origin < c.origin OR (c2.origin = c.origin AND c2.seq <= c.seq))))),"
    " NOT EXISTS (SELECT 1 FROM conflict_candidate k3 JOIN change c3 ON c3.seq = k3.change"
    "   WHERE k3.conflict = ?1 AND c3.field = c.field AND c3.held = 0 AND (c3.version > c.version"
    "   OR (c3.version = c.version AND c3.origin > c.origin)))"
    " FROM field_state s JOIN change c ON c.seq = s.change"
    " JOIN conflict_candidate k ON k.conflict = ?1 AND k.change = c.seq"
    " WHERE s.report_id = ?2 AND s.field = ?3";

/* The cached statement sql with the conflict (?1), its report (?2) and field (?3) bound. */
static int prepare_on_conflict(struct hub_store *store, const char *sql, int64_t id,
                               const struct conflict_row *c, sqlite3_stmt **out)
{
    int rc = hub_store_prepare(store, sql, out);
    if (rc == 0)
        rc = sae_db_bind_int(*out, 1, id);
    if (rc == 0)
        rc = sae_db_bind_text(*out, 2, c->report_id);
    if (rc == 0)
        rc = sae_db_bind_text(*out, 3, c->field);
    return rc;
}

static int standing_place(struct hub_store *store, int64_t id, const struct conflict_row *c,
                          int *number, bool *newest)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_on_conflict(store, standing_place_sql, id, c, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *number = sqlite3_column_int(stmt, 0);
        *newest = sqlite3_column_int(stmt, 1) != 0;
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ENOTFOUND; /* the standing value is no candidate (a held change's field) */
    }
    sae_db_reset(stmt);
    return rc;
}

/* The standing change builds on the other candidates of its field: one head is left, and
 * no version is written. */
static const char adopt_candidates_sql[] =
    "INSERT OR IGNORE INTO change_parent(child, parent)"
    " SELECT s.change, c.seq FROM field_state s JOIN conflict_candidate k ON k.conflict = ?1"
    " JOIN change c ON c.seq = k.change"
    " WHERE s.report_id = ?2 AND s.field = ?3 AND c.field = ?3 AND c.seq <> s.change";

static const char mark_dismissed_sql[] = "UPDATE conflict SET dismissed = 1 WHERE id = ?1";

static int dismiss_in_place(struct hub_store *store, int64_t id, const struct conflict_row *c,
                            const char *author, const char *note, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_on_conflict(store, adopt_candidates_sql, id, c, &stmt);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        rc = close_conflict(store, id, author, note, 0, now_ms);
    return rc;
}

int merge_dismiss(struct hub_store *store, int64_t conflict_id, const struct merge_seen *seen,
                  const char *author, const char *note, int64_t now_ms, bool *wrote_version,
                  struct sae_message *why)
{
    struct conflict_row c;
    int number = 0;
    bool newest = false;
    int64_t seq = 0;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = open_conflict(store, conflict_id, seen, &c, why);
    if (rc == 0 && strcmp(c.field, SAE_FIELD_TOMBSTONE) == 0) {
        sae_message_set(why, "a delete conflict is decided with: sae-hub conflicts resolve %lld "
                        "--keep N", (long long)conflict_id);
        rc = SAE_EINVAL;
    }
    if (rc == 0 && (rc = standing_place(store, conflict_id, &c, &number, &newest)) ==
                       SAE_ENOTFOUND) {
        sae_message_set(why, "conflict %lld has no standing candidate; decide it with: sae-hub "
                        "conflicts resolve %lld", (long long)conflict_id, (long long)conflict_id);
        rc = SAE_EINVAL;
    }
    /* The posts show the newest version: when the policy kept an older one, only a new
     * version of the same value brings them to it. */
    if (rc == 0 && newest)
        rc = dismiss_in_place(store, conflict_id, &c, author, note, now_ms);
    else if (rc == 0)
        rc = resolve_open(store, conflict_id, &c, number, NULL, false, author, note, now_ms,
                          &seq, why);
    if (rc == 0)
        rc = hub_store_run(store, mark_dismissed_sql, &conflict_id, 1);
    if (rc != 0) {
        hub_store_rollback(store);
        return rc;
    }
    rc = finish_district(store, c.report_id, c.field, now_ms, rc);
    if (rc == 0 && wrote_version)
        *wrote_version = !newest;
    return rc;
}
