/* Applying batches, district edits and resolutions. Each runs in one write transaction;
 * the state of every field it touched is then recomputed by merge_state.c. */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge_state.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

/* The fields a transaction touched, recomputed once each at the end. */
struct touched {
    struct {
        char report_id[SAE_ID_TEXT_LEN + 1];
        char field[64];
    } *items;
    size_t count, capacity;
};

static int touched_add(struct touched *t, const char *report_id, const char *field)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].report_id, report_id) == 0 && strcmp(t->items[i].field, field) == 0)
            return 0;
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 16;
        void *items = realloc(t->items, capacity * sizeof *t->items);
        if (!items)
            return SAE_ENOMEM;
        t->items = items;
        t->capacity = capacity;
    }
    snprintf(t->items[t->count].report_id, sizeof t->items[0].report_id, "%s", report_id);
    snprintf(t->items[t->count].field, sizeof t->items[0].field, "%s", field);
    t->count++;
    return 0;
}

/* Every touched field, and the tombstone of every touched report: an edit can make a delete
 * conflict appear. */
static int recompute_touched(struct hub_store *store, struct touched *t, int64_t now_ms)
{
    int rc = 0;
    size_t fields = t->count;
    for (size_t i = 0; rc == 0 && i < fields; i++) {
        /* touched_add may move the items: copy the id out first. */
        char report_id[SAE_ID_TEXT_LEN + 1];
        memcpy(report_id, t->items[i].report_id, sizeof report_id);
        rc = touched_add(t, report_id, SAE_FIELD_TOMBSTONE);
    }
    for (size_t i = 0; rc == 0 && i < t->count; i++)
        rc = merge_state_recompute(store, t->items[i].report_id, t->items[i].field, now_ms);
    return rc;
}

struct stored_change {
    const char *report_id, *kind, *village, *field, *value, *author;
    struct sae_version version, base;
    int64_t node_seq, seen_cursor, received_ms;
    bool held;
};

static int insert_change(struct hub_store *store, const struct stored_change *c, int64_t *seq)
{
    static const char sql[] =
        "INSERT INTO change(report_id, kind, village, field, value, version, origin,"
        " base_version, base_origin, node_seq, seen_cursor, received_ms, author, held)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
    const char *texts[] = {c->report_id, c->kind, c->village, c->field, c->value};
    for (int i = 0; rc == SQLITE_OK && i < 5; i++)
        rc = texts[i] ? sqlite3_bind_text(stmt, i + 1, texts[i], -1, SQLITE_STATIC)
                      : sqlite3_bind_null(stmt, i + 1);
    const int64_t ints[] = {(int64_t)c->version.hlc, (int64_t)c->version.origin,
                            (int64_t)c->base.hlc, (int64_t)c->base.origin, c->node_seq,
                            c->seen_cursor, c->received_ms};
    for (int i = 0; rc == SQLITE_OK && i < 7; i++)
        rc = sqlite3_bind_int64(stmt, i + 6, ints[i]);
    if (rc == SQLITE_OK)
        rc = c->author ? sqlite3_bind_text(stmt, 13, c->author, -1, SQLITE_STATIC)
                       : sqlite3_bind_null(stmt, 13);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 14, c->held);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK)
        return sae_db_error(rc);
    *seq = sqlite3_last_insert_rowid(store->db);
    return 0;
}

/* The kind and village of a report; SAE_ENOTFOUND when the hub has never seen it. */
static int report_owner(struct hub_store *store, const char *report_id, char kind[64],
                        char village[128])
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = sqlite3_prepare_v2(store->db, "SELECT kind, village FROM report WHERE id = ?1", -1,
                                &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, report_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        snprintf(kind, 64, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(village, 128, "%s", (const char *)sqlite3_column_text(stmt, 1));
        err = 0;
    } else if (rc != SQLITE_DONE) {
        err = sae_db_error(rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

static int insert_report(struct hub_store *store, const char *report_id, const char *kind,
                         const char *village, int64_t first_change)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT INTO report(id, kind, village, first_change)"
                                " VALUES (?1, ?2, ?3, ?4)", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, report_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 3, village, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, first_change);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

static int already_received(struct hub_store *store, uint64_t origin, uint64_t node_seq,
                            bool *out)
{
    int64_t n = 0;
    const int64_t params[] = {(int64_t)origin, (int64_t)node_seq};
    int rc = sae_db_query_int(store->db,
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

/* Refuses a change for good: named in the ack and kept in the refusal table. */
static int refuse(struct hub_store *store, struct refusals *r, uint64_t origin, uint64_t seq,
                  uint32_t code, const char *message, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int err = note_refusal(r, seq, code, message);
    if (err != 0)
        return err;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT INTO refusal(origin, node_seq, code, message, received_ms)"
                                " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (int64_t)origin);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, (int64_t)seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, code);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 4, message, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

/* Why the hub refuses a change for good; an empty message means it is acceptable. */
static int judge_change(struct hub_store *store, const struct merge_sender *sender,
                        const struct sae_change *c, const char *report_id, bool *report_exists,
                        char message[SAE_CHANGE_MESSAGE_BYTES])
{
    char kind[64], village[128];
    if (sae_change_check_catalogue(c, message) != 0)
        return 0;
    if (c->base.hlc != 0 && sae_version_compare(&c->version, &c->base) <= 0) {
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "version is not after its base version");
        return 0;
    }
    int rc = report_owner(store, report_id, kind, village);
    *report_exists = rc == 0;
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (strcmp(village, sender->village) != 0)
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "report %s belongs to another village",
                 report_id);
    else if (strcmp(kind, c->kind) != 0)
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "report %s is a %s, not a %s", report_id,
                 kind, c->kind);
    return 0;
}

static int apply_change(struct hub_store *store, const struct merge_sender *sender,
                        const struct sae_change *c, const struct merge_options *options,
                        struct refusals *refusals, struct touched *touched,
                        struct merge_outcome *outcome)
{
    char report_id[SAE_ID_TEXT_LEN + 1], message[SAE_CHANGE_MESSAGE_BYTES] = "";
    bool duplicate = false, exists = false;
    int rc = already_received(store, c->version.origin, c->seq, &duplicate);
    if (rc != 0 || duplicate) {
        outcome->duplicates += duplicate;
        return rc;
    }
    sae_id_format(&c->report_id, report_id);
    rc = judge_change(store, sender, c, report_id, &exists, message);
    if (rc != 0)
        return rc;
    if (message[0]) {
        outcome->refused++;
        return refuse(store, refusals, c->version.origin, c->seq, SAE_STATUS_INVALID_CHANGE,
                      message, options->now_ms);
    }
    /* A version dated past the allowed drift never moves the hub's clock nor wins. */
    int64_t limit_ms = options->now_ms + options->drift_ms;
    struct stored_change row = {
        .report_id = report_id, .kind = c->kind, .village = sender->village, .field = c->field,
        .value = c->value, .version = c->version, .base = c->base, .node_seq = (int64_t)c->seq,
        .seen_cursor = (int64_t)c->seen_cursor, .received_ms = options->now_ms,
        .held = (int64_t)sae_hlc_ms(c->version.hlc) > limit_ms,
    };
    int64_t seq = 0;
    rc = insert_change(store, &row, &seq);
    if (rc == 0 && !exists)
        rc = insert_report(store, report_id, c->kind, sender->village, seq);
    if (rc == 0 && !row.held)
        rc = hub_store_observe_version(store, c->version.hlc);
    if (rc == 0)
        rc = touched_add(touched, report_id, c->field);
    if (rc == 0 && row.held) {
        char note[SAE_CHANGE_MESSAGE_BYTES];
        long long days = ((int64_t)sae_hlc_ms(c->version.hlc) - options->now_ms) / 86400000;
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

static int load_stored_ack(struct hub_store *store, uint64_t origin, uint64_t last_seq,
                           struct sae_push_ack **out)
{
    sqlite3_stmt *stmt = NULL;
    struct sae_limits limits = sae_limits_default();
    int err = SAE_ENOTFOUND;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT ack FROM push_ack WHERE origin = ?1 AND last_seq = ?2", -1,
                                &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (int64_t)origin);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, (int64_t)last_seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        err = sae_push_ack_decode(sqlite3_column_blob(stmt, 0),
                                  (size_t)sqlite3_column_bytes(stmt, 0), &limits, out);
    else if (rc != SQLITE_DONE)
        err = sae_db_error(rc);
    sqlite3_finalize(stmt);
    return err;
}

static int store_ack(struct hub_store *store, const struct sae_push_ack *ack, uint64_t last_seq)
{
    struct sae_limits limits = sae_limits_default();
    uint8_t *buf = NULL;
    size_t len = 0;
    sqlite3_stmt *stmt = NULL;
    int err = sae_push_ack_encode(ack, &limits, &buf, &len);
    if (err != 0)
        return err;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT OR REPLACE INTO push_ack(origin, last_seq, ack)"
                                " VALUES (?1, ?2, ?3)", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (int64_t)ack->origin);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, (int64_t)last_seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(stmt, 3, buf, (int)len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    sae_wire_buffer_free(buf, len);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

static int update_node_after_batch(struct hub_store *store, uint64_t id, int64_t acked_seq,
                                   int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "UPDATE node SET acked_seq = max(acked_seq, ?2),"
                                " last_batch_ms = ?3 WHERE id = ?1", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (int64_t)id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, acked_seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

static int build_ack(struct hub_store *store, uint64_t origin, struct refusals *refusals,
                     int64_t now_ms, struct sae_push_ack **out)
{
    struct hub_node node;
    struct sae_push_ack *ack = calloc(1, sizeof *ack);
    int rc = ack ? hub_store_node_get(store, origin, &node) : SAE_ENOMEM;
    if (rc == 0)
        rc = hub_store_clock(store, now_ms, &ack->hub_clock);
    if (rc != 0) {
        free(ack);
        return rc;
    }
    ack->schema_version = SAE_WIRE_SCHEMA_VERSION;
    ack->origin = origin;
    ack->acked_seq = (uint64_t)node.acked_seq;
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

/* A batch whose last change was acknowledged before gets the stored answer. */
static int try_replay(struct hub_store *store, const struct sae_batch *batch, int64_t now_ms,
                      struct sae_push_ack **ack)
{
    struct hub_node node;
    uint64_t last = batch->changes[batch->change_count - 1].seq;
    int rc = hub_store_node_get(store, batch->origin, &node);
    if (rc != 0 || (int64_t)last > node.acked_seq)
        return rc == 0 ? SAE_ENOTFOUND : rc;
    rc = load_stored_ack(store, batch->origin, last, ack);
    if (rc == 0)
        rc = hub_store_clock(store, now_ms, &(*ack)->hub_clock);
    return rc;
}

static int apply_all(struct hub_store *store, const struct merge_sender *sender,
                     const struct sae_batch *batch, const struct merge_options *options,
                     struct sae_push_ack **ack, struct merge_outcome *outcome)
{
    struct refusals refusals = {0};
    struct touched touched = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < batch->change_count; i++)
        rc = apply_change(store, sender, &batch->changes[i], options, &refusals, &touched,
                          outcome);
    if (rc == 0)
        rc = recompute_touched(store, &touched, options->now_ms);
    if (rc == 0 && batch->change_count > 0)
        rc = update_node_after_batch(store, sender->id,
                                     (int64_t)batch->changes[batch->change_count - 1].seq,
                                     options->now_ms);
    if (rc == 0)
        rc = build_ack(store, sender->id, &refusals, options->now_ms, ack);
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
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    if (batch->change_count > 0) {
        rc = try_replay(store, batch, options->now_ms, &answer);
        counts.replayed = rc == 0;
        if (rc == SAE_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0 && !answer)
        rc = apply_all(store, sender, batch, options, &answer, &counts);
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

/* The winning change of a field: its version and value; version {0,0} when never written. */
static int current_winner(struct hub_store *store, const char *report_id, const char *field,
                          struct sae_version *version, char **value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT c.version, c.origin, c.value FROM field_state s"
                                " JOIN change c ON c.seq = s.change"
                                " WHERE s.report_id = ?1 AND s.field = ?2", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, report_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 2, field, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    struct sae_version v = {0, 0};
    char *text = NULL;
    if (rc == SQLITE_ROW) {
        v.hlc = (sae_hlc)sqlite3_column_int64(stmt, 0);
        v.origin = (uint64_t)sqlite3_column_int64(stmt, 1);
        const unsigned char *t = sqlite3_column_text(stmt, 2);
        if (t && !(text = strdup((const char *)t)))
            rc = SQLITE_NOMEM;
        else
            rc = SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        free(text);
        return sae_db_error(rc);
    }
    *version = v;
    if (value)
        *value = text;
    else
        free(text);
    return 0;
}

static int is_deleted(struct hub_store *store, const char *report_id, bool *out)
{
    struct sae_version v;
    char *value = NULL;
    int rc = current_winner(store, report_id, SAE_FIELD_TOMBSTONE, &v, &value);
    if (rc == 0)
        *out = value != NULL;
    free(value);
    return rc;
}

/* Writes a district change (an edit or a resolution) on top of the field's current winner. */
static int write_district_change(struct hub_store *store, const char *report_id,
                                 const char *kind, const char *village, const char *field,
                                 const char *value, const char *author, int64_t now_ms,
                                 int64_t *seq)
{
    struct stored_change row = {.report_id = report_id, .kind = kind, .village = village,
                                .field = field, .value = value, .author = author,
                                .received_ms = now_ms};
    int64_t district_seq = 0;
    sae_hlc version = 0;
    int rc = current_winner(store, report_id, field, &row.base, NULL);
    if (rc == 0)
        rc = hub_store_next_version(store, now_ms, &version);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, "district_seq", &district_seq);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, "district_seq", ++district_seq);
    /* The district sees every change the hub holds. */
    if (rc == 0)
        rc = sae_db_query_int(store->db, "SELECT coalesce(max(seq), 0) FROM change", NULL, 0,
                              &row.seen_cursor);
    row.version = (struct sae_version){version, store->hub_id};
    row.node_seq = district_seq;
    if (rc == 0)
        rc = insert_change(store, &row, seq);
    return rc;
}

static int check_district_value(const char *kind, const char *field, const char *value,
                                struct sae_message *why)
{
    struct sae_change probe = {.kind = (char *)kind, .field = (char *)field,
                               .value = (char *)value};
    char message[SAE_CHANGE_MESSAGE_BYTES];
    if (strcmp(field, SAE_FIELD_TOMBSTONE) != 0 && sae_change_check_catalogue(&probe, message) != 0) {
        sae_message_set(why, "%s", message);
        return SAE_EINVAL;
    }
    return 0;
}

/* What a post may not do, the district may not either: edit an append-only event, or
 * leave a required field empty. */
static int check_district_edit(const char *kind_name, const char *field_name, const char *value,
                               struct sae_message *why)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    int rc = check_district_value(kind_name, field_name, value, why);
    if (rc != 0)
        return rc;
    if (sae_catalogue_find_kind(kind_name, &kind) == 0 && kind->append_only) {
        sae_message_set(why, "%s reports are append-only events and cannot be edited", kind_name);
        return SAE_EINVAL;
    }
    if (!value && sae_catalogue_find_field(kind, field_name, &field) == 0 && field->required) {
        sae_message_set(why, "%s is required and cannot be unset", field_name);
        return SAE_EINVAL;
    }
    return 0;
}

static int finish_district(struct hub_store *store, const char *report_id, const char *field,
                           int64_t now_ms, int rc)
{
    struct touched touched = {0};
    if (rc == 0)
        rc = touched_add(&touched, report_id, field);
    if (rc == 0)
        rc = recompute_touched(store, &touched, now_ms);
    free(touched.items);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}

int merge_district_edit(struct hub_store *store, const char *report_id, const char *field,
                        const char *value, const char *author, int64_t now_ms,
                        struct sae_message *why)
{
    char kind[64], village[128];
    bool deleted = false;
    int64_t seq = 0;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = report_owner(store, report_id, kind, village);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no report has id %s; list them with: sae-hub reports list",
                        report_id);
    if (rc == 0 && strcmp(field, SAE_FIELD_TOMBSTONE) == 0) {
        sae_message_set(why, "%s cannot be edited; deletes come from the posts", field);
        rc = SAE_EINVAL;
    }
    if (rc == 0)
        rc = check_district_edit(kind, field, value, why);
    if (rc == 0)
        rc = is_deleted(store, report_id, &deleted);
    if (rc == 0 && deleted) {
        sae_message_set(why, "report %s was deleted; deleted reports cannot be edited",
                        report_id);
        rc = SAE_EDELETED;
    }
    if (rc == 0)
        rc = write_district_change(store, report_id, kind, village, field, value, author, now_ms,
                                   &seq);
    return finish_district(store, report_id, field, now_ms, rc);
}

struct conflict_row {
    char report_id[SAE_ID_TEXT_LEN + 1];
    char field[64];
    char status[16];
    char resolved_by[128];
};

static int load_conflict(struct hub_store *store, int64_t id, struct conflict_row *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT report_id, field, status, coalesce(resolved_by, '')"
                                " FROM conflict WHERE id = ?1", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        snprintf(out->report_id, sizeof out->report_id, "%s", sqlite3_column_text(stmt, 0));
        snprintf(out->field, sizeof out->field, "%s", sqlite3_column_text(stmt, 1));
        snprintf(out->status, sizeof out->status, "%s", sqlite3_column_text(stmt, 2));
        snprintf(out->resolved_by, sizeof out->resolved_by, "%s", sqlite3_column_text(stmt, 3));
        err = 0;
    } else if (rc != SQLITE_DONE) {
        err = sae_db_error(rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

/* Candidate number keep (1-based, ordered by version then origin, as conflicts show lists
 * them): its change seq, field and value. */
static int candidate_at(struct hub_store *store, int64_t conflict_id, int keep, int64_t *seq,
                        char field[64], char **value)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT c.seq, c.field, c.value FROM conflict_candidate k"
                                " JOIN change c ON c.seq = k.change WHERE k.conflict = ?1"
                                " ORDER BY c.version, c.origin, c.seq LIMIT 1 OFFSET ?2",
                                -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, conflict_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, keep - 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(stmt, 2);
        *seq = sqlite3_column_int64(stmt, 0);
        snprintf(field, 64, "%s", sqlite3_column_text(stmt, 1));
        *value = text ? strdup((const char *)text) : NULL;
        err = text && !*value ? SAE_ENOMEM : 0;
    } else if (rc != SQLITE_DONE) {
        err = sae_db_error(rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

/* The resolution settles every candidate of its own field: they become its parents. */
static int settle_candidates(struct hub_store *store, int64_t conflict_id, const char *field,
                             int64_t resolution)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT OR IGNORE INTO change_parent(child, parent)"
                                " SELECT ?1, c.seq FROM conflict_candidate k"
                                " JOIN change c ON c.seq = k.change"
                                " WHERE k.conflict = ?2 AND c.field = ?3", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, resolution);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, conflict_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 3, field, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

static int close_conflict(struct hub_store *store, int64_t id, const char *author,
                          const char *note, int64_t resolution, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "UPDATE conflict SET status = 'resolved', resolved_ms = ?2,"
                                " resolved_by = ?3, note = ?4, resolution = ?5 WHERE id = ?1",
                                -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 3, author, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = note ? sqlite3_bind_text(stmt, 4, note, -1, SQLITE_STATIC) : sqlite3_bind_null(stmt, 4);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, resolution);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

/* The value the resolution writes: a kept candidate's value, or the value given. Keeping an
 * edit in a delete conflict restores the report (the tombstone is unset). */
static int resolution_value(struct hub_store *store, int64_t id, const struct conflict_row *c,
                            int keep, const char *value, bool unset, char **out,
                            struct sae_message *why)
{
    char field[64];
    int64_t seq = 0;
    char *kept = NULL;
    if (keep == 0) {
        if (strcmp(c->field, SAE_FIELD_TOMBSTONE) == 0) {
            sae_message_set(why, "a delete conflict is resolved with --keep N: a deletion keeps "
                            "the report deleted, an edit restores it");
            return SAE_EINVAL;
        }
        *out = unset ? NULL : strdup(value);
        return unset || *out ? 0 : SAE_ENOMEM;
    }
    int rc = candidate_at(store, id, keep, &seq, field, &kept);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "conflict %lld has no candidate %d; see: sae-hub conflicts show %lld",
                        (long long)id, keep, (long long)id);
    if (rc == 0 && strcmp(field, c->field) != 0) {
        free(kept);
        kept = NULL; /* an edit kept against a delete: restore */
    }
    if (rc == 0)
        *out = kept;
    return rc;
}

int merge_resolve(struct hub_store *store, int64_t conflict_id, int keep, const char *value,
                  bool unset, const char *author, const char *note, int64_t now_ms,
                  struct sae_message *why)
{
    struct conflict_row c;
    char kind[64], village[128], *chosen = NULL;
    int64_t seq = 0;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = load_conflict(store, conflict_id, &c);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no conflict has id %lld; list them with: sae-hub conflicts list",
                        (long long)conflict_id);
    if (rc == 0 && strcmp(c.status, "open") != 0) {
        sae_message_set(why, "conflict %lld was already resolved by %s; see: sae-hub conflicts "
                        "show %lld", (long long)conflict_id, c.resolved_by, (long long)conflict_id);
        rc = SAE_EEXIST;
    }
    if (rc == 0)
        rc = report_owner(store, c.report_id, kind, village);
    if (rc == 0)
        rc = resolution_value(store, conflict_id, &c, keep, value, unset, &chosen, why);
    if (rc == 0 && keep == 0)
        rc = check_district_value(kind, c.field, chosen, why);
    if (rc == 0)
        rc = write_district_change(store, c.report_id, kind, village, c.field, chosen, author,
                                   now_ms, &seq);
    if (rc == 0)
        rc = settle_candidates(store, conflict_id, c.field, seq);
    if (rc == 0)
        rc = close_conflict(store, conflict_id, author, note, seq, now_ms);
    free(chosen);
    if (rc != 0) {
        hub_store_rollback(store);
        return rc;
    }
    return finish_district(store, c.report_id, c.field, now_ms, rc);
}
