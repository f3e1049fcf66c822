/* The post app's page frame and the small pieces every page uses (post_internal.h). Markup
 * only through web/app/html.h, every word from the message catalogue. */
#include "app/post_internal.h"
#include "app/post_routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/layout.h"
#include "app/web_page.h"

#define A POST_A
#define N POST_N

/* The post's own time zone (Kabupaten Probolinggo: WIB). */
#define POST_UTC_OFFSET_S (7 * 3600)

const char *post_say(const struct post_exchange *x, enum msg_id id)
{
    return msg_get(x->lang, id);
}

void post_csrf_field(struct html *h, const struct post_exchange *x)
{
    layout_hidden(h, "csrf", x->csrf);
}

void post_card_begin(struct html *h)
{
    const struct html_attr card[] = {A("class", "card")};
    html_open(h, "div", card, N(card));
}

void post_input(struct html *h, const char *id, const char *type, const char *label,
                const char *value, const char *autocomplete)
{
    const struct html_attr lab[] = {A("for", id)};
    const struct html_attr in[] = {A("id", id), A("name", id), A("type", type),
                                   A("value", value ? value : ""), A("required", NULL),
                                   A("autocomplete", autocomplete)};
    html_element(h, "label", lab, N(lab), label);
    html_open(h, "input", in, N(in) - (autocomplete ? 0 : 1));
}

void post_form_begin(struct html *h, const struct post_exchange *x, const char *action)
{
    const struct html_attr form[] = {A("method", "post"), A("action", action)};
    html_open(h, "form", form, N(form));
    post_csrf_field(h, x);
}

void post_form_end(struct html *h, const char *button_id, const char *label)
{
    const struct html_attr button[] = {A("type", "submit"), A("class", "primary"),
                                       A("id", button_id)};
    html_element(h, "button", button, N(button), label);
    html_close(h, "form");
}

void post_table_begin(struct html *h, const struct post_exchange *x, const char *id,
                      const enum msg_id *headings, size_t count)
{
    const char *texts[POST_TABLE_COLUMNS_MAX];
    size_t n = count < POST_TABLE_COLUMNS_MAX ? count : POST_TABLE_COLUMNS_MAX;
    for (size_t i = 0; i < n; i++)
        texts[i] = post_say(x, headings[i]);
    layout_table_begin(h, id, texts, n);
}

void post_table_end(struct html *h)
{
    layout_table_end(h);
}

void post_fact(struct html *h, const char *id, const char *label, const char *value)
{
    const struct html_attr dd[] = {A("id", id)};
    html_element(h, "dt", NULL, 0, label);
    html_element(h, "dd", dd, N(dd), value);
}

void post_alert(struct html *h, const char *kind, const char *notice, const char *detail)
{
    char line[SAE_MESSAGE_BYTES + 256];
    snprintf(line, sizeof line, "%s%s%s", notice, detail ? " " : "", detail ? detail : "");
    layout_alert(h, kind, line);
}

void post_time_text(int64_t ms, char out[24])
{
    time_t s = (time_t)(ms / 1000) + POST_UTC_OFFSET_S;
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&s, &tm) || strftime(out, 24, "%Y-%m-%d %H:%M WIB", &tm) == 0)
        snprintf(out, 24, "\xE2\x80\x94");
}

/* This page's path when it is a GET page of the table, else home: links back here never
 * carry a path a request made up. */
static const char *page_path(const struct post_exchange *x)
{
    bool known = false;
    const struct post_route *here = post_route_find("GET", x->req->path, &known);
    return here ? here->at.path : "/";
}

bool post_query_id(const struct post_exchange *x, char out[SAE_ID_TEXT_LEN + 1])
{
    char text[WEB_QUERY_BYTES];
    struct sae_id id;
    if (web_request_query(x->req, "id", text, sizeof text) != 0 || sae_id_parse(text, &id) != 0)
        return false;
    sae_id_format(&id, out);
    return true;
}

/* Where the language switch comes back to: this page with its whole query (filters, search,
 * paging), or with only its report when the query does not fit in one query value. */
static void back_here(const struct post_exchange *x, char back[WEB_QUERY_BYTES])
{
    char query[WEB_QUERY_BYTES] = "", id[SAE_ID_TEXT_LEN + 1];
    const char *path = page_path(x);
    size_t path_len = strlen(path), query_len = 0;
    snprintf(back, WEB_QUERY_BYTES, "%s", path);
    if (web_request_query_string(x->req, query, sizeof query) == 0)
        query_len = strlen(query);
    if (query_len > 0 && path_len + 1 + query_len < WEB_QUERY_BYTES) {
        back[path_len] = '?';
        memcpy(back + path_len + 1, query, query_len + 1);
    } else if (post_query_id(x, id))
        snprintf(back, WEB_QUERY_BYTES, "%s?id=%s", path, id);
}

static void language_link(struct html *h, const struct post_exchange *x)
{
    char back[WEB_QUERY_BYTES], href[3 * WEB_QUERY_BYTES + 32];
    back_here(x, back);
    snprintf(href, sizeof href, "/lang?to=%s&back=", x->lang == MSG_LANG_EN ? "id" : "en");
    layout_url_append(href, sizeof href, back);
    const struct html_attr attrs[] = {A("href", href), A("id", "lang-switch"),
                                      A("lang", x->lang == MSG_LANG_EN ? "id" : "en")};
    html_element(h, "a", attrs, N(attrs), post_say(x, MSG_LANGUAGE_SWITCH));
}

/* The menu: every GET page of the route table that names a menu label, so a page that
 * exists is linked and none that does not. */
static void menu(struct html *h, const struct post_exchange *x)
{
    const struct html_attr nav[] = {A("class", "menu"), A("id", "menu"),
                                    A("aria-label", post_say(x, MSG_POST_MENU))};
    html_open(h, "nav", nav, N(nav));
    html_open(h, "ul", NULL, 0);
    for (const struct post_route *r = post_routes(); r->at.path; r++) {
        if (r->menu == MSG_COUNT || strcmp(r->at.method, "GET") != 0 ||
            (r->access == POST_HEAD_ONLY && x->staff.role != NODE_STAFF_HEAD))
            continue;
        bool here = strcmp(r->at.path, x->req->path) == 0;
        const struct html_attr link[] = {A("href", r->at.path), A("aria-current", "page")};
        html_open(h, "li", NULL, 0);
        html_element(h, "a", link, here ? 2 : 1, post_say(x, r->menu));
        html_close(h, "li");
    }
    html_close(h, "ul");
    html_close(h, "nav");
}

static void topbar(struct html *h, const struct post_exchange *x)
{
    const struct html_attr bar[] = {A("class", "topbar")};
    const struct html_attr brand[] = {A("class", "brand"), A("href", "/")};
    const struct html_attr tools[] = {A("class", "tools")};
    html_open(h, "header", bar, N(bar));
    html_element(h, "a", brand, N(brand), post_say(x, MSG_POST_APP));
    html_open(h, "div", tools, N(tools));
    language_link(h, x);
    if (x->signed_in) {
        const struct html_attr who[] = {A("class", "who"), A("id", "who")};
        html_element(h, "span", who, N(who), x->staff.name);
        const struct html_attr form[] = {A("method", "post"), A("action", "/sign-out")};
        const struct html_attr button[] = {A("type", "submit"), A("id", "sign-out")};
        html_open(h, "form", form, N(form));
        post_csrf_field(h, x);
        html_element(h, "button", button, N(button), post_say(x, MSG_SIGN_OUT));
        html_close(h, "form");
    }
    html_close(h, "div");
    html_close(h, "header");
    if (x->signed_in)
        menu(h, x);
}

void post_page_open(struct html *h, const struct post_exchange *x, enum msg_id title)
{
    char skip_href[96];
    snprintf(skip_href, sizeof skip_href, "%s#main", page_path(x));
    const struct html_attr skip[] = {A("class", "skip"), A("href", skip_href)};
    const struct html_attr main_attrs[] = {A("id", "main")};
    web_page_head(h, x->lang, post_say(x, title), post_say(x, MSG_POST_APP), "post.css");
    html_element(h, "a", skip, N(skip), post_say(x, MSG_SKIP_TO_CONTENT));
    topbar(h, x);
    html_open(h, "main", main_attrs, N(main_attrs));
}

int post_page_close(struct html *h, struct post_exchange *x, unsigned status)
{
    return web_page_finish(h, x->resp, status);
}

int post_page_message(struct post_exchange *x, unsigned status, enum msg_id text)
{
    struct html h;
    html_init(&h);
    post_page_open(&h, x, text);
    post_card_begin(&h);
    layout_alert(&h, "error", post_say(x, text));
    const struct html_attr home[] = {A("href", "/")};
    html_element(&h, "a", home, N(home), post_say(x, MSG_HOME));
    html_close(&h, "div");
    return post_page_close(&h, x, status);
}
