/* Survivors' values at rest on the post (docs/DESIGN.md "Data at rest", STORAGE_KEYS.md
 * section 5): the value of every field the catalogue marks sensitive is kept in node.db
 * (journal.value; field_shown refers to the entry, JOURNAL_ENTRY_REF) sealed to the post's
 * storage public key (store/storage_key.h) and text-armoured: "sealed:" + base64 (URL-safe,
 * no padding) of a sealed value (sae_sealed.h), so the STRICT TEXT column keeps its type.
 * Sealing needs only the public half: writing, pulling, `run` and `sync` never need a
 * passphrase. Opening needs the secret half, which only a staff member's passphrase
 * unwraps: a store reads with the key its caller lends (node_store_lend_secret), and without
 * one a sensitive value is masked (VALUE_SEAL_MASK). Each seal is random, so stored values
 * are never compared for equality: an edit compares the opened value, or writes anew when
 * no key is lent. */
#ifndef NODE_VALUE_SEAL_H
#define NODE_VALUE_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "store/node_meta.h"
#include "store/node_store.h"

#define VALUE_SEAL_ARMOUR "sealed:"
/* What a reader without the key is given in place of a sensitive value: the same for every
 * value, so its length tells nothing. The CLI and the app print their catalogue's words
 * for it ("•••• (masuk untuk melihat)" / "•••• (sign in to see)"); JSON gives null with
 * "masked": true. */
#define VALUE_SEAL_MASK "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"

/* What the post keeps, in the same columns, for a sensitive value the hub did not give it
 * (PROTOCOL.md section 3: withheld; superseded, or not granted yet): read as masked with its
 * own words ("belum diberikan distrik" / "not given by the district yet") by anyone, with or
 * without the key; a grant puts the sealed value in its place (store/pulled_value.h). No
 * stored value of a sensitive field is ever plain text, so the mark cannot be a value. */
#define VALUE_SEAL_WITHHELD "withheld:"
/* What the post keeps, in the same columns, for a sensitive value of a report the district
 * erased (store/erasure_apply.h): read as masked with its own words ("dihapus" / "erased")
 * by anyone; nothing ever fills it again. A value written after the erasure is a new entry. */
#define VALUE_SEAL_ERASED "erased:"

/* Whether kind's stored field (a set element never is) is kept sealed. */
bool value_seal_applies(const char *kind, const char *field);
/* Whether stored is an armoured sealed value (by its form; it may not open). */
bool value_seal_is_sealed(const char *stored);
/* Whether stored is the mark of a withheld value (VALUE_SEAL_WITHHELD). */
bool value_seal_is_withheld(const char *stored);
/* Whether stored is the mark of an erased value (VALUE_SEAL_ERASED). */
bool value_seal_is_erased(const char *stored);
/* Whether stored is either mark: no key opens it, every reader is given the mask. */
bool value_seal_is_mark(const char *stored);
/* *out (malloc'd): sealed bytes (sae_sealed.h) armoured as stored, when they are sealed to
 * public_key (value_seal_check's errors otherwise: SAE_EPERM another key). */
int value_seal_armour_checked(const unsigned char public_key[32], const unsigned char *sealed,
                              size_t len, char **out);
/* *out (malloc'd): plain as stored for kind's field: sealed to public_key when the field is
 * sensitive, else a copy; NULL for NULL. SAE_ENOMEM, SAE_ECRYPTO, SAE_ETOOBIG. */
int value_seal(const unsigned char public_key[32], const char *kind, const char *field,
               const char *plain, char **out);
/* The same to store's storage key, in sealed-format version 2 through the transaction's
 * sealer (node_store_sealer): what journal_add and a pull's answer write. */
int value_seal_in(struct node_store *store, const char *kind, const char *field,
                  const char *plain, char **out);
/* *out (malloc'd; free with sae_wipe_free_string): stored opened with secret. A value that
 * is not armoured is returned as it is (a value of a field that is not sensitive).
 * SAE_EPERM: secret is NULL or not the key sealed to; SAE_ECORRUPT: damaged. */
int value_seal_open(const unsigned char public_key[32], const unsigned char *secret,
                    const char *stored, char **out);
/* Whether stored is a well-formed sealed value for public_key (without opening it):
 * SAE_EINVAL not armoured, SAE_ECORRUPT damaged, SAE_ESCHEMA newer, SAE_EPERM another key. */
int value_seal_check(const unsigned char public_key[32], const char *stored);
/* The value a reader of store is given for stored: opened with the lent key, masked
 * (VALUE_SEAL_MASK, *masked true) without one or for a mark, a copy when not sealed. */
int value_seal_read(struct node_store *store, const char *stored, char **out, bool *masked);

/* SQL functions on store's connection for reads that filter in SQL (case_search.c):
 * opened(v) is v opened with the lent key, NULL for a sealed value without one; shown(v) the
 * same but masked (VALUE_SEAL_MASK) without one. A value not sealed is itself. */
int value_seal_register_sql(struct node_store *store);

/* Node migration 12 (with value_seal_settle): every plaintext value of a sensitive field is
 * sealed in place, then the journal is vacuumed and its WAL truncated so that no page keeps
 * the plaintext. The migration records the pending work in meta (NODE_META_VALUES_SEALED
 * 0); settling does it at the first open that knows the public key (a journal from before
 * migration 10 gets its key pair in the same open).
 *
 * Seals what is left in plaintext and scrubs the file; nothing once done. Crash-safe: the
 * sealing is one transaction, and the scrub is done again until it is recorded. */
int value_seal_settle(struct node_store *store);

#endif
