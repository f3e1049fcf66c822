/* Daftar kasus (page_cases.h). The search runs in node.db (store/case_search.h); names are
 * shown here, on the post's own computer, and nowhere else. */
#include "app/page_cases.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/layout.h"
#include "app/post_value.h"
#include "app/web_page.h"
#include "store/case_search.h"
#include "store/value_seal.h"

#define A POST_A
#define N POST_N

/* The query as given, kept for the form and the paging links. */
struct cases_form {
    char q[WEB_QUERY_BYTES], status[WEB_QUERY_BYTES], risk[WEB_QUERY_BYTES];
    char from[WEB_QUERY_BYTES], to[WEB_QUERY_BYTES], offset[WEB_QUERY_BYTES];
};

/* The filters' names, as in the query and in case_search's refusals ("q: ..."). */
static const struct {
    const char *name;
    size_t offset;
    enum msg_id refusal;
} ARGS[] = {
    {"q", offsetof(struct cases_form, q), MSG_POST_CASES_BAD_TERM},
    {"status", offsetof(struct cases_form, status), MSG_POST_CASES_BAD_FILTER},
    {"risk", offsetof(struct cases_form, risk), MSG_POST_CASES_BAD_FILTER},
    {"from", offsetof(struct cases_form, from), MSG_POST_CASES_BAD_DATE},
    {"to", offsetof(struct cases_form, to), MSG_POST_CASES_BAD_DATE},
    {"offset", offsetof(struct cases_form, offset), MSG_POST_CASES_BAD_FILTER},
};

static char *arg_of(struct cases_form *f, size_t i)
{
    return (char *)f + ARGS[i].offset;
}

static const char *arg_text(const struct cases_form *f, size_t i)
{
    return (const char *)f + ARGS[i].offset;
}

/* Reads the arguments; *refusal names the first that cannot be read (MSG_COUNT: none). */
static void read_form(const struct post_exchange *x, struct cases_form *f, enum msg_id *refusal)
{
    *refusal = MSG_COUNT;
    for (size_t i = 0; i < N(ARGS); i++) {
        int rc = web_request_query(x->req, ARGS[i].name, arg_of(f, i), WEB_QUERY_BYTES);
        if (rc != 0)
            arg_of(f, i)[0] = '\0';
        if (rc != 0 && rc != SAE_ENOTFOUND && *refusal == MSG_COUNT)
            *refusal = ARGS[i].refusal;
    }
}

static int read_offset(const char *text, size_t *out)
{
    char *end = NULL;
    if (!text[0]) {
        *out = 0;
        return 0;
    }
    if (text[0] < '0' || text[0] > '9')
        return SAE_EINVAL;
    unsigned long long value = strtoull(text, &end, 10);
    if (*end || value > CASE_SEARCH_OFFSET_MAX)
        return SAE_EINVAL;
    *out = (size_t)value;
    return 0;
}

/* The message for case_search's refusal, from the filter its why names. */
static enum msg_id refusal_of(const struct sae_message *why)
{
    for (size_t i = 0; i < N(ARGS); i++) {
        size_t len = strlen(ARGS[i].name);
        if (strncmp(why->text, ARGS[i].name, len) == 0 && why->text[len] == ':')
            return ARGS[i].refusal;
    }
    return MSG_POST_CASES_BAD_FILTER;
}

static const struct sae_field *case_field(const char *name)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_kind("case", &kind) != 0 ||
        sae_catalogue_find_field(kind, name, &field) != 0)
        return NULL;
    return field;
}

/* Whether the value given (a code or a label, as case_search takes it) is v. */
static bool chosen(const struct sae_enum_value *v, const char *given)
{
    return strcasecmp(given, v->code) == 0 || strcasecmp(given, v->label_id) == 0 ||
           strcasecmp(given, v->label_en) == 0;
}

/* <label><select name> "any" then the field's values by label, the given one selected. */
static void choice(struct html *h, const struct post_exchange *x, const char *name,
                   const char *field_name, const char *selected)
{
    const struct sae_field *field = case_field(field_name);
    const struct html_attr label[] = {A("for", name)};
    const struct html_attr select[] = {A("id", name), A("name", name)};
    html_open(h, "div", NULL, 0);
    html_element(h, "label", label, N(label), msg_field_label(x->lang, field));
    html_open(h, "select", select, N(select));
    html_element(h, "option", (const struct html_attr[]){A("value", "")}, 1,
                 post_say(x, MSG_ANY));
    for (size_t i = 0; field && i < field->value_count; i++) {
        const struct sae_enum_value *v = &field->values[i];
        const struct html_attr on[] = {A("value", v->code), A("selected", NULL)};
        html_element(h, "option", on, chosen(v, selected) ? 2 : 1,
                     x->lang == MSG_LANG_EN ? v->label_en : v->label_id);
    }
    html_close(h, "select");
    html_close(h, "div");
}

static void text_input(struct html *h, const char *name, const char *type, const char *label,
                       const char *value)
{
    const struct html_attr for_[] = {A("for", name)};
    const struct html_attr input[] = {A("id", name), A("name", name), A("type", type),
                                      A("value", value)};
    html_open(h, "div", NULL, 0);
    html_element(h, "label", for_, N(for_), label);
    html_open(h, "input", input, N(input));
    html_close(h, "div");
}

static void filter_form(struct html *h, const struct post_exchange *x, const struct cases_form *f)
{
    const struct html_attr form[] = {A("method", "get"), A("action", "/cases"),
                                     A("class", "filters"), A("role", "search")};
    const struct html_attr submit[] = {A("type", "submit"), A("id", "search")};
    char hint[16];
    snprintf(hint, sizeof hint, "%d", CASE_SEARCH_TERM_MAX);
    html_open(h, "form", form, N(form));
    text_input(h, "q", "search", post_say(x, MSG_POST_CASES_SEARCH), f->q);
    choice(h, x, "status", "status", f->status);
    choice(h, x, "risk", "risk_level", f->risk);
    text_input(h, "from", "date", post_say(x, MSG_POST_CASES_FROM), f->from);
    text_input(h, "to", "date", post_say(x, MSG_POST_CASES_TO), f->to);
    html_element(h, "button", submit, N(submit), post_say(x, MSG_POST_CASES_FIND));
    html_close(h, "form");
}

/* Appends a separator ('=' or '&') that is not to be encoded. */
static int append_mark(char *out, size_t cap, char mark)
{
    size_t len = strlen(out);
    if (len + 1 >= cap)
        return SAE_ETOOBIG;
    out[len] = mark;
    out[len + 1] = '\0';
    return 0;
}

/* The query string of the form without offset, percent-encoded, ending in '&'; when it
 * does not fit (the form's fields are bounded, so never in practice), the list unfiltered. */
static void base_query(const struct cases_form *f, char *out, size_t cap)
{
    int rc = snprintf(out, cap, "/cases?") < (int)cap ? 0 : SAE_ETOOBIG;
    for (size_t i = 0; rc == 0 && i + 1 < N(ARGS); i++) {
        const char *value = arg_text(f, i);
        if (!value[0])
            continue;
        rc = layout_url_append(out, cap, ARGS[i].name);
        if (rc == 0)
            rc = append_mark(out, cap, '=');
        if (rc == 0)
            rc = layout_url_append(out, cap, value);
        if (rc == 0)
            rc = append_mark(out, cap, '&');
    }
    if (rc != 0)
        snprintf(out, cap, "/cases?");
}

static void pager(struct html *h, const struct post_exchange *x, const struct cases_form *f,
                  size_t offset, int64_t total)
{
    char base[1200], href[1300], span[96];
    const size_t rows = CASE_SEARCH_PAGE_ROWS;
    size_t last = offset + rows < (size_t)total ? offset + rows : (size_t)total;
    base_query(f, base, sizeof base);
    snprintf(span, sizeof span, "%zu\xE2\x80\x93%zu %s %" PRId64, total && offset < (size_t)total
             ? offset + 1 : 0, last < offset ? offset : last, post_say(x, MSG_OF), total);
    html_open(h, "nav", (const struct html_attr[]){A("class", "pager"),
                                                   A("aria-label", post_say(x, MSG_PAGES))}, 2);
    if (offset > 0) {
        snprintf(href, sizeof href, "%soffset=%zu", base, offset > rows ? offset - rows : 0);
        html_element(h, "a", (const struct html_attr[]){A("href", href), A("rel", "prev"),
                                                        A("id", "previous")}, 3,
                     post_say(x, MSG_PREVIOUS));
    }
    html_element(h, "span", (const struct html_attr[]){A("id", "range")}, 1, span);
    if (offset + rows < (size_t)total) {
        snprintf(href, sizeof href, "%soffset=%zu", base, offset + rows);
        html_element(h, "a", (const struct html_attr[]){A("href", href), A("rel", "next"),
                                                        A("id", "next")}, 3,
                     post_say(x, MSG_NEXT));
    }
    html_close(h, "nav");
}

static void cell(struct html *h, const struct post_exchange *x, const char *field_name,
                 const char *value)
{
    char text[POST_VALUE_BYTES];
    /* The list's values come through SQL (case_search.h: shown()), which gives the mask and
     * no flag beside it: there the mask's text is the sign. */
    bool masked = value && strcmp(value, VALUE_SEAL_MASK) == 0;
    post_value_text(x->lang, case_field(field_name), value, masked, false, text, sizeof text);
    html_element(h, "td", NULL, 0, text);
}

static void row(struct html *h, const struct post_exchange *x, const struct case_search_row *r)
{
    char href[SAE_ID_TEXT_LEN + 16];
    snprintf(href, sizeof href, "/case?id=%s", r->id);
    html_open(h, "tr", NULL, 0);
    html_open(h, "td", NULL, 0);
    html_element(h, "a", (const struct html_attr[]){A("href", href)}, 1,
                 r->registration[0] ? r->registration : r->id);
    html_close(h, "td");
    cell(h, x, "victim_name", r->name);
    cell(h, x, "status", r->status);
    cell(h, x, "risk_level", r->risk);
    cell(h, x, "intake_date", r->intake_date);
    html_close(h, "tr");
}

static void results(struct html *h, const struct post_exchange *x,
                    const struct case_search_page *page)
{
    static const char *const columns[] = {"registration_number", "victim_name", "status",
                                          "risk_level", "intake_date"};
    if (page->count == 0) {
        html_element(h, "p", (const struct html_attr[]){A("id", "no-cases")}, 1,
                     post_say(x, MSG_POST_CASES_NONE));
        return;
    }
    const char *headings[N(columns)];
    for (size_t i = 0; i < N(columns); i++)
        headings[i] = msg_field_label(x->lang, case_field(columns[i]));
    layout_table_begin(h, "cases", headings, N(columns));
    for (size_t i = 0; i < page->count; i++)
        row(h, x, &page->rows[i]);
    layout_table_end(h);
}

int page_cases(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    struct cases_form f;
    struct sae_message why = {{0}};
    struct case_search_query q = {0};
    enum msg_id refusal = MSG_COUNT;
    struct case_search_page *page = calloc(1, sizeof *page);
    if (!page)
        return post_page_message(x, 500, MSG_SERVER_ERROR);
    read_form(x, &f, &refusal);
    if (refusal == MSG_COUNT && read_offset(f.offset, &q.offset) != 0)
        refusal = MSG_POST_CASES_BAD_FILTER;
    q.term = f.q;
    q.status = f.status;
    q.risk = f.risk;
    q.from = f.from;
    q.to = f.to;
    int rc = refusal == MSG_COUNT ? case_search(x->store, &q, page, &why) : SAE_EINVAL;
    if (rc == SAE_EINVAL && refusal == MSG_COUNT)
        refusal = refusal_of(&why);
    if (rc != 0 && rc != SAE_EINVAL) {
        free(page);
        return post_page_message(x, 500, MSG_SERVER_ERROR);
    }
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_POST_CASES);
    filter_form(&h, x, &f);
    if (rc == 0) {
        pager(&h, x, &f, q.offset, page->total);
        results(&h, x, page);
    } else {
        layout_alert(&h, "error", post_say(x, refusal));
    }
    free(page);
    return post_page_close(&h, x, rc == 0 ? 200 : 400);
}
