/* Pieces every page of the console shares (tables, paging, filter forms, hidden CSRF
 * fields). Pages live in their own modules (page_*.c) and add one line to the route table
 * (console_routes.h, which also holds the role rules) and one to the home page's sections. */
#ifndef HUB_CONSOLE_LAYOUT_H
#define HUB_CONSOLE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/console_internal.h"
#include "api/console_routes.h"
#include "app/html.h"
#include "app/msg.h"

#define LAYOUT_A(name, value) ((struct html_attr){name, value})
#define LAYOUT_N(attrs) (sizeof attrs / sizeof attrs[0])

const char *layout_say(const struct console_exchange *x, enum msg_id id);
void layout_hidden(struct html *h, const char *name, const char *value);
void layout_csrf(struct html *h, const struct console_exchange *x);
/* <label for=id>label</label><select id=id name=id> with "" (label any) then options
 * (value, label) pairs, selected kept. */
struct layout_option {
    const char *value, *label;
};
void layout_select(struct html *h, const char *id, const char *label,
                   const struct layout_option *options, size_t count, const char *any,
                   const char *selected);
void layout_input(struct html *h, const char *id, const char *type, const char *label,
                  const char *value);
/* A table: <table class=data><thead> with the headings, then <tbody> (close with
 * layout_table_end). */
void layout_table_begin(struct html *h, const char *id, const char *const *headings,
                        size_t count);
void layout_table_end(struct html *h);
void layout_cell(struct html *h, const char *text);
void layout_cell_link(struct html *h, const char *href, const char *text);
/* "1–50 of 1,234" and previous / next links: base is the page's path and query without
 * offset ("/console/reports?kind=kasus&"). */
void layout_pager(struct html *h, const struct console_exchange *x, const char *base,
                  size_t offset, size_t limit, int64_t total);
/* A notice (kind "ok" or "error") with role=alert. */
void layout_alert(struct html *h, const char *kind, const char *text);
/* A page of one message (4xx/5xx). */
int layout_message_page(struct console_exchange *x, unsigned status, enum msg_id text);
/* A value for people: an enum's or a yes/no's label, else the text (cut to cap). */
void layout_value_text(const struct console_exchange *x, const struct sae_field *field,
                       const char *value, char *out, size_t cap);
/* ISO date "YYYY-MM-DD HH:MM" (UTC) of ms since the epoch. */
void layout_time(int64_t ms, char out[20]);

#endif
