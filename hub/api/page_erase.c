/* Erasing a report's sensitive values (page_erase.h). */
#include "api/page_erase.h"

#include <stdio.h>
#include <string.h>

#include "api/page_case.h"
#include "app/html.h"
#include "store/erasure.h"

#define A LAYOUT_A
#define N LAYOUT_N

/* The confirmation: what erasing does, the reason, and the one button. */
static int confirm_page(struct console_exchange *x, const char *id, const char *reason,
                        unsigned status, const char *error)
{
    char back[96];
    snprintf(back, sizeof back, "/console/case?id=%s", id);
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_ERASE_TITLE, "reports", true);
    const struct html_attr card[] = {A("class", "card")};
    html_open(&h, "div", card, N(card));
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_ERASE_TITLE));
    const struct html_attr p[] = {A("class", "totals"), A("id", "erase-id")};
    html_element(&h, "p", p, N(p), id);
    if (error)
        layout_alert(&h, "error", error);
    layout_note(&h, "alert warn", NULL, layout_say(x, MSG_ERASE_INTRO));
    const struct html_attr form[] = {A("method", "post"), A("action", "/console/case/erase"),
                                     A("id", "erase-form")};
    html_open(&h, "form", form, N(form));
    layout_csrf(&h, x);
    layout_hidden(&h, "id", id);
    char longest[8];
    snprintf(longest, sizeof longest, "%u", ERASURE_REASON_MAX_BYTES);
    const struct html_attr label[] = {A("for", "erase-reason")};
    const struct html_attr input[] = {A("id", "erase-reason"), A("name", "reason"),
                                      A("type", "text"), A("required", NULL),
                                      A("maxlength", longest), A("value", reason ? reason : "")};
    html_element(&h, "label", label, N(label), layout_say(x, MSG_ERASE_REASON));
    html_open(&h, "input", input, N(input));
    const struct html_attr yes[] = {A("type", "submit"), A("class", "danger"),
                                    A("id", "erase-confirm")};
    const struct html_attr no[] = {A("href", back), A("class", "button"), A("id", "cancel")};
    html_element(&h, "button", yes, N(yes), layout_say(x, MSG_ERASE_CONFIRM));
    html_element(&h, "a", no, N(no), layout_say(x, MSG_CANCEL));
    html_close(&h, "form");
    html_close(&h, "div");
    return console_page_close(&h, x, status);
}

int page_case_erase_confirm(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    char given[WEB_QUERY_BYTES] = "", id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    web_request_query(x->req, "id", given, sizeof given);
    int rc = page_case_id(x, given, id, &found);
    if (rc != 0 || !found)
        return rc;
    return confirm_page(x, id, NULL, 200, NULL);
}

int page_case_erase(struct console_exchange *x, const struct web_form *form)
{
    char id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    int rc = page_case_id(x, web_form_get(form, "id"), id, &found);
    if (rc != 0 || !found)
        return rc;
    const char *reason = web_form_get(form, "reason");
    struct sae_message why = {{0}};
    if (erasure_check_reason(reason, &why) != 0) /* shown again without what was typed */
        return confirm_page(x, id, NULL, 400, layout_say(x, MSG_ERASE_REASON_BAD));
    const struct erasure_request request = {id, x->caller.account.name, reason,
                                            x->caller.address, x->now_s * 1000};
    struct erasure_result result;
    rc = erasure_erase(x->store, &request, &result, &why);
    if (rc == SAE_ENOTFOUND)
        return console_page_message(x, 404, MSG_NOT_FOUND);
    if (rc != 0)
        return rc;
    char path[96];
    snprintf(path, sizeof path, "/console/case?id=%s&done=erased", id);
    return web_response_redirect(x->resp, path);
}
