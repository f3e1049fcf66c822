/* The node directory and journal database: creation, opening, migrations, identity. */
#include "node_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "node_store_internal.h"
#include "store_util.h"

/* Numbered schema migrations: entry i takes user_version from i to i + 1. Append only. */
static const char *const migrations[] = {
    /* 1: the journal of field changes and the state derived from it. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT;"
    "CREATE TABLE journal("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL,"
    "  base_origin INTEGER NOT NULL) STRICT;"
    "CREATE INDEX journal_by_report ON journal(report_id, seq);"
    "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE TABLE report("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  first_seq INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX report_by_kind ON report(kind, first_seq);"
    "CREATE INDEX report_by_seq ON report(first_seq);"
    "CREATE TABLE report_field("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 1;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == NODE_SCHEMA_VERSION,
               "one migration per schema version");

int node_store_error(int sqlite_code)
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

int node_db_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : node_store_error(rc);
}

static int query_int(sqlite3 *db, const char *sql, const int64_t *params, size_t param_count,
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
    return rc == SQLITE_OK ? 0 : node_store_error(rc);
}

static int schema_version(sqlite3 *db, int *out)
{
    int64_t version = 0;
    int rc = query_int(db, "PRAGMA user_version", NULL, 0, &version);
    if (rc == 0)
        *out = (int)version;
    return rc;
}

static int refuse_newer(int version, struct sae_message *why)
{
    sae_message_set(why, "the journal was written by a newer sae-node (schema %d, this program "
                    "knows %d); install the newer sae-node", version, NODE_SCHEMA_VERSION);
    return SAE_ESCHEMA;
}

/* Applies the missing migrations, each in its own write transaction; the version is read
 * again inside the transaction so that two processes never apply one twice. An up-to-date
 * journal takes no lock, so read-only commands never wait for a writer. */
int node_db_migrate(sqlite3 *db, struct sae_message *why)
{
    int current = 0, err = schema_version(db, &current);
    if (err != 0)
        return err;
    if (current > NODE_SCHEMA_VERSION)
        return refuse_newer(current, why);
    if (current == NODE_SCHEMA_VERSION)
        return 0;
    for (;;) {
        int version = 0, rc = node_db_exec(db, "BEGIN IMMEDIATE");
        if (rc == 0)
            rc = schema_version(db, &version);
        if (rc == 0 && version > NODE_SCHEMA_VERSION)
            rc = refuse_newer(version, why);
        if (rc == 0 && version == NODE_SCHEMA_VERSION) {
            return node_db_exec(db, "COMMIT");
        }
        if (rc == 0)
            rc = node_db_exec(db, migrations[version]);
        if (rc == 0)
            rc = node_db_exec(db, "COMMIT");
        if (rc != 0) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
}

static int configure(sqlite3 *db, int busy_timeout_ms)
{
    int rc = sqlite3_busy_timeout(db, busy_timeout_ms);
    if (rc != SQLITE_OK)
        return node_store_error(rc);
    rc = sqlite3_extended_result_codes(db, 1);
    if (rc != SQLITE_OK)
        return node_store_error(rc);
    /* WAL keeps readers from blocking a writer; FULL syncs the WAL on every commit, so a
     * report the CLI said was saved survives a power cut. */
    int err = node_db_exec(db, "PRAGMA journal_mode=WAL");
    if (err == 0)
        err = node_db_exec(db, "PRAGMA synchronous=FULL");
    if (err == 0)
        err = node_db_exec(db, "PRAGMA trusted_schema=OFF");
    return err;
}

int node_db_open(const char *path, int flags, int busy_timeout_ms, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return node_store_error(rc);
    }
    int err = configure(db, busy_timeout_ms);
    if (err != 0) {
        sqlite3_close(db);
        return err;
    }
    *out = db;
    return 0;
}

/* Reads the village; SAE_ENOTINIT when the journal exists but init never finished. */
int node_db_load_identity(sqlite3 *db, char **village, uint64_t *origin)
{
    static const char sql[] = "SELECT (SELECT value FROM meta WHERE key = 'village'),"
                              " (SELECT value FROM meta WHERE key = 'origin')";
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTINIT;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return node_store_error(rc);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        err = node_store_error(rc);
    } else if (sqlite3_column_type(stmt, 0) == SQLITE_TEXT &&
               sqlite3_column_type(stmt, 1) == SQLITE_INTEGER) {
        char *copy = strdup((const char *)sqlite3_column_text(stmt, 0));
        err = copy ? 0 : SAE_ENOMEM;
        if (copy) {
            *village = copy;
            *origin = (uint64_t)sqlite3_column_int64(stmt, 1);
        }
    }
    sqlite3_finalize(stmt);
    return err;
}

/* Survivors' data: refuse a directory or journal other users could read. */
static int check_permissions(const char *dir, const char *db_path, struct sae_message *why)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sae_message_set(why, "%s is not an initialised sae-node directory; run: sae-node -d %s "
                        "init --village NAME", dir, dir);
        return SAE_ENOTINIT;
    }
    if (st.st_mode & 077) {
        sae_message_set(why, "%s can be read by other users; run: chmod 700 %s", dir, dir);
        return SAE_EPERM;
    }
    if (stat(db_path, &st) != 0) {
        sae_message_set(why, "%s is not an initialised sae-node directory; run: sae-node -d %s "
                        "init --village NAME", dir, dir);
        return SAE_ENOTINIT;
    }
    if (st.st_mode & 077) {
        sae_message_set(why, "%s can be read by other users; run: chmod 600 %s", db_path, db_path);
        return SAE_EPERM;
    }
    return 0;
}

static void explain_open_failure(int rc, const char *dir, const char *db_path,
                                 struct sae_message *why)
{
    if (why && why->text[0] != '\0')
        return;
    switch (rc) {
    case SAE_ECORRUPT:
        sae_message_set(why, "the journal %s is damaged (not a valid database); restore it "
                        "from a backup", db_path);
        break;
    case SAE_EBUSY:
        sae_message_set(why, "the journal in %s is in use by another sae-node process; try "
                        "again when it has finished", dir);
        break;
    case SAE_ENOTINIT:
        sae_message_set(why, "%s is not an initialised sae-node directory; run: sae-node -d %s "
                        "init --village NAME", dir, dir);
        break;
    default:
        sae_message_set(why, "cannot open the journal %s: %s", db_path, sae_error_name(rc));
    }
}

int node_store_open(const char *dir, int busy_timeout_ms, struct node_store **out,
                    struct sae_message *why)
{
    struct node_store *store = calloc(1, sizeof *store);
    char *db_path = store_path_join(dir, NODE_DB_FILE);
    int rc = store && db_path ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = check_permissions(dir, db_path, why);
    if (rc == 0)
        rc = node_db_open(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &store->db);
    if (rc == 0)
        rc = node_db_migrate(store->db, why);
    if (rc == 0)
        rc = node_db_load_identity(store->db, &store->village, &store->origin);
    if (rc == 0 && !(store->dir = strdup(dir)))
        rc = SAE_ENOMEM;
    if (rc != 0) {
        explain_open_failure(rc, dir, db_path, why);
        node_store_close(store);
    } else {
        *out = store;
    }
    free(db_path);
    return rc;
}

void node_store_close(struct node_store *store)
{
    if (!store)
        return;
    sqlite3_close(store->db);
    free(store->dir);
    free(store->village);
    free(store);
}

int node_store_begin(struct node_store *store) { return node_db_exec(store->db, "BEGIN IMMEDIATE"); }
int node_store_commit(struct node_store *store) { return node_db_exec(store->db, "COMMIT"); }
void node_store_rollback(struct node_store *store)
{
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int node_store_meta_int(struct node_store *store, const char *key, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE key = ?1", -1, &stmt,
                                NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        err = sqlite3_column_type(stmt, 0) == SQLITE_INTEGER ? 0 : SAE_ECORRUPT;
        if (err == 0)
            *out = sqlite3_column_int64(stmt, 0);
    } else if (rc != SQLITE_DONE) {
        err = node_store_error(rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

int node_store_query_int(struct node_store *store, const char *sql, const int64_t *params,
                         size_t param_count, int64_t *out)
{
    return query_int(store->db, sql, params, param_count, out);
}

int node_store_set_meta_int(struct node_store *store, const char *key, int64_t value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", -1,
                                &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, value);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : node_store_error(rc);
}

int node_store_next_version(struct node_store *store, sae_hlc *out)
{
    int64_t last = 0, newest = 0;
    sae_hlc next;
    int rc = node_store_meta_int(store, "clock", &last);
    /* Never issue a version below the newest one written: were the stored clock ever behind
     * (a file restored by hand), last-writer-wins would silently drop the new change. */
    if (rc == 0)
        rc = node_store_query_int(store,
                                  "SELECT coalesce((SELECT version FROM journal"
                                  " ORDER BY seq DESC LIMIT 1), 0)", NULL, 0, &newest);
    if (rc == 0 && newest > last)
        last = newest;
    if (rc == 0 && last < 0)
        rc = SAE_ECORRUPT;
    if (rc == 0)
        rc = sae_hlc_tick((sae_hlc)last, sae_wall_clock_ms(), &next);
    if (rc == 0)
        rc = node_store_set_meta_int(store, "clock", (int64_t)next);
    if (rc == 0)
        *out = next;
    return rc;
}

int node_store_default_dir(char **out)
{
    const char *env = getenv("SAE_NODE_DIR");
    char *path = NULL;
    if (env && *env) {
        path = strdup(env);
    } else if ((env = getenv("XDG_DATA_HOME")) && *env == '/') {
        path = store_path_join(env, "sae-node");
    } else if ((env = getenv("HOME")) && *env) {
        path = store_path_join(env, ".local/share/sae-node");
    } else {
        return SAE_ENOTFOUND;
    }
    if (!path)
        return SAE_ENOMEM;
    *out = path;
    return 0;
}
