/* The SQLite layer: the only place where SQLite result codes are read and mapped. Here:
 * statements and queries; opening, transactions, migrations and settings are db_open.c's. */
#include "sae/sae_db.h"

#include <stdlib.h>
#include <string.h>

int sae_db_error(int sqlite_code)
{
    if (sqlite_code == SQLITE_CONSTRAINT_UNIQUE || sqlite_code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return SAE_EEXIST;
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

static int mapped(int sqlite_code)
{
    return sqlite_code == SQLITE_OK ? 0 : sae_db_error(sqlite_code);
}

/* ---- statements ------------------------------------------------------------------------ */

int sae_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return sae_db_error(rc);
    }
    *out = stmt;
    return 0;
}

void sae_db_finalize(sqlite3_stmt *stmt)
{
    sqlite3_finalize(stmt);
}

void sae_db_reset(sqlite3_stmt *stmt)
{
    if (stmt)
        sqlite3_reset(stmt);
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
    if (cache->count == SAE_DB_CACHE_SIZE) {
        /* A programming error (SAE_DB_CACHE_SIZE too small for the program's statements),
         * which the tests reach on every path. */
        sqlite3_finalize(stmt);
        return SAE_ENOMEM;
    }
    cache->entries[cache->count].sql = sql;
    cache->entries[cache->count].stmt = stmt;
    cache->count++;
    *out = stmt;
    return 0;
}

void sae_db_cache_clear(struct sae_db_cache *cache)
{
    for (size_t i = 0; i < cache->count; i++)
        sqlite3_finalize(cache->entries[i].stmt);
    cache->count = 0;
}

/* A cached statement when there is a cache, else one prepared for this use. */
static int prepare_maybe_cached(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                                sqlite3_stmt **out)
{
    return cache ? sae_db_prepare_cached(db, cache, sql, out) : sae_db_prepare(db, sql, out);
}

static void release(struct sae_db_cache *cache, sqlite3_stmt *stmt)
{
    if (cache)
        sae_db_reset(stmt);
    else
        sae_db_finalize(stmt);
}

int sae_db_bind_int(sqlite3_stmt *stmt, int index, int64_t value)
{
    return mapped(sqlite3_bind_int64(stmt, index, value));
}

int sae_db_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    return mapped(text ? sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC)
                       : sqlite3_bind_null(stmt, index));
}

int sae_db_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, size_t len)
{
    if (len > INT32_MAX)
        return SAE_ETOOBIG;
    return mapped(sqlite3_bind_blob(stmt, index, bytes, (int)len, SQLITE_STATIC));
}

int sae_db_bind_null(sqlite3_stmt *stmt, int index)
{
    return mapped(sqlite3_bind_null(stmt, index));
}

int sae_db_bind_blob_or_null(sqlite3_stmt *stmt, int index, const void *bytes, size_t len)
{
    return bytes ? sae_db_bind_blob(stmt, index, bytes, len) : sae_db_bind_null(stmt, index);
}

int sae_db_bind_ints(sqlite3_stmt *stmt, int first, const int64_t *values, size_t count)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = sae_db_bind_int(stmt, first + (int)i, values[i]);
    return rc;
}

int sae_db_bind_texts(sqlite3_stmt *stmt, int first, const char *const *texts, size_t count)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = sae_db_bind_text(stmt, first + (int)i, texts[i]);
    return rc;
}

int sae_db_param_count(sqlite3_stmt *stmt)
{
    return sqlite3_bind_parameter_count(stmt);
}

int sae_db_step(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return SAE_DB_ROW;
    return rc == SQLITE_DONE ? 0 : sae_db_error(rc);
}

int sae_db_step_done(sqlite3_stmt *stmt)
{
    int rc = sae_db_step(stmt);
    return rc == SAE_DB_ROW ? SAE_EDB : rc;
}

int sae_db_column_dup(sqlite3_stmt *stmt, int column, char **out)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    char *copy = NULL;
    if (text && !(copy = strdup((const char *)text)))
        return SAE_ENOMEM;
    *out = copy;
    return 0;
}

void sae_db_column_copy(sqlite3_stmt *stmt, int column, char *out, size_t size)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    size_t len = text ? strlen((const char *)text) : 0;
    if (size == 0)
        return;
    if (len >= size)
        len = size - 1;
    if (len)
        memcpy(out, text, len);
    out[len] = '\0';
}

bool sae_db_column_is_null(sqlite3_stmt *stmt, int column)
{
    return sqlite3_column_type(stmt, column) == SQLITE_NULL;
}

bool sae_db_column_is_int(sqlite3_stmt *stmt, int column)
{
    return sqlite3_column_type(stmt, column) == SQLITE_INTEGER;
}

bool sae_db_column_is_text(sqlite3_stmt *stmt, int column)
{
    return sqlite3_column_type(stmt, column) == SQLITE_TEXT;
}

/* sql prepared (through cache when there is one) with params bound to ?1, ?2... */
static int prepare_bound(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                         const int64_t *params, size_t param_count, sqlite3_stmt **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_maybe_cached(db, cache, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_ints(stmt, 1, params, param_count);
    if (rc != 0) {
        release(cache, stmt);
        return rc;
    }
    *out = stmt;
    return 0;
}

int sae_db_query_int(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                     const int64_t *params, size_t param_count, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_bound(db, cache, sql, params, param_count, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    release(cache, stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_ENOTFOUND : rc;
}

int sae_db_query_first_text(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                            const char *param, char *first, size_t first_size, int *matches)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_maybe_cached(db, cache, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, param);
    int rows = 0;
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        if (rows++ == 0)
            sae_db_column_copy(stmt, 0, first, first_size);
        rc = 0;
    }
    release(cache, stmt);
    if (rc == 0)
        *matches = rows;
    return rc;
}

int sae_db_query_blob(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                      const char *param, void *out, size_t len)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_maybe_cached(db, cache, sql, &stmt);
    if (rc != 0)
        return rc;
    if (param)
        rc = sae_db_bind_text(stmt, 1, param);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
        rc = SAE_ENOTFOUND;
    else if (rc == SAE_DB_ROW && (size_t)sqlite3_column_bytes(stmt, 0) != len)
        rc = SAE_ECORRUPT;
    else if (rc == SAE_DB_ROW) {
        memcpy(out, sqlite3_column_blob(stmt, 0), len);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ENOTFOUND;
    }
    release(cache, stmt);
    return rc;
}

int sae_db_run(sqlite3 *db, struct sae_db_cache *cache, const char *sql, const int64_t *params,
               size_t param_count)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_bound(db, cache, sql, params, param_count, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_step_done(stmt);
    release(cache, stmt);
    return rc;
}

int sae_db_update_with_blob(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                            const char *const *texts, size_t count, const void *blob,
                            size_t len)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare_maybe_cached(db, cache, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_texts(stmt, 1, texts, count);
    if (rc == 0)
        rc = sae_db_bind_blob_or_null(stmt, (int)count + 1, blob, len);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    release(cache, stmt);
    if (rc == 0 && sqlite3_changes64(db) == 0)
        rc = SAE_ENOTFOUND;
    return rc;
}

int64_t sae_db_changes(sqlite3 *db)
{
    return sqlite3_changes64(db);
}

int64_t sae_db_last_rowid(sqlite3 *db)
{
    return sqlite3_last_insert_rowid(db);
}
