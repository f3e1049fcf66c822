/* Shared page pieces, the route table and the role rules (console_layout.h). */
#include "api/console_layout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/web_page.h"


#define A LAYOUT_A
#define N LAYOUT_N

/* The role rules, in one table (the "Accounts and roles"): an admin sees no case
 * content unless also a coordinator; a partner none of these. */
static const unsigned RIGHTS[] = {
    [RIGHT_CASES] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_REVEAL] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_EDIT] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_REVIEW] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_RESOLVE] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_CONFLICTS] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_EXPORT] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_EXPORT_FULL] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_POSTS] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR) |
                    ROLE_BIT(HUB_ROLE_ADMIN),
    [RIGHT_POSTS_ADMIN] = ROLE_BIT(HUB_ROLE_ADMIN),
    [RIGHT_ME] = ROLE_BIT(HUB_ROLE_OPERATOR) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_MONTH_LOCK] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    /* The hub serves one district: its coordinators see the district's audit. */
    [RIGHT_AUDIT] = ROLE_BIT(HUB_ROLE_ADMIN) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_REFERRALS] = ROLE_BIT(HUB_ROLE_PARTNER) | ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_ANSWER] = ROLE_BIT(HUB_ROLE_PARTNER),
    [RIGHT_OVERRIDE] = ROLE_BIT(HUB_ROLE_COORDINATOR),
    [RIGHT_ACCOUNTS] = ROLE_BIT(HUB_ROLE_ADMIN),
};

bool console_may(enum hub_role role, enum console_right right)
{
    return (size_t)right < N(RIGHTS) && (RIGHTS[right] & ROLE_BIT(role)) != 0;
}

const char *layout_say(const struct console_exchange *x, enum msg_id id)
{
    return msg_get(x->lang, id);
}

void layout_hidden(struct html *h, const char *name, const char *value)
{
    web_page_hidden(h, name, value);
}

void layout_csrf(struct html *h, const struct console_exchange *x)
{
    layout_hidden(h, "csrf", x->caller.csrf);
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

void layout_input(struct html *h, const char *id, const char *type, const char *label,
                  const char *value)
{
    const struct html_attr lab[] = {A("for", id)};
    const struct html_attr in[] = {A("id", id), A("name", id), A("type", type),
                                   A("value", value ? value : "")};
    html_open(h, "div", NULL, 0);
    html_element(h, "label", lab, N(lab), label);
    html_open(h, "input", in, N(in));
    html_close(h, "div");
}

void layout_table_begin(struct html *h, const char *id, const char *const *headings,
                        size_t count)
{
    web_page_table_begin(h, id, headings, count);
}

void layout_table_end(struct html *h)
{
    web_page_table_end(h);
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

void layout_alert(struct html *h, const char *kind, const char *text)
{
    web_page_alert(h, kind, text);
}

int layout_message_page(struct console_exchange *x, unsigned status, enum msg_id text)
{
    struct html h;
    html_init(&h);
    console_page_open(&h, x, text, "home", true);
    const struct html_attr card[] = {A("class", "card")};
    html_open(&h, "div", card, N(card));
    layout_alert(&h, "error", layout_say(x, text));
    const struct html_attr home[] = {A("href", "/console/")};
    html_element(&h, "a", home, N(home), layout_say(x, MSG_HOME));
    html_close(&h, "div");
    return console_page_close(&h, x, status);
}

void layout_time(int64_t ms, char out[20])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || strftime(out, 20, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, 20, "?");
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
