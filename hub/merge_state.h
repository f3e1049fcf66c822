/* Recomputing the derived state of one field after changes arrived: heads, the winner and
 * the field's open conflict. Used by merge.c inside its write transaction. */
#ifndef MERGE_STATE_H
#define MERGE_STATE_H

#include <stdint.h>

#include "hub_store.h"

int merge_state_recompute(struct hub_store *store, const char *report_id, const char *field,
                          int64_t now_ms);

#endif
