/* The Posts page and its endpoints (page_posts.h). */
#include "api/page_posts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/enroll.h"
#include "api/grant.h"
#include "api/page_accounts.h"
#include "api/page_enroll.h"
#include "api/console_layout.h"
#include "sae/sae_area.h"
#include "sae/sae_key_text.h"
#include "store/device_keys.h"
#include "store/district_key.h"
#include "store/hub_areas.h"
#include "store/node_report.h"

#define DEVICE_ID_TEXT_BYTES 17u

struct device_list {
    struct hub_node *nodes;
    size_t count, cap;
};

static int collect_node(const struct hub_node *node, void *context)
{
    struct device_list *list = context;
    if (list->count == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 16;
        struct hub_node *grown = realloc(list->nodes, cap * sizeof *grown);
        if (!grown)
            return SAE_ENOMEM;
        list->nodes = grown;
        list->cap = cap;
    }
    list->nodes[list->count++] = *node;
    return 0;
}

static void device_id_text(uint64_t id, char out[DEVICE_ID_TEXT_BYTES])
{
    snprintf(out, DEVICE_ID_TEXT_BYTES, "%016" PRIx64, id);
}

/* A device id as the pages and API take it: exactly 16 hex digits. */
static int device_id_parse(const char *text, uint64_t *out)
{
    if (!text || strlen(text) != 16 || strspn(text, "0123456789abcdefABCDEF") != 16)
        return SAE_EINVAL;
    *out = (uint64_t)strtoull(text, NULL, 16);
    return 0;
}

static void offset_text(const struct console_exchange *x, const struct hub_node *n,
                        char out[32])
{
    if (!n->clock_measured)
        snprintf(out, 32, "%s", layout_say(x, MSG_NOT_MEASURED));
    else
        snprintf(out, 32, "%+" PRId64 " s", n->clock_offset_ms / 1000);
}

static void time_or_never(const struct console_exchange *x, int64_t ms, char out[LAYOUT_TIME_BYTES])
{
    layout_time(ms, out);
    if (!out[0])
        snprintf(out, LAYOUT_TIME_BYTES, "%s", layout_say(x, MSG_NEVER));
}

static void revoke_link(struct html *h, const struct console_exchange *x, const char *id)
{
    char href[64];
    snprintf(href, sizeof href, "/console/posts/revoke?id=%s", id);
    const struct html_attr link[] = {LAYOUT_A("href", href), LAYOUT_A("class", "button danger")};
    html_element(h, "a", link, LAYOUT_N(link), layout_say(x, MSG_REVOKE));
}

/* The post's own count of changes not sent yet, with the time it said so. */
static void pending_cell(struct html *h, const struct console_exchange *x,
                         const struct hub_node_report *r)
{
    char count[24], when[LAYOUT_TIME_BYTES];
    const struct html_attr cell[] = {LAYOUT_A("class", "pending")};
    const struct html_attr small[] = {LAYOUT_A("class", "as-of")};
    html_open(h, "td", cell, LAYOUT_N(cell));
    if (r->pending < 0) {
        html_text(h, layout_say(x, MSG_NOT_REPORTED));
    } else {
        snprintf(count, sizeof count, "%" PRId64, r->pending);
        layout_time(r->reported_ms, when);
        html_text(h, count);
        html_open(h, "small", small, LAYOUT_N(small));
        html_text(h, layout_say(x, MSG_AS_OF));
        html_text(h, " ");
        html_text(h, when);
        html_close(h, "small");
    }
    html_close(h, "td");
}

/* out: the fingerprint of the storage key the device sent at enrollment; "" for none. */
static int storage_fingerprint(struct console_exchange *x, uint64_t id,
                               char out[SAE_FINGERPRINT_TEXT_BYTES])
{
    uint8_t key[DEVICE_KEY_BYTES];
    out[0] = '\0';
    int rc = device_keys_get(x->store, id, key);
    if (rc == SAE_ENOTFOUND)
        return 0;
    return rc == 0 ? sae_key_fingerprint(key, out) : rc;
}

/* How many current sensitive values of its village the device holds no copy of, and for a
 * coordinator the grant: a button when the session holds the district key, else the line
 * that says to sign in again. Operators see the count only. */
static int grant_cell(struct html *h, struct console_exchange *x, const struct hub_node *n,
                      const char *id)
{
    int64_t missing = 0;
    int rc = n->revoked_ms ? 0 : grant_missing_count(x->store, n, &missing);
    if (rc != 0)
        return rc;
    const struct html_attr td[] = {LAYOUT_A("class", "grant")};
    html_open(h, "td", td, LAYOUT_N(td));
    char count[24];
    snprintf(count, sizeof count, "%" PRId64, missing);
    html_text(h, count);
    if (missing > 0 && x->caller.account.role == HUB_ROLE_COORDINATOR) {
        if (x->caller.holds_key) {
            char button_id[40];
            snprintf(button_id, sizeof button_id, "grant-%s", id);
            const struct html_attr form[] = {LAYOUT_A("method", "post"),
                                             LAYOUT_A("action", "/console/posts/grant")};
            const struct html_attr hidden[] = {LAYOUT_A("type", "hidden"),
                                               LAYOUT_A("name", "id"), LAYOUT_A("value", id)};
            const struct html_attr button[] = {LAYOUT_A("type", "submit"),
                                               LAYOUT_A("id", button_id)};
            html_open(h, "form", form, LAYOUT_N(form));
            layout_csrf(h, x);
            html_open(h, "input", hidden, LAYOUT_N(hidden));
            html_element(h, "button", button, LAYOUT_N(button), layout_say(x, MSG_GRANT));
            html_close(h, "form");
        } else {
            html_element(h, "small", NULL, 0, layout_say(x, MSG_GRANT_SIGN_IN_AGAIN));
        }
    }
    html_close(h, "td");
    return 0;
}

static int device_row(struct html *h, struct console_exchange *x, const struct hub_node *n,
                      bool admin)
{
    char id[DEVICE_ID_TEXT_BYTES], village[SAE_AREA_LABEL_BYTES], seen[LAYOUT_TIME_BYTES];
    char batch[LAYOUT_TIME_BYTES], offset[32];
    struct hub_node_report report;
    int rc = hub_node_report_get(x->store, n->id, &report);
    if (rc != 0)
        return rc;
    device_id_text(n->id, id);
    hub_areas_label(x->store, n->village, village);
    time_or_never(x, n->last_seen_ms, seen);
    time_or_never(x, n->last_batch_ms, batch);
    offset_text(x, n, offset);
    const struct html_attr row[] = {LAYOUT_A("id", id)};
    html_open(h, "tr", row, LAYOUT_N(row));
    layout_cell(h, n->device_name);
    layout_cell(h, village);
    layout_cell(h, layout_say(x, n->revoked_ms ? MSG_STATE_REVOKED : MSG_STATE_ENROLLED));
    layout_cell(h, seen);
    layout_cell(h, batch);
    layout_cell_int(h, n->acked_seq);
    pending_cell(h, x, &report);
    layout_cell_int(h, report.held);
    layout_cell(h, offset);
    layout_cell(h, report.program[0] ? report.program : layout_say(x, MSG_NOT_REPORTED));
    char fingerprint[SAE_FINGERPRINT_TEXT_BYTES];
    rc = storage_fingerprint(x, n->id, fingerprint);
    if (rc != 0)
        return rc;
    layout_cell(h, fingerprint[0] ? fingerprint : layout_say(x, MSG_NOT_REPORTED));
    rc = grant_cell(h, x, n, id);
    if (rc != 0)
        return rc;
    if (admin) {
        html_open(h, "td", NULL, 0);
        if (!n->revoked_ms)
            revoke_link(h, x, id);
        html_close(h, "td");
    }
    html_close(h, "tr");
    return 0;
}

struct bundle_rows {
    struct html *h;
    struct console_exchange *x;
    bool admin;
};

static int bundle_row(const struct enroll_pending *b, void *context)
{
    static const enum msg_id states[] = {MSG_STATE_PENDING, MSG_STATE_EXPIRED,
                                         MSG_STATE_CANCELLED};
    struct bundle_rows *r = context;
    char village[SAE_AREA_LABEL_BYTES];
    hub_areas_label(r->x->store, b->village, village);
    const struct html_attr row[] = {LAYOUT_A("id", b->bundle_id), LAYOUT_A("class", "bundle")};
    html_open(r->h, "tr", row, LAYOUT_N(row));
    layout_cell(r->h, b->device_name);
    layout_cell(r->h, village);
    html_open(r->h, "td", NULL, 0);
    html_text(r->h, layout_say(r->x, states[b->state]));
    if (b->downloadable && b->state == ENROLL_PENDING) {
        html_text(r->h, ", ");
        html_text(r->h, layout_say(r->x, MSG_BUNDLE_AWAITS));
    }
    html_close(r->h, "td");
    for (int i = 0; i < 9; i++)
        layout_cell(r->h, "");
    if (r->admin) {
        html_open(r->h, "td", NULL, 0);
        if (b->state == ENROLL_PENDING)
            page_enroll_bundle_actions(r->h, r->x, b->bundle_id, b->downloadable);
        html_close(r->h, "td");
    }
    html_close(r->h, "tr");
    return 0;
}

/* What the page says after an action (?done=...): the bundle just made comes with its one
 * download button. */
static void done_notice(struct html *h, struct console_exchange *x)
{
    char done[16] = "", bundle[16] = "";
    layout_query(x, "done", done, sizeof done);
    if (strcmp(done, "revoked") == 0)
        layout_note(h, "alert ok", "alert", layout_say(x, MSG_REVOKED_DONE));
    else if (strcmp(done, "cancelled") == 0)
        layout_note(h, "alert ok", "alert", layout_say(x, MSG_BUNDLE_CANCELLED_DONE));
    else if (strcmp(done, "granted") == 0)
        layout_note(h, "alert ok", "alert", layout_say(x, MSG_GRANTED_DONE));
    if (strcmp(done, "enrolled") != 0 || layout_query(x, "bundle", bundle, sizeof bundle) != 0 ||
        strlen(bundle) != ENROLL_BUNDLE_ID_BYTES - 1 ||
        strspn(bundle, "0123456789abcdef") != ENROLL_BUNDLE_ID_BYTES - 1)
        return;
    const struct html_attr box[] = {LAYOUT_A("class", "alert ok"), LAYOUT_A("id", "alert"),
                                    LAYOUT_A("role", "alert")};
    html_open(h, "div", box, LAYOUT_N(box));
    html_element(h, "p", NULL, 0, layout_say(x, MSG_ENROLL_DONE));
    page_enroll_bundle_actions(h, x, bundle, true);
    html_close(h, "div");
}

static int holder_row(const struct hub_account *a, void *context)
{
    struct bundle_rows *r = context;
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    if ((a->role != HUB_ROLE_COORDINATOR && a->role != HUB_ROLE_PARTNER) || a->disabled)
        return 0;
    /* A partner's wrap is of its agency's key (store/agency_key.h), given the same way. */
    bool held = hub_account_wrap_get(r->x->store, a->name, wrap) == 0;
    char who[HUB_ACCOUNT_NAME_BYTES + HUB_AGENCY_BYTES + 4];
    snprintf(who, sizeof who, a->role == HUB_ROLE_PARTNER ? "%s (%s)" : "%s%s", a->name,
             a->agency);
    html_open(r->h, "tr", NULL, 0);
    layout_cell(r->h, who);
    layout_cell(r->h, layout_say(r->x, held ? MSG_DATA_KEY_HELD : MSG_DATA_KEY_NONE));
    html_open(r->h, "td", NULL, 0);
    if (r->x->caller.holds_key && strcmp(a->name, r->x->caller.account.name) != 0)
        page_accounts_button(r->h, r->x, "/console/posts/key-reset", a->name, "button",
                             MSG_KEY_RESET);
    html_close(r->h, "td");
    html_close(r->h, "tr");
    return 0;
}

/* Who holds the district key (store/district_key.h): each enabled coordinator, and the
 * key's fingerprint. */
static int key_holders(struct html *h, struct console_exchange *x)
{
    static const enum msg_id columns[] = {MSG_NAME, MSG_DATA_KEY, MSG_ACTIONS};
    unsigned char public_key[DISTRICT_KEY_BYTES];
    char fingerprint[SAE_FINGERPRINT_TEXT_BYTES];
    int rc = district_key_public(x->store, public_key);
    if (rc == 0)
        rc = sae_key_fingerprint(public_key, fingerprint);
    if (rc != 0)
        return rc;
    const struct html_attr section[] = {LAYOUT_A("id", "district-key")};
    html_open(h, "section", section, LAYOUT_N(section));
    html_element(h, "h2", NULL, 0, layout_say(x, MSG_DATA_KEY));
    layout_note(h, "intro", NULL, layout_say(x, MSG_DATA_KEY_INTRO));
    const struct html_attr code[] = {LAYOUT_A("id", "district-key-fingerprint")};
    html_element(h, "p", code, LAYOUT_N(code), fingerprint);
    layout_table_begin_msgs(h, x, "key-holders", columns, LAYOUT_N(columns));
    struct bundle_rows rows = {h, x, false};
    rc = hub_account_list(x->store, holder_row, &rows);
    layout_table_end(h);
    html_close(h, "section");
    return rc;
}

int page_posts(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const enum msg_id columns[] = {MSG_DEVICE, MSG_VILLAGE, MSG_STATE, MSG_LAST_CONTACT,
                                          MSG_LAST_BATCH, MSG_CHANGES_RECEIVED,
                                          MSG_PENDING_CHANGES, MSG_HELD_CHANGES,
                                          MSG_CLOCK_OFFSET, MSG_PROGRAM_VERSION, MSG_STORAGE_KEY,
                                          MSG_VALUES_NOT_GIVEN, MSG_ACTIONS};
    bool admin = x->caller.account.role == HUB_ROLE_ADMIN;
    struct device_list list = {0};
    int rc = hub_store_node_list(x->store, collect_node, &list);
    if (rc != 0) {
        free(list.nodes);
        return rc;
    }
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_POSTS, "posts", false);
    layout_heading(&h, x, MSG_POSTS);
    layout_note(&h, "intro", NULL, layout_say(x, MSG_POSTS_INTRO));
    done_notice(&h, x);
    layout_table_begin_msgs(&h, x, "devices", columns, LAYOUT_N(columns) - (admin ? 0 : 1));
    for (size_t i = 0; rc == 0 && i < list.count; i++)
        rc = device_row(&h, x, &list.nodes[i], admin);
    struct bundle_rows bundles = {&h, x, admin};
    if (rc == 0)
        rc = enroll_token_list(x->store, x->now_s * 1000, bundle_row, &bundles);
    layout_table_end(&h);
    if (list.count == 0)
        layout_note(&h, "empty", "empty", layout_say(x, MSG_NO_DEVICES));
    free(list.nodes);
    if (rc == 0)
        rc = key_holders(&h, x);
    if (rc == 0 && admin)
        rc = page_enroll_form(&h, x);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, 200);
}

int page_posts_revoke_confirm(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char text[32] = "", id[DEVICE_ID_TEXT_BYTES];
    uint64_t device = 0;
    struct hub_node node;
    if (layout_query(x, "id", text, sizeof text) != 0 || device_id_parse(text, &device) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    int rc = hub_store_node_get(x->store, device, &node);
    if (rc == SAE_ENOTFOUND || (rc == 0 && node.revoked_ms))
        return console_page_message(x, 404, MSG_NOT_FOUND);
    if (rc != 0)
        return rc;
    device_id_text(device, id);
    char village[SAE_AREA_LABEL_BYTES];
    hub_areas_label(x->store, node.village, village);
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_REVOKE_TITLE, "posts", true);
    const struct html_attr card[] = {LAYOUT_A("class", "card")};
    html_open(&h, "div", card, LAYOUT_N(card));
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_REVOKE_TITLE));
    const struct html_attr facts[] = {LAYOUT_A("class", "facts")};
    html_open(&h, "dl", facts, LAYOUT_N(facts));
    html_element(&h, "dt", NULL, 0, layout_say(x, MSG_DEVICE));
    html_element(&h, "dd", NULL, 0, node.device_name);
    html_element(&h, "dt", NULL, 0, layout_say(x, MSG_VILLAGE));
    html_element(&h, "dd", NULL, 0, village);
    html_close(&h, "dl");
    layout_note(&h, "alert warn", NULL, layout_say(x, MSG_REVOKE_CONFIRM));
    const struct html_attr form_attrs[] = {LAYOUT_A("method", "post"),
                                           LAYOUT_A("action", "/console/posts/revoke")};
    const struct html_attr hidden[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "id"),
                                       LAYOUT_A("value", id)};
    const struct html_attr yes[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "danger"),
                                    LAYOUT_A("id", "confirm")};
    const struct html_attr no[] = {LAYOUT_A("href", "/console/posts"), LAYOUT_A("class", "button"),
                                   LAYOUT_A("id", "cancel")};
    html_open(&h, "form", form_attrs, LAYOUT_N(form_attrs));
    layout_csrf(&h, x);
    html_open(&h, "input", hidden, LAYOUT_N(hidden));
    html_element(&h, "button", yes, LAYOUT_N(yes), layout_say(x, MSG_REVOKE_YES));
    html_element(&h, "a", no, LAYOUT_N(no), layout_say(x, MSG_CANCEL));
    html_close(&h, "form");
    html_close(&h, "div");
    return console_page_close(&h, x, 200);
}

struct revocation {
    uint64_t device;
    const struct console_exchange *x;
};

/* The revocation and its audit row are one transaction: no revocation goes unrecorded. */
static int revoke_and_audit(struct hub_store *store, void *context)
{
    const struct revocation *r = context;
    char target[32];
    snprintf(target, sizeof target, "device %016" PRIx64, r->device);
    int64_t now_ms = r->x->now_s * 1000;
    int rc = hub_store_node_revoke(store, r->device, now_ms);
    if (rc == 0)
        rc = hub_audit_append(store, r->x->caller.account.name, "node-revoke", target,
                              r->x->caller.address, now_ms);
    return rc;
}

/* SAE_EINVAL for a malformed id, SAE_ENOTFOUND for no such device or one revoked already. */
static int revoke(struct console_exchange *x, const char *text)
{
    struct revocation r = {0, x};
    if (device_id_parse(text, &r.device) != 0)
        return SAE_EINVAL;
    return hub_store_write(x->store, revoke_and_audit, &r);
}

int page_posts_revoke(struct console_exchange *x, const struct web_form *form)
{
    int rc = revoke(x, web_form_get(form, "id"));
    if (rc == SAE_EINVAL)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    if (rc == SAE_ENOTFOUND)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    return rc == 0 ? web_response_redirect(x->resp, "/console/posts?done=revoked") : rc;
}

static json_t *device_base_json(const struct hub_node *n, const char *id, const char *village)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:I}", "id", id,
                     "name", n->device_name, "village", n->village, "village_name", village,
                     "state", n->revoked_ms ? "revoked" : "enrolled", "enrolled_ms",
                     (json_int_t)n->enrolled_ms, "last_seen_ms", (json_int_t)n->last_seen_ms,
                     "last_batch_ms", (json_int_t)n->last_batch_ms, "acked_seq",
                     (json_int_t)n->acked_seq, "clock_offset_ms",
                     n->clock_measured ? json_integer(n->clock_offset_ms) : json_null(),
                     "revoked_ms", (json_int_t)n->revoked_ms);
}

static json_t *device_json(struct console_exchange *x, const struct hub_node *n,
                           const struct hub_node_report *r)
{
    char id[DEVICE_ID_TEXT_BYTES], village[SAE_AREA_LABEL_BYTES];
    device_id_text(n->id, id);
    hub_areas_label(x->store, n->village, village);
    char fingerprint[SAE_FINGERPRINT_TEXT_BYTES];
    int64_t missing = 0;
    if (storage_fingerprint(x, n->id, fingerprint) != 0 ||
        (!n->revoked_ms && grant_missing_count(x->store, n, &missing) != 0))
        return NULL;
    json_t *o = device_base_json(n, id, village);
    json_t *more = json_pack("{s:o, s:I, s:I, s:o, s:o, s:I}", "pending",
                             r->pending < 0 ? json_null() : json_integer(r->pending),
                             "pending_ms", (json_int_t)r->reported_ms, "held",
                             (json_int_t)r->held, "program",
                             r->program[0] ? json_string(r->program) : json_null(),
                             "storage_key",
                             fingerprint[0] ? json_string(fingerprint) : json_null(),
                             "values_not_given", (json_int_t)missing);
    if (!o || !more || json_object_update(o, more) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(more);
    return o;
}

static int bundle_json(const struct enroll_pending *b, void *context)
{
    static const char *const states[] = {"pending", "expired", "cancelled"};
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "bundle", b->bundle_id, "name",
                          b->device_name, "village", b->village, "state", states[b->state],
                          "created_ms", (json_int_t)b->created_ms, "expires_ms",
                          (json_int_t)b->expires_ms, "downloadable", b->downloadable);
    return o && json_array_append_new(context, o) == 0 ? 0 : SAE_ENOMEM;
}

int api_posts(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct device_list list = {0};
    json_t *devices = json_array(), *bundles = json_array();
    int rc = devices && bundles ? hub_store_node_list(x->store, collect_node, &list)
                                : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < list.count; i++) {
        struct hub_node_report report;
        rc = hub_node_report_get(x->store, list.nodes[i].id, &report);
        json_t *o = rc == 0 ? device_json(x, &list.nodes[i], &report) : NULL;
        if (rc == 0)
            rc = o && json_array_append_new(devices, o) == 0 ? 0 : SAE_ENOMEM;
    }
    free(list.nodes);
    if (rc == 0)
        rc = enroll_token_list(x->store, x->now_s * 1000, bundle_json, bundles);
    if (rc != 0) {
        json_decref(devices);
        json_decref(bundles);
        return rc;
    }
    return console_api_answer(x, 200, json_pack("{s:o, s:o}", "devices", devices, "bundles",
                                                bundles));
}

int api_posts_revoke(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const char *const allowed[] = {"id", NULL};
    json_t *body = NULL;
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    const char *id = console_api_text(body, "id");
    rc = revoke(x, id);
    if (rc == SAE_EINVAL)
        rc = console_api_error(x, 400, "bad-id", "id is a device's 16 hex digits");
    else if (rc == SAE_ENOTFOUND)
        rc = console_api_error(x, 404, "not-found", "no enrolled device of that id that is "
                               "not revoked already");
    else if (rc == 0)
        rc = console_api_answer(x, 200, json_pack("{s:s}", "revoked", id));
    json_decref(body);
    return rc;
}

struct grant_request {
    struct console_exchange *x;
    const struct hub_node *node;
    int64_t granted;
};

static int grant_with(const unsigned char *secret, void *context)
{
    struct grant_request *g = context;
    return grant_values(g->x->store, g->node, secret, g->x->caller.account.name,
                        g->x->caller.address, g->x->now_s * 1000, &g->granted);
}

int page_posts_grant(struct console_exchange *x, const struct web_form *form)
{
    uint64_t device = 0;
    struct hub_node node;
    if (device_id_parse(web_form_get(form, "id"), &device) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    int rc = hub_store_node_get(x->store, device, &node);
    if (rc == SAE_ENOTFOUND || (rc == 0 && node.revoked_ms))
        return console_page_message(x, 404, MSG_NOT_FOUND);
    struct grant_request g = {x, &node, 0};
    if (rc == 0)
        rc = session_keys_use(x->console->keys, x->caller.token_hash, grant_with, &g);
    /* The session's key is gone (the hub restarted): the password opens it again. */
    if (rc == SAE_ENOTFOUND && g.granted == 0 && !x->caller.holds_key)
        return console_page_message(x, 403, MSG_GRANT_SIGN_IN_AGAIN);
    if (rc == SAE_ENOTFOUND)
        return console_page_message(x, 409, MSG_GRANT_NO_STORAGE_KEY);
    return rc == 0 ? web_response_redirect(x->resp, "/console/posts?done=granted") : rc;
}
