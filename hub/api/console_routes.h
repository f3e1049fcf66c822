/* The console's one table of routes (console_routes.c): every signed-in page and district
 * endpoint with the method, the right that opens it and its handler, one line each; the role
 * rules (who has which right) sit beside it, and the right is checked in one place before a
 * handler runs, so a page, its endpoint and its home link never disagree and a handler never
 * checks a role again. A page or endpoint adds one line to ROUTES. */
#ifndef HUB_CONSOLE_ROUTES_H
#define HUB_CONSOLE_ROUTES_H

#include <stdbool.h>

#include "api/console_internal.h"

/* What a role may do (console_may). */
enum console_right {
    RIGHT_CASES,       /* the reports list and case files, sensitive fields masked */
    RIGHT_REVEAL,      /* sensitive fields shown (each reveal audited) */
    RIGHT_EDIT,        /* district edits of a case, with a reason */
    RIGHT_REVIEW,      /* a case's review state */
    RIGHT_RESOLVE,     /* conflicts: resolve and dismiss */
    RIGHT_CONFLICTS,   /* the conflicts queue, read */
    RIGHT_EXPORT,      /* de-identified exports */
    RIGHT_EXPORT_FULL, /* full exports */
    RIGHT_POSTS,       /* the posts' devices, read */
    RIGHT_POSTS_ADMIN, /* revoke a device */
    RIGHT_GRANT,       /* grant a device its village's sensitive values (the district key) */
    RIGHT_ME,          /* monitoring and evaluation, the monthly recap */
    RIGHT_MONTH_LOCK,  /* approve and lock a month */
    RIGHT_AUDIT,       /* the audit log */
    RIGHT_REFERRALS,   /* an agency's referrals, read */
    RIGHT_ANSWER,      /* answer a referral addressed to one's agency */
    RIGHT_OVERRIDE,    /* open a referral without consent, with a reason */
    RIGHT_ACCOUNTS,    /* accounts: list, add, reset, disable */
    RIGHT_KEYS,        /* reset another coordinator with the district key one holds */
    RIGHT_ERASE,       /* erase a report's sensitive values at a survivor's request */
};
bool console_may(enum hub_role role, enum console_right right);

/* A route's handler: a GET gets form NULL; a page's POST gets its form, with only the
 * route's fields and its CSRF token checked before the handler runs; an API POST (under
 * /api/) gets form NULL, its CSRF token checked from the X-CSRF-Token header. */
typedef int (*console_route_fn)(struct console_exchange *x, const struct web_form *form);

/* Answers the request when its path is in the table (true, *rc the answer; 405 when the
 * path does not take the method), false when not (routing goes on). */
bool console_routes_serve(struct console_exchange *x, int *rc);
/* Whether role may GET path (true for a path that is not in the table). */
bool console_routes_allow(const char *path, enum hub_role role);

#endif
