/* Pieces of every page (web_page.h). */
#include "app/web_page.h"

#include <stdio.h>

#include "app/assets.h"
#include "app/web_response.h"

#define A(name, value) ((struct html_attr){name, value})
#define N(attrs) (sizeof attrs / sizeof attrs[0])

void web_page_head(struct html *h, enum msg_lang lang, const char *title, const char *app,
                   const char *stylesheet)
{
    const struct web_asset *css = NULL;
    char href[96];
    if (web_asset_find(stylesheet, &css) == 0)
        snprintf(href, sizeof href, "%s%s?v=%s", WEB_ASSET_PREFIX, stylesheet, css->etag);
    else
        snprintf(href, sizeof href, "%s%s", WEB_ASSET_PREFIX, stylesheet);
    const struct html_attr html_attrs[] = {A("lang", msg_lang_code(lang))};
    const struct html_attr charset[] = {A("charset", "utf-8")};
    const struct html_attr viewport[] = {A("name", "viewport"),
                                         A("content", "width=device-width, initial-scale=1")};
    const struct html_attr link[] = {A("rel", "stylesheet"), A("href", href)};
    html_doctype(h);
    html_open(h, "html", html_attrs, N(html_attrs));
    html_open(h, "head", NULL, 0);
    html_open(h, "meta", charset, N(charset));
    html_open(h, "meta", viewport, N(viewport));
    html_open(h, "title", NULL, 0);
    html_text(h, title);
    html_text(h, " \xC2\xB7 ");
    html_text(h, app);
    html_close(h, "title");
    html_open(h, "link", link, N(link));
    html_close(h, "head");
    html_open(h, "body", NULL, 0);
}

int web_page_finish(struct html *h, struct http_response *resp, unsigned status)
{
    html_close(h, "main");
    html_close(h, "body");
    html_close(h, "html");
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = html_finish(h, &body, &len);
    if (rc != 0)
        return rc;
    return web_response_body(resp, status, "text/html; charset=utf-8", body, len);
}

void web_page_hidden(struct html *h, const char *name, const char *value)
{
    const struct html_attr attrs[] = {A("type", "hidden"), A("name", name), A("value", value)};
    html_open(h, "input", attrs, N(attrs));
}

void web_page_alert(struct html *h, const char *kind, const char *text)
{
    char cls[32];
    snprintf(cls, sizeof cls, "alert %s", kind);
    const struct html_attr attrs[] = {A("class", cls), A("role", "alert"), A("id", "alert")};
    if (text)
        html_element(h, "p", attrs, N(attrs), text);
}

void web_page_table_begin(struct html *h, const char *id, const char *const *headings,
                          size_t count)
{
    const struct html_attr wrap[] = {A("class", "table-wrap")};
    const struct html_attr table[] = {A("class", "data"), A("id", id)};
    const struct html_attr col[] = {A("scope", "col")};
    html_open(h, "div", wrap, N(wrap));
    html_open(h, "table", table, N(table));
    html_open(h, "thead", NULL, 0);
    html_open(h, "tr", NULL, 0);
    for (size_t i = 0; i < count; i++)
        html_element(h, "th", col, N(col), headings[i]);
    html_close(h, "tr");
    html_close(h, "thead");
    html_open(h, "tbody", NULL, 0);
}

void web_page_table_end(struct html *h)
{
    html_close(h, "tbody");
    html_close(h, "table");
    html_close(h, "div");
}
