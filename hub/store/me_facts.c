/* The facts of monitoring and evaluation, rebuilt from field_state for changed reports. */
#include "store/me_facts.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "sae/sae_id.h"
#include "sae/sae_view.h"

static const char changed_sql[] =
    "SELECT DISTINCT c.report_id, r.kind, r.village FROM change c"
    " JOIN report r ON r.id = c.report_id WHERE c.seq > ?1 AND c.seq <= ?2";
static const char fields_sql[] =
    "SELECT s.field, c.value, c.version, c.origin FROM field_state s"
    " JOIN change c ON c.seq = s.change WHERE s.report_id = ?1";
static const char kecamatan_sql[] = "SELECT parent FROM area WHERE code = ?1 AND level = 4";
static const char case_upsert_sql[] =
    "INSERT OR REPLACE INTO me_case(id, village, kecamatan, live, intake_date, intake_days,"
    " incident_date, sex, age, violence, consent_statistics, consent_share, refreshed)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char event_upsert_sql[] =
    "INSERT OR REPLACE INTO me_event(id, kind, case_id, village, live, date, type, status,"
    " end_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char max_seq_sql[] = "SELECT coalesce(max(seq), 0) FROM change";

/* A report changed since the cursor. */
struct changed {
    char id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind;
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
};

struct changed_list {
    struct changed *items;
    size_t count, capacity;
};

static int changed_push(struct changed_list *list, sqlite3_stmt *stmt)
{
    const struct sae_kind *kind = NULL;
    if (sae_catalogue_find_kind((const char *)sqlite3_column_text(stmt, 1), &kind) != 0)
        return 0; /* a newer program's kind: nothing to count */
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 256;
        struct changed *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown)
            return SAE_ENOMEM;
        list->items = grown;
        list->capacity = capacity;
    }
    struct changed *c = &list->items[list->count++];
    sae_db_column_copy(stmt, 0, c->id, sizeof c->id);
    sae_db_column_copy(stmt, 2, c->village, sizeof c->village);
    c->kind = kind;
    return 0;
}

static int load_changed(struct hub_store *store, int64_t from, int64_t to,
                        struct changed_list *out)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t range[] = {from, to};
    int rc = hub_store_prepare(store, changed_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 1, range, 2);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = changed_push(out, stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The report's current view and whether it is deleted. */
static int load_view(struct hub_store *store, const struct changed *c, struct sae_view *view,
                     bool *deleted)
{
    sqlite3_stmt *stmt = NULL;
    *deleted = false;
    int rc = sae_view_init(view, c->kind);
    if (rc == 0)
        rc = hub_store_prepare(store, fields_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, c->id);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        const char *value = (const char *)sqlite3_column_text(stmt, 1);
        struct sae_version version = {(sae_hlc)sqlite3_column_int64(stmt, 2),
                                      (uint64_t)sqlite3_column_int64(stmt, 3)};
        rc = 0;
        if (name && strcmp(name, SAE_FIELD_TOMBSTONE) == 0)
            *deleted = value != NULL;
        else if (name)
            rc = sae_view_add(view, name, value, version);
        else
            rc = SAE_ECORRUPT;
    }
    sae_db_reset(stmt);
    if (rc == 0)
        rc = sae_view_finish(view);
    return rc;
}

static int kecamatan_of(struct hub_store *store, const char *village, char *out, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    out[0] = '\0';
    int rc = hub_store_prepare(store, kecamatan_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, village);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, out, size);
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

/* 1, 0 or SQL NULL for a bool's canonical text. */
static int bind_bool(sqlite3_stmt *stmt, int index, const char *value)
{
    if (!value)
        return sae_db_bind_null(stmt, index);
    return sae_db_bind_int(stmt, index, strcmp(value, "true") == 0);
}

static int bind_int_text(sqlite3_stmt *stmt, int index, const char *value)
{
    char *end = NULL;
    long long n = value ? strtoll(value, &end, 10) : 0;
    if (!value || end == value || *end != '\0')
        return sae_db_bind_null(stmt, index);
    return sae_db_bind_int(stmt, index, n);
}

static int64_t violence_mask(const struct sae_view *view)
{
    const struct sae_field *set = NULL;
    if (sae_catalogue_find_field(view->kind, "violence_types", &set) != 0)
        return 0;
    return (int64_t)view->elements[sae_field_index(view->kind, set)];
}

static int write_case(struct hub_store *store, const struct changed *c,
                      const struct sae_view *view, bool deleted, int64_t cursor)
{
    char kecamatan[SAE_LIMIT_VILLAGE_BYTES + 1];
    const char *intake = sae_view_get(view, "intake_date");
    int64_t days = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = kecamatan_of(store, c->village, kecamatan, sizeof kecamatan);
    if (rc == 0)
        rc = hub_store_prepare(store, case_upsert_sql, &stmt);
    const char *texts[] = {c->id, c->village, kecamatan};
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 3);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, !deleted);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, intake);
    if (rc == 0)
        rc = intake && sae_date_to_days(intake, &days) == 0 ? sae_db_bind_int(stmt, 6, days)
                                                             : sae_db_bind_null(stmt, 6);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 7, sae_view_get(view, "incident_date"));
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 8, sae_view_get(view, "victim_sex"));
    if (rc == 0)
        rc = bind_int_text(stmt, 9, sae_view_get(view, "victim_age"));
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 10, violence_mask(view));
    if (rc == 0)
        rc = bind_bool(stmt, 11, sae_view_get(view, "consent_statistics"));
    if (rc == 0)
        rc = bind_bool(stmt, 12, sae_view_get(view, "consent_share"));
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 13, cursor);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The fields of an event kind that me_event keeps: date, type, status, end. */
struct event_fields {
    const char *kind, *date, *type, *status, *end;
};

static const struct event_fields event_kinds[] = {
    {"service", "service_date", "service_type", NULL, NULL},
    {"shelter_stay", "admission_date", NULL, NULL, "discharge_date"},
    {"referral", "referral_date", "referred_to", "referral_status", NULL},
};

static const char *view_get_or_null(const struct sae_view *view, const char *name)
{
    return name ? sae_view_get(view, name) : NULL;
}

static int write_event(struct hub_store *store, const struct changed *c,
                       const struct sae_view *view, bool deleted)
{
    const struct event_fields *e = NULL;
    for (size_t i = 0; i < sizeof event_kinds / sizeof event_kinds[0]; i++)
        if (strcmp(event_kinds[i].kind, c->kind->name) == 0)
            e = &event_kinds[i];
    if (!e)
        return 0;
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {c->id, e->kind, sae_view_get(view, "case_id"), c->village};
    const char *rest[] = {view_get_or_null(view, e->date), view_get_or_null(view, e->type),
                          view_get_or_null(view, e->status), view_get_or_null(view, e->end)};
    int rc = hub_store_prepare(store, event_upsert_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 4);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, !deleted);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 6, rest, 4);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int refresh_one(struct hub_store *store, const struct changed *c, int64_t cursor)
{
    struct sae_view view;
    bool deleted = false;
    memset(&view, 0, sizeof view);
    int rc = load_view(store, c, &view, &deleted);
    if (rc == 0)
        rc = strcmp(c->kind->name, "case") == 0 ? write_case(store, c, &view, deleted, cursor)
                                                : write_event(store, c, &view, deleted);
    sae_view_free(&view);
    return rc;
}

/* One refresh: the cursors and the reports changed between them, and the chunk a write
 * transaction reads again. */
struct refresh {
    int64_t cursor, last;
    struct changed_list list;
    size_t from, to;
};

static int refresh_chunk(struct hub_store *store, void *context)
{
    const struct refresh *r = context;
    int rc = 0;
    for (size_t i = r->from; rc == 0 && i < r->to; i++)
        rc = refresh_one(store, &r->list.items[i], r->last);
    /* The last chunk moves the cursor: a refresh cut short is done again, whole. */
    if (rc == 0 && r->to == r->list.count)
        rc = sae_db_set_meta_int(store->db, ME_META_CURSOR, r->last);
    if (rc == 0 && r->to == r->list.count)
        rc = me_facts_changed(store);
    return rc;
}

static int run_chunks(struct hub_store *store, struct refresh *r)
{
    int rc = 0;
    r->from = 0;
    do {
        r->to = r->list.count - r->from > ME_FACTS_CHUNK ? r->from + ME_FACTS_CHUNK
                                                        : r->list.count;
        rc = hub_store_write(store, refresh_chunk, r);
        r->from = r->to;
    } while (rc == 0 && r->from < r->list.count);
    return rc;
}

int me_facts_version(struct hub_store *store, int64_t *out)
{
    int64_t version = 0;
    int rc = sae_db_meta_int(store->db, ME_META_VERSION, &version);
    if (rc == SAE_ENOTFOUND) /* a hub whose figures never changed since it had them */
        rc = 0;
    if (rc == 0)
        *out = version;
    return rc;
}

int me_facts_changed(struct hub_store *store)
{
    int64_t version = 0;
    int rc = me_facts_version(store, &version);
    return rc == 0 ? sae_db_set_meta_int(store->db, ME_META_VERSION, version + 1) : rc;
}

int me_facts_invalidate(struct hub_store *store)
{
    int rc = sae_db_set_meta_int(store->db, ME_META_CURSOR, 0);
    return rc == 0 ? me_facts_changed(store) : rc;
}

int me_facts_refresh(struct hub_store *store, int64_t *refreshed)
{
    struct refresh r = {0};
    /* Nothing new (the common case of a page read): no write lock taken. */
    int rc = sae_db_meta_int(store->db, ME_META_CURSOR, &r.cursor);
    if (rc == 0)
        rc = hub_store_query_int(store, max_seq_sql, NULL, 0, &r.last);
    if (rc == 0 && r.last > r.cursor)
        rc = load_changed(store, r.cursor, r.last, &r.list);
    if (rc == 0 && r.last > r.cursor)
        rc = run_chunks(store, &r);
    if (rc == 0 && refreshed)
        *refreshed = (int64_t)r.list.count;
    free(r.list.items);
    return rc;
}
