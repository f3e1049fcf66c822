/* The post app's route table (post_routes.h): one line per page or form. */
#include "app/post_routes.h"

#include <string.h>

#include "app/page_case.h"
#include "app/page_case_new.h"
#include "app/page_case_post.h"
#include "app/page_cases.h"
#include "app/page_home.h"
#include "app/page_letter.h"
#include "app/page_reenroll.h"
#include "app/page_sign_in.h"
#include "app/page_staff.h"
#include "app/page_sync.h"

static const char *const NO_FIELDS[] = {NULL};
static const char *const ID_FIELD[] = {"id", NULL};
const char *const POST_FIELDS_OF_REPORT_FORM[] = {NULL};
#define REPORT_FORM POST_FIELDS_OF_REPORT_FORM

static const struct post_route ROUTES[] = {
    {"GET", "/", page_home, POST_STAFF, NULL, MSG_HOME},
    {"GET", "/sign-in", page_sign_in, POST_ANYONE, NULL, MSG_COUNT},
    {"POST", "/sign-in", page_sign_in_post, POST_ANYONE, PAGE_SIGN_IN_FIELDS, MSG_COUNT},
    {"POST", "/sign-out", page_sign_out, POST_STAFF, NO_FIELDS, MSG_COUNT},
    {"GET", "/lang", page_language, POST_ANYONE, NULL, MSG_COUNT},
    {"GET", "/sync", page_sync, POST_STAFF, NULL, MSG_POST_SYNC},
    {"POST", "/sync/now", page_sync_now, POST_STAFF, PAGE_SYNC_NOW_FIELDS, MSG_COUNT},
    {"POST", "/sync/enroll", page_sync_enroll, POST_STAFF, PAGE_SYNC_ENROLL_FIELDS, MSG_COUNT},
    {"GET", PAGE_REENROLL_PATH, page_reenroll, POST_STAFF, NULL, MSG_COUNT},
    {"POST", PAGE_REENROLL_PATH, page_reenroll_post, POST_STAFF, PAGE_REENROLL_FIELDS,
     MSG_COUNT},
    {"GET", "/staff", page_staff, POST_STAFF, NULL, MSG_POST_STAFF},
    {"POST", "/staff/add", page_staff_add, POST_HEAD_ONLY, PAGE_STAFF_ADD_FIELDS, MSG_COUNT},
    {"POST", "/staff/reset", page_staff_reset, POST_HEAD_ONLY, PAGE_STAFF_RESET_FIELDS,
     MSG_COUNT},
    {"GET", PAGE_CASE_NEW_PATH, page_case_new, POST_STAFF, NULL, MSG_CASE_NEW},
    {"POST", PAGE_CASE_NEW_PATH, page_case_new_post, POST_STAFF, REPORT_FORM, MSG_COUNT},
    {"GET", PAGE_CASE_PATH, page_case, POST_STAFF, NULL, MSG_COUNT},
    {"GET", PAGE_CASE_EDIT_PATH, page_case_edit, POST_STAFF, NULL, MSG_COUNT},
    {"POST", PAGE_CASE_EDIT_PATH, page_case_edit_post, POST_STAFF, REPORT_FORM, MSG_COUNT},
    {"GET", PAGE_CASE_DELETE_PATH, page_case_delete, POST_STAFF, NULL, MSG_COUNT},
    {"POST", PAGE_CASE_DELETE_PATH, page_case_delete_post, POST_STAFF, ID_FIELD, MSG_COUNT},
    {"POST", PAGE_CASE_EVENT_PATH, page_case_event_post, POST_STAFF, REPORT_FORM, MSG_COUNT},
    {"GET", "/cases", page_cases, POST_STAFF, NULL, MSG_POST_CASES},
    {"GET", "/referral-letter", page_referral_letter, POST_STAFF, NULL, MSG_COUNT},
    {"GET", "/case-summary", page_case_summary, POST_STAFF, NULL, MSG_COUNT},
    {NULL, NULL, NULL, POST_ANYONE, NULL, MSG_COUNT}, /* the end */
};

const struct post_route *post_routes(void)
{
    return ROUTES;
}

const struct post_route *post_route_find(const char *method, const char *path,
                                         bool *path_known)
{
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_known = false;
    for (const struct post_route *r = ROUTES; r->path; r++) {
        if (strcmp(r->path, path) != 0)
            continue;
        *path_known = true;
        if (strcmp(r->method, wanted) == 0)
            return r;
    }
    return NULL;
}
