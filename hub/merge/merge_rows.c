/* Rows and bookkeeping shared by the batch and district paths of the merge. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/merge.h"
#include "merge/merge_rows.h"
#include "merge/merge_field.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

int merge_touched_add(struct touched *t, const char *report_id, const char *field)
{
    return merge_touched_add_change(t, report_id, field, 0, (struct sae_version){0, 0});
}

int merge_touched_add_change(struct touched *t, const char *report_id, const char *field,
                             int64_t seq, struct sae_version base)
{
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 16;
        void *items = realloc(t->items, capacity * sizeof *t->items);
        if (!items)
            return SAE_ENOMEM;
        t->items = items;
        t->capacity = capacity;
    }
    snprintf(t->items[t->count].report_id, sizeof t->items[0].report_id, "%s", report_id);
    snprintf(t->items[t->count].field, sizeof t->items[0].field, "%s", field);
    t->items[t->count].seq = seq;
    t->items[t->count].base = base;
    t->count++;
    return 0;
}

static int compare_touched(const void *a, const void *b)
{
    const struct touched_item *x = a, *y = b;
    int c = strcmp(x->report_id, y->report_id);
    return c ? c : strcmp(x->field, y->field);
}

/* Adds every touched report's tombstone, then recomputes each distinct field once: sorting
 * keeps a batch of thousands of changes from comparing every pair. */
int merge_recompute_touched(struct hub_store *store, struct touched *t, int64_t now_ms)
{
    int rc = 0;
    size_t fields = t->count;
    for (size_t i = 0; rc == 0 && i < fields; i++) {
        /* merge_touched_add may move the items: copy the id out first. */
        char report_id[SAE_ID_TEXT_LEN + 1];
        memcpy(report_id, t->items[i].report_id, sizeof report_id);
        rc = merge_touched_add(t, report_id, SAE_FIELD_TOMBSTONE);
    }
    if (rc == 0 && t->count > 1)
        qsort(t->items, t->count, sizeof *t->items, compare_touched);
    for (size_t i = 0, end = 0; rc == 0 && i < t->count; i = end) {
        for (end = i + 1; end < t->count && compare_touched(&t->items[i], &t->items[end]) == 0;)
            end++;
        /* The common cases have a short way: a field touched by exactly one change, and the
         * tombstone of a report that has none (added above once per touched field, so
         * several items name it, none of them a real tombstone). */
        const struct touched_item *item = &t->items[i];
        bool tombstone = strcmp(item->field, SAE_FIELD_TOMBSTONE) == 0, done = false;
        if (end - i == 1 || tombstone)
            rc = merge_state_fast_forward(store, item->report_id, item->field,
                                          end - i == 1 ? item->seq : 0, item->base, &done);
        if (rc == 0 && !done)
            rc = merge_state_recompute(store, item->report_id, item->field, now_ms);
    }
    return rc;
}


int merge_insert_change(struct hub_store *store, const struct stored_change *c, int64_t *seq)
{
    static const char sql[] =
        "INSERT INTO change(report_id, kind, village, field, value, version, origin,"
        " base_version, base_origin, node_seq, seen_cursor, received_ms, author, held)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    const char *texts[] = {c->report_id, c->kind, c->village, c->field, c->value};
    for (int i = 0; rc == SQLITE_OK && i < 5; i++)
        rc = texts[i] ? sqlite3_bind_text(stmt, i + 1, texts[i], -1, SQLITE_STATIC)
                      : sqlite3_bind_null(stmt, i + 1);
    const int64_t ints[] = {(int64_t)c->version.hlc, (int64_t)c->version.origin,
                            (int64_t)c->base.hlc, (int64_t)c->base.origin, c->node_seq,
                            c->seen_cursor, c->received_ms};
    for (int i = 0; rc == SQLITE_OK && i < 7; i++)
        rc = sqlite3_bind_int64(stmt, i + 6, ints[i]);
    if (rc == SQLITE_OK)
        rc = c->author ? sqlite3_bind_text(stmt, 13, c->author, -1, SQLITE_STATIC)
                       : sqlite3_bind_null(stmt, 13);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 14, c->held);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_reset(stmt);
    if (rc != SQLITE_OK)
        return sae_db_error(rc);
    *seq = sqlite3_last_insert_rowid(store->db);
    return 0;
}

int merge_report_owner(struct hub_store *store, const char *report_id, char kind[64],
                        char village[128])
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = hub_store_prepare(store, "SELECT kind, village FROM report WHERE id = ?1", &stmt);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, report_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        snprintf(kind, 64, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(village, 128, "%s", (const char *)sqlite3_column_text(stmt, 1));
        err = 0;
    } else if (rc != SQLITE_DONE) {
        err = sae_db_error(rc);
    }
    sqlite3_reset(stmt);
    return err;
}

int merge_insert_report(struct hub_store *store, const char *report_id, const char *kind,
                         const char *village, int64_t first_change)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store,
                                "INSERT INTO report(id, kind, village, first_change)"
                                " VALUES (?1, ?2, ?3, ?4)", &stmt);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, report_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 3, village, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, first_change);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_reset(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}
