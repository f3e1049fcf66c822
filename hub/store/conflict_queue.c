/* The conflicts queue (conflict_queue.h). */
#include "store/conflict_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/hub_read.h"
#include "sae/sae_db.h"

/* %s: the page of conflict ids, chosen first so that the columns below are computed for
 * the page only, not for every open conflict before sorting. */
static const char queue_base_sql[] =
    "SELECT q.id, q.report_id, r.kind, r.village, " HUB_VILLAGE_NAME_SQL("r.village") ","
    " q.field, q.severity, q.reason, q.opened_ms,"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    "  WHERE s.report_id = q.report_id AND s.field = 'registration_number'),"
    " (SELECT s.change FROM field_state s WHERE s.report_id = q.report_id AND s.field = q.field)"
    " FROM (%s) page JOIN conflict q ON q.id = page.id JOIN report r ON r.id = q.report_id"
    " ORDER BY q.opened_ms, q.id";

/* A change (alias X) as people read it, in VERSION_COLUMN_COUNT columns; ?2 and ?3 are
 * the hub's id and name. */
#define VERSION_COLUMNS(X)                                                                   \
    X ".seq, revealed(" X ".seq, " X ".value), " X ".author, "                               \
    HUB_DEVICE_NAME_SQL(X ".origin", "?2", "?3") ","                                          \
    " " X ".origin = ?2, " X ".version, " X ".origin, " X ".received_ms, " X ".held"
#define VERSION_COLUMN_COUNT 9

static const char version_sql[] =
    "SELECT " VERSION_COLUMNS("c") " FROM change c WHERE c.seq = ?1";

/* Each candidate with the version it names as its base, in one row. */
static const char candidates_sql[] =
    "SELECT " VERSION_COLUMNS("c") ", " VERSION_COLUMNS("p")
    " FROM conflict_candidate k JOIN change c ON c.seq = k.change"
    " LEFT JOIN change p ON p.report_no = c.report_no AND p.field = c.field"
    " AND p.version = c.base_version AND p.origin = c.base_origin"
    " WHERE k.conflict = ?1 ORDER BY c.version, c.origin, c.seq LIMIT " "16";

/* Every version a change builds on through its bases, newest first. */
static const char ancestors_sql[] =
    "WITH RECURSIVE anc(seq) AS (SELECT ?1 UNION SELECT p.seq FROM anc"
    " JOIN change c ON c.seq = anc.seq JOIN change p ON p.report_no = c.report_no AND"
    " p.field = c.field AND p.version = c.base_version AND p.origin = c.base_origin)"
    " SELECT a.seq FROM anc a JOIN change c ON c.seq = a.seq WHERE a.seq <> ?1"
    " ORDER BY c.version DESC, c.origin DESC";

_Static_assert(HUB_QUEUE_CANDIDATES_MAX == 16, "candidates_sql's LIMIT");

static void version_free(struct hub_queue_version *v)
{
    free(v->value);
    free(v->author);
    free(v->device);
    memset(v, 0, sizeof *v);
}

static void entry_free(struct hub_queue_entry *e)
{
    free(e->registration);
    free(e->village);
    free(e->village_name);
    free(e->field);
    free(e->reason);
    version_free(&e->standing);
    version_free(&e->agreed);
    for (size_t i = 0; i < e->candidate_count; i++) {
        version_free(&e->candidates[i].change);
        version_free(&e->candidates[i].base);
    }
    free(e->candidates);
}

void hub_conflict_queue_free(struct hub_queue *queue)
{
    for (size_t i = 0; i < queue->count; i++)
        entry_free(&queue->entries[i]);
    free(queue->entries);
    memset(queue, 0, sizeof *queue);
}

/* The VERSION_COLUMNS starting at column first; a NULL seq leaves it absent. */
static int read_version(sqlite3_stmt *stmt, int first, struct hub_queue_version *out)
{
    memset(out, 0, sizeof *out);
    if (sae_db_column_is_null(stmt, first))
        return 0;
    out->exists = true;
    out->seq = sqlite3_column_int64(stmt, first);
    int rc = sae_db_column_dup(stmt, first + 1, &out->value);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, first + 2, &out->author);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, first + 3, &out->device);
    out->district = sqlite3_column_int(stmt, first + 4) != 0;
    out->version = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, first + 5),
                                        (uint64_t)sqlite3_column_int64(stmt, first + 6)};
    out->received_ms = sqlite3_column_int64(stmt, first + 7);
    out->held = sqlite3_column_int(stmt, first + 8) != 0;
    if (rc != 0)
        version_free(out);
    return rc;
}

static int bind_hub(struct hub_store *store, sqlite3_stmt *stmt)
{
    int rc = sae_db_bind_int(stmt, 2, (int64_t)store->hub_id);
    return rc == 0 ? sae_db_bind_text(stmt, 3, store->name) : rc;
}

/* Change seq as a version people read; seq 0 leaves it absent. */
static int load_version(struct hub_store *store, int64_t seq, struct hub_queue_version *out)
{
    sqlite3_stmt *stmt = NULL;
    memset(out, 0, sizeof *out);
    if (seq == 0)
        return 0;
    int rc = hub_store_prepare(store, version_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, seq);
    if (rc == 0)
        rc = bind_hub(store, stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        rc = read_version(stmt, 0, out);
    else if (rc == 0)
        rc = SAE_ECORRUPT; /* a seq the hub's own tables name */
    sae_db_reset(stmt);
    return rc;
}

struct seqs {
    int64_t items[64];
    size_t count;
};

/* A conflict's field is short-lived history: 64 ancestors is far past any real chain. */
static int ancestors(struct hub_store *store, int64_t seq, struct seqs *out)
{
    sqlite3_stmt *stmt = NULL;
    out->count = 0;
    int rc = hub_store_prepare(store, ancestors_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, seq);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        if (out->count < sizeof out->items / sizeof out->items[0])
            out->items[out->count++] = sqlite3_column_int64(stmt, 0);
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static bool seqs_has(const struct seqs *s, int64_t seq)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->items[i] == seq)
            return true;
    return false;
}

/* Whether every candidate names the same version as its base: then that is the agreed
 * one (the common case, two posts editing from what both had). */
static bool same_base(const struct hub_queue_entry *e)
{
    for (size_t i = 0; i < e->candidate_count; i++)
        if (!e->candidates[i].base.exists ||
            e->candidates[i].base.seq != e->candidates[0].base.seq)
            return false;
    return e->candidate_count > 0;
}

/* The newest version every candidate builds on: the last value all agreed on. */
static int find_agreed(struct hub_store *store, const struct hub_queue_entry *e, int64_t *out)
{
    struct seqs lists[HUB_QUEUE_CANDIDATES_MAX];
    *out = 0;
    if (e->candidate_count == 0)
        return 0;
    if (same_base(e)) {
        *out = e->candidates[0].base.seq;
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < e->candidate_count; i++)
        rc = ancestors(store, e->candidates[i].change.seq, &lists[i]);
    for (size_t a = 0; rc == 0 && a < lists[0].count && *out == 0; a++) {
        bool everyone = true;
        for (size_t i = 1; everyone && i < e->candidate_count; i++)
            everyone = seqs_has(&lists[i], lists[0].items[a]);
        if (everyone)
            *out = lists[0].items[a];
    }
    return rc;
}

static int load_candidates(struct hub_store *store, struct hub_queue_entry *e)
{
    sqlite3_stmt *stmt = NULL;
    e->candidates = calloc(HUB_QUEUE_CANDIDATES_MAX, sizeof *e->candidates);
    int rc = e->candidates ? hub_store_prepare(store, candidates_sql, &stmt) : SAE_ENOMEM;
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, e->id);
    if (rc == 0)
        rc = bind_hub(store, stmt);
    while (rc == 0 && e->candidate_count < HUB_QUEUE_CANDIDATES_MAX &&
           (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_queue_candidate *c = &e->candidates[e->candidate_count++];
        rc = read_version(stmt, 0, &c->change);
        if (rc == 0)
            rc = read_version(stmt, VERSION_COLUMN_COUNT, &c->base);
    }
    sae_db_reset(stmt);
    return rc;
}

static const char *policy_of(const struct sae_kind *kind, const char *field)
{
    struct sae_field_ref ref;
    if (!kind || sae_catalogue_resolve(kind, field, &ref) != 0)
        return "latest";
    return ref.field->merge == SAE_MERGE_SAFEST ? "safest" : "latest";
}

static int copy_text(const char *text, char **out)
{
    *out = text ? strdup(text) : NULL;
    return !text || *out ? 0 : SAE_ENOMEM;
}

static int copy_version(const struct hub_queue_version *from, struct hub_queue_version *to)
{
    *to = *from;
    to->value = to->author = to->device = NULL;
    int rc = copy_text(from->value, &to->value);
    if (rc == 0)
        rc = copy_text(from->author, &to->author);
    if (rc == 0)
        rc = copy_text(from->device, &to->device);
    if (rc != 0)
        version_free(to);
    return rc;
}

/* Version seq, taken from the candidates or their bases when one of them is it (the
 * standing value is a candidate, the agreed one usually their common base), else read. */
static int known_version(struct hub_store *store, const struct hub_queue_entry *e, int64_t seq,
                         struct hub_queue_version *out)
{
    for (size_t i = 0; seq != 0 && i < e->candidate_count; i++) {
        if (e->candidates[i].change.seq == seq)
            return copy_version(&e->candidates[i].change, out);
        if (e->candidates[i].base.exists && e->candidates[i].base.seq == seq)
            return copy_version(&e->candidates[i].base, out);
    }
    return load_version(store, seq, out);
}

/* The entry of the statement's current row, with its versions. */
static int load_entry(struct hub_store *store, sqlite3_stmt *stmt, int64_t now_ms,
                      struct hub_queue_entry *e)
{
    const char *kind = (const char *)sqlite3_column_text(stmt, 2);
    e->id = sqlite3_column_int64(stmt, 0);
    sae_db_column_copy(stmt, 1, e->report_id, sizeof e->report_id);
    if (!kind || sae_catalogue_find_kind(kind, &e->kind) != 0)
        return SAE_ECORRUPT;
    int rc = sae_db_column_dup(stmt, 3, &e->village);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 4, &e->village_name);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 5, &e->field);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 7, &e->reason);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 9, &e->registration);
    if (rc != 0)
        return rc;
    e->hard = strcmp((const char *)sqlite3_column_text(stmt, 6), "hard") == 0;
    e->opened_ms = sqlite3_column_int64(stmt, 8);
    e->age_ms = now_ms - e->opened_ms;
    e->policy = policy_of(e->kind, e->field);
    int64_t standing = sqlite3_column_int64(stmt, 10), agreed = 0;
    rc = load_candidates(store, e);
    if (rc == 0)
        rc = find_agreed(store, e, &agreed);
    if (rc == 0)
        rc = known_version(store, e, standing, &e->standing);
    if (rc == 0)
        rc = known_version(store, e, agreed, &e->agreed);
    return rc;
}

/* The list's own statement (not cached: the versions use the cache while it steps). */
static int run_queue(struct hub_store *store, const char *sql, const int64_t *ints,
                     const char *const *texts, int64_t now_ms, size_t room, struct hub_queue *out)
{
    sqlite3_stmt *stmt = NULL;
    struct hub_queue result = {0};
    result.entries = calloc(room ? room : 1, sizeof *result.entries);
    int rc = result.entries ? sae_db_prepare(store->db, sql, &stmt) : SAE_ENOMEM;
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = texts[i] ? sae_db_bind_text(stmt, i + 1, texts[i]) : sae_db_bind_null(stmt, i + 1);
    for (int i = 0; rc == 0 && i < 4; i++)
        rc = sae_db_bind_int(stmt, i + 3, ints[i]);
    while (rc == 0 && result.count < room && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = load_entry(store, stmt, now_ms, &result.entries[result.count++]);
    sae_db_finalize(stmt);
    if (rc != 0) {
        hub_conflict_queue_free(&result);
        return rc;
    }
    *out = result;
    return 0;
}

/* The queue's conflicts, and (_IN_VILLAGE) those of one village: only that form reads
 * report, so that the whole queue is a walk of conflict_by_age alone. */
#define QUEUE_FILTER_SQL                                                                     \
    " WHERE " HUB_QUEUE_WHERE " AND (?1 IS NULL OR q.report_id = ?1)"                        \
    " AND (?3 = 0 OR q.severity = 'hard')"
#define QUEUE_PAGE_SQL(from, village)                                                        \
    "SELECT q.id" from QUEUE_FILTER_SQL village " AND (?6 = 0 OR q.id = ?6)"                  \
    " ORDER BY q.opened_ms, q.id LIMIT ?4 OFFSET ?5"
#define QUEUE_IN_VILLAGE_FROM " FROM conflict q JOIN report r ON r.id = q.report_id"
#define QUEUE_IN_VILLAGE " AND r.village = ?2"
static const char queue_page_sql[] = QUEUE_PAGE_SQL(" FROM conflict q", "");
static const char queue_page_in_village_sql[] =
    QUEUE_PAGE_SQL(QUEUE_IN_VILLAGE_FROM, QUEUE_IN_VILLAGE);
static const char total_sql[] = "SELECT count(*) FROM conflict q" QUEUE_FILTER_SQL;
static const char total_in_village_sql[] =
    "SELECT count(*)" QUEUE_IN_VILLAGE_FROM QUEUE_FILTER_SQL QUEUE_IN_VILLAGE;

static int queue_total(struct hub_store *store, const char *const *texts, bool hard_only,
                       int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, texts[1] ? total_in_village_sql : total_sql, &stmt);
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = texts[i] ? sae_db_bind_text(stmt, i + 1, texts[i]) : sae_db_bind_null(stmt, i + 1);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, hard_only);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_EDB;
    }
    sae_db_reset(stmt);
    return rc;
}

static int queue_select(struct hub_store *store, const struct hub_queue_query *q, int64_t id,
                        struct hub_queue *out)
{
    char sql[sizeof queue_base_sql + sizeof queue_page_in_village_sql];
    const char *texts[2] = {q->report_id, q->village};
    int64_t ints[4] = {q->hard_only, (int64_t)q->limit, (int64_t)q->offset, id};
    int64_t total = 0;
    snprintf(sql, sizeof sql, queue_base_sql, q->village ? queue_page_in_village_sql
                                                         : queue_page_sql);
    /* Inside a caller's read (a case file), that read's state; else one of its own. */
    bool own = !sae_db_in_transaction(store->db);
    int rc = own ? hub_read_begin(store) : 0;
    if (rc != 0)
        return rc;
    rc = run_queue(store, sql, ints, texts, q->now_ms, q->limit, out);
    if (rc == 0)
        rc = queue_total(store, texts, q->hard_only, &total);
    if (own)
        hub_read_end(store);
    if (rc == 0)
        out->total = id ? (int64_t)out->count : total;
    else if (out->entries)
        hub_conflict_queue_free(out);
    return rc;
}

int hub_conflict_queue(struct hub_store *store, const struct hub_queue_query *query,
                       struct hub_queue *out, struct sae_message *why)
{
    if (query->limit < 1 || query->limit > HUB_QUEUE_PAGE_MAX) {
        sae_message_set(why, "a page of the conflicts queue holds 1 to %d conflicts",
                        HUB_QUEUE_PAGE_MAX);
        return SAE_EINVAL;
    }
    if (query->offset > INT32_MAX) {
        sae_message_set(why, "the queue's offset is past its end");
        return SAE_EINVAL;
    }
    memset(out, 0, sizeof *out);
    return queue_select(store, query, 0, out);
}

int hub_conflict_queue_entry(struct hub_store *store, int64_t id, int64_t now_ms,
                             struct hub_queue *out)
{
    struct hub_queue_query one = {.limit = 1, .now_ms = now_ms};
    memset(out, 0, sizeof *out);
    int rc = queue_select(store, &one, id, out);
    if (rc == 0 && out->count == 0) {
        hub_conflict_queue_free(out);
        rc = SAE_ENOTFOUND;
    }
    return rc;
}
