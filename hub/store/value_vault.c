/* Sensitive values kept only sealed at the hub: tokens, copies, and opening the district's
 * copy (value_vault.h). */
#include "store/value_vault.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_files.h"
#include "sae/sae_sealed.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wipe.h"
#include "store/agency_key.h"
#include "store/device_keys.h"
#include "store/district_key.h"
#include "store/sealed_values.h"

#define BASE64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

struct value_vault {
    uint8_t token_key[VALUE_KEY_BYTES];
    unsigned char district_public[VALUE_DISTRICT_KEY_BYTES];
};

int value_key_load(const char *dir, uint8_t key[VALUE_KEY_BYTES])
{
    return sae_file_key_load(dir, VALUE_KEY_FILE, key, VALUE_KEY_BYTES);
}

void value_vault_free(struct value_vault *vault) { sae_secure_free(vault); }

int value_vault_attach(struct hub_store *store, const char *dir)
{
    void *memory = NULL;
    int rc = sae_secure_alloc(sizeof(struct value_vault), &memory);
    if (rc != 0)
        return rc;
    struct value_vault *vault = memory;
    rc = district_key_public(store, vault->district_public);
    if (rc == 0)
        rc = value_key_load(dir, vault->token_key);
    if (rc != 0) {
        value_vault_free(vault);
        return rc;
    }
    value_vault_free(store->vault);
    store->vault = vault;
    return 0;
}

bool value_vault_attached(const struct hub_store *store) { return store->vault != NULL; }

bool value_vault_field_sealed(const char *kind, const char *field)
{
    const struct sae_kind *k = NULL;
    struct sae_field_ref ref;
    if (!kind || !field || sae_catalogue_find_kind(kind, &k) != 0 ||
        sae_catalogue_resolve(k, field, &ref) != 0)
        return false;
    return ref.field->sensitive && !ref.element;
}

bool value_vault_is_token(const char *stored)
{
    return stored && strncmp(stored, VALUE_TOKEN_PREFIX, sizeof VALUE_TOKEN_PREFIX - 1) == 0;
}

int value_token(const uint8_t key[VALUE_KEY_BYTES], const char *field, const char *plain,
                char out[VALUE_TOKEN_TEXT_BYTES])
{
    crypto_generichash_state state;
    uint8_t hash[VALUE_TOKEN_HASH_BYTES];
    static const uint8_t separator = 0;
    /* The field name keys the token too: a name and a note that happen to be equal give
     * tokens that cannot be matched to each other. */
    if (crypto_generichash_init(&state, key, VALUE_KEY_BYTES, sizeof hash) != 0 ||
        crypto_generichash_update(&state, (const uint8_t *)field, strlen(field)) != 0 ||
        crypto_generichash_update(&state, &separator, 1) != 0 ||
        crypto_generichash_update(&state, (const uint8_t *)plain, strlen(plain)) != 0 ||
        crypto_generichash_final(&state, hash, sizeof hash) != 0) {
        sodium_memzero(&state, sizeof state);
        return SAE_ECRYPTO;
    }
    sodium_memzero(&state, sizeof state);
    memcpy(out, VALUE_TOKEN_PREFIX, sizeof VALUE_TOKEN_PREFIX - 1);
    sodium_bin2base64(out + sizeof VALUE_TOKEN_PREFIX - 1,
                      VALUE_TOKEN_TEXT_BYTES - (sizeof VALUE_TOKEN_PREFIX - 1), hash,
                      sizeof hash, BASE64);
    return 0;
}

/* The vault is loaded at the first value that needs it: a store that never writes one
 * (a read-only command, the duplicates' thread) never makes values.key. */
static int vault_ready(struct hub_store *store)
{
    if (store->vault)
        return 0;
    if (!store->dir)
        return SAE_ENOTINIT;
    return value_vault_attach(store, store->dir);
}

int value_vault_token(struct hub_store *store, const char *field, const char *plain,
                      char out[VALUE_TOKEN_TEXT_BYTES])
{
    int rc = vault_ready(store);
    if (rc != 0)
        return rc;
    return value_token(store->vault->token_key, field, plain, out);
}

/* Seals plain to public_key and stores it as holder's copy of change. */
static int seal_and_put(struct hub_store *store, int64_t change, uint64_t holder,
                        const unsigned char public_key[SAE_SEALED_KEY_BYTES], const char *plain)
{
    unsigned char *sealed = NULL;
    size_t len = 0;
    int rc = sae_sealed_seal(public_key, plain, strlen(plain), &sealed, &len);
    if (rc == 0)
        rc = sealed_values_put(store, change, holder, sealed, len);
    free(sealed);
    return rc;
}

struct device_copy {
    struct hub_store *store;
    int64_t change;
    const char *plain;
};

static int seal_for_device(uint64_t id, const uint8_t key[DEVICE_KEY_BYTES], void *context)
{
    const struct device_copy *copy = context;
    return seal_and_put(copy->store, copy->change, id, key, copy->plain);
}

int value_vault_store(struct hub_store *store, int64_t change, const char *village,
                      uint64_t origin, const char *plain)
{
    int rc = vault_ready(store);
    if (rc != 0)
        return rc;
    rc = seal_and_put(store, change, SEALED_VALUE_DISTRICT, store->vault->district_public,
                          plain);
    struct device_copy copy = {store, change, plain};
    if (rc == 0)
        rc = device_keys_of_village(store, village, origin, seal_for_device, &copy);
    return rc;
}

int value_vault_seal_for(struct hub_store *store, int64_t change, uint64_t device,
                         const uint8_t device_key[DEVICE_KEY_BYTES], const char *plain)
{
    if (device == SEALED_VALUE_DISTRICT)
        return SAE_EINVAL;
    return seal_and_put(store, change, device, device_key, plain);
}

int value_vault_open(struct hub_store *store, int64_t change,
                     const unsigned char district_secret[VALUE_DISTRICT_KEY_BYTES],
                     char **plain)
{
    unsigned char public_key[VALUE_DISTRICT_KEY_BYTES];
    uint8_t *sealed = NULL;
    size_t len = 0, plain_len = 0;
    unsigned char derived[VALUE_DISTRICT_KEY_BYTES];
    int rc = district_key_public(store, public_key);
    if (rc == 0 && (crypto_scalarmult_base(derived, district_secret) != 0 ||
                    sodium_memcmp(derived, public_key, sizeof derived) != 0))
        rc = SAE_EPERM;
    if (rc == 0)
        rc = sealed_values_get(store, change, SEALED_VALUE_DISTRICT, &sealed, &len);
    if (rc == 0)
        rc = sae_sealed_open(public_key, district_secret, sealed, len, plain, &plain_len);
    free(sealed);
    return rc;
}

void value_vault_lend(struct hub_store *store, const unsigned char *secret)
{
    sae_secure_free(store->owned_secret);
    store->owned_secret = NULL;
    store->lent_secret = secret;
    store->lent_holder = SEALED_VALUE_DISTRICT;
}

void value_vault_lend_owned(struct hub_store *store, unsigned char *secret)
{
    value_vault_lend(store, secret);
    store->owned_secret = secret;
}

bool value_vault_lent(const struct hub_store *store) { return store->lent_secret != NULL; }

/* revealed(seq, value): see value_vault_lend. Opening costs one X25519 per token; only
 * readers that show sensitive values ask for them. */
static void revealed(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct hub_store *store = sqlite3_user_data(ctx);
    const char *value = (const char *)sqlite3_value_text(argv[1]);
    (void)argc;
    if (!value_vault_is_token(value)) {
        sqlite3_result_value(ctx, argv[1]);
        return;
    }
    char *plain = NULL;
    int64_t change = sqlite3_value_int64(argv[0]);
    /* A partner's loan opens its agency's copy: what consent gave the agency, and no more. */
    int rc = !store->lent_secret ? SAE_ENOTFOUND
             : agency_key_holder_is_agency(store->lent_holder)
                 ? agency_key_open(store, change, store->lent_holder, store->lent_secret, &plain)
                 : value_vault_open(store, change, store->lent_secret, &plain);
    if (rc != 0) {
        sqlite3_result_text(ctx, VALUE_VAULT_MASK, -1, SQLITE_STATIC);
        return;
    }
    /* SQLite copies it; the copy lives as long as the row it is read into. */
    sqlite3_result_text(ctx, plain, -1, SQLITE_TRANSIENT);
    sae_wipe_free_string(plain);
}

int value_vault_register(struct hub_store *store)
{
    int rc = sqlite3_create_function_v2(store->db, "revealed", 2, SQLITE_UTF8, store, revealed,
                                        NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : SAE_EDB;
}
