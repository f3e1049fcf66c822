/* The monitoring and evaluation page and its endpoints (page_me.h). */
#include "api/page_me.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/console_layout.h"
#include "render/render_me.h"
#include "sae/sae_area.h"
#include "store/hub_areas.h"

/* The query of a request: the period and area as given (kept in the form and the links) and
 * the filter they make. */
struct me_query {
    char from[ME_MONTH_BYTES + 8], to[ME_MONTH_BYTES + 8], kecamatan_text[128];
    char kecamatan[SAE_AREA_CODE_BYTES];
    struct me_filter filter;
};

/* SAE_EINVAL for a period or kecamatan that is not one (the caller answers 400). */
static int read_query(struct console_exchange *x, struct me_query *q)
{
    memset(q, 0, sizeof *q);
    if (layout_query(x, "from", q->from, sizeof q->from) != 0 ||
        layout_query(x, "to", q->to, sizeof q->to) != 0 ||
        layout_query(x, "kecamatan", q->kecamatan_text, sizeof q->kecamatan_text) != 0)
        return SAE_EINVAL;
    if (me_filter_period(&q->filter, q->from[0] ? q->from : NULL, q->to[0] ? q->to : NULL) != 0)
        return SAE_EINVAL;
    if (q->kecamatan_text[0]) {
        struct sae_message why = {{0}};
        if (hub_areas_resolve(x->store, q->kecamatan_text, SAE_AREA_DISTRICT, q->kecamatan,
                              &why) != 0)
            return SAE_EINVAL;
        q->filter.kecamatan = q->kecamatan;
    }
    q->filter.now_ms = x->now_s * 1000;
    return 0;
}

/* The query part of a figure's links, from values read_query accepted (months and a
 * kecamatan's code: nothing to escape in a URL). */
static void link_query(const struct me_query *q, const char *figure, char *out, size_t cap)
{
    snprintf(out, cap, "figure=%s&from=%s&to=%s&kecamatan=%s", figure, q->from, q->to,
             q->kecamatan);
}

/* Which date puts a figure's items in a month, and which place gets the credit. */
static void bases(enum me_figure_id id, enum msg_id *date, enum msg_id *place)
{
    *place = MSG_BASIS_EVENT_PLACE;
    if (id == ME_SERVICES_BY_SPM)
        *date = MSG_BASIS_SERVICE_DATE;
    else if (id == ME_SHELTER_STAYS)
        *date = MSG_BASIS_STAY_DATE;
    else if (id == ME_REFERRALS)
        *date = MSG_BASIS_REFERRAL_DATE;
    else {
        *date = MSG_BASIS_CASE_DATE;
        *place = MSG_BASIS_CASE_PLACE;
    }
}

static void filter_form(struct html *h, const struct console_exchange *x,
                        const struct me_query *q)
{
    const struct html_attr form[] = {LAYOUT_A("method", "get"), LAYOUT_A("action", "/console/me"),
                                     LAYOUT_A("class", "filters"), LAYOUT_A("id", "filters")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary"),
                                       LAYOUT_A("id", "show")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_filter_field(h, "from", layout_say(x, MSG_FROM_MONTH), q->from);
    layout_filter_field(h, "to", layout_say(x, MSG_TO_MONTH), q->to);
    layout_filter_field(h, "kecamatan", layout_say(x, MSG_KECAMATAN_CODE_OR_NAME), q->kecamatan_text);
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_SHOW));
    html_close(h, "form");
}

static void totals(struct html *h, const struct console_exchange *x, const struct me_report *r)
{
    char counted[24], left[24], linked[24];
    snprintf(counted, sizeof counted, "%lld", (long long)r->counted);
    snprintf(left, sizeof left, "%lld", (long long)r->left_out);
    snprintf(linked, sizeof linked, "%lld", (long long)r->linked);
    const struct html_attr facts[] = {LAYOUT_A("class", "facts totals"), LAYOUT_A("id", "totals")};
    const struct html_attr counted_id[] = {LAYOUT_A("id", "counted")};
    const struct html_attr left_id[] = {LAYOUT_A("id", "left-out")};
    const struct html_attr linked_id[] = {LAYOUT_A("id", "linked")};
    html_open(h, "dl", facts, LAYOUT_N(facts));
    html_element(h, "dt", NULL, 0, layout_say(x, MSG_COUNTED));
    html_element(h, "dd", counted_id, LAYOUT_N(counted_id), counted);
    html_element(h, "dt", NULL, 0, layout_say(x, MSG_LEFT_OUT));
    html_element(h, "dd", left_id, LAYOUT_N(left_id), left);
    html_element(h, "dt", NULL, 0, layout_say(x, MSG_LINKED));
    html_element(h, "dd", linked_id, LAYOUT_N(linked_id), linked);
    html_close(h, "dl");
    layout_note(h, "hint", "consent-note", layout_say(x, MSG_CONSENT_NOTE));
}

static void figure_table(struct html *h, const struct console_exchange *x,
                         const struct me_figure *f)
{
    static const enum msg_id columns[] = {MSG_CATEGORY, MSG_DETAIL, MSG_TOTAL};
    char id[64];
    snprintf(id, sizeof id, "table-%s", f->name);
    layout_table_begin_msgs(h, x, id, columns, LAYOUT_N(columns));
    for (size_t i = 0; i < f->count; i++) {
        const struct me_row *row = &f->rows[i];
        const char *label = me_row_label(f, row, x->lang == MSG_LANG_EN);
        html_open(h, "tr", NULL, 0);
        layout_cell(h, label ? label : row->key);
        layout_cell(h, row->sub);
        layout_cell_int(h, row->count);
        html_close(h, "tr");
    }
    layout_table_end(h);
    if (f->count == 0)
        layout_note(h, "empty", NULL, layout_say(x, MSG_NO_ROWS));
}

static void figure_section(struct html *h, const struct console_exchange *x,
                           const struct me_query *q, const struct me_figure *f)
{
    char section_id[64], query[192], src[256], csv[256], basis[512];
    enum msg_id date, place;
    const char *title = x->lang == MSG_LANG_EN ? f->title_en : f->title_id;
    bases(f->id, &date, &place);
    snprintf(section_id, sizeof section_id, "figure-%s", f->name);
    link_query(q, f->name, query, sizeof query);
    snprintf(src, sizeof src, "/console/me/chart.svg?%s", query);
    snprintf(csv, sizeof csv, "/console/me/figure.csv?%s", query);
    snprintf(basis, sizeof basis, "%s: %s. %s: %s.", layout_say(x, MSG_DATE_BASIS),
             layout_say(x, date), layout_say(x, MSG_PLACE_BASIS), layout_say(x, place));
    const struct html_attr section[] = {LAYOUT_A("class", "figure card"), LAYOUT_A("id", section_id)};
    const struct html_attr body[] = {LAYOUT_A("class", "figure-body")};
    const struct html_attr img[] = {LAYOUT_A("src", src), LAYOUT_A("alt", title),
                                    LAYOUT_A("class", "chart")};
    const struct html_attr link[] = {LAYOUT_A("href", csv), LAYOUT_A("class", "button csv")};
    html_open(h, "section", section, LAYOUT_N(section));
    html_element(h, "h2", NULL, 0, title);
    layout_note(h, "hint basis", NULL, basis);
    html_open(h, "div", body, LAYOUT_N(body));
    html_open(h, "img", img, LAYOUT_N(img));
    html_open(h, "div", NULL, 0);
    figure_table(h, x, f);
    html_element(h, "a", link, LAYOUT_N(link), layout_say(x, MSG_DOWNLOAD_CSV));
    html_close(h, "div");
    html_close(h, "div");
    html_close(h, "section");
}

/* The report of the request's query; 400 answered (and *loaded false) for a bad query. */
static int load(struct console_exchange *x, bool api, struct me_query *q, struct me_report *r,
                bool *loaded)
{
    *loaded = false;
    if (read_query(x, q) != 0) {
        if (api)
            return console_api_error(x, 400, "bad-period", "from and to are months YYYY-MM "
                                     "(at most 120, to not before from); kecamatan a code or "
                                     "name of the list");
        return console_page_message(x, 400, MSG_BAD_PERIOD);
    }
    int rc = me_cache_load(x->console->me_cache, x->store, &q->filter, r);
    *loaded = rc == 0;
    return rc;
}

int page_me(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct me_query q;
    struct me_report r;
    bool loaded = false;
    int rc = load(x, false, &q, &r, &loaded);
    if (!loaded)
        return rc;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_ME, "me", false);
    layout_heading(&h, x, MSG_ME);
    layout_note(&h, "intro", NULL, layout_say(x, MSG_ME_INTRO));
    filter_form(&h, x, &q);
    const struct html_attr rekap[] = {LAYOUT_A("href", "/console/me/rekap"), LAYOUT_A("id", "rekap"),
                                      LAYOUT_A("class", "button")};
    html_element(&h, "a", rekap, LAYOUT_N(rekap), layout_say(x, MSG_REKAP_LINK));
    totals(&h, x, &r);
    for (size_t i = 0; i < ME_FIGURE_COUNT; i++)
        if (r.figures[i].id != ME_REKAP) /* the recap is its own printable page */
            figure_section(&h, x, &q, &r.figures[i]);
    me_report_free(&r);
    return console_page_close(&h, x, 200);
}

typedef int (*figure_writer)(FILE *out, const struct me_figure *figure);

/* One figure of the query's report written by write, as content_type. */
static int answer_figure(struct console_exchange *x, figure_writer write,
                         const char *content_type, bool attachment)
{
    char name[64] = "";
    if (layout_query(x, "figure", name, sizeof name) != 0 || !me_figure_name_known(name))
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    struct me_query q;
    struct me_report r;
    bool loaded = false;
    int rc = load(x, false, &q, &r, &loaded);
    if (!loaded)
        return rc;
    char *bytes = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&bytes, &len);
    rc = out ? write(out, me_report_figure(&r, name)) : SAE_ENOMEM;
    if (out && fclose(out) != 0 && rc == 0)
        rc = SAE_ENOMEM;
    me_report_free(&r);
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.csv\"", name);
    if (rc == 0 && attachment)
        rc = web_response_header(x->resp, "Content-Disposition", disposition);
    if (rc != 0) {
        free(bytes);
        return rc;
    }
    return web_response_body(x->resp, 200, content_type, (uint8_t *)bytes, len);
}

int page_me_chart(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    return answer_figure(x, me_figure_svg, "image/svg+xml", false);
}

int page_me_csv(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    return answer_figure(x, me_figure_csv, "text/csv; charset=utf-8", true);
}

int api_me(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct me_query q;
    struct me_report r;
    bool loaded = false;
    int rc = load(x, true, &q, &r, &loaded);
    if (!loaded)
        return rc;
    json_t *value = me_report_json(&r);
    me_report_free(&r);
    return console_api_answer(x, 200, value);
}
