/* Sessions' storage keys (session_keys.h). */
#include "app/session_keys.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_secure_mem.h"

struct session_key_entry {
    bool used;
    uint8_t token_hash[SESSION_HASH_BYTES];
    unsigned char *secret; /* noaccess between uses; NULL: no key */
    uint64_t order;        /* when it was put: the oldest gives way when all are used */
};

struct session_keys {
    pthread_mutex_t lock;
    struct session_key_entry entries[SESSION_KEYS_MAX];
    uint64_t next_order;
};

int session_keys_create(struct session_keys **out)
{
    struct session_keys *keys = calloc(1, sizeof *keys);
    if (!keys)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&keys->lock, NULL) != 0) {
        free(keys);
        return SAE_ENOMEM;
    }
    *out = keys;
    return 0;
}

static void entry_clear(struct session_key_entry *entry)
{
    sae_secure_free(entry->secret);
    memset(entry, 0, sizeof *entry);
}

void session_keys_destroy(struct session_keys *keys)
{
    if (!keys)
        return;
    for (size_t i = 0; i < SESSION_KEYS_MAX; i++)
        entry_clear(&keys->entries[i]);
    pthread_mutex_destroy(&keys->lock);
    free(keys);
}

static struct session_key_entry *find(struct session_keys *keys, const uint8_t *token_hash)
{
    for (size_t i = 0; i < SESSION_KEYS_MAX; i++)
        if (keys->entries[i].used &&
            memcmp(keys->entries[i].token_hash, token_hash, SESSION_HASH_BYTES) == 0)
            return &keys->entries[i];
    return NULL;
}

/* A free entry, else the oldest, cleared. */
static struct session_key_entry *free_entry(struct session_keys *keys)
{
    struct session_key_entry *oldest = &keys->entries[0];
    for (size_t i = 0; i < SESSION_KEYS_MAX; i++) {
        if (!keys->entries[i].used)
            return &keys->entries[i];
        if (keys->entries[i].order < oldest->order)
            oldest = &keys->entries[i];
    }
    entry_clear(oldest);
    return oldest;
}

static void drop_locked(struct session_keys *keys, const uint8_t *token_hash)
{
    struct session_key_entry *entry = find(keys, token_hash);
    if (entry)
        entry_clear(entry);
}

int session_keys_put(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES],
                     unsigned char *secret)
{
    if (secret && sae_secure_noaccess(secret) != 0) {
        sae_secure_free(secret);
        return SAE_ECRYPTO;
    }
    pthread_mutex_lock(&keys->lock);
    drop_locked(keys, token_hash);
    struct session_key_entry *entry = free_entry(keys);
    entry->used = true;
    memcpy(entry->token_hash, token_hash, SESSION_HASH_BYTES);
    entry->secret = secret;
    entry->order = ++keys->next_order;
    pthread_mutex_unlock(&keys->lock);
    return 0;
}

bool session_keys_known(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES])
{
    pthread_mutex_lock(&keys->lock);
    bool known = find(keys, token_hash) != NULL;
    pthread_mutex_unlock(&keys->lock);
    return known;
}

bool session_keys_held(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES])
{
    pthread_mutex_lock(&keys->lock);
    struct session_key_entry *entry = find(keys, token_hash);
    bool held = entry && entry->secret;
    pthread_mutex_unlock(&keys->lock);
    return held;
}

size_t session_keys_count(struct session_keys *keys)
{
    size_t count = 0;
    pthread_mutex_lock(&keys->lock);
    for (size_t i = 0; i < SESSION_KEYS_MAX; i++)
        count += keys->entries[i].used && keys->entries[i].secret;
    pthread_mutex_unlock(&keys->lock);
    return count;
}

/* The key is readable for use's call only; the lock keeps another thread from dropping it
 * meanwhile (use must not call back into keys). */
int session_keys_use(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES],
                     int (*use)(const unsigned char *secret, void *context), void *context)
{
    pthread_mutex_lock(&keys->lock);
    struct session_key_entry *entry = find(keys, token_hash);
    int rc = entry && entry->secret ? 0 : SAE_ENOTFOUND;
    if (rc == 0 && sae_secure_readonly(entry->secret) != 0)
        rc = SAE_ECRYPTO;
    if (rc == 0) {
        rc = use(entry->secret, context);
        if (sae_secure_noaccess(entry->secret) != 0 && rc == 0)
            rc = SAE_ECRYPTO;
    }
    pthread_mutex_unlock(&keys->lock);
    return rc;
}

void session_keys_drop(struct session_keys *keys, const uint8_t token_hash[SESSION_HASH_BYTES])
{
    pthread_mutex_lock(&keys->lock);
    drop_locked(keys, token_hash);
    pthread_mutex_unlock(&keys->lock);
}

void session_keys_sweep(struct session_keys *keys,
                        bool (*live)(const uint8_t token_hash[SESSION_HASH_BYTES], void *context),
                        void *context)
{
    pthread_mutex_lock(&keys->lock);
    for (size_t i = 0; i < SESSION_KEYS_MAX; i++)
        if (keys->entries[i].used && !live(keys->entries[i].token_hash, context))
            entry_clear(&keys->entries[i]);
    pthread_mutex_unlock(&keys->lock);
}
