/* Enrolling again (page_reenroll.h). */
#include "app/page_reenroll.h"

#include <stdio.h>
#include <string.h>

#include "app/page_sync.h"
#include "app/post_routes.h"
#include "store/hub_link.h"
#include "store/node_config.h"

#define A POST_A
#define N POST_N

const char *const PAGE_REENROLL_FIELDS[] = {POST_FILE_FIELD_PREFIX PAGE_SYNC_BUNDLE_FIELD,
                                            PAGE_REENROLL_CONFIRM_FIELD, NULL};

/* Who the post is now to the district: its device name at its hub. */
static int enrolled_as(const struct post_exchange *x, char *out, size_t cap)
{
    struct hub_link link;
    struct node_config config;
    int rc = hub_link_load(x->store, &link);
    if (rc != 0)
        return rc;
    rc = node_config_read(x->store, &config);
    if (rc == 0)
        snprintf(out, cap, "%s (%s)", config.device_name[0] ? config.device_name : "\xE2\x80\x94",
                 link.url);
    hub_link_clear(&link);
    return rc;
}

static void confirm_box(struct html *h, const struct post_exchange *x)
{
    const struct html_attr box[] = {A("type", "checkbox"), A("id", PAGE_REENROLL_CONFIRM_FIELD),
                                    A("name", PAGE_REENROLL_CONFIRM_FIELD),
                                    A("value", PAGE_REENROLL_CONFIRM_VALUE), A("required", NULL)};
    const struct html_attr lab[] = {A("for", PAGE_REENROLL_CONFIRM_FIELD), A("class", "check")};
    html_open(h, "label", lab, N(lab));
    html_open(h, "input", box, N(box));
    html_text(h, post_say(x, MSG_POST_REENROLL_CONFIRM));
    html_close(h, "label");
}

/* The page, with a refusal (and its detail) above the form when there is one. */
static int reenroll_page(struct post_exchange *x, unsigned status, enum msg_id refusal,
                         const char *detail)
{
    char now[HUB_LINK_URL_BYTES + SAE_WIRE_TEXT_BYTES + 8];
    int rc = enrolled_as(x, now, sizeof now);
    if (rc == SAE_ENOTFOUND)
        return web_response_redirect(x->resp, "/sync");
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_POST_REENROLL);
    html_element(&h, "h1", NULL, 0, post_say(x, MSG_POST_REENROLL));
    if (refusal != MSG_COUNT)
        post_alert(&h, "error", post_say(x, refusal), detail);
    post_card_begin(&h);
    const struct html_attr facts[] = {A("class", "facts")};
    html_open(&h, "dl", facts, N(facts));
    post_fact(&h, "enrolled-as", post_say(x, MSG_POST_REENROLL_NOW), now);
    html_close(&h, "dl");
    const struct html_attr intro[] = {A("class", "intro"), A("id", "reenroll-warning")};
    html_element(&h, "p", intro, N(intro), post_say(x, MSG_POST_REENROLL_INTRO));
    page_sync_bundle_form_begin(&h, x, PAGE_REENROLL_PATH);
    confirm_box(&h, x);
    post_form_end(&h, "confirm-reenroll", post_say(x, MSG_POST_REENROLL_YES));
    const struct html_attr back[] = {A("href", "/sync"), A("id", "back")};
    html_element(&h, "a", back, N(back), post_say(x, MSG_CANCEL));
    html_close(&h, "div");
    return post_page_close(&h, x, status);
}

int page_reenroll(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    return reenroll_page(x, 200, MSG_COUNT, NULL);
}

int page_reenroll_post(struct post_exchange *x, const struct web_form *form)
{
    struct sae_message why = {{0}};
    const char *confirm = web_form_get(form, PAGE_REENROLL_CONFIRM_FIELD);
    if (!confirm || strcmp(confirm, PAGE_REENROLL_CONFIRM_VALUE) != 0)
        return reenroll_page(x, 400, MSG_POST_REENROLL_UNCONFIRMED, NULL);
    int rc = page_sync_save_bundle(x, form, &why);
    if (rc == SAE_EINVAL || rc == SAE_EEXIST)
        return reenroll_page(x, 400, MSG_POST_ENROLL_REFUSED, why.text);
    if (rc != 0)
        return rc;
    return web_response_redirect(x->resp, "/sync?done=reenrolled");
}
