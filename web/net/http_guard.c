/* The server's connections under the guard (conn_guard.h): libmicrohttpd asks it before
 * accepting, tells it when a connection opens and closes, and a sweeper thread closes what
 * is past its deadline every SWEEP_INTERVAL_MS and ends the log windows that are over. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "net/http_server_internal.h"

/* How late past its deadline a connection may be cut: deadlines are seconds, so a quarter of
 * one is precise enough, and four wake-ups a second cost nothing. */
#define SWEEP_INTERVAL_MS 250

int64_t http_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void log_guard_event(void *ctx, const struct conn_guard_event *ev)
{
    struct http_server *s = ctx;
    const char *label = conn_guard_action_label(ev->action);
    switch (ev->action) {
    case CONN_GUARD_CUT_HEADERS:
        http_log_event(s, LOG_KIND_CONNECTION, label, ev->peer, "http: connection from %s cut: "
                       "no complete request headers in %lld ms", ev->peer, (long long)ev->age_ms);
        break;
    case CONN_GUARD_CUT_BODY_RATE:
        http_log_event(s, LOG_KIND_CONNECTION, label, ev->peer, "http: connection from %s cut: "
                       "body too slow (%llu bytes in %lld ms)", ev->peer, ev->body_bytes,
                       (long long)ev->age_ms);
        break;
    case CONN_GUARD_REFUSED:
        http_log_event(s, LOG_KIND_CONNECTION, label, ev->peer, "http: connection from %s "
                       "refused: its address holds the most connections allowed, all busy",
                       ev->peer);
        break;
    default:
        if (ev->in_body)
            http_log_event(s, LOG_KIND_CONNECTION, label, ev->peer, "http: connection from %s "
                           "closed after %lld ms of the slowest body (%llu bytes): a new "
                           "connection needed its place (%s)", ev->peer, (long long)ev->age_ms,
                           ev->body_bytes, label);
        else
            http_log_event(s, LOG_KIND_CONNECTION, label, ev->peer, "http: connection from %s "
                           "closed after %lld ms waiting for request headers: a new "
                           "connection needed its place (%s)", ev->peer, (long long)ev->age_ms,
                           label);
        break;
    }
}

enum MHD_Result http_on_accept(void *cls, const struct sockaddr *address, socklen_t len)
{
    struct http_server *s = cls;
    (void)len;
    return conn_guard_admit(s->guard, address, http_now_ms(), log_guard_event, s) ? MHD_YES
                                                                                  : MHD_NO;
}

static void connection_started(struct http_server *s, struct MHD_Connection *connection,
                               void **socket_context)
{
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *address =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct conn_entry *entry = NULL;
    if (!fd)
        return;
    int rc = address ? conn_guard_open(s->guard, fd->connect_fd, address->client_addr,
                                       http_now_ms(), &entry)
                     : SAE_EINVAL;
    if (rc == 0) {
        *socket_context = entry;
        return;
    }
    /* A connection the guard cannot watch could be held forever: it goes at once. */
    shutdown(fd->connect_fd, SHUT_RDWR);
    http_log_event(s, LOG_KIND_CONNECTION, "untracked", NULL,
                   "http: a connection was closed at once: %s", sae_error_name(rc));
}

void http_on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        connection_started(s, connection, socket_context);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_guard_close(s->guard, *socket_context);
        *socket_context = NULL;
    }
}

struct conn_entry *http_connection_entry(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static void *sweeper_main(void *arg)
{
    struct http_server *s = arg;
    struct timespec deadline;
    pthread_mutex_lock(&s->lock);
    while (!s->sweeper_stop) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += SWEEP_INTERVAL_MS * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!s->sweeper_stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->sweeper_wake, &s->lock, &deadline);
        if (s->sweeper_stop)
            break;
        pthread_mutex_unlock(&s->lock);
        int64_t now = http_now_ms();
        conn_guard_sweep(s->guard, now, log_guard_event, s);
        log_limit_tick(s->log_limit, now, false);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int http_sweeper_start(struct http_server *s)
{
    if (pthread_create(&s->sweeper, NULL, sweeper_main, s) != 0)
        return SAE_ENOMEM;
    s->sweeper_running = true;
    return 0;
}

void http_sweeper_stop(struct http_server *s)
{
    if (!s->sweeper_running)
        return;
    pthread_mutex_lock(&s->lock);
    s->sweeper_stop = true;
    pthread_cond_broadcast(&s->sweeper_wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->sweeper, NULL);
    s->sweeper_running = false;
}
