/* The conflicts queue (conflict_queue.h). */
#include "store/conflict_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/hub_read.h"
#include "sae/sae_db.h"

static const char queue_base_sql[] =
    "SELECT q.id, q.report_id, r.kind, r.village, " HUB_VILLAGE_NAME_SQL("r.village") ","
    " q.field, q.severity, q.reason, q.opened_ms,"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    "  WHERE s.report_id = q.report_id AND s.field = 'registration_number'),"
    " (SELECT s.change FROM field_state s WHERE s.report_id = q.report_id AND s.field = q.field)"
    " FROM conflict q JOIN report r ON r.id = q.report_id WHERE " HUB_QUEUE_WHERE;

static const char version_sql[] =
    "SELECT c.seq, c.value, c.author, " HUB_DEVICE_NAME_SQL("c.origin", "?2", "?3") ","
    " c.origin = ?2, c.version, c.origin, c.received_ms, c.held FROM change c WHERE c.seq = ?1";

static const char candidates_sql[] =
    "SELECT c.seq, (SELECT p.seq FROM change p WHERE p.report_id = c.report_id AND"
    " p.field = c.field AND p.version = c.base_version AND p.origin = c.base_origin)"
    " FROM conflict_candidate k JOIN change c ON c.seq = k.change WHERE k.conflict = ?1"
    " ORDER BY c.version, c.origin, c.seq LIMIT " "16";

/* Every version a change builds on through its bases, newest first. */
static const char ancestors_sql[] =
    "WITH RECURSIVE anc(seq) AS (SELECT ?1 UNION SELECT p.seq FROM anc"
    " JOIN change c ON c.seq = anc.seq JOIN change p ON p.report_id = c.report_id AND"
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
        rc = sae_db_bind_int(stmt, 2, (int64_t)store->hub_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, store->name);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        out->exists = true;
        out->seq = seq;
        rc = sae_db_column_dup(stmt, 1, &out->value);
        if (rc == 0)
            rc = sae_db_column_dup(stmt, 2, &out->author);
        if (rc == 0)
            rc = sae_db_column_dup(stmt, 3, &out->device);
        out->district = sqlite3_column_int(stmt, 4) != 0;
        out->version = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 5),
                                            (uint64_t)sqlite3_column_int64(stmt, 6)};
        out->received_ms = sqlite3_column_int64(stmt, 7);
        out->held = sqlite3_column_int(stmt, 8) != 0;
    } else if (rc == 0) {
        rc = SAE_ECORRUPT; /* a seq the hub's own tables name */
    }
    sae_db_reset(stmt);
    if (rc != 0)
        version_free(out);
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

/* The newest version every candidate builds on: the last value all agreed on. */
static int find_agreed(struct hub_store *store, const struct hub_queue_entry *e, int64_t *out)
{
    struct seqs first, other;
    *out = 0;
    if (e->candidate_count == 0)
        return 0;
    int rc = ancestors(store, e->candidates[0].change.seq, &first);
    for (size_t a = 0; rc == 0 && a < first.count && *out == 0; a++) {
        bool everyone = true;
        for (size_t i = 1; rc == 0 && everyone && i < e->candidate_count; i++) {
            rc = ancestors(store, e->candidates[i].change.seq, &other);
            everyone = seqs_has(&other, first.items[a]);
        }
        if (rc == 0 && everyone)
            *out = first.items[a];
    }
    return rc;
}

static int load_candidates(struct hub_store *store, struct hub_queue_entry *e)
{
    sqlite3_stmt *stmt = NULL;
    int64_t seqs[HUB_QUEUE_CANDIDATES_MAX][2];
    size_t n = 0;
    int rc = hub_store_prepare(store, candidates_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, e->id);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW && n < HUB_QUEUE_CANDIDATES_MAX) {
        seqs[n][0] = sqlite3_column_int64(stmt, 0);
        seqs[n++][1] = sqlite3_column_int64(stmt, 1);
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc != 0)
        return rc;
    e->candidates = calloc(n ? n : 1, sizeof *e->candidates);
    if (!e->candidates)
        return SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        e->candidate_count = i + 1;
        rc = load_version(store, seqs[i][0], &e->candidates[i].change);
        if (rc == 0)
            rc = load_version(store, seqs[i][1], &e->candidates[i].base);
    }
    return rc;
}

static const char *policy_of(const struct sae_kind *kind, const char *field)
{
    struct sae_field_ref ref;
    if (!kind || sae_catalogue_resolve(kind, field, &ref) != 0)
        return "latest";
    return ref.field->merge == SAE_MERGE_SAFEST ? "safest" : "latest";
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
    rc = load_version(store, standing, &e->standing);
    if (rc == 0)
        rc = load_candidates(store, e);
    if (rc == 0)
        rc = find_agreed(store, e, &agreed);
    if (rc == 0)
        rc = load_version(store, agreed, &e->agreed);
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

static const char queue_sql[] =
    "%s AND (?1 IS NULL OR q.report_id = ?1) AND (?2 IS NULL OR r.village = ?2)"
    " AND (?3 = 0 OR q.severity = 'hard') AND (?6 = 0 OR q.id = ?6)"
    " ORDER BY q.opened_ms, q.id LIMIT ?4 OFFSET ?5";

static const char total_sql[] =
    "SELECT count(*) FROM conflict q JOIN report r ON r.id = q.report_id WHERE "
    HUB_QUEUE_WHERE " AND (?1 IS NULL OR q.report_id = ?1) AND (?2 IS NULL OR r.village = ?2)"
    " AND (?3 = 0 OR q.severity = 'hard')";

static int queue_total(struct hub_store *store, const char *const *texts, bool hard_only,
                       int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, total_sql, &stmt);
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
    char sql[sizeof queue_base_sql + sizeof queue_sql];
    const char *texts[2] = {q->report_id, q->village};
    int64_t ints[4] = {q->hard_only, (int64_t)q->limit, (int64_t)q->offset, id};
    int64_t total = 0;
    snprintf(sql, sizeof sql, queue_sql, queue_base_sql);
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
