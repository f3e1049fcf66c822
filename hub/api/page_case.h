/* A case file in the console (GET /console/case?id=ID), its reveal of sensitive fields, a
 * coordinator's edit with a reason and the review state with a note (POST
 * /console/case/{reveal,edit,review}). Every open and every reveal is audited. */
#ifndef HUB_PAGE_CASE_H
#define HUB_PAGE_CASE_H

#include "api/console_layout.h"

/* The id a request names (query or form), canonical; *found false after answering 404. */
int page_case_id(struct console_exchange *x, const char *given, char id[SAE_ID_TEXT_LEN + 1],
                 bool *found);

int page_case(struct console_exchange *x, const struct web_form *form);
int page_case_reveal(struct console_exchange *x, const struct web_form *form);
int page_case_edit(struct console_exchange *x, const struct web_form *form);
int page_case_review(struct console_exchange *x, const struct web_form *form);

#endif
