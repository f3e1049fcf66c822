/* What the hub benchmarks (bench_hub.c, bench_hub_load.c) share: a hub running in process
 * (hub.db, self-signed certificate, box key pair, http_server + hub_service on 127.0.0.1 with
 * the server's default limits), simulated posts enrolled directly in the store, their
 * realistic batches (bench_dataset.h) sealed as a post seals them, a libcurl client with
 * verification and pinning on, and the checks that every push was acknowledged and stored.
 *
 * The posts' journals come from bench_dataset.h with one correction: each change's base is
 * the version of that field the post last wrote (the generator names the report's creation
 * for every edit, which at the hub would make a post's second edit of a field concurrent
 * with its first), and a report deleted on the post is not edited again. That is what a
 * node's journal sends, so the hub merges clean changes as it would in the field.
 *
 * Built into libsae-test.a; needs no cmocka, so benchmarks link it alone. */
#ifndef SAE_BENCH_HUB_SUPPORT_H
#define SAE_BENCH_HUB_SUPPORT_H

#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_dataset.h"
#include "http_body.h"
#include "net/http_server.h"
#include "api/console.h"
#include "api/service.h"
#include "store/hub_store.h"
#include "sae/sae_db.h"
#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "sae/sae_wire.h"
#include "net/tls_cert.h"

#define HB_HUB_NAME "DP3AP2KB Kabupaten Probolinggo (benchmark)"
/* The daemon's own choices (hub/cli/cli_daemon.c): connections in the service's pool. */
#define HB_SERVICE_CONNECTIONS 8
/* A reply larger than this is not an ack of this protocol. */
#define HB_REPLY_MAX (1024u * 1024)
/* Generous: nothing here asserts a time; a stuck transfer must still end the run. */
#define HB_TRANSFER_TIMEOUT_S 300L
/* Unusual server log lines kept for the report. */
#define HB_LOG_KEEP 8

double hb_now(void);

/* A size the run takes from environment variable name: fallback when it is unset or empty,
 * else a whole number from 1 to max; SAE_EINVAL (and *out untouched) for anything else. */
int hb_env_count(const char *name, size_t fallback, size_t max, size_t *out);

/* ---- scratch directory ------------------------------------------------------------ */

/* Under $TMPDIR, else /var/tmp: on disk, so fsync costs what it costs a district server. */
int hb_scratch_make(const char *name, char *path, size_t size);

int hb_scratch_remove(const char *dir);

/* ---- the server's log: counted, not printed ---------------------------------------- */

struct hb_log {
    pthread_mutex_t lock;
    size_t ok;      /* "POST /v1/push 200" lines */
    size_t unusual; /* any other request outcome */
    char kept[HB_LOG_KEEP][160];
};

/* ---- the hub ------------------------------------------------------------------------ */

struct hb_hub {
    char db_path[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
    char pin[TLS_CERT_PIN_BYTES], url[64], pull_url[64], base[64];
    uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    uint64_t id;
    struct hub_store *admin; /* a connection of its own, for enrolling and checking */
    struct hub_service *service;
    struct console *console; /* NULL unless started with it */
    struct hub_routes routes;
    struct http_server *server;
    struct hb_log log;
    bool log_ready;
};

void hb_hub_stop(struct hb_hub *h);

/* Creates the hub in dir and serves it on 127.0.0.1, a free port, with the server's
 * default configuration otherwise (threads, connection limits, timeouts, body size). */
int hb_hub_start(struct hb_hub *h, const char *dir, struct sae_message *why);
/* The same, serving the district console beside the posts' endpoints, as `sae-hub serve`
 * does without --console (base: "https://127.0.0.1:PORT"). */
int hb_hub_start_console(struct hb_hub *h, const char *dir, struct sae_message *why);

/* ---- simulated posts ------------------------------------------------------------------ */

/* The last version a post wrote of one field of one report. */
struct hb_written {
    struct sae_id report;
    const char *field; /* the generator's static names; NULL: free slot */
    struct sae_version version;
};

/* What the hub knows of a post, and what it sent. */
struct hb_identity {
    uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    uint64_t id;
    char village[96];
    uint64_t sent; /* changes handed to batches so far */
};

/* A post while it records: its identity and journal. */
struct hb_post {
    struct hb_identity who;
    struct bench_dataset data;
    uint64_t seq; /* the post's journal sequence, renumbered after filtering */
    struct hb_written *written;
    size_t written_count, written_cap;
};

/* Keys, origin id and journal of post number index (the same for the same index). */
int hb_post_init(struct hb_post *p, uint64_t seed, uint32_t index,
                 const char *village);

void hb_post_free(struct hb_post *p);

/* The post's next count changes, as its journal would hold them. out must start zeroed:
 * on failure the values written so far are in it, for bench_batch_clear. */
int hb_post_changes(struct hb_post *p, struct sae_change *out, size_t count);

/* The changes as the post sends them: PushBatch, zlib, box to the hub. Free *env with free(). */
int hb_seal_batch(const struct hb_identity *p, const uint8_t hub_pk[crypto_box_PUBLICKEYBYTES],
                  struct sae_change *changes, size_t count, uint8_t **env,
                  size_t *env_len);

/* ---- the client ------------------------------------------------------------------------ */

/* The headers every push sends: the envelope's type, and no Expect: 100-continue (the body is
 * well under the server's limit, so the wait for "100" would be a round trip for nothing). */
struct curl_slist *hb_push_headers(void);

/* A push client as a post runs it: the hub's certificate as the only trust anchor, host
 * verification on, its key pinned. interface: NULL, or "host!127.0.0.N" to send from N. */
int hb_easy_setup(CURL *easy, const struct hb_hub *hub, const char *interface,
                  struct curl_slist *headers, struct http_body *reply);

/* How many connections the handle has opened for its last transfer (0: it reused one). */
long hb_easy_new_connections(CURL *easy);

int hb_easy_body(CURL *easy, const uint8_t *env, size_t len);

/* Opens the hub's answer as the post does: a sealed PushAck for this post that acknowledges
 * every change up to last_seq and refuses none. */
int hb_ack_check(const struct hb_hub *hub, const struct hb_identity *p, long status,
                 const struct http_body *reply, uint64_t last_seq,
                 struct sae_message *why);

/* A PullRequest from the post's cursors, sealed to the hub. Free *env with free(). */
int hb_pull_request(const struct hb_hub *hub, const struct hb_identity *p, uint64_t cursor,
                    uint64_t grant_cursor, uint8_t **env, size_t *env_len);

/* Opens the hub's answer to a pull as the post does: a sealed PullResponse for it. Moves
 * *cursor and *grant_cursor on as the post would and counts the changes it carried. */
int hb_pull_check(const struct hb_hub *hub, const struct hb_identity *p, long status,
                  const struct http_body *reply, uint64_t *cursor, uint64_t *grant_cursor,
                  size_t *changes, struct sae_message *why);

/* ---- checks in hub.db ----------------------------------------------------------------- */

/* Enrolls a post as `nodes add` and the post's first request would (the caller may hold a
 * transaction on hub->admin around many). */
int hb_enroll(struct hb_hub *hub, const struct hb_identity *who, size_t number);

/* Every change the post sent is in hub.db, under its origin, and none was refused. */
int hb_check_stored(struct hb_hub *hub, const struct hb_identity *who,
                    struct sae_message *why);

int hb_count(struct hb_hub *hub, const char *sql, int64_t *out);

/* ---- figures ------------------------------------------------------------------------------ */

/* The raw SQL baseline of the monitoring benchmarks: consented cases whose intake_date is in
 * [?1, ?2) by type of violence, written by hand over the merged state as the hub keeps it
 * (field_state and change). */
extern const char hb_raw_figure_sql[];

/* Nearest-rank percentile of n values, sorted in place. */
double hb_percentile(double *values, size_t n, double percent);

#endif
