/* Sign-in throttling in memory (throttle.h). */
#include "app/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct throttle_key {
    uint8_t hash[16];
    int64_t window_start;
    unsigned failures;
    unsigned limit; /* failures that lock this key: a name's or an address's */
    bool used;
};

struct throttle {
    pthread_mutex_t lock;
    uint8_t salt[crypto_shorthash_KEYBYTES];
    struct throttle_key keys[THROTTLE_KEYS_MAX];
};

int throttle_create(struct throttle **out)
{
    struct throttle *t = calloc(1, sizeof *t);
    if (!t)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return SAE_ENOMEM;
    }
    randombytes_buf(t->salt, sizeof t->salt);
    *out = t;
    return 0;
}

void throttle_destroy(struct throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    sodium_memzero(t, sizeof *t);
    free(t);
}

/* kind separates names from addresses ("n" / "a"): a name never counts for an address. */
static void key_hash(const struct throttle *t, char kind, const char *text, uint8_t out[16])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, t->salt, sizeof t->salt, 16);
    crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
    crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&st, out, 16);
}

static bool locks(const struct throttle_key *k)
{
    return k->used && k->failures >= k->limit;
}

/* Which key a new one takes the place of: a free one, else the oldest that locks nothing,
 * else the oldest. A flood of fresh names and addresses (one failure each, from many
 * addresses) so never pushes out the window of an account it is guessing at; only a key that
 * locks gives way to another that locks. */
static bool gives_way_before(const struct throttle_key *k, const struct throttle_key *other)
{
    if (!k->used || !other->used)
        return !k->used && other->used;
    if (locks(k) != locks(other))
        return !locks(k);
    return k->window_start < other->window_start;
}

static struct throttle_key *find(struct throttle *t, const uint8_t hash[16], unsigned limit,
                                 bool add, int64_t now_s)
{
    struct throttle_key *victim = NULL;
    for (unsigned i = 0; i < THROTTLE_KEYS_MAX; i++) {
        struct throttle_key *k = &t->keys[i];
        if (k->used && now_s - k->window_start >= THROTTLE_WINDOW_SECONDS)
            k->used = false;
        if (k->used && memcmp(k->hash, hash, 16) == 0)
            return k;
        if (!victim || gives_way_before(k, victim))
            victim = k;
    }
    if (!add)
        return NULL;
    memset(victim, 0, sizeof *victim);
    memcpy(victim->hash, hash, 16);
    victim->window_start = now_s;
    victim->limit = limit;
    victim->used = true;
    return victim;
}

static int64_t wait_of(struct throttle *t, char kind, const char *text, unsigned limit,
                       int64_t now_s)
{
    uint8_t hash[16];
    key_hash(t, kind, text, hash);
    struct throttle_key *k = find(t, hash, limit, false, now_s);
    if (!k || k->failures < limit)
        return 0;
    return k->window_start + THROTTLE_WINDOW_SECONDS - now_s;
}

int64_t throttle_wait(struct throttle *t, const char *name, const char *address, int64_t now_s)
{
    pthread_mutex_lock(&t->lock);
    int64_t by_name = wait_of(t, 'n', name, THROTTLE_NAME_FAILURES, now_s);
    int64_t by_address = wait_of(t, 'a', address, THROTTLE_ADDRESS_FAILURES, now_s);
    pthread_mutex_unlock(&t->lock);
    return by_name > by_address ? by_name : by_address;
}

static void count_failure(struct throttle *t, char kind, const char *text, unsigned limit,
                          int64_t now_s)
{
    uint8_t hash[16];
    key_hash(t, kind, text, hash);
    struct throttle_key *k = find(t, hash, limit, true, now_s);
    k->failures++;
}

void throttle_failed(struct throttle *t, const char *name, const char *address, int64_t now_s)
{
    pthread_mutex_lock(&t->lock);
    count_failure(t, 'n', name, THROTTLE_NAME_FAILURES, now_s);
    count_failure(t, 'a', address, THROTTLE_ADDRESS_FAILURES, now_s);
    pthread_mutex_unlock(&t->lock);
}

void throttle_succeeded(struct throttle *t, const char *name, int64_t now_s)
{
    uint8_t hash[16];
    pthread_mutex_lock(&t->lock);
    key_hash(t, 'n', name, hash);
    struct throttle_key *k = find(t, hash, THROTTLE_NAME_FAILURES, false, now_s);
    if (k)
        k->used = false;
    pthread_mutex_unlock(&t->lock);
}
