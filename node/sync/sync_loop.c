/* The sync loop of `run` and `serve` (sync_loop.h). */
#include "sync/sync_loop.h"

#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/hub_link.h"
#include "store/node_store.h"
#include "store/sync_state.h"
#include "sync/sync.h"
#include "sync/transport.h"

#define SYNC_LOOP_TICK_MS 250

struct sync_loop {
    struct sync_loop_config config;
    struct node_store *store;
    struct transport *transport;
    struct hub_link link; /* the link the transport was made for; url "" before */
    atomic_int stop, wake;
    pthread_mutex_t lock;
    struct sync_loop_state state;
};

static void say(struct sync_loop *loop, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct sync_loop *loop, const char *fmt, ...)
{
    char line[SAE_MESSAGE_BYTES + 160];
    va_list args;
    va_start(args, fmt);
    vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    if (loop->config.log)
        loop->config.log(loop->config.log_context, line);
}

int sync_loop_create(const struct sync_loop_config *config, struct sync_loop **out,
                     struct sae_message *why)
{
    struct sync_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&loop->lock, NULL) != 0) {
        free(loop);
        return SAE_ENOMEM;
    }
    loop->config = *config;
    atomic_init(&loop->stop, 0);
    atomic_init(&loop->wake, 0);
    int rc = node_store_open(config->dir, config->busy_timeout_ms, &loop->store, why);
    if (rc != 0) {
        sync_loop_destroy(loop);
        return rc;
    }
    *out = loop;
    return 0;
}

void sync_loop_destroy(struct sync_loop *loop)
{
    if (!loop)
        return;
    transport_destroy(loop->transport);
    hub_link_clear(&loop->link);
    node_store_close(loop->store);
    pthread_mutex_destroy(&loop->lock);
    free(loop);
}

void sync_loop_stop(struct sync_loop *loop)
{
    atomic_store(&loop->stop, 1);
}

void sync_loop_wake(struct sync_loop *loop)
{
    atomic_store(&loop->wake, 1);
}

void sync_loop_state(struct sync_loop *loop, struct sync_loop_state *out)
{
    pthread_mutex_lock(&loop->lock);
    *out = loop->state;
    pthread_mutex_unlock(&loop->lock);
}

static void set_state(struct sync_loop *loop, enum sync_loop_phase phase, unsigned wait_s,
                      const char *error)
{
    pthread_mutex_lock(&loop->lock);
    loop->state.phase = phase;
    loop->state.next_round_ms = wait_s ? ((int64_t)time(NULL) + wait_s) * SAE_MS_PER_SECOND : 0;
    if (phase == SYNC_LOOP_WAITING)
        loop->state.failures = 0;
    else if (phase == SYNC_LOOP_BACKOFF)
        loop->state.failures++;
    if (error)
        snprintf(loop->state.last_error, sizeof loop->state.last_error, "%s", error);
    pthread_mutex_unlock(&loop->lock);
}

static int64_t last_own_seq(struct node_store *store)
{
    int64_t seq = 0;
    return sync_state_last_own_seq(store, &seq) == 0 ? seq : -1;
}

static unsigned backoff_seconds(unsigned failures, unsigned retry_after)
{
    unsigned delay = SYNC_LOOP_BACKOFF_BASE_S;
    for (unsigned i = 1; i < failures && delay < SYNC_LOOP_BACKOFF_CAP_S; i++)
        delay *= 2;
    if (delay > SYNC_LOOP_BACKOFF_CAP_S)
        delay = SYNC_LOOP_BACKOFF_CAP_S;
    /* Jitter: posts that lost the hub together do not all come back at the same second. */
    delay = delay / 2 + randombytes_uniform(delay / 2 + 1);
    return delay < retry_after ? retry_after : delay;
}

unsigned sync_loop_wait_after_change(unsigned planned_s, long waited_ms)
{
    unsigned soon = (unsigned)(waited_ms / SAE_MS_PER_SECOND) + SYNC_LOOP_CHANGE_DELAY_S;
    return soon < planned_s ? soon : planned_s; /* a change never puts the round off */
}

/* Waits up to seconds, ending early on a stop or a wake, or (when wake_on_change) on a new
 * local change, which is then given SYNC_LOOP_CHANGE_DELAY_S to be joined by the next ones. */
static void wait_round(struct sync_loop *loop, unsigned seconds, bool wake_on_change)
{
    int64_t seen = last_own_seq(loop->store);
    struct timespec tick = {0, SYNC_LOOP_TICK_MS * SAE_NS_PER_MS};
    for (long waited = 0; !atomic_load(&loop->stop) && !atomic_exchange(&loop->wake, 0) &&
                          waited < (long)seconds * SAE_MS_PER_SECOND;
         waited += SYNC_LOOP_TICK_MS) {
        nanosleep(&tick, NULL);
        if (wake_on_change && waited % SAE_MS_PER_SECOND == 0 &&
            last_own_seq(loop->store) > seen) {
            seconds = sync_loop_wait_after_change(seconds, waited);
            wake_on_change = false;
        }
    }
}

/* The transport for the stored link, made again when the link changed (a new bundle);
 * SAE_ENOTFOUND while the post has no bundle. */
static int ready_transport(struct sync_loop *loop, struct sae_message *why)
{
    struct hub_link link;
    int rc = hub_link_load(loop->store, &link);
    if (rc != 0)
        return rc;
    if (loop->transport && strcmp(link.url, loop->link.url) == 0 &&
        strcmp(link.pins, loop->link.pins) == 0) {
        hub_link_clear(&loop->link);
        loop->link = link;
        return 0;
    }
    struct transport_config config = {.hub_url = link.url, .pins = link.pins,
                                      .stall_seconds = loop->config.stall_seconds};
    struct transport *fresh = NULL;
    rc = transport_create(&config, &fresh, why);
    if (rc != 0) {
        hub_link_clear(&link);
        return rc;
    }
    transport_destroy(loop->transport);
    loop->transport = fresh;
    hub_link_clear(&loop->link);
    loop->link = link;
    say(loop, "running: a round every %u s with %s", loop->config.interval_s, link.url);
    return 0;
}

/* Returns SAE_EREVOKED when the loop must end: the device was revoked (and wiped). */
static int one_round(struct sync_loop *loop)
{
    struct sync_result result = {0};
    struct sae_message why = {{0}};
    set_state(loop, SYNC_LOOP_SYNCING, 0, NULL);
    int rc = sync_round(loop->store, loop->transport, &loop->link, &result, &why);
    sync_record(loop->store, rc, &why);
    unsigned interval = loop->config.interval_s;
    if (rc == 0) {
        set_state(loop, SYNC_LOOP_WAITING, interval, "");
        say(loop, "sync ok: sent %zu change(s) in %zu batch(es), received %zu; next round in "
            "%u s or soon after a new change", result.pushed, result.batches, result.pulled,
            interval);
        wait_round(loop, interval, true);
        return 0;
    }
    if (rc == SAE_EREVOKED) {
        set_state(loop, SYNC_LOOP_REVOKED, 0, why.text);
        say(loop, "stopped syncing: %s", why.text);
        return rc;
    }
    unsigned failures = 0;
    pthread_mutex_lock(&loop->lock);
    failures = loop->state.failures + 1;
    pthread_mutex_unlock(&loop->lock);
    unsigned delay = backoff_seconds(failures, result.retry_after_seconds);
    set_state(loop, SYNC_LOOP_BACKOFF, delay, why.text);
    say(loop, "sync failed: %s; next try in %u s", why.text, delay);
    wait_round(loop, delay, false);
    return 0;
}

int sync_loop_run(struct sync_loop *loop)
{
    bool told = false;
    while (!atomic_load(&loop->stop)) {
        struct sae_message why = {{0}};
        int ready = ready_transport(loop, &why);
        if (ready == 0) {
            if (one_round(loop) == SAE_EREVOKED)
                return SAE_EREVOKED;
        } else if (ready == SAE_ENOTFOUND) {
            set_state(loop, SYNC_LOOP_NO_BUNDLE, 0, NULL);
            if (!told)
                say(loop, "waiting: this post has no enrollment bundle yet");
            told = true;
            wait_round(loop, SYNC_LOOP_INTERVAL_MAX_S, false);
        } else {
            unsigned delay = backoff_seconds(loop->state.failures + 1, 0);
            set_state(loop, SYNC_LOOP_BACKOFF, delay, why.text[0] ? why.text
                                                                  : sae_error_name(ready));
            say(loop, "sync failed: %s; next try in %u s",
                why.text[0] ? why.text : sae_error_name(ready), delay);
            wait_round(loop, delay, false);
        }
    }
    say(loop, "stopping: %s", "the round in progress finished");
    return 0;
}
