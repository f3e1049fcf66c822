/* Sinkronisasi, the post app's sync page (page_sync.c). */
#ifndef PAGE_SYNC_H
#define PAGE_SYNC_H

#include "app/post_internal.h"

extern const char *const PAGE_SYNC_NOW_FIELDS[1];
extern const char *const PAGE_SYNC_ENROLL_FIELDS[2];
/* The uploaded bundle's form field. */
#define PAGE_SYNC_BUNDLE_FIELD "bundle"

/* GET /sync: the state of the link in plain words, the last success, pending and set-aside
 * changes with the reason, the device's name and village, "Sinkronkan sekarang", and the
 * enrollment form while the post has no bundle. */
int page_sync(struct post_exchange *x, const struct web_form *form);
/* POST /sync/now: wakes the sync loop, back to /sync. */
int page_sync_now(struct post_exchange *x, const struct web_form *form);
/* POST /sync/enroll (multipart): saves an uploaded bundle, as sae-node enroll does. */
int page_sync_enroll(struct post_exchange *x, const struct web_form *form);
/* Reads the uploaded bundle (form->upload) and saves it as sae-node enroll does, waking the
 * sync loop: 0; SAE_EINVAL or SAE_EEXIST with why saying why it was refused; store errors. */
int page_sync_save_bundle(struct post_exchange *x, const struct web_form *form,
                          struct sae_message *why);
/* Opens a multipart form posting to action with the CSRF token and the bundle's file input;
 * the caller ends it (post_form_end). */
void page_sync_bundle_form_begin(struct html *h, const struct post_exchange *x,
                                 const char *action);
/* The "Sinkronkan sekarang" form (for Beranda too). */
void page_sync_now_form(struct html *h, const struct post_exchange *x);

#endif
