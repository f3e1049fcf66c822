/* The JSON API of the case pages (proto/CONSOLE_API.md, "Reports and conflicts"): the
 * reports list with the pages' filters, the conflicts queue, and a coordinator's decision
 * on a conflict, with the same role rules (console_may) and the same functions as the
 * pages. */
#ifndef HUB_API_CASES_H
#define HUB_API_CASES_H

#include "api/console_layout.h"

struct api_route;
/* The endpoint of method and path, or NULL. */
const struct api_route *api_cases_find(const char *method, const char *path);
/* Answers it (the caller checked the session, its CSRF token and the code of conduct). */
int api_cases_handle(struct console_exchange *x, const struct api_route *route);

#endif
