/* Shared between the server's lifecycle (http_server.c) and its per-request handling
 * (http_request.c). Not for other modules. */
#ifndef HUB_HTTP_SERVER_INTERNAL_H
#define HUB_HTTP_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>

#include "net/http_server.h"

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler_fn handler;
    void *handler_ctx;
    http_log_fn log;
    void *log_ctx;
    size_t max_body_bytes;
    unsigned stop_grace_seconds;
    uint16_t port;
    /* Kept until stop: libmicrohttpd is given pointers to them. */
    char *cert_pem, *key_pem;
    size_t cert_len, key_len;
    /* in_flight counts requests from their first header to their completion; stop waits on
     * drained for it to reach zero. */
    pthread_mutex_t lock;
    pthread_cond_t drained;
    unsigned in_flight;
    bool stopping;
};

/* printf-style line to the server's log function, if any. */
void http_log(struct http_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* libmicrohttpd's access handler and request-completed callback (http_request.c). */
enum MHD_Result http_on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_data_size,
                                void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                       enum MHD_RequestTerminationCode toe);

#endif
