/* The post's storage key pair (storage_key.h). */
#include "store/storage_key.h"

#include <string.h>

#include <sodium.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_key_pair.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/node_meta.h"
#include "store/node_staff.h"

_Static_assert(STORAGE_KEY_BYTES == SAE_KEY_PAIR_BYTES, "one key size");

static const char public_sql[] =
    "SELECT value FROM meta WHERE key = '" NODE_META_STORAGE_PUBLIC_KEY "'";
static const char set_public_sql[] =
    "INSERT INTO meta(key, value) VALUES ('" NODE_META_STORAGE_PUBLIC_KEY "', ?1)";

int storage_key_public(struct node_store *store, unsigned char out[STORAGE_KEY_BYTES])
{
    return sae_db_query_blob(store->db, &store->statements, public_sql, NULL, out,
                             STORAGE_KEY_BYTES);
}

int storage_key_unclaimed(struct node_store *store, unsigned char **secret)
{
    return sae_key_pair_unclaimed(store->dir, STORAGE_KEY_UNCLAIMED_FILE, secret);
}

int storage_key_lend_unclaimed(struct node_store *store)
{
    unsigned char *secret = NULL;
    int rc = storage_key_unclaimed(store, &secret);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    sae_secure_free(store->unclaimed_secret);
    store->unclaimed_secret = secret;
    node_store_lend_secret(store, secret);
    return 0;
}

int storage_key_is_unclaimed(struct node_store *store, bool *out)
{
    unsigned char *secret = NULL;
    int rc = storage_key_unclaimed(store, &secret);
    sae_secure_free(secret);
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    *out = rc == 0;
    return 0;
}

/* 0 when secret is the secret half of this post's public key. */
static int check_pair(struct node_store *store, const unsigned char *secret)
{
    unsigned char expected[STORAGE_KEY_BYTES];
    int rc = storage_key_public(store, expected);
    return rc == 0 ? sae_key_pair_check(expected, secret) : rc;
}

static int insert_public(struct node_store *store, const unsigned char *public_key)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, set_public_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, public_key, STORAGE_KEY_BYTES);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int storage_key_ensure(struct node_store *store)
{
    unsigned char public_key[STORAGE_KEY_BYTES];
    int rc = storage_key_public(store, public_key);
    if (rc != SAE_ENOTFOUND)
        return rc;
    rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    rc = storage_key_public(store, public_key); /* another process may have made it */
    if (rc == SAE_ENOTFOUND) {
        rc = sae_key_pair_make(store->dir, STORAGE_KEY_UNCLAIMED_FILE, public_key);
        if (rc == 0)
            rc = insert_public(store, public_key);
    }
    if (rc == 0)
        rc = node_store_commit(store);
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

int storage_key_wrap(struct node_store *store, const unsigned char *secret,
                     const char *passphrase, unsigned char *out)
{
    int rc = check_pair(store, secret);
    if (rc == 0)
        rc = sae_keywrap_seal(secret, passphrase, strlen(passphrase), out);
    return rc;
}

int storage_key_settle(struct node_store *store)
{
    int64_t heads = 0;
    int rc = node_staff_key_count(store, true, &heads);
    if (rc != 0 || heads == 0)
        return rc;
    return storage_key_destroy_unclaimed(store);
}

int storage_key_destroy_unclaimed(struct node_store *store)
{
    int rc = sae_file_remove_scrubbed(store->dir, STORAGE_KEY_UNCLAIMED_FILE);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

/* A staff member from before their wrap: one made now from the unclaimed secret. */
static int claim(struct node_store *store, const char *name, const char *passphrase,
                 unsigned char **secret)
{
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    int rc = storage_key_unclaimed(store, secret);
    if (rc == 0)
        rc = storage_key_wrap(store, *secret, passphrase, wrap);
    if (rc == 0)
        rc = node_staff_wrap_set(store, name, wrap);
    if (rc == 0)
        rc = storage_key_settle(store);
    if (rc != 0) {
        sae_secure_free(*secret);
        *secret = NULL;
    }
    return rc;
}

/* name's wrap opened with passphrase into secure memory, checked against the public key. */
static int open_wrap(struct node_store *store, const unsigned char *wrap, const char *passphrase,
                     unsigned char **secret)
{
    unsigned char expected[STORAGE_KEY_BYTES];
    int rc = storage_key_public(store, expected);
    return rc == 0 ? sae_key_pair_open(wrap, passphrase, strlen(passphrase), expected, secret)
                   : rc;
}

int storage_key_passkey(struct node_store *store, const unsigned char *secret,
                        const char *passphrase, char *hash, unsigned char *wrap)
{
    int rc = secret ? check_pair(store, secret) : 0;
    return rc == 0 ? sae_passkey_make(passphrase, strlen(passphrase), secret, hash, wrap) : rc;
}

/* name, whose key is open, moved to a verifier and wrap of one Argon2id, unless they have
 * them. Best effort: the key is open either way, and a reset meanwhile stands. */
static int upgrade(struct node_store *store, const char *name, const char *passphrase,
                   const unsigned char *secret)
{
    char hash[NODE_STAFF_HASH_BYTES], fresh[SAE_PASSKEY_TEXT_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], fresh_wrap[SAE_KEYWRAP_BYTES];
    bool moved = false, wrapped = false;
    _Static_assert(SAE_PASSKEY_TEXT_BYTES <= NODE_STAFF_HASH_BYTES, "a verifier fits");
    int rc = node_staff_hash(store, name, hash);
    if (rc == 0) {
        wrapped = node_staff_wrap_get(store, name, wrap) == 0;
        rc = sae_key_pair_upgrade(hash, wrapped ? wrap : NULL, passphrase, secret, &moved,
                                  fresh, fresh_wrap);
    }
    if (rc == 0 && moved)
        rc = node_staff_upgrade(store, name, hash, fresh, fresh_wrap);
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(fresh, sizeof fresh);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

int storage_key_unlock(struct node_store *store, const char *name, const char *passphrase,
                       unsigned char **secret)
{
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    unsigned char *key = NULL;
    int rc = node_staff_wrap_get(store, name, wrap);
    if (rc == SAE_ENOTFOUND)
        rc = claim(store, name, passphrase, &key);
    else if (rc == 0)
        rc = open_wrap(store, wrap, passphrase, &key);
    if (rc == 0)
        rc = upgrade(store, name, passphrase, key);
    if (rc == 0)
        *secret = key;
    else
        sae_secure_free(key);
    return rc;
}

/* name's version-2 wrap opened with the key their verifier's check gave. */
static int open_split(struct node_store *store, const char *name,
                      const unsigned char *wrapping_key, unsigned char **secret)
{
    char hash[NODE_STAFF_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], expected[STORAGE_KEY_BYTES];
    int rc = node_staff_hash(store, name, hash);
    if (rc == 0)
        rc = node_staff_wrap_get(store, name, wrap);
    if (rc == 0)
        rc = storage_key_public(store, expected);
    if (rc == 0)
        rc = sae_key_pair_open_split(hash, wrap, wrapping_key, expected, secret);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int storage_key_unlock_split(struct node_store *store, const char *name, const char *passphrase,
                             const unsigned char *wrapping_key, unsigned char **secret)
{
    /* Anything but an open key (an old-form row, a reset since the check) takes the
     * passphrase's way, which also upgrades. */
    if (wrapping_key && open_split(store, name, wrapping_key, secret) == 0)
        return 0;
    return storage_key_unlock(store, name, passphrase, secret);
}
