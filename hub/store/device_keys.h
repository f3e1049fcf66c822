/* Devices' storage public keys (node.storage_public_key, hub migration 10; this module owns
 * the column): the post's storage key (proto/STORAGE_KEYS.md section 1) as its enrollment
 * sent it, what the hub will seal to that device the values it must receive. A post from
 * before field 7 of EnrollRequest has none until it enrolls again; a later enrollment of
 * the same device replaces it. */
#ifndef DEVICE_KEYS_H
#define DEVICE_KEYS_H

#include <stdint.h>

#include "sae/sae_error.h"
#include "store/hub_store.h"

#define DEVICE_KEY_BYTES 32u

/* SAE_ENOTFOUND: no such device. */
int device_keys_set(struct hub_store *store, uint64_t id, const uint8_t key[DEVICE_KEY_BYTES]);
/* SAE_ENOTFOUND: no such device, or it sent none. */
int device_keys_get(struct hub_store *store, uint64_t id, uint8_t out[DEVICE_KEY_BYTES]);

/* Calls visit(id, key, context) for every device of village that is not revoked, holds a
 * storage key and is not except (0: none), by id; stops at the first non-zero result and
 * returns it. */
typedef int (*device_keys_visit_fn)(uint64_t id, const uint8_t key[DEVICE_KEY_BYTES],
                                    void *context);
int device_keys_of_village(struct hub_store *store, const char *village, uint64_t except,
                           device_keys_visit_fn visit, void *context);

#endif
