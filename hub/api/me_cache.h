/* The console's monitoring and evaluation reports, computed once per (period, area, day,
 * version of what the figures count: store/me_facts.h) and shared by every request that
 * asks for the same: one visit of the M&E page asks for its report a dozen times (the
 * page, then each chart image, then the CSV downloads), and the office reloads it.
 * Thread-safe; a miss is computed outside the lock. */
#ifndef HUB_ME_CACHE_H
#define HUB_ME_CACHE_H

#include "store/hub_store.h"
#include "store/me_stats.h"

/* Reports kept: a few people looking at a few periods each. */
#define ME_CACHE_ENTRIES 8

struct me_cache;

int me_cache_create(struct me_cache **out);
void me_cache_destroy(struct me_cache *cache);

/* The report of filter, as me_report_load gives it (the facts brought up to date first):
 * a copy of the one kept when nothing it counts has changed since. Free it with
 * me_report_free; its filter is filter. */
int me_cache_load(struct me_cache *cache, struct hub_store *store,
                  const struct me_filter *filter, struct me_report *out);

#endif
