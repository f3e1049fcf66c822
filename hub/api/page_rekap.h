/* The printable monthly recap (rekap) in the layout of the SIMFONI-PPA monthly recap
 * (render/render_me.h): table 1, types of violence by the victim's sex and age group, with
 * the victims' row; table 2, services by SPM category. Printed by the browser through the
 * stylesheet's print rules (no script). A coordinator approves and locks a past month
 * (store/month_lock.h, audited as `month-lock`); the page of a locked month says who locked
 * it and lists the rows that changed since as revisions. Roles: console_doors.c. */
#ifndef HUB_PAGE_REKAP_H
#define HUB_PAGE_REKAP_H

#include "api/console_internal.h"

/* GET /console/me/rekap?month=YYYY-MM (default: the last whole month) */
int page_rekap(struct console_exchange *x, const struct web_form *form);
/* POST /console/me/lock (csrf, month) */
int page_rekap_lock(struct console_exchange *x, const struct web_form *form);

#endif
