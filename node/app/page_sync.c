/* Sinkronisasi (page_sync.h). */
#include "app/page_sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/page_case.h"
#include "app/page_reenroll.h"
#include "app/post_routes.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_wire.h"
#include "store/hub_enroll.h"
#include "store/hub_link.h"
#include "store/node_config.h"
#include "store/report_read.h"
#include "store/sync_state.h"
#include "sync/sync_loop.h"

#define A POST_A
#define N POST_N

const char *const PAGE_SYNC_NOW_FIELDS[] = {NULL};
const char *const PAGE_SYNC_ENROLL_FIELDS[] = {POST_FILE_FIELD_PREFIX PAGE_SYNC_BUNDLE_FIELD,
                                               NULL};

void page_sync_now_form(struct html *h, const struct post_exchange *x)
{
    post_form_begin(h, x, "/sync/now");
    post_form_end(h, "sync-now", post_say(x, MSG_POST_SYNC_NOW));
}

/* The link's state in plain words: the loop's phase, else what the journal recorded. */
static enum msg_id link_words(const struct post_exchange *x, const struct journal_status *s,
                              struct sync_loop_state *loop)
{
    memset(loop, 0, sizeof *loop);
    if (x->app->loop)
        sync_loop_state(x->app->loop, loop);
    if (!s->linked)
        return MSG_POST_LINK_NOT_ENROLLED;
    switch (loop->phase) {
    case SYNC_LOOP_SYNCING:
        return MSG_POST_LINK_RUNNING;
    case SYNC_LOOP_WAITING:
        return MSG_POST_LINK_OK;
    case SYNC_LOOP_BACKOFF:
        return MSG_POST_LINK_FAILING;
    default:
        return s->last_error[0] ? MSG_POST_LINK_FAILING : MSG_POST_LINK_WAITING;
    }
}

static void state_card(struct html *h, const struct post_exchange *x,
                       const struct journal_status *s, const struct node_config *config)
{
    struct sync_loop_state loop;
    char when[24], pending[24], aside[24];
    enum msg_id words = link_words(x, s, &loop);
    const char *error = loop.last_error[0] ? loop.last_error : s->last_error;
    post_time_text(s->last_sync_ms, when);
    snprintf(pending, sizeof pending, "%" PRId64, s->pending);
    snprintf(aside, sizeof aside, "%" PRId64, s->set_aside);
    post_card_begin(h);
    const struct html_attr state[] = {A("id", "link-state"),
                                      A("class", words == MSG_POST_LINK_FAILING ||
                                                         words == MSG_POST_LINK_NOT_ENROLLED
                                                     ? "alert error"
                                                     : "alert ok")};
    html_element(h, "p", state, N(state), post_say(x, words));
    const struct html_attr facts[] = {A("class", "facts")};
    html_open(h, "dl", facts, N(facts));
    post_fact(h, "last-sync", post_say(x, MSG_POST_LAST_SUCCESS),
         s->last_sync_ms ? when : post_say(x, MSG_NEVER));
    if (error[0] && words == MSG_POST_LINK_FAILING)
        post_fact(h, "last-error", post_say(x, MSG_POST_LAST_ERROR), error);
    post_fact(h, "pending", post_say(x, MSG_POST_PENDING), pending);
    post_fact(h, "set-aside", post_say(x, MSG_POST_SET_ASIDE_COUNT), aside);
    post_fact(h, "device-name", post_say(x, MSG_POST_DEVICE_NAME),
         config->device_name[0] ? config->device_name : "\xE2\x80\x94");
    post_fact(h, "village", post_say(x, MSG_POST_VILLAGE_NAME), config->village_label);
    if (s->linked)
        post_fact(h, "hub", post_say(x, MSG_POST_HUB), s->hub_url);
    html_close(h, "dl");
    if (s->linked) {
        page_sync_now_form(h, x);
        const struct html_attr again[] = {A("href", PAGE_REENROLL_PATH), A("id", "reenroll")};
        html_open(h, "p", NULL, 0);
        html_element(h, "a", again, N(again), post_say(x, MSG_POST_REENROLL));
        html_close(h, "p");
    }
    html_close(h, "div");
}

static enum msg_id aside_words(int code)
{
    switch (code) {
    case SAE_STATUS_CLOCK_AHEAD:
        return MSG_POST_ASIDE_CLOCK;
    case SAE_STATUS_INVALID_CHANGE:
        return MSG_POST_ASIDE_INVALID;
    case SAE_STATUS_WRONG_VILLAGE:
        return MSG_POST_ASIDE_VILLAGE;
    case SAE_STATUS_LIMIT_EXCEEDED:
    case SAE_STATUS_TOO_LARGE:
        return MSG_POST_ASIDE_TOO_BIG;
    default:
        return MSG_POST_ASIDE_OTHER;
    }
}

struct aside_table {
    struct html *h;
    const struct post_exchange *x;
};

/* The case a change is about, by its number (else its id's first characters), linked to its
 * file; the report's own id when the post has no such case. */
static void aside_case(struct html *h, const struct sync_set_aside *entry)
{
    char label[16], href[64];
    const char *id = entry->case_id[0] ? entry->case_id : entry->report_id;
    snprintf(label, sizeof label, "%.8s", id);
    html_open(h, "td", NULL, 0);
    if (entry->case_id[0]) {
        snprintf(href, sizeof href, "%s?id=%s", PAGE_CASE_PATH, entry->case_id);
        const struct html_attr link[] = {A("href", href)};
        html_element(h, "a", link, N(link), entry->case_number[0] ? entry->case_number : label);
    } else {
        html_text(h, label);
    }
    html_close(h, "td");
}

/* The field's label from the catalogue; its code when the catalogue does not know it. */
static const char *aside_field(const struct post_exchange *x, const struct sync_set_aside *entry)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_kind(entry->kind, &kind) != 0 ||
        sae_catalogue_find_field(kind, entry->field, &field) != 0)
        return entry->field;
    return msg_field_label(x->lang, field);
}

static int aside_row(const struct sync_set_aside *entry, void *context)
{
    struct aside_table *t = context;
    char when[24];
    post_time_text(entry->at_ms, when);
    html_open(t->h, "tr", NULL, 0);
    html_element(t->h, "td", NULL, 0, when);
    aside_case(t->h, entry);
    html_element(t->h, "td", NULL, 0, aside_field(t->x, entry));
    html_open(t->h, "td", NULL, 0);
    html_text(t->h, post_say(t->x, aside_words(entry->code)));
    if (entry->message[0]) {
        html_open(t->h, "br", NULL, 0);
        html_element(t->h, "small", NULL, 0, entry->message);
    }
    html_close(t->h, "td");
    html_close(t->h, "tr");
    return 0;
}

static int aside_card(struct html *h, const struct post_exchange *x)
{
    const enum msg_id heads[] = {MSG_WHEN, MSG_POST_CASE, MSG_POST_FIELD, MSG_POST_REASON};
    struct aside_table table = {h, x};
    post_card_begin(h);
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_SET_ASIDE_LIST));
    post_table_begin(h, x, "set-aside-list", heads, N(heads));
    int rc = sync_state_list_set_aside(x->store, aside_row, &table);
    post_table_end(h);
    html_close(h, "div");
    return rc;
}

void page_sync_bundle_form_begin(struct html *h, const struct post_exchange *x,
                                 const char *action)
{
    const struct html_attr form[] = {A("method", "post"), A("action", action),
                                     A("enctype", "multipart/form-data")};
    html_open(h, "form", form, N(form));
    post_csrf_field(h, x);
    const struct html_attr lab[] = {A("for", PAGE_SYNC_BUNDLE_FIELD)};
    const struct html_attr file[] = {A("id", PAGE_SYNC_BUNDLE_FIELD),
                                     A("name", PAGE_SYNC_BUNDLE_FIELD), A("type", "file"),
                                     A("accept", ".json,application/json"), A("required", NULL)};
    html_element(h, "label", lab, N(lab), post_say(x, MSG_POST_BUNDLE_FILE));
    html_open(h, "input", file, N(file));
}

static void enroll_card(struct html *h, const struct post_exchange *x)
{
    post_card_begin(h);
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_ENROLL));
    const struct html_attr intro[] = {A("class", "intro")};
    html_element(h, "p", intro, N(intro), post_say(x, MSG_POST_ENROLL_INTRO));
    page_sync_bundle_form_begin(h, x, "/sync/enroll");
    post_form_end(h, "enroll", post_say(x, MSG_POST_ENROLL));
    html_close(h, "div");
}

/* The page, with a notice (kind "ok" or "error") above it. */
static int sync_page(struct post_exchange *x, unsigned status, const char *kind,
                     const char *notice, const char *detail)
{
    struct journal_status s;
    struct node_config config;
    int rc = report_status(x->store, &s);
    if (rc == 0)
        rc = node_config_read(x->store, &config);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_POST_SYNC);
    html_element(&h, "h1", NULL, 0, post_say(x, MSG_POST_SYNC));
    if (notice)
        post_alert(&h, kind, notice, detail);
    state_card(&h, x, &s, &config);
    if (!s.linked)
        enroll_card(&h, x);
    rc = s.set_aside > 0 ? aside_card(&h, x) : 0;
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return post_page_close(&h, x, status);
}

int page_sync(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    char done[16] = "";
    web_request_query(x->req, "done", done, sizeof done);
    if (strcmp(done, "asked") == 0)
        return sync_page(x, 200, "ok", post_say(x, MSG_POST_SYNC_ASKED), NULL);
    if (strcmp(done, "enrolled") == 0)
        return sync_page(x, 200, "ok", post_say(x, MSG_POST_ENROLLED), NULL);
    if (strcmp(done, "reenrolled") == 0)
        return sync_page(x, 200, "ok", post_say(x, MSG_POST_REENROLLED), NULL);
    return sync_page(x, 200, NULL, NULL, NULL);
}

int page_sync_now(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    if (x->app->loop)
        sync_loop_wake(x->app->loop);
    return web_response_redirect(x->resp, "/sync?done=asked");
}

int page_sync_save_bundle(struct post_exchange *x, const struct web_form *form,
                          struct sae_message *why)
{
    struct hub_link link;
    int rc = hub_link_parse_bundle((const char *)form->upload, form->upload ? form->upload_len : 0,
                                   "the uploaded file", &link, why);
    if (rc == 0) {
        rc = hub_enroll_save(x->store, &link, why);
        hub_link_clear(&link);
    }
    if (rc == 0 && x->app->loop)
        sync_loop_wake(x->app->loop);
    return rc;
}

int page_sync_enroll(struct post_exchange *x, const struct web_form *form)
{
    struct hub_link existing;
    struct sae_message why = {{0}};
    int rc = hub_link_load(x->store, &existing);
    if (rc == 0) {
        hub_link_clear(&existing);
        return sync_page(x, 409, "error", post_say(x, MSG_POST_ALREADY_ENROLLED), NULL);
    }
    if (rc != SAE_ENOTFOUND)
        return rc;
    rc = page_sync_save_bundle(x, form, &why);
    if (rc == SAE_EINVAL || rc == SAE_EEXIST)
        return sync_page(x, 400, "error", post_say(x, MSG_POST_ENROLL_REFUSED), why.text);
    if (rc != 0)
        return rc;
    return web_response_redirect(x->resp, "/sync?done=enrolled");
}
