/* The hub's copy of values still to be sent: each change this post writes to a field the
 * catalogue marks sensitive is also kept sealed to the hub's public key (journal.hub_sealed,
 * node migration 11; this module owns the column), the push sends that copy
 * (FieldChange.sealed_value, protocol schema 3), and the copy is dropped once the hub
 * acknowledges the change. A copy is made whenever such a value is written and the hub's key
 * is known (from the enrollment bundle); saving a bundle, and the migration, seal the copies
 * of every change not yet acknowledged from the journal's value. The journal stays
 * append-only in all it records: migration 11 narrowed the trigger of migration 1 to every
 * column but the copy, which is made and dropped in place. */
#ifndef NODE_HUB_COPY_H
#define NODE_HUB_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/node_store.h"
#include "sae/sae_value_box.h"

#define HUB_COPY_KEY_BYTES 32u

/* The sensitive values one command writes for one report, gathered for one box: once the
 * hub reads boxes, stored in hub_box with a hub_box_slot row per value (node migration 14)
 * instead of hub_sealed. */
struct hub_copy_box {
    char *values[SAE_VALUE_BOX_VALUES_MAX];
    int64_t seqs[SAE_VALUE_BOX_VALUES_MAX];
    size_t count;
};

/* Whether a change of kind's field travels sealed (the catalogue's sensitive mark; set
 * elements and the tombstone never do). */
bool hub_copy_sensitive(const char *kind, const char *field);
/* The hub's public key from the saved bundle; *known false (key untouched) without one.
 * cache: the store's statement cache, or NULL (a migration's step). */
int hub_copy_key(sqlite3 *db, struct sae_db_cache *cache, uint8_t key[HUB_COPY_KEY_BYTES],
                 bool *known);
/* *out (malloc'd, *out_len bytes): value sealed to key when kind's field is sensitive and
 * value is set; else *out NULL. SAE_ENOMEM, SAE_ECRYPTO. */
int hub_copy_seal(const uint8_t key[HUB_COPY_KEY_BYTES], const char *kind, const char *field,
                  const char *value, unsigned char **out, size_t *out_len);
/* The same in sealed-format version 2 through store's sealer to key for the transaction
 * (node_store_sealer): the hub opens a change set's copies with one X25519. */
int hub_copy_seal_in(struct node_store *store, const uint8_t key[HUB_COPY_KEY_BYTES],
                     const char *kind, const char *field, const char *value,
                     unsigned char **out, size_t *out_len);
/* Seals again the copy of every own change the hub has not acknowledged, from its value,
 * to the saved hub key (nothing without one). Called inside a write transaction: when a
 * bundle is saved, and as node migration 11's step. */
int hub_copy_seal_pending(sqlite3 *db);
/* The same when a bundle is saved: a value kept sealed to the storage key (value_seal.h) is
 * opened with the key lent to store; without one its change keeps no copy until a staff
 * member's sign-in lends it (sync_state_next_batch). */
int hub_copy_seal_pending_opened(struct node_store *store);
/* Whether the hub last answered in a schema that reads value boxes (NODE_META_HUB_SCHEMA). */
int hub_copy_hub_reads_boxes(struct node_store *store, bool *out);
/* Records the schema of the hub's answer. */
int hub_copy_set_hub_schema(struct node_store *store, uint32_t schema);
/* Whether the copy of kind's field with value goes into box (sensitive, set, room left). */
bool hub_copy_box_takes(const struct hub_copy_box *box, const char *kind, const char *field,
                        const char *value);
/* Keeps value (copied) for journal entry seq in box. SAE_ENOMEM, SAE_ETOOBIG: full. */
int hub_copy_box_add(struct hub_copy_box *box, int64_t seq, const char *value);
/* Seals box's values in one value box to key through store's sealer for the transaction
 * and stores it with its slots; values a box cannot hold together (over its limits) get
 * their own copies instead (hub_sealed). Then empties box. Inside the write transaction. */
int hub_copy_box_store(struct node_store *store, const uint8_t key[HUB_COPY_KEY_BYTES],
                       struct hub_copy_box *box);
/* Wipes box's values. */
void hub_copy_box_clear(struct hub_copy_box *box);
/* A re-dated entry (restamp.c) keeps the slot of the entry it re-dates: the same value. */
int hub_copy_box_follow(struct node_store *store, int64_t from_seq, int64_t to_seq);
/* Drops the boxes of report id's entries (an erasure: store/erasure_apply.h). */
int hub_copy_box_drop_report(struct node_store *store, const char *report_id);
/* Drops every box (a revocation's wipe). */
int hub_copy_box_drop_all(sqlite3 *db);

/* Drops (NULL, secure_delete zeroing the old bytes) the copies of changes from < seq <= upto:
 * the hub acknowledged them; with their slots and every box left without one. */
int hub_copy_drop_acked(struct node_store *store, int64_t from, int64_t upto);

#endif
