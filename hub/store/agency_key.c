/* A partner agency's storage key pair (agency_key.h). */
#include "store/agency_key.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_key_holders.h"
#include "sae/sae_key_pair.h"
#include "sae/sae_passkey.h"
#include "sae/sae_sealed.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wipe.h"
#include "store/district_key.h"
#include "store/hub_accounts.h"
#include "store/partner.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

_Static_assert(AGENCY_KEY_BYTES == SAE_KEY_PAIR_BYTES, "one key size");
_Static_assert(AGENCY_KEY_BYTES == SAE_SEALED_KEY_BYTES, "values are sealed to it");

static const char public_sql[] = "SELECT public_key, id FROM agency_key WHERE agency = ?1";
static const char public_by_id_sql[] = "SELECT public_key FROM agency_key WHERE id = ?1";
static const char seal_sql[] = "SELECT district_seal FROM agency_key WHERE agency = ?1";
static const char insert_sql[] =
    "INSERT INTO agency_key(agency, public_key, district_seal, created_ms)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(agency) DO NOTHING";

uint64_t agency_key_holder(int64_t id) { return (uint64_t)-id; }

bool agency_key_holder_is_agency(uint64_t holder) { return (int64_t)holder < 0; }

/* Steps stmt (bound, selecting public_key, id) once: its key into out and its id into *id
 * (when not NULL); SAE_ENOTFOUND without a row. */
static int read_public(sqlite3_stmt *stmt, int rc, unsigned char out[AGENCY_KEY_BYTES],
                       int64_t *id)
{
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW) {
        rc = sqlite3_column_bytes(stmt, 0) == (int)AGENCY_KEY_BYTES ? 0 : SAE_ECORRUPT;
        if (rc == 0) {
            memcpy(out, sqlite3_column_blob(stmt, 0), AGENCY_KEY_BYTES);
            if (id)
                *id = sqlite3_column_int64(stmt, 1);
        }
    }
    sae_db_reset(stmt);
    return rc;
}

int agency_key_public(struct hub_store *store, const char *agency,
                      unsigned char out[AGENCY_KEY_BYTES], int64_t *id)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, public_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, agency);
    return read_public(stmt, rc, out, id);
}

static int public_by_holder(struct hub_store *store, uint64_t holder,
                            unsigned char out[AGENCY_KEY_BYTES])
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, public_by_id_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, -(int64_t)holder);
    return read_public(stmt, rc, out, NULL);
}

/* The partner accounts of one agency as holders of its key (sae_key_holders.h). */
struct holders_context {
    struct hub_store *store;
    const char *agency;
};

static int holders_public(void *context, unsigned char out[SAE_KEY_PAIR_BYTES])
{
    const struct holders_context *c = context;
    return agency_key_public(c->store, c->agency, out, NULL);
}

/* Only a partner of this agency holds its wrap: a coordinator's key_wrap is the district's. */
static int holder_check(const struct holders_context *c, const char *name)
{
    struct hub_account account;
    int rc = hub_account_get(c->store, name, &account);
    if (rc == 0 && (account.role != HUB_ROLE_PARTNER || strcmp(account.agency, c->agency) != 0))
        rc = SAE_ENOTFOUND;
    return rc;
}

static int holders_hash(void *context, const char *name, char *out)
{
    const struct holders_context *c = context;
    int rc = holder_check(c, name);
    return rc == 0 ? hub_account_password_hash(c->store, name, out) : rc;
}

static int holders_wrap(void *context, const char *name, unsigned char *out)
{
    const struct holders_context *c = context;
    int rc = holder_check(c, name);
    return rc == 0 ? hub_account_wrap_get(c->store, name, out) : rc;
}

static int holders_replace(void *context, const char *name, const char *old_hash,
                           const char *new_hash, const unsigned char *wrap)
{
    const struct holders_context *c = context;
    return hub_account_upgrade(c->store, name, old_hash, new_hash, wrap);
}

/* No agency secret waits unclaimed: a partner without a wrap is given one by a holder. */
static int holders_claim(void *context, const char *name, const char *password,
                         unsigned char **secret)
{
    (void)context, (void)name, (void)password, (void)secret;
    return SAE_ENOTFOUND;
}

static struct sae_key_holders holders_of(struct holders_context *context)
{
    return (struct sae_key_holders){context, holders_public, holders_hash, holders_wrap,
                                    holders_replace, holders_claim};
}

/* Makes agency's pair: *secret (secure memory) when this call made it, NULL when it existed
 * (another process may have made it meanwhile) or the district has no key yet. */
static int make_pair(struct hub_store *store, const char *agency, unsigned char **secret)
{
    unsigned char public_key[AGENCY_KEY_BYTES], district[AGENCY_KEY_BYTES];
    unsigned char *made = NULL, *sealed = NULL;
    size_t sealed_len = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = district_key_public(store, district);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = sae_secure_alloc(AGENCY_KEY_BYTES, (void **)&made);
    if (rc == 0 && crypto_box_keypair(public_key, made) != 0)
        rc = SAE_ECRYPTO;
    if (rc == 0)
        rc = sae_sealed_seal(district, made, AGENCY_KEY_BYTES, &sealed, &sealed_len);
    if (rc == 0)
        rc = hub_store_prepare(store, insert_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, agency);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 2, public_key, sizeof public_key);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 3, sealed, sealed_len);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, (int64_t)sae_wall_clock_ms());
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    free(sealed);
    if (rc != 0 || sae_db_changes(store->db) == 0) {
        sae_secure_free(made);
        made = NULL;
    }
    *secret = made;
    return rc;
}

int agency_key_passkey(struct hub_store *store, const char *agency, const unsigned char *secret,
                       const char *password, char *hash, unsigned char wrap[SAE_KEYWRAP_BYTES])
{
    struct holders_context context = {store, agency};
    const struct sae_key_holders holders = holders_of(&context);
    return sae_key_holders_passkey(&holders, secret, password, hash, wrap);
}

int agency_key_passkey_new(struct hub_store *store, const char *agency, const char *password,
                           char *hash, unsigned char wrap[SAE_KEYWRAP_BYTES], bool *wrapped)
{
    unsigned char *secret = NULL;
    *wrapped = false;
    int rc = agency && partner_agency_check(agency) == 0 ? make_pair(store, agency, &secret) : 0;
    if (rc == 0 && secret)
        rc = agency_key_passkey(store, agency, secret, password, hash, wrap);
    else if (rc == 0)
        rc = sae_passkey_make(password, strlen(password), NULL, hash, NULL);
    *wrapped = rc == 0 && secret;
    sae_secure_free(secret);
    return rc;
}

int agency_key_unlock(struct hub_store *store, const char *name, const char *password,
                      const unsigned char *wrapping_key, unsigned char **secret)
{
    struct hub_account account;
    int rc = hub_account_get(store, name, &account);
    if (rc == 0 && (account.disabled || account.role != HUB_ROLE_PARTNER))
        rc = SAE_ENOTFOUND;
    if (rc != 0)
        return rc;
    struct holders_context context = {store, account.agency};
    const struct sae_key_holders holders = holders_of(&context);
    return sae_key_holders_unlock_split(&holders, name, password, wrapping_key, secret);
}

int agency_key_from_district(struct hub_store *store, const char *agency,
                             const unsigned char *district_secret, unsigned char **secret)
{
    unsigned char district[AGENCY_KEY_BYTES], public_key[AGENCY_KEY_BYTES];
    unsigned char sealed[SAE_SEALED_OVERHEAD + AGENCY_KEY_BYTES];
    char *opened = NULL;
    size_t len = 0;
    int rc = district_key_public(store, district);
    if (rc == 0)
        rc = agency_key_public(store, agency, public_key, NULL);
    if (rc == 0)
        rc = sae_db_query_blob(store->db, &store->statements, seal_sql, agency, sealed,
                               sizeof sealed);
    if (rc == 0)
        rc = sae_sealed_open(district, district_secret, sealed, sizeof sealed, &opened, &len);
    if (rc == 0 && len != AGENCY_KEY_BYTES)
        rc = SAE_ECORRUPT;
    if (rc == 0)
        rc = sae_key_pair_check(public_key, (const unsigned char *)opened);
    if (rc == 0)
        rc = sae_secure_dup(opened, AGENCY_KEY_BYTES, (void **)secret);
    if (opened)
        sae_wipe_free(opened, len);
    return rc;
}

void agency_key_lend(struct hub_store *store, uint64_t holder, unsigned char *secret,
                     bool owned)
{
    unsigned char public_key[AGENCY_KEY_BYTES];
    bool known = public_by_holder(store, holder, public_key) == 0;
    value_vault_lend_holder(store, holder, known ? public_key : NULL, secret, owned);
}

int agency_key_open(struct hub_store *store, int64_t change, uint64_t holder,
                    const unsigned char *secret, char **plain)
{
    unsigned char public_key[AGENCY_KEY_BYTES];
    struct sae_opener *opener = NULL;
    size_t plain_len = 0;
    if (!agency_key_holder_is_agency(holder))
        return SAE_EINVAL;
    int rc = public_by_holder(store, holder, public_key);
    if (rc == 0)
        rc = sae_opener_new(public_key, secret, &opener);
    if (rc == 0)
        rc = value_vault_open_copy(store, opener, change, holder, plain, &plain_len);
    sae_opener_free(opener);
    return rc;
}
