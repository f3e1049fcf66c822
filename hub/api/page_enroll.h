/* Enrolling devices from the console (admins; roles are checked by console_doors.c): the
 * form on the Posts page, making a bundle as `sae-hub nodes add` does, its one download (the
 * token is made then and only its hash kept: a second download is refused, 409), and
 * cancelling a bundle not used yet. Each action is audited (node-enroll, bundle-download,
 * bundle-cancel, target "bundle ID"). */
#ifndef HUB_PAGE_ENROLL_H
#define HUB_PAGE_ENROLL_H

#include "api/console_internal.h"
#include "app/html.h"

/* The enrollment form (or, when serve has no --url, the line that says how to give it). */
int page_enroll_form(struct html *h, struct console_exchange *x);
/* The download and cancel buttons of a bundle row (bundle_id, downloadable: never
 * downloaded). */
void page_enroll_bundle_actions(struct html *h, const struct console_exchange *x,
                                const char *bundle_id, bool downloadable);

/* POST /console/posts/enroll (csrf, name, village, days) */
int page_enroll(struct console_exchange *x, const struct web_form *form);
/* POST /console/posts/bundle (csrf, bundle): the bundle as a file, once */
int page_enroll_download(struct console_exchange *x, const struct web_form *form);
/* POST /console/posts/cancel (csrf, bundle) */
int page_enroll_cancel(struct console_exchange *x, const struct web_form *form);
/* POST /api/v1/posts/enroll {"name", "village", "days"}, /api/v1/posts/bundle {"bundle"},
 * /api/v1/posts/cancel {"bundle"} */
int api_enroll(struct console_exchange *x, const struct web_form *form);
int api_enroll_download(struct console_exchange *x, const struct web_form *form);
int api_enroll_cancel(struct console_exchange *x, const struct web_form *form);

#endif
