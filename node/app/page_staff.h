/* Petugas, the post's staff (page_staff.c): everyone sees who may sign in; the post's head
 * adds staff and resets a forgotten passphrase, each time with a one-time passphrase shown
 * once (never a default one). */
#ifndef PAGE_STAFF_H
#define PAGE_STAFF_H

#include "app/post_internal.h"

extern const char *const PAGE_STAFF_ADD_FIELDS[3];
extern const char *const PAGE_STAFF_RESET_FIELDS[2];

/* GET /staff */
int page_staff(struct post_exchange *x, const struct web_form *form);
/* POST /staff/add (head): name, role. */
int page_staff_add(struct post_exchange *x, const struct web_form *form);
/* POST /staff/reset (head): name; that staff member's sessions end. */
int page_staff_reset(struct post_exchange *x, const struct web_form *form);

#endif
