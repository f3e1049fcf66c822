/* The post's link to its district hub: the enrollment bundle made by `sae-hub nodes add`,
 * checked and kept in the journal (table hub), the TLS key pins the post trusts (from the
 * bundle, then as the hub announces them), and whether enrollment has completed. */
#ifndef NODE_HUB_LINK_H
#define NODE_HUB_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sodium.h>

#include "sae/sae_pins.h"
#include "store/node_store.h"
#include "sae/sae_limits.h"
#include "sae/sae_wire_limits.h"

#define HUB_LINK_BUNDLE_MAX_BYTES (64 * 1024)
#define HUB_LINK_URL_BYTES 512
#define HUB_LINK_TOKEN_BYTES 128

struct hub_link {
    char url[HUB_LINK_URL_BYTES];
    uint8_t public_key[crypto_box_PUBLICKEYBYTES];
    uint64_t hub_id;
    char *certificate; /* PEM as the bundle had it, malloc'd ("" when none): for people only */
    char pins[SAE_PINS_TEXT_BYTES]; /* "sha256//..;sha256//..", as libcurl takes them */
    char token[HUB_LINK_TOKEN_BYTES]; /* empty once enrolled */
    char village[SAE_LIMIT_VILLAGE_BYTES + 1]; /* its code (an older bundle's name resolved) */
    char device_name[SAE_WIRE_TEXT_BYTES + 1]; /* the district's name for it; "" if none */
    int64_t device_index;             /* its place among the village's devices (the letter of
                                         its registration numbers); -1: the bundle has none */
    int64_t enrolled_ms;              /* 0 until the hub answered the enrollment */
};

/* Reads and checks a bundle file: format, https URL, key (and that the hub id matches
 * it), pins (tls_pins, or tls_pin from older hubs), village (a code; an older hub's name
 * becomes the code it resolves to in the built-in list), token, the device name and the
 * certificate when present. SAE_EINVAL with why naming what is wrong. */
int hub_link_read_bundle(const char *path, struct hub_link *out, struct sae_message *why);

/* The same checks of a bundle held in memory (an upload), len bytes, named name in why. */
int hub_link_parse_bundle(const char *bytes, size_t len, const char *name,
                          struct hub_link *out, struct sae_message *why);

/* Stores the link (inside the caller's write transaction). */
int hub_link_save(struct node_store *store, const struct hub_link *link);

/* Loads the stored link; SAE_ENOTFOUND when the post has no bundle yet. */
int hub_link_load(struct node_store *store, struct hub_link *out);

/* Replaces the pins the post trusts (inside the caller's write transaction). */
int hub_link_save_pins(struct node_store *store, const char *pins);

/* Records that the hub accepted the enrollment: the token is spent and forgotten, and the
 * hub's id is kept as proven (meta, below). */
int hub_link_mark_enrolled(struct node_store *store, int64_t now_ms);

/* Whether link's hub key has proven itself: the hub answered an enrollment of this post,
 * under this bundle or an earlier one of the same hub (a new bundle of the same hub, saved
 * to enroll again, starts with enrolled_ms 0). A key only named by a bundle is not. */
int hub_link_proven(struct node_store *store, const struct hub_link *link, bool *out);

/* Forgets a token not redeemed yet (a revoked device's wipe, store/node_wipe.h): nothing
 * left on the computer enrolls a device again. Inside the caller's write transaction. */
int hub_link_forget_token(struct node_store *store);

void hub_link_clear(struct hub_link *link);

#endif
