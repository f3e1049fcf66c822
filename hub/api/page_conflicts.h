/* The conflicts queue in the console (GET /console/conflicts) and a coordinator's decision
 * (POST /console/conflicts/decide): keep a candidate, enter a value, unset, or dismiss, with
 * a note; refused with 409 and the conflict as it is now when it changed since the page
 * was loaded (the candidates the page showed travel in its "seen" field). */
#ifndef HUB_PAGE_CONFLICTS_H
#define HUB_PAGE_CONFLICTS_H

#include "api/console_layout.h"

int page_conflicts(struct console_exchange *x, const struct web_form *form);
int page_conflict_decide(struct console_exchange *x, const struct web_form *form);

#endif
