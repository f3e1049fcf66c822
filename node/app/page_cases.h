/* Daftar kasus, the post's list of cases (page_cases.c). */
#ifndef PAGE_CASES_H
#define PAGE_CASES_H

#include "app/post_internal.h"

/* GET /cases?q=&status=&risk=&from=&to=&offset=: the search and filter form (a plain GET
 * form, values kept) and one page of matching cases with the total and previous / next
 * links; a filter that cannot be read answers 400 with the form and a line saying which. */
int page_cases(struct post_exchange *x, const struct web_form *form);

#endif
