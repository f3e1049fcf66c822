/* The reports that belong to a case (services, shelter stays, referrals: every kind whose
 * case_id names it), in the order they were recorded. */
#ifndef CASE_EVENTS_H
#define CASE_EVENTS_H

#include "store/report_read.h"

/* Calls visit for each live report whose case_id is case_id (canonical), oldest first;
 * stops at the first non-zero return of visit and returns it. */
int case_events_list(struct node_store *store, const char *case_id, report_visit_fn visit,
                     void *context);

#endif
