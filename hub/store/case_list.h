/* The console's reports list: filtered, sorted, paged, with the total of the filter, from
 * report_summary (store/hub_summary.h). Counts and the "has conflict" filter use the
 * conflicts queue's own criterion (store/conflict_queue.h). Read only; no sensitive value
 * is read or returned; names are matched only through the blind index's tokens a
 * coordinator's session made (store/name_index.h). */
#ifndef CASE_LIST_H
#define CASE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"
#include "store/name_index.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"

/* Most rows of one page, furthest row a page may start at, longest free text. */
#define HUB_LIST_PAGE_MAX 200
#define HUB_LIST_OFFSET_MAX 1000000
#define HUB_LIST_TEXT_MAX 100

enum hub_list_sort {
    HUB_LIST_BY_DATE,         /* the kind's date (a case's intake date), newest first */
    HUB_LIST_BY_UPDATED,      /* the newest version among its values, newest first */
    HUB_LIST_BY_VILLAGE,      /* village code, then date, newest first */
    HUB_LIST_BY_REGISTRATION, /* registration number, ascending */
};

/* Review states of a case (store/case_review.h); HUB_REVIEW_NONE: never reviewed. */
#define HUB_REVIEW_NONE "none"

/* NULL members and has_conflict < 0 match everything. Codes and dates are given as people
 * type them (labels, aliases, DD-MM-YYYY) and checked against the catalogue. */
struct hub_list_query {
    const char *kind;        /* a kind name; NULL: every kind */
    const char *kecamatan;   /* a kecamatan code (level 3) */
    const char *village;     /* a village code (level 4) */
    const char *status;      /* a case's status, or a referral's referral_status */
    const char *risk;        /* risk_level */
    const char *violence;    /* one element of violence_types */
    const char *from, *to;   /* the kind's date, inclusive */
    int has_conflict;        /* 1: with a queued conflict; 0: without; -1: either */
    const char *review;      /* received, has_issues, approved or "none" */
    const char *text;        /* part of a registration number or a village's name, or an id
                                prefix; never a sensitive field */
    /* A coordinator's search: the text's words as the name index's tokens
     * (name_index_query_tokens); a report whose names hold every one matches too. */
    const uint8_t (*name_tokens)[NAME_INDEX_TOKEN_BYTES];
    size_t name_token_count;     /* 0..NAME_INDEX_QUERY_WORDS; 0: names are not searched */
    bool include_deleted;
    enum hub_list_sort sort;
    size_t offset, limit;    /* limit 1..HUB_LIST_PAGE_MAX */
};

struct hub_list_row {
    char id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind;
    char *village;
    char *village_name;      /* NULL: not in the list of areas */
    char *date;              /* the kind's date, NULL when unset */
    char *status, *risk, *registration, *violence; /* NULL when unset; violence "a,b" */
    sae_hlc updated;
    bool deleted;
    int64_t open_conflicts;  /* queued conflicts: the same count the queue shows */
    char *review;            /* the last review state, NULL: never reviewed */
};

struct hub_list_page {
    struct hub_list_row *rows;
    size_t count;
    int64_t total;           /* rows of the whole filter */
};

/* SAE_EINVAL with a one-line why for a bad filter or a limit out of range. */
int hub_case_list(struct hub_store *store, const struct hub_list_query *query,
                  struct hub_list_page *out, struct sae_message *why);
void hub_list_page_free(struct hub_list_page *page);

/* Every report of the filter in the query's order, without paging (offset and limit are
 * not read): for exports. Inside the caller's read transaction if it holds one, else in
 * its own. Stops at the first non-zero return of visit and returns it. */
typedef int (*hub_list_visit_fn)(const char *id, void *context);
int hub_case_list_visit(struct hub_store *store, const struct hub_list_query *query,
                        hub_list_visit_fn visit, void *context, struct sae_message *why);

#endif
