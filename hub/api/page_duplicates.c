/* The possible duplicates' page (page_duplicates.h), from store/dup_pairs.h and
 * store/duplicates.h: the rules and audit of `sae-hub duplicates link | distinct`. */
#include "api/page_duplicates.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/html.h"
#include "sae/sae_limits.h"
#include "store/dup_pairs.h"
#include "store/duplicates.h"
#include "store/hub_read.h"

#define A LAYOUT_A
#define N LAYOUT_N
#define PAIRS_SHOWN 50u

static const struct {
    unsigned bit;
    enum msg_id label;
} SIGNALS[] = {
    {DUP_SAME_VILLAGE, MSG_DUP_SAME_VILLAGE}, {DUP_SAME_AGE, MSG_DUP_SAME_AGE},
    {DUP_INTAKE_CLOSE, MSG_DUP_INTAKE_CLOSE}, {DUP_SAME_INCIDENT, MSG_DUP_SAME_INCIDENT},
    {DUP_TYPES_SHARED, MSG_DUP_TYPES_SHARED}, {DUP_NAME_SAME, MSG_DUP_NAME_SAME},
    {DUP_NAME_DIFFERENT, MSG_DUP_NAME_DIFFERENT},
};

struct pairs_page {
    struct console_exchange *x;
    struct html *h;
    bool decide;
};

static void case_cell(struct html *h, const struct dup_case *c)
{
    char href[64], facts[192];
    snprintf(href, sizeof href, "/console/case?id=%s", c->id);
    snprintf(facts, sizeof facts, "%s \xC2\xB7 %s \xC2\xB7 %s \xC2\xB7 %" PRId64, c->village,
             c->intake_date, c->sex, c->age);
    const struct html_attr a[] = {A("href", href)};
    html_open(h, "td", NULL, 0);
    html_element(h, "a", a, N(a), c->number[0] ? c->number : c->id);
    html_open(h, "br", NULL, 0);
    html_element(h, "small", NULL, 0, facts);
    html_close(h, "td");
}

static void decide_form(struct html *h, const struct console_exchange *x,
                        const struct dup_pair *p)
{
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/duplicates/decide"),
                                     A("class", "actions")};
    html_open(h, "form", form, N(form));
    layout_csrf(h, x);
    layout_hidden(h, "a", p->a.id);
    layout_hidden(h, "b", p->b.id);
    const struct html_attr note[] = {A("type", "text"), A("name", "note"),
                                     A("aria-label", layout_say(x, MSG_NOTE)),
                                     A("maxlength", "1000")};
    html_open(h, "input", note, N(note));
    const struct html_attr same[] = {A("type", "submit"), A("name", "decision"),
                                     A("value", "same"), A("class", "small")};
    const struct html_attr two[] = {A("type", "submit"), A("name", "decision"),
                                    A("value", "distinct"), A("class", "secondary")};
    html_element(h, "button", same, N(same), layout_say(x, MSG_DUP_LINK));
    html_element(h, "button", two, N(two), layout_say(x, MSG_DUP_DISTINCT));
    html_close(h, "form");
}

static int pair_row(const struct dup_pair *p, void *context)
{
    struct pairs_page *page = context;
    struct html *h = page->h;
    const struct console_exchange *x = page->x;
    static const enum msg_id grades[] = {MSG_DUP_LOW, MSG_DUP_LOW, MSG_DUP_MEDIUM, MSG_DUP_HIGH};
    html_open(h, "tr", NULL, 0);
    const struct html_attr badge[] = {A("class", p->grade == DUP_GRADE_HIGH ? "badge hard"
                                                 : p->grade == DUP_GRADE_MEDIUM ? "badge soft"
                                                                                : "badge")};
    html_open(h, "td", NULL, 0);
    html_element(h, "span", badge, N(badge),
                 layout_say(x, grades[p->grade >= 1 && p->grade <= 3 ? p->grade : 0]));
    html_close(h, "td");
    case_cell(h, &p->a);
    case_cell(h, &p->b);
    html_open(h, "td", NULL, 0);
    for (size_t i = 0; i < N(SIGNALS); i++)
        if (p->signals & SIGNALS[i].bit) {
            const struct html_attr s[] = {A("class", "badge")};
            html_element(h, "span", s, N(s), layout_say(x, SIGNALS[i].label));
            html_text(h, " ");
        }
    html_close(h, "td");
    if (page->decide) {
        html_open(h, "td", NULL, 0);
        decide_form(h, x, p);
        html_close(h, "td");
    }
    html_close(h, "tr");
    return 0;
}

static int pairs_page(struct console_exchange *x, unsigned status, const char *alert_kind,
                      const char *alert)
{
    uint8_t key[DUP_KEY_BYTES];
    bool coordinator = console_may(x->caller.account.role, RIGHT_REVEAL);
    struct dup_totals totals = {0};
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_DUPLICATES, "duplicates", false);
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_DUPLICATES));
    const struct html_attr intro[] = {A("class", "intro")};
    html_element(&h, "p", intro, N(intro), layout_say(x, MSG_DUP_INTRO));
    if (alert)
        layout_alert(&h, alert_kind, alert);
    const char *heads[] = {layout_say(x, MSG_DUP_LIKELIHOOD), layout_say(x, MSG_DUP_CASE_A),
                           layout_say(x, MSG_DUP_CASE_B), layout_say(x, MSG_DUP_SIGNALS),
                           layout_say(x, MSG_DECISION)};
    /* A decision answered while the first build runs falls back to the inline refresh. */
    if (!alert && x->console->dups && !dup_prepare_ready(x->console->dups, DUP_PREPARE_WAIT_MS)) {
        layout_alert(&h, "warn", layout_say(x, MSG_DUP_PREPARING));
        return console_page_close(&h, x, status);
    }
    layout_table_begin(&h, "pairs", heads, N(heads) - (coordinator ? 0 : 1));
    struct pairs_page page = {x, &h, coordinator};
    int rc = dup_key_load(x->console->dir, key);
    if (rc == 0)
        rc = dup_refresh(x->store, key);
    if (rc == 0)
        rc = dup_list(x->store, key, coordinator, PAIRS_SHOWN, pair_row, &page, &totals);
    sodium_memzero(key, sizeof key);
    layout_table_end(&h);
    char text[160];
    snprintf(text, sizeof text, "%" PRId64 " %s \xC2\xB7 %" PRId64 " %s \xC2\xB7 %" PRId64
             " %s \xC2\xB7 %" PRId64 " %s", totals.high, layout_say(x, MSG_DUP_HIGH),
             totals.medium, layout_say(x, MSG_DUP_MEDIUM), totals.low,
             layout_say(x, MSG_DUP_LOW), totals.decided, layout_say(x, MSG_DUP_DECIDED));
    const struct html_attr t[] = {A("class", "totals"), A("id", "total")};
    html_element(&h, "p", t, N(t), text);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, status);
}

int page_duplicates(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char done[8] = "";
    web_request_query(x->req, "done", done, sizeof done);
    return pairs_page(x, 200, "ok", done[0] ? layout_say(x, MSG_DUP_SAVED) : NULL);
}

int page_duplicates_decide(struct console_exchange *x, const struct web_form *form)
{
    const char *decision = web_form_get(form, "decision"), *note = web_form_get(form, "note");
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {{0}};
    bool same = decision && strcmp(decision, "same") == 0;
    const char *given_a = web_form_get(form, "a"), *given_b = web_form_get(form, "b");
    if (!decision || (!same && strcmp(decision, "distinct") != 0) || !given_a || !given_b ||
        hub_read_resolve_id(x->store, given_a, a, &why) != 0 ||
        hub_read_resolve_id(x->store, given_b, b, &why) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    note = note && note[0] ? note : NULL;
    if (!same && !note)
        return pairs_page(x, 400, "error", layout_say(x, MSG_DUP_NEEDS_NOTE));
    int rc = dup_decide(x->store, a, b, same, x->caller.account.name, note, x->now_s * 1000,
                        &why);
    if (rc == 0) {
        char target[2 * SAE_ID_TEXT_LEN + 2];
        snprintf(target, sizeof target, "%s %s", a, b);
        rc = hub_audit_append(x->store, x->caller.account.name,
                              same ? "duplicates-link" : "duplicates-distinct", target,
                              x->caller.address, x->now_s * 1000);
        return rc == 0 ? web_response_redirect(x->resp, "/console/duplicates?done=1") : rc;
    }
    if (rc == SAE_EINVAL || rc == SAE_EEXIST || rc == SAE_ENOTFOUND) {
        char text[SAE_MESSAGE_BYTES + 128];
        snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_DECISION_REFUSED), why.text);
        return pairs_page(x, 400, "error", text);
    }
    return rc;
}
