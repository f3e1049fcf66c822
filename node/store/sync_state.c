/* Synchronisation state in the journal (sync_state.h). */
#include "store/sync_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/hub_copy.h"
#include "store/value_seal.h"
#include "store/journal.h"
#include "store/node_meta.h"
#include "store/report_read.h"
#include "sae/sae_db.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wire_limits.h"
#include "sae/sae_wipe.h"

/* Own changes not acknowledged, in seq order; each names the version it re-dates (0: none)
 * so that the hub settles the old one. A value the district erased before it was sent is
 * never sent (store/erasure_apply.h). */
static const char next_batch_sql[] =
    "SELECT j.seq, report_id, kind, field, value, version, base_version, base_origin,"
    " seen_cursor,"
    " coalesce((SELECT s.version FROM journal_entry s WHERE s.seq = j.restamp_of), 0),"
    " author, hub_sealed, bs.box, bs.slot, bx.sealed FROM journal j"
    " LEFT JOIN hub_box_slot bs ON bs.seq = j.seq LEFT JOIN hub_box bx ON bx.id = bs.box"
    " WHERE origin = ?1 AND j.seq > ?2 AND origin_seq IS NULL"
    " AND j.seq NOT IN (SELECT seq FROM set_aside)"
    " AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.restamp_of = j.seq)"
    " AND coalesce(value, '') <> '" VALUE_SEAL_ERASED "'"
    " ORDER BY j.seq LIMIT ?3";
static const char set_aside_sql[] =
    "INSERT OR REPLACE INTO set_aside(seq, code, message, at_ms) VALUES (?1, ?2, ?3, ?4)";
static const char last_seq_sql[] = "SELECT coalesce(max(seq), 0) FROM journal_entry";
static const char last_own_seq_sql[] =
    "SELECT coalesce(max(seq), 0) FROM journal_entry WHERE origin = ?1 AND origin_seq IS NULL";
static const char set_last_error_sql[] =
    "UPDATE meta SET value = ?1 WHERE key = '" NODE_META_LAST_ERROR "'";

struct hub_key {
    uint8_t key[HUB_COPY_KEY_BYTES];
    bool known;
    struct node_store *store; /* opens a value kept sealed (value_seal.h) with its lent key */
};

/* Columns of next_batch_sql past the journal's: a value box's slot and its sealed bytes. */
enum { COL_HUB_SEALED = 11, COL_BOX = 12, COL_SLOT = 13, COL_BOX_SEALED = 14 };

static bool in_box(sqlite3_stmt *stmt)
{
    return sqlite3_column_type(stmt, COL_SLOT) != SQLITE_NULL;
}

/* The box the batch's last change named, and its group: a change of another box, or of the
 * same box in another group (a re-dated entry's), carries the box with it. */
struct batch_box {
    int64_t id;
    sae_hlc version;
    char report_id[SAE_ID_TEXT_LEN + 1];
};

/* What a change costs in a batch besides its value: ids, versions, framing. */
#define BATCH_CHANGE_OVERHEAD_BYTES 128
/* A sealed value does not compress: it costs as many times its bytes as the envelope limit
 * (what travels, compressed) is smaller than the inflated one the budget is a share of. */
#define BATCH_SEALED_COST_FACTOR (SAE_WIRE_INFLATED_BYTES / SAE_WIRE_ENVELOPE_BYTES)

int sync_state_acked_seq(struct node_store *store, int64_t *out)
{
    return sae_db_meta_int(store->db, NODE_META_ACKED_SEQ, out);
}

int sync_state_pending_count(struct node_store *store, int64_t *out)
{
    int64_t acked = 0;
    int rc = sync_state_acked_seq(store, &acked);
    return rc == 0 ? report_pending_count(store, acked, out) : rc;
}

/* A cursor into one of the hub's logs, kept in meta under key. */
static int meta_cursor(struct node_store *store, const char *key, uint64_t *out)
{
    int64_t cursor = 0;
    int rc = sae_db_meta_int(store->db, key, &cursor);
    if (rc == 0)
        *out = (uint64_t)cursor;
    return rc;
}

int sync_state_pull_cursor(struct node_store *store, uint64_t *out)
{
    return meta_cursor(store, NODE_META_PULL_CURSOR, out);
}

int sync_state_set_pull_cursor(struct node_store *store, uint64_t cursor)
{
    return sae_db_set_meta_int(store->db, NODE_META_PULL_CURSOR, (int64_t)cursor);
}

int sync_state_review_cursor(struct node_store *store, uint64_t *out)
{
    return meta_cursor(store, NODE_META_REVIEW_CURSOR, out);
}

int sync_state_set_review_cursor(struct node_store *store, uint64_t cursor)
{
    return sae_db_set_meta_int(store->db, NODE_META_REVIEW_CURSOR, (int64_t)cursor);
}

int sync_state_grant_cursor(struct node_store *store, uint64_t *out)
{
    int rc = meta_cursor(store, NODE_META_GRANT_CURSOR, out);
    if (rc == SAE_ENOTFOUND) {
        *out = 0; /* never pulled with schema 4 yet */
        rc = 0;
    }
    return rc;
}

int sync_state_set_grant_cursor(struct node_store *store, uint64_t cursor)
{
    return sae_db_set_meta_int(store->db, NODE_META_GRANT_CURSOR, (int64_t)cursor);
}

int sync_state_erasure_cursor(struct node_store *store, uint64_t *out)
{
    int rc = meta_cursor(store, NODE_META_ERASURE_CURSOR, out);
    if (rc == SAE_ENOTFOUND) {
        *out = 0; /* never told of an erasure yet: no migration makes the key */
        rc = 0;
    }
    return rc;
}

int sync_state_set_erasure_cursor(struct node_store *store, uint64_t cursor)
{
    return sae_db_set_meta_int(store->db, NODE_META_ERASURE_CURSOR, (int64_t)cursor);
}

int sync_state_wipe_review_note(struct node_store *store, const char *id)
{
    static const char sql[] = "UPDATE review SET note = NULL WHERE report_id = ?1"
                              " AND note IS NOT NULL";
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char keep_review_sql[] =
    "INSERT OR REPLACE INTO review(report_id, field, standing_version, standing_origin,"
    " latest_version, latest_origin, note, reviewer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char forget_review_sql[] = "DELETE FROM review WHERE report_id = ?1 AND field = ?2";

int sync_state_apply_review(struct node_store *store, const struct sae_review *review)
{
    char id[SAE_ID_TEXT_LEN + 1];
    sqlite3_stmt *stmt = NULL;
    const int64_t versions[] = {(int64_t)review->standing.hlc, (int64_t)review->standing.origin,
                                (int64_t)review->latest.hlc, (int64_t)review->latest.origin};
    sae_id_format(&review->report_id, id);
    int rc = sae_db_prepare_cached(store->db, &store->statements,
                                   review->open ? keep_review_sql : forget_review_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, review->field);
    if (rc == 0 && review->open)
        rc = sae_db_bind_ints(stmt, 3, versions, 4);
    /* A case's review (field SAE_REVIEW_CASE_FIELD): the district's note and its author. */
    if (rc == 0 && review->open)
        rc = sae_db_bind_text(stmt, 7, review->note);
    if (rc == 0 && review->open)
        rc = sae_db_bind_text(stmt, 8, review->reviewer);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    /* A review decides which version the post shows. */
    return rc == 0 ? journal_refresh_shown(store, id, review->field) : rc;
}

int sync_state_last_own_seq(struct node_store *store, int64_t *out)
{
    const int64_t origin = (int64_t)store->origin;
    return sae_db_query_int(store->db, &store->statements, last_own_seq_sql, &origin, 1, out);
}

/* A value to seal for the hub again: opened from the storage seal with the lent key. */
static int hub_copy_from_stored(const struct hub_key *hub, struct sae_change *c)
{
    char *plain = NULL;
    int rc = value_seal_open(hub->store->storage_public, hub->store->lent_secret, c->value,
                             &plain);
    if (rc == 0)
        rc = hub_copy_seal(hub->key, c->kind, c->field, plain, &c->sealed_value,
                           &c->sealed_len);
    sae_wipe_free_string(plain);
    return rc;
}

/* A sensitive value travels as the hub's copy (hub_copy.h), never as itself. A change with
 * no copy (sent before and sent again, since the hub restored from a backup lacked it; or
 * written before the bundle) is sealed now from its value, which needs the storage key
 * (sync_state_next_batch stops before such a change when none is lent). */
static int sealed_for_hub(sqlite3_stmt *stmt, const struct hub_key *hub, struct sae_change *c)
{
    const void *copy = sqlite3_column_blob(stmt, 11);
    int len = sqlite3_column_bytes(stmt, 11);
    if (!c->value || !hub_copy_sensitive(c->kind, c->field))
        return 0;
    if (copy && len > 0) {
        if (!(c->sealed_value = malloc((size_t)len)))
            return SAE_ENOMEM;
        memcpy(c->sealed_value, copy, (size_t)len);
        c->sealed_len = (size_t)len;
    } else {
        if (!hub->known)
            return SAE_ENOTFOUND;
        int rc = hub_copy_from_stored(hub, c);
        if (rc != 0)
            return rc;
    }
    sae_wipe_free_string(c->value);
    c->value = NULL;
    return 0;
}

/* Whether the row is a sensitive change with no hub copy whose value only the storage key
 * opens, and no key is lent: it waits for a staff member's sign-in (the app's loop, or
 * `sync --as`), and so do the changes after it, which the hub takes in order. */
static bool waits_for_key(sqlite3_stmt *stmt, const struct hub_key *hub)
{
    return sqlite3_column_bytes(stmt, 11) == 0 && !in_box(stmt) && !hub->store->lent_secret &&
           value_seal_is_sealed((const char *)sqlite3_column_text(stmt, 4)) &&
           hub_copy_sensitive((const char *)sqlite3_column_text(stmt, 2),
                              (const char *)sqlite3_column_text(stmt, 3));
}

/* Whether the row starts a new box in the batch (then updates *last). */
static bool box_starts(sqlite3_stmt *stmt, struct batch_box *last)
{
    const char *id = (const char *)sqlite3_column_text(stmt, 1);
    int64_t box = sqlite3_column_int64(stmt, COL_BOX);
    sae_hlc version = (sae_hlc)sqlite3_column_int64(stmt, 5);
    if (!in_box(stmt) || !id)
        return false;
    if (box == last->id && version == last->version && strcmp(id, last->report_id) == 0)
        return false;
    last->id = box;
    last->version = version;
    snprintf(last->report_id, sizeof last->report_id, "%s", id);
    return true;
}

/* A boxed value's change: its slot, and the box itself on the first change that names it. */
static int boxed_for_hub(sqlite3_stmt *stmt, bool carries_box, struct sae_change *c)
{
    const void *box = sqlite3_column_blob(stmt, COL_BOX_SEALED);
    int len = sqlite3_column_bytes(stmt, COL_BOX_SEALED);
    int64_t slot = sqlite3_column_int64(stmt, COL_SLOT);
    if (slot < 1 || slot > SAE_VALUE_BOX_VALUES_MAX || !box || len <= 0)
        return SAE_ECORRUPT;
    if (carries_box) {
        if (!(c->group_box = malloc((size_t)len)))
            return SAE_ENOMEM;
        memcpy(c->group_box, box, (size_t)len);
        c->group_box_len = (size_t)len;
    }
    c->box_slot = (uint32_t)slot;
    sae_wipe_free_string(c->value);
    c->value = NULL;
    return 0;
}

static size_t change_cost(sqlite3_stmt *stmt, bool carries_box)
{
    if (in_box(stmt))
        return BATCH_CHANGE_OVERHEAD_BYTES +
               (carries_box ? (size_t)sqlite3_column_bytes(stmt, COL_BOX_SEALED) *
                                  BATCH_SEALED_COST_FACTOR
                            : 0);
    size_t value = (size_t)sqlite3_column_bytes(stmt, 4);
    size_t sealed = (size_t)sqlite3_column_bytes(stmt, 11);
    if (sealed == 0 && value > 0 && hub_copy_sensitive((const char *)sqlite3_column_text(stmt, 2),
                                                       (const char *)sqlite3_column_text(stmt, 3)))
        sealed = value + SAE_SEALED_OVERHEAD;
    size_t cost = sealed ? sealed * BATCH_SEALED_COST_FACTOR : value;
    return cost + BATCH_CHANGE_OVERHEAD_BYTES;
}

static int row_to_change(sqlite3_stmt *stmt, const struct hub_key *hub, uint64_t origin,
                         bool carries_box, struct sae_change *c)
{
    const char *id = (const char *)sqlite3_column_text(stmt, 1);
    memset(c, 0, sizeof *c);
    c->seq = (uint64_t)sqlite3_column_int64(stmt, 0);
    if (!id || sae_id_parse(id, &c->report_id) != 0)
        return SAE_ECORRUPT;
    c->version = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 5), origin};
    c->base = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 6),
                                   (uint64_t)sqlite3_column_int64(stmt, 7)};
    c->seen_cursor = (uint64_t)sqlite3_column_int64(stmt, 8);
    c->supersedes = (sae_hlc)sqlite3_column_int64(stmt, 9);
    int rc = sae_db_column_dup(stmt, 2, &c->kind);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 3, &c->field);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 4, &c->value);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 10, &c->author);
    if (rc == 0 && !(c->kind && c->field))
        rc = SAE_ECORRUPT; /* NOT NULL columns */
    if (rc == 0)
        rc = in_box(stmt) ? boxed_for_hub(stmt, carries_box, c) : sealed_for_hub(stmt, hub, c);
    return rc;
}

int sync_state_next_batch(struct node_store *store, size_t max_changes, size_t value_budget,
                          struct sae_change *out, size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    int64_t acked = 0;
    size_t used = 0, taken = 0;
    struct hub_key hub = {.known = false, .store = store};
    struct batch_box last_box = {.id = 0};
    int rc = sync_state_acked_seq(store, &acked);
    if (rc == 0)
        rc = hub_copy_key(store->db, &store->statements, hub.key, &hub.known);
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, next_batch_sql, &stmt);
    if (rc == 0) {
        const int64_t params[] = {(int64_t)store->origin, acked, (int64_t)max_changes};
        rc = sae_db_bind_ints(stmt, 1, params, 3);
    }
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct batch_box before = last_box;
        bool carries_box = box_starts(stmt, &last_box);
        size_t cost = change_cost(stmt, carries_box);
        rc = 0;
        if ((taken > 0 && used + cost > value_budget) || waits_for_key(stmt, &hub)) {
            last_box = before;
            break;
        }
        used += cost;
        rc = row_to_change(stmt, &hub, store->origin, carries_box, &out[taken++]);
    }
    sae_db_reset(stmt);
    /* Rows already copied stay counted, so that the caller frees them on failure too. */
    *count = taken;
    return rc;
}

int sync_state_record_ack(struct node_store *store, uint64_t upto,
                          const struct sae_refusal *refusals, size_t refusal_count,
                          int64_t now_ms)
{
    int64_t acked = 0;
    int rc = sync_state_acked_seq(store, &acked);
    if (rc == 0 && (int64_t)upto > acked)
        rc = sae_db_set_meta_int(store->db, NODE_META_ACKED_SEQ, (int64_t)upto);
    /* The hub holds them now: its copies have no use left on this disk. */
    if (rc == 0)
        rc = hub_copy_drop_acked(store, acked, (int64_t)upto);
    for (size_t i = 0; rc == 0 && i < refusal_count; i++) {
        sqlite3_stmt *stmt = NULL;
        rc = sae_db_prepare_cached(store->db, &store->statements, set_aside_sql, &stmt);
        if (rc == 0)
            rc = sae_db_bind_int(stmt, 1, (int64_t)refusals[i].seq);
        if (rc == 0)
            rc = sae_db_bind_int(stmt, 2, refusals[i].code);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 3, refusals[i].message);
        if (rc == 0)
            rc = sae_db_bind_int(stmt, 4, now_ms);
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        sae_db_reset(stmt);
    }
    return rc;
}

static const char forget_set_aside_sql[] = "DELETE FROM set_aside WHERE seq > ?1";

int sync_state_observe_held_seq(struct node_store *store, uint64_t held, bool *lowered)
{
    int64_t acked = 0;
    int rc = sync_state_acked_seq(store, &acked);
    *lowered = false;
    if (rc != 0 || (int64_t)held >= acked)
        return rc;
    const int64_t from = (int64_t)held;
    rc = sae_db_set_meta_int(store->db, NODE_META_ACKED_SEQ, from);
    /* What the hub set aside above it, it no longer remembers: let it judge them again. */
    if (rc == 0)
        rc = sae_db_run(store->db, &store->statements, forget_set_aside_sql, &from, 1);
    *lowered = rc == 0;
    return rc;
}

/* When the measured offset moves by more than the tolerance, the entries written so far
 * were dated by a clock now known to be off: they are re-dated before they are sent. */
static int mark_clock_change(struct node_store *store, int64_t offset_ms)
{
    int64_t stored = 0, last = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_CLOCK_OFFSET_MS, &stored);
    if (rc != 0 || llabs(offset_ms - stored) <= NODE_CLOCK_TOLERANCE_MS)
        return rc;
    rc = sae_db_query_int(store->db, &store->statements, last_seq_sql, NULL, 0, &last);
    return rc == 0 ? sae_db_set_meta_int(store->db, NODE_META_RESTAMP_BELOW_SEQ, last + 1) : rc;
}

int sync_state_observe_hub_clock(struct node_store *store, sae_hlc hub_clock,
                                 int64_t offset_ms)
{
    int64_t clock = 0;
    if (hub_clock == 0)
        return 0;
    int rc = sae_db_meta_int(store->db, NODE_META_CLOCK, &clock);
    if (rc == 0 && (int64_t)hub_clock > clock)
        rc = sae_db_set_meta_int(store->db, NODE_META_CLOCK, (int64_t)hub_clock);
    if (rc == 0)
        rc = mark_clock_change(store, offset_ms);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, NODE_META_CLOCK_OFFSET_MS, offset_ms);
    return rc;
}

static int set_last_error(struct node_store *store, const char *error)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, set_last_error_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, error);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int sync_state_record_round(struct node_store *store, const char *error)
{
    int64_t offset = 0;
    int rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    if (!error)
        rc = sae_db_meta_int(store->db, NODE_META_CLOCK_OFFSET_MS, &offset);
    /* The hub's time when this computer's clock is known to be off. */
    if (!error && rc == 0)
        rc = sae_db_set_meta_int(store->db, NODE_META_LAST_SYNC_MS,
                                 (int64_t)node_store_corrected_ms(offset));
    int set = set_last_error(store, error ? error : "");
    if (rc == 0)
        rc = set;
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

/* The case a change is about: the report itself, or the case an event names. */
#define SHOWN(id, field) "(SELECT value FROM field_shown WHERE report_id = " id \
    " AND field = '" field "')"
static const char list_set_aside_sql[] =
    "SELECT a.seq, j.report_id, j.field, a.code, a.message, a.at_ms, j.kind, o.id,"
    " " SHOWN("o.id", "registration_number") " FROM set_aside a"
    " JOIN journal j ON j.seq = a.seq"
    " LEFT JOIN report o ON o.kind = 'case'"
    "  AND o.id = iif(j.kind = 'case', j.report_id, " SHOWN("j.report_id", "case_id") ")"
    " ORDER BY a.at_ms DESC, a.seq DESC LIMIT ?1";

int sync_state_list_set_aside(struct node_store *store, sync_set_aside_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, list_set_aside_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, SYNC_SET_ASIDE_LIST_MAX);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct sync_set_aside entry;
        memset(&entry, 0, sizeof entry);
        entry.seq = sqlite3_column_int64(stmt, 0);
        sae_db_column_copy(stmt, 1, entry.report_id, sizeof entry.report_id);
        sae_db_column_copy(stmt, 2, entry.field, sizeof entry.field);
        entry.code = sqlite3_column_int(stmt, 3);
        sae_db_column_copy(stmt, 4, entry.message, sizeof entry.message);
        entry.at_ms = sqlite3_column_int64(stmt, 5);
        sae_db_column_copy(stmt, 6, entry.kind, sizeof entry.kind);
        sae_db_column_copy(stmt, 7, entry.case_id, sizeof entry.case_id);
        sae_db_column_copy(stmt, 8, entry.case_number, sizeof entry.case_number);
        rc = visit(&entry, context);
    }
    sae_db_reset(stmt);
    return rc;
}

int sync_state_wipe_free_text(struct node_store *store)
{
    static const char *const sql[] = {
        "UPDATE review SET note = NULL WHERE note IS NOT NULL",
        "UPDATE set_aside SET message = '' WHERE message <> ''",
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof sql / sizeof sql[0]; i++)
        rc = sae_db_run(store->db, &store->statements, sql[i], NULL, 0);
    return rc;
}

/* Own changes past the acknowledged one with no copy for the hub and a sealed value. */
static const char waiting_sql[] =
    "SELECT count(*) FROM journal_entry j WHERE seq > ?1 AND origin_seq IS NULL"
    " AND hub_sealed IS NULL"
    " AND substr(value, 1, 7) = '" VALUE_SEAL_ARMOUR "'"
    " AND NOT EXISTS (SELECT 1 FROM hub_box_slot s WHERE s.seq = j.seq)";

int sync_state_waiting_for_key(struct node_store *store, int64_t *out)
{
    int64_t acked = 0;
    int rc = sync_state_acked_seq(store, &acked);
    return rc == 0 ? sae_db_query_int(store->db, &store->statements, waiting_sql, &acked, 1, out)
                   : rc;
}
