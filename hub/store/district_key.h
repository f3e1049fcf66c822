/* The district storage key pair (docs/DESIGN.md "Data at rest", proto/STORAGE_KEYS.md): an
 * X25519 pair whose public half is in hub.db's meta (values will be sealed to it with no
 * secret at hand: ingest, merge and serving never need one) and whose secret half is kept
 * only wrapped: once per coordinator, by their password (hub_accounts.c keeps those wraps),
 * and once by the recovery key printed at init (meta district_recovery_wrap).
 *
 * Between the making of the pair and the first coordinator holding a wrap, the secret waits
 * in DIR/district.key (0600, "unclaimed"): a hub is initialised before it has accounts, and
 * a hub from before migration 10 has coordinators whose passwords only their next sign-in
 * reveals. A coordinator added or signing in meanwhile gets a wrap from it; it is retired
 * (overwritten, then removed) once a coordinator holds a wrap and the recovery wrap exists.
 * From then on only a coordinator's password or the recovery key opens the secret. */
#ifndef DISTRICT_KEY_H
#define DISTRICT_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_key_text.h"
#include "sae/sae_keywrap.h"
#include "store/hub_store.h"

#define DISTRICT_KEY_UNCLAIMED_FILE "district.key"
#define DISTRICT_KEY_BYTES 32u
/* The recovery key's wrap: the format's minimum Argon2id work. The key is 256 random bits,
 * so no guess can be sped up or slowed down by the hash; its cost would only delay the
 * district's own recovery. */
#define DISTRICT_RECOVERY_OPSLIMIT SAE_KEYWRAP_OPSLIMIT_MIN
#define DISTRICT_RECOVERY_MEMLIMIT_KIB SAE_KEYWRAP_MEMLIMIT_KIB_MIN

/* Makes the pair when hub.db has none (at init, or a hub from before migration 10), in one
 * write transaction, so two processes never make two; an unclaimed secret left by a crash is
 * taken back rather than replaced. dir: the hub's directory. */
int district_key_ensure(struct hub_store *store, const char *dir);
/* The public half. SAE_ENOTFOUND before district_key_ensure. */
int district_key_public(struct hub_store *store, unsigned char out[DISTRICT_KEY_BYTES]);
/* Whether the secret still waits unclaimed in dir; whether a recovery wrap exists. */
int district_key_is_unclaimed(const char *dir, bool *out);
int district_key_has_recovery(struct hub_store *store, bool *out);
/* *secret (secure memory, DISTRICT_KEY_BYTES; sae_secure_free it): the unclaimed secret.
 * SAE_ENOTFOUND once it is retired. */
int district_key_unclaimed(const char *dir, unsigned char **secret);

/* *secret: name's key opened with password. An enabled coordinator without a wrap gets one
 * now from the unclaimed secret. SAE_EPERM: the password does not open the wrap;
 * SAE_ENOTFOUND: name holds no wrap and none can be made; SAE_ECORRUPT: the wrap opens to a
 * key that is not this district's. Argon2id runs once (three times when it moves name to
 * the new form, below). */
int district_key_unlock(struct hub_store *store, const char *dir, const char *name,
                        const char *password, unsigned char **secret);
/* The same, with wrapping_key (or NULL) the key the sign-in's check of name's password gave
 * (sae/sae_passkey.h): when name's wrap pairs with their verifier it opens the wrap and no
 * Argon2id runs; otherwise as district_key_unlock. Either moves a coordinator of the old
 * form (a crypto_pwhash_str hash, or a wrap of its own salt) to one Argon2id's verifier and
 * wrap once the key is open and their hash is confirmed (proto/STORAGE_KEYS.md 2a). */
int district_key_unlock_split(struct hub_store *store, const char *dir, const char *name,
                              const char *password, const unsigned char *wrapping_key,
                              unsigned char **secret);
/* out: secret wrapped by password, after checking that secret is this district's
 * (SAE_ECORRUPT otherwise). */
int district_key_wrap(struct hub_store *store, const unsigned char *secret, const char *password,
                      unsigned char out[SAE_KEYWRAP_BYTES]);
/* hash (SAE_PASSKEY_TEXT_BYTES): a verifier of password and, with secret not NULL (checked
 * to be this district's: SAE_ECORRUPT), wrap (SAE_KEYWRAP_BYTES) pairing with it, from one
 * Argon2id (proto/STORAGE_KEYS.md section 2a): a coordinator written so signs in with one. */
int district_key_passkey(struct hub_store *store, const unsigned char *secret,
                         const char *password, char *hash, unsigned char *wrap);
/* recovery_out: a new random recovery key, its wrap of secret stored (replacing any older
 * one: the older recovery key opens nothing from then on). Wipe recovery_out after use. */
int district_key_recovery_new(struct hub_store *store, const unsigned char *secret,
                              unsigned char recovery_out[SAE_RECOVERY_KEY_BYTES]);
/* *secret: the district key opened by the recovery key. SAE_ENOTFOUND: no recovery wrap;
 * SAE_EPERM: the key does not open it. */
int district_key_recover(struct hub_store *store, const unsigned char recovery[SAE_RECOVERY_KEY_BYTES],
                         unsigned char **secret);
/* Retires the unclaimed secret once a coordinator holds a wrap and the recovery wrap exists. */
int district_key_settle(struct hub_store *store, const char *dir);

#endif
