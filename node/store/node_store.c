/* The node directory and journal database: creation, opening, migrations, identity. */
#include "store/node_meta.h"
#include "store/node_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/hub_copy.h"
#include "store/journal.h"
#include "store/opened_cache.h"
#include "store/node_store_internal.h"
#include "store/storage_key.h"
#include "store/value_seal.h"
#include "store/node_village.h"
#include "sae/sae_cli.h"
#include "sae/sae_db.h"
#include "sae/sae_sealed.h"
#include "sae/sae_db_wal.h"
#include "sae/sae_files.h"
#include "sae/sae_limits.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_validate.h"

/* Reads the village; SAE_ENOTINIT when the journal exists but init never finished. */
int node_db_load_identity(sqlite3 *db, char **village, uint64_t *origin)
{
    int64_t id = 0;
    int rc = sae_db_meta_identity(db, NODE_META_VILLAGE, NODE_META_ORIGIN, village, &id);
    if (rc == 0)
        *origin = (uint64_t)id;
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

static const char author_sql[] = "SELECT value FROM meta WHERE key = '" NODE_META_AUTHOR "'";

/* The device's default author, if one was set. */
static int load_author(struct node_store *store)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, author_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        rc = sae_db_column_is_text(stmt, 0) ? sae_db_column_dup(stmt, 0, &store->author) : 0;
    sae_db_reset(stmt);
    return rc;
}

int node_store_set_author(struct node_store *store, const char *author)
{
    char *copy = NULL;
    if (!author || sae_validate_name(author, SAE_LIMIT_PERSON_BYTES) != 0)
        return SAE_EINVAL;
    if (!(copy = strdup(author)))
        return SAE_ENOMEM;
    free(store->author);
    store->author = copy;
    return 0;
}

static int set_page_cache(sqlite3 *db)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", NODE_PAGE_CACHE_KIB);
    return sae_db_exec(db, sql);
}

int node_store_open(const char *dir, int busy_timeout_ms, struct node_store **out,
                    struct sae_message *why)
{
    struct node_store *store = calloc(1, sizeof *store);
    char *db_path = sae_path_join(dir, NODE_DB_FILE);
    int rc = store && db_path ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = check_permissions(dir, db_path, why);
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &store->db);
    /* `sae-node add` is a process per change set: its commit's one sync is what makes the
     * report durable; a checkpoint at every close would add two more and a directory sync. */
    if (rc == 0)
        rc = sae_db_keep_wal_on_close(store->db, NODE_WAL_CHECKPOINT_PAGES);
    /* What is deleted is overwritten: an old staff wrap, and later survivors' values
     * superseded or erased, must not stay readable in free pages. */
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA secure_delete = ON");
    if (rc == 0)
        rc = set_page_cache(store->db);
    /* The state's upsert and the shown values' refresh compare field_shown.field with a bound
     * parameter once per field of every change; the partial index field_shown_by_value
     * (migration 15) would have them planned again at each binding, doubling an add's work. */
    if (rc == 0)
        rc = sae_db_plan_once(store->db);
    if (rc == 0)
        rc = sae_db_migrate_schema(store->db, &node_db_schema, why);
    if (rc == 0)
        rc = node_db_load_identity(store->db, &store->village, &store->origin);
    if (rc == 0)
        rc = load_author(store);
    if (rc == 0 && !(store->dir = strdup(dir)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = storage_key_ensure(store);
    if (rc == 0)
        rc = storage_key_public(store, store->storage_public);
    if (rc == 0)
        rc = value_seal_register_sql(store);
    if (rc == 0)
        rc = value_seal_settle(store);
    if (rc == 0) {
        rc = sae_db_wal_scrub_settle(store->db);
        rc = rc == SAE_EBUSY ? 0 : rc; /* still owed: for the next close or open */
    }
    if (rc != 0) {
        explain_open_failure(rc, dir, db_path, why);
        node_store_close(store);
    } else {
        *out = store;
    }
    free(db_path);
    return rc;
}

/* No shared key outlives the values it sealed together. */
static void sealers_end(struct node_store *store)
{
    sae_sealer_free(store->storage_sealer);
    sae_sealer_free(store->hub_sealer);
    store->storage_sealer = store->hub_sealer = NULL;
}

void node_store_close(struct node_store *store)
{
    if (!store)
        return;
    sae_db_cache_clear(&store->statements);
    sealers_end(store);
    /* Nothing to report from a close: a scrub still owed stays recorded for the next open. */
    if (store->db)
        (void)sae_db_wal_scrub_settle(store->db);
    if (store->db && store->empty_wal_at_close)
        (void)sae_db_wal_truncate(store->db); /* a reader keeping it back: it stays sealed */
    sae_db_close(store->db);
    sae_secure_free(store->unclaimed_secret);
    opened_cache_destroy(store->opened);
    free(store->dir);
    free(store->village);
    free(store->author);
    free(store);
}

int node_store_forget_device_key(struct node_store *store)
{
    int rc = sae_file_remove_scrubbed(store->dir, NODE_KEY_FILE);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

void node_store_lend_secret(struct node_store *store, const unsigned char *secret)
{
    store->lent_secret = secret;
}

int node_store_keep_opened(struct node_store *store)
{
    return store->opened ? 0 : opened_cache_create(&store->opened);
}

void node_store_forget_opened(struct node_store *store)
{
    if (store->opened)
        opened_cache_clear(store->opened);
}

int node_store_reset_wal(struct node_store *store)
{
    return sae_db_wal_truncate(store->db);
}

int node_store_wal_scrub_owed(struct node_store *store, bool *out)
{
    return sae_db_wal_scrub_owed(store->db, out);
}

/* secure_delete zeroed what was freed; VACUUM then rewrites the file whole, so no page keeps
 * a value from before (an overflow page, a cell moved in a split). */
int node_store_scrub(struct node_store *store)
{
    int64_t secure = 0;
    int rc = sae_db_query_int(store->db, NULL, "PRAGMA secure_delete", NULL, 0, &secure);
    if (rc == 0 && secure != 1)
        rc = SAE_EDB; /* node_store_open turned it on: something else turned it off */
    if (rc == 0)
        rc = node_store_reset_wal(store);
    if (rc == 0)
        rc = sae_db_exec(store->db, "VACUUM");
    if (rc == 0)
        rc = node_store_reset_wal(store);
    store->empty_wal_at_close = true;
    return rc;
}

int node_store_begin(struct node_store *store) { return sae_db_begin(store->db); }
int node_store_sealer(struct node_store *store, bool to_hub,
                      const unsigned char public_key[32], const struct sae_sealer **out)
{
    struct sae_sealer **slot = to_hub ? &store->hub_sealer : &store->storage_sealer;
    if (*slot && !sae_sealer_is_for(*slot, public_key)) {
        sae_sealer_free(*slot);
        *slot = NULL;
    }
    int rc = *slot ? 0 : sae_sealer_new(public_key, slot);
    if (rc == 0)
        *out = *slot;
    return rc;
}

int node_store_commit(struct node_store *store)
{
    sealers_end(store);
    return sae_db_commit(store->db);
}

void node_store_rollback(struct node_store *store)
{
    sealers_end(store);
    sae_db_rollback(store->db);
}

static const char clock_sql[] =
    "SELECT max(coalesce((SELECT value FROM meta WHERE key = '" NODE_META_CLOCK "'), 0),"
    " coalesce((SELECT version FROM journal_entry ORDER BY seq DESC LIMIT 1), 0)),"
    " coalesce((SELECT value FROM meta WHERE key = '" NODE_META_CLOCK_OFFSET_MS "'), 0)";
static const char set_clock_sql[] =
    "UPDATE meta SET value = ?1 WHERE key = '" NODE_META_CLOCK "'";

/* The stored clock (the newest version issued) and the measured offset (hub minus ours). */
static int read_clock(struct node_store *store, int64_t *clock, int64_t *offset_ms)
{
    sqlite3_stmt *read = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, clock_sql, &read);
    if (rc == 0)
        rc = sae_db_step(read);
    if (rc == 0)
        rc = SAE_EDB; /* the query always returns a row */
    if (rc == SAE_DB_ROW) {
        *clock = sqlite3_column_int64(read, 0);
        *offset_ms = sqlite3_column_int64(read, 1);
        rc = 0;
    }
    sae_db_reset(read);
    return rc;
}

uint64_t node_store_corrected_ms(int64_t offset_ms)
{
    int64_t wall = (int64_t)sae_wall_clock_ms();
    if (offset_ms > NODE_CLOCK_TOLERANCE_MS || offset_ms < -NODE_CLOCK_TOLERANCE_MS)
        wall += offset_ms;
    return wall > 0 ? (uint64_t)wall : 0;
}

int node_store_next_version(struct node_store *store, sae_hlc *out)
{
    int64_t last = 0, offset_ms = 0;
    sae_hlc next;
    /* Never issue a version below the newest one written: were the stored clock ever behind
     * (a file restored by hand), last-writer-wins would silently drop the new change. */
    int rc = read_clock(store, &last, &offset_ms);
    if (rc == 0 && last < 0)
        rc = SAE_ECORRUPT;
    /* The hub's clock as measured at the last sync, when ours is known to be off. */
    if (rc == 0)
        rc = sae_hlc_tick((sae_hlc)last, node_store_corrected_ms(offset_ms), &next);
    if (rc == 0) {
        const int64_t value = (int64_t)next;
        rc = sae_db_run(store->db, &store->statements, set_clock_sql, &value, 1);
    }
    if (rc == 0)
        *out = next;
    return rc;
}

int node_store_default_dir(char **out)
{
    return sae_cli_default_dir("SAE_NODE_DIR", "sae-node", out);
}
