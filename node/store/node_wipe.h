/* A revoked device's wipe (issue 13, P4; docs/DESIGN.md "Data at rest"): on the hub's
 * authenticated revocation notice (sae_revocation.h) the post destroys what would let anyone
 * read survivors' data on it, then refuses to sync or write again. Each step belongs to the
 * module that owns what it destroys, run here in order:
 *
 *   1. meta revoked_ms and wipe_done = 0: the wipe is pending (committed first, so a crash
 *      at any later point leaves a state the next open completes: node_wipe_resume);
 *   2. one write transaction: every sensitive field's value (journal_wipe_sensitive), every
 *      staff key wrap and session (node_staff_wipe_keys), an unredeemed enrollment token
 *      (hub_link_forget_token);
 *   3. the unclaimed storage.key and the device's node.key: zeros written, synced, removed;
 *   4. the WAL checkpointed and truncated, VACUUM, and again: no freed page, no WAL frame
 *      keeps an old value (secure_delete is checked on first);
 *   5. wipe_done = 1.
 *
 * Every step is idempotent. Non-sensitive fields stay: the post's own record of counts. */
#ifndef NODE_WIPE_H
#define NODE_WIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/node_store.h"

/* Test hook, documented in the README with the other test-only settings: when set to N
 * (1..60), the wipe sleeps N seconds after step 1 (pending recorded, nothing wiped yet), so
 * a test can SIGKILL the process there. Never set on a real post. */
#define NODE_WIPE_ENV_TEST_PAUSE_S "SAE_TEST_WIPE_PAUSE_S"
#define NODE_WIPE_TEST_PAUSE_MAX_S 60

struct node_wipe_state {
    bool revoked;        /* the district's notice came */
    bool done;           /* and the wipe finished */
    int64_t revoked_ms;  /* when (the hub's time), 0 when not revoked */
};

int node_wipe_state(struct node_store *store, struct node_wipe_state *out);

/* Runs the whole wipe (steps 1 to 5) for a notice of revoked_ms; a device revoked already
 * keeps its first date. Not inside a transaction. */
int node_wipe_run(struct node_store *store, int64_t revoked_ms);

/* Completes a wipe a crash left pending; nothing when there is none. */
int node_wipe_resume(struct node_store *store);

/* The one line every command and page says after the wipe: "this device was revoked by the
 * district on DATE (WIB); survivors' data on it was wiped; contact the district". */
void node_wipe_explain(const struct node_wipe_state *state, struct sae_message *why);

#endif
