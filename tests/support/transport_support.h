/* Helpers of test_transport.c: the handler its http_server runs, a scripted HTTPS server on
 * raw GnuTLS (for what the hub's server never does: answers without Content-Length, odd
 * Retry-After values, a 413 before reading the body), an in-process hub
 * (hub.db, hub_service, http_server) with one enrolled post, and a count of the TCP
 * connections made to a port, read from the kernel (/proc/net/tcp).
 * Built into libsae-test.a; failures are cmocka assertions. */
#ifndef TRANSPORT_SUPPORT_H
#define TRANSPORT_SUPPORT_H

#include <sodium.h>

#include "api/service.h"
#include "http_test_support.h"
#include "store/hub_store.h"
#include "sae/sae_borrow.h"
#include "sae/sae_envelope.h"
#include "sae/sae_hlc.h"
#include "sae/sae_wire.h"
#include "sync/transport.h"

/* ---- connections, as the kernel sees them ---------------------------------------------- */

/* TCP sockets over IPv4 whose remote port is port, in any state (TIME_WAIT included): the
 * client ends of every connection made to a server on that port and not yet forgotten. */
size_t ts_connections_to(uint16_t port);

/* A port on 127.0.0.1 where nothing listens: bound (so nobody else takes it) but never
 * listening, so a connection is refused at once. Close fd when done. */
uint16_t ts_closed_port(int *fd);

/* ---- a scripted HTTPS server ------------------------------------------------------------ */

/* Serves one connection: reads one request (headers and a Content-Length body), answers
 * head (status line and headers, blank line included) followed by filler_bytes body bytes
 * (byte i is (uint8_t)i), then closes. With early, it answers as soon as the headers are
 * in, then counts the body bytes that still arrive until the client closes. */
struct ts_raw {
    const char *cert, *key;
    const char *head;
    size_t filler_bytes;
    bool early;
    int listen_fd;
    uint16_t port;
    pthread_t thread;
    /* Results, read after ts_raw_finish. */
    bool served;        /* a request was read and the head sent */
    size_t body_sent;   /* filler bytes the TLS layer accepted */
    bool send_failed;   /* the client stopped reading before the end */
    size_t body_received; /* early: request body bytes received (before and after the answer) */
    char request[1024]; /* the request's first bytes */
};

void ts_raw_start(struct ts_raw *r, const struct ht_certs *c, const char *head,
                  size_t filler_bytes, bool early);

void ts_raw_finish(struct ts_raw *r);

/* ---- an in-process hub ------------------------------------------------------------------ */

struct ts_hub {
    char db[160];
    uint8_t hub_pk[crypto_box_PUBLICKEYBYTES], hub_sk[crypto_box_SECRETKEYBYTES], post_pk[crypto_box_PUBLICKEYBYTES], post_sk[crypto_box_SECRETKEYBYTES];
    uint64_t hub_id, post_id;
    struct hub_service *service;
    struct http_server *server;
    uint16_t port;
};

/* A hub in dir, served with the fixture's certificate, and one post enrolled in its store. */
void ts_hub_start(struct ts_hub *h, const struct ht_certs *c, struct ht_log *log);

void ts_hub_stop(struct ts_hub *h);

/* A PullRequest from cursor 0, sealed by the post to the hub. Free *env with free(). */
void ts_pull_request(const struct ts_hub *h, uint8_t **env, size_t *env_len);

/* Opens an answer as the post does; it must be a PullResponse. Free with
 * sae_pull_response_free. */
struct sae_pull_response *ts_open_pull_response(const struct ts_hub *h,
                                                const uint8_t *env, size_t len);

/* ---- the test handler ------------------------------------------------------------------
 * By path: /status/NNN echoes the body with status NNN, /busy is 503 with Retry-After 7,
 * /limit answers exactly TRANSPORT_RESPONSE_MAX_BYTES bytes and /over one more; anything
 * else echoes with 200. Byte i of /limit and /over is (uint8_t)(i * 7). */
struct ts_handler {
    pthread_mutex_t lock;
    unsigned calls;
    size_t body_len;
    char method[16], content_type[64];
};

uint8_t *ts_pattern(size_t len);

int ts_handle(void *ctx, const struct http_request *req,
              struct http_response *resp);

unsigned ts_calls(struct ts_handler *h);

/* ---- checks on bytes -------------------------------------------------------------------- */

bool ts_contains(const uint8_t *bytes, size_t len, const char *text);

void ts_assert_pattern(const uint8_t *bytes, size_t len, unsigned factor);

#endif
