/* Erasing a report's sensitive values at a survivor's request (store/erasure.h): the
 * confirmation page (GET /console/case/erase?id=ID) with the reason asked, and the erasure
 * (POST /console/case/erase: id, reason, csrf), coordinators only. */
#ifndef HUB_PAGE_ERASE_H
#define HUB_PAGE_ERASE_H

#include "api/console_layout.h"

int page_case_erase_confirm(struct console_exchange *x, const struct web_form *form);
int page_case_erase(struct console_exchange *x, const struct web_form *form);

#endif
