/* Applying the posts' batches: each in one write transaction, every change once; the
 * state of every field it touched is then recomputed by merge_field.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/merge.h"
#include "merge/merge_rows.h"
#include "merge/merge_field.h"
#include "store/erasure.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_time.h"

static int already_received(struct hub_store *store, uint64_t origin, uint64_t node_seq,
                            bool *out)
{
    int64_t n = 0;
    const int64_t params[] = {(int64_t)origin, (int64_t)node_seq};
    int rc = hub_store_query_int(store,
                              "SELECT (SELECT count(*) FROM change WHERE origin = ?1 AND"
                              " node_seq = ?2) + (SELECT count(*) FROM refusal WHERE origin = ?1"
                              " AND node_seq = ?2)", params, 2, &n);
    if (rc == 0)
        *out = n > 0;
    return rc;
}

/* Refusals of one batch, for its ack and the refusal table. */
struct refusals {
    struct sae_refusal *items;
    size_t count;
};

/* Names a change in the batch's ack. */
static int note_refusal(struct refusals *r, uint64_t seq, uint32_t code, const char *message)
{
    struct sae_refusal *grown = realloc(r->items, (r->count + 1) * sizeof *grown);
    char *copy = strdup(message);
    if (grown)
        r->items = grown;
    if (!grown || !copy) {
        free(copy);
        return SAE_ENOMEM;
    }
    r->items[r->count++] = (struct sae_refusal){seq, code, copy};
    return 0;
}

static const char refuse_sql[] =
    "INSERT INTO refusal(origin, node_seq, code, message, received_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

/* Refuses a change for good: named in the ack and kept in the refusal table. */
static int refuse(struct hub_store *store, struct refusals *r, uint64_t origin, uint64_t seq,
                  uint32_t code, const char *message, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int err = note_refusal(r, seq, code, message);
    if (err != 0)
        return err;
    int rc = hub_store_prepare(store, refuse_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)origin);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)seq);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, code);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, message);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* Why the hub refuses a change for good; an empty message means it is acceptable. */
/* What one batch keeps between its changes, so that a change costs as few queries as
 * possible: changes of one report come together, and seqs only grow. */
struct batch_state {
    int64_t acked_seq; /* the post's acknowledged seq before this batch */
    sae_hlc newest;    /* the newest version applied (not held): the hub's clock catches up */
    const struct sae_batch *batch;
    bool known;        /* report_id below names the report of the previous change */
    bool exists;
    bool erased;       /* the report has an erasure the post had not pulled (erasure_of) */
    bool fresh;        /* that report was first stored by this batch */
    int64_t report_no; /* its number (report.no) once it exists */
    char report_id[SAE_ID_TEXT_LEN + 1], kind[SAE_WIRE_NAME_BYTES + 1], village[SAE_LIMIT_VILLAGE_BYTES + 1];
};

/* Whether the post wipes report_id's values at its next pull: an erasure of it lies past
 * the erasure cursor the batch was built at (an older post sends none: values kept). */
static int erasure_of(struct hub_store *store, struct batch_state *b, const char *report_id)
{
    b->erased = false;
    if (!b->exists || !b->batch->has_erasure_cursor)
        return 0;
    return erasure_pending_for(store, report_id, b->batch->erasure_cursor, &b->erased);
}

/* The owner of report_id, from the previous change's lookup when it is the same report. */
static int owner_of(struct hub_store *store, struct batch_state *b, const char *report_id)
{
    if (b->known && strcmp(b->report_id, report_id) == 0)
        return 0;
    int rc = merge_report_owner(store, report_id, &b->report_no, b->kind, b->village);
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    b->known = true;
    b->exists = rc == 0;
    b->fresh = rc == SAE_ENOTFOUND;
    memcpy(b->report_id, report_id, sizeof b->report_id);
    return erasure_of(store, b, report_id);
}

/* A change of another village's report is refused as WRONG_VILLAGE: the value may be fine,
 * and the post's staff must not be told to correct it. Every other refusal: INVALID_CHANGE. */
static int judge_change(struct hub_store *store, const struct merge_sender *sender,
                        const struct sae_change *c, const char *report_id, struct batch_state *b,
                        char message[SAE_CHANGE_MESSAGE_BYTES], uint32_t *code)
{
    *code = SAE_STATUS_INVALID_CHANGE;
    if (sae_change_check_catalogue(c, message) != 0)
        return 0;
    if (c->base.hlc != 0 && sae_version_compare(&c->version, &c->base) <= 0) {
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "version is not after its base version");
        return 0;
    }
    int rc = owner_of(store, b, report_id);
    if (rc != 0 || !b->exists)
        return rc;
    const char *kind = b->kind, *village = b->village;
    if (strcmp(village, sender->village) != 0) {
        *code = SAE_STATUS_WRONG_VILLAGE;
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "report %s belongs to another village",
                 report_id);
    } else if (strcmp(kind, c->kind) != 0) {
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "report %s is a %s, not a %s", report_id,
                 kind, c->kind);
    }
    return 0;
}

/* A post that re-dates its own version (its clock was wrong) names it: the earlier one is
 * settled by the new one, as a resolution settles its candidates. Only the post's own
 * version of the same field can be named; a name that matches nothing links nothing. */
static int link_superseded(struct hub_store *store, int64_t child, const struct sae_change *c,
                           int64_t report_no)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO change_parent(child, parent) SELECT ?1, seq FROM change"
        " WHERE report_no = ?2 AND field = ?3 AND version = ?4 AND origin = ?5 AND seq <> ?1";

    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, child);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, report_no);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, c->field);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, (int64_t)c->supersedes);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, (int64_t)c->version.origin);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int apply_change(struct hub_store *store, const struct merge_sender *sender,
                        const struct sae_change *c, const struct merge_options *options,
                        struct batch_state *b, struct refusals *refusals,
                        struct touched *touched, struct merge_outcome *outcome)
{
    char report_id[SAE_ID_TEXT_LEN + 1], message[SAE_CHANGE_MESSAGE_BYTES] = "";
    uint32_t code = SAE_STATUS_INVALID_CHANGE;
    bool duplicate = false;
    /* Everything the hub stored for this post lies at or below its acknowledged seq. */
    int rc = (int64_t)c->seq > b->acked_seq
                 ? 0
                 : already_received(store, c->version.origin, c->seq, &duplicate);
    if (rc != 0 || duplicate) {
        outcome->duplicates += duplicate;
        return rc;
    }
    sae_id_format(&c->report_id, report_id);
    rc = judge_change(store, sender, c, report_id, b, message, &code);
    if (rc != 0)
        return rc;
    if (message[0]) {
        outcome->refused++;
        return refuse(store, refusals, c->version.origin, c->seq, code, message,
                      options->now_ms);
    }
    /* A version dated past the allowed drift never moves the hub's clock nor wins. */
    int64_t limit_ms = options->now_ms + options->drift_ms;
    struct stored_change row = {
        .report_id = report_id, .kind = c->kind, .village = sender->village, .field = c->field,
        .value = c->value, .version = c->version, .base = c->base, .node_seq = (int64_t)c->seq,
        .seen_cursor = (int64_t)c->seen_cursor, .received_ms = options->now_ms,
        .held = (int64_t)sae_hlc_ms(c->version.hlc) > limit_ms,
        .author = c->author, .note = c->note, .erased = b->erased,
    };
    int64_t seq = 0, first_change = 0;
    /* A new report is stored before its first change: the change row carries its number. */
    if (!b->exists) {
        rc = merge_insert_report(store, report_id, c->kind, sender->village, &b->report_no,
                                 &first_change);
        b->exists = rc == 0;
        snprintf(b->kind, sizeof b->kind, "%s", c->kind);
        snprintf(b->village, sizeof b->village, "%s", sender->village);
    }
    row.report_no = b->report_no;
    if (rc == 0)
        rc = merge_insert_change(store, &row, &seq);
    if (rc == 0 && first_change != 0 && seq != first_change)
        rc = SAE_ECORRUPT; /* AUTOINCREMENT gave another seq than its rule says */
    if (rc == 0 && c->supersedes)
        rc = link_superseded(store, seq, c, b->report_no);
    if (!row.held && c->version.hlc > b->newest)
        b->newest = c->version.hlc;
    if (rc == 0)
        rc = merge_touched_add_change(touched, b->report_no, report_id, c->field,
                                      row.held ? 0 : seq, c->base, b->fresh);
    if (rc == 0 && row.held) {
        char note[SAE_CHANGE_MESSAGE_BYTES];
        long long days = ((int64_t)sae_hlc_ms(c->version.hlc) - options->now_ms) / SAE_MS_PER_DAY;
        snprintf(note, sizeof note, "the date on this computer is wrong: this change is dated "
                 "%lld day(s) ahead of the district; it is kept for review", days);
        rc = note_refusal(refusals, c->seq, SAE_STATUS_CLOCK_AHEAD, note);
    }
    if (rc == 0) {
        outcome->applied += !row.held;
        outcome->held += row.held;
    }
    return rc;
}

static const char load_stored_ack_sql[] =
    "SELECT ack FROM push_ack WHERE origin = ?1 AND last_seq = ?2";

static int load_stored_ack(struct hub_store *store, uint64_t origin, uint64_t last_seq,
                           struct sae_push_ack **out)
{
    sqlite3_stmt *stmt = NULL;
    struct sae_limits limits = sae_limits_default();
    int err = SAE_ENOTFOUND;
    int rc = hub_store_prepare(store, load_stored_ack_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)origin);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)last_seq);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        err = sae_push_ack_decode(sqlite3_column_blob(stmt, 0),
                                  (size_t)sqlite3_column_bytes(stmt, 0), &limits, out);
    else if (rc != 0)
        err = rc;
    sae_db_reset(stmt);
    return err;
}

static const char store_ack_sql[] =
    "INSERT OR REPLACE INTO push_ack(origin, last_seq, ack)"
    " VALUES (?1, ?2, ?3)";

static int store_ack(struct hub_store *store, const struct sae_push_ack *ack, uint64_t last_seq)
{
    struct sae_limits limits = sae_limits_default();
    uint8_t *buf = NULL;
    size_t len = 0;
    sqlite3_stmt *stmt = NULL;
    int err = sae_push_ack_encode(ack, &limits, &buf, &len);
    if (err != 0)
        return err;
    int rc = hub_store_prepare(store, store_ack_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)ack->origin);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)last_seq);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 3, buf, len);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    sae_wire_buffer_free(buf, len);
    return rc;
}

static const char update_node_after_batch_sql[] =
    "UPDATE node SET acked_seq = max(acked_seq, ?2),"
    " last_batch_ms = ?3, last_seen_ms = ?3, clock_offset_ms = ?4, clock_measured = ?5"
    " WHERE id = ?1";

/* The post's bookkeeping is written in the batch's own transaction: one write, one fsync. */
static int update_node_after_batch(struct hub_store *store, const struct merge_sender *sender,
                                   int64_t acked_seq, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, update_node_after_batch_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)sender->id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, acked_seq);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, now_ms);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, sender->clock_measured ? sender->clock_offset_ms : 0);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, sender->clock_measured);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int build_ack(struct hub_store *store, uint64_t origin, int64_t acked_seq,
                     struct refusals *refusals, int64_t now_ms, struct sae_push_ack **out)
{
    struct sae_push_ack *ack = calloc(1, sizeof *ack);
    int rc = ack ? hub_store_clock(store, now_ms, &ack->hub_clock) : SAE_ENOMEM;
    if (rc != 0) {
        free(ack);
        return rc;
    }
    ack->schema_version = SAE_WIRE_SCHEMA_VERSION;
    ack->hub_time_ms = (uint64_t)now_ms;
    ack->origin = origin;
    ack->acked_seq = (uint64_t)acked_seq;
    ack->refusals = refusals->items;
    ack->refusal_count = refusals->count;
    refusals->items = NULL;
    refusals->count = 0;
    *out = ack;
    return 0;
}

static void refusals_free(struct refusals *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->items[i].message);
    free(r->items);
}

/* A replay: a batch the hub answered before, every change of it stored (or refused) and
 * its last seq acknowledged, gets the stored answer. A batch that ends on an acknowledged
 * seq but holds a change never sent (a seq in a gap below acked_seq) is new work. */
static int try_replay(struct hub_store *store, const struct sae_batch *batch,
                      int64_t acked_before, int64_t now_ms, struct sae_push_ack **ack)
{
    uint64_t last = batch->changes[batch->change_count - 1].seq;
    if ((int64_t)last > acked_before)
        return SAE_ENOTFOUND;
    for (size_t i = 0; i < batch->change_count; i++) {
        bool received = false;
        int rc = already_received(store, batch->origin, batch->changes[i].seq, &received);
        if (rc != 0 || !received)
            return rc != 0 ? rc : SAE_ENOTFOUND;
    }
    int rc = load_stored_ack(store, batch->origin, last, ack);
    if (rc == 0) {
        (*ack)->hub_time_ms = (uint64_t)now_ms;
        rc = hub_store_clock(store, now_ms, &(*ack)->hub_clock);
    }
    return rc;
}

static int apply_all(struct hub_store *store, const struct merge_sender *sender,
                     const struct sae_batch *batch, int64_t acked_before,
                     const struct merge_options *options, struct sae_push_ack **ack,
                     struct merge_outcome *outcome)
{
    struct refusals refusals = {0};
    struct touched touched = {0};
    struct batch_state b = {.acked_seq = acked_before, .batch = batch};
    int64_t last = batch->change_count > 0
                       ? (int64_t)batch->changes[batch->change_count - 1].seq
                       : 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < batch->change_count; i++)
        rc = apply_change(store, sender, &batch->changes[i], options, &b, &refusals, &touched,
                          outcome);
    if (rc == 0 && b.newest)
        rc = hub_store_observe_version(store, b.newest);
    if (rc == 0)
        rc = merge_recompute_touched(store, &touched, options->now_ms);
    if (rc == 0)
        rc = update_node_after_batch(store, sender, last, options->now_ms);
    /* The same rule as the node row's update: the highest seq held for this post. */
    if (rc == 0)
        rc = build_ack(store, sender->id, last > acked_before ? last : acked_before, &refusals,
                       options->now_ms, ack);
    if (rc == 0 && batch->change_count > 0) {
        rc = store_ack(store, *ack, batch->changes[batch->change_count - 1].seq);
        if (rc != 0) {
            sae_push_ack_free(*ack);
            *ack = NULL;
        }
    }
    refusals_free(&refusals);
    free(touched.items);
    return rc;
}

int merge_apply_batch(struct hub_store *store, const struct merge_sender *sender,
                      const struct sae_batch *batch, const struct merge_options *options,
                      struct sae_push_ack **ack, struct merge_outcome *outcome)
{
    struct merge_outcome counts = {0};
    struct sae_push_ack *answer = NULL;
    if (batch->origin != sender->id)
        return SAE_EINVAL;
    struct hub_node node;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    /* The post's row is read once, inside the transaction, for every step below. */
    rc = hub_store_node_get(store, sender->id, &node);
    if (rc == 0 && batch->change_count > 0) {
        rc = try_replay(store, batch, node.acked_seq, options->now_ms, &answer);
        counts.replayed = rc == 0;
        if (rc == SAE_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0 && !answer)
        rc = apply_all(store, sender, batch, node.acked_seq, options, &answer, &counts);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0) {
        hub_store_rollback(store);
        sae_push_ack_free(answer);
        return rc;
    }
    *ack = answer;
    if (outcome)
        *outcome = counts;
    return 0;
}
