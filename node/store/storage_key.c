/* The post's storage key pair (storage_key.h). */
#include "store/storage_key.h"

#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_key_holders.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_secure_mem.h"
#include "store/node_meta.h"
#include "store/node_staff.h"

_Static_assert(STORAGE_KEY_BYTES == SAE_KEY_PAIR_BYTES, "one key size");
_Static_assert(NODE_STAFF_HASH_BYTES == SAE_KEY_HOLDERS_HASH_BYTES, "one hash size");

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

/* The post's staff as holders of its storage key (sae_key_holders.h). */
static int holders_public(void *store, unsigned char out[SAE_KEY_PAIR_BYTES])
{
    return storage_key_public(store, out);
}

static int holders_hash(void *store, const char *name, char *out)
{
    return node_staff_hash(store, name, out);
}

static int holders_wrap(void *store, const char *name, unsigned char *out)
{
    return node_staff_wrap_get(store, name, out);
}

static int holders_replace(void *store, const char *name, const char *old_hash,
                           const char *new_hash, const unsigned char *wrap)
{
    return node_staff_upgrade(store, name, old_hash, new_hash, wrap);
}

static int holders_claim(void *store, const char *name, const char *passphrase,
                         unsigned char **secret);

static struct sae_key_holders holders_of(struct node_store *store)
{
    return (struct sae_key_holders){store, holders_public, holders_hash, holders_wrap,
                                    holders_replace, holders_claim};
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
    const struct sae_key_holders holders = holders_of(store);
    return sae_key_holders_wrap(&holders, secret, passphrase, out);
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
static int holders_claim(void *context, const char *name, const char *passphrase,
                         unsigned char **secret)
{
    struct node_store *store = context;
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

int storage_key_passkey(struct node_store *store, const unsigned char *secret,
                        const char *passphrase, char *hash, unsigned char *wrap)
{
    const struct sae_key_holders holders = holders_of(store);
    return sae_key_holders_passkey(&holders, secret, passphrase, hash, wrap);
}

int storage_key_unlock(struct node_store *store, const char *name, const char *passphrase,
                       unsigned char **secret)
{
    const struct sae_key_holders holders = holders_of(store);
    return sae_key_holders_unlock(&holders, name, passphrase, secret);
}

int storage_key_unlock_split(struct node_store *store, const char *name, const char *passphrase,
                             const unsigned char *wrapping_key, unsigned char **secret)
{
    const struct sae_key_holders holders = holders_of(store);
    return sae_key_holders_unlock_split(&holders, name, passphrase, wrapping_key, secret);
}
