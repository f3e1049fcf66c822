/* The SQLite layer: the only place where SQLite result codes are read and mapped. */
#include "sae/sae_db.h"
#include "sae/sae_db_vfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- connections and transactions -------------------------------------------------------- */

int sae_db_exec(sqlite3 *db, const char *sql)
{
    return mapped(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

int sae_db_begin(sqlite3 *db) { return sae_db_exec(db, "BEGIN IMMEDIATE"); }
int sae_db_begin_read(sqlite3 *db) { return sae_db_exec(db, "BEGIN"); }
int sae_db_commit(sqlite3 *db) { return sae_db_exec(db, "COMMIT"); }

bool sae_db_in_transaction(sqlite3 *db)
{
    return !sqlite3_get_autocommit(db);
}

void sae_db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
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
    /* Without it (SQLite refused it), SQLite's own VFS: one more directory sync, as safe. */
    const char *vfs = NULL;
    (void)sae_db_vfs_name(&vfs);
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOFOLLOW, vfs);
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

/* "file:" URI for path with every byte outside a safe set percent-encoded. */
static char *immutable_uri(const char *path)
{
    static const char prefix[] = "file:", suffix[] = "?immutable=1";
    size_t len = strlen(path);
    char *uri = malloc(sizeof prefix + len * 3 + sizeof suffix);
    char *o = uri;
    if (!uri)
        return NULL;
    o += sprintf(o, "%s", prefix);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/._-", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    strcpy(o, suffix);
    return uri;
}

/* Not configure(): no busy timeout, WAL or pragma may touch a file read as immutable. */
int sae_db_open_immutable(const char *path, sqlite3 **out)
{
    sqlite3 *db = NULL;
    char *uri = immutable_uri(path);
    if (!uri)
        return SAE_ENOMEM;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return sae_db_error(rc);
    }
    *out = db;
    return 0;
}

int sae_db_close(sqlite3 *db)
{
    return sqlite3_close(db) == SQLITE_OK ? 0 : SAE_EDB;
}

/* SQLite's own auto-checkpoint is PASSIVE: the WAL is written again from its start only by
 * a writer that finds it wholly copied, which a process opening the file never does (its
 * recovery forgets what was copied), so with one process per change the WAL would grow
 * without end. TRUNCATE empties it. A checkpoint kept back by a reader is not an error of
 * the commit that ran this hook (already durable): the next commit tries again. */
static int checkpoint_when_full(void *pages, sqlite3 *db, const char *name, int frames)
{
    if (frames >= (int)(intptr_t)pages)
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return SQLITE_OK;
}

int sae_db_keep_wal_on_close(sqlite3 *db, int checkpoint_pages)
{
    int kept = 0;
    if (checkpoint_pages < 1)
        return SAE_EINVAL;
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &kept);
    if (rc != SQLITE_OK)
        return sae_db_error(rc);
    if (kept != 1)
        return SAE_EDB;
    sqlite3_wal_hook(db, checkpoint_when_full, (void *)(intptr_t)checkpoint_pages);
    return 0;
}

/* ---- schema ------------------------------------------------------------------------------- */

static int schema_version(sqlite3 *db, int *out)
{
    int64_t version = 0;
    int rc = sae_db_query_int(db, NULL, "PRAGMA user_version", NULL, 0, &version);
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
static int migrate(sqlite3 *db, const struct sae_db_schema *schema, struct sae_message *why)
{
    const int count = schema->count;
    int current = 0, err = schema_version(db, &current);
    if (err != 0)
        return err;
    if (current > count)
        return refuse_newer(current, count, schema->program, why);
    if (current == count)
        return 0;
    for (;;) {
        int version = 0, rc = sae_db_begin(db);
        if (rc == 0)
            rc = schema_version(db, &version);
        if (rc == 0 && (version > count || version < 0))
            rc = refuse_newer(version, count, schema->program, why);
        if (rc == 0 && version == count)
            return sae_db_commit(db);
        if (rc == 0)
            rc = sae_db_exec(db, schema->migrations[version]);
        if (rc == 0 && schema->steps && schema->steps[version])
            rc = schema->steps[version](db);
        if (rc == 0)
            rc = sae_db_commit(db);
        if (rc != 0) {
            sae_db_rollback(db);
            return rc;
        }
    }
}

int sae_db_migrate(sqlite3 *db, const char *const *migrations, int count, const char *program,
                   struct sae_message *why)
{
    const struct sae_db_schema schema = {migrations, count, program, NULL};
    return migrate(db, &schema, why);
}

int sae_db_migrate_schema(sqlite3 *db, const struct sae_db_schema *schema,
                          struct sae_message *why)
{
    return migrate(db, schema, why);
}

/* The file exists, 0600, before SQLite opens it: SQLite would create it with the umask's
 * mode and give the same mode to its -wal and -shm files. */
static int make_private_file(const char *path, bool exclusive)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (exclusive ? O_EXCL : 0);
    int fd = open(path, flags, 0600);
    if (fd < 0)
        return exclusive && errno == EEXIST ? SAE_EEXIST : SAE_EIO;
    int rc = fchmod(fd, 0600) == 0 ? 0 : SAE_EIO;
    close(fd);
    return rc;
}

int sae_db_create(const char *path, bool exclusive, int busy_timeout_ms,
                  const struct sae_db_schema *schema,
                  int (*populate)(sqlite3 *db, void *context), void *context,
                  struct sae_message *why)
{
    sqlite3 *db = NULL;
    int rc = make_private_file(path, exclusive);
    if (rc == 0)
        rc = sae_db_open(path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &db);
    if (rc == 0)
        rc = sae_db_migrate_schema(db, schema, why);
    if (rc == 0)
        rc = sae_db_begin(db);
    if (rc == 0) {
        rc = populate(db, context);
        rc = rc == 0 ? sae_db_commit(db) : rc;
        if (rc != 0)
            sae_db_rollback(db);
    }
    if (db && sae_db_close(db) != 0 && rc == 0)
        rc = SAE_EDB;
    return rc;
}

/* ---- settings ------------------------------------------------------------------------------ */

int sae_db_meta_int(sqlite3 *db, const char *key, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, "SELECT value FROM meta WHERE key = ?1", &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, key);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW && !sae_db_column_is_int(stmt, 0))
        rc = SAE_ECORRUPT;
    else if (rc == SAE_DB_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    sae_db_finalize(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_ENOTFOUND : rc;
}

int sae_db_meta_identity(sqlite3 *db, const char *text_key, const char *int_key, char **text,
                         int64_t *value)
{
    static const char sql[] = "SELECT (SELECT value FROM meta WHERE key = ?1),"
                              " (SELECT value FROM meta WHERE key = ?2)";
    sqlite3_stmt *stmt = NULL;
    char *copy = NULL;
    int rc = sae_db_prepare(db, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, text_key);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, int_key);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_EDB; /* the query always returns a row */
    if (rc == SAE_DB_ROW)
        rc = sae_db_column_is_text(stmt, 0) && sae_db_column_is_int(stmt, 1) ? 0 : SAE_ENOTINIT;
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 0, &copy);
    if (rc == 0) {
        *text = copy;
        *value = sqlite3_column_int64(stmt, 1);
    }
    sae_db_finalize(stmt);
    return rc;
}

int sae_db_set_meta_int(sqlite3 *db, const char *key, int64_t value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, key);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, value);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    return rc;
}
