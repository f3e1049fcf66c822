/* The node directory and journal database: creation, opening, migrations, identity. */
#include "node_store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_validate.h"
#include "sae/sae_limits.h"
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

static int mkdir_parents(const char *path)
{
    char *copy = strdup(path);
    int rc = 0;
    if (!copy)
        return SAE_ENOMEM;
    for (char *p = copy + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST)
            rc = SAE_EIO;
        *p = '/';
    }
    if (rc == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
        rc = SAE_EIO;
    free(copy);
    return rc;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    int rc = 0;
    if (fd < 0)
        return SAE_EIO;
    if (fsync(fd) != 0)
        rc = SAE_EIO;
    close(fd);
    return rc;
}

/* Writes the secret key durably: a temporary file, fsync, rename, fsync of the directory. */
static int write_key_file(const char *dir, const unsigned char *secret, size_t len)
{
    char *tmp = store_path_join(dir, NODE_KEY_FILE ".tmp");
    char *final = store_path_join(dir, NODE_KEY_FILE);
    int rc = SAE_ENOMEM, fd = -1;
    if (!tmp || !final)
        goto out;
    rc = SAE_EIO;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, secret, len) != (ssize_t)len || fsync(fd) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, final) != 0)
        goto out;
    rc = fsync_path(dir, O_RDONLY | O_DIRECTORY);
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(final);
    return rc;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : node_store_error(rc);
}

static int schema_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(stmt, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : node_store_error(rc);
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
static int migrate(sqlite3 *db, struct sae_message *why)
{
    int current = 0, err = schema_version(db, &current);
    if (err != 0)
        return err;
    if (current > NODE_SCHEMA_VERSION)
        return refuse_newer(current, why);
    if (current == NODE_SCHEMA_VERSION)
        return 0;
    for (;;) {
        int version = 0, rc = exec_sql(db, "BEGIN IMMEDIATE");
        if (rc == 0)
            rc = schema_version(db, &version);
        if (rc == 0 && version > NODE_SCHEMA_VERSION)
            rc = refuse_newer(version, why);
        if (rc == 0 && version == NODE_SCHEMA_VERSION) {
            return exec_sql(db, "COMMIT");
        }
        if (rc == 0)
            rc = exec_sql(db, migrations[version]);
        if (rc == 0)
            rc = exec_sql(db, "COMMIT");
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
    int err = exec_sql(db, "PRAGMA journal_mode=WAL");
    if (err == 0)
        err = exec_sql(db, "PRAGMA synchronous=FULL");
    if (err == 0)
        err = exec_sql(db, "PRAGMA trusted_schema=OFF");
    return err;
}

static int open_db(const char *path, int flags, int busy_timeout_ms, sqlite3 **out)
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

static int derive_origin(const unsigned char *public_key, uint64_t *out)
{
    unsigned char hash[crypto_generichash_BYTES_MIN];
    uint64_t origin = 0;
    if (crypto_generichash(hash, sizeof hash, public_key, crypto_box_PUBLICKEYBYTES, NULL, 0) != 0)
        return SAE_ECRYPTO;
    for (size_t i = 0; i < 8; i++)
        origin = origin << 8 | hash[i];
    /* 63 bits, so SQLite stores and orders it as a non-negative integer. */
    *out = origin & INT64_MAX;
    return 0;
}

static int insert_identity(sqlite3 *db, const char *village, const unsigned char *public_key,
                           uint64_t origin)
{
    static const char sql[] = "INSERT OR REPLACE INTO meta(key, value) VALUES"
                              " ('village', ?1), ('origin', ?2), ('public_key', ?3),"
                              " ('clock', 0), ('acked_seq', 0), ('created_ms', ?4)";
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, village, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, (sqlite3_int64)origin);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(stmt, 3, public_key, crypto_box_PUBLICKEYBYTES, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, (sqlite3_int64)sae_wall_clock_ms());
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : node_store_error(rc);
}

/* Reads the village; SAE_ENOTINIT when the journal exists but init never finished. */
static int load_identity(sqlite3 *db, char **village, uint64_t *origin)
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

/* Whether db_path holds a journal that init finished (or something unreadable that must not
 * be overwritten). Read as an immutable file: no lock, no -wal or -shm left behind. The
 * identity is checkpointed into the main file when init closes, so only a crash during init
 * itself leaves it in the WAL alone, and then running init again is right. */
static int is_initialised(const char *db_path)
{
    sqlite3 *db = NULL;
    char *village = NULL, *uri;
    uint64_t origin;
    struct stat st;
    if (stat(db_path, &st) != 0)
        return 0;
    if (!(uri = immutable_uri(db_path)))
        return 1;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    int found = rc != SQLITE_OK || load_identity(db, &village, &origin) != SAE_ENOTINIT;
    free(village);
    sqlite3_close(db);
    return found;
}

static int create_journal(const char *db_path, const char *village,
                          const unsigned char *public_key, uint64_t origin,
                          struct sae_message *why)
{
    sqlite3 *db = NULL;
    /* The file is made 0600 here, whatever the caller's umask: SQLite would create it 0644
     * and give the same mode to its -wal and -shm files. */
    int fd = open(db_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return SAE_EIO;
    int rc = fchmod(fd, 0600) == 0 ? 0 : SAE_EIO;
    close(fd);
    if (rc == 0)
        rc = open_db(db_path, SQLITE_OPEN_READWRITE, NODE_BUSY_TIMEOUT_MS_DEFAULT, &db);
    if (rc == 0)
        rc = migrate(db, why);
    if (rc == 0)
        rc = exec_sql(db, "BEGIN IMMEDIATE");
    if (rc == 0) {
        rc = insert_identity(db, village, public_key, origin);
        rc = rc == 0 ? exec_sql(db, "COMMIT") : rc;
        if (rc != 0)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (db && sqlite3_close(db) != SQLITE_OK && rc == 0)
        rc = SAE_EDB;
    return rc;
}

int node_store_create(const char *dir, const char *village, struct sae_message *why)
{
    unsigned char public_key[crypto_box_PUBLICKEYBYTES], secret_key[crypto_box_SECRETKEYBYTES];
    uint64_t origin = 0;
    char *db_path = NULL;
    int rc;
    if (sae_validate_name(village, SAE_LIMIT_VILLAGE_BYTES) != 0) {
        sae_message_set(why, "village name must be 1 to %d bytes of UTF-8 text on one line",
                        SAE_LIMIT_VILLAGE_BYTES);
        return SAE_EINVAL;
    }
    if (mkdir_parents(dir) != 0 || chmod(dir, 0700) != 0) {
        sae_message_set(why, "cannot create directory %s: %s", dir, strerror(errno));
        return SAE_EIO;
    }
    db_path = store_path_join(dir, NODE_DB_FILE);
    if (!db_path)
        return SAE_ENOMEM;
    if (is_initialised(db_path)) {
        sae_message_set(why, "%s already holds a journal; use another directory with -d DIR",
                        dir);
        free(db_path);
        return SAE_EEXIST;
    }
    rc = crypto_box_keypair(public_key, secret_key) == 0 ? 0 : SAE_ECRYPTO;
    if (rc == 0)
        rc = derive_origin(public_key, &origin);
    if (rc == 0)
        rc = write_key_file(dir, secret_key, sizeof secret_key);
    sodium_memzero(secret_key, sizeof secret_key);
    if (rc == 0)
        rc = create_journal(db_path, village, public_key, origin, why);
    if (rc != 0 && why && why->text[0] == '\0')
        sae_message_set(why, "cannot initialise %s: %s", dir, sae_error_name(rc));
    free(db_path);
    return rc;
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
        rc = open_db(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &store->db);
    if (rc == 0)
        rc = migrate(store->db, why);
    if (rc == 0)
        rc = load_identity(store->db, &store->village, &store->origin);
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

int node_store_begin(struct node_store *store) { return exec_sql(store->db, "BEGIN IMMEDIATE"); }
int node_store_commit(struct node_store *store) { return exec_sql(store->db, "COMMIT"); }
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
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
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
