/* The post app's route table (post_routes.c): every page and form the app answers, one line
 * each, with who may open it and, for a form, the fields it takes. A page module
 * (page_*.c) adds its line there and nothing anywhere else. */
#ifndef POST_ROUTES_H
#define POST_ROUTES_H

#include <stdbool.h>

#include "app/post_internal.h"
#include "app/route.h"

/* Who may use a route. */
enum post_access {
    POST_ANYONE,    /* signing in, the language switch */
    POST_STAFF,     /* every signed-in staff member */
    POST_HEAD_ONLY, /* the post's head */
};

/* A page: GET gets form NULL; POST gets the form with only its fields (and "csrf"), its
 * CSRF token already checked (the session's; before sign-in the pre-session cookie's). */
typedef int (*post_page_fn)(struct post_exchange *x, const struct web_form *form);

/* A row: where and how (web/app/route.h: method, path, a form's fields and bound), then the
 * page, who may open it and its menu label. A report's form (report_form.h) has
 * names_by_page: report_form_read refuses every name that form does not have. */
struct post_route {
    struct web_route at;
    post_page_fn run;
    enum post_access access;
    enum msg_id menu; /* the menu's label for a GET page in the menu, else MSG_COUNT */
};

/* The multipart form's file field (web/app/route.h). */
#define POST_FILE_FIELD_PREFIX WEB_ROUTE_FILE_PREFIX

/* The status for a method and path no route takes (web_route_refusal: 405 with Allow set
 * on resp when the path has routes, else 404). */
unsigned post_route_refusal(const char *path, struct http_response *resp);

/* The route of method (HEAD as GET) and path, or NULL; *path_known tells whether the path
 * exists with another method. */
const struct post_route *post_route_find(const char *method, const char *path,
                                         bool *path_known);
/* The routes, ended by one whose path is NULL (for the menu). */
const struct post_route *post_routes(void);

#endif
