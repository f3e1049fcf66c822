/* The post's settings people give it: who its changes are by unless --by says otherwise
 * (sae-node config author), its village (fixed once when a journal from before codes kept a
 * name no village matches), and this device's name as the district recorded it. */
#ifndef NODE_CONFIG_H
#define NODE_CONFIG_H

#include <stdbool.h>

#include "sae/sae_area.h"
#include "sae/sae_limits.h"
#include "sae/sae_wire_limits.h"
#include "store/node_store.h"

struct node_config {
    char author[SAE_LIMIT_PERSON_BYTES + 1];     /* "" when not set */
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];   /* its code, or a name from before codes */
    char village_label[SAE_AREA_LABEL_BYTES];    /* "Sumberanyar (Paiton)" */
    bool village_listed;                         /* false: flagged, fix with config village */
    char device_name[SAE_WIRE_TEXT_BYTES + 1];   /* "" until a bundle named it */
};

int node_config_read(struct node_store *store, struct node_config *out);

/* In its own write transaction: the device's default author (checked as
 * node_store_set_author checks it; SAE_EINVAL otherwise). */
int node_config_set_author(struct node_store *store, const char *author);

/* In its own write transaction: the village's code, only while the stored village is not in
 * the list of areas (SAE_EINVAL otherwise: a post never moves between villages). text is a
 * code or a unique name; SAE_ENOTFOUND / SAE_EAMBIGUOUS with why as the resolver says. */
int node_config_set_village(struct node_store *store, const char *text,
                            char code[SAE_AREA_CODE_BYTES], struct sae_message *why);

/* Inside the caller's transaction: the device name the district gave (bundle, enrollment). */
int node_config_set_device_name(struct node_store *store, const char *name);

#endif
