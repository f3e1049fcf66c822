/* The district storage key pair (district_key.h). */
#include "store/district_key.h"

#include <sodium.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_key_holders.h"
#include "sae/sae_secure_mem.h"
#include "store/hub_accounts.h"
#include "store/hub_meta.h"

_Static_assert(DISTRICT_KEY_BYTES == SAE_KEY_PAIR_BYTES, "one key size");
_Static_assert(HUB_PASSWORD_HASH_BYTES == SAE_KEY_HOLDERS_HASH_BYTES, "one hash size");

static const char public_sql[] =
    "SELECT value FROM meta WHERE key = '" HUB_META_DISTRICT_PUBLIC_KEY "'";
static const char set_public_sql[] =
    "INSERT INTO meta(key, value) VALUES ('" HUB_META_DISTRICT_PUBLIC_KEY "', ?1)";
static const char recovery_sql[] =
    "SELECT value FROM meta WHERE key = '" HUB_META_DISTRICT_RECOVERY_WRAP "'";
static const char set_recovery_sql[] =
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('" HUB_META_DISTRICT_RECOVERY_WRAP "', ?1)";

int district_key_public(struct hub_store *store, unsigned char out[DISTRICT_KEY_BYTES])
{
    return sae_db_query_blob(store->db, &store->statements, public_sql, NULL, out,
                             DISTRICT_KEY_BYTES);
}

int district_key_unclaimed(const char *dir, unsigned char **secret)
{
    return sae_key_pair_unclaimed(dir, DISTRICT_KEY_UNCLAIMED_FILE, secret);
}

int district_key_is_unclaimed(const char *dir, bool *out)
{
    unsigned char *secret = NULL;
    int rc = district_key_unclaimed(dir, &secret);
    sae_secure_free(secret);
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    *out = rc == 0;
    return 0;
}

static int blob_write(struct hub_store *store, const char *sql, const unsigned char *bytes,
                      size_t len)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, bytes, len);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The district's coordinators as holders of its key (sae_key_holders.h); dir, where the
 * unclaimed secret waits, only for a claim. */
struct holders_context {
    struct hub_store *store;
    const char *dir;
};

static int holders_public(void *context, unsigned char out[SAE_KEY_PAIR_BYTES])
{
    return district_key_public(((struct holders_context *)context)->store, out);
}

static int holders_hash(void *context, const char *name, char *out)
{
    return hub_account_password_hash(((struct holders_context *)context)->store, name, out);
}

static int holders_wrap(void *context, const char *name, unsigned char *out)
{
    return hub_account_wrap_get(((struct holders_context *)context)->store, name, out);
}

static int holders_replace(void *context, const char *name, const char *old_hash,
                           const char *new_hash, const unsigned char *wrap)
{
    return hub_account_upgrade(((struct holders_context *)context)->store, name, old_hash,
                               new_hash, wrap);
}

static int holders_claim(void *context, const char *name, const char *password,
                         unsigned char **secret);

static struct sae_key_holders holders_of(struct holders_context *context)
{
    return (struct sae_key_holders){context, holders_public, holders_hash, holders_wrap,
                                    holders_replace, holders_claim};
}

int district_key_ensure(struct hub_store *store, const char *dir)
{
    unsigned char public_key[DISTRICT_KEY_BYTES];
    int rc = district_key_public(store, public_key);
    if (rc != SAE_ENOTFOUND)
        return rc;
    rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = district_key_public(store, public_key); /* another process may have made it */
    if (rc == SAE_ENOTFOUND) {
        rc = sae_key_pair_make(dir, DISTRICT_KEY_UNCLAIMED_FILE, public_key);
        if (rc == 0)
            rc = blob_write(store, set_public_sql, public_key, DISTRICT_KEY_BYTES);
    }
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}

int district_key_has_recovery(struct hub_store *store, bool *out)
{
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    int rc = sae_db_query_blob(store->db, &store->statements, recovery_sql, NULL, wrap,
                               sizeof wrap);
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    *out = rc == 0;
    return 0;
}

int district_key_wrap(struct hub_store *store, const unsigned char *secret, const char *password,
                      unsigned char out[SAE_KEYWRAP_BYTES])
{
    struct holders_context context = {store, NULL};
    const struct sae_key_holders holders = holders_of(&context);
    return sae_key_holders_wrap(&holders, secret, password, out);
}

int district_key_passkey(struct hub_store *store, const unsigned char *secret,
                         const char *password, char *hash, unsigned char *wrap)
{
    struct holders_context context = {store, NULL};
    const struct sae_key_holders holders = holders_of(&context);
    return sae_key_holders_passkey(&holders, secret, password, hash, wrap);
}

int district_key_settle(struct hub_store *store, const char *dir)
{
    int64_t holders = 0;
    bool recovery = false;
    int rc = hub_account_wrap_count(store, &holders);
    if (rc == 0)
        rc = district_key_has_recovery(store, &recovery);
    if (rc != 0 || holders == 0 || !recovery)
        return rc;
    rc = sae_file_remove_scrubbed(dir, DISTRICT_KEY_UNCLAIMED_FILE);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

/* An enabled coordinator from before their wrap: one made now from the unclaimed secret. */
static int holders_claim(void *context, const char *name, const char *password,
                         unsigned char **secret)
{
    struct hub_store *store = ((struct holders_context *)context)->store;
    const char *dir = ((struct holders_context *)context)->dir;
    struct hub_account account;
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    int rc = hub_account_get(store, name, &account);
    if (rc == 0 && (account.disabled || account.role != HUB_ROLE_COORDINATOR))
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        rc = district_key_unclaimed(dir, secret);
    if (rc == 0)
        rc = district_key_wrap(store, *secret, password, wrap);
    if (rc == 0)
        rc = hub_account_wrap_set(store, name, wrap);
    if (rc == 0)
        rc = district_key_settle(store, dir);
    if (rc != 0 && *secret) {
        sae_secure_free(*secret);
        *secret = NULL;
    }
    return rc;
}

int district_key_unlock(struct hub_store *store, const char *dir, const char *name,
                        const char *password, unsigned char **secret)
{
    struct holders_context context = {store, dir};
    const struct sae_key_holders holders = holders_of(&context);
    return sae_key_holders_unlock(&holders, name, password, secret);
}

int district_key_unlock_split(struct hub_store *store, const char *dir, const char *name,
                              const char *password, const unsigned char *wrapping_key,
                              unsigned char **secret)
{
    struct holders_context context = {store, dir};
    const struct sae_key_holders holders = holders_of(&context);
    return sae_key_holders_unlock_split(&holders, name, password, wrapping_key, secret);
}

int district_key_recovery_new(struct hub_store *store, const unsigned char *secret,
                              unsigned char recovery_out[SAE_RECOVERY_KEY_BYTES])
{
    unsigned char recovery[SAE_RECOVERY_KEY_BYTES], wrap[SAE_KEYWRAP_BYTES];
    randombytes_buf(recovery, sizeof recovery);
    struct holders_context context = {store, NULL};
    const struct sae_key_holders holders = holders_of(&context);
    int rc = sae_key_holders_check(&holders, secret);
    if (rc == 0)
        rc = sae_keywrap_seal_params(secret, (const char *)recovery, sizeof recovery,
                                     DISTRICT_RECOVERY_OPSLIMIT, DISTRICT_RECOVERY_MEMLIMIT_KIB,
                                     wrap);
    if (rc == 0)
        rc = blob_write(store, set_recovery_sql, wrap, sizeof wrap);
    if (rc == 0)
        memcpy(recovery_out, recovery, sizeof recovery);
    sodium_memzero(recovery, sizeof recovery);
    return rc;
}

int district_key_recover(struct hub_store *store,
                         const unsigned char recovery[SAE_RECOVERY_KEY_BYTES],
                         unsigned char **secret)
{
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    int rc = sae_db_query_blob(store->db, &store->statements, recovery_sql, NULL, wrap,
                               sizeof wrap);
    struct holders_context context = {store, NULL};
    const struct sae_key_holders holders = holders_of(&context);
    if (rc == 0)
        rc = sae_key_holders_open(&holders, wrap, recovery, SAE_RECOVERY_KEY_BYTES, secret);
    return rc;
}
