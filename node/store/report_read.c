/* Reading reports back. Reports are built from the derived tables by one query per call,
 * grouped by id, so a list of thousands of reports costs one statement; a sealed value is
 * read from its journal entry, which the shown values refer to (JOURNAL_RESOLVED). */
#include "sae/sae_db.h"
#include "store/journal.h"
#include "store/node_meta.h"
#include "store/report_read.h"
#include "store/value_seal.h"

#include "sae/sae_report_lookup.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char select_reports_sql[] =
    "SELECT r.id, r.kind, f.field, " JOURNAL_RESOLVED("f.value") ", f.version, f.origin,"
    " f.under_review,"
    " d.report_id IS NOT NULL, d.note, d.reviewer FROM report r"
    " LEFT JOIN field_shown_row f ON f.report_num = r.num"
    " LEFT JOIN review d ON d.report_id = r.id AND d.field = '" SAE_REVIEW_CASE_FIELD "'"
    " WHERE ?1 IS NULL OR r.kind = ?1"
    " ORDER BY r.first_seq, r.id, f.field";
/* One report: its fields by their key (field_shown_row's primary key, the report's number and
 * the field). */
static const char select_report_sql[] =
    "SELECT r.id, r.kind, f.field, " JOURNAL_RESOLVED("f.value") ", f.version, f.origin,"
    " f.under_review,"
    " d.report_id IS NOT NULL, d.note, d.reviewer FROM report r"
    " LEFT JOIN field_shown_row f ON f.report_num = r.num"
    " LEFT JOIN review d ON d.report_id = r.id AND d.field = '" SAE_REVIEW_CASE_FIELD "'"
    " WHERE r.id = ?1 ORDER BY f.field";

void report_free(struct report *report)
{
    if (!report)
        return;
    sae_view_free(&report->view);
    for (size_t i = 0; i < report->under_review_count; i++) {
        free(report->under_review[i].field);
        free(report->under_review[i].value);
    }
    free(report->under_review);
    free(report->values);
    free(report->masked);
    free(report->withheld);
    free(report->erased);
    free(report->issues_note);
    free(report->issues_reviewer);
    free(report);
}

bool report_names_field(const char *name, const char *field)
{
    size_t len = strlen(field);
    return strncmp(name, field, len) == 0 &&
           (name[len] == '\0' || name[len] == SAE_FIELD_ELEMENT_SEPARATOR);
}

bool report_under_review(const struct report *report, const char *field)
{
    const struct sae_field *set = NULL;
    for (size_t i = 0; i < report->under_review_count; i++)
        if (report_names_field(report->under_review[i].field, field))
            return true;
    /* A set shown from the deprecated field it replaced is reviewed with that field. */
    if (sae_catalogue_find_field(report->kind, field, &set) != 0 || set->type != SAE_FIELD_SET ||
        !report->view.legacy[sae_field_index(report->kind, set)])
        return false;
    for (size_t i = 0; i < report->kind->field_count; i++) {
        const struct sae_field *old = &report->kind->fields[i];
        if (old->deprecated && old->replaced_by && strcmp(old->replaced_by, field) == 0 &&
            report_under_review(report, old->name))
            return true;
    }
    return false;
}

/* Rows come ordered by field name: the list stays in name order. */
static int note_under_review(struct report *report, sqlite3_stmt *stmt, const char *shown)
{
    struct report_review *grown = realloc(report->under_review,
                                          (report->under_review_count + 1) * sizeof *grown);
    if (!grown)
        return SAE_ENOMEM;
    report->under_review = grown;
    struct report_review *r = &grown[report->under_review_count];
    *r = (struct report_review){NULL, NULL};
    int rc = sae_db_column_dup(stmt, 2, &r->field);
    if (rc == 0 && shown && !(r->value = strdup(shown)))
        rc = SAE_ENOMEM;
    report->under_review_count++; /* counted even half-made, so that it is freed */
    return rc;
}

static int new_report(sqlite3_stmt *stmt, struct report **out)
{
    const struct sae_kind *kind = NULL;
    const char *id = (const char *)sqlite3_column_text(stmt, 0);
    const char *kind_name = (const char *)sqlite3_column_text(stmt, 1);
    if (!id || !kind_name || strlen(id) != SAE_ID_TEXT_LEN ||
        sae_catalogue_find_kind(kind_name, &kind) != 0)
        return SAE_ECORRUPT;
    struct report *report = calloc(1, sizeof *report);
    if (!report)
        return SAE_ENOMEM;
    report->values = calloc(kind->field_count, sizeof *report->values);
    report->masked = calloc(kind->field_count, sizeof *report->masked);
    report->withheld = calloc(kind->field_count, sizeof *report->withheld);
    report->erased = calloc(kind->field_count, sizeof *report->erased);
    if (!report->values || !report->masked || !report->withheld || !report->erased ||
        sae_view_init(&report->view, kind) != 0) {
        report_free(report);
        return SAE_ENOMEM;
    }
    memcpy(report->id, id, SAE_ID_TEXT_LEN + 1);
    report->kind = kind;
    report->has_issues = sqlite3_column_int(stmt, 7) != 0;
    if (sae_db_column_dup(stmt, 8, &report->issues_note) != 0 ||
        sae_db_column_dup(stmt, 9, &report->issues_reviewer) != 0) {
        report_free(report);
        return SAE_ENOMEM;
    }
    *out = report;
    return 0;
}

/* Adds the field of the current row to the report's view. Fields the catalogue does not
 * know (written by a newer program) are not shown. */
static int add_shown_value(struct report *report, sqlite3_stmt *stmt, const char *value)
{
    const char *name = (const char *)sqlite3_column_text(stmt, 2);
    struct sae_version version = {(sae_hlc)sqlite3_column_int64(stmt, 4),
                                  (uint64_t)sqlite3_column_int64(stmt, 5)};
    if (!name)
        return 0; /* a report row without fields */
    if (version.hlc > report->updated)
        report->updated = version.hlc;
    if (sqlite3_column_int(stmt, 6) != 0) {
        int rc = note_under_review(report, stmt, value);
        if (rc != 0)
            return rc;
    }
    if (strcmp(name, SAE_FIELD_TOMBSTONE) == 0) {
        report->deleted = report->deleted || value != NULL;
        return 0;
    }
    return sae_view_add(&report->view, name, value, version);
}

/* A sensitive value as the reader may see it (value_seal_read): opened with the key the
 * caller lent, masked without one. */
static int add_row_value(struct node_store *store, struct report *report, sqlite3_stmt *stmt)
{
    const char *stored = (const char *)sqlite3_column_text(stmt, 3);
    const char *name = (const char *)sqlite3_column_text(stmt, 2);
    const struct sae_field *field = NULL;
    char *shown = NULL;
    bool masked = false;
    if (!value_seal_is_sealed(stored) && !value_seal_is_mark(stored))
        return add_shown_value(report, stmt, stored);
    int rc = value_seal_read(store, stored, &shown, &masked);
    if (rc == 0 && name && sae_catalogue_find_field(report->kind, name, &field) == 0) {
        size_t i = sae_field_index(report->kind, field);
        report->masked[i] = masked;
        report->withheld[i] = value_seal_is_withheld(stored);
        report->erased[i] = value_seal_is_erased(stored);
    }
    if (rc == 0)
        rc = add_shown_value(report, stmt, shown);
    sae_wipe_free_string(shown);
    return rc;
}

/* The view's values in catalogue order, as the report's list. */
static int finish_values(struct report *report)
{
    int rc = sae_view_finish(&report->view);
    for (size_t i = 0; rc == 0 && i < report->kind->field_count; i++)
        if (report->view.values[i])
            report->values[report->value_count++] =
                (struct report_value){&report->kind->fields[i], report->view.values[i],
                                      report->view.versions[i], report->masked[i],
                                      report->withheld[i], report->erased[i]};
    return rc;
}

/* Reads the rows of one report starting at the current row; *step_rc is the result of
 * the last sae_db_step, SAE_DB_ROW while more rows follow. */
static int build_report(struct node_store *store, sqlite3_stmt *stmt, int *step_rc,
                        struct report **out)
{
    struct report *report = NULL;
    int rc = new_report(stmt, &report);
    if (rc != 0)
        return rc;
    const char *first = report->id;
    do {
        rc = add_row_value(store, report, stmt);
        *step_rc = sae_db_step(stmt);
    } while (rc == 0 && *step_rc == SAE_DB_ROW &&
             strcmp((const char *)sqlite3_column_text(stmt, 0), first) == 0);
    if (rc == 0 && *step_rc < 0)
        rc = *step_rc;
    if (rc == 0)
        rc = finish_values(report);
    if (rc != 0) {
        report_free(report);
        return rc;
    }
    *out = report;
    return 0;
}

static int query_reports(struct node_store *store, const char *kind, sqlite3_stmt **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, select_reports_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, kind);
    if (rc != 0) {
        sae_db_reset(stmt);
        return rc;
    }
    *out = stmt;
    return 0;
}

int report_load(struct node_store *store, const char *id, struct report **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, select_report_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc != 0) {
        sae_db_reset(stmt);
        return rc;
    }
    int step = sae_db_step(stmt);
    if (step == SAE_DB_ROW)
        rc = build_report(store, stmt, &step, out);
    else
        rc = step == 0 ? SAE_ENOTFOUND : step;
    sae_db_reset(stmt);
    return rc;
}

int report_list(struct node_store *store, const struct sae_kind *kind, bool include_deleted,
                report_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = query_reports(store, kind ? kind->name : NULL, &stmt);
    if (rc != 0)
        return rc;
    int step = sae_db_step(stmt);
    while (rc == 0 && step == SAE_DB_ROW) {
        struct report *report = NULL;
        rc = build_report(store, stmt, &step, &report);
        if (rc == 0 && (include_deleted || !report->deleted))
            rc = visit(report, context);
        report_free(report);
    }
    if (rc == 0 && step < 0)
        rc = step;
    sae_db_reset(stmt);
    return rc;
}

/* This device's own entries carry no device name: they take the one the district gave it. */
static const char history_sql[] =
    "SELECT seq, field, value, version, origin, base_version, base_origin,"
    " coalesce(restamp_of, 0), author, note, CASE WHEN origin_seq IS NULL"
    " THEN (SELECT value FROM meta WHERE key = '" NODE_META_DEVICE_NAME "') ELSE device END"
    " FROM journal_entry WHERE report_num = " REPORT_NUM("?1") " ORDER BY seq";

int report_history(struct node_store *store, const char *id, history_visit_fn visit,
                   void *context)
{
    sqlite3_stmt *stmt = NULL;
    int err = sae_db_prepare_cached(store->db, &store->statements, history_sql, &stmt);
    if (err != 0)
        return err;
    err = sae_db_bind_text(stmt, 1, id);
    int rc = 0;
    while (err == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        char *shown = NULL;
        bool masked = false;
        const char *stored = (const char *)sqlite3_column_text(stmt, 2);
        bool withheld = value_seal_is_withheld(stored), erased = value_seal_is_erased(stored);
        if ((value_seal_is_sealed(stored) || withheld || erased) &&
            (err = value_seal_read(store, stored, &shown, &masked)) != 0)
            break;
        struct history_entry entry = {
            .seq = sqlite3_column_int64(stmt, 0),
            .field = (const char *)sqlite3_column_text(stmt, 1),
            .value = shown ? shown : stored,
            .masked = masked,
            .withheld = withheld,
            .erased = erased,
            .version = {(sae_hlc)sqlite3_column_int64(stmt, 3),
                        (uint64_t)sqlite3_column_int64(stmt, 4)},
            .base = {(sae_hlc)sqlite3_column_int64(stmt, 5),
                     (uint64_t)sqlite3_column_int64(stmt, 6)},
            .redates = sqlite3_column_int64(stmt, 7),
            .author = (const char *)sqlite3_column_text(stmt, 8),
            .note = (const char *)sqlite3_column_text(stmt, 9),
            .device = (const char *)sqlite3_column_text(stmt, 10),
        };
        err = entry.field ? visit(&entry, context) : SAE_ECORRUPT;
        sae_wipe_free_string(shown);
    }
    if (err == 0 && rc < 0)
        err = rc;
    sae_db_reset(stmt);
    return err;
}

/* Own entries after the acknowledged one, less those set aside or re-dated. An entry is
 * own exactly when it has no origin_seq (pulled ones carry their writer's), so the own are
 * all entries after it less the pulled (their partial index journal_by_origin holds only
 * them; + keeps SQLite on it) and the set-aside and re-dated (few, read by key). A post that
 * has not synced yet has every entry pending: a test of each row's origin took Beranda
 * 25 ms of CPU at 10,000 cases, this 4 ms. */
#define OWN_AFTER "seq > ?1 AND origin = ?2 AND origin_seq IS NULL"
static const char pending_count_sql[] =
    "SELECT (SELECT count(*) FROM journal_entry WHERE seq > ?1)"
    " - (SELECT count(*) FROM journal_entry WHERE origin_seq IS NOT NULL AND +seq > ?1)"
    " - (SELECT count(*) FROM journal_entry WHERE " OWN_AFTER " AND (seq IN"
    " (SELECT seq FROM set_aside UNION SELECT restamp_of FROM journal_entry"
    " WHERE restamp_of IS NOT NULL) OR value = '" VALUE_SEAL_ERASED "'))";

int report_pending_count(struct node_store *store, int64_t acked, int64_t *out)
{
    const int64_t params[] = {acked, (int64_t)store->origin};
    return sae_db_query_int(store->db, &store->statements, pending_count_sql, params, 2, out);
}

/* '~' sorts after every hex digit and '-', so this range is exactly the prefix. */
static const char resolve_number_sql[] =
    "SELECT report_id FROM field_shown WHERE field = 'registration_number' AND value = ?1"
    " ORDER BY report_id LIMIT 2";

int report_resolve_id(struct node_store *store, const char *text, char out[SAE_ID_TEXT_LEN + 1],
                      struct sae_message *why)
{
    const struct sae_report_lookup lookup = {store->db, &store->statements, resolve_number_sql,
                                             "sae-node list", "sae-node list --kind case"};
    return sae_report_lookup(&lookup, text, out, why);
}

static const char sync_status_sql[] =
    "SELECT (SELECT url FROM hub WHERE id = 1), (SELECT enrolled_ms FROM hub WHERE id = 1),"
    " (SELECT value FROM meta WHERE key = '" NODE_META_LAST_SYNC_MS "'),"
    " (SELECT value FROM meta WHERE key = '" NODE_META_LAST_ERROR "'),"
    " (SELECT value FROM meta WHERE key = '" NODE_META_CLOCK_OFFSET_MS "'),"
    " (SELECT count(*) FROM set_aside)";

/* What status says about synchronisation: the hub link and the last round. */
static int sync_status(struct node_store *store, struct journal_status *s)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sync_status_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        s->linked = !sae_db_column_is_null(stmt, 0);
        sae_db_column_copy(stmt, 0, s->hub_url, sizeof s->hub_url);
        s->enrolled = sqlite3_column_int64(stmt, 1) != 0;
        s->last_sync_ms = sqlite3_column_int64(stmt, 2);
        sae_db_column_copy(stmt, 3, s->last_error, sizeof s->last_error);
        s->clock_offset_ms = sqlite3_column_int64(stmt, 4);
        s->set_aside = sqlite3_column_int64(stmt, 5);
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static const char count_reports_sql[] = "SELECT count(*) FROM report";
static const char count_deleted_sql[] =
    "SELECT count(*) FROM field_shown_row WHERE field = '" SAE_FIELD_TOMBSTONE "'"
    " AND value IS NOT NULL";
static const char count_changes_sql[] = "SELECT count(*) FROM journal_entry";

int report_status(struct node_store *store, struct journal_status *out)
{
    struct journal_status s = {0};
    int64_t clock = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_ACKED_SEQ, &s.acked_seq);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, NODE_META_CLOCK, &clock);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, NODE_META_CREATED_MS, &s.created_ms);
    if (rc == 0)
        rc = sae_db_query_int(store->db, &store->statements, count_reports_sql, NULL, 0,
                              &s.reports);
    if (rc == 0)
        rc = sae_db_query_int(store->db, &store->statements, count_deleted_sql, NULL, 0,
                              &s.deleted);
    if (rc == 0)
        rc = sae_db_query_int(store->db, &store->statements, count_changes_sql, NULL, 0,
                              &s.changes);
    if (rc == 0)
        rc = report_pending_count(store, s.acked_seq, &s.pending);
    if (rc == 0)
        rc = sync_status(store, &s);
    if (rc != 0)
        return rc;
    s.reports -= s.deleted;
    s.clock = (sae_hlc)clock;
    *out = s;
    return 0;
}
