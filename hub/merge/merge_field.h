/* Recomputing the derived state of one field after changes arrived: heads, the winner and
 * the field's open conflict. Used by merge_rows.c inside the write transaction of a batch or a
 * district change. */
#ifndef MERGE_STATE_H
#define MERGE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_hlc.h"

#include "store/hub_store.h"

/* report_no is report_id's number (report.no): the change and winner rows are keyed by it;
 * the conflict and the review log name the report by its id. */
int merge_state_recompute(struct hub_store *store, int64_t report_no, const char *report_id,
                          const char *field, int64_t now_ms);

/* The answer of merge_state_recompute when it is known without computing heads, with
 * *done = true; *done = false (nothing written) when the field needs the full recompute:
 * - seq (not 0) is the only change that touched a quiet field (no open conflict, nothing held
 *   unsettled), and it builds on the field's current winner, or the field had none and it
 *   has no base: it is the only head, so it wins and the field stays quiet; fresh (the
 *   report was first stored in this transaction) says so without reading the field;
 * - the tombstone of a report that has none (seq 0): nothing to compute.
 * Every other case, the tombstone with changes included, takes the full recompute. */
int merge_state_fast_forward(struct hub_store *store, int64_t report_no, const char *field,
                             int64_t seq, struct sae_version base, bool fresh, bool *done);

#endif
