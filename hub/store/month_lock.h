/* Month locks: a coordinator approves a month's figures and locks them. The figures as
 * approved are stored (every row of every figure of store/me_stats.h for the month, the
 * whole district, and the totals as the figure "totals": counted, left_out, linked); later
 * edits to the month's cases never change them silently: they show as revisions, each row
 * whose count now differs from the locked one. Owns month_lock and month_figure. */
#ifndef MONTH_LOCK_H
#define MONTH_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"
#include "store/me_stats.h"

#define MONTH_TOTALS_FIGURE "totals"

struct month_lock_info {
    char month[ME_MONTH_BYTES];
    char locked_by[SAE_LIMIT_PERSON_BYTES + 1];
    int64_t locked_ms;
};

/* A row of a locked month whose count changed: locked (0 when the row is new) and now (0
 * when it is gone). */
struct month_revision {
    char *figure, *key, *sub;
    int64_t locked, now;
};

/* Locks month (YYYY-MM) by by at now_ms, storing its figures. SAE_EINVAL when the month is
 * not over yet (it ends at midnight WIB after its last day) or is not one, SAE_EEXIST when
 * locked already (why says by whom). */
int month_lock(struct hub_store *store, const char *month, const char *by, int64_t now_ms,
               struct sae_message *why);
/* Whether month is locked: 0 and *out, or SAE_ENOTFOUND. */
int month_lock_get(struct hub_store *store, const char *month, struct month_lock_info *out);
/* Visits every locked month, newest first. */
typedef int (*month_lock_visit_fn)(const struct month_lock_info *info, void *context);
int month_lock_list(struct hub_store *store, month_lock_visit_fn visit, void *context);
/* The rows of a locked month's figures that differ now (facts refreshed first), by
 * figure, key, sub. SAE_ENOTFOUND when month is not locked. */
int month_revisions(struct hub_store *store, const char *month, int64_t now_ms,
                    struct month_revision **out, size_t *count);
void month_revisions_free(struct month_revision *revisions, size_t count);

#endif
