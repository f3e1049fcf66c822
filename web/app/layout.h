/* Pieces the pages of any web application here are made of, knowing neither program:
 * hidden fields, labelled inputs and selects, filter fields, data tables and their cells,
 * notices, notes, times and percent-encoded URL parts. All through html.h, so every value
 * is escaped; every word is the caller's (from msg.h or a catalogue's labels). */
#ifndef WEB_LAYOUT_H
#define WEB_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "app/html.h"

#define LAYOUT_A(name, value) ((struct html_attr){name, value})
#define LAYOUT_N(attrs) (sizeof attrs / sizeof attrs[0])

void layout_hidden(struct html *h, const char *name, const char *value);
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
/* A labelled text input of a GET filter form (class "filter"), its value kept. */
void layout_filter_field(struct html *h, const char *name, const char *label, const char *value);
/* A table: <div class=table-wrap><table class=data id=id><thead><tr>, then each heading
 * (layout_table_heading), then layout_table_body opens <tbody>; layout_table_end closes
 * it all. layout_table_begin does the three with headings given. */
void layout_table_head(struct html *h, const char *id);
void layout_table_heading(struct html *h, const char *text);
void layout_table_body(struct html *h);
void layout_table_begin(struct html *h, const char *id, const char *const *headings,
                        size_t count);
void layout_table_end(struct html *h);
/* A cell of text (NULL: a dash), of a link, of a number. */
void layout_cell(struct html *h, const char *text);
void layout_cell_link(struct html *h, const char *href, const char *text);
void layout_cell_int(struct html *h, int64_t value);
/* A notice (kind "ok" or "error") with role=alert; nothing for text NULL. */
void layout_alert(struct html *h, const char *kind, const char *text);
/* A paragraph of the given class with one message (id NULL: no id attribute). */
void layout_note(struct html *h, const char *cls, const char *id, const char *text);
/* "2026-12-06 13:05" (UTC) and its NUL. */
#define LAYOUT_TIME_BYTES 20u
/* ms since the epoch as that text; 0 (never) gives "". */
void layout_time(int64_t ms, char out[LAYOUT_TIME_BYTES]);
/* Appends text percent-encoded (all but A-Z a-z 0-9 - _ . ~) to out of cap bytes;
 * SAE_ETOOBIG when it does not fit (out then holds what fitted). */
int layout_url_append(char *out, size_t cap, const char *text);

#endif
