/* Reading reports: their current values from field_state, and every change of each field.
 * A list is one statement grouped by report, so thousands of reports cost one query. */
#include "store/hub_read.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"

static const char select_reports_sql[] =
    "SELECT r.id, r.kind, r.village, s.field, c.value, c.version, c.origin,"
    " " HUB_VILLAGE_NAME_SQL("r.village") " FROM report r"
    " LEFT JOIN field_state s ON s.report_id = r.id"
    " LEFT JOIN change c ON c.seq = s.change"
    " WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.village = ?2)"
    " AND (?3 IS NULL OR r.id = ?3)"
    " ORDER BY r.first_change, r.id";

void hub_report_free(struct hub_report *report)
{
    if (!report)
        return;
    for (size_t i = 0; i < report->value_count; i++)
        free(report->values[i].value);
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
    bool failed = false;
    if (report) {
        report->values = calloc(kind->field_count, sizeof *report->values);
        report->village = strdup(village);
        failed = sae_db_column_dup(stmt, 7, &report->village_name) != 0;
    }
    if (!report || !report->values || !report->village || failed) {
        hub_report_free(report);
        return SAE_ENOMEM;
    }
    memcpy(report->id, id, SAE_ID_TEXT_LEN + 1);
    report->kind = kind;
    *out = report;
    return 0;
}

/* Adds the field of the current row, keeping catalogue order. Fields the catalogue does
 * not know are not shown (the hub refuses them, so none should be stored). */
static int add_row_value(struct hub_report *report, sqlite3_stmt *stmt)
{
    const char *name = (const char *)sqlite3_column_text(stmt, 3);
    const struct sae_field *field = NULL;
    struct sae_version version = {(sae_hlc)sqlite3_column_int64(stmt, 5),
                                  (uint64_t)sqlite3_column_int64(stmt, 6)};
    if (!name)
        return 0; /* a report whose fields are all held */
    if (sae_db_column_is_null(stmt, 5))
        return SAE_ECORRUPT; /* field_state names a change that does not exist */
    if (version.hlc > report->updated)
        report->updated = version.hlc;
    if (sae_db_column_is_null(stmt, 4))
        return 0;
    if (strcmp(name, SAE_FIELD_TOMBSTONE) == 0) {
        report->deleted = true;
        return 0;
    }
    if (sae_catalogue_find_field(report->kind, name, &field) != 0)
        return 0;
    char *value = NULL;
    int rc = sae_db_column_dup(stmt, 4, &value); /* not NULL: checked above */
    if (rc != 0)
        return rc;
    size_t at = report->value_count;
    while (at > 0 && report->values[at - 1].field > field) {
        report->values[at] = report->values[at - 1];
        at--;
    }
    report->values[at] = (struct hub_report_value){field, value, version};
    report->value_count++;
    return 0;
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
    int rc = query_reports(store, NULL, NULL, id, &stmt);
    if (rc != 0)
        return rc;
    int step = sae_db_step(stmt);
    if (step == SAE_DB_ROW)
        rc = build_report(stmt, &step, out);
    else
        rc = step == 0 ? SAE_ENOTFOUND : step;
    sae_db_finalize(stmt);
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

static const char hub_read_resolve_id_sql[] =
    "SELECT id FROM report WHERE id >= ?1 AND id < ?1 || '~'"
    " ORDER BY id LIMIT 2";

int hub_read_resolve_id(struct hub_store *store, const char *text,
                        char out[SAE_ID_TEXT_LEN + 1], struct sae_message *why)
{
    char prefix[SAE_ID_TEXT_LEN + 1], found[SAE_ID_TEXT_LEN + 1] = "";
    sqlite3_stmt *stmt = NULL;
    int matches = 0;
    if (sae_id_normalize_prefix(text, prefix) != 0) {
        sae_message_set(why, "\"%.40s\" is not a report id; give the id, or at least its first "
                        "%d characters (see: sae-hub reports list)", text,
                        SAE_LIMIT_ID_PREFIX_MIN);
        return SAE_EINVAL;
    }
    /* '~' sorts after every hex digit and '-', so this range is exactly the prefix. */
    int rc = sae_db_prepare(store->db, hub_read_resolve_id_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, prefix);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const unsigned char *id = sqlite3_column_text(stmt, 0);
        if (matches++ == 0)
            snprintf(found, sizeof found, "%s", id ? (const char *)id : "");
        rc = 0;
    }
    sae_db_finalize(stmt);
    if (rc != 0)
        return rc;
    if (matches == 0) {
        sae_message_set(why, "no report has id %s; list them with: sae-hub reports list", prefix);
        return SAE_ENOTFOUND;
    }
    if (matches > 1) {
        sae_message_set(why, "id %s matches more than one report; give more characters", prefix);
        return SAE_EAMBIGUOUS;
    }
    memcpy(out, found, sizeof found);
    return 0;
}

static const char select_changes_sql[] =
    "SELECT c.seq, c.value, c.version, c.origin, c.base_version, c.base_origin, c.village,"
    " c.author, c.received_ms, c.held, s.change IS NOT NULL, c.note,"
    " " HUB_DEVICE_NAME_SQL("c.origin", "?3", "?4") " FROM change c"
    " LEFT JOIN field_state s ON s.report_id = c.report_id AND s.field = c.field"
    " AND s.change = c.seq"
    " WHERE c.report_id = ?1 AND c.field = ?2 ORDER BY c.version, c.origin, c.seq";

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
    for (size_t i = 0; rc == 0 && i <= kind->field_count; i++)
        rc = visit_field_changes(stmt, i < kind->field_count ? kind->fields[i].name
                                                             : SAE_FIELD_TOMBSTONE,
                                 store->hub_id, visit, context);
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
