/* The referrals page of a receiving agency and its endpoints (page_referrals.h). */
#include "api/page_referrals.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/console_layout.h"
#include "merge/merge_referral.h"
#include "sae/sae_limits.h"
#include "app/session_keys.h"
#include "store/agency_copies.h"
#include "store/agency_key.h"
#include "store/partner.h"

/* The agency whose referrals the caller reads: a partner's own; a coordinator's choice
 * (?agency=CODE, checked). SAE_EINVAL for a coordinator's unknown agency. */
static int agency_of(const struct console_exchange *x, char *out, size_t cap)
{
    if (x->caller.account.role == HUB_ROLE_PARTNER) {
        snprintf(out, cap, "%s", x->caller.account.agency);
        return 0;
    }
    if (layout_query(x, "agency", out, cap) != 0)
        return SAE_EINVAL;
    if (!out[0])
        snprintf(out, cap, "uptd_ppa");
    return partner_agency_check(out);
}

/* An enum's or a set's value as people read it: labels in the caller's language. */
static void value_text(const struct console_exchange *x, const struct partner_field *f,
                       char *out, size_t cap)
{
    bool english = x->lang == MSG_LANG_EN;
    if (f->field->type != SAE_FIELD_ENUM && f->field->type != SAE_FIELD_SET) {
        snprintf(out, cap, "%s", f->value);
        return;
    }
    out[0] = '\0';
    char code[128];
    for (const char *p = f->value; *p;) {
        size_t len = strcspn(p, ",");
        snprintf(code, sizeof code, "%.*s", (int)len, p);
        const struct sae_enum_value *v = sae_field_find_value(f->field, code);
        const char *label = v ? (english ? v->label_en : v->label_id) : code;
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", used ? ", " : "", label);
        p += len + (p[len] == ',');
    }
}

struct page_context {
    struct html *h;
    struct console_exchange *x;
    const char *agency;
    size_t count;
};

static void answer_form(struct html *h, const struct console_exchange *x, const char *id)
{
    static const struct {
        const char *value;
        enum msg_id label;
    } answers[] = {{"accepted", MSG_ANSWER_ACCEPTED}, {"declined", MSG_ANSWER_DECLINED},
                   {"done", MSG_ANSWER_DONE}};
    char select_id[64], note_id[64];
    snprintf(select_id, sizeof select_id, "answer-%.36s", id);
    snprintf(note_id, sizeof note_id, "note-%.36s", id);
    const struct html_attr form[] = {LAYOUT_A("method", "post"),
                                     LAYOUT_A("action", "/console/referrals/answer"),
                                     LAYOUT_A("class", "answer")};
    const struct html_attr hidden[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "id"),
                                       LAYOUT_A("value", id)};
    const struct html_attr select_label[] = {LAYOUT_A("for", select_id)};
    const struct html_attr select[] = {LAYOUT_A("id", select_id), LAYOUT_A("name", "answer")};
    const struct html_attr note_label[] = {LAYOUT_A("for", note_id)};
    const struct html_attr note[] = {LAYOUT_A("id", note_id), LAYOUT_A("name", "note"),
                                     LAYOUT_A("maxlength", "1000")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    html_open(h, "input", hidden, LAYOUT_N(hidden));
    html_element(h, "label", select_label, LAYOUT_N(select_label), layout_say(x, MSG_ANSWER));
    html_open(h, "select", select, LAYOUT_N(select));
    for (size_t i = 0; i < LAYOUT_N(answers); i++) {
        const struct html_attr option[] = {LAYOUT_A("value", answers[i].value)};
        html_element(h, "option", option, LAYOUT_N(option), layout_say(x, answers[i].label));
    }
    html_close(h, "select");
    html_element(h, "label", note_label, LAYOUT_N(note_label), layout_say(x, MSG_NOTE));
    html_element(h, "textarea", note, LAYOUT_N(note), "");
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_SEND_ANSWER));
    html_close(h, "form");
}

static void override_form(struct html *h, const struct console_exchange *x, const char *id,
                          const char *agency)
{
    char reason_id[64];
    snprintf(reason_id, sizeof reason_id, "reason-%.36s", id);
    const struct html_attr form[] = {LAYOUT_A("method", "post"),
                                     LAYOUT_A("action", "/console/referrals/override"),
                                     LAYOUT_A("class", "override")};
    const struct html_attr hidden_id[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "id"),
                                          LAYOUT_A("value", id)};
    const struct html_attr hidden_agency[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "agency"),
                                              LAYOUT_A("value", agency)};
    const struct html_attr label[] = {LAYOUT_A("for", reason_id)};
    const struct html_attr reason[] = {LAYOUT_A("id", reason_id), LAYOUT_A("name", "reason"),
                                       LAYOUT_A("type", "text"), LAYOUT_A("required", NULL),
                                       LAYOUT_A("maxlength", "1000")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "danger")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    html_open(h, "input", hidden_id, LAYOUT_N(hidden_id));
    html_open(h, "input", hidden_agency, LAYOUT_N(hidden_agency));
    html_element(h, "label", label, LAYOUT_N(label), layout_say(x, MSG_OVERRIDE_REASON));
    html_open(h, "input", reason, LAYOUT_N(reason));
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_OVERRIDE));
    html_close(h, "form");
}

static int referral_card(const struct partner_referral *r, void *context)
{
    struct page_context *p = context;
    struct html *h = p->h;
    const struct console_exchange *x = p->x;
    char value[1024];
    const struct html_attr card[] = {LAYOUT_A("class", r->awaiting ? "card referral awaiting"
                                                                 : "card referral"),
                                     LAYOUT_A("id", r->referral->id)};
    html_open(h, "section", card, LAYOUT_N(card));
    html_element(h, "h2", NULL, 0, layout_say(x, r->awaiting ? MSG_AWAITING : MSG_ANSWERED));
    const struct html_attr facts[] = {LAYOUT_A("class", "facts")};
    html_open(h, "dl", facts, LAYOUT_N(facts));
    for (size_t i = 0; i < r->shown_count; i++) {
        value_text(x, &r->shown[i], value, sizeof value);
        html_element(h, "dt", NULL, 0, msg_field_label(x->lang, r->shown[i].field));
        html_element(h, "dd", NULL, 0, value);
    }
    html_close(h, "dl");
    static const enum msg_id share[] = {MSG_SHARE_NONE, MSG_SHARE_CONSENT, MSG_SHARE_OVERRIDE};
    layout_note(h, "hint share", NULL, layout_say(x, share[r->share]));
    if (r->share == PARTNER_SHARE_OVERRIDE)
        layout_note(h, "hint", NULL, r->override_reason);
    if (x->caller.account.role == HUB_ROLE_PARTNER)
        answer_form(h, x, r->referral->id);
    else if (r->share == PARTNER_SHARE_NONE)
        override_form(h, x, r->referral->id, p->agency);
    html_close(h, "section");
    p->count++;
    return 0;
}

static void grant_form(struct html *h, const struct console_exchange *x, const char *agency)
{
    const struct html_attr form[] = {LAYOUT_A("method", "post"),
                                     LAYOUT_A("action", "/console/referrals/grant")};
    const struct html_attr hidden[] = {LAYOUT_A("type", "hidden"), LAYOUT_A("name", "agency"),
                                       LAYOUT_A("value", agency)};
    const struct html_attr button[] = {LAYOUT_A("type", "submit"), LAYOUT_A("id", "grant")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_csrf(h, x);
    html_open(h, "input", hidden, LAYOUT_N(hidden));
    html_element(h, "button", button, LAYOUT_N(button), layout_say(x, MSG_GRANT));
    html_close(h, "form");
}

/* What the agency's key means on this page: a partner without it reads names masked, and is
 * told why; a coordinator sees what the agency is owed and, holding the district key, gives
 * it (store/agency_copies.h). */
static int key_notice(struct html *h, const struct console_exchange *x, const char *agency)
{
    if (x->caller.account.role == HUB_ROLE_PARTNER) {
        if (!x->caller.holds_agency_key)
            layout_note(h, "alert", "no-agency-key", layout_say(x, MSG_AGENCY_NO_KEY));
        return 0;
    }
    int64_t owed = 0;
    int rc = agency_copies_owed_count(x->store, agency, &owed);
    if (rc != 0 || owed == 0)
        return rc;
    char count[24];
    snprintf(count, sizeof count, "%" PRId64, owed);
    const struct html_attr box[] = {LAYOUT_A("class", "hint"), LAYOUT_A("id", "agency-owed")};
    html_open(h, "div", box, LAYOUT_N(box));
    html_element(h, "p", NULL, 0, layout_say(x, MSG_AGENCY_VALUES_OWED));
    const struct html_attr number[] = {LAYOUT_A("id", "agency-owed-count")};
    html_element(h, "strong", number, LAYOUT_N(number), count);
    if (x->caller.holds_key)
        grant_form(h, x, agency);
    else
        html_element(h, "p", NULL, 0, layout_say(x, MSG_GRANT_SIGN_IN_AGAIN));
    html_close(h, "div");
    return 0;
}

int page_referrals(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char agency[HUB_AGENCY_BYTES], done[16] = "";
    if (agency_of(x, agency, sizeof agency) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    layout_query(x, "done", done, sizeof done);
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_REFERRALS, "referrals", false);
    layout_heading(&h, x, MSG_REFERRALS);
    layout_note(&h, "intro", NULL, layout_say(x, MSG_REFERRALS_INTRO));
    if (done[0])
        layout_note(&h, "alert ok", "alert",
                 layout_say(x, strcmp(done, "override") == 0 ? MSG_OVERRIDE_SAVED
                               : strcmp(done, "granted") == 0 ? MSG_AGENCY_GRANTED_DONE
                                                               : MSG_ANSWER_SAVED));
    struct page_context p = {&h, x, agency, 0};
    int rc = key_notice(&h, x, agency);
    if (rc == 0)
        rc = partner_referrals(x->store, agency, referral_card, &p);
    if (p.count == 0)
        layout_note(&h, "empty", "empty", layout_say(x, MSG_NO_REFERRALS));
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, 200);
}

/* Records the answer and its audit row; SAE_* of merge_referral_answer, with why. */
static int answer(struct console_exchange *x, const char *id, const char *text,
                  const char *note, struct sae_message *why)
{
    enum merge_answer kind;
    if (!id || !text || merge_answer_parse(text, &kind) != 0) {
        sae_message_set(why, "answer is accepted, declined or done");
        return SAE_EINVAL;
    }
    const char *agency = x->caller.account.agency;
    int64_t now_ms = x->now_s * 1000;
    int rc = merge_referral_answer(x->store, id, agency, kind, note && note[0] ? note : NULL,
                                   x->caller.account.name, now_ms, why);
    if (rc == 0)
        rc = hub_audit_append(x->store, x->caller.account.name, "referral-answer", id,
                              x->caller.address, now_ms);
    return rc;
}

static unsigned answer_status(int rc)
{
    return rc == SAE_ENOTFOUND || rc == SAE_EPERM ? 404 : rc == SAE_EDELETED ? 410 : 400;
}

/* A refusal page with the reason the data side gave. */
static int refused_page(struct console_exchange *x, int rc, const struct sae_message *why)
{
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_REFERRALS, "referrals", true);
    layout_heading(&h, x, MSG_REFERRALS);
    layout_note(&h, "alert error", "alert", layout_say(x, MSG_ANSWER_REFUSED));
    layout_note(&h, "hint", "why", why->text);
    return console_page_close(&h, x, answer_status(rc));
}

int page_referrals_answer(struct console_exchange *x, const struct web_form *form)
{
    struct sae_message why = {{0}};
    int rc = answer(x, web_form_get(form, "id"), web_form_get(form, "answer"),
                    web_form_get(form, "note"), &why);
    if (rc == SAE_ENOMEM || rc == SAE_EDB || rc == SAE_EBUSY || rc == SAE_EIO)
        return rc;
    if (rc != 0)
        return refused_page(x, rc, &why);
    return web_response_redirect(x->resp, "/console/referrals?done=answer");
}

struct grant_request {
    struct console_exchange *x;
    const char *agency;
    int64_t granted;
};

static int grant_with(const unsigned char *secret, void *context)
{
    struct grant_request *g = context;
    return agency_copies_grant(g->x->store, g->agency, secret, &g->granted);
}

/* Gives agency the values it is owed with the caller's district key, audited like a device's
 * grant (who, which agency, how many; never a value). SAE_ENOTFOUND: no key in the session,
 * or the agency has none. */
static int grant(struct console_exchange *x, const char *agency, int64_t *granted)
{
    struct grant_request g = {x, agency, 0};
    char target[HUB_AUDIT_TARGET_BYTES];
    int rc = session_keys_use(x->console->keys, x->caller.token_hash, grant_with, &g);
    if (rc == SAE_ENOTFOUND)
        return 0; /* nothing to give: the override stands, a grant follows */
    if (rc == 0 && g.granted > 0) {
        snprintf(target, sizeof target, "%s: %" PRId64 " values", agency, g.granted);
        rc = hub_audit_append(x->store, x->caller.account.name, "agency-grant", target,
                              x->caller.address, x->now_s * 1000);
    }
    *granted = g.granted;
    return rc;
}

int page_referrals_grant(struct console_exchange *x, const struct web_form *form)
{
    const char *agency = web_form_get(form, "agency");
    char back[96];
    int64_t granted = 0;
    if (!agency || partner_agency_check(agency) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    if (!x->caller.holds_key)
        return console_page_message(x, 403, MSG_GRANT_SIGN_IN_AGAIN);
    unsigned char public_key[AGENCY_KEY_BYTES];
    int rc = agency_key_public(x->store, agency, public_key, NULL);
    if (rc == SAE_ENOTFOUND)
        return console_page_message(x, 409, MSG_AGENCY_KEY_MISSING);
    if (rc == 0)
        rc = grant(x, agency, &granted);
    if (rc != 0)
        return rc;
    snprintf(back, sizeof back, "/console/referrals?agency=%s&done=granted", agency);
    return web_response_redirect(x->resp, back);
}

int page_referrals_override(struct console_exchange *x, const struct web_form *form)
{
    struct sae_message why = {{0}};
    const char *id = web_form_get(form, "id"), *reason = web_form_get(form, "reason");
    const char *agency = web_form_get(form, "agency");
    char back[96];
    if (!id || !reason || !reason[0] || strlen(reason) > SAE_LIMIT_NOTE_BYTES || !agency ||
        partner_agency_check(agency) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    int64_t now_ms = x->now_s * 1000, granted = 0;
    int rc = partner_override(x->store, id, x->caller.account.name, reason, now_ms, &why);
    if (rc == 0)
        rc = hub_audit_append(x->store, x->caller.account.name, "referral-override", id,
                              x->caller.address, now_ms);
    /* She is signed in: what the override opens is the agency's at once. */
    if (rc == 0 && x->caller.holds_key)
        rc = grant(x, agency, &granted);
    if (rc == SAE_ENOMEM || rc == SAE_EDB || rc == SAE_EBUSY || rc == SAE_EIO)
        return rc;
    if (rc != 0)
        return refused_page(x, rc, &why);
    snprintf(back, sizeof back, "/console/referrals?agency=%s&done=override", agency);
    return web_response_redirect(x->resp, back);
}

static int referral_json(const struct partner_referral *r, void *context)
{
    json_t *fields = json_object();
    for (size_t i = 0; fields && i < r->shown_count; i++)
        if (json_object_set_new(fields, r->shown[i].field->name,
                                json_string(r->shown[i].value)) != 0) {
            json_decref(fields);
            fields = NULL;
        }
    static const char *const shares[] = {"none", "consent", "override"};
    json_t *o = fields ? json_pack("{s:s, s:b, s:s, s:o}", "id", r->referral->id, "awaiting",
                                   r->awaiting, "share", shares[r->share], "fields", fields)
                       : NULL;
    return o && json_array_append_new(context, o) == 0 ? 0 : SAE_ENOMEM;
}

int api_referrals(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char agency[HUB_AGENCY_BYTES];
    if (agency_of(x, agency, sizeof agency) != 0)
        return console_api_error(x, 400, "bad-agency", partner_agency_names());
    json_t *list = json_array();
    int rc = list ? partner_referrals(x->store, agency, referral_json, list) : SAE_ENOMEM;
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    return console_api_answer(x, 200, json_pack("{s:s, s:o}", "agency", agency, "referrals",
                                                list));
}

int api_referrals_answer(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const char *const allowed[] = {"id", "answer", "note", NULL};
    json_t *body = NULL;
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    struct sae_message why = {{0}};
    const char *id = console_api_text(body, "id");
    rc = answer(x, id, console_api_text(body, "answer"), console_api_text(body, "note"), &why);
    if (rc == 0)
        rc = console_api_answer(x, 200, json_pack("{s:s}", "answered", id));
    else if (rc != SAE_ENOMEM && rc != SAE_EDB && rc != SAE_EBUSY && rc != SAE_EIO)
        rc = console_api_error(x, answer_status(rc),
                               rc == SAE_EINVAL ? "refused"
                               : rc == SAE_EDELETED ? "deleted" : "not-found",
                               why.text[0] ? why.text : "no such referral for this agency");
    json_decref(body);
    return rc;
}
