/* Sealing the sensitive values of a hub from before migration 12 in place (docs/DESIGN.md
 * "Sealed values at the hub"): every plaintext value of a sensitive field in change.value
 * becomes its keyed token, with its copies to the district key and to the village's devices
 * that hold a storage key (except the change's origin), and its duplicates' name hash, in
 * one write transaction past the change table's no-update guard (dropped and put back as
 * sqlite_schema had it); then the WAL is checkpointed and truncated and the file VACUUMed
 * (hub.db runs secure_delete), so no page of hub.db or its WAL keeps a plain value.
 *
 * meta values_sealed: 0 to do (migration 12), 1 sealed but not yet scrubbed, 2 done. A crash
 * before the scrub repeats the scrub at the next open. */
#ifndef VALUE_SETTLE_H
#define VALUE_SETTLE_H

#include "sae/sae_error.h"
#include "store/hub_store.h"

/* Values sealed per statement batch read (the whole job is one transaction). */
#define VALUE_SETTLE_CHUNK 1000

/* Runs once the district key exists (district_key_ensure); returns at once when done. */
int value_settle(struct hub_store *store);

#endif
