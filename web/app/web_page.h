/* The pieces every page of both web applications (the district console, the post app) is
 * made of, built with html.h: the document's head with its stylesheet, the end of a page
 * and its answer, hidden fields, alerts, data tables. Each application adds its own top bar
 * and words. */
#ifndef WEB_PAGE_H
#define WEB_PAGE_H

#include <stddef.h>

#include "app/html.h"
#include "app/msg.h"
#include "net/http_server.h"

/* <!DOCTYPE html><html lang><head> (charset, viewport, "title · app", the built-in
 * stylesheet named stylesheet with its ETag in the URL)</head><body>. */
void web_page_head(struct html *h, enum msg_lang lang, const char *title, const char *app,
                   const char *stylesheet);
/* </main></body></html>, then the page as the answer (status, text/html). */
int web_page_finish(struct html *h, struct http_response *resp, unsigned status);

void web_page_hidden(struct html *h, const char *name, const char *value);
/* <p class="alert KIND" role=alert id=alert>text</p>; nothing when text is NULL. */
void web_page_alert(struct html *h, const char *kind, const char *text);
/* <div class=table-wrap><table class=data id=id><thead> with the headings, then <tbody>;
 * close with web_page_table_end. */
void web_page_table_begin(struct html *h, const char *id, const char *const *headings,
                          size_t count);
void web_page_table_end(struct html *h);

#endif
