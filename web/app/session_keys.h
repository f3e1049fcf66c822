/* A storage secret key as each signed-in session holds it: the post's (node store/storage_key.h,
 * for staff) and the district's (hub store/district_key.h, for coordinators). Unwrapped at
 * sign-in with the person's passphrase, kept in this process only, in secure memory made
 * inaccessible between uses (sae_secure_noaccess), and wiped at sign-out, when the session
 * expires or ends (the application's sweep), and at exit. A session this process holds no
 * entry for (signed in before a restart) has no key: the key lived in memory only. At most
 * SESSION_KEYS_MAX sessions at once; a new one then takes the place of the oldest. Every
 * function takes the set's own lock: the hub's console serves on several threads. */
#ifndef WEB_SESSION_KEYS_H
#define WEB_SESSION_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "app/session.h"

/* The post app ends a session whose entry gave way; the console's coordinator then signs in
 * again to hold the key. */
#define SESSION_KEYS_MAX 64u

struct session_keys;

int session_keys_create(struct session_keys **out);
/* Wipes every key. NULL allowed. */
void session_keys_destroy(struct session_keys *keys);
/* Keeps secret (secure memory, owned by keys from here on, freed on failure too; NULL: the
 * staff member holds no key) for the session. SAE_ECRYPTO when it cannot be protected. */
int session_keys_put(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES],
                  unsigned char *secret);
/* Whether this process holds an entry (with or without a key) for the session. */
bool session_keys_known(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES]);
/* Whether the session holds a key. */
bool session_keys_held(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES]);
/* How many sessions hold a key (tests and status). */
size_t session_keys_count(struct session_keys *keys);
/* Runs use(secret, context) with the session's key readable for the call only.
 * SAE_ENOTFOUND when the session holds no key; else use's result. */
int session_keys_use(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES],
                  int (*use)(const unsigned char *secret, void *context), void *context);
/* Wipes the session's key and forgets it. */
void session_keys_drop(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES]);
/* Drops every entry for which live(token_hash, context) is false. */
void session_keys_sweep(struct session_keys *keys,
                     bool (*live)(const uint8_t token_hash[SESSION_HASH_BYTES],
                                  void *context),
                     void *context);

#endif
