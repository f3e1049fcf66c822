/* The conflict rows of one field (conflict, conflict_candidate): what merge_field.c found
 * concurrent becomes the field's open conflict, or, when every candidate holds the same
 * value, a conflict the hub settles at once and records. Inside the caller's write
 * transaction. */
#ifndef MERGE_CONFLICT_H
#define MERGE_CONFLICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"

/* Who settles what needs no coordinator, and why (conflict.resolved_by and .note). */
#define MERGE_HUB_AUTHOR HUB_SETTLED_BY
#define MERGE_NOTE_EQUAL "concurrent equal values: settled by the hub"
#define MERGE_NOTE_REPLACED                                                                   \
    "settled: later changes replaced every candidate (a post's next edit of the field, a "    \
    "change re-dated after its post's clock was corrected, or a resolution)"

/* A set of change seqs, in the order added. */
struct seq_list {
    int64_t *items;
    size_t count, capacity;
};

/* Adds seq unless the list holds it already. */
int seq_list_add(struct seq_list *list, int64_t seq);

/* What the field's conflict must be: its candidates, severity and reason. */
struct conflict_shape {
    struct seq_list candidates;
    bool hard;       /* values differ, a candidate is held, or a delete met an edit */
    char reason[64]; /* "concurrent", "clock", "delete", comma-separated */
};

void conflict_shape_add_reason(struct conflict_shape *shape, const char *reason);

/* Makes the field's conflict rows match shape: a hard shape is the field's open conflict
 * (opened, or updated in place); a soft one (equal values) is settled by the hub and
 * recorded once per set of candidates; no candidates close an open conflict as settled.
 * *open says whether the field has an open conflict afterwards. */
int merge_conflict_sync(struct hub_store *store, const char *report_id, const char *field,
                        const struct conflict_shape *shape, int64_t now_ms, bool *open);

#endif
