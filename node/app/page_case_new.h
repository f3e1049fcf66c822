/* Kasus baru: the case form generated from the catalogue (report_form_html.h); a post with
 * any wrong field comes back with what was typed and each problem beside its field, and
 * nothing is saved until all is valid; a saved case opens its case file. */
#ifndef PAGE_CASE_NEW_H
#define PAGE_CASE_NEW_H

#include "app/post_internal.h"

#define PAGE_CASE_NEW_PATH "/case/new"

int page_case_new(struct post_exchange *x, const struct web_form *form);
int page_case_new_post(struct post_exchange *x, const struct web_form *form);

#endif
