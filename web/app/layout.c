/* Page pieces (layout.h). */
#include "app/layout.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sae/sae_error.h"

#define A LAYOUT_A
#define N LAYOUT_N

void layout_hidden(struct html *h, const char *name, const char *value)
{
    const struct html_attr attrs[] = {A("type", "hidden"), A("name", name), A("value", value)};
    html_open(h, "input", attrs, N(attrs));
}

void layout_select(struct html *h, const char *id, const char *label,
                   const struct layout_option *options, size_t count, const char *any,
                   const char *selected)
{
    const struct html_attr lab[] = {A("for", id)};
    const struct html_attr sel[] = {A("id", id), A("name", id)};
    html_open(h, "div", NULL, 0);
    html_element(h, "label", lab, N(lab), label);
    html_open(h, "select", sel, N(sel));
    if (any) {
        const struct html_attr none[] = {A("value", "")};
        html_element(h, "option", none, N(none), any);
    }
    for (size_t i = 0; i < count; i++) {
        bool on = selected && strcmp(selected, options[i].value) == 0;
        const struct html_attr opt[] = {A("value", options[i].value), A("selected", NULL)};
        html_element(h, "option", opt, on ? 2 : 1, options[i].label);
    }
    html_close(h, "select");
    html_close(h, "div");
}

/* A <div> holding a <label> and its <input>; cls NULL for none. */
static void labelled_input(struct html *h, const char *cls, const char *id, const char *type,
                           const char *label, const char *value)
{
    const struct html_attr wrap[] = {A("class", cls)};
    const struct html_attr lab[] = {A("for", id)};
    const struct html_attr in[] = {A("id", id), A("name", id), A("type", type),
                                   A("value", value ? value : "")};
    html_open(h, "div", wrap, cls ? N(wrap) : 0);
    html_element(h, "label", lab, N(lab), label);
    html_open(h, "input", in, N(in));
    html_close(h, "div");
}

void layout_input(struct html *h, const char *id, const char *type, const char *label,
                  const char *value)
{
    labelled_input(h, NULL, id, type, label, value);
}

void layout_filter_field(struct html *h, const char *name, const char *label, const char *value)
{
    labelled_input(h, "filter", name, "text", label, value);
}

void layout_table_head(struct html *h, const char *id)
{
    const struct html_attr wrap[] = {A("class", "table-wrap")};
    const struct html_attr table[] = {A("class", "data"), A("id", id)};
    html_open(h, "div", wrap, N(wrap));
    html_open(h, "table", table, N(table));
    html_open(h, "thead", NULL, 0);
    html_open(h, "tr", NULL, 0);
}

void layout_table_heading(struct html *h, const char *text)
{
    const struct html_attr col[] = {A("scope", "col")};
    html_element(h, "th", col, N(col), text);
}

void layout_table_body(struct html *h)
{
    html_close(h, "tr");
    html_close(h, "thead");
    html_open(h, "tbody", NULL, 0);
}

void layout_table_begin(struct html *h, const char *id, const char *const *headings,
                        size_t count)
{
    layout_table_head(h, id);
    for (size_t i = 0; i < count; i++)
        layout_table_heading(h, headings[i]);
    layout_table_body(h);
}

void layout_table_end(struct html *h)
{
    html_close(h, "tbody");
    html_close(h, "table");
    html_close(h, "div");
}

void layout_cell(struct html *h, const char *text)
{
    html_element(h, "td", NULL, 0, text ? text : "\xE2\x80\x94");
}

void layout_cell_link(struct html *h, const char *href, const char *text)
{
    const struct html_attr link[] = {A("href", href)};
    html_open(h, "td", NULL, 0);
    html_element(h, "a", link, N(link), text);
    html_close(h, "td");
}

void layout_cell_int(struct html *h, int64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, value);
    const struct html_attr num[] = {A("class", "num")};
    html_element(h, "td", num, N(num), text);
}

void layout_alert(struct html *h, const char *kind, const char *text)
{
    char cls[32];
    snprintf(cls, sizeof cls, "alert %s", kind);
    const struct html_attr attrs[] = {A("class", cls), A("role", "alert"), A("id", "alert")};
    if (text)
        html_element(h, "p", attrs, N(attrs), text);
}

void layout_time(int64_t ms, char out[LAYOUT_TIME_BYTES])
{
    out[0] = '\0';
    if (ms <= 0)
        return;
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || strftime(out, LAYOUT_TIME_BYTES, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, LAYOUT_TIME_BYTES, "?");
}

void layout_note(struct html *h, const char *cls, const char *id, const char *text)
{
    const struct html_attr with_id[] = {A("class", cls), A("id", id)};
    html_element(h, "p", with_id, id ? 2 : 1, text);
}

int layout_url_append(char *out, size_t cap, const char *text)
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
