/* The cases that need the post's action, for the post app's Beranda, read from the journal's
 * current state (as the post shows it: the district's standing values while it reviews):
 *   ATTENTION_HIGH_RISK        an open case of high risk with no service dated in the last
 *                              ATTENTION_SERVICE_DAYS days;
 *   ATTENTION_STAY_OVERDUE     a shelter stay not discharged whose planned end has passed;
 *   ATTENTION_REFERRAL_WAITING a referral still "sent" (no answer yet);
 *   ATTENTION_UNDER_REVIEW     a field of the case or of its events the district reviews;
 *   ATTENTION_SET_ASIDE        an own change of the case or its events the district set
 *                              aside.
 * Deleted reports never count; closed cases count only for the last three. */
#ifndef NODE_ATTENTION_H
#define NODE_ATTENTION_H

#include <stddef.h>

#include "sae/sae_id.h"
#include "store/node_store.h"

#define ATTENTION_SERVICE_DAYS 7
/* The most items attention_list gives (the rest are counted in *more). */
#define ATTENTION_ITEMS_MAX 200u
#define ATTENTION_NUMBER_BYTES 33u

enum attention_reason {
    ATTENTION_HIGH_RISK,
    ATTENTION_STAY_OVERDUE,
    ATTENTION_REFERRAL_WAITING,
    ATTENTION_UNDER_REVIEW,
    ATTENTION_SET_ASIDE,
};

struct attention_item {
    char case_id[SAE_ID_TEXT_LEN + 1];
    char number[ATTENTION_NUMBER_BYTES]; /* the case's registration number, "" if none */
    enum attention_reason reason;
};

typedef int (*attention_visit_fn)(const struct attention_item *item, void *context);

/* Visits the items in reason order, then case order, one per case and reason, at most
 * ATTENTION_ITEMS_MAX; *more counts those left out. today: the post's date (YYYY-MM-DD). */
int attention_list(struct node_store *store, const char *today, attention_visit_fn visit,
                   void *context, size_t *more);

#endif
