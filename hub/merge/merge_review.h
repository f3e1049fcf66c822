/* The review log (table review): each field's review state, appended whenever it changes,
 * so that the posts of the report's village learn in pull, in order, which fields wait for
 * a coordinator and which version stands meanwhile (PROTOCOL.md, "Merge policies"). Inside
 * the caller's write transaction. */
#ifndef MERGE_REVIEW_H
#define MERGE_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "store/hub_store.h"

struct merge_review_state {
    bool open;        /* a hard conflict waits for a coordinator */
    int64_t standing; /* the change that stands (field_state), 0 for none */
    int64_t latest;   /* the newest change no other built on: what plain last-writer-wins
                         picks, and so what a post holds unless it is told otherwise */
};

/* Appends the field's state to the log unless it equals the last one logged (a field never
 * logged counts as closed; two closed states are equal whatever their versions). */
int merge_review_log(struct hub_store *store, const char *report_id, const char *field,
                     const struct merge_review_state *state);

/* Appends state to the log whatever was logged before; *seq (may be NULL) is its row.
 * SAE_ENOTFOUND when the report does not exist. */
int merge_review_append(struct hub_store *store, const char *report_id, const char *field,
                        const struct merge_review_state *state, int64_t *seq);

#endif
