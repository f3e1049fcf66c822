/* Every connection is in exactly one list by state: waiting for request headers (in the
 * order they started waiting, so the oldest is first and the sweep stops at the first one
 * still in time), receiving a body, being handled, or cut (shut down, waiting for
 * libmicrohttpd to report it closed). */
#include "net/conn_guard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The table holds this many addresses per connection slot, so that addresses that only
 * send requests (no connection kept) rarely push anyone into the overflow record. */
#define PEERS_PER_CONNECTION 4
/* Connections refused or cut by one admission: the address's oldest and the server's. */
#define ADMIT_EVENTS_MAX 2
#define CONNECTIONS_MAX (1u << 20)

enum conn_state { WAITING, BODY, HANDLING, CUT, STATES };

struct conn_entry {
    struct conn_entry *prev, *next;
    int fd;
    struct peer_key key;
    bool overflow; /* counted on the table's overflow record */
    enum conn_state state;
    int64_t since_ms;
    int64_t window_ms;                    /* start of the current body window */
    unsigned long long window_bytes, bytes; /* body bytes at its start, and now */
};

struct conn_list {
    struct conn_entry *head, *tail;
};

struct conn_guard {
    struct conn_guard_config config;
    pthread_mutex_t lock;
    struct peer_table *peers;
    struct conn_list lists[STATES];
    unsigned live;
    struct conn_guard_event *swept; /* one per connection: what a sweep cut */
};

const char *conn_guard_action_label(enum conn_guard_action action)
{
    static const char *const labels[CONN_GUARD_ACTIONS] = {"headers", "body-rate", "evicted",
                                                           "evicted-full", "per-address"};
    return (unsigned)action < CONN_GUARD_ACTIONS ? labels[action] : "?";
}

static bool config_valid(const struct conn_guard_config *c)
{
    return c && c->max_connections >= 1 && c->max_connections <= CONNECTIONS_MAX &&
           c->per_address >= 1 && c->per_address <= c->max_connections &&
           c->header_timeout_ms >= 1 && c->body_window_ms >= 1 &&
           rate_limit_valid(&c->requests);
}

int conn_guard_create(const struct conn_guard_config *config, struct conn_guard **out)
{
    if (!config_valid(config))
        return SAE_EINVAL;
    struct conn_guard *g = calloc(1, sizeof *g);
    if (!g)
        return SAE_ENOMEM;
    g->config = *config;
    g->swept = calloc(config->max_connections, sizeof *g->swept);
    int rc = g->swept ? peer_table_create((size_t)config->max_connections * PEERS_PER_CONNECTION,
                                          &g->peers)
                      : SAE_ENOMEM;
    if (rc == 0 && pthread_mutex_init(&g->lock, NULL) != 0) {
        peer_table_destroy(g->peers);
        rc = SAE_ENOMEM;
    }
    if (rc != 0) {
        free(g->swept);
        free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void conn_guard_destroy(struct conn_guard *guard)
{
    if (!guard)
        return;
    pthread_mutex_destroy(&guard->lock);
    peer_table_destroy(guard->peers);
    free(guard->swept);
    free(guard);
}

static void list_remove(struct conn_list *list, struct conn_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        list->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        list->tail = e->prev;
    e->prev = e->next = NULL;
}

static void list_append(struct conn_list *list, struct conn_entry *e)
{
    e->prev = list->tail;
    e->next = NULL;
    if (list->tail)
        list->tail->next = e;
    else
        list->head = e;
    list->tail = e;
}

static void move_to(struct conn_guard *g, struct conn_entry *e, enum conn_state state,
                    int64_t now_ms)
{
    list_remove(&g->lists[e->state], e);
    e->state = state;
    e->since_ms = now_ms;
    list_append(&g->lists[state], e);
}

/* The record counting e's connection: its own address's, or the overflow record. */
static struct peer *counting_peer(struct conn_guard *g, const struct conn_entry *e)
{
    return e->overflow ? peer_table_overflow(g->peers) : peer_table_find(g->peers, &e->key);
}

static void event_set(struct conn_guard_event *ev, enum conn_guard_action action,
                      const struct peer_key *key, const struct conn_entry *e, int64_t now_ms)
{
    memset(ev, 0, sizeof *ev);
    ev->action = action;
    peer_key_text(key, ev->peer);
    if (e) {
        ev->in_body = e->state == BODY;
        ev->body_bytes = e->bytes;
        ev->age_ms = now_ms - e->since_ms;
    }
}

/* Shuts e's socket down; libmicrohttpd sees end-of-file and closes it. From here on e no
 * longer counts against its address or the server. */
static void cut(struct conn_guard *g, struct conn_entry *e, int64_t now_ms)
{
    struct peer *p = counting_peer(g, e);
    shutdown(e->fd, SHUT_RDWR);
    if (p && p->connections > 0)
        p->connections--;
    g->live--;
    move_to(g, e, CUT, now_ms);
}

static bool same_address(const struct conn_entry *e, const struct peer_key *key, bool overflow)
{
    return overflow ? e->overflow
                    : !e->overflow && memcmp(e->key.bytes, key->bytes, PEER_KEY_BYTES) == 0;
}

static struct conn_entry *oldest_waiting(struct conn_guard *g, const struct peer_key *key,
                                         bool overflow)
{
    struct conn_entry *e = g->lists[WAITING].head;
    while (e && key && !same_address(e, key, overflow))
        e = e->next;
    return e;
}

/* Of the bodies arriving for at least CONN_GUARD_BODY_EVICT_MS (of key's address, or of all
 * when key is NULL), the one with the fewest bytes a millisecond since its headers. */
static struct conn_entry *slowest_body(struct conn_guard *g, const struct peer_key *key,
                                       bool overflow, int64_t now_ms)
{
    struct conn_entry *slowest = NULL;
    for (struct conn_entry *e = g->lists[BODY].head; e; e = e->next) {
        unsigned long long age = (unsigned long long)(now_ms - e->since_ms);
        if (age < CONN_GUARD_BODY_EVICT_MS || (key && !same_address(e, key, overflow)))
            continue;
        /* e->bytes / age < slowest->bytes / its age, without dividing */
        if (!slowest || e->bytes * (unsigned long long)(now_ms - slowest->since_ms) <
                            slowest->bytes * age)
            slowest = e;
    }
    return slowest;
}

/* Who gives its place to a new connection: a connection waiting for request headers holds a
 * slot for nothing, the oldest first; else the slowest body. */
static struct conn_entry *victim(struct conn_guard *g, const struct peer_key *key,
                                 bool overflow, int64_t now_ms)
{
    struct conn_entry *e = oldest_waiting(g, key, overflow);
    return e ? e : slowest_body(g, key, overflow, now_ms);
}

/* Makes room for one more connection from key under the lock; returns whether it may come,
 * with what was done in events. */
static bool make_room(struct conn_guard *g, const struct peer_key *key, int64_t now_ms,
                      struct conn_guard_event *events, size_t *count)
{
    struct peer *p = peer_table_get(g->peers, key);
    bool overflow = peer_table_is_overflow(g->peers, p);
    if (p->connections >= g->config.per_address) {
        struct conn_entry *e = victim(g, key, overflow, now_ms);
        if (!e) {
            event_set(&events[(*count)++], CONN_GUARD_REFUSED, key, NULL, now_ms);
            return false;
        }
        event_set(&events[(*count)++], CONN_GUARD_EVICTED, &e->key, e, now_ms);
        cut(g, e, now_ms);
    }
    unsigned max = g->config.max_connections;
    if (g->live >= max - max / 8) {
        struct conn_entry *e = victim(g, NULL, false, now_ms);
        if (e) {
            event_set(&events[(*count)++], CONN_GUARD_EVICTED_FULL, &e->key, e, now_ms);
            cut(g, e, now_ms);
        }
    }
    return true;
}

static void report(const struct conn_guard_event *events, size_t count,
                   conn_guard_event_fn on_event, void *ctx)
{
    for (size_t i = 0; on_event && i < count; i++)
        on_event(ctx, &events[i]);
}

bool conn_guard_admit(struct conn_guard *guard, const struct sockaddr *address, int64_t now_ms,
                      conn_guard_event_fn on_event, void *ctx)
{
    struct conn_guard_event events[ADMIT_EVENTS_MAX];
    struct peer_key key;
    size_t count = 0;
    if (peer_key_from_sockaddr(address, &key) != 0)
        return true; /* not an IP connection: nothing to count it by */
    pthread_mutex_lock(&guard->lock);
    bool admitted = make_room(guard, &key, now_ms, events, &count);
    pthread_mutex_unlock(&guard->lock);
    report(events, count, on_event, ctx);
    return admitted;
}

int conn_guard_open(struct conn_guard *guard, int fd, const struct sockaddr *address,
                    int64_t now_ms, struct conn_entry **out)
{
    struct peer_key key;
    if (peer_key_from_sockaddr(address, &key) != 0)
        return SAE_EINVAL;
    struct conn_entry *e = calloc(1, sizeof *e);
    if (!e)
        return SAE_ENOMEM;
    e->fd = fd;
    e->key = key;
    e->state = WAITING;
    e->since_ms = now_ms;
    pthread_mutex_lock(&guard->lock);
    struct peer *p = peer_table_get(guard->peers, &key);
    e->overflow = peer_table_is_overflow(guard->peers, p);
    p->connections++;
    guard->live++;
    list_append(&guard->lists[WAITING], e);
    pthread_mutex_unlock(&guard->lock);
    *out = e;
    return 0;
}

void conn_guard_close(struct conn_guard *guard, struct conn_entry *entry)
{
    if (!entry)
        return;
    pthread_mutex_lock(&guard->lock);
    if (entry->state != CUT) {
        struct peer *p = counting_peer(guard, entry);
        if (p && p->connections > 0)
            p->connections--;
        guard->live--;
    }
    list_remove(&guard->lists[entry->state], entry);
    pthread_mutex_unlock(&guard->lock);
    free(entry);
}

bool conn_guard_request(struct conn_guard *guard, struct conn_entry *entry, int64_t now_ms,
                        unsigned *retry_after_s)
{
    pthread_mutex_lock(&guard->lock);
    struct peer *p = peer_table_get(guard->peers, &entry->key);
    bool granted = rate_bucket_take(&p->requests, &guard->config.requests, now_ms, retry_after_s);
    if (entry->state != CUT) {
        move_to(guard, entry, BODY, now_ms);
        entry->window_ms = now_ms;
        entry->window_bytes = entry->bytes = 0;
    }
    pthread_mutex_unlock(&guard->lock);
    return granted;
}

void conn_guard_body(struct conn_guard *guard, struct conn_entry *entry, size_t n)
{
    pthread_mutex_lock(&guard->lock);
    entry->bytes += n;
    pthread_mutex_unlock(&guard->lock);
}

void conn_guard_handling(struct conn_guard *guard, struct conn_entry *entry)
{
    pthread_mutex_lock(&guard->lock);
    if (entry->state == BODY)
        move_to(guard, entry, HANDLING, entry->since_ms);
    pthread_mutex_unlock(&guard->lock);
}

void conn_guard_request_done(struct conn_guard *guard, struct conn_entry *entry, int64_t now_ms)
{
    pthread_mutex_lock(&guard->lock);
    if (entry->state != CUT)
        move_to(guard, entry, WAITING, now_ms);
    pthread_mutex_unlock(&guard->lock);
}

/* A body window that has ended without body_min_rate bytes a second. */
static bool body_too_slow(const struct conn_guard_config *c, struct conn_entry *e,
                          int64_t now_ms)
{
    int64_t elapsed = now_ms - e->window_ms;
    if (elapsed < (int64_t)c->body_window_ms)
        return false;
    unsigned long long arrived = e->bytes - e->window_bytes;
    if (arrived * 1000 < (unsigned long long)c->body_min_rate * (unsigned long long)elapsed)
        return true;
    e->window_ms = now_ms;
    e->window_bytes = e->bytes;
    return false;
}

static size_t sweep_locked(struct conn_guard *g, int64_t now_ms)
{
    size_t count = 0;
    struct conn_entry *e;
    size_t room = g->config.max_connections; /* more are cut at the next sweep */
    bool pressed = g->live >= g->config.header_deadline_from;
    while (pressed && (e = g->lists[WAITING].head) && count < room &&
           now_ms - e->since_ms >= (int64_t)g->config.header_timeout_ms) {
        event_set(&g->swept[count++], CONN_GUARD_CUT_HEADERS, &e->key, e, now_ms);
        cut(g, e, now_ms);
    }
    for (e = g->lists[BODY].head; e && count < room;) {
        struct conn_entry *next = e->next;
        if (g->config.body_min_rate > 0 && body_too_slow(&g->config, e, now_ms)) {
            event_set(&g->swept[count++], CONN_GUARD_CUT_BODY_RATE, &e->key, e, now_ms);
            cut(g, e, now_ms);
        }
        e = next;
    }
    peer_table_prune(g->peers, now_ms);
    return count;
}

void conn_guard_sweep(struct conn_guard *guard, int64_t now_ms, conn_guard_event_fn on_event,
                      void *ctx)
{
    pthread_mutex_lock(&guard->lock);
    size_t count = sweep_locked(guard, now_ms);
    pthread_mutex_unlock(&guard->lock);
    report(guard->swept, count, on_event, ctx);
}

unsigned conn_guard_live(struct conn_guard *guard)
{
    pthread_mutex_lock(&guard->lock);
    unsigned live = guard->live;
    pthread_mutex_unlock(&guard->lock);
    return live;
}
