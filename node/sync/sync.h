/* One synchronisation round with the district hub: enroll if the bundle's token is not
 * spent yet, pull until caught up (which also measures this computer's clock against the
 * hub's), re-date pending changes if that clock is off, then push every pending change in
 * bounded batches (each acknowledged before the post moves its mark, atomically), and when
 * anything was pushed pull once more: the hub's verdict on it (a review it opened). */
#ifndef NODE_SYNC_H
#define NODE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_link.h"
#include "sae/sae_wire_limits.h"
#include "store/node_store.h"
#include "sync/transport.h"

/* Own changes in one push batch at most: the protocol's limit. A broken link loses at most
 * one batch of work (about 10 KB sealed, 1.3 s at 64 kbit/s), and every batch costs a round
 * trip: 1,000 instead of 500 took a 1,000-report sync over 64 kbit/s + 300 ms from 28.5 s
 * to 20.3 s (tests/bench/bench_sync_link.py). */
#define SYNC_BATCH_CHANGES SAE_WIRE_CHANGES_PER_MESSAGE

/* The wait a busy hub's message suggests when it sent no Retry-After. */
#define SYNC_BUSY_RETRY_DEFAULT_S 60

/* Test hook, documented in the README with the other test-only settings: when it names a
 * file, a round waits between its first pull and its push while that file exists (at most
 * SYNC_TEST_PUSH_GATE_MAX_S), so a test can act at the hub there. Never set on a real post. */
#define SYNC_ENV_TEST_PUSH_GATE "SAE_TEST_PUSH_GATE"
#define SYNC_TEST_PUSH_GATE_MAX_S 60

/* Called after each acknowledged batch: changes sent so far of those pending when the round
 * began, and sealed bytes sent. */
typedef void (*sync_progress_fn)(void *context, size_t sent, size_t total, size_t bytes);

struct sync_result {
    sync_progress_fn progress; /* set by the caller before the round, or NULL */
    void *progress_context;
    bool enrolled_now;
    size_t pushed, set_aside, pulled, batches;
    size_t granted;   /* withheld values a grant of the district filled in this round */
    size_t erased;    /* sensitive values wiped because the district erased their report */
    size_t held;      /* of those set aside, held by the hub for their date */
    size_t restamped; /* own changes re-dated because this computer's clock was off */
    size_t bytes_sent;
    int64_t clock_offset_ms; /* the hub's clock minus this computer's */
    unsigned retry_after_seconds; /* the hub's Retry-After when it was busy, else 0 */
    /* The hub held less of this post's changes than it had acknowledged (it was restored
     * from a backup): the rest was sent again in this round. */
    bool resent_after_restore;
    /* The hub's sealed notice said the district revoked this device: its survivors' data
     * was wiped in this round (store/node_wipe.h). */
    bool revoked;
};

/* Runs one round. On failure why holds one line a post's staff can act on ("no connection
 * to the hub; 37 changes wait and will be sent later", "this device was revoked by the
 * district"), and the code says what kind: SAE_EIO (no connection: try again later),
 * SAE_EBUSY (hub busy: later), SAE_EREVOKED (the hub's sealed notice revoked this device, in
 * this round or before: survivors' data on it is wiped, and it never syncs again),
 * SAE_EPERM (unknown device, wrong server, a 403 without the hub's notice: act),
 * SAE_EINVAL (the hub refused a message). Whatever was acknowledged stays acknowledged. */
int sync_round(struct node_store *store, struct transport *transport,
               const struct hub_link *link, struct sync_result *result, struct sae_message *why);

/* Records the outcome of a round for status: last success or last error. */
int sync_record(struct node_store *store, int rc, const struct sae_message *why);

#endif
