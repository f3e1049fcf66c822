/* The guard of the hub's connections: what keeps a few clients that send slowly, or not at
 * all, from holding the server (slowloris, slow bodies), and what keeps one address from
 * taking more than its share. It tracks every open connection (libmicrohttpd tells it when
 * one opens and closes, and when a request begins and ends) and closes a connection by
 * shutdown(2) on its socket; libmicrohttpd then reads end-of-file and closes it itself.
 *
 * Rules, each a field of conn_guard_config:
 *   - header_timeout_ms, once header_deadline_from connections are open: a connection must
 *     complete its TLS handshake and the headers of a request within this time of opening,
 *     and the headers of its next request within this time of the previous answer (a
 *     kept-alive connection waiting for nothing holds a slot). Below that many connections a
 *     slow sender costs one slot and nothing else, and the rule stays off: when many posts
 *     connect at once, their handshakes queue behind the hub's own CPU, and a deadline would
 *     cut honest posts for the hub's slowness (measured: 3,300 posts at once on two cores,
 *     handshakes done after 14 s at the median);
 *   - body_min_rate over body_window_ms: from the end of the headers on, each window must
 *     bring at least body_min_rate bytes a second on average (the first window is the grace
 *     period of a body); a slower body is cut without an answer;
 *   - per_address: at most this many connections from one address (peer_table.h: an IPv4
 *     address or an IPv6 /64). A new connection over it takes the place of one of the
 *     address's: the oldest still waiting for request headers, else the slowest body
 *     arriving for CONN_GUARD_BODY_EVICT_MS or more (fewest bytes a second since its
 *     headers). So one slow or hostile client behind a carrier-grade NAT cannot lock the
 *     other posts behind it out. A new connection is refused only when all the address's
 *     connections are being handled or began their body less than that time ago;
 *   - max_connections: from 7/8 of it on, each new connection takes the place of one
 *     chosen the same way among all addresses' connections;
 *   - requests: each request takes a token from its address's bucket (rate_limit.h); without
 *     one the request is to be answered 429 with the Retry-After given.
 * A request being handled, or its answer being sent, is never cut by the guard (the server's
 * idle timeout still applies).
 *
 * Closing by shutdown is race-free because libmicrohttpd 0.9.75 reports a connection closed
 * (conn_guard_close, under this module's lock) before it closes the socket, and the guard
 * only touches sockets of connections not yet reported closed. Admission can go over
 * per_address by at most the number of threads accepting at the same instant.
 *
 * Thread-safe, except that conn_guard_sweep must be called by one thread at a time. */
#ifndef WEB_CONN_GUARD_H
#define WEB_CONN_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/peer_table.h"
#include "net/rate_limit.h"
#include "sae/sae_error.h"

/* A body arriving for this long can lose its place to a new connection (per_address,
 * max_connections): long enough for an honest upload over a good link to finish first. */
#define CONN_GUARD_BODY_EVICT_MS 10000u

struct conn_guard_config {
    unsigned max_connections;   /* connections open at once in all */
    unsigned per_address;       /* from one address: 1..max_connections */
    unsigned header_timeout_ms; /* TLS handshake and request headers */
    unsigned header_deadline_from; /* open connections from which header_timeout_ms applies;
                                      0: always */
    unsigned body_window_ms;    /* a body's rate is judged over windows this long */
    unsigned body_min_rate;     /* bytes a second, on average over each window; 0: no rule */
    struct rate_limit requests; /* per address */
};

enum conn_guard_action {
    CONN_GUARD_CUT_HEADERS,    /* no complete request headers in time */
    CONN_GUARD_CUT_BODY_RATE,  /* a body slower than the minimum rate */
    CONN_GUARD_EVICTED,        /* its address was at per_address; a newer one took its place */
    CONN_GUARD_EVICTED_FULL,   /* the server was nearly full; a newer one took its place */
    CONN_GUARD_REFUSED,        /* a new connection over per_address, none of the address's
                                  connections able to make room */
};
#define CONN_GUARD_ACTIONS 5

/* A short label for logs: "headers", "body-rate", "evicted", "evicted-full", "per-address". */
const char *conn_guard_action_label(enum conn_guard_action action);

struct conn_guard_event {
    enum conn_guard_action action;
    char peer[PEER_TEXT_BYTES];
    bool in_body;                  /* the connection was receiving a body */
    unsigned long long body_bytes; /* of its body so far */
    int64_t age_ms;                /* how long the connection (or its state) had lasted */
};

/* Called for each event after the guard's lock is released. */
typedef void (*conn_guard_event_fn)(void *ctx, const struct conn_guard_event *event);

struct conn_guard;
struct conn_entry;

/* Returns 0, SAE_EINVAL (a value out of range) or SAE_ENOMEM. */
int conn_guard_create(const struct conn_guard_config *config, struct conn_guard **out);
/* Every entry must have been closed. */
void conn_guard_destroy(struct conn_guard *guard);

/* Whether to accept a connection from address at now_ms; may close an older connection to
 * make room (see the rules). */
bool conn_guard_admit(struct conn_guard *guard, const struct sockaddr *address, int64_t now_ms,
                      conn_guard_event_fn on_event, void *ctx);

/* A connection has opened on socket fd: it is waiting for request headers. *out is the handle
 * for the calls below. Returns 0, SAE_EINVAL (not an IPv4 or IPv6 address) or SAE_ENOMEM. */
int conn_guard_open(struct conn_guard *guard, int fd, const struct sockaddr *address,
                    int64_t now_ms, struct conn_entry **out);

/* The connection is closed (before its socket is): the handle is freed. NULL is allowed. */
void conn_guard_close(struct conn_guard *guard, struct conn_entry *entry);

/* A request's headers are complete. Returns true when its address had a token; false with
 * *retry_after_s set when the request is to be answered 429. Either way the body's rate
 * rule applies from now on. */
bool conn_guard_request(struct conn_guard *guard, struct conn_entry *entry, int64_t now_ms,
                        unsigned *retry_after_s);

/* n more body bytes arrived. */
void conn_guard_body(struct conn_guard *guard, struct conn_entry *entry, size_t n);

/* The body is complete: the request is being handled and answered; no rule applies. */
void conn_guard_handling(struct conn_guard *guard, struct conn_entry *entry);

/* The request is over; the connection waits for the next one's headers. */
void conn_guard_request_done(struct conn_guard *guard, struct conn_entry *entry, int64_t now_ms);

/* Closes every connection past a deadline at now_ms (the header deadline only while
 * header_deadline_from or more connections are open), and forgets addresses that hold
 * nothing. */
void conn_guard_sweep(struct conn_guard *guard, int64_t now_ms, conn_guard_event_fn on_event,
                      void *ctx);

/* Open connections not yet cut. */
unsigned conn_guard_live(struct conn_guard *guard);

#endif
