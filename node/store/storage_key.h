/* The post's storage key pair (docs/DESIGN.md "Data at rest", proto/STORAGE_KEYS.md): an
 * X25519 pair whose public half is in node.db's meta (values will be sealed to it with no
 * secret at hand: writing and syncing never need one) and whose secret half is kept only
 * wrapped, once per staff member, by their passphrase (node_staff.c keeps the wraps).
 *
 * Between the making of the pair and the first head holding a wrap, the secret half waits
 * in DIR/storage.key (0600, "unclaimed"): a post is initialised before it has staff, and a
 * journal from before migration 10 has staff whose passphrases only their next sign-in
 * reveals. Every staff member added or signing in meanwhile is given a wrap from it; the
 * first wrap a head holds retires it (overwritten, then removed). From then on only a
 * passphrase opens the key, and a new wrap is made from a key someone already unwrapped:
 * the head's, in the app's session or on the command line (--head). */
#ifndef STORAGE_KEY_H
#define STORAGE_KEY_H

#include <stdbool.h>

#include "store/node_store.h"

#define STORAGE_KEY_UNCLAIMED_FILE "storage.key"
#define STORAGE_KEY_BYTES 32u

/* Makes the pair when the journal has none (at init, or a journal from before migration 10),
 * in one write transaction, so two processes never make two; an unclaimed secret left by a
 * crash is taken back rather than replaced. Called by node_store_open. */
int storage_key_ensure(struct node_store *store);
/* The public half. SAE_ENOTFOUND before storage_key_ensure. */
int storage_key_public(struct node_store *store, unsigned char out[STORAGE_KEY_BYTES]);
/* Whether the secret half still waits unclaimed in storage.key. */
int storage_key_is_unclaimed(struct node_store *store, bool *out);

/* *secret (sae_secure_alloc'd, STORAGE_KEY_BYTES; sae_secure_free it): name's key, opened
 * with passphrase. A staff member without a wrap gets one now from the unclaimed secret.
 * SAE_EPERM: the passphrase does not open the wrap; SAE_ENOTFOUND: name holds no wrap and
 * none can be made (ask a head); SAE_ECORRUPT: the wrap opens to a key that is not this
 * post's. Argon2id runs once (SAE_KEYWRAP_MEMLIMIT_KIB of memory), or three times when it
 * moves name to the new form (below). */
int storage_key_unlock(struct node_store *store, const char *name, const char *passphrase,
                       unsigned char **secret);
/* The same, with wrapping_key (or NULL) the key a sign-in's check of name's passphrase gave
 * (sae_passkey_check): when name's wrap pairs with their verifier (proto/STORAGE_KEYS.md
 * section 2a), it opens the wrap and no Argon2id runs; otherwise as storage_key_unlock.
 *
 * Either moves a staff member of the old form (a crypto_pwhash_str hash, or a wrap of a
 * salt of its own) to the new once the key is open: their hash is checked against
 * passphrase, then the verifier and wrap are made again from one Argon2id (the signing-in
 * that upgrades costs two more; their later sign-ins one). */
int storage_key_unlock_split(struct node_store *store, const char *name, const char *passphrase,
                             const unsigned char *wrapping_key, unsigned char **secret);
/* hash (SAE_PASSKEY_TEXT_BYTES): a verifier of passphrase and, with secret not NULL (checked
 * to be this post's: SAE_ECORRUPT), wrap (SAE_KEYWRAP_BYTES) pairing with it, from one
 * Argon2id. */
int storage_key_passkey(struct node_store *store, const unsigned char *secret,
                        const char *passphrase, char *hash, unsigned char *wrap);
/* While the secret is unclaimed (no head holds it, and storage.key lies beside node.db for
 * anyone who copies the directory: P1 does not hold yet), a command reads with it: it is
 * lent to store (node_store_lend_secret) until the store closes. Nothing once retired. Not
 * for long-running processes (serve, run), which would keep it after its retirement. */
int storage_key_lend_unclaimed(struct node_store *store);
/* *secret: the unclaimed secret half (secure memory). SAE_ENOTFOUND once it is retired. */
int storage_key_unclaimed(struct node_store *store, unsigned char **secret);
/* out (SAE_KEYWRAP_BYTES): secret wrapped by passphrase, after checking that secret is this
 * post's (SAE_ECORRUPT otherwise). */
int storage_key_wrap(struct node_store *store, const unsigned char *secret,
                     const char *passphrase, unsigned char *out);
/* A revoked device's wipe (store/node_wipe.h): the unclaimed secret, if any, overwritten
 * with zeros, synced and removed, whoever holds a wrap. */
int storage_key_destroy_unclaimed(struct node_store *store);
/* Retires the unclaimed secret once a head holds a wrap; nothing otherwise. */
int storage_key_settle(struct node_store *store);

#endif
