/* The console's monitoring and evaluation page and its endpoints: every figure of
 * store/me_stats.h for a period (from, to: YYYY-MM) and a kecamatan, each with what puts an
 * item in a month and which place gets the credit, its chart (SVG drawn by the hub), its
 * table and a CSV download; how many cases were counted, left out (no consent to statistics)
 * and counted once as a survivor's later case. Roles: console_doors.c. */
#ifndef HUB_PAGE_ME_H
#define HUB_PAGE_ME_H

#include "api/console_internal.h"

/* GET /console/me?from=&to=&kecamatan= */
int page_me(struct console_exchange *x, const struct web_form *form);
/* GET /console/me/chart.svg?figure=NAME&... and /console/me/figure.csv?figure=NAME&... */
int page_me_chart(struct console_exchange *x, const struct web_form *form);
int page_me_csv(struct console_exchange *x, const struct web_form *form);
/* GET /api/v1/me?from=&to=&kecamatan=: render_me.h's JSON. */
int api_me(struct console_exchange *x, const struct web_form *form);

#endif
