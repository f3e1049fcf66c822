/* The console's audit page and its endpoint: the audit log newest first, filtered by
 * account, action and a part of the target, AUDIT_PAGE_ROWS rows a page with a link to older
 * rows. The hub serves one district, so a coordinator sees the same log as an admin. Roles:
 * console_doors.c. */
#ifndef HUB_PAGE_AUDIT_H
#define HUB_PAGE_AUDIT_H

#include "api/console_internal.h"

/* GET /console/audit?actor=&action=&target=&before= */
int page_audit(struct console_exchange *x, const struct web_form *form);
/* GET /api/v1/audit?actor=&action=&target=&before= */
int api_audit(struct console_exchange *x, const struct web_form *form);

#endif
