/* What synchronisation keeps in the journal: the hub's acknowledgement mark, the pull
 * cursor, own changes set aside by the hub, the clock and its measured offset, and the
 * outcome of the last round. node/sync/ and node/cli/ go through these functions; only
 * node/store/ knows the journal's tables. Unless a function says otherwise it runs inside
 * the caller's transaction. */
#ifndef NODE_SYNC_STATE_H
#define NODE_SYNC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/node_store.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"
#include "sae/sae_registration.h"
#include "sae/sae_wire.h"

/* The highest own seq the hub acknowledged (0 before the first push). */
int sync_state_acked_seq(struct node_store *store, int64_t *out);
/* Own changes still to send: after the acknowledgement mark, not set aside, not re-dated. */
int sync_state_pending_count(struct node_store *store, int64_t *out);
/* Where the next pull starts. */
int sync_state_pull_cursor(struct node_store *store, uint64_t *out);
int sync_state_set_pull_cursor(struct node_store *store, uint64_t cursor);
/* Where the next pull starts in the hub's review log. */
int sync_state_review_cursor(struct node_store *store, uint64_t *out);
int sync_state_set_review_cursor(struct node_store *store, uint64_t cursor);
/* Where the next pull's grants start in the hub's grant log (PROTOCOL.md section 6). */
int sync_state_grant_cursor(struct node_store *store, uint64_t *out);
int sync_state_set_grant_cursor(struct node_store *store, uint64_t cursor);
/* Where the next pull's erasures start in the hub's erasure log (PROTOCOL.md section 6). */
int sync_state_erasure_cursor(struct node_store *store, uint64_t *out);
int sync_state_set_erasure_cursor(struct node_store *store, uint64_t cursor);
/* The district's review note on report id cleared (its erasure, store/erasure_apply.h). */
int sync_state_wipe_review_note(struct node_store *store, const char *id);
/* Keeps the hub's review state of a field: an open review is kept (replacing the field's
 * previous one), a closed one forgotten. */
int sync_state_apply_review(struct node_store *store, const struct sae_review *review);
/* The seq of the newest own change (0 when none), to notice a new local change. */
int sync_state_last_own_seq(struct node_store *store, int64_t *out);

/* The next own changes to send, in seq order: at most max_changes, and once one is taken,
 * no more than value_budget bytes of values (with a fixed overhead per change). Fills
 * out[0..*count-1] with malloc'd text; release them with sae_wipe_free_changes. A sensitive
 * change without the hub's copy (hub_copy.h) is sealed for the hub from its value opened with
 * the key lent to store (node_store_lend_secret); without one the batch ends before it: it
 * and the changes after it wait for a staff member's sign-in (the app's loop, sync --as). */
/* How many own changes still to send need the storage key for their copy for the hub (see
 * sync_state_next_batch): `status` says they wait for a staff member's passphrase. */
int sync_state_waiting_for_key(struct node_store *store, int64_t *out);
int sync_state_next_batch(struct node_store *store, size_t max_changes, size_t value_budget,
                          struct sae_change *out, size_t *count);

/* Records an acknowledgement: the mark moves up to upto (never down) and every refused or
 * held change is set aside with the hub's code and message. */
int sync_state_record_ack(struct node_store *store, uint64_t upto,
                          const struct sae_refusal *refusals, size_t refusal_count,
                          int64_t now_ms);

/* What the hub says it holds of this post's own changes (PullResponse held_seq): when that
 * is below the acknowledgement mark, the hub was restored from a backup and lost what it
 * had acknowledged since: the mark goes down to held, and the changes after it the hub had
 * set aside are forgotten as set aside, so that all of them are sent again (the hub skips
 * any it holds). *lowered: the mark went down. */
int sync_state_observe_held_seq(struct node_store *store, uint64_t held, bool *lowered);

/* The hub's clock seen in an answer (hub_clock, 0: none) and the measured offset (the hub's
 * time minus ours): the post's clock catches up with the hub's, and when the offset moved
 * beyond NODE_CLOCK_TOLERANCE_MS the changes written so far are marked for re-dating. */
int sync_state_observe_hub_clock(struct node_store *store, sae_hlc hub_clock,
                                 int64_t offset_ms);

/* An own change the hub set aside: which report (its kind) and field, the hub's code (enum
 * sae_status_code) and message, when, and the case it is about (the report, or the case an
 * event names; "" when the post has no such case) with its registration number ("": none). */
#define SYNC_SET_ASIDE_LIST_MAX 100u
struct sync_set_aside {
    int64_t seq;
    char report_id[SAE_ID_TEXT_LEN + 1];
    char field[64];
    int code;
    char message[256];
    int64_t at_ms;
    char kind[32];
    char case_id[SAE_ID_TEXT_LEN + 1];
    char case_number[SAE_REGISTRATION_BYTES];
};
typedef int (*sync_set_aside_fn)(const struct sync_set_aside *entry, void *context);
/* The newest SYNC_SET_ASIDE_LIST_MAX set-aside changes, newest first. */
int sync_state_list_set_aside(struct node_store *store, sync_set_aside_fn visit, void *context);

/* A revoked device's wipe (node_wipe.c), inside its transaction: the district's free text
 * this module keeps, which may name a survivor (the review notes of cases, the messages of
 * set-aside changes), is emptied; the review states and the set-aside entries stay. */
int sync_state_wipe_free_text(struct node_store *store);

/* In its own write transaction: the outcome of a round for status. error NULL: success,
 * dated by the corrected clock; otherwise the line it failed with. */
int sync_state_record_round(struct node_store *store, const char *error);

#endif
