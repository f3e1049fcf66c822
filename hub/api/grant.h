/* Grants (PROTOCOL.md section 6, Grants; docs/DESIGN.md "Sealed values at the hub"): a
 * device enrolled after values came (a new or replaced laptop of a village) holds no copy of
 * them, and the hub cannot make one without the district key. A coordinator whose key is
 * open (a console session, `sae-hub nodes grant ID --as COORDINATOR`) grants the device the
 * current values of its village it has no copy of: each district copy opened, sealed to the
 * device's storage key, put with its grant log row (store/sealed_values.h), and one audit
 * row "granted N values to DEVICE". Only current heads (a field's winner, a candidate of an
 * open conflict), never a superseded value; never the device's own changes (it holds them). */
#ifndef HUB_GRANT_H
#define HUB_GRANT_H

#include <stdint.h>

#include "store/hub_store.h"

/* *out: how many current sensitive values of node's village node holds no copy of. */
int grant_missing_count(struct hub_store *store, const struct hub_node *node, int64_t *out);

/* Grants them in one write transaction with the audit row (actor by, from address), using
 * district_secret (DISTRICT_KEY_BYTES). *granted: how many. SAE_ENOTFOUND: node sent no
 * storage key; SAE_EPERM: node is revoked, or district_secret is not the district's key
 * (nothing granted). */
int grant_values(struct hub_store *store, const struct hub_node *node,
                 const unsigned char *district_secret, const char *by, const char *address,
                 int64_t now_ms, int64_t *granted);

#endif
