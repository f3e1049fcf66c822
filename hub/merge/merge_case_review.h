/* The district's review of a case (table case_review): received, has issues or approved,
 * with a note, by a district user. Each decision is also appended to the review log as the
 * review of the reserved field SAE_REVIEW_CASE_FIELD, so that it reaches the village's
 * posts on their next pull like a field's review (PROTOCOL.md section 6): open while the
 * case has issues, with the note and the reviewer's name. */
#ifndef MERGE_CASE_REVIEW_H
#define MERGE_CASE_REVIEW_H

#include <stdint.h>

#include "store/hub_store.h"

/* The longest note and reviewer's name (those of a coordinator's note and --by). */
#define MERGE_CASE_REVIEW_NOTE_BYTES SAE_WIRE_NOTE_BYTES
#define MERGE_CASE_REVIEW_REVIEWER_BYTES SAE_WIRE_AUTHOR_BYTES

/* state: SAE_CASE_REVIEW_RECEIVED, _HAS_ISSUES (needs a note: what the post must fix) or
 * _APPROVED. note: NULL or 1..MERGE_CASE_REVIEW_NOTE_BYTES of UTF-8 on one line. In one
 * write transaction. SAE_EINVAL (bad state, note or reviewer; not a case), SAE_ENOTFOUND,
 * SAE_EDELETED, each with why. */
int merge_case_review(struct hub_store *store, const char *report_id, const char *state,
                      const char *note, const char *reviewer, int64_t now_ms,
                      struct sae_message *why);

#endif
