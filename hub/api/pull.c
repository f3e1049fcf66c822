#include "api/pull.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_wipe.h"
#include "api/pull_sealed.h"
#include "store/erasure.h"

/* Room kept for everything but values in the inflated message, per change. */
#define PULL_CHANGE_OVERHEAD 128

/* Each change with its people: the author, a coordinator's note, and the writing device's
 * name (the hub's own name for district changes); and whether it is a current head (a
 * sensitive value goes out sealed only then: pull_sealed.h). */
static const char select_sql[] =
    "SELECT c.seq, c.report_id, c.kind, c.field, c.value, c.version, c.origin,"
    " c.base_version, c.base_origin, c.node_seq, c.seen_cursor, c.author, c.note,"
    " CASE WHEN c.origin = ?5 THEN ?6 ELSE n.device_name END, " PULL_SEALED_HEAD_SQL
    " FROM change c LEFT JOIN node n ON n.id = c.origin"
    " WHERE c.village = ?1 AND c.seq > ?2 AND c.held = 0 AND c.origin <> ?3 AND c.seq <= ?7"
    " ORDER BY c.seq LIMIT ?4";

/* The newest position the hub may have issued: a hub restored from a backup numbers on from
 * past any position the lost one issued (store/hub_restore.h), so the posts' cursors from
 * then stay good: they lack nothing below them, and everything new lies above. */
static const char newest_sql[] =
    "SELECT max(coalesce((SELECT max(seq) FROM change), 0),"
    " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change'), 0))";
static const char caught_up_sql[] = "SELECT max(?1, coalesce(max(seq), 0)) FROM change";

static int row_to_change(sqlite3_stmt *stmt, struct sae_change *c)
{
    memset(c, 0, sizeof *c);
    const char *id = (const char *)sqlite3_column_text(stmt, 1);
    if (!id || sae_id_parse(id, &c->report_id) != 0)
        return SAE_ECORRUPT;
    int rc = sae_db_column_dup(stmt, 2, &c->kind);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 3, &c->field);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 4, &c->value);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 11, &c->author);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 12, &c->note);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 13, &c->device);
    if (rc != 0)
        return rc;
    if (!c->kind || !c->field)
        return SAE_ECORRUPT; /* NOT NULL columns */
    c->version = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 5),
                                      (uint64_t)sqlite3_column_int64(stmt, 6)};
    c->base = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 7),
                                   (uint64_t)sqlite3_column_int64(stmt, 8)};
    c->seq = (uint64_t)sqlite3_column_int64(stmt, 9);
    c->seen_cursor = (uint64_t)sqlite3_column_int64(stmt, 10);
    return 0;
}

/* What a change costs in the answer: its value (or sealed copy) and people, and room for
 * the rest. */
static size_t change_cost(const struct sae_change *c)
{
    size_t cost = PULL_CHANGE_OVERHEAD + c->sealed_len;
    const char *texts[] = {c->value, c->author, c->note, c->device};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        cost += texts[i] ? strlen(texts[i]) : 0;
    return cost;
}

/* Reads up to max changes whose values fit in budget bytes (always at least one). */
/* What an answer may hold: bytes once inflated (half the limit: room for the rest), and
 * sealed bytes, which do not compress, within half an envelope (the sealed envelope holds
 * the deflated message). */
struct pull_budget {
    size_t inflated, sealed;
};

/* The changes after cursor up to limit (a pending erasure's mark: pull_limit). */
static int read_changes(struct hub_store *store, const struct hub_node *node, uint64_t cursor,
                        uint64_t limit, size_t max, struct pull_budget budget,
                        struct sae_pull_response *r, bool *full)
{
    sqlite3_stmt *stmt = NULL;
    size_t used = 0, sealed = 0;
    int err = 0;
    r->changes = calloc(max, sizeof *r->changes);
    if (!r->changes)
        return SAE_ENOMEM;
    const int64_t params[] = {(int64_t)cursor, (int64_t)node->id, (int64_t)max + 1};
    int rc = hub_store_prepare(store, select_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, node->village);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 2, params, 3);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, (int64_t)store->hub_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 6, store->name);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 7, (int64_t)limit);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct sae_change *c = &r->changes[r->change_count];
        int64_t seq = sqlite3_column_int64(stmt, 0);
        rc = 0;
        if (r->change_count == max) {
            *full = true;
            break;
        }
        r->change_count++; /* freed with the answer, whole or not */
        err = row_to_change(stmt, c);
        if (err == 0)
            err = pull_sealed_value(store, node, seq, sqlite3_column_int(stmt, 14) != 0, c);
        size_t cost = change_cost(c);
        if (err == 0 && r->change_count > 1 &&
            (used + cost > budget.inflated || sealed + c->sealed_len > budget.sealed)) {
            sae_wipe_clear_change(c);
            r->change_count--;
            *full = true;
            break;
        }
        used += cost;
        sealed += c->sealed_len;
        r->next_cursor = (uint64_t)seq;
    }
    sae_db_reset(stmt);
    return err ? err : rc;
}

/* Reviews of the village after cursor that arose at or before the change position upto
 * (a review goes out only with the changes it names), at most max: their versions, not
 * the hub's change seqs. */
static const char select_reviews_sql[] =
    "SELECT v.seq, v.report_id, v.field, v.open, coalesce(s.version, 0),"
    " coalesce(s.origin, 0), coalesce(l.version, 0), coalesce(l.origin, 0),"
    " k.state, k.note, k.reviewer FROM review v"
    " LEFT JOIN change s ON s.seq = v.standing LEFT JOIN change l ON l.seq = v.latest"
    " LEFT JOIN case_review k ON k.review_seq = v.seq"
    " WHERE v.village = ?1 AND v.seq > ?2 AND v.at_change <= ?3 ORDER BY v.seq LIMIT ?4";
static const char newest_review_sql[] =
    "SELECT max(coalesce((SELECT max(seq) FROM review), 0),"
    " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'review'), 0))";
/* Rows are appended with a growing at_change, so those up to upto are a prefix of the log:
 * a post that took all of its village's skips the other villages' ones too. */
static const char reviews_caught_up_sql[] =
    "SELECT max(?1, coalesce((SELECT max(seq) FROM review WHERE at_change <= ?2), 0))";

static int row_to_review(sqlite3_stmt *stmt, struct sae_review *v)
{
    const char *id = (const char *)sqlite3_column_text(stmt, 1);
    memset(v, 0, sizeof *v);
    if (!id || sae_id_parse(id, &v->report_id) != 0)
        return SAE_ECORRUPT;
    int rc = sae_db_column_dup(stmt, 2, &v->field);
    if (rc == 0 && !v->field)
        rc = SAE_ECORRUPT; /* a NOT NULL column */
    v->open = sqlite3_column_int(stmt, 3) != 0;
    v->standing = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 4),
                                       (uint64_t)sqlite3_column_int64(stmt, 5)};
    v->latest = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 6),
                                     (uint64_t)sqlite3_column_int64(stmt, 7)};
    /* A case's review (merge/merge_case_review.h): its state, note and reviewer. */
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 8, &v->case_state);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 9, &v->note);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 10, &v->reviewer);
    return rc;
}

static int read_reviews(struct hub_store *store, const struct hub_node *node, uint64_t cursor,
                        size_t max, struct sae_pull_response *r, bool *full)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    r->reviews = calloc(max, sizeof *r->reviews);
    if (!r->reviews)
        return SAE_ENOMEM;
    const int64_t params[] = {(int64_t)cursor, (int64_t)r->next_cursor, (int64_t)max + 1};
    int rc = hub_store_prepare(store, select_reviews_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, node->village);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 2, params, 3);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (r->review_count == max) {
            *full = true;
            break;
        }
        err = row_to_review(stmt, &r->reviews[r->review_count++]);
        r->next_review_cursor = (uint64_t)sqlite3_column_int64(stmt, 0);
    }
    sae_db_reset(stmt);
    if (err == 0 && rc == 0 && !*full) {
        const int64_t caught[] = {(int64_t)cursor, (int64_t)r->next_cursor};
        int64_t next = 0;
        rc = hub_store_query_int(store, reviews_caught_up_sql, caught, 2, &next);
        r->next_review_cursor = (uint64_t)next;
    }
    return err ? err : rc;
}

/* The village's erasures after cursor, only in an answer that carries every change up to
 * their marks (not full; the changes stop at the first one's mark, upto_change, when later
 * ones exist: pull_limit): the post then holds every change of an erased report written
 * before the erasure when it wipes it, and a change pulled later is one written after it,
 * which it keeps. */
static int read_erasures(struct hub_store *store, const struct hub_node *node, uint64_t cursor,
                         size_t max, bool changes_full, uint64_t upto_change,
                         struct sae_pull_response *r, bool *full)
{
    struct erasure_page page = {.max = max};
    r->next_erasure_cursor = cursor;
    if (changes_full)
        return 0;
    if (!(page.ids = calloc(max, sizeof *page.ids)))
        return SAE_ENOMEM;
    int rc = erasure_after(store, node->village, cursor, upto_change, &page);
    if (rc == 0 && page.count > 0) {
        r->erased = page.ids;
        r->erased_count = page.count;
        page.ids = NULL;
    }
    free(page.ids);
    if (rc == 0) {
        r->next_erasure_cursor = page.next_cursor;
        *full = page.more;
    }
    return rc;
}

static void response_free(struct sae_pull_response *r)
{
    sae_wipe_free_changes(r->changes, r->change_count);
    r->changes = NULL;
    sae_pull_response_free(r);
}

static const char held_seq_sql[] = "SELECT acked_seq FROM node WHERE id = ?1";

/* How far the changes of this answer may go: to the mark of the first erasure the post has
 * not pulled (or where the post already is), so that no change written after it reaches
 * the post before it, to be wiped with the values it erased. */
static int pull_limit(struct hub_store *store, const struct hub_node *node,
                      const struct sae_pull_request *request, uint64_t *limit)
{
    bool pending = false;
    uint64_t mark = 0;
    int rc = erasure_next_mark(store, node->village, request->erasure_cursor, &pending, &mark);
    if (rc == 0)
        *limit = !pending ? (uint64_t)INT64_MAX : mark > request->cursor ? mark : request->cursor;
    return rc;
}

/* Reads the answer inside one read transaction: cursors, changes, reviews and grants come
 * from one snapshot. */
static int read_answer(struct hub_store *store, const struct hub_node *node,
                       const struct sae_pull_request *request, size_t max,
                       const struct sae_limits *limits, struct sae_pull_response *r)
{
    int64_t newest = 0, newest_review = 0, village_newest = 0;
    uint64_t limit = 0;
    bool full = false, cut = false, reviews_full = false, grants_full = false,
         erasures_full = false;
    int rc = hub_store_query_int(store, newest_sql, NULL, 0, &newest);
    if (rc == 0 && request->with_reviews)
        rc = hub_store_query_int(store, newest_review_sql, NULL, 0, &newest_review);
    if (rc == 0 && (request->cursor > (uint64_t)newest ||
                    (request->with_reviews && request->review_cursor > (uint64_t)newest_review)))
        rc = SAE_EINVAL;
    if (rc == 0)
        rc = pull_limit(store, node, request, &limit);
    if (rc == 0)
        rc = read_changes(store, node, request->cursor, limit, max,
                          (struct pull_budget){limits->inflated_bytes / 2,
                                               limits->envelope_bytes / 2},
                          r, &full);
    if (rc == 0 && !full) {
        /* Caught up to the limit: skip past this village's remaining rows (own or held). */
        const int64_t params[] = {(int64_t)request->cursor};
        rc = hub_store_query_int(store, caught_up_sql, params, 1, &village_newest);
        cut = (uint64_t)village_newest > limit;
        r->next_cursor = cut ? limit : (uint64_t)village_newest;
    }
    if (rc == 0 && request->with_reviews)
        rc = read_reviews(store, node, request->review_cursor, max, r, &reviews_full);
    if (rc == 0)
        rc = read_erasures(store, node, request->erasure_cursor, max, full,
                           cut ? limit : (uint64_t)INT64_MAX, r, &erasures_full);
    size_t sealed = 0;
    for (size_t i = 0; i < r->change_count; i++)
        sealed += r->changes[i].sealed_len;
    size_t room = limits->envelope_bytes / 2 > sealed ? limits->envelope_bytes / 2 - sealed : 0;
    if (rc == 0)
        rc = pull_sealed_grants(store, node, request->grant_cursor, max, room, r,
                                &grants_full);
    /* What the hub holds of the post's own changes: below the post's mark only after the hub
     * was restored from a backup, and then the post sends the rest again. */
    int64_t held = 0;
    const int64_t id = (int64_t)node->id;
    if (rc == 0)
        rc = hub_store_query_int(store, held_seq_sql, &id, 1, &held);
    r->has_held_seq = rc == 0;
    r->held_seq = held > 0 ? (uint64_t)held : 0;
    r->more = full || cut || reviews_full || grants_full || erasures_full;
    return rc;
}

int pull_changes(struct hub_store *store, const struct hub_node *node,
                 const struct sae_pull_request *request, const struct sae_limits *limits,
                 int64_t now_ms, struct sae_pull_response **out)
{
    size_t max = request->max_changes ? request->max_changes : PULL_CHANGES_DEFAULT;
    if (max > limits->changes_per_message)
        max = limits->changes_per_message;
    struct sae_pull_response *r = calloc(1, sizeof *r);
    if (!r)
        return SAE_ENOMEM;
    int rc = sae_db_begin_read(store->db);
    if (rc == 0)
        rc = read_answer(store, node, request, max, limits, r);
    if (rc == 0)
        rc = hub_store_clock(store, now_ms, &r->hub_clock);
    /* The end of a read: nothing to keep; should COMMIT fail, ROLLBACK still ends it. */
    if (sae_db_commit(store->db) != 0)
        sae_db_rollback(store->db);
    if (rc != 0) {
        response_free(r);
        return rc;
    }
    r->schema_version = SAE_WIRE_SCHEMA_VERSION;
    r->hub_time_ms = (uint64_t)now_ms;
    *out = r;
    return 0;
}
