/* Sessions' storage keys (post_keys.h). */
#include "app/post_keys.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_secure_mem.h"

struct post_key_entry {
    bool used;
    uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES];
    unsigned char *secret; /* noaccess between uses; NULL: no key */
    uint64_t order;        /* when it was put: the oldest gives way when all are used */
};

struct post_keys {
    struct post_key_entry entries[POST_KEYS_MAX];
    uint64_t next_order;
};

int post_keys_create(struct post_keys **out)
{
    struct post_keys *keys = calloc(1, sizeof *keys);
    if (!keys)
        return SAE_ENOMEM;
    *out = keys;
    return 0;
}

static void entry_clear(struct post_key_entry *entry)
{
    sae_secure_free(entry->secret);
    memset(entry, 0, sizeof *entry);
}

void post_keys_destroy(struct post_keys *keys)
{
    if (!keys)
        return;
    for (size_t i = 0; i < POST_KEYS_MAX; i++)
        entry_clear(&keys->entries[i]);
    free(keys);
}

static struct post_key_entry *find(const struct post_keys *keys, const uint8_t *token_hash)
{
    for (size_t i = 0; i < POST_KEYS_MAX; i++)
        if (keys->entries[i].used &&
            memcmp(keys->entries[i].token_hash, token_hash, NODE_STAFF_TOKEN_HASH_BYTES) == 0)
            return (struct post_key_entry *)(uintptr_t)&keys->entries[i];
    return NULL;
}

/* A free entry, else the oldest, cleared. */
static struct post_key_entry *free_entry(struct post_keys *keys)
{
    struct post_key_entry *oldest = &keys->entries[0];
    for (size_t i = 0; i < POST_KEYS_MAX; i++) {
        if (!keys->entries[i].used)
            return &keys->entries[i];
        if (keys->entries[i].order < oldest->order)
            oldest = &keys->entries[i];
    }
    entry_clear(oldest);
    return oldest;
}

int post_keys_put(struct post_keys *keys, const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                  unsigned char *secret)
{
    if (secret && sae_secure_noaccess(secret) != 0) {
        sae_secure_free(secret);
        return SAE_ECRYPTO;
    }
    post_keys_drop(keys, token_hash);
    struct post_key_entry *entry = free_entry(keys);
    entry->used = true;
    memcpy(entry->token_hash, token_hash, NODE_STAFF_TOKEN_HASH_BYTES);
    entry->secret = secret;
    entry->order = ++keys->next_order;
    return 0;
}

bool post_keys_known(const struct post_keys *keys,
                     const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES])
{
    return find(keys, token_hash) != NULL;
}

int post_keys_use(struct post_keys *keys, const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                  int (*use)(const unsigned char *secret, void *context), void *context)
{
    struct post_key_entry *entry = find(keys, token_hash);
    if (!entry || !entry->secret)
        return SAE_ENOTFOUND;
    if (sae_secure_readonly(entry->secret) != 0)
        return SAE_ECRYPTO;
    int rc = use(entry->secret, context);
    if (sae_secure_noaccess(entry->secret) != 0 && rc == 0)
        rc = SAE_ECRYPTO;
    return rc;
}

void post_keys_drop(struct post_keys *keys, const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES])
{
    struct post_key_entry *entry = find(keys, token_hash);
    if (entry)
        entry_clear(entry);
}

void post_keys_sweep(struct post_keys *keys,
                     bool (*live)(const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                                  void *context),
                     void *context)
{
    for (size_t i = 0; i < POST_KEYS_MAX; i++)
        if (keys->entries[i].used && !live(keys->entries[i].token_hash, context))
            entry_clear(&keys->entries[i]);
}
