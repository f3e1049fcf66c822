/* SQLite conventions shared by the post's journal and the hub's database: durable settings,
 * numbered migrations through PRAGMA user_version, a meta table of settings, and the
 * mapping of SQLite results to SAE codes. */
#ifndef SAE_DB_H
#define SAE_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"

/* SQLite result code to SAE code: busy, corrupt, out of memory, I/O, or SAE_EDB. */
int sae_db_error(int sqlite_code);

/* Opens path (SQLITE_OPEN_* flags, never following a link) with the busy timeout, extended
 * result codes, WAL, synchronous=FULL and trusted_schema=OFF: a commit that returned is on
 * disk and survives a power cut. */
int sae_db_open(const char *path, int flags, int busy_timeout_ms, sqlite3 **out);

/* Runs SQL that returns no rows. */
int sae_db_exec(sqlite3 *db, const char *sql);

/* Runs a query returning one integer, binding params to ?1, ?2, ... */
int sae_db_query_int(sqlite3 *db, const char *sql, const int64_t *params, size_t param_count,
                     int64_t *out);

/* Applies migrations[user_version .. count-1], each in its own write transaction and each
 * ending with its own "PRAGMA user_version = N". An up-to-date file takes no lock. A file
 * from a newer program gives SAE_ESCHEMA and why names program (e.g. "sae-node"). */
int sae_db_migrate(sqlite3 *db, const char *const *migrations, int count, const char *program,
                   struct sae_message *why);

/* Integer settings in the table meta(key TEXT PRIMARY KEY, value ANY). SAE_ENOTFOUND for a
 * missing key, SAE_ECORRUPT for a value that is not an integer. */
int sae_db_meta_int(sqlite3 *db, const char *key, int64_t *out);
int sae_db_set_meta_int(sqlite3 *db, const char *key, int64_t value);

/* Prepared statements kept for the life of a connection, so that hot paths (one add on a
 * post, one batch at the hub) do not parse the same SQL again and again. Keyed by the SQL
 * text's address: pass static strings. */
#define SAE_DB_CACHE_SIZE 48
struct sae_db_cache {
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } entries[SAE_DB_CACHE_SIZE];
    size_t count;
};

/* The cached statement for sql, reset with its bindings cleared; prepared on first use.
 * The cache owns it: reset it after stepping, never finalize it. */
int sae_db_prepare_cached(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                          sqlite3_stmt **out);
/* Finalizes every cached statement (before sqlite3_close). */
void sae_db_cache_clear(struct sae_db_cache *cache);

#endif
