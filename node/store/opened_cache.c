/* Opened values kept for a reader holding the storage key (opened_cache.h). */
#include "store/opened_cache.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_wipe.h"

#define KEY_BYTES 16u
/* Open addressing at most half full: slots are twice the values. */
#define SLOTS (2u * OPENED_CACHE_MAX)

struct opened_entry {
    unsigned char key[KEY_BYTES];
    char *plain; /* NULL: the slot is free */
};

struct opened_cache {
    struct opened_entry *slots;
    size_t count;
};

int opened_cache_create(struct opened_cache **out)
{
    struct opened_cache *cache = calloc(1, sizeof *cache);
    if (cache && !(cache->slots = calloc(SLOTS, sizeof *cache->slots))) {
        free(cache);
        cache = NULL;
    }
    if (!cache)
        return SAE_ENOMEM;
    *out = cache;
    return 0;
}

void opened_cache_clear(struct opened_cache *cache)
{
    for (size_t i = 0; cache->count > 0 && i < SLOTS; i++)
        if (cache->slots[i].plain) {
            sae_wipe_free_string(cache->slots[i].plain);
            cache->slots[i].plain = NULL;
            cache->count--;
        }
}

void opened_cache_destroy(struct opened_cache *cache)
{
    if (!cache)
        return;
    opened_cache_clear(cache);
    free(cache->slots);
    free(cache);
}

static void key_of(const char *stored, unsigned char key[KEY_BYTES])
{
    crypto_generichash(key, KEY_BYTES, (const unsigned char *)stored, strlen(stored), NULL, 0);
}

/* The slot holding key, or the free slot where it would go. */
static size_t slot_of(const struct opened_cache *cache, const unsigned char key[KEY_BYTES])
{
    uint64_t start = 0;
    memcpy(&start, key, sizeof start);
    size_t i = (size_t)(start % SLOTS);
    while (cache->slots[i].plain && memcmp(cache->slots[i].key, key, KEY_BYTES) != 0)
        i = (i + 1) % SLOTS;
    return i;
}

const char *opened_cache_get(const struct opened_cache *cache, const char *stored)
{
    unsigned char key[KEY_BYTES];
    key_of(stored, key);
    return cache->slots[slot_of(cache, key)].plain;
}

int opened_cache_put(struct opened_cache *cache, const char *stored, const char *plain)
{
    unsigned char key[KEY_BYTES];
    char *copy = strdup(plain);
    if (!copy)
        return SAE_ENOMEM;
    if (cache->count >= OPENED_CACHE_MAX)
        opened_cache_clear(cache);
    key_of(stored, key);
    struct opened_entry *entry = &cache->slots[slot_of(cache, key)];
    if (entry->plain) {
        sae_wipe_free_string(entry->plain);
        cache->count--;
    }
    memcpy(entry->key, key, KEY_BYTES);
    entry->plain = copy;
    cache->count++;
    return 0;
}

size_t opened_cache_count(const struct opened_cache *cache)
{
    return cache->count;
}
