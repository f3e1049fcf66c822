/* Beranda (page_home.h). */
#include "app/page_home.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/report_read.h"

#define A POST_A
#define N POST_N

static void fact(struct html *h, const char *id, const char *label, const char *value)
{
    const struct html_attr dd[] = {A("id", id)};
    html_element(h, "dt", NULL, 0, label);
    html_element(h, "dd", dd, N(dd), value);
}

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
    fact(h, "last-sync", post_say(x, MSG_POST_LAST_SUCCESS),
         s->last_sync_ms ? when : post_say(x, MSG_NEVER));
    fact(h, "pending", post_say(x, MSG_POST_PENDING), pending);
    fact(h, "set-aside", post_say(x, MSG_POST_SET_ASIDE_COUNT), set_aside);
    html_close(h, "dl");
    html_close(h, "div");
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
    sync_summary(&h, x, &status);
    return post_page_close(&h, x, 200);
}
