/* Saving an enrollment bundle (hub_enroll.h). */
#include "store/hub_enroll.h"

#include <string.h>

#include "store/case_number.h"
#include "store/hub_copy.h"
#include "store/node_config.h"
#include "store/node_village.h"

static int check_village(const struct hub_link *link, const struct node_store *store,
                         struct sae_message *why)
{
    char bundle[SAE_AREA_LABEL_BYTES], post[SAE_AREA_LABEL_BYTES];
    bool listed;
    if (strcmp(link->village, store->village) == 0)
        return 0;
    node_village_label(link->village, bundle, &listed);
    node_village_label(store->village, post, &listed);
    sae_message_set(why, "this bundle is for %s, but this post is %s; ask the district for a "
                    "bundle for %s (%s)", bundle, post, post, store->village);
    return SAE_EINVAL;
}

static int check_hub(struct node_store *store, const struct hub_link *link,
                     struct sae_message *why)
{
    struct hub_link existing;
    int rc = hub_link_load(store, &existing);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    bool other_hub = existing.enrolled_ms != 0 && existing.hub_id != link->hub_id;
    hub_link_clear(&existing);
    if (!other_hub)
        return 0;
    sae_message_set(why, "this post is enrolled with another hub; a bundle of hub %016llx "
                    "cannot be used here", (unsigned long long)link->hub_id);
    return SAE_EEXIST;
}

int hub_enroll_check(struct node_store *store, const struct hub_link *link,
                     struct sae_message *why)
{
    int rc = check_village(link, store, why);
    return rc == 0 ? check_hub(store, link, why) : rc;
}

int hub_enroll_save(struct node_store *store, const struct hub_link *link,
                    struct sae_message *why)
{
    int rc = hub_enroll_check(store, link, why);
    if (rc != 0)
        return rc;
    rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    rc = hub_link_save(store, link);
    /* The hub's key is known from now on: changes written before it get their copies. */
    if (rc == 0)
        rc = hub_copy_seal_pending_opened(store);
    if (rc == 0 && link->device_name[0])
        rc = node_config_set_device_name(store, link->device_name);
    if (rc == 0 && link->device_index >= 0)
        rc = case_number_set_device(store, link->device_index);
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

int hub_enroll_is_renewal(struct node_store *store, bool *renewal)
{
    struct hub_link existing;
    int rc = hub_link_load(store, &existing);
    if (rc == SAE_ENOTFOUND) {
        *renewal = false;
        return 0;
    }
    if (rc == 0)
        *renewal = existing.enrolled_ms != 0;
    hub_link_clear(&existing);
    return rc;
}
