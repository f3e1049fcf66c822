/* Enrolling again from the post app (page_reenroll.c): a post that has a bundle takes a new
 * one of the same hub, as `sae-node enroll BUNDLE` does, after a confirmation. */
#ifndef PAGE_REENROLL_H
#define PAGE_REENROLL_H

#include "app/post_internal.h"

#define PAGE_REENROLL_PATH "/sync/re-enroll"
/* The confirmation's checkbox, and the value it posts. */
#define PAGE_REENROLL_CONFIRM_FIELD "confirm"
#define PAGE_REENROLL_CONFIRM_VALUE "replace"

extern const char *const PAGE_REENROLL_FIELDS[3];

/* GET /sync/re-enroll: what the post is enrolled as now, what enrolling again does, and the
 * form: the new bundle file and a box to tick to confirm. A post without a bundle goes to
 * /sync, whose form enrolls it. */
int page_reenroll(struct post_exchange *x, const struct web_form *form);
/* POST /sync/re-enroll (multipart): without the ticked box, 400 and nothing changed; a bundle
 * refused (another village, another hub, not a bundle), 400 with why and nothing changed;
 * else the new bundle is saved and the sync loop woken, back to /sync. */
int page_reenroll_post(struct post_exchange *x, const struct web_form *form);

#endif
