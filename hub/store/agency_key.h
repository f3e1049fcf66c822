/* A partner agency's storage key pair (docs/DESIGN.md "Partner agencies' key",
 * proto/STORAGE_KEYS.md sections 5 and 5a; hub migration 15; this module owns agency_key).
 *
 * Partners hold no district key, so the values a survivor's consent lets their agency read
 * are sealed to a key of the agency's own: an X25519 pair per agency whose public half is in
 * hub.db (the daemon seals to it at ingest with no secret at hand) and whose secret half is
 * kept only wrapped:
 * - by each partner account's password of that agency, in account.key_wrap, in the same
 *   one-Argon2id form as a coordinator's wrap of the district key (STORAGE_KEYS.md 2a):
 *   key_wrap holds the key of the account's role, the district key for a coordinator, the
 *   agency key for a partner;
 * - sealed to the district public key (agency_key.district_seal), so a coordinator's key
 *   recovers it to wrap it for a partner who has none.
 * The pair is made with the first partner account of the agency, from its one-time
 * password (agency_key_passkey_new). An agency is a referral destination of the catalogue
 * (store/partner.h); an account's agency that is not one gets no key (it is addressed no
 * referral). Hub migration 15 (store/hub_migrate.c) makes agency_key and an index by value
 * of the case_id changes, so that ingest finds a case's referrals without scanning the
 * journal (agency_copies.h). */
#ifndef AGENCY_KEY_H
#define AGENCY_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_keywrap.h"
#include "store/hub_store.h"

#define AGENCY_KEY_BYTES 32u

/* sealed_value.holder of an agency's copies: the negative of agency_key.id. Devices' holders
 * are node ids (63 bits, never negative) and the district's is 0, so the three never meet. */
uint64_t agency_key_holder(int64_t id);
/* Whether holder is an agency's. */
bool agency_key_holder_is_agency(uint64_t holder);

/* out: agency's public key; id (NULL allowed): its agency_key.id. SAE_ENOTFOUND: none yet. */
int agency_key_public(struct hub_store *store, const char *agency,
                      unsigned char out[AGENCY_KEY_BYTES], int64_t *id);

/* The password hash (PASSWORD_HASH_BYTES) of a new partner account of agency and, when the
 * agency had no key yet, the key made now and its wrap by password (*wrapped true): one
 * Argon2id. An agency that has a key already, or is no referral destination: a hash alone
 * (*wrapped false); someone who holds the key gives the account its wrap later. */
int agency_key_passkey_new(struct hub_store *store, const char *agency, const char *password,
                           char *hash, unsigned char wrap[SAE_KEYWRAP_BYTES], bool *wrapped);
/* hash and wrap of password for agency's secret (checked against its public key). */
int agency_key_passkey(struct hub_store *store, const char *agency, const unsigned char *secret,
                       const char *password, char *hash, unsigned char wrap[SAE_KEYWRAP_BYTES]);

/* *secret (secure memory, AGENCY_KEY_BYTES; sae_secure_free it): the key of partner name's
 * agency, opened by their password, or with wrapping_key (NULL allowed) the sign-in's check
 * gave (as district_key_unlock_split). SAE_ENOTFOUND: name is no enabled partner, their
 * agency has no key or they hold no wrap; SAE_EPERM: the password does not open it. */
int agency_key_unlock(struct hub_store *store, const char *name, const char *password,
                      const unsigned char *wrapping_key, unsigned char **secret);
/* *secret: agency's key recovered with the district secret. SAE_ENOTFOUND, SAE_EPERM. */
int agency_key_from_district(struct hub_store *store, const char *agency,
                             const unsigned char *district_secret, unsigned char **secret);

/* Lends agency's secret (holder agency_key_holder(id)) to store's reads: revealed() then
 * opens the agency's copy of a value where one exists and masks the rest
 * (store/value_vault.h). owned: the store wipes and frees secret at the next loan or close. */
void agency_key_lend(struct hub_store *store, uint64_t holder, unsigned char *secret,
                     bool owned);
/* *plain (free with sae_wipe_free_string): change's value opened from holder's copy with
 * secret. SAE_ENOTFOUND: no copy for this agency. */
int agency_key_open(struct hub_store *store, int64_t change, uint64_t holder,
                    const unsigned char *secret, char **plain);

#endif
