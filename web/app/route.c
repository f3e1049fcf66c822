/* Route matching and a route's form (route.h). */
#include "app/route.h"

#include <stdbool.h>
#include <string.h>

#include "app/session.h"

enum web_route_match web_route_find(const void *rows, size_t count, size_t stride,
                                    const char *method, const char *path, size_t *row)
{
    bool head = strcmp(method, "HEAD") == 0;
    enum web_route_match match = WEB_ROUTE_NONE;
    for (size_t i = 0; i < count; i++) {
        const struct web_route *r =
            (const struct web_route *)(const void *)((const char *)rows + i * stride);
        if (strcmp(r->path, path) != 0)
            continue;
        if (strcmp(r->method, method) == 0 || (head && strcmp(r->method, "GET") == 0)) {
            *row = i;
            return WEB_ROUTE_FOUND;
        }
        match = WEB_ROUTE_METHOD;
    }
    return match;
}

unsigned web_route_refusal(const void *rows, size_t count, size_t stride, const char *path,
                           struct http_response *resp)
{
    bool get = false, post = false;
    for (size_t i = 0; i < count; i++) {
        const struct web_route *r =
            (const struct web_route *)(const void *)((const char *)rows + i * stride);
        if (strcmp(r->path, path) != 0)
            continue;
        get = get || strcmp(r->method, "GET") == 0;
        post = post || strcmp(r->method, "POST") == 0;
    }
    if (!get && !post)
        return 404;
    resp->allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST";
    return 405;
}

/* The form's own names: "csrf" and the route's fields but its file; *upload the file's
 * field name, if any. */
static void allowed_names(const struct web_route *route, const char **allowed,
                          const char **upload)
{
    size_t n = 0, prefix = strlen(WEB_ROUTE_FILE_PREFIX);
    allowed[n++] = "csrf";
    for (const char *const *f = route->fields; f && *f && n < WEB_FORM_FIELDS_MAX; f++) {
        if (strncmp(*f, WEB_ROUTE_FILE_PREFIX, prefix) == 0)
            *upload = *f + prefix;
        else
            allowed[n++] = *f;
    }
    allowed[n] = NULL;
}

int web_route_form(const struct http_request *req, const struct web_route *route,
                   const char *csrf, struct web_form **form, unsigned *refusal)
{
    if (req->body_len == 0) { /* no form, so no token */
        *form = NULL;
        *refusal = 403;
        return 0;
    }
    const char *allowed[WEB_FORM_FIELDS_MAX + 1], *upload = NULL;
    allowed_names(route, allowed, &upload);
    struct web_form *parsed = NULL;
    int rc = upload ? web_form_parse_upload(req, route->fields_max, upload, route->upload_max,
                                            &parsed)
                    : web_form_parse(req, route->fields_max, &parsed);
    if (rc == SAE_ENOMEM)
        return rc;
    if (rc == 0 && !route->names_by_page && web_form_only(parsed, allowed) != 0)
        rc = SAE_EINVAL;
    unsigned status = 0;
    if (rc == 0 && !session_csrf_equal(csrf, web_form_get(parsed, "csrf")))
        status = 403;
    else if (rc != 0)
        status = rc == SAE_ETOOBIG ? 413 : 400;
    if (status != 0) {
        web_form_free(parsed);
        parsed = NULL;
    }
    *form = parsed;
    *refusal = status;
    return 0;
}
