/* The hub's list of areas (hub_areas.h). */
#include "store/hub_areas.h"
#include "store/me_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"

static const char insert_sql[] =
    "INSERT INTO area(code, parent, name, level) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(code) DO UPDATE SET name = excluded.name";
static const char load_sql[] = "SELECT code, parent, name, level FROM area ORDER BY code";
/* An area and its parent, by the primary key: a label reads two rows, not the list (a
 * page labelling each of a province's 8,500 devices read the whole list each time). */
static const char label_sql[] =
    "SELECT code, parent, name, level FROM area"
    " WHERE code = ?1 OR code = (SELECT parent FROM area WHERE code = ?1) ORDER BY code";
/* Every village a row names: devices, tokens, reports (changes carry their report's). */
static const char stored_villages_sql[] =
    "SELECT village FROM node UNION SELECT village FROM enroll_token"
    " UNION SELECT village FROM report";
static const char unlisted_sql[] =
    "SELECT v, (SELECT count(*) FROM node WHERE village = v),"
    " (SELECT count(*) FROM report WHERE village = v)"
    " FROM (SELECT village AS v FROM node UNION SELECT village FROM report"
    "  UNION SELECT village FROM enroll_token WHERE used_ms = 0 AND cancelled_ms = 0)"
    " WHERE v NOT IN (SELECT code FROM area WHERE level = 4) ORDER BY v";
/* The rows people see come first (REWRITES_COUNTED of them); changes carry their report's
 * village and reviews (schema 3) theirs: counted once, as reports. */
static const char *const rewrite_sql[] = {
    "UPDATE node SET village = ?2 WHERE village = ?1",
    "UPDATE enroll_token SET village = ?2 WHERE village = ?1",
    "UPDATE report SET village = ?2 WHERE village = ?1",
    "UPDATE change SET village = ?2 WHERE village = ?1",
    "UPDATE review SET village = ?2 WHERE village = ?1",
};
#define REWRITES_COUNTED 3
/* A received change is never rewritten (a trigger may forbid it), except here: its
 * village's spelling, once, when names become codes. The trigger is put back as it was. */
static const char change_guard_sql[] =
    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'change_no_update'";
static const char drop_change_guard_sql[] = "DROP TRIGGER IF EXISTS change_no_update";
static const char listed_sql[] = "SELECT count(*) FROM area WHERE code = ?1 AND level = 4";
static const char villages_sql[] =
    "SELECT v.code, v.name, k.code, k.name,"
    " (SELECT count(*) FROM node WHERE village = v.code),"
    " (SELECT count(*) FROM report WHERE village = v.code)"
    " FROM area v JOIN area k ON k.code = v.parent"
    " WHERE v.level = 4 AND (?1 IS NULL OR k.code = ?1) ORDER BY k.name, v.name, v.code";

static int insert_area(sqlite3_stmt *stmt, const struct sae_area *a)
{
    int rc = sae_db_bind_text(stmt, 1, a->code);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, a->parent);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, a->name);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, a->level);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* Runs the rewrites of old into code on db; *rows adds what changed. */
static int rewrite(sqlite3 *db, const char *old, const char *code, int64_t *rows)
{
    char *guard = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, change_guard_sql, &stmt);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = sae_db_column_dup(stmt, 0, &guard);
    sae_db_finalize(stmt);
    if (rc == 0 && guard)
        rc = sae_db_exec(db, drop_change_guard_sql);
    for (size_t i = 0; rc == 0 && i < sizeof rewrite_sql / sizeof rewrite_sql[0]; i++) {
        rc = sae_db_prepare(db, rewrite_sql[i], &stmt);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 1, old);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 2, code);
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        sae_db_finalize(stmt);
        if (rc == 0 && i < REWRITES_COUNTED)
            *rows += sae_db_changes(db);
    }
    if (rc == 0 && guard)
        rc = sae_db_exec(db, guard);
    free(guard);
    return rc;
}

/* The village names stored before the list, each resolved against list when it is not a
 * village code of it; names that match no village, or several, stay as they are. */
static int resolve_stored(sqlite3 *db, const struct sae_area_list *list)
{
    sqlite3_stmt *stmt = NULL;
    char (*names)[SAE_AREA_LABEL_BYTES] = NULL;
    size_t count = 0;
    int64_t rows = 0;
    int rc = sae_db_prepare(db, stored_villages_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        void *grown = realloc(names, (count + 1) * sizeof *names);
        rc = grown ? 0 : SAE_ENOMEM;
        if (rc == 0) {
            names = grown;
            sae_db_column_copy(stmt, 0, names[count++], sizeof *names);
        }
    }
    sae_db_finalize(stmt);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const struct sae_area *area = NULL;
        if (sae_area_find(list, names[i]) ||
            sae_area_resolve(list, names[i], SAE_AREA_VILLAGE, &area, NULL) != 0)
            continue;
        rc = rewrite(db, names[i], area->code, &rows);
    }
    free(names);
    return rc;
}

int hub_areas_migrate(sqlite3 *db)
{
    struct sae_area_list list = {0};
    sqlite3_stmt *stmt = NULL;
    int rc = sae_area_list_builtin(&list);
    if (rc == 0)
        rc = sae_db_prepare(db, insert_sql, &stmt);
    for (size_t i = 0; rc == 0 && i < list.count; i++)
        rc = insert_area(stmt, &list.items[i]);
    sae_db_finalize(stmt);
    if (rc == 0)
        rc = resolve_stored(db, &list);
    sae_area_list_free(&list);
    return rc;
}

static int area_from_row(sqlite3_stmt *stmt, struct sae_area *a)
{
    memset(a, 0, sizeof *a);
    sae_db_column_copy(stmt, 0, a->code, sizeof a->code);
    sae_db_column_copy(stmt, 1, a->parent, sizeof a->parent);
    a->level = (enum sae_area_level)sqlite3_column_int(stmt, 3);
    int rc = sae_db_column_dup(stmt, 2, &a->name);
    return rc == 0 && !a->name ? SAE_ECORRUPT : rc;
}

int hub_areas_load(struct hub_store *store, struct sae_area_list *out)
{
    struct sae_area_list list = {0};
    size_t capacity = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, load_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        if (list.count == capacity) {
            size_t grown_capacity = capacity ? capacity * 2 : 512;
            void *grown = realloc(list.items, grown_capacity * sizeof *list.items);
            if (!grown) {
                rc = SAE_ENOMEM;
                break;
            }
            list.items = grown;
            capacity = grown_capacity;
        }
        rc = area_from_row(stmt, &list.items[list.count]);
        if (rc == 0)
            list.count++;
    }
    sae_db_reset(stmt);
    if (rc != 0) {
        sae_area_list_free(&list);
        return rc;
    }
    *out = list;
    return 0;
}

int hub_areas_resolve(struct hub_store *store, const char *text, enum sae_area_level level,
                      char code[SAE_AREA_CODE_BYTES], struct sae_message *why)
{
    struct sae_area_list list = {0};
    int rc = hub_areas_load(store, &list);
    if (rc == 0)
        rc = sae_area_resolve_code(&list, text, level, code, why);
    sae_area_list_free(&list);
    return rc;
}

/* The area of code and its parent (when listed) as a list of at most two, by code. */
static int label_areas(struct hub_store *store, const char *code, struct sae_area items[2],
                       struct sae_area_list *out)
{
    sqlite3_stmt *stmt = NULL;
    size_t count = 0;
    int rc = hub_store_prepare(store, label_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, code);
    while (rc == 0 && count < 2 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = area_from_row(stmt, &items[count]);
        count += rc == 0;
    }
    sae_db_reset(stmt);
    *out = (struct sae_area_list){items, count};
    return rc;
}

void hub_areas_label(struct hub_store *store, const char *code, char out[SAE_AREA_LABEL_BYTES])
{
    struct sae_area items[2];
    struct sae_area_list list = {0};
    const struct sae_area *area = NULL;
    memset(items, 0, sizeof items);
    if (label_areas(store, code, items, &list) == 0 &&
        (area = sae_area_find(&list, code)) != NULL)
        sae_area_label(&list, area, out);
    else
        snprintf(out, SAE_AREA_LABEL_BYTES, "%s", code);
    free(items[0].name);
    free(items[1].name);
}

/* Every kecamatan and village of list has its parent in list or in the hub's list. */
static int check_parents(const struct sae_area_list *list, const struct sae_area_list *known,
                         struct sae_message *why)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct sae_area *a = &list->items[i];
        if (a->level < SAE_AREA_DISTRICT || sae_area_find(list, a->parent) ||
            sae_area_find(known, a->parent))
            continue;
        sae_message_set(why, "%s %s has no parent %s in the file or the hub's list of areas; "
                        "import a file with its kecamatan (or regency) too", a->code, a->name,
                        a->parent);
        return SAE_EINVAL;
    }
    return 0;
}

static int import_rows(struct hub_store *store, const struct sae_area_list *list,
                       const struct sae_area_list *known, struct hub_areas_import_result *r)
{
    sqlite3_stmt *stmt = NULL;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < list->count; i++) {
        const struct sae_area *a = &list->items[i], *had = sae_area_find(known, a->code);
        if (had && strcmp(had->name, a->name) == 0) {
            r->unchanged++;
            continue;
        }
        rc = hub_store_prepare(store, insert_sql, &stmt);
        if (rc == 0)
            rc = insert_area(stmt, a);
        if (had)
            r->renamed++;
        else
            r->added++;
    }
    return rc;
}

int hub_areas_import(struct hub_store *store, const struct sae_area_list *list,
                     struct hub_areas_import_result *out, struct sae_message *why)
{
    struct sae_area_list known = {0};
    struct hub_areas_import_result r = {0, 0, 0};
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = hub_areas_load(store, &known);
    if (rc == 0)
        rc = check_parents(list, &known, why);
    if (rc == 0)
        rc = import_rows(store, list, &known, &r);
    if (rc == 0 && r.renamed > 0)
        rc = me_facts_invalidate(store);
    sae_area_list_free(&known);
    rc = rc == 0 ? hub_store_commit(store) : rc;
    if (rc != 0) {
        hub_store_rollback(store);
        return rc;
    }
    *out = r;
    return 0;
}

int hub_areas_list_villages(struct hub_store *store, const char *kecamatan,
                            hub_village_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0, rc = hub_store_prepare(store, villages_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, kecamatan);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_village v = {
            .code = (const char *)sqlite3_column_text(stmt, 0),
            .name = (const char *)sqlite3_column_text(stmt, 1),
            .kecamatan_code = (const char *)sqlite3_column_text(stmt, 2),
            .kecamatan = (const char *)sqlite3_column_text(stmt, 3),
            .devices = sqlite3_column_int64(stmt, 4),
            .reports = sqlite3_column_int64(stmt, 5),
        };
        err = v.code && v.name && v.kecamatan_code && v.kecamatan ? visit(&v, context)
                                                                  : SAE_ECORRUPT;
        rc = 0;
    }
    sae_db_reset(stmt);
    return err ? err : rc;
}

int hub_areas_unlisted(struct hub_store *store, hub_unlisted_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0, rc = hub_store_prepare(store, unlisted_sql, &stmt);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        err = name ? visit(name, sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2),
                           context)
                   : SAE_ECORRUPT;
        rc = 0;
    }
    sae_db_reset(stmt);
    return err ? err : rc;
}

int hub_areas_assign(struct hub_store *store, const char *old, const char *code,
                     int64_t *rows)
{
    int64_t changed = 0, listed = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    /* A village of the list is never renamed into another: devices never move. */
    rc = hub_store_prepare(store, listed_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, old);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        listed = sqlite3_column_int64(stmt, 0);
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc == 0 && listed)
        rc = SAE_EINVAL;
    if (rc == 0)
        rc = rewrite(store->db, old, code, &changed);
    if (rc == 0 && changed == 0)
        rc = SAE_ENOTFOUND;
    /* Reports took another village: their credit in monitoring moves with them. */
    if (rc == 0)
        rc = me_facts_invalidate(store);
    rc = rc == 0 ? hub_store_commit(store) : rc;
    if (rc != 0) {
        hub_store_rollback(store);
        return rc;
    }
    *rows = changed;
    return 0;
}
