/* The post app's route table (post_routes.h): one line per page or form. */
#include "app/post_routes.h"

#include <pthread.h>

#include "app/case_write.h"

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

#define GET WEB_ROUTE_GET
#define FORM WEB_ROUTE_FORM
/* A report's form: its names are the catalogue's (report_form_read refuses others), its
 * bound computed from the catalogue when the table is first used (fill_report_bounds). */
#define REPORT_FORM(p) {.method = "POST", .path = (p), .names_by_page = true}

static struct post_route ROUTES[] = {
    {GET("/"), page_home, POST_STAFF, MSG_HOME},
    {GET("/sign-in"), page_sign_in, POST_ANYONE, MSG_COUNT},
    {FORM("/sign-in", PAGE_SIGN_IN_FIELDS), page_sign_in_post, POST_ANYONE, MSG_COUNT},
    {FORM("/sign-out", NO_FIELDS), page_sign_out, POST_STAFF, MSG_COUNT},
    {GET("/lang"), page_language, POST_ANYONE, MSG_COUNT},
    {GET("/sync"), page_sync, POST_STAFF, MSG_POST_SYNC},
    {FORM("/sync/now", PAGE_SYNC_NOW_FIELDS), page_sync_now, POST_STAFF, MSG_COUNT},
    {{.method = "POST", .path = "/sync/enroll", .fields = PAGE_SYNC_ENROLL_FIELDS,
      .fields_max = WEB_ROUTE_BOUND(PAGE_SYNC_ENROLL_FIELDS),
      .upload_max = POST_UPLOAD_BYTES_MAX},
     page_sync_enroll, POST_STAFF, MSG_COUNT},
    {GET(PAGE_REENROLL_PATH), page_reenroll, POST_STAFF, MSG_COUNT},
    {{.method = "POST", .path = PAGE_REENROLL_PATH, .fields = PAGE_REENROLL_FIELDS,
      .fields_max = WEB_ROUTE_BOUND(PAGE_REENROLL_FIELDS),
      .upload_max = POST_UPLOAD_BYTES_MAX},
     page_reenroll_post, POST_STAFF, MSG_COUNT},
    {GET("/staff"), page_staff, POST_STAFF, MSG_POST_STAFF},
    {FORM("/staff/add", PAGE_STAFF_ADD_FIELDS), page_staff_add, POST_HEAD_ONLY,
     MSG_COUNT},
    {FORM("/staff/reset", PAGE_STAFF_RESET_FIELDS), page_staff_reset, POST_HEAD_ONLY,
     MSG_COUNT},
    {GET(PAGE_CASE_NEW_PATH), page_case_new, POST_STAFF, MSG_CASE_NEW},
    {REPORT_FORM(PAGE_CASE_NEW_PATH), page_case_new_post, POST_STAFF, MSG_COUNT},
    {GET(PAGE_CASE_PATH), page_case, POST_STAFF, MSG_COUNT},
    {GET(PAGE_CASE_EDIT_PATH), page_case_edit, POST_STAFF, MSG_COUNT},
    {REPORT_FORM(PAGE_CASE_EDIT_PATH), page_case_edit_post, POST_STAFF, MSG_COUNT},
    {GET(PAGE_CASE_DELETE_PATH), page_case_delete, POST_STAFF, MSG_COUNT},
    {FORM(PAGE_CASE_DELETE_PATH, ID_FIELD), page_case_delete_post, POST_STAFF,
     MSG_COUNT},
    {REPORT_FORM(PAGE_CASE_EVENT_PATH), page_case_event_post, POST_STAFF, MSG_COUNT},
    {GET("/cases"), page_cases, POST_STAFF, MSG_POST_CASES},
    {GET("/referral-letter"), page_referral_letter, POST_STAFF, MSG_COUNT},
    {GET("/case-summary"), page_case_summary, POST_STAFF, MSG_COUNT},
    {{.path = NULL}, NULL, POST_ANYONE, MSG_COUNT}, /* the end */
};

/* The rows before the end. */
#define ROUTE_COUNT (sizeof ROUTES / sizeof ROUTES[0] - 1)

static pthread_once_t report_bounds_once = PTHREAD_ONCE_INIT;

static void fill_report_bounds(void)
{
    unsigned bound = case_write_fields_max();
    for (size_t i = 0; i < ROUTE_COUNT; i++)
        if (ROUTES[i].at.names_by_page)
            ROUTES[i].at.fields_max = bound;
}

const struct post_route *post_routes(void)
{
    pthread_once(&report_bounds_once, fill_report_bounds);
    return ROUTES;
}

unsigned post_route_refusal(const char *path, struct http_response *resp)
{
    return web_route_refusal(post_routes(), ROUTE_COUNT, sizeof ROUTES[0], path, resp);
}

const struct post_route *post_route_find(const char *method, const char *path,
                                         bool *path_known)
{
    size_t row = 0;
    enum web_route_match match = web_route_find(post_routes(), ROUTE_COUNT, sizeof ROUTES[0],
                                                method, path, &row);
    *path_known = match != WEB_ROUTE_NONE;
    return match == WEB_ROUTE_FOUND ? &ROUTES[row] : NULL;
}
