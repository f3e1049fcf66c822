/* The table of the console's signed-in pages (console_layout.h): one line each, with the
 * right that opens it (console_may) and, for a form, the fields it takes. */
#include "api/console_layout.h"

#include <string.h>

static const struct console_route ROUTES[] = {
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
