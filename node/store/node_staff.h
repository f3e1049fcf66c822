/* The post's staff: accounts that sign in to the post app (sae-node serve), each with a role
 * (the post's head, or staff), an Argon2id passphrase hash (web/app/password.h makes it), and
 * their sessions (the hash of each token, never the token). The tables staff and
 * staff_session of node.db belong to this module alone (migration 7, node_store.c).
 *
 * A staff member's name is the author of every change they write through the app, so it
 * follows the rule of a person's name (1..SAE_LIMIT_PERSON_BYTES of UTF-8 on one line).
 *
 * Each staff member may hold the post's storage secret key wrapped by their passphrase
 * (key_wrap, sae_keywrap.h; node migration 10): store/storage_key.c makes and opens wraps,
 * this module only keeps them. A reset replaces or deletes the wrap with the hash, a
 * removal deletes both, and either scrubs the old bytes from node.db and its WAL: the old
 * passphrase, which someone else may know, must open nothing that stays on disk. */
#ifndef NODE_STAFF_H
#define NODE_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_limits.h"
#include "store/node_store.h"

#define NODE_STAFF_NAME_BYTES (SAE_LIMIT_PERSON_BYTES + 1)
/* crypto_pwhash_str's string with its NUL (PASSWORD_HASH_BYTES of web/app/password.h). */
#define NODE_STAFF_HASH_BYTES 128u
#define NODE_STAFF_CSRF_BYTES 44u
#define NODE_STAFF_TOKEN_HASH_BYTES 32u

enum node_staff_role { NODE_STAFF_HEAD, NODE_STAFF_MEMBER };

struct node_staff {
    char name[NODE_STAFF_NAME_BYTES];
    enum node_staff_role role;
    int64_t created_ms;
    bool has_key; /* holds a wrap of the storage key */
};

struct node_staff_session {
    char name[NODE_STAFF_NAME_BYTES];
    char csrf[NODE_STAFF_CSRF_BYTES];
    int64_t created_s, seen_s;
};

/* "head" / "staff" and back (SAE_EINVAL for anything else). */
const char *node_staff_role_name(enum node_staff_role role);
int node_staff_role_parse(const char *text, enum node_staff_role *out);
/* 0 when text may be a staff member's name, SAE_EINVAL otherwise. */
int node_staff_name_check(const char *text);

/* Adds a staff member with an already computed hash and, when not NULL, their wrap of the
 * storage key (SAE_KEYWRAP_BYTES). SAE_EEXIST when the name is taken, SAE_EINVAL for a bad
 * name or hash. */
int node_staff_add(struct node_store *store, const char *name, enum node_staff_role role,
                   const char *passphrase_hash, const unsigned char *key_wrap, int64_t now_ms);
/* SAE_ENOTFOUND when there is no such staff member. */
int node_staff_get(struct node_store *store, const char *name, struct node_staff *out);
int node_staff_hash(struct node_store *store, const char *name,
                    char out[NODE_STAFF_HASH_BYTES]);
/* A new hash and wrap (NULL: the old wrap is deleted); every session of that staff member
 * ends; the old wrap is scrubbed from disk. SAE_ENOTFOUND. */
int node_staff_set_hash(struct node_store *store, const char *name, const char *passphrase_hash,
                        const unsigned char *key_wrap);
/* Removes a staff member, their sessions and wrap (scrubbed). SAE_ENOTFOUND. */
int node_staff_remove(struct node_store *store, const char *name);
/* name's wrap into out (SAE_KEYWRAP_BYTES); SAE_ENOTFOUND when there is no such staff member
 * or they hold none. */
int node_staff_wrap_get(struct node_store *store, const char *name, unsigned char *out);
/* Gives name a wrap where they had none (a staff member from before migration 10 signing
 * in). SAE_ENOTFOUND. */
int node_staff_wrap_set(struct node_store *store, const char *name, const unsigned char *key_wrap);
/* Moves name's row to a new hash and wrap (a staff member of the old form signing in,
 * store/storage_key.h) when their hash is still old_hash; their sessions stay, the old wrap
 * is scrubbed. SAE_ENOTFOUND: no such staff member, or their hash changed meanwhile (a reset
 * came first: it stands). */
int node_staff_upgrade(struct node_store *store, const char *name, const char *old_hash,
                       const char *new_hash, const unsigned char *key_wrap);
/* How many staff members hold a wrap: heads only, or everyone. */
int node_staff_key_count(struct node_store *store, bool heads_only, int64_t *out);
/* How many staff members there are. */
int node_staff_count(struct node_store *store, int64_t *out);
typedef int (*node_staff_visit_fn)(const struct node_staff *staff, void *context);
/* In name order; stops at visit's first non-zero return and returns it. */
int node_staff_list(struct node_store *store, node_staff_visit_fn visit, void *context);

/* A revoked device's wipe (store/node_wipe.h): every staff member's wrap deleted and every
 * session ended, inside the caller's write transaction (secure_delete zeroes the bytes; the
 * wipe resets the WAL). Passphrase hashes stay: they open nothing but the post's record. */
int node_staff_wipe_keys(struct node_store *store);

int node_staff_session_add(struct node_store *store,
                           const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                           const char *name, const char *csrf, int64_t now_s);
/* SAE_ENOTFOUND when there is no such session. */
int node_staff_session_get(struct node_store *store,
                           const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                           struct node_staff_session *out);
int node_staff_session_touch(struct node_store *store,
                             const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                             int64_t now_s);
int node_staff_session_end(struct node_store *store,
                           const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES]);

#endif
