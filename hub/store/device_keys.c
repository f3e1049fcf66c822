/* Devices' storage public keys (device_keys.h). */
#include "store/device_keys.h"

#include <string.h>

#include "sae/sae_db.h"

int device_keys_set(struct hub_store *store, uint64_t id, const uint8_t key[DEVICE_KEY_BYTES])
{
    static const char sql[] = "UPDATE node SET storage_public_key = ?2 WHERE id = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)id);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 2, key, DEVICE_KEY_BYTES);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0 && sae_db_changes(store->db) == 0)
        rc = SAE_ENOTFOUND;
    return rc;
}

int device_keys_get(struct hub_store *store, uint64_t id, uint8_t out[DEVICE_KEY_BYTES])
{
    static const char sql[] = "SELECT storage_public_key FROM node WHERE id = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW) {
        if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
            rc = SAE_ENOTFOUND;
        else if (sqlite3_column_bytes(stmt, 0) != (int)DEVICE_KEY_BYTES)
            rc = SAE_ECORRUPT;
        else {
            memcpy(out, sqlite3_column_blob(stmt, 0), DEVICE_KEY_BYTES);
            rc = 0;
        }
    }
    sae_db_reset(stmt);
    return rc;
}

/* Copies the row's key before visiting: visit may run statements of its own. */
static int visit_row(sqlite3_stmt *stmt, device_keys_visit_fn visit, void *context)
{
    uint8_t key[DEVICE_KEY_BYTES];
    if (sqlite3_column_bytes(stmt, 1) != (int)DEVICE_KEY_BYTES)
        return SAE_ECORRUPT;
    memcpy(key, sqlite3_column_blob(stmt, 1), DEVICE_KEY_BYTES);
    return visit((uint64_t)sqlite3_column_int64(stmt, 0), key, context);
}

int device_keys_of_village(struct hub_store *store, const char *village, uint64_t except,
                           device_keys_visit_fn visit, void *context)
{
    /* Cached: visit may run other statements while the rows are read, never this one. */
    static const char sql[] =
        "SELECT id, storage_public_key FROM node WHERE village = ?1 AND revoked_ms = 0"
        " AND storage_public_key IS NOT NULL AND id != ?2 ORDER BY id";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, village);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)except);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = visit_row(stmt, visit, context);
    sae_db_reset(stmt);
    return rc;
}
