/* The hub's HTTPS server: libmicrohttpd over GnuTLS with a thread pool and every limit set.
 * It knows nothing of envelopes or the store: it reads a bounded body, hands the request to
 * one handler, and sends what the handler answers. PROTOCOL.md section 8 is the contract the
 * handler implements; this module enforces the parts that must hold before any handler code
 * runs (body size, TLS 1.2 or later with AEAD suites only, how long a client may take, how
 * often an address may ask, how much memory bodies take) and answers by itself:
 *   413  a Content-Length over max_body_bytes (at once, before reading the body, and the
 *        connection is closed after the answer), or a body without Content-Length (chunked)
 *        that grows past max_body_bytes (its remaining bytes are read and dropped, never
 *        stored, and the answer comes when it ends; past twice the limit the connection is
 *        closed without an answer);
 *   429  (with Retry-After) a request from an address that has used its requests
 *        (requests_per_second, request_burst): the handler never runs;
 *   503  (with Retry-After) a request whose body would take the bodies held at once past
 *        body_budget_bytes: at once when its Content-Length says so; when a body crosses the
 *        budget while arriving, its remaining bytes are dropped and the answer comes when it
 *        ends (libmicrohttpd 0.9.75 can answer only before a body or after it); and a request
 *        that begins while the server is stopping;
 *   500  the handler returned non-zero or an invalid status.
 * An early answer to a request whose body is still to come closes the connection after it.
 * The handler never sees those requests. Every response carries Cache-Control: no-store
 * unless the handler names another (a built-in asset that never changes under its name).
 *
 * Connections (conn_guard.h has the rules): at most max_connections, at most
 * per_ip_connections from one address (a newer connection takes the place of the address's
 * oldest one still waiting for its request headers), from 7/8 of max_connections on the TLS
 * handshake and request headers within header_timeout_seconds and a new connection taking
 * the place of the oldest still waiting for them, a body at body_min_rate bytes a second or
 * more over each window of body_window_seconds, nothing idle for timeout_seconds.
 *
 * Memory: at most body_budget_bytes of request bodies at once (a body's buffer grows as its
 * bytes arrive, never to more than its Content-Length), plus, per thread of the pool, what
 * one handler holds at a time (the hub's handler: the envelope opened and inflated within
 * sae_limits, see README), plus libmicrohttpd's and GnuTLS's per-connection state.
 *
 * For clients: an early 413 closes the connection while the client may still be sending, so
 * a client that sends a large body without waiting can see "connection reset" instead of the
 * 413 (measured with curl over loopback: 1 in 8 at 1 MB, 6 in 8 at 3 MB). A client that sends
 * "Expect: 100-continue" (and a long CURLOPT_EXPECT_100_TIMEOUT_MS) always gets the 413 and
 * sends nothing. libmicrohttpd suppresses SIGPIPE itself on Linux. */
#ifndef WEB_HTTP_SERVER_H
#define WEB_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"

struct MHD_Connection;

struct http_request {
    const char *method;       /* "GET", "POST", ... as sent */
    const char *path;         /* without the query string */
    const char *content_type; /* NULL when absent */
    const uint8_t *body;      /* body_len bytes, valid during the call; NULL when empty */
    size_t body_len;
    const char *peer;         /* the client's address, numeric ("127.0.0.1", "::1") */
    bool tls;                 /* over HTTPS (false only on a plain_http server: loopback) */
    struct MHD_Connection *connection; /* for web/app/web_request.h's bounded lookups of
                                          headers, cookies, query and form; valid during
                                          the call */
};

/* Headers a handler may add besides the ones the server sets (web/app/web_response.h adds
 * the security headers, Set-Cookie and Location). Names are static strings; values are
 * copied into the response, so a handler needs no allocation for them. */
#define HTTP_RESPONSE_HEADERS_MAX 16u
#define HTTP_HEADER_VALUE_BYTES 512u
struct http_header {
    const char *name;
    char value[HTTP_HEADER_VALUE_BYTES];
};

struct http_response {
    unsigned status;                /* 200..599; anything else becomes 500 */
    uint8_t *body;                  /* malloc'd by the handler; the server wipes and frees it,
                                       even when the handler fails; NULL when empty */
    size_t body_len;
    const char *content_type;       /* a static string; NULL: "text/plain; charset=utf-8" */
    unsigned retry_after_seconds;   /* 0: no Retry-After header */
    const char *allow;              /* a static string for the Allow header of a 405 ("POST");
                                       NULL: none */
    const char *cache_control;      /* a static string; NULL: "no-store" */
    struct http_header headers[HTTP_RESPONSE_HEADERS_MAX];
    unsigned header_count;
    bool cookies_not_secure;        /* set by the server of plain HTTP (loopback only): cookies
                                       go without Secure, which browsers before 2021 refuse
                                       over http://127.0.0.1 (the connection never leaves the
                                       computer) */
};

/* Called once per complete request, from any of the pool's threads at the same time: it must
 * be thread-safe. resp arrives zeroed but for cookies_not_secure. Returns 0 when resp is set; non-zero makes the server
 * answer 500 itself (and free resp->body if set). */
typedef int (*http_handler_fn)(void *ctx, const struct http_request *req,
                               struct http_response *resp);

/* One line, without a newline, per request outcome, and for server events (start problems,
 * TLS errors, connections cut, stopping). Called from any thread; must be thread-safe. Lines
 * hold the method, path, status, body sizes, peer address and duration of a request, never a
 * body:
 *   http: POST /v1/push 200 in=1834 out=97 peer=127.0.0.1 ms=12
 *   http: POST /v1/push 413 in=0 out=44 peer=10.0.0.7 ms=1
 *   http: GET /v1/health - in=0 out=0 peer=10.0.0.7 ms=60001 aborted=timeout
 * Method and path are cut to 64 and 200 bytes and every byte outside printable ASCII becomes
 * '?', so a request cannot forge log lines. A successful request always has its line (their
 * number is bounded by the request rate limit). Refused or failed requests, connections
 * refused or cut, and libmicrohttpd's messages come in floods under attack: of each, at most
 * log_lines_per_window lines are written per window of log_window_seconds and the rest are
 * summed up in one line when the window ends (log_limit.h):
 *   http: 12,345 more refused requests in the last 10 s: 429 x 12,000, 413 x 345; top peer 10.1.2.3 */
typedef void (*http_log_fn)(void *ctx, const char *line);

struct http_server_config {
    const char *address;         /* numeric IPv4 or IPv6 address to bind, and only it */
    uint16_t port;               /* 0: the system picks a free port; read http_server_port */
    const char *cert_pem_path;   /* the certificate (chain) and its key, PEM */
    const char *key_pem_path;
    bool plain_http;             /* no TLS, no certificate: only for a server bound to a
                                    loopback address (the post app's default, whose browser
                                    runs on the same computer); false everywhere else */
    unsigned threads;            /* size of the thread pool */
    unsigned max_connections;    /* open connections in all; shared among the pool's threads */
    unsigned per_ip_connections; /* open connections from one address (IPv6: one /64) */
    unsigned timeout_seconds;    /* a connection idle this long (handshake included) is
                                    closed: HTTP_IDLE_TIMEOUT_MIN_S..HTTP_IDLE_TIMEOUT_MAX_S */
    unsigned header_timeout_seconds; /* TLS handshake + request headers, from the connection's
                                        start or the previous answer, once 7/8 of
                                        max_connections are open:
                                        HTTP_HEADER_TIMEOUT_MIN_S..HTTP_HEADER_TIMEOUT_MAX_S */
    unsigned body_window_seconds;    /* a body's rate is judged over windows this long */
    unsigned body_min_rate;          /* bytes a second a body must average over each window */
    unsigned requests_per_second;    /* per address, on average */
    unsigned request_burst;          /* per address, at once after a quiet spell */
    size_t body_budget_bytes;        /* request bodies held at once, in all */
    unsigned log_lines_per_window;   /* lines of refused requests, cut connections and
                                        libmicrohttpd messages, each, per log window */
    unsigned log_window_seconds;
    size_t connection_memory;    /* per-connection buffer for headers and reading */
    size_t max_body_bytes;       /* largest request body accepted (inclusive) */
    unsigned stop_grace_seconds; /* how long http_server_stop waits for requests in flight */
};

/* Documented defaults (README, "Limits"), chosen for a district hub reached by a few
 * hundred posts over slow mobile links, many of them behind one carrier-grade NAT address:
 *   address "127.0.0.1" (serve --listen sets the real one), port 8443,
 *   cert/key paths NULL (the caller must set them),
 *   threads 4, max_connections 4096 (http_server_config_fit_files lowers it to what the
 *   process may open), per_ip_connections 256 (330 posts share an address at most sync
 *   every 5 minutes; a post holds one connection), timeout_seconds 60 (idle time, not
 *   total: a 2 MiB upload over 2G takes minutes but is never idle that long),
 *   header_timeout_seconds 20 (a TLS handshake and a request line over 2G with a 1 s round
 *   trip take under 6 s; it applies only near the connection limit, see conn_guard.h),
 *   body_min_rate 100 bytes a second over body_window_seconds 60 (the
 *   post's own client gives up below 100 bytes a second for 60 s: the hub is never stricter),
 *   requests_per_second 20 and request_burst 600 (330 posts syncing at once, each round a
 *   pull and a push), body_budget_bytes 64 MiB (32 bodies of 2 MiB at once),
 *   log_lines_per_window 20, log_window_seconds 10, connection_memory 64 KiB,
 *   max_body_bytes SAE_WIRE_ENVELOPE_BYTES (2 MiB), stop_grace_seconds 30. */
void http_server_config_default(struct http_server_config *c);

#define HTTP_SERVER_DEFAULT_PORT 8443u
/* The two connection deadlines both daemons' serve take as options (--idle-timeout,
 * --header-timeout; nginx's keepalive_timeout and client_header_timeout are the model), with
 * their defaults and ranges; http_server_start refuses a config outside them (SAE_EINVAL).
 * The idle timeout's ceiling stays under SAE_WIRE_KEEP_IDLE_S, so that an enrolled post's
 * kept connection always outlives every other one. A floor of 1 s, because a test or an
 * operator chasing slow clients may want a deadline of seconds; below that a TLS handshake
 * over a real link cannot finish. */
#define HTTP_IDLE_TIMEOUT_DEFAULT_S 60u
#define HTTP_IDLE_TIMEOUT_MIN_S 1u
#define HTTP_IDLE_TIMEOUT_MAX_S 300u
#define HTTP_HEADER_TIMEOUT_DEFAULT_S 20u
#define HTTP_HEADER_TIMEOUT_MIN_S 1u
#define HTTP_HEADER_TIMEOUT_MAX_S 300u
/* Retry-After of the 503 answered to requests that begin while the server stops. */
#define HTTP_SERVER_STOPPING_RETRY_AFTER 30u
/* Retry-After of the 503 answered to a body over the body budget. */
#define HTTP_SERVER_BUSY_RETRY_AFTER 10u
/* The most connections http_server_config_fit_files sets, and the file descriptors it keeps
 * for everything else (the database pool with its -wal and -shm files, the listening socket,
 * libmicrohttpd's wake-up pipes, the log). */
#define HTTP_SERVER_CONNECTIONS_MAX 4096u
#define HTTP_SERVER_FILES_RESERVED 128u
/* Below this many connections a hub is not worth starting. */
#define HTTP_SERVER_CONNECTIONS_MIN 64u

/* Sets c->max_connections to what fits in open_files: the smaller of
 * HTTP_SERVER_CONNECTIONS_MAX and open_files less HTTP_SERVER_FILES_RESERVED; lowers
 * c->per_ip_connections to a quarter of that when it was more. Returns 0, or SAE_ERANGE (c
 * unchanged) when fewer than HTTP_SERVER_CONNECTIONS_MIN connections would fit. */
int http_server_config_fit(struct http_server_config *c, unsigned long open_files);

/* Raises the process's soft limit of open files to its hard limit, then
 * http_server_config_fit with it. *files is the limit now in force. Returns 0, SAE_ERANGE
 * or SAE_EIO (the limit cannot be read). */
int http_server_config_fit_files(struct http_server_config *c, unsigned long *files);

/* How many open connections make the header deadline apply: 7/8 of c->max_connections. */
unsigned http_server_header_deadline_from(const struct http_server_config *c);

/* ADDR:PORT or [IPv6]:PORT into a numeric address (at most 63 bytes) and a port (0 lets the
 * system pick). SAE_EINVAL for anything else (names are never looked up). */
#define HTTP_LISTEN_ADDRESS_BYTES 64u
int http_listen_parse(const char *text, char address[HTTP_LISTEN_ADDRESS_BYTES], uint16_t *port);
/* Whether a numeric address is a loopback one (127.0.0.0/8, ::1). */
bool http_address_is_loopback(const char *address);

struct http_server;

/* Reads the certificate and key, binds config->address:port with TLS 1.2 or later only, and
 * starts the pool (with plain_http: no certificate, plain HTTP, and only on a loopback
 * address, else SAE_EINVAL). Problems are also reported through log (for instance "Failed to bind").
 * log may be NULL. *out is untouched on failure.
 * Returns 0, SAE_EINVAL (a config value is missing, zero, out of its range or not numeric, or
 * libmicrohttpd was built without TLS), SAE_ENOTFOUND / SAE_EIO / SAE_ETOOBIG (a PEM file), SAE_ENOMEM, or
 * SAE_EIO (libmicrohttpd could not start: address in use, key not matching, ...). */
int http_server_start(const struct http_server_config *config, http_handler_fn handler,
                      void *handler_ctx, http_log_fn log, void *log_ctx,
                      struct http_server **out);

/* Lets the connection req came on stay open while idle for seconds (instead of the
 * server's timeout_seconds) from now on: for a client proven by what it sent, whose next
 * request comes only after its own interval. The guard still closes such a connection while
 * it waits, near the connection limits (conn_guard.h). Returns 0, or SAE_EINVAL (no
 * connection, or libmicrohttpd refused): the connection then keeps the server's timeout. */
int http_request_keep_idle(const struct http_request *req, unsigned seconds);

/* The port the server listens on (the one picked when config->port was 0). */
uint16_t http_server_port(const struct http_server *s);

/* Stops the server and frees it; NULL is allowed. What it guarantees:
 * - at once, no new connection is accepted (new clients are refused or time out in the
 *   kernel's queue), and a request that begins on an open keep-alive connection is answered
 *   503 with Retry-After and that connection closed;
 * - every request already begun (headers received) is waited for, up to stop_grace_seconds:
 *   a handler that is running always runs to the end (threads are joined), and its response
 *   is sent if the client is still reading within the grace period;
 * - then the remaining connections are closed and the threads joined; the handler and the
 *   log function are not called after this returns.
 * A request cut off by the end of the grace period may have been handled without its client
 * hearing the answer: pushes are idempotent, so the client's retry is safe. */
void http_server_stop(struct http_server *s);

#endif
