/* One request through the server: the address's request rate, size and budget checks before
 * and while the body arrives, the body collected in memory as it arrives, the handler called
 * once, its answer sent, one log line at the end (summarised in floods when refused). */
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "net/http_server_internal.h"
#include "sae/sae_borrow.h"

#define LOG_METHOD_BYTES 64
#define LOG_PATH_BYTES 200
/* The first allocation for a body sent without Content-Length; it doubles from there. */
#define BODY_FIRST_BYTES (16u * 1024)

static const char TEXT_PLAIN[] = "text/plain; charset=utf-8";
static const char TOO_LARGE[] = "The request body is larger than the hub accepts.\n";
static const char FAILED[] = "The hub failed to handle the request; nothing was applied.\n";
static const char STOPPING[] = "The hub is shutting down; try again later.\n";
static const char BAD_LENGTH[] = "The Content-Length header is not a number.\n";
static const char RATE_LIMITED[] = "Too many requests from this address; try again later.\n";
static const char BUSY[] = "The hub is receiving too much at once; try again later.\n";

struct request_state {
    struct timespec started;
    char method[LOG_METHOD_BYTES + 1];
    char path[LOG_PATH_BYTES + 1];
    char peer[NI_MAXHOST];
    struct conn_entry *connection; /* the guard's handle; NULL if it has none */
    uint8_t *body;
    size_t body_len, body_cap;     /* body_cap bytes are reserved from the body budget */
    unsigned long long expected; /* Content-Length, 0 when absent */
    unsigned long long received; /* every body byte, kept or dropped */
    bool too_big;                /* past max_body_bytes: bytes are dropped, 413 at the end */
    bool over_budget;            /* past the body budget: bytes are dropped, 503 at the end */
    bool out_of_memory;          /* the body could not be kept: 500 at the end */
    unsigned rate_limited;       /* no body and no token: 429 with this Retry-After at the end
                                    (libmicrohttpd closes the connection after any answer
                                    given before the end of a request) */
    unsigned status;             /* the answer queued, 0 before */
    size_t out_len;
};

/* A response body the handler allocated, wiped and freed when libmicrohttpd is done. */
struct owned_body {
    uint8_t *bytes;
    size_t len;
};

static void owned_body_free(void *cls)
{
    struct owned_body *ob = cls;
    sodium_memzero(ob->bytes, ob->len);
    free(ob->bytes);
    free(ob);
}

static void bytes_free(uint8_t *bytes, size_t len)
{
    if (!bytes)
        return;
    sodium_memzero(bytes, len);
    free(bytes);
}

/* Only the bytes that were written are wiped: the rest of the buffer never held any. */
static void body_drop(struct http_server *s, struct request_state *r)
{
    bytes_free(r->body, r->body_len);
    body_budget_release(&s->budget, r->body_cap);
    r->body = NULL;
    r->body_len = r->body_cap = 0;
}

/* Copies text for a log line: at most cap bytes, anything outside printable ASCII as '?'. */
static void log_copy(char *out, size_t cap, const char *text)
{
    size_t i = 0;
    for (; text && text[i] && i < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[i] = '\0';
}

static void peer_address(struct MHD_Connection *connection, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "?");
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
    if (getnameinfo(sa, len, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, cap, "?");
}

static bool add_header(struct MHD_Response *response, const char *name, const char *value)
{
    return MHD_add_response_header(response, name, value) == MHD_YES;
}

static bool add_headers(struct MHD_Response *response, const char *content_type,
                        unsigned retry_after, const char *allow, bool close)
{
    char seconds[16];
    bool ok = add_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                         content_type ? content_type : TEXT_PLAIN);
    if (ok && retry_after > 0) {
        snprintf(seconds, sizeof seconds, "%u", retry_after);
        ok = add_header(response, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    if (ok && allow)
        ok = add_header(response, MHD_HTTP_HEADER_ALLOW, allow);
    if (ok && close)
        ok = add_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    return ok;
}

/* Queues status with the handler's body (taken over: freed on every path). */
static enum MHD_Result answer(struct MHD_Connection *connection, struct request_state *r,
                              const struct http_response *resp)
{
    struct MHD_Response *response = NULL;
    struct owned_body *ob = NULL;
    if (resp->body && resp->body_len > 0) {
        ob = malloc(sizeof *ob);
        if (ob) {
            ob->bytes = resp->body;
            ob->len = resp->body_len;
            response = MHD_create_response_from_buffer_with_free_callback_cls(
                resp->body_len, resp->body, owned_body_free, ob);
        }
        if (!response) {
            bytes_free(resp->body, resp->body_len);
            free(ob);
            return MHD_NO;
        }
    } else {
        bytes_free(resp->body, resp->body_len);
        response = MHD_create_response_from_buffer(0, sae_borrow(""), MHD_RESPMEM_PERSISTENT);
        if (!response)
            return MHD_NO;
    }
    enum MHD_Result queued = MHD_NO;
    bool ok = add_headers(response, resp->content_type, resp->retry_after_seconds, resp->allow,
                          false) &&
              add_header(response, MHD_HTTP_HEADER_CACHE_CONTROL,
                         resp->cache_control ? resp->cache_control : "no-store");
    for (unsigned i = 0; ok && i < resp->header_count && i < HTTP_RESPONSE_HEADERS_MAX; i++)
        ok = resp->headers[i].name &&
             add_header(response, resp->headers[i].name, resp->headers[i].value);
    if (ok)
        queued = MHD_queue_response(connection, resp->status, response);
    MHD_destroy_response(response);
    if (queued == MHD_YES) {
        r->status = resp->status;
        r->out_len = resp->body_len;
    }
    return queued;
}

/* Queues one of the server's own short English answers; close: end the connection after it
 * (an early answer leaves an unread body behind). */
static enum MHD_Result answer_text(struct MHD_Connection *connection, struct request_state *r,
                                   unsigned status, const char *text, unsigned retry_after,
                                   bool close)
{
    size_t len = strlen(text);
    struct MHD_Response *response =
        MHD_create_response_from_buffer(len, sae_borrow(text), MHD_RESPMEM_PERSISTENT);
    enum MHD_Result queued = MHD_NO;
    if (!response)
        return MHD_NO;
    if (add_headers(response, TEXT_PLAIN, retry_after, NULL, close) &&
        add_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"))
        queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    if (queued == MHD_YES) {
        r->status = status;
        r->out_len = len;
    }
    return queued;
}

static bool parse_length(const char *text, unsigned long long *out)
{
    unsigned long long n = 0;
    if (!*text)
        return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || n > (ULLONG_MAX - 9) / 10)
            return false;
        n = n * 10 + (unsigned long long)(*p - '0');
    }
    *out = n;
    return true;
}

/* Whether a body may follow the headers: an early answer must then close the connection,
 * since the body's bytes would otherwise be read as the next request. */
static bool body_may_follow(struct MHD_Connection *connection, unsigned long long expected)
{
    return expected > 0 || MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* The checks made on the headers alone, cheapest first. */
static enum MHD_Result request_admit(struct http_server *s, struct MHD_Connection *connection,
                                     struct request_state *r)
{
    unsigned retry_after = 0;
    const char *length =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    bool length_valid = !length || parse_length(length, &r->expected);
    if (r->connection &&
        !conn_guard_request(s->guard, r->connection, http_now_ms(), &retry_after)) {
        if (!body_may_follow(connection, r->expected)) {
            /* Answered at the end, on a connection that stays open: a flood of refused
             * requests then costs no TLS handshake each. */
            r->rate_limited = retry_after;
            return MHD_YES;
        }
        return answer_text(connection, r, MHD_HTTP_TOO_MANY_REQUESTS, RATE_LIMITED,
                           retry_after, true);
    }
    if (!length_valid)
        return answer_text(connection, r, MHD_HTTP_BAD_REQUEST, BAD_LENGTH, 0, true);
    if (r->expected > s->max_body_bytes)
        return answer_text(connection, r, MHD_HTTP_CONTENT_TOO_LARGE, TOO_LARGE, 0, true);
    if (!body_budget_fits(&s->budget, (size_t)r->expected))
        return answer_text(connection, r, MHD_HTTP_SERVICE_UNAVAILABLE, BUSY,
                           HTTP_SERVER_BUSY_RETRY_AFTER, true);
    return MHD_YES;
}

/* The first call: headers are in, no body byte has been read. */
static enum MHD_Result request_begin(struct http_server *s, struct MHD_Connection *connection,
                                     const char *url, const char *method, void **con_cls)
{
    struct request_state *r = calloc(1, sizeof *r);
    bool stopping;
    if (!r)
        return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &r->started);
    log_copy(r->method, LOG_METHOD_BYTES, method);
    log_copy(r->path, LOG_PATH_BYTES, url);
    peer_address(connection, r->peer, sizeof r->peer);
    r->connection = http_connection_entry(connection);
    *con_cls = r;
    pthread_mutex_lock(&s->lock);
    s->in_flight++;
    stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    if (stopping)
        return answer_text(connection, r, MHD_HTTP_SERVICE_UNAVAILABLE, STOPPING,
                           HTTP_SERVER_STOPPING_RETRY_AFTER, true);
    return request_admit(s, connection, r);
}

/* Room for n more bytes: the buffer doubles from BODY_FIRST_BYTES as bytes arrive, never
 * past Content-Length (when given) or the limit (received has been checked against it).
 * The new buffer is reserved from the budget before it is allocated, and the old one given
 * back once it is wiped and freed, so the budget also covers the copy. Returns 0,
 * SAE_EBUSY (over the budget) or SAE_ENOMEM. */
static int body_reserve(struct http_server *s, struct request_state *r, size_t n)
{
    size_t need = r->body_len + n, cap;
    uint8_t *bigger;
    if (need <= r->body_cap)
        return 0;
    cap = r->body_cap > 0 ? r->body_cap * 2 : BODY_FIRST_BYTES;
    if (r->expected >= need && cap > r->expected)
        cap = (size_t)r->expected;
    if (cap > s->max_body_bytes)
        cap = s->max_body_bytes;
    if (cap < need)
        cap = need;
    if (body_budget_reserve(&s->budget, cap) != 0)
        return SAE_EBUSY;
    bigger = malloc(cap);
    if (!bigger) {
        body_budget_release(&s->budget, cap);
        return SAE_ENOMEM;
    }
    if (r->body_len > 0)
        memcpy(bigger, r->body, r->body_len);
    bytes_free(r->body, r->body_len);
    body_budget_release(&s->budget, r->body_cap);
    r->body = bigger;
    r->body_cap = cap;
    return 0;
}

/* A piece of the body. Past the limit or the budget nothing more is stored; past twice the
 * limit the sender is not worth reading any longer and the connection is closed. */
static enum MHD_Result request_body(struct http_server *s, struct request_state *r,
                                    const char *data, size_t *size)
{
    size_t n = *size;
    unsigned long long limit = s->max_body_bytes;
    *size = 0;
    r->received += n;
    if (r->connection)
        conn_guard_body(s->guard, r->connection, n);
    if (!r->too_big && r->received > limit) {
        r->too_big = true;
        body_drop(s, r);
    }
    if (r->too_big)
        return r->received > 2 * limit ? MHD_NO : MHD_YES;
    if (r->out_of_memory || r->over_budget)
        return MHD_YES;
    int rc = body_reserve(s, r, n);
    if (rc != 0) {
        r->over_budget = rc == SAE_EBUSY;
        r->out_of_memory = rc != SAE_EBUSY;
        body_drop(s, r);
        return MHD_YES;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    return MHD_YES;
}

static bool status_valid(unsigned status)
{
    return status >= 200 && status <= 599;
}

/* The whole body is in: the handler's turn. */
static enum MHD_Result request_finish(struct http_server *s, struct MHD_Connection *connection,
                                      struct request_state *r, const char *url,
                                      const char *method)
{
    if (r->connection)
        conn_guard_handling(s->guard, r->connection);
    if (r->rate_limited)
        return answer_text(connection, r, MHD_HTTP_TOO_MANY_REQUESTS, RATE_LIMITED,
                           r->rate_limited, false);
    if (r->too_big)
        return answer_text(connection, r, MHD_HTTP_CONTENT_TOO_LARGE, TOO_LARGE, 0, true);
    if (r->over_budget)
        return answer_text(connection, r, MHD_HTTP_SERVICE_UNAVAILABLE, BUSY,
                           HTTP_SERVER_BUSY_RETRY_AFTER, true);
    if (r->out_of_memory)
        return answer_text(connection, r, MHD_HTTP_INTERNAL_SERVER_ERROR, FAILED, 0, true);
    struct http_request req = {
        .method = method,
        .path = url,
        .content_type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = r->body_len > 0 ? r->body : NULL,
        .body_len = r->body_len,
        .peer = r->peer,
        .connection = connection,
        .tls = !s->plain_http,
    };
    struct http_response resp;
    memset(&resp, 0, sizeof resp);
    resp.cookies_not_secure = s->plain_http;
    int rc = s->handler(s->handler_ctx, &req, &resp);
    body_drop(s, r);
    if (rc != 0 || !status_valid(resp.status)) {
        bytes_free(resp.body, resp.body_len);
        return answer_text(connection, r, MHD_HTTP_INTERNAL_SERVER_ERROR, FAILED, 0, false);
    }
    return answer(connection, r, &resp);
}

enum MHD_Result http_on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_data_size,
                                void **con_cls)
{
    struct http_server *s = cls;
    struct request_state *r = *con_cls;
    (void)version;
    if (!r)
        return request_begin(s, connection, url, method, con_cls);
    if (r->status != 0) {
        /* Answered already (the server refused it early): drop whatever still arrives. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0)
        return request_body(s, r, upload_data, upload_data_size);
    return request_finish(s, connection, r, url, method);
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK: return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED: return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN: return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR: return "read-error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT: return "client-abort";
    default: return "error";
    }
}

static long long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - since->tv_sec) * 1000 +
           (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* A success always has its line; anything else can come in floods and goes through the
 * log limit. */
static void log_outcome(struct http_server *s, const struct request_state *r,
                        enum MHD_RequestTerminationCode toe)
{
    char status[12] = "-";
    const char *aborted = termination_name(toe);
    if (r->status != 0)
        snprintf(status, sizeof status, "%u", r->status);
    if (!aborted && r->status >= 200 && r->status < 400)
        http_log(s, "http: %s %s %s in=%llu out=%zu peer=%s ms=%lld", r->method, r->path,
                 status, r->received, r->out_len, r->peer, elapsed_ms(&r->started));
    else
        http_log_event(s, LOG_KIND_REQUEST, status, r->peer,
                       "http: %s %s %s in=%llu out=%zu peer=%s ms=%lld%s%s", r->method, r->path,
                       status, r->received, r->out_len, r->peer, elapsed_ms(&r->started),
                       aborted ? " aborted=" : "", aborted ? aborted : "");
}

void http_on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct request_state *r = *con_cls;
    (void)connection;
    if (!r)
        return;
    *con_cls = NULL;
    log_outcome(s, r, toe);
    body_drop(s, r);
    if (r->connection)
        conn_guard_request_done(s->guard, r->connection, http_now_ms());
    free(r);
    pthread_mutex_lock(&s->lock);
    if (--s->in_flight == 0 && s->stopping)
        pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->lock);
}
