/* The keys of the journal's meta table (key TEXT PRIMARY KEY, value ANY): the post's settings
 * and synchronisation state. String literals, so that SQL text can embed them
 * ("... WHERE key = '" NODE_META_CLOCK "'"). The migrations in node_store.c spell them out:
 * their text never changes. */
#ifndef NODE_META_H
#define NODE_META_H

/* Written at init. The village is its code in the official list of areas (a journal from
 * before codes may keep a name no village matches: status flags it). */
#define NODE_META_VILLAGE "village"
#define NODE_META_ORIGIN "origin"
#define NODE_META_PUBLIC_KEY "public_key"
#define NODE_META_CREATED_MS "created_ms"
/* The public half of the post's storage key pair (store/storage_key.c; 32 bytes), made at
 * init or, for a journal from before node migration 10, at its first open. */
#define NODE_META_STORAGE_PUBLIC_KEY "storage_public_key"
/* The newest version issued (an HLC); versions never go below it. */
#define NODE_META_CLOCK "clock"
/* The highest own seq the hub acknowledged. */
#define NODE_META_ACKED_SEQ "acked_seq"
/* Where the next pull starts in the hub's change order, and in its review log. */
#define NODE_META_PULL_CURSOR "pull_cursor"
#define NODE_META_REVIEW_CURSOR "review_cursor"
/* Where the next pull's grants start in the hub's grant log (absent: 0, a journal from
 * before schema 4). */
#define NODE_META_GRANT_CURSOR "grant_cursor"
/* Where the next pull's erasures start in the hub's erasure log (absent: 0, a journal that
 * never pulled one). */
#define NODE_META_ERASURE_CURSOR "erasure_cursor"
/* The last round: when it succeeded, and the line it failed with ("" after a success). */
#define NODE_META_LAST_SYNC_MS "last_sync_ms"
#define NODE_META_LAST_ERROR "last_error"
/* The hub's clock minus this computer's, measured at the last round. */
#define NODE_META_CLOCK_OFFSET_MS "clock_offset_ms"
/* Own entries below this seq were dated by a clock since found off: they are re-dated. */
#define NODE_META_RESTAMP_BELOW_SEQ "restamp_below_seq"
/* Case registration numbers: which device of its village this post is (0 the first, its
 * numbers carry no letter; 1 and later carry "B", "C", ...), and per village part and year
 * the last number of this post's sequence ("registration_seq:3513122018-2026"). */
#define NODE_META_DEVICE_INDEX "device_index"
#define NODE_META_REGISTRATION_SEQ_PREFIX "registration_seq:"
/* Who this device's changes are by unless --by says otherwise (sae-node config author). */
#define NODE_META_AUTHOR "author"
/* This device's name as the district recorded it (the bundle, then the enrollment). */
#define NODE_META_DEVICE_NAME "device_name"
/* The id of the hub that last answered this post's enrollment (store/hub_link.c): its key
 * has proven itself, whatever bundle of it is saved since. */
#define NODE_META_PROVEN_HUB_ID "proven_hub_id"
/* The district revoked this device (store/node_wipe.h): when its notice came (the hub's
 * time), and whether the wipe of survivors' data finished (0: pending, 1: done). */
#define NODE_META_REVOKED_MS "revoked_ms"
#define NODE_META_WIPE_DONE "wipe_done"
/* Node migration 12 (value_seal.h): 0 plaintext may be left, 1 sealed but the file not yet
 * scrubbed, 2 done. */
#define NODE_META_VALUES_SEALED "values_sealed"
/* The schema of the hub's last answer to a pull or a push (store/hub_copy.h): from
 * SAE_WIRE_SCHEMA_VALUE_BOX on, the post seals a change group's values in one value box. No
 * row: no answer yet. */
#define NODE_META_HUB_SCHEMA "hub_schema"

#endif
