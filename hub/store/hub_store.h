/* The hub's database (hub.db): enrolled posts, enrollment tokens, every change received,
 * the state derived from them, conflicts, and stored acknowledgements. */
#ifndef HUB_STORE_H
#define HUB_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "sae/sae_db.h"
#include "sae/sae_error.h"
#include "sae/sae_hlc.h"
#include "sae/sae_wire_limits.h"
#include "sae/sae_time.h"

#define HUB_DB_FILE "hub.db"
/* The TLS files of the hub directory: the certificate served and its key, and the backup
 * key `sae-hub tls new-key` prepares for the next roll; the hub's X25519 secret key. */
#define HUB_CERT_FILE "tls-cert.pem"
#define HUB_TLS_KEY_FILE "tls-key.pem"
#define HUB_TLS_BACKUP_KEY_FILE "tls-backup-key.pem"
#define HUB_KEY_FILE "hub.key"
#define HUB_SCHEMA_VERSION 17
#define HUB_BUSY_TIMEOUT_MS_DEFAULT 10000
/* The most of hub.db each connection maps into memory: 2 GiB, the most Debian 12's SQLite
 * maps (SQLITE_MAX_MMAP_SIZE); past it, pages are read as usual. */
#define HUB_MMAP_BYTES_TEXT "2147418112"
/* The WAL pages after which a commit copies the WAL into hub.db (SQLite's auto-checkpoint,
 * default 1,000): 16 MiB. A batch of 1,000 changes of new reports writes 400 to 600 pages,
 * most of them leaves of the indexes keyed by report id that the next batches write again,
 * so a longer WAL copies each such page once for several batches (bench_hub). */
#define HUB_WAL_CHECKPOINT_PAGES 4000
#define HUB_WAL_CHECKPOINT_PAGES_TEXT "4000"
/* Who resolved a conflict no coordinator needed (equal values, candidates replaced). */
#define HUB_SETTLED_BY "sae-hub"
/* A change dated more than this past the hub's clock is held: kept, shown, never winning. */
#define HUB_DRIFT_MS_DEFAULT SAE_MS_PER_DAY

struct sae_opener;

struct hub_store {
    sqlite3 *db;
    struct sae_db_cache statements; /* kept for the life of the connection */
    char *name;      /* the hub's name, e.g. "DP3AP2KB Kabupaten Probolinggo" */
    uint64_t hub_id; /* origin id of district edits and resolutions */
    char *dir;       /* the hub directory, where its key files are (db_path's) */
    struct value_vault *vault; /* what seals sensitive values (store/value_vault.h): loaded
                                  from dir at the first sensitive value written */
    const unsigned char *lent_secret; /* the district secret a reader lent for its reads
                                         (value_vault_lend) */
    unsigned char *owned_secret;      /* the same when the store frees it at close */
    uint64_t lent_holder;             /* whose copies lent_secret opens: the district's (0)
                                         or an agency's (store/agency_key.h) */
    struct agency_pending *agency_pending; /* this transaction's values and cases owed an
                                              agency's copy (store/agency_copies.h) */
    struct sae_opener *lent_opener;   /* opens with the lent secret, checked at the loan */
};

/* Creates db_path (0600) with the schema and the hub's identity. SAE_EEXIST if it exists. */
int hub_store_create(const char *db_path, const char *name, const uint8_t public_key[crypto_box_PUBLICKEYBYTES],
                     struct sae_message *why);
/* The connection has no mutex of its own (SQLITE_OPEN_NOMUTEX): a store is used by one thread
 * at a time. The daemon's pools (hub/api/service.c, console.c) lend each store to one
 * request's thread until it is checked in; the duplicates' thread opens its own. */
int hub_store_open(const char *db_path, int busy_timeout_ms, struct hub_store **out,
                   struct sae_message *why);
/* Closes, after retrying a scrub of the WAL still owed (a reader kept it: left owed for the
 * next open). */
void hub_store_close(struct hub_store *store);
/* Whether a scrub of the WAL is owed (sae_db_wal_scrub): an account's old wrap may stay in
 * hub.db-wal until it is done. The store retries it when it closes and at the next open. */
int hub_store_wal_scrub_owed(struct hub_store *store, bool *out);

/* The store's cached statement for sql (static: cached by address), reset and with its
 * bindings cleared (sae_db_prepare_cached). Reset it after use; never finalize. */
int hub_store_prepare(struct hub_store *store, const char *sql, sqlite3_stmt **out);

/* sae_db_query_int and sae_db_run through the store's statement cache: a query returning
 * one integer (SAE_ENOTFOUND without a row), and a statement returning none. */
int hub_store_query_int(struct hub_store *store, const char *sql, const int64_t *params,
                        size_t param_count, int64_t *out);
int hub_store_run(struct hub_store *store, const char *sql, const int64_t *params,
                  size_t param_count);
/* The same with text parameters texts[0..count-1] (NULL binds SQL NULL). */
int hub_store_run_texts(struct hub_store *store, const char *sql, const char *const *texts,
                        size_t count);

/* The hub's X25519 public key, kept in meta at init. */
int hub_store_public_key(struct hub_store *store, uint8_t public_key[crypto_box_PUBLICKEYBYTES]);

int hub_store_begin(struct hub_store *store);  /* BEGIN IMMEDIATE */
/* Runs fn(store, context) in a write transaction of its own: committed when fn returns 0,
 * rolled back otherwise (or when the commit fails); fn's result. */
typedef int (*hub_store_write_fn)(struct hub_store *store, void *context);
int hub_store_write(struct hub_store *store, hub_store_write_fn fn, void *context);
int hub_store_commit(struct hub_store *store);
void hub_store_rollback(struct hub_store *store);

/* The hub's clock: the next version for a district change, above every version received
 * and at least the wall clock (inside a write transaction). */
int hub_store_next_version(struct hub_store *store, int64_t now_ms, sae_hlc *out);
/* Lets the clock catch up with a version received (never with a held one). */
int hub_store_observe_version(struct hub_store *store, sae_hlc seen);
/* The current clock, for the hub_clock of every response. */
int hub_store_clock(struct hub_store *store, int64_t now_ms, sae_hlc *out);

struct hub_node {
    uint64_t id;
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    char device_name[SAE_WIRE_TEXT_BYTES + 1];
    uint8_t public_key[crypto_box_PUBLICKEYBYTES];
    int64_t enrolled_ms;
    int64_t last_seen_ms;     /* 0: never */
    int64_t last_batch_ms;    /* 0: never */
    int64_t acked_seq;
    int64_t clock_offset_ms;  /* post clock minus hub clock at its last request */
    bool clock_measured;      /* clock_offset_ms was measured against the post's wall clock
                                 (a schema-2 request); false: unknown */
    int64_t revoked_ms;       /* 0: not revoked */
};

/* SAE_EEXIST when the id or the public key is enrolled already. */
int hub_store_node_add(struct hub_store *store, const struct hub_node *node);
/* SAE_ENOTFOUND for an unknown id. */
int hub_store_node_get(struct hub_store *store, uint64_t id, struct hub_node *out);
/* Calls visit for every enrolled device, by village then enrollment; stops at the first
 * non-zero result and returns it. */
typedef int (*hub_node_visit_fn)(const struct hub_node *node, void *context);
int hub_store_node_list(struct hub_store *store, hub_node_visit_fn visit, void *context);
/* Records a request from node: last seen, and its clock offset when measured (a request of
 * schema 2 carries the post's wall clock; measured false leaves the offset unknown). */
int hub_store_node_seen(struct hub_store *store, uint64_t id, int64_t now_ms,
                        int64_t clock_offset_ms, bool measured);
int hub_store_node_revoke(struct hub_store *store, uint64_t id, int64_t now_ms);

#endif
