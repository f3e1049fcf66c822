/* Opened values kept for a reader holding the storage key (opened_cache.h). */
#include "store/opened_cache.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_secure_mem.h"

#define KEY_BYTES 16u
/* Open addressing at most half full: slots are twice the values. */
#define SLOTS (2u * OPENED_CACHE_MAX)
#define ARENA_FIRST_BYTES (256u * 1024u)

_Static_assert(OPENED_CACHE_ARENA_MAX_BYTES < UINT32_MAX, "an offset fits in 32 bits");

/* The keys (a hash of the sealed text, no secret) stay in ordinary heap; the values are
 * offsets into the arena, so that it can move when it grows. */
struct opened_entry {
    unsigned char key[KEY_BYTES];
    uint32_t at; /* 1 + the value's offset in the arena; 0: the slot is free */
};

struct opened_cache {
    struct opened_entry *slots;
    size_t count;
    char *arena; /* secure memory (sae_secure_alloc): the values, NUL-terminated */
    size_t used, capacity;
};

int opened_cache_create(struct opened_cache **out)
{
    struct opened_cache *cache = calloc(1, sizeof *cache);
    int rc = cache ? 0 : SAE_ENOMEM;
    if (rc == 0 && !(cache->slots = calloc(SLOTS, sizeof *cache->slots)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = sae_secure_alloc(ARENA_FIRST_BYTES, (void **)&cache->arena);
    if (rc != 0) {
        opened_cache_destroy(cache);
        return rc;
    }
    cache->capacity = ARENA_FIRST_BYTES;
    *out = cache;
    return 0;
}

void opened_cache_clear(struct opened_cache *cache)
{
    if (cache->count == 0 && cache->used == 0)
        return;
    memset(cache->slots, 0, SLOTS * sizeof *cache->slots);
    sodium_memzero(cache->arena, cache->used);
    cache->count = 0;
    cache->used = 0;
}

void opened_cache_destroy(struct opened_cache *cache)
{
    if (!cache)
        return;
    free(cache->slots);
    sae_secure_free(cache->arena); /* zeroed before it is released */
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
    while (cache->slots[i].at && memcmp(cache->slots[i].key, key, KEY_BYTES) != 0)
        i = (i + 1) % SLOTS;
    return i;
}

const char *opened_cache_get(const struct opened_cache *cache, const char *stored)
{
    unsigned char key[KEY_BYTES];
    key_of(stored, key);
    uint32_t at = cache->slots[slot_of(cache, key)].at;
    return at ? cache->arena + (at - 1u) : NULL;
}

/* Room for need more bytes: the arena doubled (up to its maximum) into new secure memory,
 * the old one zeroed as it is freed. */
static int make_room(struct opened_cache *cache, size_t need)
{
    size_t capacity = cache->capacity;
    while (capacity - cache->used < need && capacity < OPENED_CACHE_ARENA_MAX_BYTES)
        capacity = capacity * 2u < OPENED_CACHE_ARENA_MAX_BYTES ? capacity * 2u
                                                                 : OPENED_CACHE_ARENA_MAX_BYTES;
    if (capacity - cache->used < need)
        return SAE_ETOOBIG;
    if (capacity == cache->capacity)
        return 0;
    char *grown = NULL;
    int rc = sae_secure_alloc(capacity, (void **)&grown);
    if (rc != 0)
        return rc;
    memcpy(grown, cache->arena, cache->used);
    sae_secure_free(cache->arena);
    cache->arena = grown;
    cache->capacity = capacity;
    return 0;
}

int opened_cache_put(struct opened_cache *cache, const char *stored, const char *plain)
{
    unsigned char key[KEY_BYTES];
    size_t len = strlen(plain) + 1;
    if (len > OPENED_CACHE_ARENA_MAX_BYTES)
        return SAE_ETOOBIG;
    if (cache->count >= OPENED_CACHE_MAX)
        opened_cache_clear(cache);
    int rc = make_room(cache, len);
    if (rc == SAE_ETOOBIG) { /* full: wiped whole, as at OPENED_CACHE_MAX values */
        opened_cache_clear(cache);
        rc = make_room(cache, len);
    }
    if (rc != 0)
        return rc;
    key_of(stored, key);
    struct opened_entry *entry = &cache->slots[slot_of(cache, key)];
    /* A value put again for the same sealed text is the same value: its old bytes stay in
     * the arena until the next clear. */
    cache->count += entry->at == 0;
    memcpy(cache->arena + cache->used, plain, len);
    memcpy(entry->key, key, KEY_BYTES);
    entry->at = (uint32_t)(cache->used + 1u);
    cache->used += len;
    return 0;
}

size_t opened_cache_count(const struct opened_cache *cache)
{
    return cache->count;
}
