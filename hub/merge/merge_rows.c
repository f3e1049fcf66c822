/* Rows and bookkeeping shared by the batch and district paths of the merge. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/merge.h"
#include "merge/merge_rows.h"
#include "merge/merge_summary.h"
#include "merge/merge_field.h"
#include "store/dup_pairs.h"
#include "store/erasure.h"
#include "store/hub_meta.h"
#include "store/sealed_values.h"
#include "store/agency_copies.h"
#include "store/value_vault.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

int merge_touched_add(struct touched *t, const char *report_id, const char *field)
{
    return merge_touched_add_change(t, 0, report_id, field, 0, (struct sae_version){0, 0},
                                    false);
}

/* Copies text into a buffer of size bytes; SAE_EINVAL when it does not fit (never cut). */
static int copy_bounded(char *buffer, size_t size, const char *text)
{
    size_t len = strlen(text);
    if (len >= size)
        return SAE_EINVAL;
    memcpy(buffer, text, len + 1);
    return 0;
}

int merge_touched_add_change(struct touched *t, int64_t report_no, const char *report_id,
                             const char *field, int64_t seq, struct sae_version base, bool fresh)
{
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 16;
        void *items = realloc(t->items, capacity * sizeof *t->items);
        if (!items)
            return SAE_ENOMEM;
        t->items = items;
        t->capacity = capacity;
    }
    struct touched_item *item = &t->items[t->count];
    int rc = copy_bounded(item->report_id, sizeof item->report_id, report_id);
    if (rc == 0)
        rc = copy_bounded(item->field, sizeof item->field, field);
    if (rc != 0)
        return rc;
    item->report_no = report_no;
    item->seq = seq;
    item->base = base;
    item->fresh = fresh;
    t->count++;
    return 0;
}

int merge_bind_field(sqlite3_stmt *stmt, const char *report_id, const char *field)
{
    int rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, field);
    return rc;
}

static int compare_touched(const void *a, const void *b)
{
    const struct touched_item *x = a, *y = b;
    if (x->report_no != y->report_no)
        return x->report_no < y->report_no ? -1 : 1;
    return strcmp(x->field, y->field);
}

static bool same_report(const struct touched_item *a, const struct touched_item *b)
{
    return a->report_no == b->report_no;
}

static const char report_number_sql[] = "SELECT no FROM report WHERE id = ?1";

/* The numbers of the items added by id alone (district edits, conflicts to refresh): the
 * merge's B-trees are keyed by them. */
static int number_touched(struct hub_store *store, struct touched *t)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < t->count; i++) {
        struct touched_item *item = &t->items[i];
        if (item->report_no != 0)
            continue;
        sqlite3_stmt *stmt = NULL;
        rc = hub_store_prepare(store, report_number_sql, &stmt);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 1, item->report_id);
        if (rc == 0)
            rc = sae_db_step(stmt);
        if (rc == SAE_DB_ROW)
            item->report_no = sqlite3_column_int64(stmt, 0);
        sae_db_reset(stmt);
        rc = rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_ENOTFOUND : rc;
    }
    return rc;
}

/* One touched field, items[0..count) naming it. A field touched by exactly one change has
 * a short way; a tombstone a change touched always takes the full recompute. */
static int recompute_field(struct hub_store *store, const struct touched_item *items,
                           size_t count, int64_t now_ms)
{
    const struct touched_item *item = &items[0];
    bool done = false;
    int rc = 0;
    if (count == 1 && strcmp(item->field, SAE_FIELD_TOMBSTONE) != 0)
        rc = merge_state_fast_forward(store, item->report_no, item->field, item->seq,
                                      item->base, item->fresh, &done);
    if (rc == 0 && !done)
        rc = merge_state_recompute(store, item->report_no, item->report_id, item->field,
                                   now_ms);
    return rc;
}

/* The tombstone of a touched report no change of the transaction wrote: an edit can make
 * a delete conflict appear. A report with none has a short way. */
static int recompute_untouched_tombstone(struct hub_store *store,
                                         const struct touched_item *item, int64_t now_ms)
{
    bool done = false;
    int rc = merge_state_fast_forward(store, item->report_no, SAE_FIELD_TOMBSTONE, 0,
                                      (struct sae_version){0, 0}, false, &done);
    if (rc == 0 && !done)
        rc = merge_state_recompute(store, item->report_no, item->report_id, SAE_FIELD_TOMBSTONE,
                                   now_ms);
    return rc;
}

/* One touched report, items[0..count) sorted by field: its tombstone first (it sorts
 * first when a change touched it), then each field once, then its summary. A report the
 * batch stored first (every item fresh) has no tombstone no change of the batch wrote. */
static int recompute_report(struct hub_store *store, const struct touched_item *items,
                            size_t count, int64_t now_ms)
{
    bool tombstone_touched = false, fresh = true;
    for (size_t i = 0; i < count; i++) {
        tombstone_touched = tombstone_touched ||
                            strcmp(items[i].field, SAE_FIELD_TOMBSTONE) == 0;
        fresh = fresh && items[i].fresh;
    }
    int rc = 0;
    if (!tombstone_touched && !fresh)
        rc = recompute_untouched_tombstone(store, &items[0], now_ms);
    for (size_t i = 0, end = 0; rc == 0 && i < count; i = end) {
        for (end = i + 1; end < count && strcmp(items[i].field, items[end].field) == 0;)
            end++;
        rc = recompute_field(store, &items[i], end - i, now_ms);
    }
    if (rc == 0)
        rc = merge_summary_refresh(store, items[0].report_no, items[0].report_id);
    return rc;
}

/* Recomputes each distinct touched field once, report by report: sorting keeps a batch of
 * thousands of changes from comparing every pair. */
int merge_recompute_touched(struct hub_store *store, struct touched *t, int64_t now_ms)
{
    int rc = number_touched(store, t);
    if (rc == 0 && t->count > 1)
        qsort(t->items, t->count, sizeof *t->items, compare_touched);
    for (size_t i = 0, end = 0; rc == 0 && i < t->count; i = end) {
        for (end = i + 1; end < t->count && same_report(&t->items[i], &t->items[end]);)
            end++;
        rc = recompute_report(store, &t->items[i], end - i, now_ms);
    }
    return rc;
}

int merge_finish_touched(struct hub_store *store, struct touched *t, int64_t now_ms, int rc)
{
    if (rc == 0)
        rc = merge_recompute_touched(store, t, now_ms);
    free(t->items);
    t->items = NULL;
    t->count = t->capacity = 0;
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}

static const char insert_change_sql[] =
    "INSERT INTO change(report_id, kind, village, field, value, version, origin, base_version,"
    " base_origin, node_seq, seen_cursor, received_ms, author, held, note, report_no)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char report_owner_sql[] = "SELECT no, kind, village FROM report WHERE id = ?1";
/* The seq AUTOINCREMENT gives the next change: past every seq the change table ever held
 * (the same rule as the pull's head). */
static const char next_change_sql[] =
    "SELECT max(coalesce((SELECT max(seq) FROM change), 0),"
    " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change'), 0)) + 1";
static const char insert_report_sql[] =
    "INSERT INTO report(id, kind, village, first_change) VALUES (?1, ?2, ?3, ?4)";

static int insert_row(struct hub_store *store, const struct stored_change *c, const char *value,
                      int64_t *seq)
{
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {c->report_id, c->kind, c->village, c->field, value};
    const int64_t ints[] = {(int64_t)c->version.hlc, (int64_t)c->version.origin,
                            (int64_t)c->base.hlc, (int64_t)c->base.origin, c->node_seq,
                            c->seen_cursor, c->received_ms};
    int rc = hub_store_prepare(store, insert_change_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, sizeof texts / sizeof texts[0]);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 6, ints, sizeof ints / sizeof ints[0]);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 13, c->author);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 14, c->held);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 15, c->note);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 16, c->report_no);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc != 0)
        return rc;
    *seq = sae_db_last_rowid(store->db);
    return 0;
}

static int insert_plain(struct hub_store *store, const struct stored_change *c, int64_t *seq)
{
    int64_t stored = 0;
    int rc = insert_row(store, c, c->value, &stored);
    /* A consent, a referral's destination or case may move what an agency reads. */
    if (rc == 0)
        rc = agency_copies_note(store, stored, c->report_id, c->kind, c->field, NULL);
    if (rc == 0)
        *seq = stored;
    return rc;
}

int merge_insert_change(struct hub_store *store, const struct stored_change *c, int64_t *seq)
{
    if (!c->value || !value_vault_field_sealed(c->kind, c->field))
        return insert_plain(store, c, seq);
    /* As the post that sent it will hold it, and as the erasure left the others. */
    if (c->erased)
        return insert_row(store, c, ERASURE_MARKER, seq);
    int64_t stored = 0;
    if (c->value_of) {
        int rc = insert_row(store, c, c->value, &stored);
        if (rc == 0)
            rc = sealed_values_copy(store, c->value_of, stored);
        if (rc == 0)
            *seq = stored;
        return rc;
    }
    char token[VALUE_TOKEN_TEXT_BYTES];
    int rc = value_vault_token(store, c->field, c->value, token);
    if (rc == 0)
        rc = insert_row(store, c, token, &stored);
    /* The origin holds its own value; a district change's origin is the hub, no device. */
    if (rc == 0)
        rc = value_vault_store(store, stored, c->village, c->version.origin, c->value);
    /* And to the agencies consent lets read it, once the transaction's state is derived. */
    if (rc == 0)
        rc = agency_copies_note(store, stored, c->report_id, c->kind, c->field, c->value);
    /* The duplicates compare names by a hash made now: the name is not stored to be read. */
    if (rc == 0 && strcmp(c->field, DUP_NAME_FIELD) == 0)
        rc = dup_name_keep(store, store->dir, stored, c->value);
    if (rc == 0)
        *seq = stored;
    return rc;
}

int merge_report_owner(struct hub_store *store, const char *report_id, int64_t *no,
                       char kind[SAE_WIRE_NAME_BYTES + 1],
                       char village[SAE_LIMIT_VILLAGE_BYTES + 1])
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, report_owner_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW) {
        if (no)
            *no = sqlite3_column_int64(stmt, 0);
        sae_db_column_copy(stmt, 1, kind, SAE_WIRE_NAME_BYTES + 1);
        sae_db_column_copy(stmt, 2, village, SAE_LIMIT_VILLAGE_BYTES + 1);
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

int merge_insert_report(struct hub_store *store, const char *report_id, const char *kind,
                        const char *village, int64_t *no, int64_t *first_change)
{
    sqlite3_stmt *stmt = NULL;
    int64_t first = 0;
    int rc = hub_store_query_int(store, next_change_sql, NULL, 0, &first);
    if (rc == 0)
        rc = hub_store_prepare(store, insert_report_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, kind);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, village);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, first);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0) {
        *no = sae_db_last_rowid(store->db);
        *first_change = first;
    }
    return rc;
}

static const char open_fields_sql[] =
    "SELECT report_id, field FROM conflict WHERE status = 'open' ORDER BY id";

static int touch_open_fields(struct hub_store *store, struct touched *t)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = hub_store_prepare(store, open_fields_sql, &stmt);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *report_id = (const char *)sqlite3_column_text(stmt, 0);
        const char *field = (const char *)sqlite3_column_text(stmt, 1);
        err = report_id && field ? merge_touched_add(t, report_id, field) : SAE_ECORRUPT;
        rc = 0;
    }
    sae_db_reset(stmt);
    return err != 0 ? err : rc;
}

int merge_refresh(struct hub_store *store, int64_t now_ms)
{
    struct touched touched = {0};
    int64_t pending = 0;
    int rc = sae_db_meta_int(store->db, HUB_META_MERGE_REFRESH, &pending);
    if (rc != 0 || pending == 0)
        return rc;
    rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    /* Another process may have run it meanwhile: read the mark again under the lock. */
    rc = sae_db_meta_int(store->db, HUB_META_MERGE_REFRESH, &pending);
    if (rc == 0 && pending != 0)
        rc = touch_open_fields(store, &touched);
    if (rc == 0 && pending != 0)
        rc = sae_db_set_meta_int(store->db, HUB_META_MERGE_REFRESH, 0);
    return merge_finish_touched(store, &touched, now_ms, rc);
}
