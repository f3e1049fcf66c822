/* The post's list of cases (Daftar kasus): live cases, newest first, narrowed by status,
 * risk, intake period and a search term, one page at a time with the total. The search
 * runs in node.db only: names never leave the post but in the sealed sync. The term is
 * matched as a plain substring (instr, not LIKE: % _ ' and " in it mean themselves),
 * without ASCII case, in the victim's name, the narrative and the registration number.
 * Values are those the post shows (field_shown: the hub's standing value while the
 * district reviews a field); the search also matches the post's own latest value of a field
 * under review. */
#ifndef CASE_SEARCH_H
#define CASE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "store/node_store.h"
#include "sae/sae_id.h"

/* Longest search term (bytes of UTF-8, after trimming spaces). */
#define CASE_SEARCH_TERM_MAX 100
/* Rows of one page, and the furthest offset a page may start at. */
#define CASE_SEARCH_PAGE_ROWS 50
#define CASE_SEARCH_OFFSET_MAX 1000000

/* The filters as people give them (NULL or "" for none). status and risk take a code or a
 * label ("tinggi"), dates YYYY-MM-DD or DD-MM-YYYY. */
struct case_search_query {
    const char *term;
    const char *status;
    const char *risk;
    const char *from; /* intake on or after */
    const char *to;   /* intake on or before */
    size_t offset;
};

/* One listed case; every text "" when the case has no value. */
struct case_search_row {
    char id[SAE_ID_TEXT_LEN + 1];
    char registration[40];
    char name[204];
    char status[24];
    char risk[16];
    char intake_date[16];
};

struct case_search_page {
    struct case_search_row rows[CASE_SEARCH_PAGE_ROWS];
    size_t count;
    int64_t total; /* cases matching, across every page */
};

/* Fills *out with the page of query. SAE_EINVAL with why (naming the filter and what it
 * takes) for a term past CASE_SEARCH_TERM_MAX or not UTF-8, a status, risk or date the
 * catalogue does not accept, or an offset past CASE_SEARCH_OFFSET_MAX; *out untouched on
 * failure. */
int case_search(struct node_store *store, const struct case_search_query *query,
                struct case_search_page *out, struct sae_message *why);

#endif
