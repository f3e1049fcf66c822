/* The case file's form posts (page_case.h): the case's edit and deletion, and its events'
 * forms (a new service, shelter stay or referral; a stay's extension or discharge; a
 * referral's status). A form with problems shows its page again, the form open with what was
 * typed and each problem beside its field; nothing is written until all is valid. */
#ifndef PAGE_CASE_POST_H
#define PAGE_CASE_POST_H

#include "app/post_internal.h"

int page_case_edit_post(struct post_exchange *x, const struct web_form *form);
int page_case_delete_post(struct post_exchange *x, const struct web_form *form);
int page_case_event_post(struct post_exchange *x, const struct web_form *form);

#endif
