/* The SQLite layer's files (sae_db.h): opening and closing connections, transactions, the
 * schema's migrations and the meta table's settings. Statements and queries are db.c's. */
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

/* ---- connections and transactions -------------------------------------------------------- */

int sae_db_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
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

int sae_db_plan_once(sqlite3 *db)
{
    int on = 0;
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, &on);
    return rc == SQLITE_OK && on == 1 ? 0 : SAE_EDB;
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
