/* The conflicts queue and its decisions (page_conflicts.h), from store/conflict_queue.h (the
 * same criterion as the reports list's badges) and merge.h (the rules of `sae-hub conflicts
 * resolve` and `dismiss`). Sensitive fields' values are masked for anyone who may not see
 * them; a coordinator shown one is audited as a reveal of that case. */
#include "api/page_conflicts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/html.h"
#include "merge/merge.h"
#include "sae/sae_byline.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "store/case_list.h"
#include "store/conflict_queue.h"
#include "store/hub_read.h"

#define A LAYOUT_A
#define N LAYOUT_N
#define QUEUE_ROWS 25u

static int64_t now_ms(const struct console_exchange *x)
{
    return x->now_s * 1000;
}

static struct sae_field_ref field_of(const struct hub_queue_entry *e)
{
    struct sae_field_ref ref = {NULL, NULL};
    if (e->kind && sae_catalogue_resolve(e->kind, e->field, &ref) != 0)
        ref.field = NULL;
    return ref;
}

static bool sensitive(const struct hub_queue_entry *e)
{
    struct sae_field_ref ref = field_of(e);
    return ref.field && ref.field->sensitive;
}

static void field_label(const struct console_exchange *x, const struct hub_queue_entry *e,
                        char *out, size_t cap)
{
    struct sae_field_ref ref = field_of(e);
    if (!ref.field)
        snprintf(out, cap, "%s", strcmp(e->field, SAE_FIELD_TOMBSTONE) == 0
                                     ? layout_say(x, MSG_DELETED) : e->field);
    else if (ref.element)
        snprintf(out, cap, "%s: %s", msg_field_label(x->lang, ref.field),
                 x->lang == MSG_LANG_EN ? ref.element->label_en : ref.element->label_id);
    else
        snprintf(out, cap, "%s", msg_field_label(x->lang, ref.field));
}

static void version_cells(struct html *h, const struct console_exchange *x,
                          const struct hub_queue_entry *e, const struct hub_queue_version *v,
                          bool mask)
{
    const struct html_attr m[] = {A("class", "masked")};
    if (!v->exists) {
        layout_cell(h, layout_say(x, MSG_NONE_YET));
        layout_cell(h, NULL);
        return;
    }
    if (mask) {
        html_open(h, "td", NULL, 0);
        html_element(h, "span", m, N(m), layout_say(x, MSG_MASKED));
        html_close(h, "td");
    } else {
        struct sae_field_ref ref = field_of(e);
        char text[256];
        layout_value_text(x, ref.field, v->value, text, sizeof text);
        layout_cell(h, v->value ? text : layout_say(x, MSG_UNSET));
    }
    char line[SAE_BYLINE_BYTES];
    sae_byline(v->author ? v->author : "?", v->district ? layout_say(x, MSG_DISTRICT) : v->device,
               sae_hlc_ms(v->version.hlc), (uint64_t)now_ms(x), line);
    layout_cell(h, line);
}

static void candidates_table(struct html *h, const struct console_exchange *x,
                             const struct hub_queue_entry *e, bool mask)
{
    char id[32];
    snprintf(id, sizeof id, "candidates-%" PRId64, e->id);
    const char *heads[] = {"#", layout_say(x, MSG_VALUE), layout_say(x, MSG_WHO_WHERE_WHEN),
                           layout_say(x, MSG_BASE_VALUE), layout_say(x, MSG_WHO_WHERE_WHEN)};
    layout_table_begin(h, id, heads, N(heads));
    for (size_t i = 0; i < e->candidate_count; i++) {
        char number[24];
        snprintf(number, sizeof number, "%zu", i + 1);
        html_open(h, "tr", NULL, 0);
        layout_cell(h, number);
        version_cells(h, x, e, &e->candidates[i].change, mask);
        version_cells(h, x, e, &e->candidates[i].base, mask);
        html_close(h, "tr");
    }
    layout_table_end(h);
}

static void choice(struct html *h, const char *id, const char *value, const char *label,
                   bool checked)
{
    const struct html_attr lab[] = {A("class", "choice"), A("for", id)};
    const struct html_attr in[] = {A("type", "radio"), A("name", "action"), A("id", id),
                                   A("value", value), A("checked", NULL)};
    html_open(h, "label", lab, N(lab));
    html_open(h, "input", in, checked ? N(in) : N(in) - 1);
    html_text(h, " ");
    html_text(h, label);
    html_close(h, "label");
}

static void decide_form(struct html *h, const struct console_exchange *x,
                        const struct hub_queue_entry *e)
{
    char seen[MERGE_SEEN_MAX * 24] = "", conflict[24], id[48], value[32], text[160];
    size_t len = 0;
    for (size_t i = 0; i < e->candidate_count && len < sizeof seen; i++)
        len += (size_t)snprintf(seen + len, sizeof seen - len, "%s%" PRId64, i ? "," : "",
                                e->candidates[i].change.seq);
    snprintf(conflict, sizeof conflict, "%" PRId64, e->id);
    snprintf(id, sizeof id, "decide-%" PRId64, e->id);
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/conflicts/decide"),
                                     A("id", id)};
    html_open(h, "form", form, N(form));
    layout_csrf(h, x);
    layout_hidden(h, "conflict", conflict);
    layout_hidden(h, "seen", seen);
    html_open(h, "fieldset", NULL, 0);
    html_element(h, "legend", NULL, 0, layout_say(x, MSG_DECISION));
    for (size_t i = 0; i < e->candidate_count; i++) {
        snprintf(id, sizeof id, "keep-%" PRId64 "-%zu", e->id, i + 1);
        snprintf(value, sizeof value, "keep:%zu", i + 1);
        snprintf(text, sizeof text, "%s #%zu", layout_say(x, MSG_KEEP), i + 1);
        choice(h, id, value, text, i == 0);
    }
    struct sae_field_ref ref = field_of(e);
    if (ref.field && !ref.element) {
        snprintf(id, sizeof id, "enter-%" PRId64, e->id);
        choice(h, id, "value", layout_say(x, MSG_ENTER_VALUE), false);
        snprintf(id, sizeof id, "value-%" PRId64, e->id);
        const struct html_attr in[] = {A("type", "text"), A("name", "value"), A("id", id),
                                       A("aria-label", layout_say(x, MSG_NEW_VALUE))};
        html_open(h, "input", in, N(in));
    }
    if (ref.field) {
        snprintf(id, sizeof id, "unset-%" PRId64, e->id);
        choice(h, id, "unset", layout_say(x, MSG_UNSET_FIELD), false);
        snprintf(id, sizeof id, "dismiss-%" PRId64, e->id);
        choice(h, id, "dismiss", layout_say(x, MSG_DISMISS), false);
    }
    html_close(h, "fieldset");
    snprintf(id, sizeof id, "note-%" PRId64, e->id);
    const struct html_attr lab[] = {A("for", id)};
    const struct html_attr note[] = {A("type", "text"), A("name", "note"), A("id", id),
                                     A("maxlength", "1000")};
    html_element(h, "label", lab, N(lab), layout_say(x, MSG_NOTE));
    html_open(h, "input", note, N(note));
    snprintf(id, sizeof id, "submit-%" PRId64, e->id);
    const struct html_attr b[] = {A("type", "submit"), A("class", "small"), A("id", id)};
    html_element(h, "button", b, N(b), layout_say(x, MSG_DECIDE));
    html_close(h, "form");
}

static void entry_head(struct html *h, const struct console_exchange *x,
                       const struct hub_queue_entry *e)
{
    char label[200], href[64], age[48];
    field_label(x, e, label, sizeof label);
    snprintf(href, sizeof href, "/console/case?id=%s", e->report_id);
    html_open(h, "h2", NULL, 0);
    const struct html_attr a[] = {A("href", href)};
    html_element(h, "a", a, N(a), e->registration ? e->registration : e->report_id);
    html_text(h, " \xC2\xB7 ");
    html_text(h, label);
    html_text(h, " ");
    const struct html_attr badge[] = {A("class", e->hard ? "badge hard" : "badge soft")};
    html_element(h, "span", badge, N(badge), layout_say(x, e->hard ? MSG_HARD : MSG_SOFT));
    html_close(h, "h2");
    snprintf(age, sizeof age, "%" PRId64 " %s", e->age_ms / 86400000,
             layout_say(x, MSG_DAYS_OPEN));
    const struct html_attr p[] = {A("class", "totals")};
    html_open(h, "p", p, N(p));
    html_text(h, e->village_name ? e->village_name : e->village);
    html_text(h, " \xC2\xB7 ");
    html_text(h, age);
    html_close(h, "p");
}

static void agreed_and_standing(struct html *h, const struct console_exchange *x,
                                const struct hub_queue_entry *e, bool mask)
{
    const char *heads[] = {"", layout_say(x, MSG_VALUE), layout_say(x, MSG_WHO_WHERE_WHEN)};
    layout_table_begin(h, "", heads, N(heads));
    html_open(h, "tr", NULL, 0);
    layout_cell(h, layout_say(x, MSG_AGREED));
    version_cells(h, x, e, &e->agreed, mask);
    html_close(h, "tr");
    html_open(h, "tr", NULL, 0);
    layout_cell(h, layout_say(x, MSG_STANDING));
    version_cells(h, x, e, &e->standing, mask);
    html_close(h, "tr");
    layout_table_end(h);
}

static int entry_card(struct html *h, struct console_exchange *x, const struct hub_queue_entry *e)
{
    bool may_see = console_may(x->caller.account.role, RIGHT_REVEAL);
    bool mask = sensitive(e) && !may_see;
    if (sensitive(e) && may_see) {
        int rc = hub_audit_append(x->store, x->caller.account.name, "case-reveal", e->report_id,
                                  x->caller.address, now_ms(x));
        if (rc != 0)
            return rc;
    }
    char id[32];
    snprintf(id, sizeof id, "conflict-%" PRId64, e->id);
    const struct html_attr c[] = {A("class", e->hard ? "card conflict-card" : "card conflict-card soft"),
                                  A("id", id)};
    html_open(h, "section", c, N(c));
    entry_head(h, x, e);
    candidates_table(h, x, e, mask);
    agreed_and_standing(h, x, e, mask);
    if (console_may(x->caller.account.role, RIGHT_RESOLVE))
        decide_form(h, x, e);
    html_close(h, "section");
    return 0;
}

/* The queue page (or one report's part of it), with an alert. */
static int queue_page(struct console_exchange *x, const char *report, unsigned status,
                      const char *alert_kind, const char *alert)
{
    char offset_text[16] = "";
    web_request_query(x->req, "offset", offset_text, sizeof offset_text);
    char *end = NULL;
    unsigned long offset = offset_text[0] ? strtoul(offset_text, &end, 10) : 0;
    if (offset_text[0] && (*end || offset_text[0] == '-' || offset > HUB_LIST_OFFSET_MAX))
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    struct hub_queue_query q = {report, NULL, false, offset, QUEUE_ROWS, now_ms(x)};
    struct hub_queue queue = {0};
    struct sae_message why = {{0}};
    int rc = hub_conflict_queue(x->store, &q, &queue, &why);
    if (rc == SAE_EINVAL)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_CONFLICTS, "conflicts", false);
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_CONFLICTS));
    if (alert)
        layout_alert(&h, alert_kind, alert);
    char total[96];
    snprintf(total, sizeof total, "%" PRId64 " %s", queue.total, layout_say(x, MSG_OPEN_CONFLICTS));
    const struct html_attr t[] = {A("class", "totals"), A("id", "total")};
    html_element(&h, "p", t, N(t), total);
    if (report) {
        const struct html_attr all[] = {A("href", "/console/conflicts")};
        html_element(&h, "a", all, N(all), layout_say(x, MSG_ALL_CONFLICTS));
    }
    for (size_t i = 0; rc == 0 && i < queue.count; i++)
        rc = entry_card(&h, x, &queue.entries[i]);
    char base[96];
    snprintf(base, sizeof base, "/console/conflicts?%s%s%s", report ? "report=" : "",
             report ? report : "", report ? "&" : "");
    layout_pager(&h, x, base, offset, QUEUE_ROWS, queue.total);
    hub_conflict_queue_free(&queue);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, status);
}

int page_conflicts(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char given[WEB_QUERY_BYTES] = "", report[SAE_ID_TEXT_LEN + 1], done[8] = "";
    web_request_query(x->req, "report", given, sizeof given);
    web_request_query(x->req, "done", done, sizeof done);
    struct sae_message why = {{0}};
    if (given[0] && hub_read_resolve_id(x->store, given, report, &why) != 0)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    return queue_page(x, given[0] ? report : NULL, 200, "ok",
                      done[0] ? layout_say(x, MSG_DECIDED) : NULL);
}

/* "12,15" into seqs; false when it is not such a list. */
static bool parse_seen(const char *text, int64_t seqs[MERGE_SEEN_MAX], size_t *count)
{
    *count = 0;
    while (text && *text) {
        char *end = NULL;
        long long v = strtoll(text, &end, 10);
        if (end == text || v <= 0 || *count == MERGE_SEEN_MAX || (*end && *end != ','))
            return false;
        seqs[(*count)++] = v;
        text = *end ? end + 1 : end;
    }
    return *count > 0;
}

/* The value a coordinator entered, as stored, or why not. */
static int entered_value(struct console_exchange *x, int64_t conflict, const char *raw,
                         char **out, struct sae_message *why)
{
    struct hub_queue one = {0};
    int rc = hub_conflict_queue_entry(x->store, conflict, now_ms(x), &one);
    if (rc != 0)
        return rc;
    struct sae_field_ref ref = field_of(&one.entries[0]);
    char message[SAE_VALIDATE_MESSAGE_BYTES] = "";
    rc = ref.field && !ref.element && raw
             ? sae_validate_value(ref.field, raw, strlen(raw), out, message)
             : SAE_EINVAL;
    if (rc != 0)
        sae_message_set(why, "%s", message[0] ? message : "no value can be entered here");
    hub_conflict_queue_free(&one);
    return rc;
}

static int decide(struct console_exchange *x, int64_t conflict, const struct merge_seen *seen,
                  const char *action, const char *raw, const char *note, struct sae_message *why)
{
    const char *author = x->caller.account.name;
    if (strcmp(action, "dismiss") == 0)
        return merge_dismiss(x->store, conflict, seen, author, note, now_ms(x), NULL, why);
    if (strcmp(action, "unset") == 0)
        return merge_resolve_seen(x->store, conflict, seen, 0, NULL, true, author, note,
                                  now_ms(x), why);
    if (strncmp(action, "keep:", 5) == 0) {
        char *end = NULL;
        long keep = strtol(action + 5, &end, 10);
        if (*end || keep < 1 || keep > HUB_QUEUE_CANDIDATES_MAX)
            return SAE_EINVAL;
        return merge_resolve_seen(x->store, conflict, seen, (int)keep, NULL, false, author,
                                  note, now_ms(x), why);
    }
    if (strcmp(action, "value") != 0)
        return SAE_EINVAL;
    char *value = NULL;
    int rc = entered_value(x, conflict, raw, &value, why);
    if (rc == 0)
        rc = merge_resolve_seen(x->store, conflict, seen, 0, value, false, author, note,
                                now_ms(x), why);
    free(value);
    return rc;
}

int conflict_decision_apply(struct console_exchange *x, const struct conflict_decision *d,
                            int64_t *conflict, struct sae_message *why)
{
    int64_t seqs[MERGE_SEEN_MAX];
    size_t count = 0;
    char *end = NULL;
    long long id = d->conflict ? strtoll(d->conflict, &end, 10) : 0;
    if (!d->conflict || *end || id <= 0 || !d->action || !parse_seen(d->seen, seqs, &count) ||
        (d->note && (strlen(d->note) > SAE_LIMIT_NOTE_BYTES || strpbrk(d->note, "\r\n")))) {
        sae_message_set(why, "give conflict (its number), seen (the candidates' seqs the page "
                        "showed, comma-separated), action (keep:N, value, unset or dismiss) "
                        "and at most a one-line note of 1000 bytes");
        return SAE_EINVAL;
    }
    *conflict = id;
    struct merge_seen seen = {seqs, count};
    int rc = decide(x, id, &seen, d->action, d->value, d->note && d->note[0] ? d->note : NULL,
                    why);
    if (rc == 0) {
        char target[32];
        snprintf(target, sizeof target, "conflict %lld", id);
        rc = hub_audit_append(x->store, x->caller.account.name,
                              strcmp(d->action, "dismiss") == 0 ? "conflict-dismiss"
                                                                : "conflict-resolve",
                              target, x->caller.address, now_ms(x));
    }
    return rc;
}

int page_conflict_decide(struct console_exchange *x, const struct web_form *form)
{
    const struct conflict_decision d = {web_form_get(form, "conflict"), web_form_get(form, "seen"),
                                        web_form_get(form, "action"), web_form_get(form, "value"),
                                        web_form_get(form, "note")};
    struct sae_message why = {{0}};
    int64_t conflict = 0;
    int rc = conflict_decision_apply(x, &d, &conflict, &why);
    if (rc == 0)
        return web_response_redirect(x->resp, "/console/conflicts?done=1");
    if (conflict == 0 && rc == SAE_EINVAL)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    if (rc == SAE_ECHANGED || rc == SAE_EEXIST || rc == SAE_ENOTFOUND) {
        struct hub_queue one = {0};
        int found = hub_conflict_queue_entry(x->store, conflict, now_ms(x), &one);
        char report[SAE_ID_TEXT_LEN + 1] = "";
        if (found == 0)
            snprintf(report, sizeof report, "%s", one.entries[0].report_id);
        hub_conflict_queue_free(&one);
        if (found != 0 && found != SAE_ENOTFOUND)
            return found;
        return queue_page(x, report[0] ? report : NULL, 409, "error",
                          layout_say(x, rc == SAE_ECHANGED ? MSG_CONFLICT_CHANGED
                                                           : MSG_CONFLICT_GONE));
    }
    if (rc == SAE_EINVAL) {
        char text[SAE_MESSAGE_BYTES + 128];
        snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_DECISION_REFUSED), why.text);
        return queue_page(x, NULL, 400, "error", text);
    }
    return rc;
}
