/* Creating a node directory: the device key, written durably, and a journal holding the
 * village and the device id. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "store/node_store.h"
#include "store/node_store_internal.h"
#include "sae/sae_envelope.h"
#include "sae/sae_files.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"

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
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
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
    int found = rc != SQLITE_OK || node_db_load_identity(db, &village, &origin) != SAE_ENOTINIT;
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
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, NODE_BUSY_TIMEOUT_MS_DEFAULT, &db);
    if (rc == 0)
        rc = node_db_migrate(db, why);
    if (rc == 0)
        rc = sae_db_exec(db, "BEGIN IMMEDIATE");
    if (rc == 0) {
        rc = insert_identity(db, village, public_key, origin);
        rc = rc == 0 ? sae_db_exec(db, "COMMIT") : rc;
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
    if (sae_dir_create_private(dir) != 0) {
        sae_message_set(why, "cannot create directory %s: %s", dir, strerror(errno));
        return SAE_EIO;
    }
    db_path = sae_path_join(dir, NODE_DB_FILE);
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
        rc = sae_origin_from_public_key(public_key, &origin);
    if (rc == 0)
        rc = sae_file_write_private(dir, NODE_KEY_FILE, secret_key, sizeof secret_key);
    sodium_memzero(secret_key, sizeof secret_key);
    if (rc == 0)
        rc = create_journal(db_path, village, public_key, origin, why);
    if (rc != 0 && why && why->text[0] == '\0')
        sae_message_set(why, "cannot initialise %s: %s", dir, sae_error_name(rc));
    free(db_path);
    return rc;
}
