/* The printable monthly recap and the month's lock (page_rekap.h). */
#include "api/page_rekap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/console_layout.h"
#include "render/render_me.h"
#include "sae/sae_derived.h"
#include "store/month_lock.h"

/* The month before today's (WIB): the last one whose figures are whole. */
static void last_month(int64_t now_ms, char out[ME_MONTH_BYTES])
{
    char today[11];
    sae_date_today(now_ms, today);
    unsigned y = (unsigned)atoi(today), m = (unsigned)atoi(today + 5);
    snprintf(out, ME_MONTH_BYTES, "%04u-%02u", (m == 1 ? y - 1 : y) % 10000,
             (m == 1 ? 12 : m - 1) % 100);
}

struct rekap_table {
    struct html *h;
    const struct console_exchange *x;
};

static int rekap_row(const struct me_rekap_row *row, void *context)
{
    const struct console_exchange *x = ((struct rekap_table *)context)->x;
    struct html *h = ((struct rekap_table *)context)->h;
    html_open(h, "tr", NULL, 0);
    layout_cell(h, x->lang == MSG_LANG_EN ? row->heading_en : row->heading);
    for (int i = 0; i < 5; i++)
        layout_cell_int(h, row->cells[i]);
    layout_cell_int(h, me_rekap_total(row));
    html_close(h, "tr");
    return 0;
}

static void services_table(struct html *h, const struct console_exchange *x,
                           const struct me_figure *f)
{
    static const enum msg_id columns[] = {MSG_CATEGORY, MSG_DETAIL, MSG_TOTAL};
    html_element(h, "h2", NULL, 0, layout_say(x, MSG_REKAP_SERVICES));
    layout_table_begin_msgs(h, x, "rekap-services", columns, LAYOUT_N(columns));
    for (size_t i = 0; i < f->count; i++) {
        const char *label = me_row_label(f, &f->rows[i], x->lang == MSG_LANG_EN);
        html_open(h, "tr", NULL, 0);
        layout_cell(h, label ? label : f->rows[i].key);
        layout_cell(h, f->rows[i].sub);
        layout_cell_int(h, f->rows[i].count);
        html_close(h, "tr");
    }
    layout_table_end(h);
}

static int revisions_table(struct html *h, struct console_exchange *x, const char *month)
{
    static const enum msg_id columns[] = {MSG_FIGURE, MSG_CATEGORY, MSG_DETAIL, MSG_AT_LOCK,
                                          MSG_NOW};
    struct month_revision *revisions = NULL;
    size_t count = 0;
    int rc = month_revisions(x->store, month, x->now_s * 1000, &revisions, &count);
    if (rc != 0)
        return rc;
    html_element(h, "h2", NULL, 0, layout_say(x, MSG_REVISIONS));
    if (count == 0)
        layout_note(h, "hint", "no-revisions", layout_say(x, MSG_NO_REVISIONS));
    else
        layout_table_begin_msgs(h, x, "revisions", columns, LAYOUT_N(columns));
    for (size_t i = 0; i < count; i++) {
        html_open(h, "tr", NULL, 0);
        layout_cell(h, revisions[i].figure);
        layout_cell(h, revisions[i].key);
        layout_cell(h, revisions[i].sub);
        layout_cell_int(h, revisions[i].locked);
        layout_cell_int(h, revisions[i].now);
        html_close(h, "tr");
    }
    if (count)
        layout_table_end(h);
    month_revisions_free(revisions, count);
    return 0;
}

/* Who locked the month, or (for a coordinator) the form that approves and locks it. */
static int lock_state(struct html *h, struct console_exchange *x, const char *month)
{
    struct month_lock_info lock;
    int rc = month_lock_get(x->store, month, &lock);
    if (rc == 0) {
        char when[LAYOUT_TIME_BYTES], text[256];
        layout_time(lock.locked_ms, when);
        snprintf(text, sizeof text, "%s %s, %s UTC.", layout_say(x, MSG_LOCKED_BY), lock.locked_by,
                 when);
        layout_note(h, "alert ok", "lock-state", text);
        return revisions_table(h, x, month);
    }
    if (rc != SAE_ENOTFOUND)
        return rc;
    layout_note(h, "hint", "lock-state", layout_say(x, MSG_NOT_LOCKED));
    if (x->caller.account.role != HUB_ROLE_COORDINATOR)
        return 0;
    const struct html_attr form[] = {LAYOUT_A("method", "post"), LAYOUT_A("action", "/console/me/lock"),
                                     LAYOUT_A("class", "lock")};
    const struct html_attr hidden[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "month"),
                                       LAYOUT_A("value", month)};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary"),
                                       LAYOUT_A("id", "lock")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    html_open(h, "input", hidden, LAYOUT_N(hidden));
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_LOCK));
    html_close(h, "form");
    return 0;
}

static void month_form(struct html *h, const struct console_exchange *x, const char *month)
{
    const struct html_attr form[] = {LAYOUT_A("method", "get"),
                                     LAYOUT_A("action", "/console/me/rekap"),
                                     LAYOUT_A("class", "filters"), LAYOUT_A("id", "filters")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary"),
                                       LAYOUT_A("id", "show")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_filter_field(h, "month", layout_say(x, MSG_MONTH), month);
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_SHOW));
    html_close(h, "form");
}

static int rekap_body(struct html *h, struct console_exchange *x, const char *month,
                      const struct me_report *r)
{
    static const enum msg_id columns[] = {MSG_VIOLENCE_TYPE, MSG_CHILD_F, MSG_CHILD_M,
                                          MSG_ADULT_F, MSG_ADULT_M, MSG_UNKNOWN, MSG_TOTAL};
    char heading[128];
    snprintf(heading, sizeof heading, "%s %s", layout_say(x, MSG_REKAP), month);
    html_element(h, "h2", NULL, 0, heading);
    layout_note(h, "hint", "consent-note", layout_say(x, MSG_CONSENT_NOTE));
    html_element(h, "h2", NULL, 0, layout_say(x, MSG_REKAP_TYPES));
    layout_table_begin_msgs(h, x, "rekap-types", columns, LAYOUT_N(columns));
    struct rekap_table table = {h, x};
    int rc = me_rekap_rows(r, rekap_row, &table);
    layout_table_end(h);
    services_table(h, x, &r->figures[ME_SERVICES_BY_SPM]);
    return rc == 0 ? lock_state(h, x, month) : rc;
}

int page_rekap(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char text[16] = "", month[ME_MONTH_BYTES];
    struct me_filter filter = {.now_ms = x->now_s * 1000};
    if (layout_query(x, "month", text, sizeof text) != 0)
        return console_page_message(x, 400, MSG_BAD_PERIOD);
    if (text[0])
        snprintf(month, sizeof month, "%.7s", text);
    else
        last_month(filter.now_ms, month);
    if (strlen(text) > 7 || me_filter_period(&filter, month, month) != 0)
        return console_page_message(x, 400, MSG_BAD_PERIOD);
    struct me_report r;
    int rc = me_cache_load(x->console->me_cache, x->store, &filter, &r);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_REKAP, "me", false);
    layout_heading(&h, x, MSG_REKAP);
    layout_note(&h, "intro", NULL, layout_say(x, MSG_PRINT_HINT));
    month_form(&h, x, month);
    rc = rekap_body(&h, x, month, &r);
    me_report_free(&r);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, 200);
}

int page_rekap_lock(struct console_exchange *x, const struct web_form *form)
{
    const char *month = web_form_get(form, "month");
    char checked[ME_MONTH_BYTES], back[64];
    if (!month || me_month_parse(month, checked) != 0)
        return console_page_message(x, 400, MSG_BAD_PERIOD);
    struct sae_message why = {{0}};
    int64_t now_ms = x->now_s * 1000;
    int rc = month_lock(x->store, checked, x->caller.account.name, now_ms, &why);
    if (rc == 0)
        rc = hub_audit_append(x->store, x->caller.account.name, "month-lock", checked,
                              x->caller.address, now_ms);
    if (rc == SAE_EINVAL || rc == SAE_EEXIST) {
        struct html h;
        html_init(&h);
        console_page_open(&h, x, MSG_REKAP, "me", true);
        layout_heading(&h, x, MSG_REKAP);
        layout_note(&h, "alert error", "alert", layout_say(x, MSG_LOCK_REFUSED));
        layout_note(&h, "hint", "why", why.text);
        return console_page_close(&h, x, rc == SAE_EEXIST ? 409 : 400);
    }
    if (rc != 0)
        return rc;
    snprintf(back, sizeof back, "/console/me/rekap?month=%s", checked);
    return web_response_redirect(x->resp, back);
}
