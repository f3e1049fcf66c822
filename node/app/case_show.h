/* A report as the post app shows it: each field with its label and its value as people read
 * it (choices by their label, dates DD-MM-YYYY, yes/no), marked where the district changed or
 * decided it (the value stands by the hub's version, with the coordinator's note) or is
 * reviewing it; and its history of changes, who and when. Escaped by the HTML builder. */
#ifndef CASE_SHOW_H
#define CASE_SHOW_H

#include <stdint.h>

#include "app/html.h"
#include "app/msg.h"
#include "store/report_read.h"

/* What the marks are judged by: the hub's id (its changes' origin; 0 when the post has no
 * link yet, then nothing is marked as the district's). */
struct case_show {
    struct node_store *store;
    enum msg_lang lang;
    uint64_t hub_id;
    uint64_t now_ms;
};

/* ctx->hub_id from the post's link to the hub. */
int case_show_init(struct case_show *ctx, struct node_store *store, enum msg_lang lang);

/* What stands in a value's place when its reader may not read it (report_value's masked
 * and withheld flags): the flag decides, never the text, so a real value "••••" shows. */
enum case_show_hidden { CASE_SHOW_VALUE, CASE_SHOW_MASKED, CASE_SHOW_WITHHELD, CASE_SHOW_ERASED };
enum case_show_hidden case_show_hidden_of(bool masked, bool withheld, bool erased);

/* A value as people read it (value canonical, field's type decides), into out; hidden: the
 * catalogue's words for a masked or withheld value instead. */
void case_show_value(enum msg_lang lang, const struct sae_field *field, const char *value,
                     enum case_show_hidden hidden, char out[SAE_VALUE_LABEL_BYTES]);

/* A rule's refusal (sae_rules.h: "what: indonesian / english[; how on the command line]")
 * as staff read it: the part in lang, its first letter capitalised, into out; any other
 * text whole. Returns out. */
const char *case_show_refusal(enum msg_lang lang, const char *why, char *out, size_t cap);

/* <dl class=fields id=list_id> of report's fields that have a value (only: the names to show,
 * NULL-terminated; NULL for every one), each marked as the district's or under review. */
int case_show_fields(struct html *h, const struct case_show *ctx, const struct report *report,
                     const char *const *only, const char *list_id);

/* The history of report id: a table of when, by whom, which field, which value. */
int case_show_history(struct html *h, const struct case_show *ctx, const struct report *report,
                      const char *table_id);

#endif
