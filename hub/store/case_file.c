/* A case file (case_file.h): one read transaction over the case's values, its history, the
 * reports that name it as their case, its queued conflicts and its last review. */
#include "store/case_file.h"

#include <stdlib.h>
#include <string.h>

#include "store/erasure.h"
#include "sae/sae_db.h"

/* The events whose current case_id is the case. */
static const char events_sql[] =
    "SELECT report_id FROM report_summary WHERE case_ref = ?1 ORDER BY report_id LIMIT ?2";

static const char review_sql[] =
    "SELECT state, note, reviewer, at_ms FROM case_review WHERE report_id = ?1"
    " ORDER BY seq DESC LIMIT 1";

static void version_free(struct hub_case_version *v)
{
    free(v->name);
    free(v->value);
    free(v->author);
    free(v->device);
    free(v->note);
}

static void event_free(struct hub_case_event *e)
{
    free(e->date);
    free(e->what);
    free(e->status);
}

void hub_case_file_free(struct hub_case_file *file)
{
    if (!file)
        return;
    free(file->village);
    free(file->village_name);
    for (size_t i = 0; i < file->value_count; i++)
        free(file->values[i].value);
    free(file->values);
    for (size_t i = 0; i < file->version_count; i++)
        version_free(&file->versions[i]);
    free(file->versions);
    for (size_t i = 0; i < file->event_count; i++)
        event_free(&file->events[i]);
    free(file->events);
    hub_conflict_queue_free(&file->conflicts);
    free(file->review.note);
    free(file->review.reviewer);
    free(file);
}

static int dup_or_null(const char *text, char **out)
{
    *out = text ? strdup(text) : NULL;
    return !text || *out ? 0 : SAE_ENOMEM;
}

/* The marker erasure leaves in place of a sensitive value: shown as erased to everyone. */
static bool is_erased(const struct sae_field *field, const char *value)
{
    return field && field->sensitive && value && strcmp(value, ERASURE_MARKER) == 0;
}

static int copy_values(struct hub_case_file *file, const struct hub_report *report, bool may_see)
{
    file->values = calloc(report->value_count ? report->value_count : 1, sizeof *file->values);
    if (!file->values)
        return SAE_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < report->value_count; i++) {
        const struct hub_report_value *v = &report->values[i];
        struct hub_case_value *out = &file->values[file->value_count++];
        out->field = v->field;
        out->version = v->version;
        out->erased = is_erased(v->field, v->value);
        out->masked = v->field->sensitive && !may_see && !out->erased;
        rc = dup_or_null(out->masked || out->erased ? NULL : v->value, &out->value);
    }
    return rc;
}

struct history {
    struct hub_case_file *file;
    const struct sae_kind *kind;
    bool may_see;
    size_t capacity;
};

static int grow_versions(struct history *h)
{
    struct hub_case_file *file = h->file;
    if (file->version_count < h->capacity)
        return 0;
    size_t capacity = h->capacity ? h->capacity * 2 : 64;
    if (capacity > HUB_CASE_FILE_VERSIONS_MAX)
        capacity = HUB_CASE_FILE_VERSIONS_MAX;
    void *grown = realloc(file->versions, capacity * sizeof *file->versions);
    if (!grown)
        return SAE_ENOMEM;
    file->versions = grown;
    h->capacity = capacity;
    return 0;
}

static int add_version(const struct hub_change *change, void *context)
{
    struct history *h = context;
    struct hub_case_file *file = h->file;
    if (file->version_count == HUB_CASE_FILE_VERSIONS_MAX) {
        file->versions_cut = true;
        return 0;
    }
    struct sae_field_ref ref = {NULL, NULL};
    if (strcmp(change->field, SAE_FIELD_TOMBSTONE) != 0 &&
        sae_catalogue_resolve(h->kind, change->field, &ref) != 0)
        return 0; /* a field this catalogue does not know is not shown (the hub refuses them) */
    int rc = grow_versions(h);
    if (rc != 0)
        return rc;
    struct hub_case_version *v = &file->versions[file->version_count];
    memset(v, 0, sizeof *v);
    file->version_count++;
    v->field = ref.field;
    v->element = ref.element;
    v->erased = is_erased(ref.field, change->value);
    v->masked = ref.field && ref.field->sensitive && !h->may_see && !v->erased;
    v->district = change->district;
    v->held = change->held;
    v->current = change->winner;
    v->version = change->version;
    v->received_ms = change->received_ms;
    rc = dup_or_null(change->field, &v->name);
    if (rc == 0)
        rc = dup_or_null(v->masked || v->erased ? NULL : change->value, &v->value);
    if (rc == 0)
        rc = dup_or_null(change->author, &v->author);
    if (rc == 0)
        rc = dup_or_null(change->device, &v->device);
    if (rc == 0)
        rc = dup_or_null(v->masked ? NULL : change->note, &v->note);
    return rc;
}

/* What an event is, in words of its own catalogue fields that are never sensitive. */
static const char *const event_fields[][3] = {
    /* kind, what, status */
    {"service", "service_type", NULL},
    {"shelter_stay", "shelter_name", "discharge_date"},
    {"referral", "referred_to", "referral_status"},
};

static const char *event_value(const struct hub_report *report, const char *name)
{
    const struct sae_field *field = NULL;
    if (!name || sae_catalogue_find_field(report->kind, name, &field) != 0)
        return NULL;
    return hub_report_value(report, field);
}

static int fill_event(const struct hub_report *report, struct hub_case_event *e)
{
    const struct sae_field *date = hub_stats_date_field(report->kind);
    memcpy(e->id, report->id, sizeof e->id);
    e->kind = report->kind;
    e->deleted = report->deleted;
    int rc = dup_or_null(date ? hub_report_value(report, date) : NULL, &e->date);
    for (size_t i = 0; rc == 0 && i < sizeof event_fields / sizeof event_fields[0]; i++)
        if (strcmp(event_fields[i][0], report->kind->name) == 0) {
            rc = dup_or_null(event_value(report, event_fields[i][1]), &e->what);
            if (rc == 0)
                rc = dup_or_null(event_value(report, event_fields[i][2]), &e->status);
        }
    return rc;
}

static int compare_events(const void *a, const void *b)
{
    const struct hub_case_event *x = a, *y = b;
    if (!x->date != !y->date)
        return x->date ? -1 : 1; /* undated last */
    int c = x->date ? strcmp(x->date, y->date) : 0;
    return c ? c : strcmp(x->id, y->id);
}

static int event_ids(struct hub_store *store, const char *id, char (*ids)[SAE_ID_TEXT_LEN + 1],
                     size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, events_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, HUB_CASE_FILE_EVENTS_MAX + 1);
    *count = 0;
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, ids[*count], SAE_ID_TEXT_LEN + 1);
        ++*count;
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static int load_events(struct hub_store *store, struct hub_case_file *file)
{
    char (*ids)[SAE_ID_TEXT_LEN + 1] = calloc(HUB_CASE_FILE_EVENTS_MAX + 1, sizeof *ids);
    size_t count = 0;
    int rc = ids ? event_ids(store, file->id, ids, &count) : SAE_ENOMEM;
    file->events_cut = count > HUB_CASE_FILE_EVENTS_MAX;
    if (file->events_cut)
        count = HUB_CASE_FILE_EVENTS_MAX;
    file->events = rc == 0 ? calloc(count ? count : 1, sizeof *file->events) : NULL;
    if (rc == 0 && !file->events)
        rc = SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct hub_report *event = NULL;
        rc = hub_report_load(store, ids[i], &event);
        if (rc == 0) {
            file->event_count++;
            rc = fill_event(event, &file->events[i]);
        }
        hub_report_free(event);
    }
    free(ids);
    if (rc == 0 && file->event_count > 1)
        qsort(file->events, file->event_count, sizeof *file->events, compare_events);
    return rc;
}

static int load_review(struct hub_store *store, struct hub_case_file *file)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, review_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, file->id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        file->review.exists = true;
        sae_db_column_copy(stmt, 0, file->review.state, sizeof file->review.state);
        rc = sae_db_column_dup(stmt, 1, &file->review.note);
        if (rc == 0)
            rc = sae_db_column_dup(stmt, 2, &file->review.reviewer);
        file->review.at_ms = sqlite3_column_int64(stmt, 3);
    }
    sae_db_reset(stmt);
    return rc;
}

static void mask_version(struct hub_queue_version *v)
{
    free(v->value);
    v->value = NULL;
}

/* A conflict on a sensitive field shows who and when, never what. */
static void mask_conflicts(struct hub_queue *queue, const struct sae_kind *kind)
{
    for (size_t i = 0; i < queue->count; i++) {
        struct hub_queue_entry *e = &queue->entries[i];
        struct sae_field_ref ref;
        if (sae_catalogue_resolve(kind, e->field, &ref) != 0 || !ref.field->sensitive)
            continue;
        mask_version(&e->standing);
        mask_version(&e->agreed);
        for (size_t c = 0; c < e->candidate_count; c++) {
            mask_version(&e->candidates[c].change);
            mask_version(&e->candidates[c].base);
        }
    }
}

static int load_parts(struct hub_store *store, const struct hub_report *report, bool may_see,
                      int64_t now_ms, struct hub_case_file *file)
{
    struct history history = {file, report->kind, may_see, 0};
    struct hub_queue_query conflicts = {.report_id = report->id, .limit = HUB_QUEUE_PAGE_MAX,
                                        .now_ms = now_ms};
    memcpy(file->id, report->id, sizeof file->id);
    file->deleted = report->deleted;
    int rc = dup_or_null(report->village, &file->village);
    if (rc == 0)
        rc = dup_or_null(report->village_name, &file->village_name);
    if (rc == 0)
        rc = copy_values(file, report, may_see);
    if (rc == 0)
        rc = hub_report_changes(store, report->id, add_version, &history);
    if (rc == 0)
        rc = load_events(store, file);
    if (rc == 0)
        rc = hub_conflict_queue(store, &conflicts, &file->conflicts, NULL);
    if (rc == 0 && !may_see)
        mask_conflicts(&file->conflicts, report->kind);
    if (rc == 0)
        rc = load_review(store, file);
    return rc;
}

int hub_case_file_load(struct hub_store *store, const char *id, bool may_see_sensitive,
                       int64_t now_ms, struct hub_case_file **out)
{
    struct hub_report *report = NULL;
    struct hub_case_file *file = calloc(1, sizeof *file);
    if (!file)
        return SAE_ENOMEM;
    int rc = hub_read_begin(store);
    if (rc == 0) {
        rc = hub_report_load(store, id, &report);
        if (rc == 0 && strcmp(report->kind->name, "case") != 0)
            rc = SAE_EINVAL;
        if (rc == 0)
            rc = load_parts(store, report, may_see_sensitive, now_ms, file);
        hub_read_end(store);
    }
    hub_report_free(report);
    if (rc != 0) {
        hub_case_file_free(file);
        return rc;
    }
    *out = file;
    return 0;
}
