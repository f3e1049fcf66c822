/* Beranda (page_home.h). */
#include "app/page_home.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "app/page_sync.h"
#include "app/post_routes.h"
#include "store/attention.h"
#include "store/report_read.h"

#define A POST_A
#define N POST_N

/* The last sync and what waits, with the clock's warning when it is off. */
static void sync_summary(struct html *h, const struct post_exchange *x,
                         const struct journal_status *s)
{
    char when[24], pending[24], set_aside[24];
    post_time_text(s->last_sync_ms, when);
    snprintf(pending, sizeof pending, "%" PRId64, s->pending);
    snprintf(set_aside, sizeof set_aside, "%" PRId64, s->set_aside);
    if (llabs((long long)s->clock_offset_ms) > NODE_CLOCK_TOLERANCE_MS) {
        const struct html_attr warn[] = {A("class", "alert error"), A("role", "alert"),
                                         A("id", "clock-warning")};
        html_element(h, "p", warn, N(warn), post_say(x, MSG_POST_CLOCK_WRONG));
    }
    post_card_begin(h);
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_SYNC));
    const struct html_attr facts[] = {A("class", "facts")};
    html_open(h, "dl", facts, N(facts));
    post_fact(h, "last-sync", post_say(x, MSG_POST_LAST_SUCCESS),
         s->last_sync_ms ? when : post_say(x, MSG_NEVER));
    post_fact(h, "pending", post_say(x, MSG_POST_PENDING), pending);
    post_fact(h, "set-aside", post_say(x, MSG_POST_SET_ASIDE_COUNT), set_aside);
    bool linked = s->linked;
    html_close(h, "dl");
    if (linked)
        page_sync_now_form(h, x);
    html_close(h, "div");
}

static const enum msg_id REASON_MSG[] = {
    [ATTENTION_HIGH_RISK] = MSG_POST_HIGH_RISK_NO_SERVICE,
    [ATTENTION_STAY_OVERDUE] = MSG_POST_STAY_OVERDUE,
    [ATTENTION_REFERRAL_WAITING] = MSG_POST_REFERRAL_WAITING,
    [ATTENTION_UNDER_REVIEW] = MSG_POST_UNDER_REVIEW,
    [ATTENTION_SET_ASIDE] = MSG_POST_SET_ASIDE,
};

struct attention_page {
    struct html *h;
    const struct post_exchange *x;
    bool case_page; /* the case file's page exists: items link to it */
    size_t shown;
};

/* One item: the case (its number, else its id's first characters), linked to its file when
 * that page exists, and why it needs action. */
static int attention_item(const struct attention_item *item, void *context)
{
    struct attention_page *p = context;
    char label[SAE_ID_TEXT_LEN + 1], href[64];
    snprintf(label, sizeof label, "%.8s", item->case_id);
    const char *name = item->number[0] ? item->number : label;
    const struct html_attr why[] = {A("class", "why")};
    html_open(p->h, "li", NULL, 0);
    if (p->case_page) {
        snprintf(href, sizeof href, "/case?id=%s", item->case_id);
        const struct html_attr link[] = {A("href", href)};
        html_element(p->h, "a", link, N(link), name);
    } else {
        html_element(p->h, "strong", NULL, 0, name);
    }
    html_element(p->h, "span", why, N(why), post_say(p->x, REASON_MSG[item->reason]));
    html_close(p->h, "li");
    p->shown++;
    return 0;
}

static int attention(struct html *h, const struct post_exchange *x)
{
    char today[24];
    bool known = false;
    struct attention_page page = {h, x, post_route_find("GET", "/case", &known) != NULL, 0};
    size_t more = 0;
    post_time_text((int64_t)time(NULL) * 1000, today);
    today[10] = '\0';
    post_card_begin(h);
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_NEEDS_ACTION));
    const struct html_attr list[] = {A("class", "attention"), A("id", "attention")};
    html_open(h, "ul", list, N(list));
    int rc = attention_list(x->store, today, attention_item, &page, &more);
    html_close(h, "ul");
    const struct html_attr none[] = {A("id", "nothing-needed")};
    if (rc == 0 && page.shown == 0)
        html_element(h, "p", none, N(none), post_say(x, MSG_POST_NOTHING_NEEDED));
    if (rc == 0 && more > 0) {
        char line[96];
        snprintf(line, sizeof line, "+%zu %s", more, post_say(x, MSG_POST_MORE_ITEMS));
        html_element(h, "p", NULL, 0, line);
    }
    html_close(h, "div");
    return rc;
}

int page_home(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    struct journal_status status;
    int rc = report_status(x->store, &status);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_HOME);
    html_open(&h, "h1", NULL, 0);
    html_text(&h, post_say(x, MSG_WELCOME));
    html_text(&h, ", ");
    html_text(&h, x->staff.name);
    html_close(&h, "h1");
    rc = attention(&h, x);
    sync_summary(&h, x, &status);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return post_page_close(&h, x, 200);
}
