/* The district's erasure of reports, applied on the post (docs/DESIGN.md "Erasure on the
 * posts"; PROTOCOL.md section 6, Erasures). The pull names the village's reports a
 * coordinator erased at the hub; the post then wipes what it holds of their sensitive values:
 * every journal entry's value (own or pulled, sealed or withheld) becomes the mark
 * VALUE_SEAL_ERASED past the append-only guard (journal_wipe.h), the copies sealed for the
 * hub are dropped, the coordinators' notes on the report and the district's review note go,
 * and the field's state and shown value are derived again. An own value not sent yet is
 * never sent (sync_state_next_batch passes over the mark). A value written after the erasure
 * is a new entry, which no erasure already applied touches again. */
#ifndef NODE_ERASURE_APPLY_H
#define NODE_ERASURE_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "sae/sae_id.h"
#include "store/node_store.h"

/* Applies the erasure of each of ids inside the caller's write transaction (secure_delete
 * zeroes the freed bytes; the caller empties the WAL after its commit: erasure_apply_scrub).
 * A report the post does not hold is passed over. *wiped: how many values became the mark. */
int erasure_apply(struct node_store *store, const struct sae_id *ids, size_t count,
                  int64_t *wiped);
/* After the commit of an erasure that wiped values: the WAL emptied, or the scrub recorded as
 * owed when another connection holds it (sae_db_wal_scrub). */
int erasure_apply_scrub(struct node_store *store);

#endif
