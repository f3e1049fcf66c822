/* A post's store on a real journal with a hub's key pair, for the unit tests of the hub's
 * copies of sensitive values (test_hub_copy.c, test_hub_copy_box.c): made fresh for each
 * test (cmocka setup and teardown), the hub's bundle saved when a test says so, and a case
 * whose sensitive values carry a marker a test can look for.
 * Built into libsae-test.a. */
#ifndef HUB_COPY_WORLD_H
#define HUB_COPY_WORLD_H

#include "unit_support.h"

#define HUB_COPY_MARKED "Siti Penanda"

struct hub_copy_world {
    struct unit_fixture unit;
    unsigned char hub_pk[32], hub_sk[32];
    unsigned char *storage_secret; /* lent to the store while a staff member is signed in */
};

/* *state: a struct hub_copy_world, its store open and its hub's pair made. */
int hub_copy_world_setup(void **state);
/* Signs out first, if a test left a staff member signed in. */
int hub_copy_world_teardown(void **state);

/* A staff member signs in (the storage key lent to the store) or out. */
void hub_copy_world_sign_in(struct hub_copy_world *w);
void hub_copy_world_sign_out(struct hub_copy_world *w);

/* The hub's bundle (its public key, the store's village) saved as an enrolment would. */
void hub_copy_world_save_bundle(struct hub_copy_world *w);

/* A case whose name and narrative hold HUB_COPY_MARKED. */
void hub_copy_world_add_marked_case(struct node_store *store, char id[SAE_ID_TEXT_LEN + 1]);

#endif
