/* The console's reports list (GET /console/reports) and its exports (GET /console/export):
 * the filters of store/case_list.h read from the query, shared by the pages and the API. */
#ifndef HUB_PAGE_REPORTS_H
#define HUB_PAGE_REPORTS_H

#include "api/console_layout.h"
#include "sae/sae_area.h"
#include "store/case_list.h"

/* Test-only (README, "Test-only settings"): when set to 1..NAME_INDEX_CATCH_UP_VALUES in
 * serve's environment, a coordinator's search catches the name index up by that many values
 * at most, so that a test can see a search that has catching up left. */
#define PAGE_REPORTS_ENV_CHUNK "SAE_TEST_NAME_INDEX_CHUNK"

/* The query's filters, with the buffers their texts live in. */
struct report_filter {
    char kind[24], kecamatan[SAE_AREA_CODE_BYTES], village[SAE_AREA_CODE_BYTES];
    char village_text[WEB_QUERY_BYTES], status[32], risk[16], violence[32], from[16], to[16];
    char conflict[8], review[16], text[WEB_QUERY_BYTES], sort[16], offset[16];
    struct hub_list_query query;
};
/* Reads the filters of the request's query. SAE_EINVAL with why (English, one line) for a
 * value no filter takes; SAE_ENOTFOUND etc. from resolving the village. */
int report_filter_read(struct console_exchange *x, struct report_filter *f,
                       struct sae_message *why);

/* The filters and the page of the list they give (store/case_list.h's errors). */
int report_list_load(struct console_exchange *x, struct report_filter *f,
                     struct hub_list_page *page, struct sae_message *why);

int page_reports(struct console_exchange *x, const struct web_form *form);
int page_export(struct console_exchange *x, const struct web_form *form);

#endif
