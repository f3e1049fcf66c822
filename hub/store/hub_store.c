/* hub.db: schema, identity, clock and the enrolled posts. */
#include "store/hub_store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_envelope.h"

/* Numbered migrations: entry i takes user_version from i to i + 1. Append only. */
static const char *const migrations[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT;"
    /* Enrolled devices. id is the origin id derived from the public key. */
    "CREATE TABLE node("
    "  id INTEGER PRIMARY KEY,"
    "  village TEXT NOT NULL,"
    "  device_name TEXT NOT NULL,"
    "  public_key BLOB NOT NULL UNIQUE,"
    "  enrolled_ms INTEGER NOT NULL,"
    "  last_seen_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_batch_ms INTEGER NOT NULL DEFAULT 0,"
    "  acked_seq INTEGER NOT NULL DEFAULT 0,"
    "  clock_offset_ms INTEGER NOT NULL DEFAULT 0,"
    "  revoked_ms INTEGER NOT NULL DEFAULT 0) STRICT;"
    /* One-time enrollment tokens; only a hash of the token is kept. */
    "CREATE TABLE enroll_token("
    "  token_hash BLOB PRIMARY KEY NOT NULL,"
    "  village TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  used_ms INTEGER NOT NULL DEFAULT 0,"
    "  node_id INTEGER NOT NULL DEFAULT 0) STRICT, WITHOUT ROWID;"
    "CREATE TABLE report("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  village TEXT NOT NULL,"
    "  first_change INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX report_by_village ON report(village, first_change);"
    /* Every change ever accepted, winners and losers alike. seq is the hub's order: pull
     * cursors point into it. */
    "CREATE TABLE change("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  village TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL,"
    "  base_origin INTEGER NOT NULL,"
    "  node_seq INTEGER NOT NULL,"
    "  seen_cursor INTEGER NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  author TEXT,"
    "  held INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(origin, node_seq)) STRICT;"
    "CREATE INDEX change_by_field ON change(report_id, field);"
    "CREATE INDEX change_by_village ON change(village, seq);"
    "CREATE TRIGGER change_no_delete BEFORE DELETE ON change"
    "  BEGIN SELECT RAISE(ABORT, 'changes are never deleted'); END;"
    /* A resolution supersedes every candidate of its conflict: its extra parents. */
    "CREATE TABLE change_parent("
    "  child INTEGER NOT NULL,"
    "  parent INTEGER NOT NULL,"
    "  PRIMARY KEY(child, parent)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX change_parent_by_parent ON change_parent(parent);"
    /* Derived: the winning change of each field. */
    "CREATE TABLE field_state("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  change INTEGER NOT NULL,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE conflict("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  severity TEXT NOT NULL CHECK (severity IN ('hard', 'soft')),"
    "  reason TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),"
    "  opened_ms INTEGER NOT NULL,"
    "  resolved_ms INTEGER NOT NULL DEFAULT 0,"
    "  resolved_by TEXT,"
    "  note TEXT,"
    "  resolution INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE UNIQUE INDEX conflict_open ON conflict(report_id, field) WHERE status = 'open';"
    "CREATE TABLE conflict_candidate("
    "  conflict INTEGER NOT NULL,"
    "  change INTEGER NOT NULL,"
    "  PRIMARY KEY(conflict, change)) STRICT, WITHOUT ROWID;"
    /* What was answered to each batch, so a replay gets the same answer. */
    "CREATE TABLE push_ack("
    "  origin INTEGER NOT NULL,"
    "  last_seq INTEGER NOT NULL,"
    "  ack BLOB NOT NULL,"
    "  PRIMARY KEY(origin, last_seq)) STRICT, WITHOUT ROWID;"
    /* Changes refused for good (unknown field, wrong village...): kept for the operator. */
    "CREATE TABLE refusal("
    "  origin INTEGER NOT NULL,"
    "  node_seq INTEGER NOT NULL,"
    "  code INTEGER NOT NULL,"
    "  message TEXT NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(origin, node_seq)) STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 1;",
    /* 2: a change, once received, is never rewritten either (1 only refused DELETE). */
    "CREATE TRIGGER change_no_update BEFORE UPDATE ON change"
    "  BEGIN SELECT RAISE(ABORT, 'changes are never changed'); END;"
    "PRAGMA user_version = 2;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == HUB_SCHEMA_VERSION,
               "one migration per schema version");

static int bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    return sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);
}

static int insert_identity(sqlite3 *db, const char *name, const uint8_t public_key[32],
                           uint64_t hub_id)
{
    static const char sql[] = "INSERT INTO meta(key, value) VALUES ('name', ?1), ('hub_id', ?2),"
                              " ('public_key', ?3), ('clock', 0), ('district_seq', 0)";
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 1, name);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, (sqlite3_int64)hub_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(stmt, 3, public_key, 32, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

int hub_store_create(const char *db_path, const char *name, const uint8_t public_key[32],
                     struct sae_message *why)
{
    sqlite3 *db = NULL;
    uint64_t hub_id = 0;
    /* Made 0600 before SQLite opens it, whatever the umask; -wal and -shm follow it. */
    int fd = open(db_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        sae_message_set(why, "%s already exists; the hub is initialised there", db_path);
        return SAE_EEXIST;
    }
    int rc = fchmod(fd, 0600) == 0 ? 0 : SAE_EIO;
    close(fd);
    if (rc == 0)
        rc = sae_origin_from_public_key(public_key, &hub_id);
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, HUB_BUSY_TIMEOUT_MS_DEFAULT, &db);
    if (rc == 0)
        rc = sae_db_migrate(db, migrations, HUB_SCHEMA_VERSION, "sae-hub", why);
    if (rc == 0)
        rc = sae_db_exec(db, "BEGIN IMMEDIATE");
    if (rc == 0) {
        rc = insert_identity(db, name, public_key, hub_id);
        rc = rc == 0 ? sae_db_exec(db, "COMMIT") : rc;
        if (rc != 0)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (db && sqlite3_close(db) != SQLITE_OK && rc == 0)
        rc = SAE_EDB;
    if (rc != 0 && why && why->text[0] == '\0')
        sae_message_set(why, "cannot create %s: %s", db_path, sae_error_name(rc));
    return rc;
}

static int load_identity(struct hub_store *store)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTINIT;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT (SELECT value FROM meta WHERE key = 'name'),"
                                " (SELECT value FROM meta WHERE key = 'hub_id')",
                                -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        err = sae_db_error(rc);
    } else if (sqlite3_column_type(stmt, 0) == SQLITE_TEXT &&
               sqlite3_column_type(stmt, 1) == SQLITE_INTEGER) {
        store->name = strdup((const char *)sqlite3_column_text(stmt, 0));
        store->hub_id = (uint64_t)sqlite3_column_int64(stmt, 1);
        err = store->name ? 0 : SAE_ENOMEM;
    }
    sqlite3_finalize(stmt);
    return err;
}

int hub_store_open(const char *db_path, int busy_timeout_ms, struct hub_store **out,
                   struct sae_message *why)
{
    struct stat st;
    if (stat(db_path, &st) != 0) {
        sae_message_set(why, "%s does not exist; initialise the hub with: sae-hub -d DIR init",
                        db_path);
        return SAE_ENOTINIT;
    }
    struct hub_store *store = calloc(1, sizeof *store);
    int rc = store ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &store->db);
    if (rc == 0)
        rc = sae_db_migrate(store->db, migrations, HUB_SCHEMA_VERSION, "sae-hub", why);
    if (rc == 0)
        rc = load_identity(store);
    if (rc != 0) {
        if (why && why->text[0] == '\0')
            sae_message_set(why, "cannot open %s: %s", db_path, sae_error_name(rc));
        hub_store_close(store);
        return rc;
    }
    *out = store;
    return 0;
}

void hub_store_close(struct hub_store *store)
{
    if (!store)
        return;
    sae_db_cache_clear(&store->statements);
    sqlite3_close(store->db);
    free(store->name);
    free(store);
}

int hub_store_prepare(struct hub_store *store, const char *sql, sqlite3_stmt **out)
{
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, out);
    return rc == 0 ? SQLITE_OK : rc == SAE_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

int hub_store_query_int(struct hub_store *store, const char *sql, const int64_t *params,
                        size_t param_count, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    for (size_t i = 0; rc == SQLITE_OK && i < param_count; i++)
        rc = sqlite3_bind_int64(stmt, (int)i + 1, params[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) /* DONE: a statement without rows */
        rc = SQLITE_OK;
    sqlite3_reset(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}

static const char clock_sql[] = "SELECT value FROM meta WHERE key = 'clock'";
static const char set_clock_sql[] = "UPDATE meta SET value = ?1 WHERE key = 'clock'";

static int read_clock(struct hub_store *store, int64_t *out)
{
    return hub_store_query_int(store, clock_sql, NULL, 0, out);
}

static int write_clock(struct hub_store *store, int64_t value)
{
    int64_t ignored = 0;
    return hub_store_query_int(store, set_clock_sql, &value, 1, &ignored);
}

int hub_store_begin(struct hub_store *store) { return sae_db_exec(store->db, "BEGIN IMMEDIATE"); }
int hub_store_commit(struct hub_store *store) { return sae_db_exec(store->db, "COMMIT"); }
void hub_store_rollback(struct hub_store *store)
{
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int hub_store_next_version(struct hub_store *store, int64_t now_ms, sae_hlc *out)
{
    int64_t last = 0;
    sae_hlc next;
    int rc = read_clock(store, &last);
    if (rc == 0 && (last < 0 || now_ms < 0))
        rc = SAE_ECORRUPT;
    if (rc == 0)
        rc = sae_hlc_tick((sae_hlc)last, (uint64_t)now_ms, &next);
    if (rc == 0)
        rc = write_clock(store, (int64_t)next);
    if (rc == 0)
        *out = next;
    return rc;
}

int hub_store_observe_version(struct hub_store *store, sae_hlc seen)
{
    int64_t last = 0;
    int rc = read_clock(store, &last);
    if (rc == 0 && (int64_t)seen > last)
        rc = write_clock(store, (int64_t)seen);
    return rc;
}

int hub_store_clock(struct hub_store *store, int64_t now_ms, sae_hlc *out)
{
    int64_t last = 0;
    sae_hlc wall = 0;
    int rc = read_clock(store, &last);
    if (rc == 0)
        rc = sae_hlc_pack(now_ms > 0 ? (uint64_t)now_ms : 0, 0, &wall);
    if (rc == 0)
        *out = (sae_hlc)last > wall ? (sae_hlc)last : wall;
    return rc;
}

int hub_store_node_add(struct hub_store *store, const struct hub_node *node)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT INTO node(id, village, device_name, public_key,"
                                " enrolled_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                                -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (sqlite3_int64)node->id);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 2, node->village);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 3, node->device_name);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(stmt, 4, node->public_key, 32, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, node->enrolled_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return SAE_EEXIST;
    return rc == SQLITE_DONE ? 0 : sae_db_error(rc);
}

static void copy_column_text(sqlite3_stmt *stmt, int column, char *out, size_t size)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    snprintf(out, size, "%s", text ? (const char *)text : "");
}

int hub_store_node_get(struct hub_store *store, uint64_t id, struct hub_node *out)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = hub_store_prepare(store,
                                "SELECT village, device_name, public_key, enrolled_ms,"
                                " last_seen_ms, last_batch_ms, acked_seq, clock_offset_ms,"
                                " revoked_ms FROM node WHERE id = ?1", &stmt);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 2) == 32) {
        struct hub_node node = {.id = id};
        copy_column_text(stmt, 0, node.village, sizeof node.village);
        copy_column_text(stmt, 1, node.device_name, sizeof node.device_name);
        memcpy(node.public_key, sqlite3_column_blob(stmt, 2), 32);
        node.enrolled_ms = sqlite3_column_int64(stmt, 3);
        node.last_seen_ms = sqlite3_column_int64(stmt, 4);
        node.last_batch_ms = sqlite3_column_int64(stmt, 5);
        node.acked_seq = sqlite3_column_int64(stmt, 6);
        node.clock_offset_ms = sqlite3_column_int64(stmt, 7);
        node.revoked_ms = sqlite3_column_int64(stmt, 8);
        *out = node;
        err = 0;
    } else if (rc == SQLITE_ROW) {
        err = SAE_ECORRUPT;
    } else if (rc != SQLITE_DONE) {
        err = sae_db_error(rc);
    }
    sqlite3_reset(stmt);
    return err;
}

static int update_node(struct hub_store *store, const char *sql, uint64_t id, int64_t a, int64_t b)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, a);
    if (rc == SQLITE_OK && sqlite3_bind_parameter_count(stmt) >= 3)
        rc = sqlite3_bind_int64(stmt, 3, b);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    int changed = sqlite3_changes(store->db);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return sae_db_error(rc);
    return changed ? 0 : SAE_ENOTFOUND;
}

int hub_store_node_seen(struct hub_store *store, uint64_t id, int64_t now_ms,
                        int64_t clock_offset_ms)
{
    return update_node(store, "UPDATE node SET last_seen_ms = ?2, clock_offset_ms = ?3"
                              " WHERE id = ?1", id, now_ms, clock_offset_ms);
}

int hub_store_node_revoke(struct hub_store *store, uint64_t id, int64_t now_ms)
{
    return update_node(store, "UPDATE node SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0",
                       id, now_ms, 0);
}
