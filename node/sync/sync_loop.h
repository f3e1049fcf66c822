/* The loop that keeps a post in sync, for `sae-node run` and for `sae-node serve` (which
 * runs it on a thread of its own beside the post app): a round at every interval; soon after
 * a local change when the hub was reachable; after a failure, jittered exponential backoff
 * up to a cap, never sooner than the hub's Retry-After; at once when woken ("Sinkronkan
 * sekarang"). One log line per round through the caller's log function. A post without a
 * bundle waits (serve) until one is saved and the loop is woken. The loop opens its own
 * connection to the journal; the caller runs transport_global_init before it starts. */
#ifndef NODE_SYNC_LOOP_H
#define NODE_SYNC_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "sae/sae_time.h"

#define SYNC_LOOP_INTERVAL_DEFAULT_S 300
#define SYNC_LOOP_INTERVAL_MAX_S SAE_SECONDS_PER_DAY
/* After a failure: 5 s, 10 s, 20 s ... up to 30 minutes, each scaled by a random 0.5 to 1. */
#define SYNC_LOOP_BACKOFF_BASE_S 5
#define SYNC_LOOP_BACKOFF_CAP_S 1800
/* A local change is sent this long after it was made (changes made together go together). */
#define SYNC_LOOP_CHANGE_DELAY_S 5

/* The length of a wait planned for planned_s once a local change is seen waited_ms into it:
 * the change goes SYNC_LOOP_CHANGE_DELAY_S later, so that the next ones join it. */
unsigned sync_loop_wait_after_change(unsigned planned_s, long waited_ms);

typedef void (*sync_loop_log_fn)(void *context, const char *line);

struct sync_loop_config {
    const char *dir;
    int busy_timeout_ms;
    int stall_seconds;    /* transport_config.stall_seconds */
    unsigned interval_s;  /* 1..SYNC_LOOP_INTERVAL_MAX_S */
    sync_loop_log_fn log; /* one line per round, without a newline */
    void *log_context;
};

enum sync_loop_phase {
    SYNC_LOOP_STARTING,  /* no round yet */
    SYNC_LOOP_NO_BUNDLE, /* the post has no bundle: waiting for one */
    SYNC_LOOP_SYNCING,   /* a round is running */
    SYNC_LOOP_WAITING,   /* the last round succeeded; the next comes at next_round_ms */
    SYNC_LOOP_BACKOFF,   /* the last round failed; it tries again at next_round_ms */
    SYNC_LOOP_REVOKED,   /* the district revoked this device: its data was wiped, the loop
                            has stopped for good (last_error says so) */
};

/* What the loop is doing, for the post app's pages. */
struct sync_loop_state {
    enum sync_loop_phase phase;
    int64_t next_round_ms; /* wall clock; 0 when none is planned */
    unsigned failures;     /* rounds failed in a row */
    char last_error[SAE_MESSAGE_BYTES]; /* the last failed round's line, "" after a success */
};

struct sync_loop;

/* Opens the journal for the loop. Codes and why as node_store_open. */
int sync_loop_create(const struct sync_loop_config *config, struct sync_loop **out,
                     struct sae_message *why);
void sync_loop_destroy(struct sync_loop *loop);

/* Runs rounds until sync_loop_stop; the round in progress finishes first. Returns 0, or
 * SAE_EREVOKED when it stopped because the district revoked this device (sync.h). */
int sync_loop_run(struct sync_loop *loop);
/* Safe from a signal handler and from any thread. */
void sync_loop_stop(struct sync_loop *loop);
/* The next round starts now (within a quarter of a second), whatever the wait. */
void sync_loop_wake(struct sync_loop *loop);
void sync_loop_state(struct sync_loop *loop, struct sync_loop_state *out);

#endif
