/* Sensitive values at the hub, sealed (hub migration 11; docs/DESIGN.md "Sealed values at the
 * hub"; this module owns the tables sealed_value and value_grant).
 *
 * The hub keeps the value of a field the catalogue marks sensitive only sealed
 * (sae_sealed.h, crypto_box_seal): one copy to the district storage key (holder
 * SEALED_VALUE_DISTRICT), which only a coordinator's key opens (the console, a coordinator's
 * password on the command line, the recovery key), and one copy to the storage key of each
 * device of the report's village (holder = node.id), which the pull hands to that device as
 * it is. change.value holds in their place a keyed token of the value (equal values, equal
 * tokens), so the merge compares values as before without reading them. The daemon makes
 * every copy at ingest, from the value it opened in memory; a device enrolled later has no
 * copy of what came before until a coordinator grants it (value_grant: the grants a device
 * is owed, delivered by the pull after its grant cursor).
 *
 * The rows are mutable, unlike change: erasing a report deletes its copies (secure_delete). */
#ifndef SEALED_VALUES_H
#define SEALED_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "store/hub_store.h"

/* The holder of the copy sealed to the district storage key. */
#define SEALED_VALUE_DISTRICT 0u

/* Stores the copy of change's value sealed to holder's key (len bytes of sae_sealed), in
 * place of any earlier one. SAE_EINVAL: empty or over SAE_SEALED_MAX_BYTES. */
int sealed_values_put(struct hub_store *store, int64_t change, uint64_t holder,
                      const uint8_t *sealed, size_t len);
/* *out (malloc'd, *out_len bytes): holder's copy of change's value. SAE_ENOTFOUND: none. */
int sealed_values_get(struct hub_store *store, int64_t change, uint64_t holder, uint8_t **out,
                      size_t *out_len);
/* Gives to_change every copy from_change has (a resolution that keeps a candidate's value:
 * the same value, so the same sealed bytes serve every holder). */
int sealed_values_copy(struct hub_store *store, int64_t from_change, int64_t to_change);
/* Deletes every copy of every change of report_id (erasure); *deleted: how many. */
int sealed_values_erase_report(struct hub_store *store, const char *report_id,
                               int64_t *deleted);

/* Grants (value_grant): the copies a coordinator made for a device enrolled after the
 * values came (PROTOCOL.md section 6, Grants). */

/* Puts holder node's copy of change's value and logs the grant (by whom, when), in the
 * caller's transaction. A change granted to node before keeps its first log row (its
 * position in the grant cursor's order) and gets the new copy. */
int sealed_values_grant(struct hub_store *store, int64_t change, uint64_t node,
                        const uint8_t *sealed, size_t len, const char *granted_by,
                        int64_t now_ms);

/* One logged grant with node's copy of the value. */
struct sealed_grant {
    int64_t seq;    /* the grant log's position */
    int64_t change; /* change.seq */
    uint8_t *sealed;
    size_t len;
};
/* node's grants after cursor in log order, at most max (those whose copy was erased since are
 * left out): *out (calloc'd, *count of them; free with sealed_values_grants_free). */
int sealed_values_grants_after(struct hub_store *store, uint64_t node, int64_t cursor,
                               size_t max, struct sealed_grant **out, size_t *count);
void sealed_values_grants_free(struct sealed_grant *grants, size_t count);
/* The newest grant log position the hub issued (0: none), deleted rows included. */
int sealed_values_newest_grant(struct hub_store *store, int64_t *out);

#endif
