/* Per-address records in an open-addressing table (linear probing). Removal is a rebuild:
 * prune copies the live records aside and puts them back, so probe chains never hold holes
 * and an absent key's lookup stops at the first empty slot. */
#include "net/peer_table.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPACITY_MIN 64u
#define CAPACITY_MAX (1u << 24)

struct peer_table {
    struct peer *slots;
    struct peer *scratch; /* prune's copy of the live records */
    size_t capacity;      /* a power of two */
    size_t used;
    struct peer overflow;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int peer_key_from_sockaddr(const struct sockaddr *address, struct peer_key *out)
{
    struct peer_key key;
    memset(&key, 0, sizeof key);
    if (address && address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)address;
        memcpy(key.bytes, V4_MAPPED, sizeof V4_MAPPED);
        memcpy(key.bytes + 12, &v4->sin_addr, 4);
    } else if (address && address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)address;
        memcpy(key.bytes, &v6->sin6_addr, 16);
        if (memcmp(key.bytes, V4_MAPPED, sizeof V4_MAPPED) != 0)
            memset(key.bytes + 8, 0, 8); /* the /64 */
    } else {
        return SAE_EINVAL;
    }
    *out = key;
    return 0;
}

void peer_key_text(const struct peer_key *key, char out[PEER_TEXT_BYTES])
{
    char text[INET6_ADDRSTRLEN];
    bool v4 = memcmp(key->bytes, V4_MAPPED, sizeof V4_MAPPED) == 0;
    const char *done = v4 ? inet_ntop(AF_INET, key->bytes + 12, text, sizeof text)
                          : inet_ntop(AF_INET6, key->bytes, text, sizeof text);
    if (!done)
        snprintf(out, PEER_TEXT_BYTES, "?");
    else
        snprintf(out, PEER_TEXT_BYTES, "%s%s", text, v4 ? "" : "/64");
}

int peer_table_create(size_t min_capacity, struct peer_table **out)
{
    size_t capacity = CAPACITY_MIN;
    if (min_capacity == 0 || min_capacity > CAPACITY_MAX)
        return SAE_EINVAL;
    while (capacity < min_capacity)
        capacity *= 2;
    if (sodium_init() < 0)
        return SAE_ECRYPTO;
    struct peer_table *t = calloc(1, sizeof *t);
    if (!t)
        return SAE_ENOMEM;
    t->slots = calloc(capacity, sizeof *t->slots);
    t->scratch = calloc(capacity, sizeof *t->scratch);
    if (!t->slots || !t->scratch) {
        peer_table_destroy(t);
        return SAE_ENOMEM;
    }
    t->capacity = capacity;
    t->overflow.used = true;
    memset(t->overflow.key.bytes, 0xff, PEER_KEY_BYTES);
    crypto_shorthash_keygen(t->hash_key);
    *out = t;
    return 0;
}

void peer_table_destroy(struct peer_table *table)
{
    if (!table)
        return;
    free(table->slots);
    free(table->scratch);
    free(table);
}

static size_t home_slot(const struct peer_table *t, const struct peer_key *key)
{
    unsigned char hash[crypto_shorthash_BYTES];
    uint64_t h = 0;
    crypto_shorthash(hash, key->bytes, PEER_KEY_BYTES, t->hash_key);
    for (size_t i = 0; i < sizeof hash; i++)
        h = h << 8 | hash[i];
    return (size_t)(h & (t->capacity - 1));
}

/* The slot holding key, or the empty slot where it would go. Never loops forever: the table
 * is at most three quarters full. */
static struct peer *probe(struct peer_table *t, const struct peer_key *key)
{
    size_t i = home_slot(t, key);
    while (t->slots[i].used && memcmp(t->slots[i].key.bytes, key->bytes, PEER_KEY_BYTES) != 0)
        i = (i + 1) & (t->capacity - 1);
    return &t->slots[i];
}

struct peer *peer_table_find(struct peer_table *table, const struct peer_key *key)
{
    struct peer *slot = probe(table, key);
    return slot->used ? slot : NULL;
}

struct peer *peer_table_get(struct peer_table *table, const struct peer_key *key)
{
    struct peer *slot = probe(table, key);
    if (slot->used)
        return slot;
    if (table->used + 1 > table->capacity / 4 * 3)
        return &table->overflow;
    memset(slot, 0, sizeof *slot);
    slot->key = *key;
    slot->used = true;
    table->used++;
    return slot;
}

bool peer_table_is_overflow(const struct peer_table *table, const struct peer *peer)
{
    return peer == &table->overflow;
}

struct peer *peer_table_overflow(struct peer_table *table)
{
    return &table->overflow;
}

static bool holds_nothing(const struct peer *p, int64_t now_ms)
{
    return p->connections == 0 && rate_bucket_full(&p->requests, now_ms);
}

void peer_table_prune(struct peer_table *table, int64_t now_ms)
{
    size_t live = 0, idle = 0;
    for (size_t i = 0; i < table->capacity; i++) {
        if (!table->slots[i].used)
            continue;
        if (holds_nothing(&table->slots[i], now_ms))
            idle++;
        else
            table->scratch[live++] = table->slots[i];
    }
    if (idle == 0)
        return;
    memset(table->slots, 0, table->capacity * sizeof *table->slots);
    for (size_t i = 0; i < live; i++)
        *probe(table, &table->scratch[i].key) = table->scratch[i];
    table->used = live;
}

size_t peer_table_used(const struct peer_table *table)
{
    return table->used;
}
