/* The case file's form posts (page_case_post.h). */
#include "app/page_case_post.h"

#include <stdio.h>
#include <string.h>

#include "app/case_write.h"
#include "app/page_case.h"
#include "store/report_read.h"

/* The report a form's hidden field names (its canonical id), of kind; NULL otherwise. */
static struct report *named(struct post_exchange *x, const char *id, const char *kind, int *rc)
{
    struct report *report = NULL;
    struct sae_id parsed;
    *rc = id && sae_id_parse(id, &parsed) == 0 ? report_load(x->store, id, &report)
                                               : SAE_ENOTFOUND;
    if (*rc == 0 && (strcmp(report->kind->name, kind) != 0 || report->deleted)) {
        report_free(report);
        report = NULL;
        *rc = SAE_ENOTFOUND;
    }
    return report;
}

int page_case_edit_post(struct post_exchange *x, const struct web_form *posted)
{
    struct report_form form = {0};
    struct sae_message refusal = {{0}};
    size_t applied = 0;
    int rc;
    struct report *report = named(x, web_form_get(posted, "id"), "case", &rc);
    if (!report)
        return rc == SAE_ENOTFOUND ? post_page_message(x, 404, MSG_NOT_FOUND) : rc;
    rc = case_write_edit(x->store, x->staff.name, report->id, posted, &form, &applied, &refusal);
    if (rc == 0)
        rc = page_case_redirect(x, report->id);
    else if (rc == SAE_EINVAL)
        rc = page_case_edit_show(x, report->id, posted, &form, refusal.text, 422);
    else if (rc == SAE_ENOTFOUND)
        rc = post_page_message(x, 400, MSG_FORM_BAD_POST);
    report_form_free(&form);
    report_free(report);
    return rc;
}

int page_case_delete_post(struct post_exchange *x, const struct web_form *posted)
{
    struct sae_message refusal = {{0}};
    char path[96];
    int rc;
    struct report *report = named(x, web_form_get(posted, "id"), "case", &rc);
    if (!report)
        return rc == SAE_ENOTFOUND ? post_page_message(x, 404, MSG_NOT_FOUND) : rc;
    rc = case_write_delete(x->store, x->staff.name, report->id, &refusal);
    snprintf(path, sizeof path, "%s?id=%s", PAGE_CASE_PATH, report->id);
    if (rc == 0)
        rc = web_response_redirect(x->resp, path);
    report_free(report);
    return rc;
}

/* Writes what an event's form asks: a new event of the case, or a change to one of its
 * events (which must belong to the case). */
static int write_event(struct post_exchange *x, const struct case_form_spec *spec,
                       const struct report *c, const struct web_form *posted,
                       struct report_form *form, struct sae_message *refusal)
{
    const struct sae_kind *kind = NULL;
    char id[SAE_ID_TEXT_LEN + 1];
    size_t applied = 0;
    int rc = sae_catalogue_find_kind(spec->kind, &kind);
    if (rc == 0 && spec->adds)
        return case_write_add(x->store, x->staff.name, kind, c->id, posted, form, id, refusal);
    struct report *event = rc == 0 ? named(x, web_form_get(posted, "id"), spec->kind, &rc) : NULL;
    const char *owner = event ? sae_view_get(&event->view, "case_id") : NULL;
    if (event && (!owner || strcmp(owner, c->id) != 0))
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        rc = case_write_edit(x->store, x->staff.name, event->id, posted, form, &applied, refusal);
    report_free(event);
    return rc;
}

int page_case_event_post(struct post_exchange *x, const struct web_form *posted)
{
    const struct case_form_spec *spec = case_form_find(web_form_get(posted, "form"));
    struct report_form form = {0};
    struct sae_message refusal = {{0}};
    int rc;
    struct report *c = named(x, web_form_get(posted, "case"), "case", &rc);
    if (!c || !spec) {
        report_free(c);
        return rc != 0 && rc != SAE_ENOTFOUND ? rc : post_page_message(x, 400, MSG_FORM_BAD_POST);
    }
    rc = write_event(x, spec, c, posted, &form, &refusal);
    if (rc == 0) {
        rc = page_case_redirect(x, c->id);
    } else if (rc == SAE_EINVAL) {
        struct case_failed failed = {spec, spec->adds ? NULL : web_form_get(posted, "id"), posted,
                                     &form, refusal.text};
        rc = page_case_show(x, c->id, &failed, 422);
    } else if (rc == SAE_ENOTFOUND) {
        rc = post_page_message(x, 400, MSG_FORM_BAD_POST);
    }
    report_form_free(&form);
    report_free(c);
    return rc;
}
