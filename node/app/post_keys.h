/* The post's storage secret key as each signed-in session holds it (store/storage_key.h):
 * unwrapped at sign-in with the staff member's passphrase, kept in this process only, in
 * secure memory made inaccessible between uses (sae_secure_noaccess), and wiped at sign-out,
 * when the session expires or ends (the app's sweep, once a second), and at exit. A session
 * this process holds no entry for (signed in before a restart) is ended by the app: the key
 * lived in memory only. At most POST_KEYS_MAX sessions at once; a new one then takes the
 * place of the oldest, whose session ends. */
#ifndef POST_KEYS_H
#define POST_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "store/node_staff.h"

#define POST_KEYS_MAX 64u

struct post_keys;

int post_keys_create(struct post_keys **out);
/* Wipes every key. NULL allowed. */
void post_keys_destroy(struct post_keys *keys);
/* Keeps secret (secure memory, owned by keys from here on, freed on failure too; NULL: the
 * staff member holds no key) for the session. SAE_ECRYPTO when it cannot be protected. */
int post_keys_put(struct post_keys *keys, const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                  unsigned char *secret);
/* Whether this process holds an entry (with or without a key) for the session. */
bool post_keys_known(const struct post_keys *keys,
                     const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES]);
/* Runs use(secret, context) with the session's key readable for the call only.
 * SAE_ENOTFOUND when the session holds no key; else use's result. */
int post_keys_use(struct post_keys *keys, const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                  int (*use)(const unsigned char *secret, void *context), void *context);
/* Wipes the session's key and forgets it. */
void post_keys_drop(struct post_keys *keys, const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES]);
/* Drops every entry for which live(token_hash, context) is false. */
void post_keys_sweep(struct post_keys *keys,
                     bool (*live)(const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                                  void *context),
                     void *context);

#endif
