/* M&E reports kept per query and version (me_cache.h). */
#include "api/me_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_area.h"
#include "sae/sae_derived.h"
#include "store/me_facts.h"

/* What makes two reports equal: the period, the area, today (open shelter stays are
 * counted to it) and the version of the facts. */
struct me_key {
    char from[ME_MONTH_BYTES], to[ME_MONTH_BYTES];
    char kecamatan[SAE_AREA_CODE_BYTES], village[SAE_AREA_CODE_BYTES];
    char today[11];
    int64_t version;
};

struct me_entry {
    bool used;
    struct me_key key;
    struct me_report report;
};

struct me_cache {
    pthread_mutex_t lock;
    struct me_entry entries[ME_CACHE_ENTRIES];
    size_t next; /* the slot a new report takes: the oldest */
};

int me_cache_create(struct me_cache **out)
{
    struct me_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache);
        return SAE_ENOMEM;
    }
    *out = cache;
    return 0;
}

void me_cache_destroy(struct me_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < ME_CACHE_ENTRIES; i++)
        if (cache->entries[i].used)
            me_report_free(&cache->entries[i].report);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

/* SAE_ERANGE for an area code longer than any of the list (never kept). */
static int make_key(const struct me_filter *filter, int64_t version, struct me_key *key)
{
    memset(key, 0, sizeof *key);
    memcpy(key->from, filter->from, sizeof key->from);
    memcpy(key->to, filter->to, sizeof key->to);
    if ((filter->kecamatan && strlen(filter->kecamatan) >= sizeof key->kecamatan) ||
        (filter->village && strlen(filter->village) >= sizeof key->village))
        return SAE_ERANGE;
    snprintf(key->kecamatan, sizeof key->kecamatan, "%s",
             filter->kecamatan ? filter->kecamatan : "");
    snprintf(key->village, sizeof key->village, "%s", filter->village ? filter->village : "");
    sae_date_today(filter->now_ms, key->today);
    key->version = version;
    return 0;
}

static bool key_equal(const struct me_key *a, const struct me_key *b)
{
    return a->version == b->version && strcmp(a->from, b->from) == 0 &&
           strcmp(a->to, b->to) == 0 && strcmp(a->kecamatan, b->kecamatan) == 0 &&
           strcmp(a->village, b->village) == 0 && strcmp(a->today, b->today) == 0;
}

/* A copy of the kept report of key; SAE_ENOTFOUND when none is kept. */
static int copy_kept(struct me_cache *cache, const struct me_key *key, struct me_report *out)
{
    int rc = SAE_ENOTFOUND;
    pthread_mutex_lock(&cache->lock);
    for (size_t i = 0; i < ME_CACHE_ENTRIES && rc == SAE_ENOTFOUND; i++)
        if (cache->entries[i].used && key_equal(&cache->entries[i].key, key))
            rc = me_report_copy(&cache->entries[i].report, out);
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

/* Keeps a copy of report under key, in place of the oldest. A copy that cannot be made is
 * not kept: the next request computes again. */
static void keep(struct me_cache *cache, const struct me_key *key, const struct me_report *report)
{
    struct me_report copy;
    if (me_report_copy(report, &copy) != 0)
        return;
    copy.filter.kecamatan = copy.filter.village = NULL; /* the request's memory */
    pthread_mutex_lock(&cache->lock);
    struct me_entry *slot = &cache->entries[cache->next];
    if (slot->used)
        me_report_free(&slot->report);
    slot->used = true;
    slot->key = *key;
    slot->report = copy;
    cache->next = (cache->next + 1) % ME_CACHE_ENTRIES;
    pthread_mutex_unlock(&cache->lock);
}

int me_cache_load(struct me_cache *cache, struct hub_store *store,
                  const struct me_filter *filter, struct me_report *out)
{
    struct me_key key;
    int64_t version = 0;
    /* The version read before the report: a report kept under it is never older than it. */
    int rc = me_facts_refresh(store, NULL);
    if (rc == 0)
        rc = me_facts_version(store, &version);
    if (rc != 0)
        return rc;
    bool keyed = make_key(filter, version, &key) == 0;
    rc = keyed ? copy_kept(cache, &key, out) : SAE_ENOTFOUND;
    if (rc == 0) {
        out->filter = *filter;
        return 0;
    }
    if (rc != SAE_ENOTFOUND)
        return rc;
    rc = me_report_load(store, filter, out);
    if (rc == 0 && keyed)
        keep(cache, &key, out);
    return rc;
}
