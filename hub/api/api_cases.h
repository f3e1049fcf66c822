/* The JSON API of the case pages (proto/CONSOLE_API.md, "Reports and conflicts"): the
 * reports list with the pages' filters, the conflicts queue, and a coordinator's decision
 * on a conflict, with the same role rules (console_routes.c's table) and the same functions
 * as the pages. */
#ifndef HUB_API_CASES_H
#define HUB_API_CASES_H

#include "api/console_layout.h"

/* Endpoints of the console's route table (console_routes.c, which checked the role, the
 * session, its CSRF token and the code of conduct); form is NULL (the API reads JSON). */
int api_reports(struct console_exchange *x, const struct web_form *form);
int api_conflicts(struct console_exchange *x, const struct web_form *form);
int api_conflict_decide(struct console_exchange *x, const struct web_form *form);

#endif
