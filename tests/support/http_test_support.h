/* Helpers shared by the HTTPS server tests: a temporary directory with a generated
 * certificate, a log sink, a libcurl client with verification and pinning on, and a raw
 * GnuTLS client for what curl cannot do (hold idle connections, send headers without a body).
 * Built into libsae-test.a; failures are cmocka assertions, so link -lcmocka. */
#ifndef HTTP_TEST_SUPPORT_H
#define HTTP_TEST_SUPPORT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_body.h"
#include "net/http_server.h"
#include "net/tls_cert.h"

/* Generous: valgrind runs everything tens of times slower; no test measures time. */
#define HT_WAIT_SECONDS 120

/* A temporary directory with two certificate/key pairs: "hub" serves, "other" is a stranger. */
struct ht_certs {
    char dir[64];
    char cert[128], key[128], other_cert[128], other_key[128];
    char pin[TLS_CERT_PIN_BYTES];
};

void ht_certs_make(struct ht_certs *c);

void ht_certs_remove(struct ht_certs *c);

/* Every log line the server wrote, kept for assertions. */
#define HT_LOG_LINES 256
struct ht_log {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    char *lines[HT_LOG_LINES];
    size_t count;
};

void ht_log_init(struct ht_log *l);

void ht_log_free(struct ht_log *l);

void ht_log_line(void *ctx, const char *line);

/* How many lines contain text. */
size_t ht_log_count(struct ht_log *l, const char *text);

/* Waits (at most HT_WAIT_SECONDS) until n lines contain text; fails the test otherwise. A
 * request's line is written when the server has finished with it, which may be just after
 * the client has its answer. */
void ht_log_wait_n(struct ht_log *l, const char *text, size_t n);

void ht_log_wait(struct ht_log *l, const char *text);

/* A config for tests: 127.0.0.1, a free port, the generated certificate, small limits. */
struct http_server_config ht_config(const struct ht_certs *c);

/* ---- the handler under test ----
 * By path: /fail returns an error (after allocating a body, which the server must free),
 * /bad-status answers status 42, /busy 503 with Retry-After 7, /method 405 with Allow,
 * /slow waits until the test releases it and then echoes; anything else echoes the body. */
struct ht_handler {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned calls;
    char method[16], path[64], content_type[64], peer[64];
    size_t body_len;
    bool body_null, entered, released;
};

unsigned ht_handler_calls(struct ht_handler *h);

void ht_handler_wait_entered(struct ht_handler *h);

void ht_handler_release(struct ht_handler *h);

int ht_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/* ---- fixture: certificates, log, handler, and a server once a test starts one ---- */
struct ht_fixture {
    struct ht_certs certs;
    struct ht_log log;
    struct ht_handler handler;
    struct http_server *server;
    uint16_t port;
};

int ht_setup(void **state);

int ht_teardown(void **state);

void ht_start(struct ht_fixture *f, const struct http_server_config *config);

/* ---- libcurl client ---- */

/* An answer's body or headers past this stop the transfer (far above any test's). */
#define HT_REPLY_MAX (64u * 1024u * 1024u)

/* A request body fed to curl through its read callback, so curl sends it chunked. */
struct ht_upload {
    const uint8_t *bytes;
    size_t len, sent;
};

struct ht_request {
    const char *method;    /* "GET" or "POST" */
    const char *path;
    const uint8_t *body;
    size_t body_len;
    bool chunked;          /* send without Content-Length */
    bool expect_continue;  /* ask for 100-continue before sending the body */
    const char *cainfo;    /* trust anchor; the hub's certificate when NULL */
    const char *pin;       /* NULL: the hub's pin; "" none */
    const char *host;      /* "127.0.0.1" when NULL */
    bool resolve_host;     /* host is a name that resolves to 127.0.0.1 for this request */
};

struct ht_reply {
    CURLcode code;
    long status;
    struct http_body body, headers;
};

void ht_reply_free(struct ht_reply *r);

/* One HTTPS request with verification on and the pin set, as a post would send it. */
struct ht_reply ht_fetch(const struct ht_certs *c, uint16_t port,
                         const struct ht_request *q);

struct ht_reply ht_get(const struct ht_certs *c, uint16_t port, const char *path);

struct ht_reply ht_post(const struct ht_certs *c, uint16_t port, const char *path,
                        const uint8_t *body, size_t len, bool chunked);

/* ---- raw TLS client (GnuTLS) ---- */

struct ht_tls {
    int fd;
    gnutls_session_t session;
    gnutls_certificate_credentials_t creds;
};

/* Connects to 127.0.0.1:port and runs the handshake, verifying the hub's certificate.
 * Returns the handshake's result (0 or a negative GnuTLS code); t is usable only on 0 but
 * must always be closed with ht_tls_close. */
int ht_tls_open(struct ht_tls *t, const struct ht_certs *c, uint16_t port);

void ht_tls_close(struct ht_tls *t);

void ht_tls_send(struct ht_tls *t, const char *text);

/* Reads until the peer closes (or HT_WAIT_SECONDS pass, which fails the test); returns the
 * bytes read, NUL-terminated, in out. Returns the last GnuTLS result: 0 for a clean close,
 * a negative code for an abrupt one. */
ssize_t ht_tls_read_to_close(struct ht_tls *t, char *out, size_t cap);

/* Reads one response that fits in out; returns its status. */
int ht_tls_read_response(struct ht_tls *t, char *out, size_t cap);

#endif
