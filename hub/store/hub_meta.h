/* The keys of hub.db's meta table (key TEXT PRIMARY KEY, value ANY): the hub's identity and
 * counters. String literals, so that SQL text can embed them ("... WHERE key = '"
 * HUB_META_CLOCK "'"). */
#ifndef HUB_META_H
#define HUB_META_H

/* Written at init: the hub's name, its origin id (of district edits and resolutions) and
 * its X25519 public key. */
#define HUB_META_NAME "name"
#define HUB_META_HUB_ID "hub_id"
#define HUB_META_PUBLIC_KEY "public_key"
/* The hub's clock: above every version received and every version it issued (an HLC). */
#define HUB_META_CLOCK "clock"
/* The seq of the last district change (a coordinator's edit or resolution). */
#define HUB_META_DISTRICT_SEQ "district_seq"
/* 1 while the conflicts open before the merge policies (schema 3) still wait to be
 * recomputed under them (merge_refresh); the migration sets it. */
#define HUB_META_MERGE_REFRESH "merge_refresh"
/* The TLS key pins every pull announces ("sha256//..;sha256//..") and since when (ms):
 * written by `sae-hub tls new-key` and `tls roll` (store/announced_pins.c). */
#define HUB_META_TLS_PINS "tls_pins"
#define HUB_META_TLS_PINS_SINCE_MS "tls_pins_since_ms"
/* The district storage key (store/district_key.h): its public half (32 bytes) and its
 * secret half wrapped by the recovery key (proto/STORAGE_KEYS.md section 2). */
#define HUB_META_DISTRICT_PUBLIC_KEY "district_public_key"
#define HUB_META_DISTRICT_RECOVERY_WRAP "district_recovery_wrap"
/* 0 while the plaintext sensitive values of a hub from before migration 12 wait to be
 * sealed (store/value_vault.h value_vault_settle); 1 once they are. */
#define HUB_META_VALUES_SEALED "values_sealed"

#endif
