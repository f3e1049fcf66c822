/* The case pages' JSON API (api_cases.h). Sensitive values never appear here for a caller
 * who may not see them; for one who may, each conflict on a sensitive field listed is
 * audited as a reveal of its case, as on the page. */
#include "api/api_cases.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/page_conflicts.h"
#include "api/page_reports.h"
#include "render/render.h"
#include "render/render_export.h"
#include "store/conflict_queue.h"

static json_t *row_json(const struct hub_list_row *r)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:I, s:s?}",
                     "id", r->id, "kind", r->kind->name, "village", r->village, "village_name",
                     r->village_name, "date", r->date, "status", r->status, "risk", r->risk,
                     "registration_number", r->registration, "violence_types", r->violence,
                     "deleted", r->deleted, "open_conflicts", (json_int_t)r->open_conflicts,
                     "review", r->review);
}

int api_reports(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct report_filter f;
    struct sae_message why = {{0}};
    struct hub_list_page page = {0};
    int rc = report_list_load(x, &f, &page, &why);
    if (rc == SAE_EINVAL || rc == SAE_ENOTFOUND || rc == SAE_EAMBIGUOUS)
        return console_api_error(x, 400, "bad-filter", why.text[0] ? why.text : "bad filter");
    if (rc != 0)
        return rc;
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < page.count; i++)
        if (json_array_append_new(rows, row_json(&page.rows[i])) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    int64_t total = page.total;
    hub_list_page_free(&page);
    if (!rows)
        return SAE_ENOMEM;
    return console_api_answer(x, 200, json_pack("{s:I, s:I, s:o}", "total", (json_int_t)total,
                                              "offset", (json_int_t)f.query.offset, "rows",
                                              rows));
}

/* How a sensitive value is kept out of an answer: for the caller's role, or for want of the
 * survivor's consent to share, which holds for every role (the API is how data leaves). */
struct mask {
    bool masked, no_consent;
};

static json_t *version_json(const struct hub_queue_version *v, struct mask mask)
{
    if (!v->exists)
        return json_null();
    return json_pack("{s:I, s:s?, s:b, s:b, s:s?, s:s?, s:b, s:I, s:b}", "seq",
                     (json_int_t)v->seq, "value", mask.masked ? NULL : v->value, "masked",
                     mask.masked, "no_consent", mask.no_consent, "author", v->author, "device",
                     v->device, "district", v->district, "time_ms",
                     (json_int_t)sae_hlc_ms(v->version.hlc), "held", v->held);
}

static bool sensitive(const struct hub_queue_entry *e)
{
    struct sae_field_ref ref = {NULL, NULL};
    return e->kind && sae_catalogue_resolve(e->kind, e->field, &ref) == 0 && ref.field &&
           ref.field->sensitive;
}

/* One queued conflict as JSON; a sensitive one shown to a coordinator is audited. */
static int entry_json(struct console_exchange *x, const struct hub_queue_entry *e, json_t **out)
{
    bool may_see = console_may(x->caller.account.role, RIGHT_REVEAL), secret = sensitive(e);
    bool share = true;
    int shared = secret ? hub_export_shares(x->store, e->report_id, &share) : 0;
    if (shared != 0)
        return shared;
    struct mask mask = {secret && (!may_see || !share), secret && !share};
    if (secret && !mask.masked) {
        int rc = hub_audit_append(x->store, x->caller.account.name, "case-reveal", e->report_id,
                                  x->caller.address, x->now_s * 1000);
        if (rc != 0)
            return rc;
    }
    json_t *candidates = json_array();
    for (size_t i = 0; candidates && i < e->candidate_count; i++) {
        json_t *c = json_pack("{s:I, s:o, s:o}", "number", (json_int_t)(i + 1), "change",
                              version_json(&e->candidates[i].change, mask), "base",
                              version_json(&e->candidates[i].base, mask));
        if (json_array_append_new(candidates, c) != 0) {
            json_decref(candidates);
            candidates = NULL;
        }
    }
    if (!candidates)
        return SAE_ENOMEM;
    *out = json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:s, s:s, s:b, s:s?, s:I, s:I, s:o, s:o, s:o}",
                     "id", (json_int_t)e->id, "report", e->report_id, "registration_number",
                     e->registration, "village", e->village, "village_name", e->village_name,
                     "field", e->field, "policy", e->policy, "hard", e->hard, "reason",
                     e->reason, "opened_ms", (json_int_t)e->opened_ms, "age_ms",
                     (json_int_t)e->age_ms, "standing", version_json(&e->standing, mask),
                     "agreed", version_json(&e->agreed, mask), "candidates", candidates);
    return *out ? 0 : SAE_ENOMEM;
}

static int queue_json(struct console_exchange *x, const struct hub_queue *queue, json_t **out)
{
    json_t *list = json_array();
    int rc = list ? 0 : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < queue->count; i++) {
        json_t *one = NULL;
        rc = entry_json(x, &queue->entries[i], &one);
        if (rc == 0 && json_array_append_new(list, one) != 0)
            rc = SAE_ENOMEM;
    }
    if (rc == 0)
        *out = json_pack("{s:I, s:o}", "total", (json_int_t)queue->total, "conflicts", list);
    else
        json_decref(list);
    return rc != 0 ? rc : (*out ? 0 : SAE_ENOMEM);
}

int api_conflicts(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char report[WEB_QUERY_BYTES] = "", offset[16] = "";
    web_request_query(x->req, "report", report, sizeof report);
    web_request_query(x->req, "offset", offset, sizeof offset);
    char *end = NULL;
    unsigned long from = offset[0] ? strtoul(offset, &end, 10) : 0;
    if ((offset[0] && (*end || offset[0] == '-' || from > HUB_LIST_OFFSET_MAX)) ||
        (report[0] && strlen(report) != SAE_ID_TEXT_LEN))
        return console_api_error(x, 400, "bad-filter", "report: a report's full id; offset: "
                                 "0 to 1000000");
    struct hub_queue_query q = {report[0] ? report : NULL, NULL, false, from,
                                HUB_QUEUE_PAGE_MAX, x->now_s * 1000};
    struct hub_queue queue = {0};
    struct sae_message why = {{0}};
    json_t *body = NULL;
    int rc = hub_conflict_queue(x->store, &q, &queue, &why);
    if (rc == 0)
        rc = queue_json(x, &queue, &body);
    hub_conflict_queue_free(&queue);
    return rc == 0 ? console_api_answer(x, 200, body) : rc;
}

/* 409: the conflict as it is now (or gone), so the caller can decide again. */
static int changed(struct console_exchange *x, int64_t conflict, int why_rc)
{
    struct hub_queue one = {0};
    json_t *now = NULL;
    int rc = hub_conflict_queue_entry(x->store, conflict, x->now_s * 1000, &one);
    if (rc == 0)
        rc = entry_json(x, &one.entries[0], &now);
    hub_conflict_queue_free(&one);
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    return console_api_answer(x, 409, json_pack("{s:s, s:s, s:o}", "error", "changed", "message",
                                              why_rc == SAE_ECHANGED
                                                  ? "the conflict changed since it was read"
                                                  : "the conflict is no longer open",
                                              "conflict", now ? now : json_null()));
}

int api_conflict_decide(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const char *const allowed[] = {"conflict", "seen", "action", "value", "note", NULL};
    json_t *body = NULL;
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    const struct conflict_decision d = {
        json_string_value(json_object_get(body, "conflict")),
        json_string_value(json_object_get(body, "seen")),
        json_string_value(json_object_get(body, "action")),
        json_string_value(json_object_get(body, "value")),
        json_string_value(json_object_get(body, "note"))};
    struct sae_message why = {{0}};
    int64_t conflict = 0;
    rc = conflict_decision_apply(x, &d, &conflict, &why);
    json_decref(body);
    if (rc == 0)
        return console_api_answer(x, 200, json_pack("{s:b}", "decided", 1));
    if (rc == SAE_ECHANGED || rc == SAE_EEXIST || rc == SAE_ENOTFOUND)
        return changed(x, conflict, rc);
    if (rc == SAE_EINVAL)
        return console_api_error(x, 400, "bad-decision", why.text[0] ? why.text : "bad decision");
    return rc;
}
