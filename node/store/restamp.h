/* Re-dating own changes written while this computer's clock was wrong.
 *
 * A version carries its writer's time, and last-writer-wins trusts it: a post whose clock ran
 * a year ahead would win every merge, one a year behind would lose every one. Once a sync has
 * measured the offset from the hub's clock, the changes the hub has not taken yet (pending),
 * and those it holds because of their date (set aside as CLOCK_AHEAD), are written again as
 * new journal entries with corrected versions, in their original order. Each new entry names
 * the one it re-dates (journal.restamp_of): the old one stays in the journal as history, no
 * longer counts for the current state, and is never sent; the new one travels with
 * `supersedes` so that a hub holding the old one settles it. The journal stays append-only. */
#ifndef NODE_RESTAMP_H
#define NODE_RESTAMP_H

#include <stddef.h>

#include "store/node_store.h"

/* Inside its own write transaction: re-dates what needs it given the stored clock offset,
 * and brings a clock that ran ahead back to the corrected time. *restamped counts the
 * changes written again (0 when nothing was off). */
int restamp_pending(struct node_store *store, size_t *restamped);

#endif
