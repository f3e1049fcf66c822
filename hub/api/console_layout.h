/* The console's own page pieces, beside web/app/layout.h's generic ones: words in the
 * caller's language, the session's CSRF field, tables headed by message ids, paging, a
 * value's label, the page's heading and the query's arguments. Pages live in their own
 * modules (page_*.c) and add one line to the route table (console_routes.h, which also
 * holds the role rules) and one to the home page's sections. */
#ifndef HUB_CONSOLE_LAYOUT_H
#define HUB_CONSOLE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "api/console_internal.h"
#include "api/console_routes.h"
#include "app/html.h"
#include "app/layout.h"
#include "app/msg.h"

const char *layout_say(const struct console_exchange *x, enum msg_id id);
void layout_csrf(struct html *h, const struct console_exchange *x);
/* layout_table_begin headed by the columns' messages. */
void layout_table_begin_msgs(struct html *h, const struct console_exchange *x, const char *id,
                             const enum msg_id *columns, size_t count);
/* "1–50 of 1,234" and previous / next links: base is the page's path and query without
 * offset ("/console/reports?kind=kasus&"). */
void layout_pager(struct html *h, const struct console_exchange *x, const char *base,
                  size_t offset, size_t limit, int64_t total);
/* A value for people: an enum's or a yes/no's label, else the text (cut to cap). */
void layout_value_text(const struct console_exchange *x, const struct sae_field *field,
                       const char *value, char *out, size_t cap);
/* The page's way home and its <h1>. */
void layout_heading(struct html *h, const struct console_exchange *x, enum msg_id title);
/* A query argument into out ("" when absent); SAE_EINVAL / SAE_ETOOBIG for one that is not
 * UTF-8 or too long (the page then answers 400). */
int layout_query(const struct console_exchange *x, const char *name, char *out, size_t cap);

#endif
