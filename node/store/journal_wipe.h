/* Rewriting values the journal keeps past its append-only guard: the two changes that may
 * (a revoked device's wipe, node_wipe.h; node migration 12's sealing in place, value_seal.h).
 * Every other write appends (journal.h). */
#ifndef JOURNAL_WIPE_H
#define JOURNAL_WIPE_H

#include "store/node_store.h"

/* A revoked device's wipe (store/node_wipe.h): the value of every field the catalogue marks
 * sensitive, of every report, own or pulled, set to NULL in the journal (past the
 * append-only trigger, which is put back as it was), the state and the shown values, and
 * the caller's write transaction; secure_delete zeroes the old bytes. Running it again
 * changes nothing. */
int journal_wipe_sensitive(struct node_store *store);
/* Runs work inside the caller's write transaction with the journal's append-only guard
 * lifted, and puts the guard back exactly as sqlite_schema had it: only the wipe and node
 * migration 12's sealing in place (value_seal.h) rewrite values. */
int journal_unguarded(struct node_store *store,
                      int (*work)(struct node_store *store, void *context), void *context);

#endif
