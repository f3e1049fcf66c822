/* The generic half of a web application's routing: which row of its route table answers a
 * method and path, and a POST form read with only its route's fields and checked against
 * the session's CSRF token. The application keeps its own table (rows that begin with a
 * struct web_route), its role rule and its way of answering a refusal. */
#ifndef WEB_ROUTE_H
#define WEB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/web_request.h"

/* The first member of an application's route row. */
struct web_route {
    const char *method;        /* "GET" (which answers HEAD too) or "POST" */
    const char *path;          /* matched exactly */
    const char *const *fields; /* a form POST's fields besides "csrf", NULL terminated (NULL:
                                  none); "file:NAME" makes it a multipart form whose file
                                  field NAME arrives in form->upload */
    unsigned fields_max;       /* the most fields its form may have, "csrf" included: past
                                  it 413, before a value is kept */
    size_t upload_max;         /* a "file:" field's most bytes */
    bool names_by_page;        /* the page refuses unknown names itself (a report's form,
                                  one box per set element: too many names to list) */
};

/* Rows' struct web_route: a page; a form, whose bound is counted from its list (its names
 * and "csrf" in the place of the list's NULL); a POST whose body is no form (JSON). */
#define WEB_ROUTE_GET(p) {.method = "GET", .path = (p)}
#define WEB_ROUTE_BOUND(list) ((unsigned)(sizeof(list) / sizeof((list)[0])))
#define WEB_ROUTE_FORM(p, list)                                                               \
    {.method = "POST", .path = (p), .fields = (list), .fields_max = WEB_ROUTE_BOUND(list)}
#define WEB_ROUTE_JSON(p) {.method = "POST", .path = (p)}
#define WEB_ROUTE_FILE_PREFIX "file:"

enum web_route_match {
    WEB_ROUTE_NONE,   /* no row has the path: the application routes on */
    WEB_ROUTE_FOUND,  /* *row is the row */
    WEB_ROUTE_METHOD, /* the path is there, not with this method: 405 */
};

/* The row of count rows, each stride bytes and beginning with a struct web_route, that
 * answers method and path; *row is set only for WEB_ROUTE_FOUND. */
enum web_route_match web_route_find(const void *rows, size_t count, size_t stride,
                                    const char *method, const char *path, size_t *row);

/* The answer to a method and path web_route_find found no row for: 405 when the path has
 * rows (resp->allow then names their methods, GET with HEAD), else 404. The application
 * writes its own page or JSON with that status. */
unsigned web_route_refusal(const void *rows, size_t count, size_t stride, const char *path,
                           struct http_response *resp);

/* A route's POST form: at most route->fields_max fields, only its fields and "csrf" (unless
 * the page checks names), its "csrf" equal to csrf (the session's). 0 with *form set
 * (web_form_free it), or 0 with *form NULL and *refusal the status to answer (400
 * malformed or unknown fields, 413 too big or too many fields, 403 no form or a wrong
 * token); SAE_ENOMEM. */
int web_route_form(const struct http_request *req, const struct web_route *route,
                   const char *csrf, struct web_form **form, unsigned *refusal);

#endif
