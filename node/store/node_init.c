/* Creating a node directory: the device key, written durably, and a journal holding the
 * village and the device id. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "store/node_meta.h"
#include "store/node_store.h"
#include "store/node_store_internal.h"
#include "store/node_village.h"
#include "sae/sae_envelope.h"
#include "sae/sae_files.h"

struct node_identity {
    const char *village;
    const unsigned char *public_key;
    uint64_t origin;
};

/* Fills a new journal's meta table (sae_db_create's populate step). */
static int insert_identity(sqlite3 *db, void *context)
{
    static const char sql[] = "INSERT OR REPLACE INTO meta(key, value) VALUES"
                              " ('" NODE_META_VILLAGE "', ?1), ('" NODE_META_ORIGIN "', ?2),"
                              " ('" NODE_META_PUBLIC_KEY "', ?3), ('" NODE_META_CLOCK "', 0),"
                              " ('" NODE_META_ACKED_SEQ "', 0), ('" NODE_META_CREATED_MS "', ?4)";
    const struct node_identity *identity = context;
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, identity->village);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)identity->origin);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 3, identity->public_key, crypto_box_PUBLICKEYBYTES);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, (int64_t)sae_wall_clock_ms());
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    return rc;
}

/* Whether db_path holds a journal that init finished (or something unreadable that must not
 * be overwritten). Read as an immutable file: no lock, no -wal or -shm left behind. The
 * identity is checkpointed into the main file when init closes, so only a crash during init
 * itself leaves it in the WAL alone, and then running init again is right. */
static int is_initialised(const char *db_path)
{
    sqlite3 *db = NULL;
    char *village = NULL;
    uint64_t origin;
    struct stat st;
    if (stat(db_path, &st) != 0)
        return 0;
    int found = sae_db_open_immutable(db_path, &db) != 0 ||
                node_db_load_identity(db, &village, &origin) != SAE_ENOTINIT;
    free(village);
    sae_db_close(db);
    return found;
}

/* Not exclusive: a journal whose init crashed before the identity was written is made
 * again (is_initialised said so). */
static int create_journal(const char *db_path, const char *village,
                          const unsigned char *public_key, uint64_t origin,
                          struct sae_message *why)
{
    struct node_identity identity = {village, public_key, origin};
    return sae_db_create(db_path, false, NODE_BUSY_TIMEOUT_MS_DEFAULT, &node_db_schema,
                         insert_identity, &identity, why);
}

/* The village, resolved; what is there already is said first: init never overwrites. */
static int check_new(const char *dir, const char *db_path, const char *village_text,
                     char village[SAE_AREA_CODE_BYTES], struct sae_message *why)
{
    struct sae_message resolver = {{0}};
    if (is_initialised(db_path)) {
        sae_message_set(why, "%s already holds a journal; use another directory with -d DIR",
                        dir);
        return SAE_EEXIST;
    }
    int rc = node_village_resolve(village_text, village, &resolver);
    if (rc != 0)
        sae_message_set(why, "--village: %s", resolver.text);
    return rc;
}

/* The post's storage key pair, made by the first open of the new journal
 * (storage_key_ensure): its secret half waits unclaimed for the first head. */
static int make_storage_key(const char *dir, struct sae_message *why)
{
    struct node_store *store = NULL;
    int rc = node_store_open(dir, NODE_BUSY_TIMEOUT_MS_DEFAULT, &store, why);
    node_store_close(store);
    return rc;
}

int node_store_create(const char *dir, const char *village_text, struct sae_message *why)
{
    unsigned char public_key[crypto_box_PUBLICKEYBYTES], secret_key[crypto_box_SECRETKEYBYTES];
    char village[SAE_AREA_CODE_BYTES];
    uint64_t origin = 0;
    char *db_path = sae_path_join(dir, NODE_DB_FILE);
    if (!db_path)
        return SAE_ENOMEM;
    int rc = check_new(dir, db_path, village_text, village, why);
    if (rc == 0 && sae_dir_create_private(dir) != 0) {
        sae_message_set(why, "cannot create directory %s: %s", dir, strerror(errno));
        rc = SAE_EIO;
    }
    if (rc != 0) {
        free(db_path);
        return rc;
    }
    rc = crypto_box_keypair(public_key, secret_key) == 0 ? 0 : SAE_ECRYPTO;
    if (rc == 0)
        rc = sae_origin_from_public_key(public_key, &origin);
    if (rc == 0)
        rc = sae_file_write_private(dir, NODE_KEY_FILE, secret_key, sizeof secret_key);
    sodium_memzero(secret_key, sizeof secret_key);
    if (rc == 0)
        rc = create_journal(db_path, village, public_key, origin, why);
    if (rc == 0)
        rc = make_storage_key(dir, why);
    if (rc != 0 && why && why->text[0] == '\0')
        sae_message_set(why, "cannot initialise %s: %s", dir, sae_error_name(rc));
    free(db_path);
    return rc;
}
