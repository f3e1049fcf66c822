/* Possible duplicates in the console (GET /console/duplicates): pairs of cases that likely
 * describe one survivor, graded; a coordinator links a pair as one survivor or marks it as
 * two people (POST /console/duplicates/decide), never merged. Names are compared only
 * through their keyed hashes (store/dup_name.h), and the name signals are shown only to a
 * coordinator. */
#ifndef HUB_PAGE_DUPLICATES_H
#define HUB_PAGE_DUPLICATES_H

#include "api/console_layout.h"

int page_duplicates(struct console_exchange *x, const struct web_form *form);
int page_duplicates_decide(struct console_exchange *x, const struct web_form *form);

#endif
