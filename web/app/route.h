/* The generic half of a web application's routing: which row of its route table answers a
 * method and path, and a POST form read with only its route's fields and checked against
 * the session's CSRF token. The application keeps its own table (rows that begin with a
 * struct web_route), its role rule and its way of answering a refusal. */
#ifndef WEB_ROUTE_H
#define WEB_ROUTE_H

#include <stddef.h>

#include "app/web_request.h"

/* The first member of an application's route row. */
struct web_route {
    const char *method;        /* "GET" (which answers HEAD too) or "POST" */
    const char *path;          /* matched exactly */
    const char *const *fields; /* a form POST's fields besides "csrf", NULL terminated */
};

enum web_route_match {
    WEB_ROUTE_NONE,   /* no row has the path: the application routes on */
    WEB_ROUTE_FOUND,  /* *row is the row */
    WEB_ROUTE_METHOD, /* the path is there, not with this method: 405 */
};

/* The row of count rows, each stride bytes and beginning with a struct web_route, that
 * answers method and path; *row is set only for WEB_ROUTE_FOUND. */
enum web_route_match web_route_find(const void *rows, size_t count, size_t stride,
                                    const char *method, const char *path, size_t *row);

/* A route's POST form: only fields and "csrf", its "csrf" equal to csrf (the session's).
 * 0 with *form set (web_form_free it), or 0 with *form NULL and *refusal the status to
 * answer (400 malformed or unknown fields, 413 too big, 403 no form or a wrong token);
 * SAE_ENOMEM. */
int web_route_form(const struct http_request *req, const char *const *fields,
                   const char *csrf, struct web_form **form, unsigned *refusal);

#endif
