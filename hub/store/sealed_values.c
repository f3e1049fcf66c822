/* Sensitive values at the hub, sealed (sealed_values.h). */
#include "store/sealed_values.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_sealed.h"

/* sql prepared with ?1 the change and ?2 the holder. */
static int prepare_copy(struct hub_store *store, const char *sql, int64_t change,
                        uint64_t holder, sqlite3_stmt **out)
{
    int rc = hub_store_prepare(store, sql, out);
    if (rc == 0)
        rc = sae_db_bind_int(*out, 1, change);
    if (rc == 0)
        rc = sae_db_bind_int(*out, 2, (int64_t)holder);
    return rc;
}

int sealed_values_put(struct hub_store *store, int64_t change, uint64_t holder,
                      const uint8_t *sealed, size_t len)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO sealed_value(change, holder, sealed) VALUES (?1, ?2, ?3)";
    if (!sealed || len == 0 || len > SAE_SEALED_MAX_BYTES)
        return SAE_EINVAL;
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_copy(store, sql, change, holder, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 3, sealed, len);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int column_copy(sqlite3_stmt *stmt, uint8_t **out, size_t *out_len)
{
    int len = sqlite3_column_bytes(stmt, 0);
    const void *bytes = sqlite3_column_blob(stmt, 0);
    if (len <= 0 || !bytes || (size_t)len > SAE_SEALED_MAX_BYTES)
        return SAE_ECORRUPT;
    uint8_t *copy = malloc((size_t)len);
    if (!copy)
        return SAE_ENOMEM;
    memcpy(copy, bytes, (size_t)len);
    *out = copy;
    *out_len = (size_t)len;
    return 0;
}

int sealed_values_get(struct hub_store *store, int64_t change, uint64_t holder, uint8_t **out,
                      size_t *out_len)
{
    static const char sql[] = "SELECT sealed FROM sealed_value WHERE change = ?1 AND holder = ?2";
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_copy(store, sql, change, holder, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW)
        rc = column_copy(stmt, out, out_len);
    sae_db_reset(stmt);
    return rc;
}

int sealed_values_copy(struct hub_store *store, int64_t from_change, int64_t to_change)
{
    static const char sql[] = "INSERT OR REPLACE INTO sealed_value(change, holder, sealed)"
                              " SELECT ?2, holder, sealed FROM sealed_value WHERE change = ?1";
    const int64_t params[] = {from_change, to_change};
    return hub_store_run(store, sql, params, 2);
}

int sealed_values_erase_report(struct hub_store *store, const char *report_id,
                               int64_t *deleted)
{
    static const char sql[] = "DELETE FROM sealed_value WHERE change IN"
                              " (SELECT seq FROM change"
                              " WHERE report_no = (SELECT no FROM report WHERE id = ?1))";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        *deleted = sae_db_changes(store->db);
    return rc;
}

int sealed_values_grant(struct hub_store *store, int64_t change, uint64_t node,
                        const uint8_t *sealed, size_t len, const char *granted_by,
                        int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO value_grant(node, change, granted_by, granted_ms) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT(node, change) DO NOTHING";
    if (!granted_by || !*granted_by)
        return SAE_EINVAL;
    int rc = sealed_values_put(store, change, node, sealed, len);
    sqlite3_stmt *stmt = NULL;
    if (rc == 0)
        rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)node);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, change);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, granted_by);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    if (stmt)
        sae_db_reset(stmt);
    return rc;
}

void sealed_values_grants_free(struct sealed_grant *grants, size_t count)
{
    if (!grants)
        return;
    for (size_t i = 0; i < count; i++)
        free(grants[i].sealed);
    free(grants);
}

int sealed_values_grants_after(struct hub_store *store, uint64_t node, int64_t cursor,
                               size_t max, struct sealed_grant **out, size_t *count)
{
    static const char sql[] =
        "SELECT s.sealed, g.seq, g.change FROM value_grant g JOIN sealed_value s"
        " ON s.change = g.change AND s.holder = g.node"
        " WHERE g.node = ?1 AND g.seq > ?2 ORDER BY g.seq LIMIT ?3";
    struct sealed_grant *grants = calloc(max + 1, sizeof *grants);
    size_t n = 0;
    if (!grants)
        return SAE_ENOMEM;
    const int64_t params[] = {(int64_t)node, cursor, (int64_t)max};
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 1, params, 3);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = column_copy(stmt, &grants[n].sealed, &grants[n].len);
        grants[n].seq = sqlite3_column_int64(stmt, 1);
        grants[n].change = sqlite3_column_int64(stmt, 2);
        n += rc == 0;
    }
    if (stmt)
        sae_db_reset(stmt);
    if (rc != 0) {
        sealed_values_grants_free(grants, n);
        return rc;
    }
    *out = grants;
    *count = n;
    return 0;
}

int sealed_values_newest_grant(struct hub_store *store, int64_t *out)
{
    static const char sql[] =
        "SELECT max(coalesce((SELECT max(seq) FROM value_grant), 0),"
        " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'value_grant'), 0))";
    return hub_store_query_int(store, sql, NULL, 0, out);
}
