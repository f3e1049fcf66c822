/* Values opened with the storage key, kept by a long-running reader (the post app) so that a
 * search does not open every name and narrative again: opening is one X25519 per value
 * (bench_post_app). Keyed by a BLAKE2b-128 of the stored (sealed) text, which differs for
 * every seal. The values live in one arena of secure memory (sae_secure_mem.h: locked out
 * of swap where the system allows, never in a core dump) that doubles as it fills, from
 * 256 KiB up to OPENED_CACHE_ARENA_MAX_BYTES. Only a reader holding a lent key uses it
 * (value_seal.c), and its owner wipes it when no session holds a key any more
 * (post_app_sweep) and at close: opened values stay in memory no longer than some signed-in
 * staff member could read them. At most OPENED_CACHE_MAX values and
 * OPENED_CACHE_ARENA_MAX_BYTES of them; the cache is wiped whole when either is full. Not
 * thread-safe: its store's owner serialises use (the app's lock). */
#ifndef NODE_OPENED_CACHE_H
#define NODE_OPENED_CACHE_H

#include <stddef.h>

#define OPENED_CACHE_MAX 65536u
#define OPENED_CACHE_ARENA_MAX_BYTES (32u * 1024u * 1024u)

struct opened_cache;

int opened_cache_create(struct opened_cache **out);
/* Wipes every value and frees the cache. NULL allowed. */
void opened_cache_destroy(struct opened_cache *cache);
/* Wipes every value. */
void opened_cache_clear(struct opened_cache *cache);
/* The opened value of stored, or NULL; valid until the next put or clear. */
const char *opened_cache_get(const struct opened_cache *cache, const char *stored);
/* Keeps a copy of plain for stored. SAE_ENOMEM; SAE_ETOOBIG for a value (with its NUL) over
 * OPENED_CACHE_ARENA_MAX_BYTES. */
int opened_cache_put(struct opened_cache *cache, const char *stored, const char *plain);
/* How many values it holds (tests). */
size_t opened_cache_count(const struct opened_cache *cache);

#endif
