/* The console's Posts page and its endpoints: every device of the district's posts (name,
 * village, state, last contact, last batch, last change received, what the post had not
 * sent as of its last pull, what the hub holds of it, clock offset, program version) and the
 * enrollment bundles not used yet; an admin revokes a device after a confirmation step, and
 * enrolls devices and cancels bundles through page_enroll.h. Roles are checked by
 * console_doors.c before these run. */
#ifndef HUB_PAGE_POSTS_H
#define HUB_PAGE_POSTS_H

#include "api/console_internal.h"

/* GET /console/posts */
int page_posts(struct console_exchange *x, const struct web_form *form);
/* POST /console/posts/grant (id): a coordinator whose session holds the district key grants
 * the device the current sensitive values of its village it holds no copy of (api/grant.h). */
int page_posts_grant(struct console_exchange *x, const struct web_form *form);
/* GET /console/posts/revoke?id=HEX: the confirmation step. */
int page_posts_revoke_confirm(struct console_exchange *x, const struct web_form *form);
/* POST /console/posts/revoke (csrf, id) */
int page_posts_revoke(struct console_exchange *x, const struct web_form *form);
/* GET /api/v1/posts, POST /api/v1/posts/revoke {"id"} */
int api_posts(struct console_exchange *x, const struct web_form *form);
int api_posts_revoke(struct console_exchange *x, const struct web_form *form);

#endif
