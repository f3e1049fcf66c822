/* The console's own page pieces (console_layout.h). */
#include "api/console_layout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define A LAYOUT_A
#define N LAYOUT_N

const char *layout_say(const struct console_exchange *x, enum msg_id id)
{
    return msg_get(x->lang, id);
}

void layout_csrf(struct html *h, const struct console_exchange *x)
{
    layout_hidden(h, "csrf", x->caller.csrf);
}

void layout_table_begin_msgs(struct html *h, const struct console_exchange *x, const char *id,
                             const enum msg_id *columns, size_t count)
{
    layout_table_head(h, id);
    for (size_t i = 0; i < count; i++)
        layout_table_heading(h, layout_say(x, columns[i]));
    layout_table_body(h);
}

static void pager_link(struct html *h, const char *base, size_t offset, const char *rel,
                       const char *label)
{
    char href[1024];
    int n = snprintf(href, sizeof href, "%soffset=%zu", base, offset);
    if (n < 0 || (size_t)n >= sizeof href)
        return;
    const struct html_attr link[] = {A("href", href), A("rel", rel), A("id", rel)};
    html_element(h, "a", link, N(link), label);
}

void layout_pager(struct html *h, const struct console_exchange *x, const char *base,
                  size_t offset, size_t limit, int64_t total)
{
    const struct html_attr nav[] = {A("class", "pager"), A("aria-label", layout_say(x, MSG_PAGES))};
    char span[96];
    size_t last = offset + limit < (size_t)total ? offset + limit : (size_t)total;
    snprintf(span, sizeof span, "%zu\xE2\x80\x93%zu %s %" PRId64, total ? offset + 1 : 0, last,
             layout_say(x, MSG_OF), total);
    html_open(h, "nav", nav, N(nav));
    if (offset > 0)
        pager_link(h, base, offset > limit ? offset - limit : 0, "prev",
                   layout_say(x, MSG_PREVIOUS));
    const struct html_attr count[] = {A("id", "range")};
    html_element(h, "span", count, N(count), span);
    if (offset + limit < (size_t)total)
        pager_link(h, base, offset + limit, "next", layout_say(x, MSG_NEXT));
    html_close(h, "nav");
}

void layout_value_text(const struct console_exchange *x, const struct sae_field *field,
                       const char *value, char *out, size_t cap)
{
    snprintf(out, cap, "%s", value ? value : "");
    if (!field || !value || (field->type != SAE_FIELD_ENUM && field->type != SAE_FIELD_BOOL &&
                             field->type != SAE_FIELD_SET))
        return;
    const struct sae_enum_value *v = sae_field_find_value(field, value);
    if (v)
        snprintf(out, cap, "%s", x->lang == MSG_LANG_EN ? v->label_en : v->label_id);
}

void layout_heading(struct html *h, const struct console_exchange *x, enum msg_id title)
{
    const struct html_attr crumbs[] = {A("class", "crumbs"),
                                       A("aria-label", layout_say(x, MSG_SECTIONS))};
    const struct html_attr home[] = {A("href", "/console/"), A("id", "home")};
    html_open(h, "nav", crumbs, N(crumbs));
    html_element(h, "a", home, N(home), layout_say(x, MSG_HOME));
    html_close(h, "nav");
    html_element(h, "h1", NULL, 0, layout_say(x, title));
}

int layout_query(const struct console_exchange *x, const char *name, char *out, size_t cap)
{
    int rc = web_request_query(x->req, name, out, cap);
    if (rc == SAE_ENOTFOUND) {
        out[0] = '\0';
        return 0;
    }
    return rc;
}

