/* The console's exports (render_export.h). */
#include "render/render_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "store/hub_read.h"
#include "sae/sae_db.h"

/* The consent that decides what leaves the district: the case's own, or for an event the
 * case its case_id names. */
static const char consent_sql[] =
    "SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = coalesce((SELECT m.case_ref FROM report_summary m"
    " WHERE m.report_id = ?1), ?1) AND s.field = 'consent_share'";

bool hub_export_keeps_field(enum hub_export_variant variant, const struct sae_field *field)
{
    if (variant == HUB_EXPORT_FULL)
        return true;
    /* Free text may name anyone; the registration number is the district's own key. */
    return !field->sensitive &&
           (field->type != SAE_FIELD_TEXT || strcmp(field->name, "registration_number") == 0);
}

int hub_export_shares(struct hub_store *store, const char *id, bool *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, consent_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    *out = rc == SAE_DB_ROW && sqlite3_column_text(stmt, 0) &&
           strcmp((const char *)sqlite3_column_text(stmt, 0), "true") == 0;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc;
}

int hub_export_consented(struct hub_store *store, const struct hub_report *report,
                         struct hub_report *copy)
{
    static char no_consent[] = HUB_NO_CONSENT_MARK; /* shared by every copy, never written */
    bool share = false;
    int rc = hub_export_shares(store, report->id, &share);
    if (rc != 0)
        return rc;
    *copy = *report;
    copy->values = malloc((report->value_count ? report->value_count : 1) * sizeof *copy->values);
    if (!copy->values)
        return SAE_ENOMEM;
    for (size_t i = 0; i < report->value_count; i++) {
        copy->values[i] = report->values[i];
        if (!share && report->values[i].field->sensitive)
            copy->values[i].value = no_consent;
    }
    return 0;
}

struct export_run {
    struct hub_store *store;
    FILE *out;
    const struct hub_export_request *request;
    struct hub_csv_columns columns;
    struct hub_json_stream stream;
    size_t count;
};

/* The report as it may leave: the values kept, dates cut to the month in the
 * de-identified variant (months[] owns those texts). */
static int exported_copy(const struct export_run *run, const struct hub_report *report,
                         struct hub_report *copy, char (*months)[8])
{
    *copy = *report;
    copy->values = calloc(report->value_count ? report->value_count : 1, sizeof *copy->values);
    if (!copy->values)
        return SAE_ENOMEM;
    copy->value_count = 0;
    for (size_t i = 0; i < report->value_count; i++) {
        const struct hub_report_value *v = &report->values[i];
        if (!hub_export_keeps_field(run->request->variant, v->field))
            continue;
        struct hub_report_value *out = &copy->values[copy->value_count++];
        *out = *v;
        if (run->request->variant == HUB_EXPORT_DEIDENTIFIED &&
            v->field->type == SAE_FIELD_DATE && strlen(v->value) >= 7) {
            memcpy(months[i], v->value, 7);
            months[i][7] = '\0';
            out->value = months[i];
        }
    }
    return 0;
}

/* A row of the export; the de-identified variant says when it last changed by the month. */
static int write_row(struct export_run *run, const struct hub_report *copy)
{
    char time[SAE_HLC_TIME_LEN + 1], month[8];
    bool cut = run->request->variant == HUB_EXPORT_DEIDENTIFIED;
    sae_hlc_format_time(copy->updated, time);
    snprintf(month, sizeof month, "%.7s", time);
    if (run->request->csv)
        return hub_csv_write_report_at(run->out, &run->columns, copy, cut ? month : NULL);
    json_t *item = hub_report_json(copy);
    if (item && cut && json_object_set_new(item, "updated", json_string(month)) != 0) {
        json_decref(item);
        item = NULL;
    }
    return hub_json_stream_item(&run->stream, item);
}

static int write_one(const char *id, void *context)
{
    struct export_run *run = context;
    struct hub_report *report = NULL, consented = {.values = NULL}, copy;
    int rc = hub_report_load(run->store, id, &report);
    if (rc == 0)
        rc = hub_export_consented(run->store, report, &consented);
    char (*months)[8] = rc == 0 ? calloc(report->value_count + 1, sizeof *months) : NULL;
    if (rc == 0 && !months)
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = exported_copy(run, &consented, &copy, months);
    if (rc == 0) {
        rc = write_row(run, &copy);
        free(copy.values);
        run->count += rc == 0;
    }
    free(consented.values);
    free(months);
    hub_report_free(report);
    return rc;
}

/* The CSV's columns: those of the filter's kind (or every kind) that the variant keeps. */
static int export_columns(const struct hub_export_request *request,
                          struct hub_csv_columns *columns)
{
    const struct sae_kind *kind = NULL;
    if (request->filter->kind && sae_catalogue_find_kind(request->filter->kind, &kind) != 0)
        return SAE_EINVAL;
    int rc = hub_csv_columns_init(columns, kind);
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < columns->field_count; i++)
        if (hub_export_keeps_field(request->variant, columns->fields[i]))
            columns->fields[kept++] = columns->fields[i];
    columns->field_count = kept;
    return rc;
}

static int begin(struct export_run *run)
{
    if (!run->request->csv)
        return hub_json_stream_begin(&run->stream, run->out);
    int rc = export_columns(run->request, &run->columns);
    if (rc == 0 && fputs(HUB_CSV_BOM, run->out) == EOF)
        rc = SAE_EIO;
    if (rc == 0)
        rc = hub_csv_write_header(run->out, &run->columns);
    return rc;
}

int hub_export_write(struct hub_store *store, FILE *out, const struct hub_export_request *request,
                     size_t *count, struct sae_message *why)
{
    struct export_run run = {.store = store, .out = out, .request = request};
    if (request->variant == HUB_EXPORT_FULL && !request->may_export_full) {
        sae_message_set(why, "a full export is for coordinators; ask for the de-identified "
                        "one");
        return SAE_EPERM;
    }
    /* The filter is checked before a byte is written. */
    struct hub_list_page probe;
    struct hub_list_query one = *request->filter;
    one.limit = 1;
    one.offset = 0;
    int rc = hub_case_list(store, &one, &probe, why);
    if (rc != 0)
        return rc;
    hub_list_page_free(&probe);
    rc = hub_read_begin(store);
    if (rc != 0)
        return rc;
    rc = begin(&run);
    if (rc == 0)
        rc = hub_case_list_visit(store, request->filter, write_one, &run, why);
    hub_read_end(store);
    if (rc == 0 && !request->csv)
        rc = hub_json_stream_end(&run.stream);
    hub_csv_columns_free(&run.columns);
    if (rc == 0)
        *count = run.count;
    return rc;
}
