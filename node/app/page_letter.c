/* The printable referral letter and case summary (page_letter.h). What leaves the post on
 * paper is decided by store/referral_letter.h, not here. */
#include "app/page_letter.h"

#include <stdio.h>
#include <string.h>

#include "app/post_value.h"
#include "store/case_events.h"
#include "store/node_config.h"
#include "store/referral_letter.h"

#define A POST_A
#define N POST_N

/* The id argument resolved to a report's canonical id; 0, or the page's answer status. */
static unsigned read_id(struct post_exchange *x, char id[SAE_ID_TEXT_LEN + 1])
{
    char given[WEB_QUERY_BYTES];
    struct sae_message why = {{0}};
    if (web_request_query(x->req, "id", given, sizeof given) != 0)
        return 400;
    int rc = report_resolve_id(x->store, given, id, &why);
    if (rc == SAE_ENOTFOUND)
        return 404;
    return rc == 0 ? 0 : rc == SAE_EINVAL || rc == SAE_EAMBIGUOUS ? 400 : 500;
}

static int answer_status(struct post_exchange *x, unsigned status)
{
    return post_page_message(x, status, status == 404   ? MSG_NOT_FOUND
                                        : status == 400 ? MSG_BAD_REQUEST
                                                        : MSG_SERVER_ERROR);
}

/* A definition list's line: <dt>label</dt><dd>value</dd>. */
static void line(struct html *h, const char *label, const char *value)
{
    html_element(h, "dt", NULL, 0, label);
    html_element(h, "dd", NULL, 0, value);
}

static void value_line(struct html *h, const struct post_exchange *x,
                       const struct report_value *v)
{
    char text[POST_VALUE_BYTES];
    post_value_text(x->lang, v->field, v->value, v->masked, v->withheld, text, sizeof text);
    line(h, msg_field_label(x->lang, v->field), text);
}

static void named_line(struct html *h, const struct post_exchange *x, const struct report *r,
                       const char *name)
{
    for (size_t i = 0; i < r->value_count; i++)
        if (strcmp(r->values[i].field->name, name) == 0)
            value_line(h, x, &r->values[i]);
}

static void print_hint(struct html *h, const struct post_exchange *x)
{
    html_element(h, "p", (const struct html_attr[]){A("class", "print-hint no-print")}, 1,
                 post_say(x, MSG_POST_PRINT_HINT));
}

/* A printable page: the frame, the hint, then the sheet (<div class=printable id=sheet>)
 * that body fills; a body that fails answers 500 instead. */
typedef int (*sheet_fn)(struct html *h, struct post_exchange *x, const void *context);
static int printable(struct post_exchange *x, enum msg_id title, const char *sheet,
                     sheet_fn body, const void *context)
{
    struct html h;
    html_init(&h);
    post_page_open(&h, x, title);
    print_hint(&h, x);
    html_open(&h, "div", (const struct html_attr[]){A("class", "printable"), A("id", sheet)}, 2);
    int rc = body(&h, x, context);
    html_close(&h, "div");
    if (rc != 0) {
        html_free(&h);
        return answer_status(x, 500);
    }
    return post_page_close(&h, x, 200);
}

static void letter_head(struct html *h, const struct post_exchange *x,
                        const struct referral_letter *l)
{
    const struct node_config *post = &l->post;
    html_open(h, "header", (const struct html_attr[]){A("class", "letterhead")}, 1);
    html_element(h, "p", (const struct html_attr[]){A("id", "post-name")}, 1,
                 post->device_name[0] ? post->device_name : post_say(x, MSG_POST_APP));
    html_element(h, "p", (const struct html_attr[]){A("id", "post-village")}, 1,
                 post->village_label);
    html_close(h, "header");
    html_element(h, "h1", NULL, 0, post_say(x, MSG_POST_LETTER));
    html_open(h, "dl", (const struct html_attr[]){A("id", "referral")}, 1);
    named_line(h, x, l->referral, "referred_to");
    named_line(h, x, l->referral, "referral_date");
    named_line(h, x, l->referral, "referral_reason");
    html_close(h, "dl");
}

static void letter_subject(struct html *h, const struct post_exchange *x,
                           const struct referral_letter *l)
{
    char withheld[256];
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_LETTER_SURVIVOR));
    html_open(h, "dl", (const struct html_attr[]){A("id", "shared")}, 1);
    for (size_t i = 0; i < l->shown_count; i++)
        value_line(h, x, l->shown[i]);
    html_close(h, "dl");
    if (l->withheld_count == 0)
        return;
    snprintf(withheld, sizeof withheld, "%s (%zu)", post_say(x, MSG_POST_LETTER_WITHHELD),
             l->withheld_count);
    html_element(h, "p", (const struct html_attr[]){A("id", "withheld"), A("class", "note")}, 2,
                 withheld);
}

static void letter_signature(struct html *h, const struct post_exchange *x,
                             const struct referral_letter *l)
{
    html_open(h, "footer", (const struct html_attr[]){A("class", "signature")}, 1);
    html_element(h, "p", NULL, 0, post_say(x, MSG_POST_LETTER_BY));
    html_element(h, "p", (const struct html_attr[]){A("id", "author")}, 1,
                 l->author[0] ? l->author : "\xE2\x80\x94");
    html_close(h, "footer");
}

static int letter_body(struct html *h, struct post_exchange *x, const void *context)
{
    const struct referral_letter *letter = context;
    letter_head(h, x, letter);
    letter_subject(h, x, letter);
    letter_signature(h, x, letter);
    return 0;
}

int page_referral_letter(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    char id[SAE_ID_TEXT_LEN + 1];
    struct referral_letter *letter = NULL;
    unsigned status = read_id(x, id);
    if (status != 0)
        return answer_status(x, status);
    int rc = referral_letter_load(x->store, id, &letter);
    if (rc != 0)
        return answer_status(x, rc == SAE_ENOTFOUND || rc == SAE_EDELETED ? 404 : 500);
    rc = printable(x, MSG_POST_LETTER, "letter", letter_body, letter);
    referral_letter_free(letter);
    return rc;
}

/* ---- the case summary ------------------------------------------------------------- */

struct summary {
    struct html *h;
    const struct post_exchange *x;
};

static int summary_event(const struct report *report, void *context)
{
    struct summary *s = context;
    html_open(s->h, "section", (const struct html_attr[]){A("class", "event")}, 1);
    html_element(s->h, "h3", NULL, 0,
                 s->x->lang == MSG_LANG_EN ? report->kind->label_en : report->kind->label_id);
    html_open(s->h, "dl", NULL, 0);
    for (size_t i = 0; i < report->value_count; i++)
        if (strcmp(report->values[i].field->name, "case_id") != 0)
            value_line(s->h, s->x, &report->values[i]);
    html_close(s->h, "dl");
    html_close(s->h, "section");
    return 0;
}

static int summary_body(struct html *h, struct post_exchange *x, const void *context)
{
    const struct report *c = context;
    struct summary s = {h, x};
    html_element(h, "h1", NULL, 0, post_say(x, MSG_POST_SUMMARY));
    html_open(h, "dl", (const struct html_attr[]){A("id", "case-fields")}, 1);
    for (size_t i = 0; i < c->value_count; i++)
        value_line(h, x, &c->values[i]);
    html_close(h, "dl");
    html_element(h, "h2", NULL, 0, post_say(x, MSG_POST_SUMMARY_EVENTS));
    html_open(h, "div", (const struct html_attr[]){A("id", "events")}, 1);
    int rc = case_events_list(x->store, c->id, summary_event, &s);
    html_close(h, "div");
    return rc;
}

int page_case_summary(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    char id[SAE_ID_TEXT_LEN + 1];
    struct report *subject = NULL;
    unsigned status = read_id(x, id);
    if (status != 0)
        return answer_status(x, status);
    int rc = report_load(x->store, id, &subject);
    if (rc == 0 && (subject->deleted || strcmp(subject->kind->name, "case") != 0))
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        rc = printable(x, MSG_POST_SUMMARY, "summary", summary_body, subject);
    else
        rc = answer_status(x, rc == SAE_ENOTFOUND ? 404 : 500);
    report_free(subject);
    return rc;
}
