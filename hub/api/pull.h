/* Pull: the changes of a post's village that it does not have yet, in the hub's order, and
 * the review states of its fields. */
#ifndef HUB_PULL_H
#define HUB_PULL_H

#include <stdint.h>

#include "store/hub_store.h"
#include "sae/sae_wire.h"

/* Most changes in one pull response when the post leaves the choice to the hub. */
#define PULL_CHANGES_DEFAULT 500

/* Changes of node's village after request->cursor (held ones never; the node's own ones
 * neither: it has them), at most max_changes (0: PULL_CHANGES_DEFAULT; capped by
 * limits->changes_per_message); and when the request asks, as many review states of the
 * village after its review_cursor, none before the changes they name; a sensitive value
 * as node's sealed copy or withheld, and the grants after grant_cursor (pull_sealed.h);
 * once every change is in the answer, as many ids of the village's reports erased after
 * erasure_cursor (store/erasure.h). SAE_EINVAL for a cursor the hub never issued. */
int pull_changes(struct hub_store *store, const struct hub_node *node,
                 const struct sae_pull_request *request, const struct sae_limits *limits,
                 int64_t now_ms, struct sae_pull_response **out);

#endif
