/* The TLS key pins the hub asks its posts to trust from now on, kept in hub.db (table meta):
 * `sae-hub tls new-key` stores the current key's pin and the backup key's, `sae-hub tls
 * roll` the new current one. The daemon reads them on every pull and announces them
 * (PullResponse.tls_pins), together with the pin of the key it serves. */
#ifndef HUB_ANNOUNCED_PINS_H
#define HUB_ANNOUNCED_PINS_H

#include <stddef.h>
#include <stdint.h>

#include "sae/sae_pins.h"
#include "store/hub_store.h"

/* The stored pins ("sha256//..;sha256//..") and since when (ms) they are announced.
 * SAE_ENOTFOUND when none were ever stored (a hub that never rolled its key). */
int announced_pins_load(struct hub_store *store, char pins[SAE_PINS_TEXT_BYTES],
                        int64_t *since_ms);

/* Live posts not seen since since_ms (they have not heard the pins announced since then):
 * up to cap ids in ids, and how many there are in all in *count. */
int announced_pins_posts_behind(struct hub_store *store, int64_t since_ms, uint64_t *ids,
                                size_t cap, size_t *count);

/* Replaces the stored pins (1..SAE_WIRE_TLS_PINS_MAX, checked) in one statement. */
int announced_pins_save(struct hub_store *store, const char *pins, int64_t since_ms);

#endif
