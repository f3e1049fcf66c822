/* The post's directory and its SQLite journal file: creation at init, opening with the
 * durability and locking settings, numbered schema migrations, the node's key and identity. */
#ifndef NODE_STORE_H
#define NODE_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_db.h"
#include "sae/sae_error.h"
#include "sae/sae_hlc.h"
#include "sae/sae_time.h"

#define NODE_DB_FILE "node.db"
#define NODE_KEY_FILE "node.key"
/* How long a command waits for another sae-node process to release the journal. */
#define NODE_BUSY_TIMEOUT_MS_DEFAULT 10000
/* The most memory one open journal keeps of its pages (SQLite's cache_size, taken as
 * needed): a running `sae-node serve` then reads a post of 10,000 cases from memory, where
 * SQLite's default 2 MiB re-read its journal from the file on every Beranda (bench_post_app:
 * status 18 ms -> 4 ms of CPU). */
#define NODE_PAGE_CACHE_KIB 65536
/* WAL pages after which a commit copies the WAL into node.db (SQLite's auto-checkpoint):
 * the WAL on disk stays under about this many 4 KiB pages, and every open of the journal
 * re-reads it (bench_node_add weighs the two). */
#define NODE_WAL_CHECKPOINT_PAGES 256
#define NODE_SCHEMA_VERSION 17
/* A measured clock offset beyond this counts: new versions use the corrected time, pending
 * changes are re-dated, and status warns. Below it, the computer's own clock is used. */
#define NODE_CLOCK_TOLERANCE_MS (10 * SAE_MS_PER_MINUTE)

struct node_store {
    sqlite3 *db;
    char *dir;
    char *village;   /* its code in the official list (or a name from before codes) */
    uint64_t origin; /* 63-bit id of this device, derived from its public key */
    /* Who the changes written through this store are by: the device's default (sae-node
     * config author), or --by (node_store_set_author); NULL when nobody said. */
    char *author;
    struct sae_db_cache statements; /* of the write path */
    unsigned char storage_public[32]; /* the storage key's public half (value_seal.h) */
    /* The storage secret a caller lends while it reads (node_store_lend_secret): a signed-in
     * session's, or one unwrapped by a passphrase on the command line. NULL: none. */
    const unsigned char *lent_secret;
    unsigned char *unclaimed_secret; /* storage_key_lend_unclaimed's copy, freed at close */
    struct opened_cache *opened; /* node_store_keep_opened's cache, or NULL */
    /* Set by node_store_scrub: the close empties the WAL too, so what the same process writes
     * after a scrub (a wipe's sync outcome) leaves no frame beside the scrubbed file. */
    bool empty_wal_at_close;
    /* The write transaction's sealers (sealed-format version 2): to the storage key and to
     * the hub's key, made at their first value, wiped at commit and rollback
     * (node_store_sealer). */
    struct sae_sealer *storage_sealer, *hub_sealer;
};

/* *out: store's sealer to public_key for the current transaction (the hub's copies' one
 * when to_hub, else the storage key's), made at its first use or when the key differs
 * (sae_sealer_new's errors): a transaction's values cost one X25519 to seal and one to
 * open. */
int node_store_sealer(struct node_store *store, bool to_hub,
                      const unsigned char public_key[32], const struct sae_sealer **out);

/* Creates dir (0700, parents too) holding a fresh key pair (node.key, 0600) and a journal
 * for the village (a code or a unique name of the official list; the code is kept).
 * SAE_EEXIST when dir already holds a journal; SAE_ENOTFOUND or SAE_EAMBIGUOUS (why: the
 * nearest names or the candidates) for a village the list does not name once. */
int node_store_create(const char *dir, const char *village, struct sae_message *why);

/* Lends secret (the storage key's secret half, owned by the caller, STORAGE_KEY_BYTES) to
 * the store's reads until lent again with NULL: sensitive values then open instead of being
 * masked (value_seal.h). */
void node_store_lend_secret(struct node_store *store, const unsigned char *secret);
/* From now on values opened with a lent key are kept (store/opened_cache.h) for later reads
 * with a key; node_store_forget_opened wipes them, closing too. For a long-running reader
 * (the post app). SAE_ENOMEM. */
int node_store_keep_opened(struct node_store *store);
void node_store_forget_opened(struct node_store *store);
/* WAL checkpointed and truncated, VACUUM, and again, after checking secure_delete is on: no
 * freed page and no WAL frame keeps a value from before. Not inside a transaction. */
int node_store_scrub(struct node_store *store);
/* Every WAL frame into the file and the WAL cut to nothing; SAE_EBUSY while another
 * connection's read holds frames. */
int node_store_reset_wal(struct node_store *store);
/* Whether a scrub of the WAL is owed (sae_db_wal_scrub): a staff member's old wrap may stay
 * in node.db-wal until it is done. The store retries it when it closes and at the next
 * open. */
int node_store_wal_scrub_owed(struct node_store *store, bool *out);

/* Opens an initialised directory. busy_timeout_ms bounds the wait for another process.
 * Errors: SAE_ENOTINIT, SAE_EPERM (unsafe permissions), SAE_ECORRUPT, SAE_ESCHEMA,
 * SAE_EBUSY, SAE_EDB; why says what to do. */
int node_store_open(const char *dir, int busy_timeout_ms, struct node_store **out,
                    struct sae_message *why);
/* Closes, after retrying a scrub of the WAL still owed (a reader kept it: left owed for the
 * next open). */
void node_store_close(struct node_store *store);

/* A revoked device's wipe (store/node_wipe.h): node.key overwritten with zeros, synced and
 * removed. The hub refuses the key for good, and with it every envelope this device ever
 * exchanged with the hub could be opened. 0 when it is gone already. */
int node_store_forget_device_key(struct node_store *store);

/* The person the next changes are by (1..SAE_LIMIT_PERSON_BYTES of UTF-8 on one line);
 * SAE_EINVAL otherwise, the store unchanged. */
int node_store_set_author(struct node_store *store, const char *author);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. A write transaction is taken up front so that two
 * processes queue on the busy timeout instead of failing half-way. */
int node_store_begin(struct node_store *store);
int node_store_commit(struct node_store *store);
void node_store_rollback(struct node_store *store);

/* The wall clock corrected by the offset measured against the hub (offset_ms, hub minus
 * ours), when that offset is beyond NODE_CLOCK_TOLERANCE_MS; the wall clock otherwise. */
uint64_t node_store_corrected_ms(int64_t offset_ms);

/* Issues the next local version (inside a write transaction): moves the persisted clock.
 * Its time is node_store_corrected_ms of the stored offset. */
int node_store_next_version(struct node_store *store, sae_hlc *out);

/* The default directory: $SAE_NODE_DIR, else $XDG_DATA_HOME/sae-node, else
 * $HOME/.local/share/sae-node. Malloc'd; SAE_ENOTFOUND when none can be derived. */
int node_store_default_dir(char **out);

#endif
