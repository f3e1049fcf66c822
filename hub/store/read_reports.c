/* Reading reports: their current values from field_state, and every change of each field.
 * A list is one statement grouped by report, so thousands of reports cost one query. */
#include "store/hub_read.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_report_lookup.h"

static const char select_reports_sql[] =
    "SELECT r.id, r.kind, r.village, s.field, revealed(c.seq, c.value), c.version, c.origin,"
    " " HUB_VILLAGE_NAME_SQL("r.village") " FROM report r"
    " LEFT JOIN field_winner s ON s.report_no = r.no"
    " LEFT JOIN change c ON c.seq = s.change"
    " WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.village = ?2)"
    " AND (?3 IS NULL OR r.id = ?3)"
    " ORDER BY r.no";

/* One report by its id: the same columns, read through the primary keys (the list's
 * optional filters above keep SQLite from using them, a scan of every report). */
static const char select_report_sql[] =
    "SELECT r.id, r.kind, r.village, s.field, revealed(c.seq, c.value), c.version, c.origin,"
    " " HUB_VILLAGE_NAME_SQL("r.village") " FROM report r"
    " LEFT JOIN field_winner s ON s.report_no = r.no"
    " LEFT JOIN change c ON c.seq = s.change"
    " WHERE r.id = ?1";

void hub_report_free(struct hub_report *report)
{
    if (!report)
        return;
    sae_view_free(&report->view);
    free(report->values);
    free(report->village);
    free(report->village_name);
    free(report);
}

const char *hub_report_value(const struct hub_report *report, const struct sae_field *field)
{
    for (size_t i = 0; i < report->value_count; i++)
        if (report->values[i].field == field)
            return report->values[i].value;
    return NULL;
}

static int new_report(sqlite3_stmt *stmt, struct hub_report **out)
{
    const struct sae_kind *kind = NULL;
    const char *id = (const char *)sqlite3_column_text(stmt, 0);
    const char *kind_name = (const char *)sqlite3_column_text(stmt, 1);
    const char *village = (const char *)sqlite3_column_text(stmt, 2);
    if (!id || !kind_name || !village || strlen(id) != SAE_ID_TEXT_LEN ||
        sae_catalogue_find_kind(kind_name, &kind) != 0)
        return SAE_ECORRUPT;
    struct hub_report *report = calloc(1, sizeof *report);
    if (!report)
        return SAE_ENOMEM;
    report->values = calloc(kind->field_count, sizeof *report->values);
    report->village = strdup(village);
    bool failed = sae_db_column_dup(stmt, 7, &report->village_name) != 0;
    if (!report->values || !report->village || failed ||
        sae_view_init(&report->view, kind) != 0) {
        hub_report_free(report);
        return SAE_ENOMEM;
    }
    memcpy(report->id, id, SAE_ID_TEXT_LEN + 1);
    report->kind = kind;
    *out = report;
    return 0;
}

/* Adds the field of the current row to the report's view. Fields the catalogue does not
 * know are not shown (the hub refuses them, so none should be stored). */
static int add_row_value(struct hub_report *report, sqlite3_stmt *stmt)
{
    const char *name = (const char *)sqlite3_column_text(stmt, 3);
    const char *value = (const char *)sqlite3_column_text(stmt, 4);
    struct sae_version version = {(sae_hlc)sqlite3_column_int64(stmt, 5),
                                  (uint64_t)sqlite3_column_int64(stmt, 6)};
    if (!name)
        return 0; /* a report whose fields are all held */
    if (sae_db_column_is_null(stmt, 5))
        return SAE_ECORRUPT; /* field_state names a change that does not exist */
    if (version.hlc > report->updated)
        report->updated = version.hlc;
    if (strcmp(name, SAE_FIELD_TOMBSTONE) == 0) {
        report->deleted = report->deleted || value != NULL;
        return 0;
    }
    return sae_view_add(&report->view, name, value, version);
}

/* The view's values in catalogue order, as the report's list. */
static int finish_values(struct hub_report *report)
{
    int rc = sae_view_finish(&report->view);
    for (size_t i = 0; rc == 0 && i < report->kind->field_count; i++)
        if (report->view.values[i])
            report->values[report->value_count++] =
                (struct hub_report_value){&report->kind->fields[i], report->view.values[i],
                                          report->view.versions[i]};
    return rc;
}

/* Reads the rows of one report from the current row on; *step_rc is the result of the
 * last sae_db_step, SAE_DB_ROW while more rows follow. */
static int build_report(sqlite3_stmt *stmt, int *step_rc, struct hub_report **out)
{
    struct hub_report *report = NULL;
    int rc = new_report(stmt, &report);
    if (rc != 0)
        return rc;
    do {
        rc = add_row_value(report, stmt);
        *step_rc = sae_db_step(stmt);
    } while (rc == 0 && *step_rc == SAE_DB_ROW &&
             strcmp((const char *)sqlite3_column_text(stmt, 0), report->id) == 0);
    if (rc == 0 && *step_rc < 0)
        rc = *step_rc;
    if (rc == 0)
        rc = finish_values(report);
    if (rc != 0) {
        hub_report_free(report);
        return rc;
    }
    *out = report;
    return 0;
}

static int bind_optional(sqlite3_stmt *stmt, int index, const char *text)
{
    return text ? sae_db_bind_text(stmt, index, text) : 0;
}

static int query_reports(struct hub_store *store, const char *kind, const char *village,
                         const char *id, sqlite3_stmt **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, select_reports_sql, &stmt);
    if (rc == 0)
        rc = bind_optional(stmt, 1, kind);
    if (rc == 0)
        rc = bind_optional(stmt, 2, village);
    if (rc == 0)
        rc = bind_optional(stmt, 3, id);
    if (rc != 0) {
        sae_db_finalize(stmt);
        return rc;
    }
    *out = stmt;
    return 0;
}

int hub_report_load(struct hub_store *store, const char *id, struct hub_report **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, select_report_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc != 0) {
        sae_db_reset(stmt);
        return rc;
    }
    int step = sae_db_step(stmt);
    if (step == SAE_DB_ROW)
        rc = build_report(stmt, &step, out);
    else
        rc = step == 0 ? SAE_ENOTFOUND : step;
    sae_db_reset(stmt);
    return rc;
}

int hub_report_list(struct hub_store *store, const struct hub_report_filter *filter,
                    hub_report_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = query_reports(store, filter->kind ? filter->kind->name : NULL, filter->village,
                           NULL, &stmt);
    if (rc != 0)
        return rc;
    int step = sae_db_step(stmt);
    while (rc == 0 && step == SAE_DB_ROW) {
        struct hub_report *report = NULL;
        rc = build_report(stmt, &step, &report);
        if (rc == 0 && (filter->include_deleted || !report->deleted))
            rc = visit(report, context);
        hub_report_free(report);
    }
    if (rc == 0 && step != 0)
        rc = step;
    sae_db_finalize(stmt);
    return rc;
}

static const char resolve_number_sql[] =
    "SELECT s.report_id FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.field = 'registration_number' AND c.value = ?1 ORDER BY s.report_id LIMIT 2";

int hub_read_resolve_id(struct hub_store *store, const char *text,
                        char out[SAE_ID_TEXT_LEN + 1], struct sae_message *why)
{
    const struct sae_report_lookup lookup = {store->db, NULL, resolve_number_sql,
                                             "sae-hub reports list", "sae-hub duplicates list"};
    return sae_report_lookup(&lookup, text, out, why);
}

static const char select_changes_sql[] =
    "SELECT c.seq, revealed(c.seq, c.value), c.version, c.origin, c.base_version,"
    " c.base_origin, c.village,"
    " c.author, c.received_ms, c.held, s.change IS NOT NULL, c.note,"
    " " HUB_DEVICE_NAME_SQL("c.origin", "?3", "?4") " FROM change c"
    " LEFT JOIN field_winner s ON s.report_no = c.report_no AND s.field = c.field"
    " AND s.change = c.seq"
    " WHERE c.report_no = (SELECT no FROM report WHERE id = ?1) AND c.field = ?2"
    " ORDER BY c.version, c.origin, c.seq";

static int visit_field_changes(sqlite3_stmt *stmt, const char *field, uint64_t hub_id,
                               hub_change_visit_fn visit, void *context)
{
    int err = 0, rc = sae_db_bind_text(stmt, 2, field);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_change change = {
            .seq = sqlite3_column_int64(stmt, 0),
            .field = field,
            .value = (const char *)sqlite3_column_text(stmt, 1),
            .version = {(sae_hlc)sqlite3_column_int64(stmt, 2),
                        (uint64_t)sqlite3_column_int64(stmt, 3)},
            .base = {(sae_hlc)sqlite3_column_int64(stmt, 4),
                     (uint64_t)sqlite3_column_int64(stmt, 5)},
            .village = (const char *)sqlite3_column_text(stmt, 6),
            .author = (const char *)sqlite3_column_text(stmt, 7),
            .received_ms = sqlite3_column_int64(stmt, 8),
            .held = sqlite3_column_int(stmt, 9) != 0,
            .winner = sqlite3_column_int(stmt, 10) != 0,
            .note = (const char *)sqlite3_column_text(stmt, 11),
            .device = (const char *)sqlite3_column_text(stmt, 12),
        };
        change.district = change.version.origin == hub_id;
        err = change.village ? visit(&change, context) : SAE_ECORRUPT;
        rc = 0;
    }
    if (err == 0 && rc != 0)
        err = rc;
    sae_db_reset(stmt);
    return err;
}

int hub_report_changes(struct hub_store *store, const char *id, hub_change_visit_fn visit,
                       void *context)
{
    struct hub_report *report = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = hub_report_load(store, id, &report);
    if (rc != 0)
        return rc;
    rc = sae_db_prepare(store->db, select_changes_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report->id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, (int64_t)store->hub_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, store->name);
    const struct sae_kind *kind = report->kind;
    for (size_t i = 0; rc == 0 && i < kind->field_count; i++) {
        const struct sae_field *field = &kind->fields[i];
        if (field->type != SAE_FIELD_SET) {
            rc = visit_field_changes(stmt, field->name, store->hub_id, visit, context);
            continue;
        }
        for (size_t k = 0; rc == 0 && k < field->value_count; k++) {
            char name[SAE_FIELD_ELEMENT_NAME_BYTES];
            sae_field_element_name(field, &field->values[k], name);
            rc = visit_field_changes(stmt, name, store->hub_id, visit, context);
        }
    }
    if (rc == 0)
        rc = visit_field_changes(stmt, SAE_FIELD_TOMBSTONE, store->hub_id, visit, context);
    sae_db_finalize(stmt);
    hub_report_free(report);
    return rc;
}

int hub_read_begin(struct hub_store *store) { return sae_db_begin_read(store->db); }

void hub_read_end(struct hub_store *store)
{
    /* A read transaction has nothing to keep; should COMMIT fail, ROLLBACK still ends it. */
    if (sae_db_commit(store->db) != 0)
        sae_db_rollback(store->db);
}
