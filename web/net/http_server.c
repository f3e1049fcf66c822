/* The server's lifecycle: configuration, starting libmicrohttpd with TLS and every limit,
 * and a stop that lets requests in flight finish. Requests themselves: http_request.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/http_server_internal.h"
#include "sae/sae_wire_limits.h"
#include "net/tls_cert.h"

/* TLS 1.2 and 1.3 only (PROTOCOL.md section 8), and of GnuTLS's normal choice only the AEAD
 * suites (AES-GCM, ChaCha20-Poly1305) with ECDHE: no CBC (LUCKY13 and its kin), no SHA-1 MAC,
 * no CCM (which testssl.sh and clients rarely expect), no key exchange without forward
 * secrecy. Every client a post runs (libcurl over OpenSSL or GnuTLS) has these since 2016. */
static const char TLS_PRIORITIES[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:"
    "+AES-128-GCM:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA";

/* An enrolled post's connection (http_request_keep_idle) must outlive any other's. */
_Static_assert(HTTP_IDLE_TIMEOUT_MAX_S < SAE_WIRE_KEEP_IDLE_S,
               "the idle timeout's ceiling must stay under the posts' kept idle time");

/* Below this libmicrohttpd cannot hold the request line and headers of a normal request. */
#define CONNECTION_MEMORY_MIN (4u * 1024)

void http_server_config_default(struct http_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->address = "127.0.0.1";
    c->port = HTTP_SERVER_DEFAULT_PORT;
    c->threads = 4;
    c->max_connections = HTTP_SERVER_CONNECTIONS_MAX;
    c->per_ip_connections = 256;
    c->timeout_seconds = HTTP_IDLE_TIMEOUT_DEFAULT_S;
    c->header_timeout_seconds = HTTP_HEADER_TIMEOUT_DEFAULT_S;
    c->body_window_seconds = 60;
    c->body_min_rate = 100;
    c->requests_per_second = 20;
    c->request_burst = 600;
    c->body_budget_bytes = 64u * 1024 * 1024;
    c->log_lines_per_window = 20;
    c->log_window_seconds = 10;
    c->connection_memory = 64u * 1024;
    c->max_body_bytes = SAE_WIRE_ENVELOPE_BYTES;
    c->stop_grace_seconds = 30;
}

int http_server_config_fit(struct http_server_config *c, unsigned long open_files)
{
    if (open_files < HTTP_SERVER_FILES_RESERVED + HTTP_SERVER_CONNECTIONS_MIN)
        return SAE_ERANGE;
    unsigned long connections = open_files - HTTP_SERVER_FILES_RESERVED;
    c->max_connections = connections < HTTP_SERVER_CONNECTIONS_MAX ? (unsigned)connections
                                                                  : HTTP_SERVER_CONNECTIONS_MAX;
    if (c->per_ip_connections > c->max_connections / 4)
        c->per_ip_connections = c->max_connections / 4;
    return 0;
}

int http_server_config_fit_files(struct http_server_config *c, unsigned long *files)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return SAE_EIO;
    if (limit.rlim_cur < limit.rlim_max) {
        struct rlimit raised = {limit.rlim_max, limit.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    unsigned long open_files = limit.rlim_cur == RLIM_INFINITY ? ~0ul
                                                               : (unsigned long)limit.rlim_cur;
    int rc = http_server_config_fit(c, open_files);
    if (rc == 0)
        *files = open_files;
    return rc;
}

struct log_event {
    enum log_kind kind;
    const char *label, *peer;
};

static void log_write(void *ctx, const char *line)
{
    struct http_server *s = ctx;
    if (s->log)
        s->log(s->log_ctx, line);
}

/* One line: written at once, or through the log limit when event says what kind it is. */
__attribute__((format(printf, 3, 0))) static void log_vline(struct http_server *s,
                                                           const struct log_event *event,
                                                           const char *fmt, va_list args)
{
    char line[512];
    if (!s->log)
        return;
    vsnprintf(line, sizeof line, fmt, args);
    if (event)
        log_limit_event(s->log_limit, event->kind, event->label, event->peer, line,
                        http_now_ms());
    else
        s->log(s->log_ctx, line);
}

void http_log(struct http_server *s, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    log_vline(s, NULL, fmt, args);
    va_end(args);
}

void http_log_event(struct http_server *s, enum log_kind kind, const char *label,
                    const char *peer, const char *fmt, ...)
{
    struct log_event event = {kind, label, peer};
    va_list args;
    va_start(args, fmt);
    log_vline(s, &event, fmt, args);
    va_end(args);
}

/* A label for a summary of libmicrohttpd's messages: which kind of trouble a flood was. */
static const char *message_label(const char *text)
{
    static const struct {
        const char *contains, *label;
    } kinds[] = {
        {"disconnected", "disconnected"}, {"connection limit", "limit"},
        {"TLS", "tls"},                   {"andshake", "tls"},
        {"ccept", "accept"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strstr(text, kinds[i].contains))
            return kinds[i].label;
    return "other";
}

/* libmicrohttpd's own messages (bind failures, TLS errors) become log lines, on one line each
 * and in printable ASCII. */
__attribute__((format(printf, 2, 0))) static void on_mhd_message(void *cls, const char *fmt,
                                                                 va_list args)
{
    struct http_server *s = cls;
    char text[400];
    vsnprintf(text, sizeof text, fmt, args);
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
            text[i] = '?';
    http_log_event(s, LOG_KIND_SERVER, message_label(text), NULL, "http: %s", text);
}

static bool config_valid(const struct http_server_config *c)
{
    return c && c->address && (c->plain_http || (c->cert_pem_path && c->key_pem_path)) &&
           c->threads > 0 &&
           c->max_connections >= c->threads && c->per_ip_connections > 0 &&
           c->per_ip_connections <= c->max_connections &&
           c->timeout_seconds >= HTTP_IDLE_TIMEOUT_MIN_S &&
           c->timeout_seconds <= HTTP_IDLE_TIMEOUT_MAX_S &&
           c->header_timeout_seconds >= HTTP_HEADER_TIMEOUT_MIN_S &&
           c->header_timeout_seconds <= HTTP_HEADER_TIMEOUT_MAX_S && c->body_window_seconds > 0 &&
           c->body_budget_bytes > 0 && c->connection_memory >= CONNECTION_MEMORY_MIN &&
           c->max_body_bytes > 0 && c->max_body_bytes <= SIZE_MAX / 2;
}

unsigned http_server_header_deadline_from(const struct http_server_config *c)
{
    return c->max_connections - c->max_connections / 8;
}

static struct conn_guard_config guard_config(const struct http_server_config *c)
{
    struct conn_guard_config g = {
        .max_connections = c->max_connections,
        .per_address = c->per_ip_connections,
        .header_timeout_ms = c->header_timeout_seconds * 1000u,
        .header_deadline_from = http_server_header_deadline_from(c),
        .body_window_ms = c->body_window_seconds * 1000u,
        .body_min_rate = c->body_min_rate,
        .requests = {c->requests_per_second, c->request_burst},
    };
    return g;
}

/* A numeric address only: binding a name would depend on DNS and could pick an interface
 * nobody meant to open. */
static int parse_address(const char *text, uint16_t port, struct sockaddr_storage *out,
                         bool *ipv6)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *ipv6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *ipv6 = true;
        return 0;
    }
    return SAE_EINVAL;
}

int http_listen_parse(const char *text, char address[HTTP_LISTEN_ADDRESS_BYTES], uint16_t *port)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    char *end = NULL;
    unsigned char probe[16];
    if (!colon || colon == text)
        return SAE_EINVAL;
    size_t len = (size_t)(colon - text);
    if (text[0] == '[' && len >= 2 && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len >= HTTP_LISTEN_ADDRESS_BYTES)
        return SAE_EINVAL;
    long value = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || value < 0 || value > 65535)
        return SAE_EINVAL;
    char copy[HTTP_LISTEN_ADDRESS_BYTES];
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (inet_pton(AF_INET, copy, probe) != 1 && inet_pton(AF_INET6, copy, probe) != 1)
        return SAE_EINVAL;
    memcpy(address, copy, len + 1);
    *port = (uint16_t)value;
    return 0;
}

/* 127.0.0.0/8 or ::1: the only addresses plain HTTP may be served on. */
static bool address_is_loopback(const struct sockaddr_storage *addr, bool ipv6)
{
    if (ipv6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)addr)->sin6_addr);
    return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127;
}

bool http_address_is_loopback(const char *address)
{
    struct sockaddr_storage addr;
    bool ipv6 = false;
    return address && parse_address(address, 0, &addr, &ipv6) == 0 &&
           address_is_loopback(&addr, ipv6);
}

static void server_free(struct http_server *s)
{
    tls_pem_free(s->cert_pem, s->cert_len);
    tls_pem_free(s->key_pem, s->key_len);
    conn_guard_destroy(s->guard);
    log_limit_destroy(s->log_limit);
    pthread_cond_destroy(&s->sweeper_wake);
    pthread_cond_destroy(&s->drained);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* The lock and the two conditions, on the monotonic clock (stop's and the sweeper's
 * deadlines). All or nothing. */
static int server_sync_init(struct http_server *s)
{
    pthread_condattr_t attr;
    int rc = SAE_ENOMEM;
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        return rc;
    if (pthread_condattr_init(&attr) == 0) {
        if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&s->drained, &attr) == 0) {
            if (pthread_cond_init(&s->sweeper_wake, &attr) == 0)
                rc = 0;
            else
                pthread_cond_destroy(&s->drained);
        }
        pthread_condattr_destroy(&attr);
    }
    if (rc != 0)
        pthread_mutex_destroy(&s->lock);
    return rc;
}

/* The server with its PEM files read, its guard, log limit and body budget made, and its
 * lock and conditions ready. */
static int server_new(const struct http_server_config *c, struct http_server **out)
{
    struct http_server *s = calloc(1, sizeof *s);
    struct conn_guard_config guard = guard_config(c);
    struct log_limit_config log = {c->log_lines_per_window, c->log_window_seconds};
    if (!s)
        return SAE_ENOMEM;
    int rc = server_sync_init(s);
    if (rc != 0) {
        free(s);
        return rc;
    }
    body_budget_init(&s->budget, c->body_budget_bytes);
    if (!c->plain_http)
        rc = tls_pem_read(c->cert_pem_path, &s->cert_pem, &s->cert_len);
    if (rc == 0 && !c->plain_http)
        rc = tls_pem_read(c->key_pem_path, &s->key_pem, &s->key_len);
    if (rc == 0)
        rc = conn_guard_create(&guard, &s->guard);
    if (rc == 0)
        rc = log_limit_create(&log, log_write, s, &s->log_limit);
    if (rc != 0) {
        server_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* The pool's threads wait with poll(), not epoll: in libmicrohttpd 0.9.75 (Debian 12)
 * MHD_quiesce_daemon and an epoll worker both remove the listening socket from the worker's
 * epoll set without a lock, and the loser aborts the whole process ("Failed to remove listen
 * FD from epoll set"; seen once in about 60 runs of test_http_server). The poll() side of
 * quiesce only raises a flag and wakes the threads. poll() costs a scan of each thread's
 * connections per wake-up, small at the connection limits used here. */
static struct MHD_Daemon *daemon_start(struct http_server *s, const struct http_server_config *c,
                                       const struct sockaddr_storage *addr, bool ipv6)
{
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | (c->plain_http ? 0 : MHD_USE_TLS) |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    /* Options only some servers take: the certificate (not over plain HTTP) and the pool
     * (one thread is libmicrohttpd's own internal thread, which takes no pool size). */
    struct MHD_OptionItem extra[5];
    size_t n = 0;
    if (!c->plain_http) {
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem};
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem};
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)(uintptr_t)TLS_PRIORITIES};
    }
    if (c->threads > 1)
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)c->threads,
                                             NULL};
    extra[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    /* No MHD_OPTION_PER_IP_CONNECTION_LIMIT: the guard counts per address itself, so that a
     * new connection can take the place of a waiting one instead of being refused. */
    return MHD_start_daemon(
        flags, c->port, http_on_accept, s, http_on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_message, s,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
        MHD_OPTION_ARRAY, extra,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->connection_memory,
        MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, s,
        MHD_OPTION_END);
}

int http_request_keep_idle(const struct http_request *req, unsigned seconds)
{
    if (!req || !req->connection || seconds == 0)
        return SAE_EINVAL;
    return MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT,
                                     seconds) == MHD_YES ? 0 : SAE_EINVAL;
}

int http_server_start(const struct http_server_config *config, http_handler_fn handler,
                      void *handler_ctx, http_log_fn log, void *log_ctx,
                      struct http_server **out)
{
    struct sockaddr_storage addr;
    struct http_server *s = NULL;
    bool ipv6 = false;
    int rc;
    if (!config_valid(config) || !handler || !out)
        return SAE_EINVAL;
    if (parse_address(config->address, config->port, &addr, &ipv6) != 0)
        return SAE_EINVAL;
    if (config->plain_http && !address_is_loopback(&addr, ipv6))
        return SAE_EINVAL;
    if (!config->plain_http && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return SAE_EINVAL;
    rc = server_new(config, &s);
    if (rc != 0)
        return rc;
    s->handler = handler;
    s->handler_ctx = handler_ctx;
    s->log = log;
    s->log_ctx = log_ctx;
    s->max_body_bytes = config->max_body_bytes;
    s->stop_grace_seconds = config->stop_grace_seconds;
    s->plain_http = config->plain_http;
    rc = http_sweeper_start(s);
    if (rc != 0) {
        server_free(s);
        return rc;
    }
    s->daemon = daemon_start(s, config, &addr, ipv6);
    if (!s->daemon) {
        http_sweeper_stop(s);
        log_limit_tick(s->log_limit, http_now_ms(), true);
        server_free(s);
        return SAE_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info && info->port != 0 ? info->port : config->port;
    *out = s;
    return 0;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

/* Waits until no request is in flight or the grace period ends; returns how many remain. */
static unsigned wait_drained(struct http_server *s)
{
    struct timespec deadline;
    unsigned remaining;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)s->stop_grace_seconds;
    pthread_mutex_lock(&s->lock);
    while (s->in_flight > 0) {
        int rc = pthread_cond_timedwait(&s->drained, &s->lock, &deadline);
        if (rc == ETIMEDOUT)
            break;
    }
    remaining = s->in_flight;
    pthread_mutex_unlock(&s->lock);
    return remaining;
}

void http_server_stop(struct http_server *s)
{
    unsigned in_flight, remaining;
    if (!s)
        return;
    /* The listening socket leaves every thread's poll set here but may only be closed after
     * the threads are joined (libmicrohttpd's rule). */
    MHD_socket listener = MHD_quiesce_daemon(s->daemon);
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    in_flight = s->in_flight;
    pthread_mutex_unlock(&s->lock);
    http_log(s, "http: stopping: no new connections; %u request(s) in flight", in_flight);
    remaining = wait_drained(s);
    if (remaining > 0)
        http_log(s, "http: stopping: %u request(s) still open after %u s are cut off",
                 remaining, s->stop_grace_seconds);
    MHD_stop_daemon(s->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    http_sweeper_stop(s);
    log_limit_tick(s->log_limit, http_now_ms(), true);
    http_log(s, "http: stopped");
    server_free(s);
}
