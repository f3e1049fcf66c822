/* Shared pieces of the console's data pages (page_kit.h). */
#include "api/page_kit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>

void kit_heading(struct html *h, const struct console_exchange *x, enum msg_id title)
{
    const struct html_attr crumbs[] = {LAYOUT_A("class", "crumbs"),
                                       LAYOUT_A("aria-label", layout_say(x, MSG_SECTIONS))};
    const struct html_attr home[] = {LAYOUT_A("href", "/console/"), LAYOUT_A("id", "home")};
    html_open(h, "nav", crumbs, LAYOUT_N(crumbs));
    html_element(h, "a", home, LAYOUT_N(home), layout_say(x, MSG_HOME));
    html_close(h, "nav");
    html_element(h, "h1", NULL, 0, layout_say(x, title));
}

void kit_table_begin(struct html *h, const struct console_exchange *x, const char *id,
                     const enum msg_id *columns, size_t count)
{
    const struct html_attr table[] = {LAYOUT_A("class", "data"), LAYOUT_A("id", id)};
    const struct html_attr scope[] = {LAYOUT_A("scope", "col")};
    html_open(h, "table", table, LAYOUT_N(table));
    html_open(h, "thead", NULL, 0);
    html_open(h, "tr", NULL, 0);
    for (size_t i = 0; i < count; i++)
        html_element(h, "th", scope, LAYOUT_N(scope), layout_say(x, columns[i]));
    html_close(h, "tr");
    html_close(h, "thead");
    html_open(h, "tbody", NULL, 0);
}

void kit_table_end(struct html *h)
{
    html_close(h, "tbody");
    html_close(h, "table");
}

void kit_cell_int(struct html *h, int64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, value);
    const struct html_attr num[] = {LAYOUT_A("class", "num")};
    html_element(h, "td", num, LAYOUT_N(num), text);
}

void kit_note(struct html *h, const char *cls, const char *id, const char *text)
{
    const struct html_attr with_id[] = {LAYOUT_A("class", cls), LAYOUT_A("id", id)};
    html_element(h, "p", with_id, id ? 2 : 1, text);
}

void kit_filter_field(struct html *h, const char *name, const char *label, const char *value)
{
    const struct html_attr wrap[] = {LAYOUT_A("class", "filter")};
    const struct html_attr lab[] = {LAYOUT_A("for", name)};
    const struct html_attr input[] = {LAYOUT_A("id", name), LAYOUT_A("name", name),
                                      LAYOUT_A("type", "text"), LAYOUT_A("value", value)};
    html_open(h, "div", wrap, LAYOUT_N(wrap));
    html_element(h, "label", lab, LAYOUT_N(lab), label);
    html_open(h, "input", input, LAYOUT_N(input));
    html_close(h, "div");
}

void kit_time(int64_t ms, char out[KIT_TIME_BYTES])
{
    out[0] = '\0';
    if (ms > 0)
        layout_time(ms, out);
}

int kit_query(const struct console_exchange *x, const char *name, char *out, size_t cap)
{
    int rc = web_request_query(x->req, name, out, cap);
    if (rc == SAE_ENOTFOUND) {
        out[0] = '\0';
        return 0;
    }
    return rc;
}

int kit_url_append(char *out, size_t cap, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        bool plain = isalnum(*c) || strchr("-_.~", *c);
        if (len + (plain ? 1 : 3) >= cap)
            return SAE_ETOOBIG;
        if (plain) {
            out[len++] = (char)*c;
        } else {
            out[len++] = '%';
            out[len++] = hex[*c >> 4];
            out[len++] = hex[*c & 15];
        }
        out[len] = '\0';
    }
    return 0;
}
