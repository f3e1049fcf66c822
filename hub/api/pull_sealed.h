/* What a pull carries of sensitive values (PROTOCOL.md section 3, "Sealed and withheld
 * values in a pull"; section 6, Grants): the hub keeps them only sealed, so a change of a
 * sensitive field goes out with the pulling device's own copy when it is a current head,
 * else withheld; and the grants logged for the device after its grant cursor. */
#ifndef HUB_PULL_SEALED_H
#define HUB_PULL_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_wire.h"
#include "store/hub_store.h"

/* An SQL expression, true when the change aliased `c` is a current head of its field: the
 * field's winning change, or a candidate of its open conflict. */
#define PULL_SEALED_HEAD_SQL                                                                   \
    "(EXISTS(SELECT 1 FROM field_winner f WHERE f.report_no = c.report_no"                     \
    " AND f.field = c.field AND f.change = c.seq) OR EXISTS(SELECT 1 FROM conflict x"           \
    " JOIN conflict_candidate k ON k.conflict = x.id WHERE x.report_id = c.report_id"          \
    " AND x.field = c.field AND x.status = 'open' AND k.change = c.seq))"

/* Replaces c's value (what change.value holds: a keyed token of it) by node's copy of it
 * when head and the copy exists, else marks it withheld; a change of a field that is not
 * sensitive, or unset, is left as it is. `change` is its hub seq. */
int pull_sealed_value(struct hub_store *store, const struct hub_node *node, int64_t change,
                      bool head, struct sae_change *c);

/* Grants to node after request->grant_cursor (SAE_EINVAL: a cursor the hub never issued) of
 * changes at or before r->next_cursor that are still heads, at most max and sealed_room
 * sealed bytes (one at least in an answer with nothing else), into r->grants and
 * r->next_grant_cursor; *full when more may remain. */
int pull_sealed_grants(struct hub_store *store, const struct hub_node *node,
                       uint64_t grant_cursor, size_t max, size_t sealed_room,
                       struct sae_pull_response *r, bool *full);

#endif
