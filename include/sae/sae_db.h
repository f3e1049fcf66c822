/* The one SQLite layer of both programs (the post's journal and the hub's database): opening
 * with durable settings, creating a database file, numbered migrations through PRAGMA
 * user_version, a meta table of settings, a statement cache, and bind/step/column helpers.
 *
 * Every function returns 0 or a negative SAE code: SQLite result codes are mapped here and
 * nowhere else. Statements are static const char[] (the cache is keyed by their address). */
#ifndef SAE_DB_H
#define SAE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"

/* SQLite result code to SAE code: busy, corrupt, out of memory, I/O, a UNIQUE or PRIMARY KEY
 * violation (SAE_EEXIST), or SAE_EDB. */
int sae_db_error(int sqlite_code);

/* Opens path (SQLITE_OPEN_* flags, never following a link) with the busy timeout, extended
 * result codes, WAL, synchronous=FULL and trusted_schema=OFF: a commit that returned is on
 * disk and survives a power cut. Through the VFS of sae_db_vfs.h: a commit into a WAL whose
 * directory entry is durable costs one sync, not two. */
int sae_db_open(const char *path, int flags, int busy_timeout_ms, sqlite3 **out);
/* Opens path read-only as an immutable file: no lock is taken and no -wal or -shm is made,
 * so a file that may not be a finished database is looked at without being touched. */
int sae_db_open_immutable(const char *path, sqlite3 **out);
/* Closes db (NULL is allowed); SAE_EDB when SQLite refuses (a statement left unfinalized). */
int sae_db_close(sqlite3 *db);
/* The last connection's close then leaves the WAL as it is instead of checkpointing it into
 * the main file (two more syncs) and deleting it (a directory sync when it is next made):
 * a short-lived process pays one durable sync per commit. The first commit that leaves
 * checkpoint_pages pages (>= 1) or more in the WAL copies it into the main file and
 * truncates it, so the WAL on disk stays near that size; it is opened, read and backed up
 * with the main file as always. */
int sae_db_keep_wal_on_close(sqlite3 *db, int checkpoint_pages);

/* Every cached statement keeps its first plan (SQLite's query planner stability guarantee).
 * A statement comparing a column with a bound parameter, where a partial index names a
 * literal of that column, would otherwise be planned again at every new binding; a query
 * that names the literal itself still uses the partial index. */
int sae_db_plan_once(sqlite3 *db);

/* What a migration's SQL cannot do (rows computed by C code, such as names resolved
 * against the official list of areas): runs inside that migration's transaction, after
 * its SQL. 0 or an SAE code; a failure rolls the whole migration back. */
typedef int (*sae_db_migration_step)(sqlite3 *db);

/* A program's schema: migrations[i] takes user_version from i to i + 1; program names the
 * program in the message about a file from a newer one (e.g. "sae-node"). steps, when not
 * NULL, has count entries: steps[i] (NULL for none) runs after migrations[i]. */
struct sae_db_schema {
    const char *const *migrations;
    int count;
    const char *program;
    const sae_db_migration_step *steps;
};

/* Creates path as a new database of schema: the file is made 0600 before SQLite opens it,
 * whatever the umask (SQLite gives its -wal and -shm the same mode), migrated, then
 * populate(db, context) runs in one write transaction (a program's identity), and the file is
 * closed. exclusive: SAE_EEXIST when path exists; otherwise an existing file is reused (an
 * init that crashed half-way runs again). */
int sae_db_create(const char *path, bool exclusive, int busy_timeout_ms,
                  const struct sae_db_schema *schema,
                  int (*populate)(sqlite3 *db, void *context), void *context,
                  struct sae_message *why);

/* Applies migrations[user_version .. count-1], each in its own write transaction and each
 * ending with its own "PRAGMA user_version = N". An up-to-date file takes no lock. A file
 * from a newer program gives SAE_ESCHEMA and why names the program. */
int sae_db_migrate(sqlite3 *db, const char *const *migrations, int count, const char *program,
                   struct sae_message *why);
/* The same, for a schema, with its steps. */
int sae_db_migrate_schema(sqlite3 *db, const struct sae_db_schema *schema,
                          struct sae_message *why);

/* Runs SQL that returns no rows (several statements allowed). */
int sae_db_exec(sqlite3 *db, const char *sql);
/* BEGIN IMMEDIATE: the write lock up front, so two processes queue on the busy timeout
 * instead of failing half-way. */
int sae_db_begin(sqlite3 *db);
/* BEGIN (deferred): a read transaction, for a consistent view across several queries. */
int sae_db_begin_read(sqlite3 *db);
int sae_db_commit(sqlite3 *db);
/* Whether a transaction is open on db (the caller's, when a function may join one). */
bool sae_db_in_transaction(sqlite3 *db);
/* Rolls back the open transaction, if any (nothing to report: the caller already failed). */
void sae_db_rollback(sqlite3 *db);

/* Prepared statements kept for the life of a connection, so that hot paths (one add on a
 * post, one batch at the hub) do not parse the same SQL again and again. Keyed by the SQL
 * text's address: pass static strings. */
#define SAE_DB_CACHE_SIZE 160
struct sae_db_cache {
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } entries[SAE_DB_CACHE_SIZE];
    size_t count;
};

/* The cached statement for sql, reset with its bindings cleared; prepared on first use.
 * The cache owns it: reset it after stepping (sae_db_reset), never finalize it. A statement
 * is one cursor: never step it again while an earlier use still reads its rows. */
int sae_db_prepare_cached(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                          sqlite3_stmt **out);
/* Finalizes every cached statement (before closing the connection). */
void sae_db_cache_clear(struct sae_db_cache *cache);

/* A statement prepared for one use (SQL built at run time, or a connection without a
 * cache): finalize it with sae_db_finalize. */
int sae_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out);
void sae_db_finalize(sqlite3_stmt *stmt);
/* Ends a use of a cached statement: its read ends, its locks go. NULL is allowed. */
void sae_db_reset(sqlite3_stmt *stmt);

/* Binds to ?index. Text and blobs are not copied: they must stay valid until the statement
 * is reset. A NULL text binds SQL NULL. */
int sae_db_bind_int(sqlite3_stmt *stmt, int index, int64_t value);
int sae_db_bind_text(sqlite3_stmt *stmt, int index, const char *text);
int sae_db_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, size_t len);
int sae_db_bind_null(sqlite3_stmt *stmt, int index);
/* Binds len bytes, or SQL NULL when bytes is NULL (a key wrap that a row may lack). */
int sae_db_bind_blob_or_null(sqlite3_stmt *stmt, int index, const void *bytes, size_t len);
/* Binds values[i] to ?(first + i). */
int sae_db_bind_ints(sqlite3_stmt *stmt, int first, const int64_t *values, size_t count);
/* Binds texts[i] to ?(first + i) (NULL binds SQL NULL). */
int sae_db_bind_texts(sqlite3_stmt *stmt, int first, const char *const *texts, size_t count);

/* How many ?N parameters the statement has. */
int sae_db_param_count(sqlite3_stmt *stmt);

/* What sae_db_step returns when a row is ready; 0 means the statement has finished. */
#define SAE_DB_ROW 1
int sae_db_step(sqlite3_stmt *stmt);
/* Steps a statement that returns no row (INSERT, UPDATE, DELETE): 0 when it finished. */
int sae_db_step_done(sqlite3_stmt *stmt);

/* Column readers. A NULL text gives *out = NULL; SAE_ENOMEM when the copy fails. */
int sae_db_column_dup(sqlite3_stmt *stmt, int column, char **out);
/* Copies a text column into out (size bytes, NUL-terminated, cut at size - 1 bytes); a NULL
 * column gives "". */
void sae_db_column_copy(sqlite3_stmt *stmt, int column, char *out, size_t size);
bool sae_db_column_is_null(sqlite3_stmt *stmt, int column);
bool sae_db_column_is_int(sqlite3_stmt *stmt, int column);
bool sae_db_column_is_text(sqlite3_stmt *stmt, int column);

/* Runs a query returning one integer, binding params to ?1, ?2..., through cache when it is
 * not NULL (sql then static). A query that returns no row gives SAE_ENOTFOUND and leaves
 * *out alone. */
int sae_db_query_int(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                     const int64_t *params, size_t param_count, int64_t *out);
/* Runs a query with one text parameter (?1), through cache when it is not NULL: copies the
 * first row's first column into first (first_size bytes, as sae_db_column_copy; untouched
 * when there is no row) and counts every row into *matches. For lookups that must find
 * exactly one. */
int sae_db_query_first_text(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                            const char *param, char *first, size_t first_size, int *matches);
/* Runs a query with one text parameter (?1; none when param is NULL), through cache when it
 * is not NULL, and copies the first row's first column, a blob of exactly len bytes, into
 * out (a key, a wrap). SAE_ENOTFOUND: no row, or NULL; SAE_ECORRUPT: another size. */
int sae_db_query_blob(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                      const char *param, void *out, size_t len);
/* Runs a statement that returns no row (INSERT, UPDATE), binding params to ?1, ?2...,
 * through cache when it is not NULL. */
int sae_db_run(sqlite3 *db, struct sae_db_cache *cache, const char *sql, const int64_t *params,
               size_t param_count);
/* Runs sql, an UPDATE, with texts[i] bound to ?(i + 1) and blob (len bytes; SQL NULL when
 * blob is NULL) to ?(count + 1), through cache when it is not NULL. SAE_ENOTFOUND: it
 * changed no row (no such row, or its condition no longer holds). */
int sae_db_update_with_blob(sqlite3 *db, struct sae_db_cache *cache, const char *sql,
                            const char *const *texts, size_t count, const void *blob,
                            size_t len);
/* Rows changed by the last INSERT, UPDATE or DELETE on db. */
int64_t sae_db_changes(sqlite3 *db);
/* The rowid of the last INSERT on db. */
int64_t sae_db_last_rowid(sqlite3 *db);

/* Integer settings in the table meta(key TEXT PRIMARY KEY, value ANY). SAE_ENOTFOUND for a
 * missing key, SAE_ECORRUPT for a value that is not an integer. */
int sae_db_meta_int(sqlite3 *db, const char *key, int64_t *out);
int sae_db_set_meta_int(sqlite3 *db, const char *key, int64_t value);
/* A program's identity in meta: a text (*text, malloc'd) and an integer. SAE_ENOTINIT when
 * either is missing or of another type (a file whose init never finished). */
int sae_db_meta_identity(sqlite3 *db, const char *text_key, const char *int_key, char **text,
                         int64_t *value);

#endif
