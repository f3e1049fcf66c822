/* Enrolling devices from the console (page_enroll.h). */
#include "api/page_enroll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/enroll.h"
#include "api/console_layout.h"
#include "sae/sae_area.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "sae/sae_wipe.h"
#include "store/hub_areas.h"

/* What an enrollment asks for, checked. */
struct enroll_input {
    const char *name;
    char village[SAE_AREA_CODE_BYTES];
    long days;
};

/* 0, or SAE_EINVAL for a name, village or validity the enrollment refuses. */
static int check_input(struct console_exchange *x, const char *name, const char *village,
                       const char *days, struct enroll_input *out)
{
    struct sae_message why = {{0}};
    char *end = NULL;
    out->name = name;
    out->days = days && days[0] ? strtol(days, &end, 10) : ENROLL_DAYS_DEFAULT;
    if (!name || sae_validate_name(name, SAE_LIMIT_DEVICE_NAME_BYTES) != 0 || !village ||
        (end && *end) || out->days < 1 || out->days > ENROLL_DAYS_MAX)
        return SAE_EINVAL;
    int rc = hub_areas_resolve(x->store, village, SAE_AREA_VILLAGE, out->village, &why);
    return rc == SAE_ENOMEM || rc == SAE_EDB ? rc : rc != 0 ? SAE_EINVAL : 0;
}

static int audit(struct hub_store *store, const struct console_exchange *x, const char *action,
                 const char *bundle_id)
{
    char target[32];
    snprintf(target, sizeof target, "bundle %s", bundle_id);
    return hub_audit_append(store, x->caller.account.name, action, target, x->caller.address,
                            x->now_s * 1000);
}

struct making {
    const struct console_exchange *x;
    const struct enroll_input *in;
    char bundle_id[ENROLL_BUNDLE_ID_BYTES];
};

static int make_and_audit(struct hub_store *store, void *context)
{
    struct making *m = context;
    int64_t now_ms = m->x->now_s * 1000;
    int rc = enroll_bundle_prepare(store, m->in->village, m->in->name, now_ms,
                                   m->in->days * SAE_MS_PER_DAY, m->bundle_id);
    return rc == 0 ? audit(store, m->x, "node-enroll", m->bundle_id) : rc;
}

/* SAE_EINVAL: refused input; SAE_ENOTINIT: no --url. */
static int make_bundle(struct console_exchange *x, const char *name, const char *village,
                       const char *days, char bundle_id[ENROLL_BUNDLE_ID_BYTES])
{
    struct enroll_input in;
    if (!x->console->public_url[0])
        return SAE_ENOTINIT;
    int rc = check_input(x, name, village, days, &in);
    struct making m = {x, &in, ""};
    if (rc == 0)
        rc = hub_store_write(x->store, make_and_audit, &m);
    if (rc == 0)
        memcpy(bundle_id, m.bundle_id, sizeof m.bundle_id);
    return rc;
}

struct download {
    const struct console_exchange *x;
    const char *bundle_id;
    const struct enroll_hub_keys *keys;
    char *text;
    size_t len;
};

/* The token is made, its hash stored, the bundle written out and the download audited in
 * one transaction: a failure leaves the bundle downloadable. */
static int issue_and_audit(struct hub_store *store, void *context)
{
    struct download *d = context;
    struct enroll_issued issued;
    int rc = enroll_bundle_issue(store, d->bundle_id, d->x->now_s * 1000, &issued);
    if (rc != 0)
        return rc;
    struct enroll_bundle bundle = {d->x->console->public_url, d->keys->public_key,
                                   store->hub_id, d->keys->cert_pem, d->keys->pin,
                                   d->keys->backup_pin[0] ? d->keys->backup_pin : NULL,
                                   issued.village, issued.device_name, d->bundle_id,
                                   issued.token, issued.expires_ms, issued.device_index};
    rc = enroll_bundle_text(&bundle, &d->text, &d->len);
    sodium_memzero(&issued, sizeof issued);
    if (rc == 0)
        rc = audit(store, d->x, "bundle-download", d->bundle_id);
    if (rc != 0 && d->text) {
        sae_wipe_free(d->text, d->len);
        d->text = NULL;
    }
    return rc;
}

/* A bundle id as the pages and API take it: 8 hex digits, lower case. */
static int bundle_id_parse(const char *text, char out[ENROLL_BUNDLE_ID_BYTES])
{
    if (!text || strlen(text) != ENROLL_BUNDLE_ID_BYTES - 1 ||
        strspn(text, "0123456789abcdef") != ENROLL_BUNDLE_ID_BYTES - 1)
        return SAE_EINVAL;
    memcpy(out, text, ENROLL_BUNDLE_ID_BYTES);
    return 0;
}

/* The bundle's JSON text (*text, wiped by the caller), or SAE_EINVAL, SAE_ENOTINIT,
 * enroll_bundle_issue's refusals. */
static int download(struct console_exchange *x, const char *text_id, char **text, size_t *len)
{
    char id[ENROLL_BUNDLE_ID_BYTES];
    struct enroll_hub_keys keys;
    if (bundle_id_parse(text_id, id) != 0)
        return SAE_EINVAL;
    if (!x->console->public_url[0])
        return SAE_ENOTINIT;
    int rc = enroll_hub_keys_load(x->store, x->console->dir, &keys);
    struct download d = {x, id, &keys, NULL, 0};
    if (rc == 0) {
        rc = hub_store_write(x->store, issue_and_audit, &d);
        enroll_hub_keys_free(&keys);
    }
    if (rc == 0) {
        *text = d.text;
        *len = d.len;
    }
    return rc;
}

/* SAE_EINVAL, or enroll_token_cancel's refusals. */
static int cancel(struct console_exchange *x, const char *text_id)
{
    char id[ENROLL_BUNDLE_ID_BYTES];
    if (bundle_id_parse(text_id, id) != 0)
        return SAE_EINVAL;
    int rc = enroll_token_cancel(x->store, id, x->now_s * 1000);
    return rc == 0 ? audit(x->store, x, "bundle-cancel", id) : rc;
}

/* ---- the page's pieces -------------------------------------------------------------- */

static void village_select(struct html *h, const struct console_exchange *x,
                           const struct sae_area_list *areas)
{
    const struct html_attr wrap[] = {LAYOUT_A("class", "filter")};
    const struct html_attr lab[] = {LAYOUT_A("for", "village")};
    const struct html_attr sel[] = {LAYOUT_A("id", "village"), LAYOUT_A("name", "village"),
                                    LAYOUT_A("required", NULL)};
    const struct html_attr none[] = {LAYOUT_A("value", "")};
    bool group = false;
    html_open(h, "div", wrap, LAYOUT_N(wrap));
    html_element(h, "label", lab, LAYOUT_N(lab), layout_say(x, MSG_VILLAGE));
    html_open(h, "select", sel, LAYOUT_N(sel));
    html_element(h, "option", none, LAYOUT_N(none), layout_say(x, MSG_CHOOSE_VILLAGE));
    for (size_t i = 0; i < areas->count; i++) {
        const struct sae_area *a = &areas->items[i];
        if (a->level == SAE_AREA_DISTRICT) {
            const struct html_attr og[] = {LAYOUT_A("label", a->name)};
            if (group)
                html_close(h, "optgroup");
            html_open(h, "optgroup", og, LAYOUT_N(og));
            group = true;
        } else if (a->level == SAE_AREA_VILLAGE) {
            const struct html_attr opt[] = {LAYOUT_A("value", a->code)};
            html_element(h, "option", opt, LAYOUT_N(opt), a->name);
        }
    }
    if (group)
        html_close(h, "optgroup");
    html_close(h, "select");
    html_close(h, "div");
}

int page_enroll_form(struct html *h, struct console_exchange *x)
{
    html_element(h, "h2", NULL, 0, layout_say(x, MSG_ENROLL_TITLE));
    if (!x->console->public_url[0]) {
        layout_note(h, "alert warn", "no-url", layout_say(x, MSG_NO_PUBLIC_URL));
        return 0;
    }
    struct sae_area_list areas = {0};
    int rc = hub_areas_load(x->store, &areas);
    if (rc != 0)
        return rc;
    const struct html_attr form[] = {LAYOUT_A("method", "post"),
                                     LAYOUT_A("action", "/console/posts/enroll"),
                                     LAYOUT_A("class", "filters"), LAYOUT_A("id", "enroll")};
    const struct html_attr wrap[] = {LAYOUT_A("class", "filter")};
    const struct html_attr days_label[] = {LAYOUT_A("for", "days")};
    const struct html_attr days[] = {LAYOUT_A("id", "days"), LAYOUT_A("name", "days"),
                                     LAYOUT_A("type", "number"), LAYOUT_A("min", "1"),
                                     LAYOUT_A("max", "90"), LAYOUT_A("value", "7")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary"),
                                       LAYOUT_A("id", "enroll-submit")};
    layout_note(h, "hint", NULL, layout_say(x, MSG_ENROLL_INTRO));
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    layout_filter_field(h, "name", layout_say(x, MSG_DEVICE_NAME), "");
    village_select(h, x, &areas);
    html_open(h, "div", wrap, LAYOUT_N(wrap));
    html_element(h, "label", days_label, LAYOUT_N(days_label), layout_say(x, MSG_VALID_DAYS));
    html_open(h, "input", days, LAYOUT_N(days));
    html_close(h, "div");
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_ENROLL_SUBMIT));
    html_close(h, "form");
    sae_area_list_free(&areas);
    return 0;
}

static void bundle_button(struct html *h, const struct console_exchange *x, const char *action,
                          const char *bundle_id, const char *cls, enum msg_id label)
{
    const struct html_attr form[] = {LAYOUT_A("method", "post"), LAYOUT_A("action", action),
                                     LAYOUT_A("class", "inline")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", cls)};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    layout_hidden(h, "bundle", bundle_id);
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, label));
    html_close(h, "form");
}

void page_enroll_bundle_actions(struct html *h, const struct console_exchange *x,
                                const char *bundle_id, bool downloadable)
{
    if (downloadable)
        bundle_button(h, x, "/console/posts/bundle", bundle_id, "primary download",
                      MSG_DOWNLOAD_BUNDLE);
    bundle_button(h, x, "/console/posts/cancel", bundle_id, "danger cancel", MSG_CANCEL_BUNDLE);
}

/* ---- pages ------------------------------------------------------------------------- */

int page_enroll(struct console_exchange *x, const struct web_form *form)
{
    char bundle_id[ENROLL_BUNDLE_ID_BYTES], where[64];
    int rc = make_bundle(x, web_form_get(form, "name"), web_form_get(form, "village"),
                         web_form_get(form, "days"), bundle_id);
    if (rc == SAE_ENOTINIT)
        return console_page_message(x, 409, MSG_NO_PUBLIC_URL);
    if (rc == SAE_EINVAL)
        return console_page_message(x, 400, MSG_ENROLL_REFUSED);
    if (rc != 0)
        return rc;
    snprintf(where, sizeof where, "/console/posts?done=enrolled&bundle=%s", bundle_id);
    return web_response_redirect(x->resp, where);
}

/* The bundle as a file the browser saves, never cached. */
static int attachment(struct console_exchange *x, const char *bundle_id, char *text, size_t len)
{
    char disposition[64];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"bundle-%s.json\"",
             bundle_id);
    uint8_t *body = malloc(len);
    int rc = body ? web_response_header(x->resp, "Content-Disposition", disposition)
                  : SAE_ENOMEM;
    if (body)
        memcpy(body, text, len);
    sae_wipe_free(text, len);
    if (rc == 0)
        return web_response_body(x->resp, 200, "application/json", body, len);
    free(body);
    return rc;
}

int page_enroll_download(struct console_exchange *x, const struct web_form *form)
{
    const char *id = web_form_get(form, "bundle");
    char *text = NULL;
    size_t len = 0;
    int rc = download(x, id, &text, &len);
    if (rc == 0)
        return attachment(x, id, text, len);
    if (rc == SAE_EINVAL || rc == SAE_ENOTFOUND)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    if (rc == SAE_ENOTINIT)
        return console_page_message(x, 409, MSG_NO_PUBLIC_URL);
    if (rc == SAE_EEXIST)
        return console_page_message(x, 409, MSG_BUNDLE_DOWNLOADED);
    if (rc == SAE_EDELETED || rc == SAE_ERANGE)
        return console_page_message(x, 410, MSG_BUNDLE_GONE);
    return rc;
}

int page_enroll_cancel(struct console_exchange *x, const struct web_form *form)
{
    int rc = cancel(x, web_form_get(form, "bundle"));
    if (rc == SAE_EINVAL || rc == SAE_ENOTFOUND)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    if (rc == SAE_EEXIST || rc == SAE_EDELETED)
        return console_page_message(x, 409, MSG_BUNDLE_GONE);
    return rc == 0 ? web_response_redirect(x->resp, "/console/posts?done=cancelled") : rc;
}

/* ---- the JSON API ------------------------------------------------------------------ */

int api_enroll(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const char *const allowed[] = {"name", "village", "days", NULL};
    json_t *body = NULL;
    char bundle_id[ENROLL_BUNDLE_ID_BYTES];
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    rc = make_bundle(x, console_api_text(body, "name"), console_api_text(body, "village"),
                     console_api_text(body, "days"), bundle_id);
    json_decref(body);
    if (rc == SAE_ENOTINIT)
        return console_api_error(x, 409, "no-url", "the console does not know the hub's "
                                 "address as posts reach it: start serve with --url URL");
    if (rc == SAE_EINVAL)
        return console_api_error(x, 400, "bad-enroll", "name is 1 to 100 bytes on one line, "
                                 "village a code or unique name of the list of areas, days "
                                 "1 to 90");
    return rc == 0 ? console_api_answer(x, 200, json_pack("{s:s}", "bundle", bundle_id)) : rc;
}

int api_enroll_download(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const char *const allowed[] = {"bundle", NULL};
    json_t *body = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    const char *id = console_api_text(body, "bundle");
    rc = download(x, id, &text, &len);
    if (rc == 0)
        rc = attachment(x, id, text, len);
    else if (rc == SAE_EINVAL || rc == SAE_ENOTFOUND)
        rc = console_api_error(x, 404, "not-found", "no bundle of that id made by the console");
    else if (rc == SAE_ENOTINIT)
        rc = console_api_error(x, 409, "no-url", "start serve with --url URL");
    else if (rc == SAE_EEXIST)
        rc = console_api_error(x, 409, "downloaded", "this bundle was downloaded already; "
                               "cancel it and make a new one if it was lost");
    else if (rc == SAE_EDELETED || rc == SAE_ERANGE)
        rc = console_api_error(x, 410, "gone", "this bundle was cancelled or has expired");
    json_decref(body);
    return rc;
}

int api_enroll_cancel(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const char *const allowed[] = {"bundle", NULL};
    json_t *body = NULL;
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    const char *id = console_api_text(body, "bundle");
    rc = cancel(x, id);
    if (rc == SAE_EINVAL || rc == SAE_ENOTFOUND)
        rc = console_api_error(x, 404, "not-found", "no bundle of that id");
    else if (rc == SAE_EEXIST)
        rc = console_api_error(x, 409, "used", "this bundle was used: revoke its device");
    else if (rc == SAE_EDELETED)
        rc = console_api_error(x, 409, "cancelled", "this bundle was cancelled already");
    else if (rc == 0)
        rc = console_api_answer(x, 200, json_pack("{s:s}", "cancelled", id));
    json_decref(body);
    return rc;
}
