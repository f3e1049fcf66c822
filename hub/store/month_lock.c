/* Month locks: the approved figures, and what changed since. */
#include "store/month_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "store/me_facts.h"

static const char get_sql[] =
    "SELECT month, locked_by, locked_ms FROM month_lock WHERE month = ?1";
static const char list_sql[] =
    "SELECT month, locked_by, locked_ms FROM month_lock ORDER BY month DESC";
static const char put_lock_sql[] =
    "INSERT INTO month_lock(month, locked_by, locked_ms) VALUES (?1, ?2, ?3)";
static const char put_row_sql[] =
    "INSERT INTO month_figure(month, figure, key, sub, count) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char rows_sql[] =
    "SELECT figure, key, sub, count FROM month_figure WHERE month = ?1";

static int info_from_row(sqlite3_stmt *stmt, struct month_lock_info *out)
{
    sae_db_column_copy(stmt, 0, out->month, sizeof out->month);
    sae_db_column_copy(stmt, 1, out->locked_by, sizeof out->locked_by);
    out->locked_ms = sqlite3_column_int64(stmt, 2);
    return 0;
}

int month_lock_get(struct hub_store *store, const char *month, struct month_lock_info *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, get_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, month);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        rc = info_from_row(stmt, out);
    else if (rc == 0)
        rc = SAE_ENOTFOUND;
    sae_db_reset(stmt);
    return rc;
}

int month_lock_list(struct hub_store *store, month_lock_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = hub_store_prepare(store, list_sql, &stmt);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct month_lock_info info;
        rc = info_from_row(stmt, &info);
        err = visit(&info, context);
    }
    sae_db_reset(stmt);
    return err ? err : rc;
}

static int put_row(struct hub_store *store, const char *month, const char *figure,
                   const char *key, const char *sub, int64_t count)
{
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {month, figure, key, sub};
    int rc = hub_store_prepare(store, put_row_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 4);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, count);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The month's figures for the whole district. */
static int month_report(struct hub_store *store, const char *month, int64_t now_ms,
                        struct me_report *out)
{
    struct me_filter filter = {.now_ms = now_ms};
    int rc = me_filter_period(&filter, month, month);
    return rc == 0 ? me_report_load(store, &filter, out) : rc;
}

static int store_report(struct hub_store *store, const char *month, const struct me_report *r)
{
    int rc = put_row(store, month, MONTH_TOTALS_FIGURE, "counted", "", r->counted);
    if (rc == 0)
        rc = put_row(store, month, MONTH_TOTALS_FIGURE, "left_out", "", r->left_out);
    if (rc == 0)
        rc = put_row(store, month, MONTH_TOTALS_FIGURE, "linked", "", r->linked);
    for (int i = 0; rc == 0 && i < ME_FIGURE_COUNT; i++)
        for (size_t j = 0; rc == 0 && j < r->figures[i].count; j++)
            rc = put_row(store, month, r->figures[i].name, r->figures[i].rows[j].key,
                         r->figures[i].rows[j].sub, r->figures[i].rows[j].count);
    return rc;
}

/* A month is over once the first day of the next has begun in WIB. */
static bool month_over(const char *month, int64_t now_ms)
{
    char today[11];
    sae_date_today(now_ms, today);
    return strncmp(month, today, 7) < 0;
}

/* A lock, as month_lock was given it. */
struct lock_request {
    const char *month, *by;
    int64_t now_ms;
    struct sae_message *why;
};

static int lock_in_transaction(struct hub_store *store, void *context)
{
    const struct lock_request *r = context;
    const char *month = r->month, *by = r->by;
    int64_t now_ms = r->now_ms;
    struct sae_message *why = r->why;
    struct month_lock_info info;
    struct me_report report;
    sqlite3_stmt *stmt = NULL;
    int rc = month_lock_get(store, month, &info);
    if (rc == 0) {
        sae_message_set(why, "%s was locked already by %s; its revisions show in: sae-hub "
                        "stats --month %s", month, info.locked_by, month);
        return SAE_EEXIST;
    }
    if (rc != SAE_ENOTFOUND)
        return rc;
    rc = month_report(store, month, now_ms, &report);
    if (rc != 0)
        return rc;
    const char *texts[] = {month, by};
    rc = hub_store_prepare(store, put_lock_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 2);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        rc = store_report(store, month, &report);
    me_report_free(&report);
    return rc;
}

int month_lock(struct hub_store *store, const char *month, const char *by, int64_t now_ms,
               struct sae_message *why)
{
    char parsed[ME_MONTH_BYTES];
    if (me_month_parse(month, parsed) != 0) {
        sae_message_set(why, "a month is written YYYY-MM (2026-11), from 1900-01 to 2100-12");
        return SAE_EINVAL;
    }
    if (!month_over(parsed, now_ms)) {
        sae_message_set(why, "%s is not over yet; a month is locked once it has ended", month);
        return SAE_EINVAL;
    }
    struct lock_request request = {parsed, by, now_ms, why};
    int rc = me_facts_refresh(store, NULL);
    return rc == 0 ? hub_store_write(store, lock_in_transaction, &request) : rc;
}

/* ---- Revisions ---------------------------------------------------------------------- */

struct revision_list {
    struct month_revision *items;
    size_t count;
};

void month_revisions_free(struct month_revision *revisions, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(revisions[i].figure);
        free(revisions[i].key);
        free(revisions[i].sub);
    }
    free(revisions);
}

/* Adds delta to the row's locked or now count, appending it when new. */
static int revision_add(struct revision_list *list, const char *figure, const char *key,
                        const char *sub, int64_t count, bool locked)
{
    struct month_revision *row = NULL;
    for (size_t i = 0; i < list->count && !row; i++)
        if (strcmp(list->items[i].figure, figure) == 0 && strcmp(list->items[i].key, key) == 0 &&
            strcmp(list->items[i].sub, sub) == 0)
            row = &list->items[i];
    if (!row) {
        struct month_revision *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
        if (!grown)
            return SAE_ENOMEM;
        list->items = grown;
        row = &grown[list->count];
        *row = (struct month_revision){strdup(figure), strdup(key), strdup(sub), 0, 0};
        if (!row->figure || !row->key || !row->sub) {
            free(row->figure);
            free(row->key);
            free(row->sub);
            return SAE_ENOMEM;
        }
        list->count++;
    }
    if (locked)
        row->locked = count;
    else
        row->now = count;
    return 0;
}

static int add_locked(struct hub_store *store, const char *month, struct revision_list *list)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, rows_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, month);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = revision_add(list, (const char *)sqlite3_column_text(stmt, 0),
                          (const char *)sqlite3_column_text(stmt, 1),
                          (const char *)sqlite3_column_text(stmt, 2),
                          sqlite3_column_int64(stmt, 3), true);
    sae_db_reset(stmt);
    return rc;
}

static int add_now(const struct me_report *r, struct revision_list *list)
{
    int rc = revision_add(list, MONTH_TOTALS_FIGURE, "counted", "", r->counted, false);
    if (rc == 0)
        rc = revision_add(list, MONTH_TOTALS_FIGURE, "left_out", "", r->left_out, false);
    if (rc == 0)
        rc = revision_add(list, MONTH_TOTALS_FIGURE, "linked", "", r->linked, false);
    for (int i = 0; rc == 0 && i < ME_FIGURE_COUNT; i++)
        for (size_t j = 0; rc == 0 && j < r->figures[i].count; j++)
            rc = revision_add(list, r->figures[i].name, r->figures[i].rows[j].key,
                              r->figures[i].rows[j].sub, r->figures[i].rows[j].count, false);
    return rc;
}

/* Keeps the rows whose counts differ. */
static void keep_changed(struct revision_list *list)
{
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (list->items[i].locked != list->items[i].now) {
            list->items[kept++] = list->items[i];
            continue;
        }
        free(list->items[i].figure);
        free(list->items[i].key);
        free(list->items[i].sub);
    }
    list->count = kept;
}

int month_revisions(struct hub_store *store, const char *month, int64_t now_ms,
                    struct month_revision **out, size_t *count)
{
    struct month_lock_info info;
    struct revision_list list = {0};
    struct me_report report;
    int rc = month_lock_get(store, month, &info);
    if (rc != 0)
        return rc;
    rc = month_report(store, month, now_ms, &report);
    if (rc != 0)
        return rc;
    rc = add_locked(store, month, &list);
    if (rc == 0)
        rc = add_now(&report, &list);
    me_report_free(&report);
    if (rc != 0) {
        month_revisions_free(list.items, list.count);
        return rc;
    }
    keep_changed(&list);
    *out = list.items;
    *count = list.count;
    return 0;
}
