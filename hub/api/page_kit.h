/* What the district pages (page_posts.c, page_me.c, page_audit.c, page_referrals.c,
 * page_rekap.c, page_accounts.c) add to console_layout.h's shared pieces: tables headed by
 * message ids, numbers, notes, GET filter fields, times that may be "never" and the query's
 * arguments. Everything goes through web/app/html.h, so every value is escaped. */
#ifndef HUB_PAGE_KIT_H
#define HUB_PAGE_KIT_H

#include <stddef.h>
#include <stdint.h>

#include "api/console_internal.h"
#include "api/console_layout.h"
#include "app/html.h"

/* "2026-12-06 13:05" (UTC) and its NUL. */
#define KIT_TIME_BYTES 20u

/* <table class="data" id=id><thead> with the columns' words </thead><tbody>; close it with
 * kit_table_end. */
/* The page's way home and its <h1>. */
void kit_heading(struct html *h, const struct console_exchange *x, enum msg_id title);
void kit_table_begin(struct html *h, const struct console_exchange *x, const char *id,
                     const enum msg_id *columns, size_t count);
void kit_table_end(struct html *h);
void kit_cell_int(struct html *h, int64_t value);
/* A paragraph of the given class with one message (id NULL: no id attribute). */
void kit_note(struct html *h, const char *cls, const char *id, const char *text);
/* A labelled text input of a GET filter form, its value kept. */
void kit_filter_field(struct html *h, const char *name, const char *label, const char *value);
/* ms since the epoch as KIT_TIME_BYTES of UTC text; 0 gives "". */
void kit_time(int64_t ms, char out[KIT_TIME_BYTES]);
/* A query argument into out ("" when absent); SAE_EINVAL / SAE_ETOOBIG for one that is not
 * UTF-8 or too long (the page then answers 400). */
int kit_query(const struct console_exchange *x, const char *name, char *out, size_t cap);
/* Appends text percent-encoded (all but A-Z a-z 0-9 - _ . ~) to out of cap bytes;
 * SAE_ETOOBIG when it does not fit (out then holds what fitted). */
int kit_url_append(char *out, size_t cap, const char *text);

#endif
