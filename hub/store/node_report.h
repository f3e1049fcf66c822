/* What the district's Posts page knows of each device beyond its enrollment (node): what the
 * post reported of itself at its last pull (its program, and how many of its own changes it
 * had not sent yet: only the post knows that) and what the hub holds of its changes without
 * applying them (held: dated ahead of the hub's clock; refused: set aside for good). Owns the
 * node_report table, made by hub migration 8 (store/hub_migrate.c), which also gives
 * enroll_token the enrollment bundles the console makes (api/enroll.h: a bundle's own id,
 * the device's place in its village, when it was downloaded). */
#ifndef HUB_NODE_REPORT_H
#define HUB_NODE_REPORT_H

#include <stdint.h>

#include "sae/sae_wire_limits.h"
#include "store/hub_store.h"

struct hub_node_report {
    int64_t pending;     /* the post's unsent changes at its last report; -1: never reported */
    int64_t reported_ms; /* when; 0: never */
    char program[SAE_WIRE_PROGRAM_BYTES]; /* "sae-node 0.1.0"; "": never reported */
    int64_t held;        /* its changes the hub holds or set aside */
};

/* Records what node reported (program non-empty) at now_ms. */
int hub_node_report_record(struct hub_store *store, uint64_t node, uint64_t pending,
                           const char *program, int64_t now_ms);
/* What is known of node (never reported: pending -1, program ""). */
int hub_node_report_get(struct hub_store *store, uint64_t node, struct hub_node_report *out);

#endif
