#include "sae/sae_db.h"

int sae_db_error(int sqlite_code)
{
    switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return SAE_EBUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return SAE_ECORRUPT;
    case SQLITE_NOMEM: return SAE_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN: return SAE_EIO;
    default: return SAE_EDB;
    }
}

int sae_db_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

int sae_db_query_int(sqlite3 *db, const char *sql, const int64_t *params, size_t param_count,
                     int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < param_count; i++)
        rc = sqlite3_bind_int64(stmt, (int)i + 1, params[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

static int configure(sqlite3 *db, int busy_timeout_ms)
{
    int rc = sqlite3_busy_timeout(db, busy_timeout_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_extended_result_codes(db, 1);
    if (rc != SQLITE_OK)
        return sae_db_error(rc);
    /* WAL keeps readers from blocking a writer; FULL syncs the WAL on every commit. */
    int err = sae_db_exec(db, "PRAGMA journal_mode=WAL");
    if (err == 0)
        err = sae_db_exec(db, "PRAGMA synchronous=FULL");
    if (err == 0)
        err = sae_db_exec(db, "PRAGMA trusted_schema=OFF");
    return err;
}

int sae_db_open(const char *path, int flags, int busy_timeout_ms, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return sae_db_error(rc);
    }
    int err = configure(db, busy_timeout_ms);
    if (err != 0) {
        sqlite3_close(db);
        return err;
    }
    *out = db;
    return 0;
}

static int schema_version(sqlite3 *db, int *out)
{
    int64_t version = 0;
    int rc = sae_db_query_int(db, "PRAGMA user_version", NULL, 0, &version);
    if (rc == 0)
        *out = (int)version;
    return rc;
}

static int refuse_newer(int version, int known, const char *program, struct sae_message *why)
{
    sae_message_set(why, "the database was written by a newer %s (schema %d, this program "
                    "knows %d); install the newer %s", program, version, known, program);
    return SAE_ESCHEMA;
}

/* The version is read again inside each write transaction, so two processes never apply
 * one migration twice. */
int sae_db_migrate(sqlite3 *db, const char *const *migrations, int count, const char *program,
                   struct sae_message *why)
{
    int current = 0, err = schema_version(db, &current);
    if (err != 0)
        return err;
    if (current > count)
        return refuse_newer(current, count, program, why);
    if (current == count)
        return 0;
    for (;;) {
        int version = 0, rc = sae_db_exec(db, "BEGIN IMMEDIATE");
        if (rc == 0)
            rc = schema_version(db, &version);
        if (rc == 0 && (version > count || version < 0))
            rc = refuse_newer(version, count, program, why);
        if (rc == 0 && version == count)
            return sae_db_exec(db, "COMMIT");
        if (rc == 0)
            rc = sae_db_exec(db, migrations[version]);
        if (rc == 0)
            rc = sae_db_exec(db, "COMMIT");
        if (rc != 0) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
}

int sae_db_meta_int(sqlite3 *db, const char *key, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        err = sqlite3_column_type(stmt, 0) == SQLITE_INTEGER ? 0 : SAE_ECORRUPT;
        if (err == 0)
            *out = sqlite3_column_int64(stmt, 0);
    } else if (rc != SQLITE_DONE) {
        err = sae_db_error(rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

int sae_db_set_meta_int(sqlite3 *db, const char *key, int64_t value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", -1,
                                &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, value);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

int sae_db_prepare_cached(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                          sqlite3_stmt **out)
{
    for (size_t i = 0; i < cache->count; i++) {
        if (cache->entries[i].sql == sql) {
            sqlite3_reset(cache->entries[i].stmt);
            sqlite3_clear_bindings(cache->entries[i].stmt);
            *out = cache->entries[i].stmt;
            return 0;
        }
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK)
        return sae_db_error(rc);
    if (cache->count < SAE_DB_CACHE_SIZE) {
        cache->entries[cache->count].sql = sql;
        cache->entries[cache->count].stmt = stmt;
        cache->count++;
    } else {
        /* Full: the statement still works, it is just not kept. This is a programming
         * error (SAE_DB_CACHE_SIZE too small), caught by the leak checks of the tests. */
        sqlite3_finalize(stmt);
        return SAE_ENOMEM;
    }
    *out = stmt;
    return 0;
}

void sae_db_cache_clear(struct sae_db_cache *cache)
{
    for (size_t i = 0; i < cache->count; i++)
        sqlite3_finalize(cache->entries[i].stmt);
    cache->count = 0;
}
