/* Shared between the server's lifecycle (http_server.c), its connections (http_guard.c) and
 * its per-request handling (http_request.c). Not for other modules. */
#ifndef WEB_HTTP_SERVER_INTERNAL_H
#define WEB_HTTP_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>

#include "net/body_budget.h"
#include "net/conn_guard.h"
#include "net/http_server.h"
#include "net/log_limit.h"

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler_fn handler;
    void *handler_ctx;
    http_log_fn log;
    void *log_ctx;
    size_t max_body_bytes;
    unsigned stop_grace_seconds;
    uint16_t port;
    bool plain_http;
    /* Kept until stop: libmicrohttpd is given pointers to them. */
    char *cert_pem, *key_pem;
    size_t cert_len, key_len;
    struct conn_guard *guard;
    struct log_limit *log_limit;
    struct body_budget budget;
    /* in_flight counts requests from their first header to their completion; stop waits on
     * drained for it to reach zero. The sweeper thread waits on sweeper_wake. */
    pthread_mutex_t lock;
    pthread_cond_t drained, sweeper_wake;
    pthread_t sweeper;
    bool sweeper_running, sweeper_stop;
    unsigned in_flight;
    bool stopping;
};

/* Milliseconds of the monotonic clock: every deadline of the server is measured on it. */
int64_t http_now_ms(void);

/* printf-style line to the server's log function, if any, always written: for the server's
 * own events (starting, stopping), a few in its life. */
void http_log(struct http_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* printf-style line for an event that can come in floods (refused requests, cut connections,
 * libmicrohttpd's messages): written or summarised by the server's log_limit. */
void http_log_event(struct http_server *s, enum log_kind kind, const char *label,
                    const char *peer, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* libmicrohttpd's access handler and request-completed callback (http_request.c). */
enum MHD_Result http_on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_data_size,
                                void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                       enum MHD_RequestTerminationCode toe);

/* The connection guard's side (http_guard.c): libmicrohttpd's accept policy and connection
 * notifications, and the sweeper thread that enforces the deadlines and ends log windows. */
enum MHD_Result http_on_accept(void *cls, const struct sockaddr *address, socklen_t len);
void http_on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe);
struct conn_entry *http_connection_entry(struct MHD_Connection *connection);
/* Starts the sweeper; returns 0 or SAE_ENOMEM. */
int http_sweeper_start(struct http_server *s);
/* Stops and joins it (when running). */
void http_sweeper_stop(struct http_server *s);

#endif
