/* Reads of the audit log for the console: who has opened a report's case file. */
#ifndef HUB_AUDIT_READ_H
#define HUB_AUDIT_READ_H

#include <stdint.h>

#include "store/hub_store.h"

/* Most distinct people listed as having opened one case file. */
#define HUB_AUDIT_OPENERS_MAX 50

/* Visits each account that did action ("case-open") on target, newest first, with the
 * time of its last one and how many; stops at the first non-zero return of visit. */
typedef int (*hub_audit_opener_fn)(const char *actor, int64_t last_ms, int64_t count,
                                   void *context);
int hub_audit_openers(struct hub_store *store, const char *action, const char *target,
                      hub_audit_opener_fn visit, void *context);

#endif
