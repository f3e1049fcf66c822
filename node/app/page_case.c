/* The case file and its edit and delete pages (page_case.h). */
#include "app/page_case.h"

#include <stdio.h>
#include <string.h>

#include "app/case_show.h"
#include "app/post_routes.h"
#include "app/report_form_html.h"
#include "store/case_events.h"
#include "store/report_read.h"

#define A POST_A
#define N POST_N

static const char *const SERVICE_FIELDS[] = {"service_type", "service_date", "provider",
                                             "notes", NULL};
static const char *const SHELTER_FIELDS[] = {"shelter_name", "admission_date",
                                             "planned_end_date", "notes", NULL};
static const char *const REFERRAL_FIELDS[] = {"referred_to", "referral_reason",
                                              "referral_date", "notes", NULL};
static const char *const EXTEND_FIELDS[] = {"planned_end_date", "extension_reason", NULL};
static const char *const DISCHARGE_FIELDS[] = {"discharge_date", "discharge_reason", NULL};
static const char *const ANSWER_FIELDS[] = {"referral_status", "status_date", "decline_reason",
                                            "service_note", "referral_result", NULL};

static const struct case_form_spec SPECS[CASE_FORM_KEYS] = {
    [CASE_FORM_SERVICE] = {"service", "service", true, MSG_CASE_ADD_SERVICE, SERVICE_FIELDS},
    [CASE_FORM_SHELTER] = {"shelter", "shelter_stay", true, MSG_CASE_ADD_SHELTER, SHELTER_FIELDS},
    [CASE_FORM_REFERRAL] = {"referral", "referral", true, MSG_CASE_ADD_REFERRAL, REFERRAL_FIELDS},
    [CASE_FORM_EXTEND] = {"extend", "shelter_stay", false, MSG_CASE_EXTEND, EXTEND_FIELDS},
    [CASE_FORM_DISCHARGE] = {"discharge", "shelter_stay", false, MSG_CASE_DISCHARGE,
                             DISCHARGE_FIELDS},
    [CASE_FORM_ANSWER] = {"answer", "referral", false, MSG_CASE_REFERRAL_UPDATE, ANSWER_FIELDS},
};

const struct case_form_spec *case_form_spec(enum case_form_key key)
{
    return &SPECS[key];
}

const struct case_form_spec *case_form_find(const char *key)
{
    for (size_t i = 0; key && i < CASE_FORM_KEYS; i++)
        if (strcmp(SPECS[i].key, key) == 0)
            return &SPECS[i];
    return NULL;
}

int page_case_redirect(struct post_exchange *x, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "%s?id=%s&saved=1", PAGE_CASE_PATH, id);
    return web_response_redirect(x->resp, path);
}

/* Case id (not deleted when live), loaded; otherwise the 404 page is answered and *out
 * stays NULL. */
static int load_case(struct post_exchange *x, const char *id, bool live, struct report **out)
{
    struct report *report = NULL;
    int rc = id ? report_load(x->store, id, &report) : SAE_ENOTFOUND;
    if (rc == 0 && (strcmp(report->kind->name, "case") != 0 || (live && report->deleted)))
        rc = SAE_ENOTFOUND;
    if (rc != 0) {
        report_free(report);
        return rc == SAE_ENOTFOUND ? post_page_message(x, 404, MSG_NOT_FOUND) : rc;
    }
    *out = report;
    return 0;
}

/* The case the query's id names: an id, its prefix or a registration number. */
static int query_case(struct post_exchange *x, bool live, struct report **out)
{
    char text[WEB_QUERY_BYTES], id[SAE_ID_TEXT_LEN + 1];
    int rc = web_request_query(x->req, "id", text, sizeof text);
    if (rc == 0)
        rc = report_resolve_id(x->store, text, id, NULL);
    if (rc == SAE_EDB || rc == SAE_ENOMEM || rc == SAE_EBUSY)
        return rc;
    return load_case(x, rc == 0 ? id : NULL, live, out);
}

static bool is_failed(const struct case_failed *failed, const struct case_form_spec *spec,
                      const char *event_id)
{
    if (!failed || failed->spec != spec)
        return false;
    return event_id ? failed->event_id && strcmp(failed->event_id, event_id) == 0
                    : !failed->event_id;
}

/* One of the case file's own forms in a <details>, open when it comes back with problems. */
static int sub_form(struct html *h, struct post_exchange *x, const struct case_form_spec *spec,
                    const char *case_id, const struct report *event,
                    const struct case_failed *failed)
{
    const struct sae_kind *kind = NULL;
    char prefix[80], button[96], details[96], words[SAE_MESSAGE_BYTES];
    bool back = is_failed(failed, spec, event ? event->id : NULL);
    int rc = sae_catalogue_find_kind(spec->kind, &kind);
    if (rc != 0)
        return rc;
    snprintf(prefix, sizeof prefix, "%s%s%.8s", spec->key, event ? "-" : "",
             event ? event->id : "");
    snprintf(button, sizeof button, "save-%s", prefix);
    snprintf(details, sizeof details, "form-%s", prefix);
    struct html_attr attrs[] = {{"class", "sub-form"}, {"id", details}, {"open", NULL}};
    html_open(h, "details", attrs, back ? 3 : 2);
    html_element(h, "summary", NULL, 0, post_say(x, spec->title));
    if (back && failed->form && failed->form->error_count > 0)
        html_element(h, "p", &A("class", "error"), 1, post_say(x, MSG_FORM_HAS_ERRORS));
    else if (back && failed->refusal && failed->refusal[0])
        html_element(h, "p", &A("class", "error"), 1,
                     case_show_refusal(x->lang, failed->refusal, words, sizeof words));
    post_form_begin(h, x, PAGE_CASE_EVENT_PATH);
    layout_hidden(h, "form", spec->key);
    layout_hidden(h, "case", case_id);
    if (event)
        layout_hidden(h, "id", event->id);
    struct report_form_layout layout = {
        .kind = kind, .lang = x->lang, .id_prefix = prefix, .only = spec->fields,
        .shown = {.posted = back ? failed->posted : NULL, .stored = event ? &event->view : NULL},
        .errors = back && failed->form ? failed->form->errors : NULL};
    report_form_html(h, &layout);
    post_form_end(h, button, post_say(x, MSG_CASE_SAVE_CHANGES));
    html_close(h, "details");
    return h->error;
}

static void link(struct html *h, const char *path, const char *id, const char *cls,
                 const char *text)
{
    char href[96];
    snprintf(href, sizeof href, "%s?id=%s", path, id);
    html_element(h, "a", (struct html_attr[]){{"href", href}, {"class", cls}}, 2, text);
}

/* A link to a printable page (the referral letter, the case summary) when the app has it. */
static void print_link(struct html *h, const struct post_exchange *x, const char *path,
                       const char *id, enum msg_id text)
{
    bool known = false;
    if (post_route_find("GET", path, &known))
        link(h, path, id, "button print", post_say(x, text));
}

/* An event of the timeline: what it is, its fields, and the forms that move it on. */
static int event_card(struct html *h, struct post_exchange *x, const struct case_show *ctx,
                      const struct report *event, const char *case_id,
                      const struct case_failed *failed)
{
    char list_id[64];
    snprintf(list_id, sizeof list_id, "ev-%.8s", event->id);
    html_open(h, "div", (struct html_attr[]){{"class", "event"}, {"id", list_id}}, 2);
    html_element(h, "h3", NULL, 0,
                 x->lang == MSG_LANG_EN ? event->kind->label_en : event->kind->label_id);
    int rc = case_show_fields(h, ctx, event, NULL, list_id);
    if (rc == 0 && strcmp(event->kind->name, "shelter_stay") == 0 &&
        !sae_view_get(&event->view, "discharge_date")) {
        rc = sub_form(h, x, &SPECS[CASE_FORM_EXTEND], case_id, event, failed);
        if (rc == 0)
            rc = sub_form(h, x, &SPECS[CASE_FORM_DISCHARGE], case_id, event, failed);
    } else if (rc == 0 && strcmp(event->kind->name, "referral") == 0) {
        print_link(h, x, "/referral-letter", event->id, MSG_CASE_LETTER_LINK);
        rc = sub_form(h, x, &SPECS[CASE_FORM_ANSWER], case_id, event, failed);
    }
    html_close(h, "div");
    return rc;
}

struct timeline {
    struct html *h;
    struct post_exchange *x;
    const struct case_show *ctx;
    const char *case_id;
    const struct case_failed *failed;
    size_t count;
};

static int timeline_event(const struct report *event, void *context)
{
    struct timeline *t = context;
    t->count++;
    return event_card(t->h, t->x, t->ctx, event, t->case_id, t->failed);
}

static int timeline(struct html *h, struct post_exchange *x, const struct case_show *ctx,
                    const struct report *report, const struct case_failed *failed)
{
    struct timeline t = {h, x, ctx, report->id, failed, 0};
    post_card_begin(h);
    html_element(h, "h2", NULL, 0, post_say(x, MSG_CASE_TIMELINE));
    html_open(h, "div", &A("id", "timeline"), 1);
    int rc = case_events_list(x->store, report->id, timeline_event, &t);
    if (rc == 0 && t.count == 0)
        html_element(h, "p", &A("class", "empty"), 1, post_say(x, MSG_CASE_TIMELINE_EMPTY));
    html_close(h, "div");
    for (int k = CASE_FORM_SERVICE; rc == 0 && !report->deleted && k <= CASE_FORM_REFERRAL; k++)
        rc = sub_form(h, x, &SPECS[k], report->id, NULL, failed);
    html_close(h, "div");
    return rc;
}


/* The notices above the case: saved, deleted, the district's review. */
static void notices(struct html *h, struct post_exchange *x, const struct report *report)
{
    char saved[8] = "";
    web_request_query(x->req, "saved", saved, sizeof saved);
    if (report->deleted)
        layout_alert(h, "error", post_say(x, MSG_CASE_DELETED));
    else if (strcmp(saved, "1") == 0)
        layout_alert(h, "ok", post_say(x, MSG_CASE_SAVED));
    if (report->has_issues) {
        html_open(h, "div", (struct html_attr[]){{"class", "alert error"}, {"id", "issues"}}, 2);
        html_element(h, "p", NULL, 0, post_say(x, MSG_CASE_HAS_ISSUES));
        html_element(h, "p", &A("class", "note"), 1, report->issues_note);
        if (report->issues_reviewer)
            html_element(h, "p", &A("class", "by"), 1, report->issues_reviewer);
        html_close(h, "div");
    }
}

static const char *number_of(const struct report *report)
{
    const char *number = sae_view_get(&report->view, "registration_number");
    return number ? number : report->id;
}

/* <h1>: the page's title and the case's registration number. */
static void heading(struct html *h, const struct post_exchange *x, enum msg_id title,
                    const struct report *report)
{
    html_open(h, "h1", NULL, 0);
    html_text(h, post_say(x, title));
    html_text(h, " ");
    html_element(h, "span", &A("id", "case-number"), 1, number_of(report));
    html_close(h, "h1");
}

static int case_file(struct html *h, struct post_exchange *x, const struct report *report,
                     const struct case_failed *failed)
{
    struct case_show ctx;
    int rc = case_show_init(&ctx, x->store, x->lang);
    if (rc != 0)
        return rc;
    heading(h, x, MSG_POST_CASE_FILE, report);
    notices(h, x, report);
    post_card_begin(h);
    html_element(h, "h2", NULL, 0, post_say(x, MSG_CASE_FIELDS));
    rc = case_show_fields(h, &ctx, report, NULL, "case");
    if (!report->deleted) {
        html_open(h, "p", &A("class", "actions"), 1);
        link(h, PAGE_CASE_EDIT_PATH, report->id, "button", post_say(x, MSG_CASE_EDIT));
        html_text(h, " ");
        link(h, PAGE_CASE_DELETE_PATH, report->id, "button danger", post_say(x, MSG_CASE_DELETE));
        html_text(h, " ");
        print_link(h, x, "/case-summary", report->id, MSG_CASE_SUMMARY_LINK);
        html_close(h, "p");
    }
    html_close(h, "div");
    if (rc == 0)
        rc = timeline(h, x, &ctx, report, failed);
    post_card_begin(h);
    html_open(h, "details", &A("id", "history"), 1);
    html_element(h, "summary", NULL, 0, post_say(x, MSG_CASE_HISTORY));
    if (rc == 0)
        rc = case_show_history(h, &ctx, report, "history-table");
    html_close(h, "details");
    html_close(h, "div");
    return rc;
}

static int show_file(struct post_exchange *x, const struct report *report,
                     const struct case_failed *failed, unsigned status)
{
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_POST_CASE_FILE);
    int rc = case_file(&h, x, report, failed);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return post_page_close(&h, x, status);
}

int page_case_show(struct post_exchange *x, const char *id, const struct case_failed *failed,
                   unsigned status)
{
    struct report *report = NULL;
    int rc = load_case(x, id, false, &report);
    if (report)
        rc = show_file(x, report, failed, status);
    report_free(report);
    return rc;
}

int page_case(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    struct report *report = NULL;
    int rc = query_case(x, false, &report);
    if (report)
        rc = show_file(x, report, NULL, 200);
    report_free(report);
    return rc;
}

static int show_edit(struct post_exchange *x, const struct report *report,
                     const struct web_form *posted, const struct report_form *form,
                     const char *refusal, unsigned status)
{
    struct report_form_layout layout = {.kind = report->kind, .lang = x->lang, .id_prefix = "f",
                                        .shown = {.posted = posted, .stored = &report->view},
                                        .errors = form ? form->errors : NULL};
    char words[SAE_MESSAGE_BYTES];
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_CASE_EDIT);
    heading(&h, x, MSG_CASE_EDIT, report);
    if (form && form->error_count > 0)
        layout_alert(&h, "error", post_say(x, MSG_FORM_HAS_ERRORS));
    else if (refusal && refusal[0])
        layout_alert(&h, "error", case_show_refusal(x->lang, refusal, words, sizeof words));
    post_card_begin(&h);
    post_form_begin(&h, x, PAGE_CASE_EDIT_PATH);
    layout_hidden(&h, "id", report->id);
    report_form_html(&h, &layout);
    post_form_end(&h, "save-edit", post_say(x, MSG_CASE_SAVE_CHANGES));
    link(&h, PAGE_CASE_PATH, report->id, "back", post_say(x, MSG_POST_CASE_FILE));
    html_close(&h, "div");
    return post_page_close(&h, x, status);
}

int page_case_edit_show(struct post_exchange *x, const char *id, const struct web_form *posted,
                        const struct report_form *form, const char *refusal, unsigned status)
{
    struct report *report = NULL;
    int rc = load_case(x, id, true, &report);
    if (report)
        rc = show_edit(x, report, posted, form, refusal, status);
    report_free(report);
    return rc;
}

int page_case_edit(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    struct report *report = NULL;
    int rc = query_case(x, true, &report);
    if (report)
        rc = show_edit(x, report, NULL, NULL, NULL, 200);
    report_free(report);
    return rc;
}

int page_case_delete(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    struct report *report = NULL;
    int rc = query_case(x, true, &report);
    if (!report)
        return rc;
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_CASE_DELETE);
    heading(&h, x, MSG_CASE_DELETE, report);
    post_card_begin(&h);
    html_element(&h, "p", &A("id", "delete-warning"), 1, post_say(x, MSG_CASE_DELETE_CONFIRM));
    post_form_begin(&h, x, PAGE_CASE_DELETE_PATH);
    layout_hidden(&h, "id", report->id);
    post_form_end(&h, "confirm-delete", post_say(x, MSG_CASE_DELETE_YES));
    link(&h, PAGE_CASE_PATH, report->id, "back", post_say(x, MSG_POST_CASE_FILE));
    html_close(&h, "div");
    report_free(report);
    return post_page_close(&h, x, 200);
}
