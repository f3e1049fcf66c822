/* Sensitive values kept only sealed at the hub (docs/DESIGN.md "Sealed values at the hub",
 * proto/STORAGE_KEYS.md section 6). The daemon holds a value in memory only while it ingests
 * it (opened from the post's sealed copy with hub.key) or writes it (a district edit):
 *
 * - change.value of a field the catalogue marks sensitive holds the value's keyed token,
 *   "keyed:" + URL-safe base64 (no padding) of BLAKE2b-256 keyed with values.key over the
 *   field name, a 0 byte and the value: equal values of a field, equal tokens, so the merge
 *   compares values as before without reading them. NULL (unset) stays NULL.
 * - sealed_value (store/sealed_values.h) holds the copies: one sealed to the district
 *   storage public key (holder SEALED_VALUE_DISTRICT), which a coordinator's key opens for
 *   the console and the command line, and one per device of the report's village that is
 *   not revoked and holds a storage key (device_keys.h), except the change's origin (the
 *   post holds its own value), which the pull hands to that device as it is.
 *
 * values.key: VALUE_KEY_BYTES random bytes in the hub directory (0600), made on first use
 * like duplicates.key, saved in backups with the other keys. A copy of hub.db without it
 * cannot test a guessed name against the tokens.
 *
 * A store loads its vault from its directory (store->dir) at the first value it seals or
 * tokenises (value_vault_attach does it at once); one whose district key does not exist yet
 * (district_key_ensure makes it) refuses a sensitive value (SAE_ENOTFOUND), never stores it
 * in plain text. */
#ifndef VALUE_VAULT_H
#define VALUE_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "sae/sae_error.h"
#include "store/hub_store.h"

struct sae_opener;

#define VALUE_KEY_FILE "values.key"
#define VALUE_KEY_BYTES crypto_generichash_KEYBYTES
#define VALUE_TOKEN_PREFIX "keyed:"
#define VALUE_TOKEN_HASH_BYTES crypto_generichash_BYTES
/* "keyed:", 43 characters of base64 for 32 bytes, NUL. */
#define VALUE_TOKEN_TEXT_BYTES (sizeof VALUE_TOKEN_PREFIX - 1u + 43u + 1u)
#define VALUE_DISTRICT_KEY_BYTES 32u
/* The recipients a transaction seals to with a sealer each (the district key and the
 * devices of a village); one more replaces the oldest (a new ephemeral key, still right). */
#define VALUE_VAULT_SEALERS 8u

struct value_vault;

/* Reads dir/VALUE_KEY_FILE into key, or makes it when absent (sae_file_key_load's errors).
 * Wipe key after use. */
int value_key_load(const char *dir, uint8_t key[VALUE_KEY_BYTES]);

/* Gives store a vault: values.key of dir (made when absent) and the district public key
 * (SAE_ENOTFOUND before district_key_ensure). The key sits in secure memory until
 * hub_store_close. Attaching again replaces it. */
int value_vault_attach(struct hub_store *store, const char *dir);
/* Whether store has a vault. */
bool value_vault_attached(const struct hub_store *store);
/* Wipes and frees the vault (hub_store_close calls it). NULL is fine. */
void value_vault_free(struct value_vault *vault);

/* Whether the values of field (a journal or wire field name) of kind are kept sealed: the
 * catalogue marks it sensitive and it is not a set element. An unknown kind or field: false
 * (the merge refuses those before they are stored). */
bool value_vault_field_sealed(const char *kind, const char *field);
/* Whether a stored change.value is a token. */
bool value_vault_is_token(const char *stored);

/* out: the token of plain (NUL-terminated) as a value of field, keyed with key. */
int value_token(const uint8_t key[VALUE_KEY_BYTES], const char *field, const char *plain,
                char out[VALUE_TOKEN_TEXT_BYTES]);
/* The same with store's vault (loaded when needed: value_vault_attach's errors). */
int value_vault_token(struct hub_store *store, const char *field, const char *plain,
                      char out[VALUE_TOKEN_TEXT_BYTES]);

/* Inside the caller's write transaction, after change (its seq) was stored with its token:
 * seals plain to the district key and to each device of village that is not revoked, holds
 * a storage key and is not origin, and stores the copies. value_vault_attach's errors;
 * SAE_ETOOBIG: plain over SAE_SEALED_PLAIN_MAX. The caller wipes plain. */
int value_vault_store(struct hub_store *store, int64_t change, const char *village,
                      uint64_t origin, const char *plain);
/* *out (malloc'd, *out_len bytes): plain (len bytes) sealed to public_key (sealed format
 * version 2) with the current transaction's sealer to that key, made at its first value:
 * one X25519 per recipient and transaction, not per value. value_vault_attach's and
 * sae_sealer_seal's errors. Every copy the hub makes goes through here. */
int value_vault_seal(struct hub_store *store, const unsigned char public_key[32],
                     const char *plain, size_t len, unsigned char **out, size_t *out_len);
/* Wipes the transaction's sealers: hub_store_commit and hub_store_rollback call it, so no
 * shared key outlives the values it sealed together. */
void value_vault_seal_end(struct hub_store *store);
/* The same for one device (a grant): seals plain to device's storage key. */
int value_vault_seal_for(struct hub_store *store, int64_t change, uint64_t device,
                         const uint8_t device_key[32], const char *plain);

/* What a reader gets for a sealed value it has no key for: the mask the post shows. */
#define VALUE_VAULT_MASK "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"

/* Lends secret (the district secret, or NULL to end the loan) to store's reads, checked
 * once against the district public key here (a wrong one: every read masked): the SQL
 * function revealed(seq, value), which every reader of change.value uses, gives the plain
 * value of a token opened from change seq's district copy, VALUE_VAULT_MASK without a
 * secret (or when the copy does not open), and any other value as it is. The store never
 * owns secret: the caller wipes it after value_vault_lend(store, NULL). */
void value_vault_lend(struct hub_store *store, const unsigned char *secret);
/* The same, the store owning secret (secure memory) from here: wiped at the next loan or at
 * hub_store_close (the command line's loan, for the life of the command). */
void value_vault_lend_owned(struct hub_store *store, unsigned char *secret);
/* The same for holder's copies (an agency's, store/agency_key.h), public_key (NULL: none
 * known, every read masked) its pair's half, checked once here; owned as
 * value_vault_lend_owned. */
void value_vault_lend_holder(struct hub_store *store, uint64_t holder,
                             const unsigned char *public_key, unsigned char *secret, bool owned);
/* Whether a secret is lent. */
bool value_vault_lent(const struct hub_store *store);
/* Registers revealed() on store's connection (hub_store_open does). */
int value_vault_register(struct hub_store *store);

/* *plain (malloc'd, NUL-terminated; free with sae_wipe_free_string): change's value opened
 * from the district copy with district_secret. SAE_ENOTFOUND: no district copy (a value
 * not sealed, or erased); SAE_EPERM: the secret is not this district's; SAE_ECORRUPT. */
int value_vault_open(struct hub_store *store, int64_t change,
                     const unsigned char district_secret[VALUE_DISTRICT_KEY_BYTES],
                     char **plain);
/* *out (sae_opener_free it): an opener of the district copies with district_secret, checked
 * against the district public key once (SAE_EPERM: not this district's). */
int value_vault_district_opener(struct hub_store *store, const unsigned char *district_secret,
                                struct sae_opener **out);
/* *plain (*plain_len bytes; free with sae_wipe_free): change's copy for holder opened with
 * opener, made for that holder's pair. SAE_ENOTFOUND: no such copy. */
int value_vault_open_copy(struct hub_store *store, struct sae_opener *opener, int64_t change,
                          uint64_t holder, char **plain, size_t *plain_len);

#endif
