/* The one page a revoked device shows (issue 13, P4): whatever is asked, Beranda and
 * Sinkronisasi included, the post app says in the staff's language that the district revoked
 * this device on DATE, that survivors' data on it was wiped, and to contact the district.
 * Nothing else is served but assets and the language switch. */
#ifndef PAGE_REVOKED_H
#define PAGE_REVOKED_H

#include "app/post_internal.h"
#include "store/node_wipe.h"

/* Answers 403 with the page. */
int page_revoked(struct post_exchange *x, const struct node_wipe_state *state);

#endif
