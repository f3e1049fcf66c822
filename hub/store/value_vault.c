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
#include "store/device_keys.h"
#include "store/district_key.h"
#include "store/sealed_values.h"

#define BASE64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

struct value_vault {
    uint8_t token_key[VALUE_KEY_BYTES];
    unsigned char district_public[VALUE_DISTRICT_KEY_BYTES];
    /* One sealer per recipient met in the current transaction (value_vault_seal_end). */
    struct sae_sealer *sealers[VALUE_VAULT_SEALERS];
    size_t sealer_next; /* the slot replaced when all are taken */
};

int value_key_load(const char *dir, uint8_t key[VALUE_KEY_BYTES])
{
    return sae_file_key_load(dir, VALUE_KEY_FILE, key, VALUE_KEY_BYTES);
}

static void sealers_end(struct value_vault *vault)
{
    for (size_t i = 0; i < VALUE_VAULT_SEALERS; i++) {
        sae_sealer_free(vault->sealers[i]);
        vault->sealers[i] = NULL;
    }
    vault->sealer_next = 0;
}

void value_vault_seal_end(struct hub_store *store)
{
    if (store->vault)
        sealers_end(store->vault);
}

void value_vault_free(struct value_vault *vault)
{
    if (vault)
        sealers_end(vault);
    sae_secure_free(vault);
}

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

/* The transaction's sealer to public_key, made at its first value. */
static int sealer_for(struct value_vault *vault, const unsigned char public_key[32],
                      const struct sae_sealer **out)
{
    size_t i = 0;
    while (i < VALUE_VAULT_SEALERS && vault->sealers[i] &&
           !sae_sealer_is_for(vault->sealers[i], public_key))
        i++;
    if (i < VALUE_VAULT_SEALERS && vault->sealers[i]) {
        *out = vault->sealers[i];
        return 0;
    }
    if (i == VALUE_VAULT_SEALERS) {
        i = vault->sealer_next;
        vault->sealer_next = (i + 1) % VALUE_VAULT_SEALERS;
        sae_sealer_free(vault->sealers[i]);
        vault->sealers[i] = NULL;
    }
    int rc = sae_sealer_new(public_key, &vault->sealers[i]);
    if (rc == 0)
        *out = vault->sealers[i];
    return rc;
}

int value_vault_seal(struct hub_store *store, const unsigned char public_key[32],
                     const char *plain, size_t len, unsigned char **out, size_t *out_len)
{
    const struct sae_sealer *sealer = NULL;
    int rc = vault_ready(store);
    if (rc == 0)
        rc = sealer_for(store->vault, public_key, &sealer);
    if (rc == 0)
        rc = sae_sealer_seal(sealer, plain, len, out, out_len);
    return rc;
}

/* Seals plain to public_key and stores it as holder's copy of change. */
static int seal_and_put(struct hub_store *store, int64_t change, uint64_t holder,
                        const unsigned char public_key[SAE_SEALED_KEY_BYTES], const char *plain)
{
    unsigned char *sealed = NULL;
    size_t len = 0;
    int rc = value_vault_seal(store, public_key, plain, strlen(plain), &sealed, &len);
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
    int rc = vault_ready(store);
    if (rc != 0)
        return rc;
    return seal_and_put(store, change, device, device_key, plain);
}

int value_vault_district_opener(struct hub_store *store, const unsigned char *district_secret,
                                struct sae_opener **out)
{
    unsigned char public_key[VALUE_DISTRICT_KEY_BYTES];
    int rc = district_key_public(store, public_key);
    return rc == 0 ? sae_opener_new(public_key, district_secret, out) : rc;
}

int value_vault_open_copy(struct hub_store *store, struct sae_opener *opener, int64_t change,
                          uint64_t holder, char **plain, size_t *plain_len)
{
    uint8_t *sealed = NULL;
    size_t len = 0;
    int rc = sealed_values_get(store, change, holder, &sealed, &len);
    if (rc == 0)
        rc = sae_opener_open(opener, sealed, len, plain, plain_len);
    free(sealed);
    return rc;
}

int value_vault_open(struct hub_store *store, int64_t change,
                     const unsigned char district_secret[VALUE_DISTRICT_KEY_BYTES],
                     char **plain)
{
    struct sae_opener *opener = NULL;
    size_t plain_len = 0;
    int rc = value_vault_district_opener(store, district_secret, &opener);
    if (rc == 0)
        rc = value_vault_open_copy(store, opener, change, SEALED_VALUE_DISTRICT, plain,
                                   &plain_len);
    sae_opener_free(opener);
    return rc;
}

/* Ends the current loan: its opener freed, an owned secret wiped. */
static void end_loan(struct hub_store *store)
{
    sae_opener_free(store->lent_opener);
    store->lent_opener = NULL;
    sae_secure_free(store->owned_secret);
    store->owned_secret = NULL;
    store->lent_secret = NULL;
    store->lent_holder = SEALED_VALUE_DISTRICT;
}

void value_vault_lend(struct hub_store *store, const unsigned char *secret)
{
    end_loan(store);
    store->lent_secret = secret;
    /* Checked once here, not at every value read: a secret that is not this district's (or
     * a hub without a district key) leaves no opener, and every read gets the mask. */
    if (secret)
        (void)value_vault_district_opener(store, secret, &store->lent_opener);
}

void value_vault_lend_owned(struct hub_store *store, unsigned char *secret)
{
    value_vault_lend(store, secret);
    store->owned_secret = secret;
}

void value_vault_lend_holder(struct hub_store *store, uint64_t holder,
                             const unsigned char *public_key, unsigned char *secret, bool owned)
{
    end_loan(store);
    store->lent_secret = secret;
    store->owned_secret = owned ? secret : NULL;
    store->lent_holder = holder;
    if (secret && public_key)
        (void)sae_opener_new(public_key, secret, &store->lent_opener);
}

bool value_vault_lent(const struct hub_store *store) { return store->lent_secret != NULL; }

/* change's copy for the loan's holder (the district's, or a partner's agency's: what
 * consent gave the agency, and no more) opened with the loan's opener: the values of one
 * ingest share a sealer, so reading a page of them costs about one X25519 per batch. */
static int open_lent(struct hub_store *store, int64_t change, char **plain)
{
    size_t plain_len = 0;
    if (!store->lent_opener)
        return SAE_EPERM;
    return value_vault_open_copy(store, store->lent_opener, change, store->lent_holder, plain,
                                 &plain_len);
}

/* revealed(seq, value): see value_vault_lend. Only readers that show sensitive values ask
 * for them. */
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
    if (open_lent(store, sqlite3_value_int64(argv[0]), &plain) != 0) {
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
