/* Kasus baru (page_case_new.h). */
#include "app/page_case_new.h"

#include <stdio.h>

#include "app/case_show.h"
#include "app/case_write.h"
#include "app/page_case.h"
#include "app/report_form_html.h"
#include "sae/sae_derived.h"

#define A POST_A
#define N POST_N

/* What a new form shows: the catalogue's defaults, and today (WIB) as the intake date, the
 * day most complaints are recorded. */
static int fresh(struct sae_view *view, const struct sae_kind *kind, int64_t now_s)
{
    char today[11];
    int rc = sae_view_init(view, kind);
    for (size_t i = 0; rc == 0 && i < kind->field_count; i++)
        if (kind->fields[i].default_value)
            rc = sae_view_add(view, kind->fields[i].name, kind->fields[i].default_value,
                              (struct sae_version){0});
    sae_date_today(now_s * 1000, today);
    if (rc == 0)
        rc = sae_view_add(view, "intake_date", today, (struct sae_version){0});
    return rc == 0 ? sae_view_finish(view) : rc;
}

/* The form, new or sent back with what was typed and what is wrong. */
static int show(struct post_exchange *x, const struct web_form *posted,
                const struct report_form *form, const char *refusal, unsigned status)
{
    const struct sae_kind *kind = NULL;
    struct sae_view view = {0};
    int rc = sae_catalogue_find_kind("case", &kind);
    if (rc == 0 && !posted)
        rc = fresh(&view, kind, x->now_s);
    if (rc != 0) {
        sae_view_free(&view);
        return rc;
    }
    struct report_form_layout layout = {.kind = kind, .lang = x->lang, .id_prefix = "f",
                                        .shown = {.posted = posted,
                                                  .stored = posted ? NULL : &view},
                                        .errors = form ? form->errors : NULL};
    char words[SAE_MESSAGE_BYTES];
    struct html h;
    html_init(&h);
    post_page_open(&h, x, MSG_CASE_NEW);
    html_element(&h, "h1", NULL, 0, post_say(x, MSG_CASE_NEW));
    if (form && form->error_count > 0)
        layout_alert(&h, "error", post_say(x, MSG_FORM_HAS_ERRORS));
    else if (refusal && refusal[0])
        layout_alert(&h, "error", case_show_refusal(x->lang, refusal, words, sizeof words));
    post_card_begin(&h);
    html_element(&h, "p", &A("class", "intro"), 1, post_say(x, MSG_CASE_NEW_INTRO));
    post_form_begin(&h, x, PAGE_CASE_NEW_PATH);
    report_form_html(&h, &layout);
    post_form_end(&h, "save-case", post_say(x, MSG_CASE_SAVE));
    html_close(&h, "div");
    sae_view_free(&view);
    return post_page_close(&h, x, status);
}

int page_case_new(struct post_exchange *x, const struct web_form *form)
{
    (void)form;
    return show(x, NULL, NULL, NULL, 200);
}

int page_case_new_post(struct post_exchange *x, const struct web_form *posted)
{
    const struct sae_kind *kind = NULL;
    struct report_form form = {0};
    struct sae_message refusal = {{0}};
    char id[SAE_ID_TEXT_LEN + 1];
    int rc = sae_catalogue_find_kind("case", &kind);
    if (rc == 0)
        rc = case_write_add(x->store, x->staff.name, kind, NULL, posted, &form, id, &refusal);
    if (rc == 0)
        rc = page_case_redirect(x, id);
    else if (rc == SAE_EINVAL)
        rc = show(x, posted, &form, refusal.text, 422);
    else if (rc == SAE_ENOTFOUND)
        rc = post_page_message(x, 400, MSG_FORM_BAD_POST);
    report_form_free(&form);
    return rc;
}
