/* hub.db: identity, clock and the enrolled posts (its schema: hub_migrate.c). */
#include "store/hub_store.h"
#include "store/agency_copies.h"
#include "store/hub_migrate.h"
#include "store/hub_meta.h"
#include "store/value_vault.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_db_wal.h"
#include "sae/sae_derived.h"
#include "sae/sae_envelope.h"

struct hub_identity {
    const char *name;
    const uint8_t *public_key;
    uint64_t hub_id;
};

/* Fills a new hub.db's meta table (sae_db_create's populate step). */
static int insert_identity(sqlite3 *db, void *context)
{
    static const char sql[] =
        "INSERT INTO meta(key, value) VALUES ('" HUB_META_NAME "', ?1), ('" HUB_META_HUB_ID
        "', ?2), ('" HUB_META_PUBLIC_KEY "', ?3), ('" HUB_META_CLOCK "', 0),"
        " ('" HUB_META_DISTRICT_SEQ "', 0)";
    const struct hub_identity *identity = context;
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, identity->name);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)identity->hub_id);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 3, identity->public_key, crypto_box_PUBLICKEYBYTES);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    return rc;
}

int hub_store_create(const char *db_path, const char *name, const uint8_t public_key[crypto_box_PUBLICKEYBYTES],
                     struct sae_message *why)
{
    struct hub_identity identity = {name, public_key, 0};
    int rc = sae_origin_from_public_key(public_key, &identity.hub_id);
    if (rc == 0)
        rc = sae_db_create(db_path, true, HUB_BUSY_TIMEOUT_MS_DEFAULT, &hub_migrate_schema,
                           insert_identity, &identity, why);
    if (rc == SAE_EEXIST)
        sae_message_set(why, "%s already exists; the hub is initialised there", db_path);
    else if (rc != 0 && why && why->text[0] == '\0')
        sae_message_set(why, "cannot create %s: %s", db_path, sae_error_name(rc));
    return rc;
}

static int load_identity(struct hub_store *store)
{
    int64_t id = 0;
    int rc = sae_db_meta_identity(store->db, HUB_META_NAME, HUB_META_HUB_ID, &store->name, &id);
    if (rc == 0)
        store->hub_id = (uint64_t)id;
    return rc;
}

/* *out (malloc'd): the directory db_path is in ("." for a bare file name). */
static int directory_of(const char *db_path, char **out)
{
    const char *slash = strrchr(db_path, '/');
    *out = slash ? strndup(db_path, (size_t)(slash - db_path) + (slash == db_path))
                 : strdup(".");
    return *out ? 0 : SAE_ENOMEM;
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
        rc = directory_of(db_path, &store->dir);
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, busy_timeout_ms,
                         &store->db);
    /* The merge compares change.field with a bound parameter once per field of every batch;
     * the partial index change_by_case_id would have it planned again at each new binding,
     * which was most of ingest's instructions. */
    if (rc == 0)
        rc = sae_db_plan_once(store->db);
    if (rc == 0)
        rc = sae_db_migrate_schema(store->db, &hub_migrate_schema, why);
    if (rc == 0)
        rc = load_identity(store);
    /* The monitoring counts use the derived figures' one definition (age bands, days). */
    if (rc == 0)
        rc = sae_derived_register(store->db);
    if (rc == 0)
        rc = value_vault_register(store);
    /* A district's hub.db is a few GB read at random (case files, conflicts' candidates):
     * mapped, a page is read from the kernel's cache without a system call and a copy,
     * instead of through SQLite's own 2 MB cache. */
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA mmap_size=" HUB_MMAP_BYTES_TEXT);
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA wal_autocheckpoint=" HUB_WAL_CHECKPOINT_PAGES_TEXT);
    /* Freed content is zeroed: a wrap replaced or removed (store/district_key.h) leaves no
     * copy in a free page. */
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA secure_delete = ON");
    if (rc == 0) {
        rc = sae_db_wal_scrub_settle(store->db);
        rc = rc == SAE_EBUSY ? 0 : rc; /* still owed: for the next close or open */
    }
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
    /* Nothing to report from a close: a scrub still owed stays recorded for the next open. */
    if (store->db)
        (void)sae_db_wal_scrub_settle(store->db);
    sae_db_close(store->db);
    value_vault_free(store->vault);
    value_vault_lend(store, NULL);
    agency_copies_forget(store);
    free(store->dir);
    free(store->name);
    free(store);
}

int hub_store_wal_scrub_owed(struct hub_store *store, bool *out)
{
    return sae_db_wal_scrub_owed(store->db, out);
}

int hub_store_prepare(struct hub_store *store, const char *sql, sqlite3_stmt **out)
{
    return sae_db_prepare_cached(store->db, &store->statements, sql, out);
}

int hub_store_query_int(struct hub_store *store, const char *sql, const int64_t *params,
                        size_t param_count, int64_t *out)
{
    return sae_db_query_int(store->db, &store->statements, sql, params, param_count, out);
}

int hub_store_run(struct hub_store *store, const char *sql, const int64_t *params,
                  size_t param_count)
{
    return sae_db_run(store->db, &store->statements, sql, params, param_count);
}

int hub_store_run_texts(struct hub_store *store, const char *sql, const char *const *texts,
                        size_t count)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, count);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char clock_sql[] = "SELECT value FROM meta WHERE key = '" HUB_META_CLOCK "'";
static const char set_clock_sql[] =
    "UPDATE meta SET value = ?1 WHERE key = '" HUB_META_CLOCK "'";

static int read_clock(struct hub_store *store, int64_t *out)
{
    return hub_store_query_int(store, clock_sql, NULL, 0, out);
}

static int write_clock(struct hub_store *store, int64_t value)
{
    return hub_store_run(store, set_clock_sql, &value, 1);
}

int hub_store_begin(struct hub_store *store) { return sae_db_begin(store->db); }

int hub_store_write(struct hub_store *store, hub_store_write_fn fn, void *context)
{
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = fn(store, context);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}
/* The agencies' copies are settled last, on the transaction's derived state
 * (store/agency_copies.h). */
int hub_store_commit(struct hub_store *store)
{
    int rc = agency_copies_settle(store);
    value_vault_seal_end(store);
    return rc == 0 ? sae_db_commit(store->db) : rc;
}

void hub_store_rollback(struct hub_store *store)
{
    agency_copies_forget(store);
    value_vault_seal_end(store);
    sae_db_rollback(store->db);
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

static const char node_add_sql[] =
    "INSERT INTO node(id, village, device_name, public_key, enrolled_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

/* SAE_EEXIST when the id or the public key is enrolled already. */
int hub_store_node_add(struct hub_store *store, const struct hub_node *node)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, node_add_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)node->id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, node->village);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, node->device_name);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 4, node->public_key, crypto_box_PUBLICKEYBYTES);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, node->enrolled_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

#define NODE_COLUMNS                                                                        \
    "id, village, device_name, public_key, enrolled_ms, last_seen_ms, last_batch_ms,"         \
    " acked_seq, clock_offset_ms, revoked_ms, clock_measured"
static const char node_get_sql[] = "SELECT " NODE_COLUMNS " FROM node WHERE id = ?1";
static const char node_list_sql[] =
    "SELECT " NODE_COLUMNS " FROM node ORDER BY village, enrolled_ms";
static const char public_key_sql[] =
    "SELECT value FROM meta WHERE key = '" HUB_META_PUBLIC_KEY "'";

/* A row of NODE_COLUMNS; SAE_ECORRUPT when its public key is not a key. */
static int node_from_row(sqlite3_stmt *stmt, struct hub_node *out)
{
    if (sqlite3_column_bytes(stmt, 3) != crypto_box_PUBLICKEYBYTES)
        return SAE_ECORRUPT;
    struct hub_node node = {.id = (uint64_t)sqlite3_column_int64(stmt, 0)};
    sae_db_column_copy(stmt, 1, node.village, sizeof node.village);
    sae_db_column_copy(stmt, 2, node.device_name, sizeof node.device_name);
    memcpy(node.public_key, sqlite3_column_blob(stmt, 3), crypto_box_PUBLICKEYBYTES);
    node.enrolled_ms = sqlite3_column_int64(stmt, 4);
    node.last_seen_ms = sqlite3_column_int64(stmt, 5);
    node.last_batch_ms = sqlite3_column_int64(stmt, 6);
    node.acked_seq = sqlite3_column_int64(stmt, 7);
    node.clock_offset_ms = sqlite3_column_int64(stmt, 8);
    node.revoked_ms = sqlite3_column_int64(stmt, 9);
    node.clock_measured = sqlite3_column_int(stmt, 10) != 0;
    *out = node;
    return 0;
}

int hub_store_node_get(struct hub_store *store, uint64_t id, struct hub_node *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, node_get_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW)
        rc = node_from_row(stmt, out);
    sae_db_reset(stmt);
    return rc;
}

int hub_store_node_list(struct hub_store *store, hub_node_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, node_list_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_node node;
        rc = node_from_row(stmt, &node);
        if (rc == 0)
            rc = visit(&node, context);
    }
    sae_db_reset(stmt);
    return rc;
}

int hub_store_public_key(struct hub_store *store, uint8_t public_key[crypto_box_PUBLICKEYBYTES])
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, public_key_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW && sqlite3_column_bytes(stmt, 0) == crypto_box_PUBLICKEYBYTES)
        memcpy(public_key, sqlite3_column_blob(stmt, 0), crypto_box_PUBLICKEYBYTES);
    else if (rc >= 0)
        rc = SAE_ECORRUPT;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc;
}

static const char node_seen_sql[] =
    "UPDATE node SET last_seen_ms = ?2, clock_offset_ms = ?3, clock_measured = ?4"
    " WHERE id = ?1";
static const char node_revoke_sql[] =
    "UPDATE node SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0";

/* Runs an UPDATE of one node; SAE_ENOTFOUND when it changed no row. */
static int update_node(struct hub_store *store, const char *sql, const int64_t *params,
                       size_t count)
{
    int rc = hub_store_run(store, sql, params, count);
    if (rc != 0)
        return rc;
    return sae_db_changes(store->db) ? 0 : SAE_ENOTFOUND;
}

int hub_store_node_seen(struct hub_store *store, uint64_t id, int64_t now_ms,
                        int64_t clock_offset_ms, bool measured)
{
    const int64_t params[] = {(int64_t)id, now_ms, measured ? clock_offset_ms : 0, measured};
    return update_node(store, node_seen_sql, params, 4);
}

int hub_store_node_revoke(struct hub_store *store, uint64_t id, int64_t now_ms)
{
    const int64_t params[] = {(int64_t)id, now_ms};
    return update_node(store, node_revoke_sql, params, 2);
}
