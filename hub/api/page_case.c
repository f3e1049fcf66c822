/* A case file in the console (page_case.h), from store/case_file.h: sensitive values are
 * never read for a caller who may not see them, and only after a coordinator asks (a
 * reveal, audited) for one who may. Edits go through merge_district_edits, the path of
 * `sae-hub reports edit`, with the reason as the note the posts receive. */
#include "api/page_case.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/html.h"
#include "merge/merge.h"
#include "merge/merge_case_review.h"
#include "render/render_export.h"
#include "sae/sae_byline.h"
#include "sae/sae_limits.h"
#include "sae/sae_plan.h"
#include "sae/sae_validate.h"
#include "sae/sae_wire.h"
#include "store/audit_read.h"
#include "store/case_file.h"
#include "store/erasure.h"
#include "store/hub_read.h"

#define A LAYOUT_A
#define N LAYOUT_N

static int64_t now_ms(const struct console_exchange *x)
{
    return x->now_s * 1000;
}

static const char *label_of(const struct console_exchange *x, const struct sae_field *field)
{
    return field ? msg_field_label(x->lang, field) : layout_say(x, MSG_DELETED);
}

static void masked(struct html *h, const struct console_exchange *x)
{
    const struct html_attr m[] = {A("class", "masked")};
    html_element(h, "span", m, N(m), layout_say(x, MSG_MASKED));
}

static void erased(struct html *h, const struct console_exchange *x)
{
    const struct html_attr m[] = {A("class", "masked erased")};
    html_element(h, "span", m, N(m), layout_say(x, MSG_ERASED));
}

static void byline_cell(struct html *h, const struct console_exchange *x, const char *author,
                        const char *device, bool district, uint64_t ms)
{
    char line[SAE_BYLINE_BYTES];
    sae_byline(author ? author : "?", district ? layout_say(x, MSG_DISTRICT) : device, ms,
               (uint64_t)now_ms(x), line);
    layout_cell(h, line);
}

static bool has_conflict(const struct hub_case_file *file, const char *name)
{
    for (size_t i = 0; i < file->conflicts.count; i++)
        if (strcmp(file->conflicts.entries[i].field, name) == 0)
            return true;
    return false;
}

static void fields_table(struct html *h, const struct console_exchange *x,
                         const struct hub_case_file *file)
{
    const char *heads[] = {layout_say(x, MSG_FIELD), layout_say(x, MSG_VALUE),
                           layout_say(x, MSG_LAST_CHANGE)};
    layout_table_begin(h, "fields", heads, N(heads));
    for (size_t i = 0; i < file->value_count; i++) {
        const struct hub_case_value *v = &file->values[i];
        const struct hub_case_version *last = NULL;
        for (size_t k = 0; k < file->version_count; k++)
            if (file->versions[k].current && file->versions[k].field == v->field)
                last = &file->versions[k];
        html_open(h, "tr", NULL, 0);
        layout_cell(h, label_of(x, v->field));
        html_open(h, "td", NULL, 0);
        if (v->erased) {
            erased(h, x);
        } else if (v->masked) {
            masked(h, x);
        } else {
            char text[256];
            layout_value_text(x, v->field, v->value, text, sizeof text);
            html_text(h, strlen(v->value) < sizeof text ? text : v->value);
        }
        if (has_conflict(file, v->field->name)) {
            const struct html_attr b[] = {A("class", "badge conflict")};
            html_text(h, " ");
            html_element(h, "span", b, N(b), layout_say(x, MSG_CONFLICTS_BADGE));
        }
        html_close(h, "td");
        if (last)
            byline_cell(h, x, last->author, last->device, last->district,
                        sae_hlc_ms(last->version.hlc));
        else
            layout_cell(h, NULL);
        html_close(h, "tr");
    }
    layout_table_end(h);
}

static void timeline_table(struct html *h, const struct console_exchange *x,
                           const struct hub_case_file *file)
{
    const char *heads[] = {layout_say(x, MSG_DATE), layout_say(x, MSG_KIND),
                           layout_say(x, MSG_WHAT), layout_say(x, MSG_STATUS)};
    layout_table_begin(h, "timeline", heads, N(heads));
    for (size_t i = 0; i < file->event_count; i++) {
        const struct hub_case_event *e = &file->events[i];
        html_open(h, "tr", NULL, 0);
        layout_cell(h, e->date);
        layout_cell(h, x->lang == MSG_LANG_EN ? e->kind->label_en : e->kind->label_id);
        layout_cell(h, e->what);
        layout_cell(h, e->deleted ? layout_say(x, MSG_DELETED) : e->status);
        html_close(h, "tr");
    }
    if (file->event_count == 0) {
        html_open(h, "tr", NULL, 0);
        layout_cell(h, layout_say(x, MSG_NONE_YET));
        html_close(h, "tr");
    }
    layout_table_end(h);
}

static void history_table(struct html *h, const struct console_exchange *x,
                          const struct hub_case_file *file)
{
    const char *heads[] = {layout_say(x, MSG_FIELD), layout_say(x, MSG_VALUE),
                           layout_say(x, MSG_WHO_WHERE_WHEN)};
    const struct html_attr d[] = {A("id", "history")};
    html_open(h, "details", d, N(d));
    html_element(h, "summary", NULL, 0, layout_say(x, MSG_HISTORY));
    layout_table_begin(h, "history-table", heads, N(heads));
    for (size_t i = 0; i < file->version_count; i++) {
        const struct hub_case_version *v = &file->versions[i];
        html_open(h, "tr", NULL, 0);
        layout_cell(h, v->element ? (x->lang == MSG_LANG_EN ? v->element->label_en
                                                            : v->element->label_id)
                                  : label_of(x, v->field));
        html_open(h, "td", NULL, 0);
        if (v->erased)
            erased(h, x);
        else if (v->masked)
            masked(h, x);
        else
            html_text(h, v->value ? v->value : layout_say(x, MSG_UNSET));
        if (v->current) {
            const struct html_attr b[] = {A("class", "badge ok")};
            html_text(h, " ");
            html_element(h, "span", b, N(b), layout_say(x, MSG_CURRENT));
        }
        html_close(h, "td");
        byline_cell(h, x, v->author, v->device, v->district, sae_hlc_ms(v->version.hlc));
        html_close(h, "tr");
    }
    layout_table_end(h);
    html_close(h, "details");
}

static int opener_row(const char *actor, int64_t last_ms, int64_t count, void *context)
{
    struct html *h = context;
    char when[20], times[24];
    layout_time(last_ms, when);
    snprintf(times, sizeof times, "%" PRId64, count);
    html_open(h, "tr", NULL, 0);
    layout_cell(h, actor);
    layout_cell(h, when);
    layout_cell(h, times);
    html_close(h, "tr");
    return 0;
}

static int openers_table(struct html *h, struct console_exchange *x, const char *id)
{
    const char *heads[] = {layout_say(x, MSG_NAME), layout_say(x, MSG_LAST_OPENED),
                           layout_say(x, MSG_TIMES)};
    layout_table_begin(h, "openers", heads, N(heads));
    int rc = hub_audit_openers(x->store, "case-open", id, opener_row, h);
    layout_table_end(h);
    return rc;
}

static void review_form(struct html *h, const struct console_exchange *x, const char *id,
                        const struct hub_case_review *review)
{
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/case/review"),
                                     A("id", "review-form")};
    html_open(h, "form", form, N(form));
    layout_csrf(h, x);
    layout_hidden(h, "id", id);
    const struct layout_option states[] = {
        {"received", layout_say(x, MSG_REVIEW_RECEIVED)},
        {"has_issues", layout_say(x, MSG_REVIEW_HAS_ISSUES)},
        {"approved", layout_say(x, MSG_REVIEW_APPROVED)}};
    layout_select(h, "state", layout_say(x, MSG_REVIEW), states, N(states), NULL,
                  review->exists ? review->state : NULL);
    layout_input(h, "note", "text", layout_say(x, MSG_NOTE), NULL);
    const struct html_attr b[] = {A("type", "submit"), A("class", "small"), A("id", "review-save")};
    html_element(h, "button", b, N(b), layout_say(x, MSG_SAVE));
    html_close(h, "form");
}

static void edit_form(struct html *h, const struct console_exchange *x,
                      const struct hub_case_file *file)
{
    const struct sae_kind *kind = NULL;
    if (sae_catalogue_find_kind("case", &kind) != 0)
        return;
    struct layout_option fields[64];
    size_t n = 0;
    for (size_t i = 0; i < kind->field_count && n < N(fields); i++) {
        const struct sae_field *f = &kind->fields[i];
        if (f->deprecated || f->type == SAE_FIELD_SET || f->type == SAE_FIELD_REFERENCE)
            continue;
        fields[n++] = (struct layout_option){f->name, msg_field_label(x->lang, f)};
    }
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/case/edit"),
                                     A("id", "edit-form")};
    html_open(h, "form", form, N(form));
    layout_csrf(h, x);
    layout_hidden(h, "id", file->id);
    layout_select(h, "field", layout_say(x, MSG_FIELD), fields, n, NULL, NULL);
    layout_input(h, "value", "text", layout_say(x, MSG_NEW_VALUE), NULL);
    const struct html_attr box[] = {A("type", "checkbox"), A("id", "unset"), A("name", "unset"),
                                    A("value", "1")};
    const struct html_attr lab[] = {A("for", "unset"), A("class", "choice")};
    html_open(h, "label", lab, N(lab));
    html_open(h, "input", box, N(box));
    html_text(h, " ");
    html_text(h, layout_say(x, MSG_UNSET_FIELD));
    html_close(h, "label");
    const struct html_attr reason_lab[] = {A("for", "reason")};
    const struct html_attr reason[] = {A("id", "reason"), A("name", "reason"), A("type", "text"),
                                       A("required", NULL), A("maxlength", "1000")};
    html_element(h, "label", reason_lab, N(reason_lab), layout_say(x, MSG_REASON_REQUIRED));
    html_open(h, "input", reason, N(reason));
    const struct html_attr b[] = {A("type", "submit"), A("class", "small"), A("id", "edit-save")};
    html_element(h, "button", b, N(b), layout_say(x, MSG_SAVE_EDIT));
    html_close(h, "form");
}

static void heading(struct html *h, const struct console_exchange *x,
                    const struct hub_case_file *file)
{
    const char *number = NULL;
    for (size_t i = 0; i < file->value_count; i++)
        if (strcmp(file->values[i].field->name, "registration_number") == 0)
            number = file->values[i].value;
    char title[256];
    snprintf(title, sizeof title, "%s %s \xC2\xB7 %s", layout_say(x, MSG_CASE_FILE),
             number ? number : file->id, file->village_name ? file->village_name : file->village);
    html_element(h, "h1", NULL, 0, title);
    const struct html_attr p[] = {A("class", "totals")};
    html_element(h, "p", p, N(p), file->id);
}

static void case_actions(struct html *h, const struct console_exchange *x,
                         const struct hub_case_file *file, bool revealed)
{
    const struct html_attr box[] = {A("class", "actions")};
    html_open(h, "div", box, N(box));
    if (console_may(x->caller.account.role, RIGHT_REVEAL) && !revealed) {
        const struct html_attr form[] = {A("method", "post"), A("action", "/console/case/reveal")};
        html_open(h, "form", form, N(form));
        layout_csrf(h, x);
        layout_hidden(h, "id", file->id);
        const struct html_attr b[] = {A("type", "submit"), A("class", "secondary"),
                                      A("id", "reveal")};
        html_element(h, "button", b, N(b), layout_say(x, MSG_REVEAL));
        html_close(h, "form");
    }
    if (file->conflicts.count > 0) {
        char href[64], text[96];
        snprintf(href, sizeof href, "/console/conflicts?report=%s", file->id);
        snprintf(text, sizeof text, "%zu %s", file->conflicts.count,
                 layout_say(x, MSG_CONFLICTS_BADGE));
        const struct html_attr a[] = {A("href", href), A("class", "badge conflict"),
                                      A("id", "case-conflicts")};
        html_element(h, "a", a, N(a), text);
    }
    html_close(h, "div");
}

static void review_state(struct html *h, const struct console_exchange *x,
                         const struct hub_case_review *r)
{
    const struct html_attr p[] = {A("id", "review-state")};
    html_open(h, "p", p, N(p));
    html_text(h, layout_say(x, MSG_REVIEW));
    html_text(h, ": ");
    enum msg_id id = !r->exists                            ? MSG_REVIEW_NONE
                     : strcmp(r->state, "approved") == 0   ? MSG_REVIEW_APPROVED
                     : strcmp(r->state, "has_issues") == 0 ? MSG_REVIEW_HAS_ISSUES
                                                           : MSG_REVIEW_RECEIVED;
    html_element(h, "strong", NULL, 0, layout_say(x, id));
    if (r->exists && r->note) {
        html_text(h, " \xE2\x80\x94 ");
        html_text(h, r->note);
    }
    html_close(h, "p");
}

static void card(struct html *h, const char *title)
{
    const struct html_attr c[] = {A("class", "card")};
    html_open(h, "section", c, N(c));
    html_element(h, "h2", NULL, 0, title);
}

/* What leaves the district of this survivor: nothing sensitive (render_export.h decides). */
/* A coordinator whose session holds no district key (signed in before a restart) reads
 * sealed values masked; the key comes with a new sign-in. */
static void no_key_notice(struct html *h, const struct console_exchange *x)
{
    const struct html_attr p[] = {A("class", "alert warn"), A("id", "no-key")};
    html_element(h, "p", p, N(p), layout_say(x, MSG_SIGN_IN_AGAIN_TO_SEE));
}

static void no_consent_notice(struct html *h, const struct console_exchange *x)
{
    const struct html_attr p[] = {A("class", "alert warn"), A("id", "no-consent")};
    html_element(h, "p", p, N(p), layout_say(x, MSG_NO_CONSENT_SHARE));
}

/* When the survivor's data was erased (the last time, if more than once). */
static void erased_notice(struct html *h, const struct console_exchange *x, int64_t ms)
{
    char when[LAYOUT_TIME_BYTES], text[160];
    layout_time(ms, when);
    snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_ERASE_LAST), when);
    layout_note(h, "alert warn", "erased-notice", text);
}

/* The case file page; alert (may be NULL) says what the last action did. */
static int case_page(struct console_exchange *x, const char *id, bool reveal, unsigned status,
                     const char *alert_kind, const char *alert)
{
    struct hub_case_file *file = NULL;
    int rc = hub_case_file_load(x->store, id, reveal, now_ms(x), &file);
    if (rc == SAE_ENOTFOUND || rc == SAE_EINVAL)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    bool share = true, was_erased = false;
    int64_t erased_ms = 0;
    if (rc == 0)
        rc = hub_export_shares(x->store, id, &share);
    if (rc == 0)
        rc = erasure_last(x->store, id, &was_erased, &erased_ms);
    if (rc == 0)
        rc = hub_audit_append(x->store, x->caller.account.name, reveal ? "case-reveal" : "case-open",
                              id, x->caller.address, now_ms(x));
    if (rc != 0) {
        hub_case_file_free(file);
        return rc;
    }
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_CASE_FILE, "reports", false);
    heading(&h, x, file);
    if (alert)
        layout_alert(&h, alert_kind, alert);
    if (!share)
        no_consent_notice(&h, x);
    if (was_erased)
        erased_notice(&h, x, erased_ms);
    if (reveal && !x->caller.holds_key)
        no_key_notice(&h, x);
    case_actions(&h, x, file, reveal);
    const struct html_attr grid[] = {A("class", "grid2")};
    html_open(&h, "div", grid, N(grid));
    html_open(&h, "div", NULL, 0);
    card(&h, layout_say(x, MSG_FIELDS));
    fields_table(&h, x, file);
    history_table(&h, x, file);
    html_close(&h, "section");
    card(&h, layout_say(x, MSG_TIMELINE));
    timeline_table(&h, x, file);
    html_close(&h, "section");
    html_close(&h, "div");
    html_open(&h, "div", NULL, 0);
    card(&h, layout_say(x, MSG_REVIEW));
    review_state(&h, x, &file->review);
    if (console_may(x->caller.account.role, RIGHT_REVIEW))
        review_form(&h, x, file->id, &file->review);
    html_close(&h, "section");
    if (console_may(x->caller.account.role, RIGHT_EDIT) && !file->deleted) {
        card(&h, layout_say(x, MSG_EDIT));
        edit_form(&h, x, file);
        html_close(&h, "section");
    }
    if (console_may(x->caller.account.role, RIGHT_ERASE)) {
        card(&h, layout_say(x, MSG_ERASE_TITLE));
        char href[96];
        snprintf(href, sizeof href, "/console/case/erase?id=%s", file->id);
        const struct html_attr a[] = {A("href", href), A("id", "erase-link")};
        html_element(&h, "a", a, N(a), layout_say(x, MSG_ERASE_TITLE));
        html_close(&h, "section");
    }
    card(&h, layout_say(x, MSG_OPENED_BY));
    rc = openers_table(&h, x, file->id);
    html_close(&h, "section");
    html_close(&h, "div");
    html_close(&h, "div");
    hub_case_file_free(file);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, status);
}

int page_case_id(struct console_exchange *x, const char *given,
                        char id[SAE_ID_TEXT_LEN + 1], bool *found)
{
    struct sae_message why = {{0}};
    *found = false;
    int rc = given && given[0] ? hub_read_resolve_id(x->store, given, id, &why) : SAE_ENOTFOUND;
    if (rc == 0) {
        *found = true;
        return 0;
    }
    if (rc == SAE_ENOMEM || rc == SAE_EDB || rc == SAE_EBUSY)
        return rc;
    return console_page_message(x, 404, MSG_NOT_FOUND);
}

int page_case(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char given[WEB_QUERY_BYTES] = "", id[SAE_ID_TEXT_LEN + 1], done[16] = "";
    web_request_query(x->req, "id", given, sizeof given);
    web_request_query(x->req, "done", done, sizeof done);
    bool found = false;
    int rc = page_case_id(x, given, id, &found);
    if (rc != 0 || !found)
        return rc;
    enum msg_id said = strcmp(done, "edit") == 0        ? MSG_EDIT_SAVED
                       : strcmp(done, "unchanged") == 0 ? MSG_EDIT_UNCHANGED
                       : strcmp(done, "review") == 0    ? MSG_REVIEW_SAVED
                       : strcmp(done, "erased") == 0    ? MSG_ERASE_DONE
                                                        : MSG_COUNT;
    return case_page(x, id, false, 200, "ok", said == MSG_COUNT ? NULL : layout_say(x, said));
}

int page_case_reveal(struct console_exchange *x, const struct web_form *form)
{
    char id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    int rc = page_case_id(x, web_form_get(form, "id"), id, &found);
    if (rc != 0 || !found)
        return rc;
    return case_page(x, id, true, 200, "ok", layout_say(x, MSG_REVEALED));
}

static int redirect_done(struct console_exchange *x, const char *id, const char *done)
{
    char path[96];
    snprintf(path, sizeof path, "/console/case?id=%s&done=%s", id, done);
    return web_response_redirect(x->resp, path);
}

/* The edit's value as stored (canonical), or why not. */
static int edit_value(const struct sae_field *field, const char *raw, char **out,
                      struct sae_message *why)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    if (field->type == SAE_FIELD_AREA)
        return sae_edit_area(field, raw, out, why);
    int rc = sae_validate_value(field, raw, strlen(raw), out, message);
    if (rc != 0)
        sae_message_set(why, "%s", message);
    return rc;
}

static bool reason_ok(const char *reason)
{
    size_t len = reason ? strlen(reason) : 0;
    return len > 0 && len <= SAE_LIMIT_NOTE_BYTES && !strpbrk(reason, "\r\n");
}

int page_case_edit(struct console_exchange *x, const struct web_form *form)
{
    char id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    int rc = page_case_id(x, web_form_get(form, "id"), id, &found);
    if (rc != 0 || !found)
        return rc;
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    const char *name = web_form_get(form, "field"), *raw = web_form_get(form, "value");
    const char *reason = web_form_get(form, "reason");
    bool unset = web_form_get(form, "unset") != NULL;
    struct sae_message why = {{0}};
    char *value = NULL;
    if (sae_catalogue_find_kind("case", &kind) != 0 || !name ||
        sae_catalogue_find_field(kind, name, &field) != 0 || field->type == SAE_FIELD_SET ||
        field->type == SAE_FIELD_REFERENCE || field->deprecated)
        return case_page(x, id, false, 400, "error", layout_say(x, MSG_EDIT_BAD_FIELD));
    if (!reason_ok(reason))
        return case_page(x, id, false, 400, "error", layout_say(x, MSG_EDIT_NEEDS_REASON));
    if (!unset && (!raw || !raw[0] || edit_value(field, raw, &value, &why) != 0)) {
        char text[SAE_MESSAGE_BYTES + 128];
        snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_EDIT_BAD_VALUE), why.text);
        free(value);
        return case_page(x, id, false, 400, "error", text);
    }
    const struct merge_edit edit = {field->name, unset ? NULL : value};
    size_t written = 0;
    rc = merge_district_edits(x->store, id, &edit, 1, x->caller.account.name, reason,
                              now_ms(x), &written, &why);
    free(value);
    if (rc == 0 && written > 0)
        rc = hub_audit_append(x->store, x->caller.account.name, "report-edit", id,
                              x->caller.address, now_ms(x));
    /* A repeated value writes nothing (merge_district_edits): saying "saved" would tell the
     * coordinator the posts receive a change that does not exist. */
    if (rc == 0)
        return redirect_done(x, id, written > 0 ? "edit" : "unchanged");
    if (rc == SAE_EINVAL || rc == SAE_EDELETED || rc == SAE_ENOTFOUND) {
        char text[SAE_MESSAGE_BYTES + 128];
        snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_EDIT_BAD_VALUE), why.text);
        return case_page(x, id, false, 400, "error", text);
    }
    return rc;
}

int page_case_review(struct console_exchange *x, const struct web_form *form)
{
    char id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    int rc = page_case_id(x, web_form_get(form, "id"), id, &found);
    if (rc != 0 || !found)
        return rc;
    const char *state = web_form_get(form, "state"), *note = web_form_get(form, "note");
    struct sae_message why = {{0}};
    rc = merge_case_review(x->store, id, state ? state : "", note && note[0] ? note : NULL,
                           x->caller.account.name, now_ms(x), &why);
    if (rc == 0)
        rc = hub_audit_append(x->store, x->caller.account.name, "case-review", id,
                              x->caller.address, now_ms(x));
    if (rc == 0)
        return redirect_done(x, id, "review");
    if (rc == SAE_EINVAL || rc == SAE_EDELETED) {
        char text[SAE_MESSAGE_BYTES + 128];
        snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_REVIEW_REFUSED), why.text);
        return case_page(x, id, false, 400, "error", text);
    }
    return rc;
}
