/* The hub's copy of unsent sensitive values (hub_copy.h). */
#include "store/hub_copy.h"
#include "store/journal.h"

#include <stdlib.h>
#include <string.h>

#include "store/node_meta.h"
#include "store/value_seal.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"

static const char hub_key_sql[] = "SELECT public_key FROM hub WHERE id = 1";
/* Own changes (origin_seq NULL) past the acknowledged mark. */
static const char pending_sql[] =
    "SELECT seq, kind, field, value FROM journal WHERE seq > ?1 AND origin_seq IS NULL"
    " AND value IS NOT NULL";
static const char set_copy_sql[] = "UPDATE journal_entry SET hub_sealed = ?2 WHERE seq = ?1";
/* The same as the step after node migration 11 runs it: the journal was a table of that
 * name until migration 17 (a view of journal_entry since). */
static const char set_copy_at_11_sql[] = "UPDATE journal SET hub_sealed = ?2 WHERE seq = ?1";
static const char drop_sql[] = "UPDATE journal_entry SET hub_sealed = NULL"
                               " WHERE seq > ?1 AND seq <= ?2 AND hub_sealed IS NOT NULL";

bool hub_copy_sensitive(const char *kind, const char *field)
{
    const struct sae_kind *k;
    struct sae_field_ref ref;
    if (!kind || !field || sae_catalogue_find_kind(kind, &k) != 0 ||
        sae_catalogue_resolve(k, field, &ref) != 0)
        return false;
    return ref.field->sensitive && !ref.element;
}

int hub_copy_key(sqlite3 *db, struct sae_db_cache *cache, uint8_t key[HUB_COPY_KEY_BYTES],
                 bool *known)
{
    uint8_t found[HUB_COPY_KEY_BYTES];
    int rc = sae_db_query_blob(db, cache, hub_key_sql, NULL, found, sizeof found);
    *known = rc == 0;
    if (rc == 0)
        memcpy(key, found, sizeof found);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

int hub_copy_seal(const uint8_t key[HUB_COPY_KEY_BYTES], const char *kind, const char *field,
                  const char *value, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!value || !hub_copy_sensitive(kind, field))
        return 0;
    return sae_sealed_seal(key, value, strlen(value), out, out_len);
}

int hub_copy_seal_in(struct node_store *store, const uint8_t key[HUB_COPY_KEY_BYTES],
                     const char *kind, const char *field, const char *value,
                     unsigned char **out, size_t *out_len)
{
    const struct sae_sealer *sealer = NULL;
    *out = NULL;
    *out_len = 0;
    if (!value || !hub_copy_sensitive(kind, field))
        return 0;
    int rc = node_store_sealer(store, true, key, &sealer);
    return rc == 0 ? sae_sealer_seal(sealer, value, strlen(value), out, out_len) : rc;
}

static int store_copy(sqlite3_stmt *set, int64_t seq, const unsigned char *copy, size_t len)
{
    int rc = sae_db_bind_int(set, 1, seq);
    if (rc == 0)
        rc = copy ? sae_db_bind_blob(set, 2, copy, len) : sae_db_bind_null(set, 2);
    if (rc == 0)
        rc = sae_db_step_done(set);
    sae_db_reset(set);
    return rc;
}

/* The plain value of a row: a value kept sealed (value_seal.h) opens only with the key lent
 * to store; without one (or in the migration, store NULL) the change keeps no copy and waits
 * for a sign-in (sync_state_next_batch). */
static int plain_of(struct node_store *store, const char *value, char **out)
{
    if (!value_seal_is_sealed(value)) {
        *out = NULL;
        return 0;
    }
    if (!store || !store->lent_secret)
        return SAE_EPERM;
    return value_seal_open(store->storage_public, store->lent_secret, value, out);
}

static int seal_rows(struct node_store *store, sqlite3_stmt *rows, sqlite3_stmt *set,
                     const uint8_t key[HUB_COPY_KEY_BYTES])
{
    int rc;
    while ((rc = sae_db_step(rows)) == SAE_DB_ROW) {
        unsigned char *copy = NULL;
        size_t len = 0;
        const char *kind = (const char *)sqlite3_column_text(rows, 1);
        const char *field = (const char *)sqlite3_column_text(rows, 2);
        const char *value = (const char *)sqlite3_column_text(rows, 3);
        char *opened = NULL;
        if (!hub_copy_sensitive(kind, field))
            continue;
        rc = plain_of(store, value, &opened);
        if (rc == SAE_EPERM) {
            rc = 0;
            continue;
        }
        if (rc == 0)
            rc = hub_copy_seal(key, kind, field, opened ? opened : value, &copy, &len);
        sae_wipe_free_string(opened);
        if (rc == 0)
            rc = store_copy(set, sqlite3_column_int64(rows, 0), copy, len);
        sae_wipe_free(copy, len);
        if (rc != 0)
            return rc;
    }
    return rc;
}

/* store NULL: the step of node migration 11, on the journal as it was then. */
static int seal_pending(sqlite3 *db, struct node_store *store)
{
    uint8_t key[HUB_COPY_KEY_BYTES];
    bool known = false;
    int64_t acked = 0;
    sqlite3_stmt *rows = NULL, *set = NULL;
    int rc = hub_copy_key(db, NULL, key, &known);
    if (rc != 0 || !known)
        return rc;
    rc = sae_db_meta_int(db, NODE_META_ACKED_SEQ, &acked);
    if (rc == SAE_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        rc = sae_db_prepare(db, pending_sql, &rows);
    if (rc == 0)
        rc = sae_db_prepare(db, store ? set_copy_sql : set_copy_at_11_sql, &set);
    if (rc == 0)
        rc = sae_db_bind_int(rows, 1, acked);
    if (rc == 0)
        rc = seal_rows(store, rows, set, key);
    sae_db_finalize(rows);
    sae_db_finalize(set);
    return rc;
}

int hub_copy_seal_pending(sqlite3 *db)
{
    return seal_pending(db, NULL);
}

int hub_copy_seal_pending_opened(struct node_store *store)
{
    return seal_pending(store->db, store);
}

/* A box goes with its last slot: secure_delete zeroes its bytes. */
static const char drop_orphan_boxes_sql[] =
    "DELETE FROM hub_box WHERE id NOT IN (SELECT box FROM hub_box_slot)";
static const char drop_slots_sql[] = "DELETE FROM hub_box_slot WHERE seq > ?1 AND seq <= ?2";

int hub_copy_drop_acked(struct node_store *store, int64_t from, int64_t upto)
{
    const int64_t params[] = {from, upto};
    if (upto <= from)
        return 0;
    int rc = sae_db_run(store->db, &store->statements, drop_sql, params, 2);
    if (rc == 0)
        rc = sae_db_run(store->db, &store->statements, drop_slots_sql, params, 2);
    if (rc == 0)
        rc = sae_db_run(store->db, &store->statements, drop_orphan_boxes_sql, NULL, 0);
    return rc;
}

static const char hub_schema_sql[] = "SELECT value FROM meta WHERE key = '" NODE_META_HUB_SCHEMA "'";

int hub_copy_hub_reads_boxes(struct node_store *store, bool *out)
{
    int64_t schema = 0;
    int rc = sae_db_query_int(store->db, &store->statements, hub_schema_sql, NULL, 0, &schema);
    if (rc == SAE_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        *out = schema >= SAE_WIRE_SCHEMA_VALUE_BOX;
    return rc;
}

int hub_copy_set_hub_schema(struct node_store *store, uint32_t schema)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('" NODE_META_HUB_SCHEMA "', ?1)";
    const int64_t value = schema;
    return sae_db_run(store->db, &store->statements, sql, &value, 1);
}

bool hub_copy_box_takes(const struct hub_copy_box *box, const char *kind, const char *field,
                        const char *value)
{
    return value && value[0] && box->count < SAE_VALUE_BOX_VALUES_MAX &&
           hub_copy_sensitive(kind, field);
}

int hub_copy_box_add(struct hub_copy_box *box, int64_t seq, const char *value)
{
    if (box->count == SAE_VALUE_BOX_VALUES_MAX)
        return SAE_ETOOBIG;
    if (!(box->values[box->count] = strdup(value)))
        return SAE_ENOMEM;
    box->seqs[box->count++] = seq;
    return 0;
}

void hub_copy_box_clear(struct hub_copy_box *box)
{
    for (size_t i = 0; i < box->count; i++)
        sae_wipe_free_string(box->values[i]);
    box->count = 0;
}

/* Too much for one box (sae_value_box_pack's SAE_ETOOBIG): each value its own copy. */
static int store_one_by_one(struct node_store *store, const uint8_t key[HUB_COPY_KEY_BYTES],
                            const struct hub_copy_box *box)
{
    const struct sae_sealer *sealer = NULL;
    sqlite3_stmt *set = NULL;
    int rc = node_store_sealer(store, true, key, &sealer);
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, set_copy_sql, &set);
    for (size_t i = 0; rc == 0 && i < box->count; i++) {
        unsigned char *copy = NULL;
        size_t len = 0;
        rc = sae_sealer_seal(sealer, box->values[i], strlen(box->values[i]), &copy, &len);
        if (rc == 0)
            rc = store_copy(set, box->seqs[i], copy, len);
        free(copy); /* ciphertext */
    }
    return rc;
}

static int store_slots(struct node_store *store, int64_t id, const struct hub_copy_box *box)
{
    static const char sql[] = "INSERT INTO hub_box_slot(seq, box, slot) VALUES (?1, ?2, ?3)";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < box->count; i++) {
        const int64_t row[] = {box->seqs[i], id, (int64_t)i + 1};
        rc = sae_db_run(store->db, &store->statements, sql, row, 3);
    }
    return rc;
}

static int store_box(struct node_store *store, const unsigned char *sealed, size_t len,
                     const struct hub_copy_box *box)
{
    static const char sql[] = "INSERT INTO hub_box(sealed) VALUES (?1)";
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, sealed, len);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc == 0 ? store_slots(store, sae_db_last_rowid(store->db), box) : rc;
}

int hub_copy_box_store(struct node_store *store, const uint8_t key[HUB_COPY_KEY_BYTES],
                       struct hub_copy_box *box)
{
    const struct sae_sealer *sealer = NULL;
    unsigned char *sealed = NULL;
    size_t len = 0;
    if (box->count == 0)
        return 0;
    int rc = node_store_sealer(store, true, key, &sealer);
    if (rc == 0)
        rc = sae_value_box_seal(sealer, (const char *const *)box->values, box->count, &sealed,
                                &len);
    if (rc == 0)
        rc = store_box(store, sealed, len, box);
    else if (rc == SAE_ETOOBIG)
        rc = store_one_by_one(store, key, box);
    free(sealed); /* ciphertext */
    hub_copy_box_clear(box);
    return rc;
}

int hub_copy_box_follow(struct node_store *store, int64_t from_seq, int64_t to_seq)
{
    static const char sql[] = "INSERT INTO hub_box_slot(seq, box, slot)"
                              " SELECT ?2, box, slot FROM hub_box_slot WHERE seq = ?1";
    const int64_t params[] = {from_seq, to_seq};
    return sae_db_run(store->db, &store->statements, sql, params, 2);
}

int hub_copy_box_drop_report(struct node_store *store, const char *report_id)
{
    static const char sql[] = "DELETE FROM hub_box_slot WHERE seq IN (SELECT seq"
                              " FROM journal_entry WHERE report_num = " REPORT_NUM("?1") ")";
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc == 0 ? sae_db_run(store->db, &store->statements, drop_orphan_boxes_sql, NULL, 0)
                   : rc;
}

int hub_copy_box_drop_all(sqlite3 *db)
{
    int rc = sae_db_exec(db, "DELETE FROM hub_box_slot");
    return rc == 0 ? sae_db_exec(db, "DELETE FROM hub_box") : rc;
}
