/* The table of the console's signed-in pages (console_layout.h): one line each, with the
 * right that opens it (console_may) and, for a form, the fields it takes. */
#include "api/console_layout.h"

#include <string.h>

#include "api/page_case.h"
#include "api/page_conflicts.h"
#include "api/page_duplicates.h"
#include "api/page_reports.h"

static const char *const CASE_EDIT_FIELDS[] = {"id", "field", "value", "unset", "reason", NULL};
static const char *const CASE_REVIEW_FIELDS[] = {"id", "state", "note", NULL};
static const char *const CASE_REVEAL_FIELDS[] = {"id", NULL};
static const char *const PAIR_FIELDS[] = {"a", "b", "decision", "note", NULL};
static const char *const DECIDE_FIELDS[] = {"conflict", "seen", "action", "value", "note",
                                            NULL};

static const struct console_route ROUTES[] = {
    {"GET", "/console/reports", page_reports, RIGHT_CASES, NULL},
    {"GET", "/console/export", page_export, RIGHT_EXPORT, NULL},
    {"GET", "/console/case", page_case, RIGHT_CASES, NULL},
    {"POST", "/console/case/reveal", page_case_reveal, RIGHT_REVEAL, CASE_REVEAL_FIELDS},
    {"POST", "/console/case/edit", page_case_edit, RIGHT_EDIT, CASE_EDIT_FIELDS},
    {"POST", "/console/case/review", page_case_review, RIGHT_REVIEW, CASE_REVIEW_FIELDS},
    {"GET", "/console/conflicts", page_conflicts, RIGHT_CONFLICTS, NULL},
    {"POST", "/console/conflicts/decide", page_conflict_decide, RIGHT_RESOLVE, DECIDE_FIELDS},
    {"GET", "/console/duplicates", page_duplicates, RIGHT_CASES, NULL},
    {"POST", "/console/duplicates/decide", page_duplicates_decide, RIGHT_EDIT, PAIR_FIELDS},
    {NULL, NULL, NULL, RIGHT_CASES, NULL}, /* the end */
};

const struct console_route *console_route_find(const char *method, const char *path)
{
    bool head = strcmp(method, "HEAD") == 0;
    for (const struct console_route *r = ROUTES; r->path; r++)
        if (strcmp(r->path, path) == 0 &&
            (strcmp(r->method, method) == 0 || (head && strcmp(r->method, "GET") == 0)))
            return r;
    return NULL;
}
