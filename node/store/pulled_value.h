/* What the post keeps of a pulled value (PROTOCOL.md section 3, "Sealed and withheld values
 * in a pull"; section 6, Grants), in the journal's columns like its own values
 * (value_seal.h): a value sealed to this post's storage key as it came, armoured, after
 * checking that it is sealed to this post's key; a withheld value as its mark
 * (VALUE_SEAL_WITHHELD); a plain value sealed here when its field is sensitive. A grant
 * puts the sealed value in place of the mark of the same change. */
#ifndef NODE_PULLED_VALUE_H
#define NODE_PULLED_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "sae/sae_wire.h"
#include "store/node_store.h"

/* *out (malloc'd; NULL for an unset value): what the journal keeps for pulled change c.
 * SAE_EPERM: c's sealed value is sealed to another key than this post's storage key;
 * SAE_ECORRUPT: it is damaged, or a sealed or withheld value of a field that is not
 * sensitive (the hub never sends one); SAE_ENOMEM. */
int pulled_value_stored(struct node_store *store, const struct sae_change *c, char **out);

/* Puts granted change g's sealed value (checked as above) in place of the withheld mark of
 * the journal entry (g's origin, seq) of the same report and field, and derives the field's
 * state and shown value again; inside the caller's write transaction. *filled false: the
 * post holds no such withheld entry (it has the value already, or not the change): nothing
 * changes. */
int pulled_value_grant(struct node_store *store, const struct sae_change *g, bool *filled);

/* Applies a pull answer's changes (journal_apply_remote; this post's own are skipped), then
 * its grants (a grant fills a withheld value the answer, or an earlier one, brought), inside
 * the caller's write transaction. *pulled, *granted: how many were new. */
int pulled_value_apply(struct node_store *store, const struct sae_pull_response *response,
                       size_t *pulled, size_t *granted);

#endif
