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
