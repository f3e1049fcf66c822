/* The document around every page of both web applications (the district console, the post
 * app), built with html.h: the head with its stylesheet, the end of a page and its answer.
 * The pieces inside a page (fields, alerts, tables) are in app/layout.h; each application
 * adds its own top bar and words. */
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

#endif
