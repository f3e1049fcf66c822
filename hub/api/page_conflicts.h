/* The conflicts queue in the console (GET /console/conflicts) and a coordinator's decision
 * (POST /console/conflicts/decide): keep a candidate, enter a value, unset, or dismiss, with
 * a note; refused with 409 and the conflict as it is now when it changed since the page
 * was loaded (the candidates the page showed travel in its "seen" field). */
#ifndef HUB_PAGE_CONFLICTS_H
#define HUB_PAGE_CONFLICTS_H

#include "api/console_layout.h"

int page_conflicts(struct console_exchange *x, const struct web_form *form);
int page_conflict_decide(struct console_exchange *x, const struct web_form *form);

/* A coordinator's decision as the page's form and the API's body give it (texts, NULL when
 * absent): checked, applied through merge_resolve_seen / merge_dismiss, audited.
 * SAE_EINVAL (*conflict still 0 when the request itself is malformed; why), SAE_ECHANGED,
 * SAE_EEXIST, SAE_ENOTFOUND as merge.h's; *conflict is the number once it was read. */
struct conflict_decision {
    const char *conflict, *seen, *action, *value, *note;
};
int conflict_decision_apply(struct console_exchange *x, const struct conflict_decision *d,
                            int64_t *conflict, struct sae_message *why);

#endif
