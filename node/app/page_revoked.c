/* The revoked device's page (page_revoked.h). */
#include "app/page_revoked.h"

#include "sae/sae_derived.h"

int page_revoked(struct post_exchange *x, const struct node_wipe_state *state)
{
    struct html h;
    char date[11] = "";
    sae_date_today(state->revoked_ms, date);
    html_init(&h);
    post_page_open(&h, x, MSG_POST_REVOKED);
    post_card_begin(&h);
    layout_alert(&h, "error", post_say(x, MSG_POST_REVOKED_TEXT));
    const struct html_attr facts[] = {POST_A("class", "facts")};
    html_open(&h, "dl", facts, POST_N(facts));
    post_fact(&h, "revoked-on", post_say(x, MSG_POST_REVOKED_ON), date);
    html_close(&h, "dl");
    html_close(&h, "div");
    return post_page_close(&h, x, 403);
}
