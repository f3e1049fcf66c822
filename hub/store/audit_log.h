/* Reading the audit log (store/hub_accounts.h writes it) for the console's audit page: the
 * newest rows first, filtered by who, what and when, a page at a time. Rows hold no
 * sensitive value (hub_audit_append's rule), so they are shown as stored. */
#ifndef AUDIT_LOG_H
#define AUDIT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"

/* Most rows one read returns (one page of the console). */
#define AUDIT_PAGE_ROWS 200u

struct audit_filter {
    const char *actor;  /* exact account name, or NULL */
    const char *action; /* exact action ("sign-in"...), or NULL */
    const char *target; /* a part of the target, or NULL */
    int64_t before_seq; /* rows older than this one (paging); 0: from the newest */
    size_t limit;       /* 1..AUDIT_PAGE_ROWS + 1 (a page and whether there are more) */
};

struct audit_row {
    int64_t seq, at_ms;
    const char *actor, *action, *target, *address; /* valid during the visit */
};

typedef int (*audit_visit_fn)(const struct audit_row *row, void *context);
/* Calls visit for each row matching filter, newest first; stops at visit's first non-zero
 * result and returns it. SAE_EINVAL for a limit out of its range. */
int audit_log_read(struct hub_store *store, const struct audit_filter *filter,
                   audit_visit_fn visit, void *context);

#endif
