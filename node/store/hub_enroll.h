/* Saving an enrollment bundle for this post (sae-node enroll, and the post app's upload):
 * the bundle must be for this post's village, and a post enrolled with one hub takes no
 * bundle of another (it would mix two hubs' cursors); a new bundle of the same hub is how a
 * post comes back after the hub rolled its key while it was away. */
#ifndef NODE_HUB_ENROLL_H
#define NODE_HUB_ENROLL_H

#include <stdbool.h>

#include "store/hub_link.h"
#include "store/node_store.h"

/* The checks hub_enroll_save makes, writing nothing: SAE_EINVAL (another village) or
 * SAE_EEXIST (another hub) with why saying what to do; store errors otherwise. */
int hub_enroll_check(struct node_store *store, const struct hub_link *link,
                     struct sae_message *why);

/* Saves link (with the device's name and index) in one write transaction. SAE_EINVAL (another
 * village) or SAE_EEXIST (another hub) with why saying what to do; store errors otherwise. */
int hub_enroll_save(struct node_store *store, const struct hub_link *link,
                    struct sae_message *why);

/* Whether the post is enrolled already (its link answered by the hub): a new bundle is then a
 * re-enrollment, which the hub may refuse (a revoked device). */
int hub_enroll_is_renewal(struct node_store *store, bool *renewal);

#endif
