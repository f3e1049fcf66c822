/* The district storage key pair (district_key.h). */
#include "store/district_key.h"

#include <sodium.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_key_pair.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/hub_accounts.h"
#include "store/hub_meta.h"

_Static_assert(DISTRICT_KEY_BYTES == SAE_KEY_PAIR_BYTES, "one key size");

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

/* 0 when secret is the secret half of the district's public key. */
static int check_pair(struct hub_store *store, const unsigned char *secret)
{
    unsigned char expected[DISTRICT_KEY_BYTES];
    int rc = district_key_public(store, expected);
    return rc == 0 ? sae_key_pair_check(expected, secret) : rc;
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
    int rc = check_pair(store, secret);
    if (rc == 0)
        rc = sae_keywrap_seal(secret, password, strlen(password), out);
    return rc;
}

int district_key_passkey(struct hub_store *store, const unsigned char *secret,
                         const char *password, char *hash, unsigned char *wrap)
{
    int rc = secret ? check_pair(store, secret) : 0;
    return rc == 0 ? sae_passkey_make(password, strlen(password), secret, hash, wrap) : rc;
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
static int claim(struct hub_store *store, const char *dir, const char *name,
                 const char *password, unsigned char **secret)
{
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

/* wrap opened with passphrase (len bytes), checked against the public key. */
static int open_wrap(struct hub_store *store, const unsigned char *wrap, const void *passphrase,
                     size_t len, unsigned char **secret)
{
    unsigned char expected[DISTRICT_KEY_BYTES];
    int rc = district_key_public(store, expected);
    return rc == 0 ? sae_key_pair_open(wrap, passphrase, len, expected, secret) : rc;
}

/* name, whose key is open, moved to a verifier and wrap of one Argon2id unless they have
 * them. Best effort: the key is open either way, and a change meanwhile stands. */
static int upgrade(struct hub_store *store, const char *name, const char *password,
                   const unsigned char *secret)
{
    char hash[HUB_PASSWORD_HASH_BYTES], fresh[SAE_PASSKEY_TEXT_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], fresh_wrap[SAE_KEYWRAP_BYTES];
    bool moved = false, wrapped = false;
    _Static_assert(SAE_PASSKEY_TEXT_BYTES <= HUB_PASSWORD_HASH_BYTES, "a verifier fits");
    int rc = hub_account_password_hash(store, name, hash);
    if (rc == 0) {
        wrapped = hub_account_wrap_get(store, name, wrap) == 0;
        rc = sae_key_pair_upgrade(hash, wrapped ? wrap : NULL, password, secret, &moved, fresh,
                                  fresh_wrap);
    }
    if (rc == 0 && moved)
        rc = hub_account_upgrade(store, name, hash, fresh, fresh_wrap);
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(fresh, sizeof fresh);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

int district_key_unlock(struct hub_store *store, const char *dir, const char *name,
                        const char *password, unsigned char **secret)
{
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    unsigned char *key = NULL;
    int rc = hub_account_wrap_get(store, name, wrap);
    if (rc == SAE_ENOTFOUND)
        rc = claim(store, dir, name, password, &key);
    else if (rc == 0)
        rc = open_wrap(store, wrap, password, strlen(password), &key);
    if (rc == 0)
        rc = upgrade(store, name, password, key);
    if (rc == 0)
        *secret = key;
    else
        sae_secure_free(key);
    return rc;
}

/* name's version-2 wrap opened with the key their verifier's check gave. */
static int open_split(struct hub_store *store, const char *name,
                      const unsigned char *wrapping_key, unsigned char **secret)
{
    char hash[HUB_PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], expected[DISTRICT_KEY_BYTES];
    int rc = hub_account_password_hash(store, name, hash);
    if (rc == 0)
        rc = hub_account_wrap_get(store, name, wrap);
    if (rc == 0)
        rc = district_key_public(store, expected);
    if (rc == 0)
        rc = sae_key_pair_open_split(hash, wrap, wrapping_key, expected, secret);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int district_key_unlock_split(struct hub_store *store, const char *dir, const char *name,
                              const char *password, const unsigned char *wrapping_key,
                              unsigned char **secret)
{
    /* Anything but an open key (an old-form row, a change since the check) takes the
     * password's way, which also upgrades. */
    if (wrapping_key && open_split(store, name, wrapping_key, secret) == 0)
        return 0;
    return district_key_unlock(store, dir, name, password, secret);
}

int district_key_recovery_new(struct hub_store *store, const unsigned char *secret,
                              unsigned char recovery_out[SAE_RECOVERY_KEY_BYTES])
{
    unsigned char recovery[SAE_RECOVERY_KEY_BYTES], wrap[SAE_KEYWRAP_BYTES];
    randombytes_buf(recovery, sizeof recovery);
    int rc = check_pair(store, secret);
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
    if (rc == 0)
        rc = open_wrap(store, wrap, recovery, SAE_RECOVERY_KEY_BYTES, secret);
    return rc;
}
