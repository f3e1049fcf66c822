/* A partner's answer: the referral flow's fields as one district change set. */
#include "merge/merge_referral.h"

#include <stdlib.h>
#include <string.h>

#include "merge/merge.h"
#include "sae/sae_plan.h"
#include "sae/sae_validate.h"
#include "store/hub_read.h"

static const char *const answer_names[] = {"accepted", "declined", "done"};
/* The status each answer sets, and the field that holds its note (NULL: none). */
static const char *const answer_status[] = {"accepted", "declined", "completed"};
static const char *const answer_note_field[] = {NULL, "decline_reason", "service_note"};

int merge_answer_parse(const char *text, enum merge_answer *out)
{
    for (int i = 0; i < 3; i++) {
        if (text && strcmp(text, answer_names[i]) == 0) {
            *out = (enum merge_answer)i;
            return 0;
        }
    }
    return SAE_EINVAL;
}

static int check_referral(const struct hub_report *referral, const char *agency,
                          struct sae_message *why)
{
    const struct sae_field *to = NULL;
    if (strcmp(referral->kind->name, "referral") != 0) {
        sae_message_set(why, "%s is a %s, not a referral", referral->id, referral->kind->name);
        return SAE_ENOTFOUND;
    }
    if (referral->deleted) {
        sae_message_set(why, "referral %s was deleted by its post", referral->id);
        return SAE_EDELETED;
    }
    const char *addressed = sae_catalogue_find_field(referral->kind, "referred_to", &to) == 0
                                ? hub_report_value(referral, to) : NULL;
    if (agency && (!addressed || strcmp(addressed, agency) != 0)) {
        sae_message_set(why, "referral %s is not addressed to %s", referral->id, agency);
        return SAE_EPERM;
    }
    return 0;
}

/* The edits an answer asks for, planned under the post's rules on the referral and its
 * case. */
static int plan_answer(struct hub_store *store, const struct hub_report *referral,
                       enum merge_answer answer, const char *note, int64_t now_ms,
                       struct sae_plan *plan, struct sae_message *why)
{
    struct sae_edit edits[2];
    struct hub_report *kase = NULL;
    size_t count = 0;
    int rc = 0;
    const char *names[] = {"referral_status", answer_note_field[answer]};
    const char *values[] = {answer_status[answer], note};
    for (size_t i = 0; rc == 0 && i < 2 && names[i]; i++) {
        const struct sae_field *field = NULL;
        char message[SAE_VALIDATE_MESSAGE_BYTES];
        rc = sae_catalogue_find_field(referral->kind, names[i], &field);
        edits[count] = (struct sae_edit){field, SAE_EDIT_SET, NULL};
        if (rc == 0 && sae_validate_value(field, values[i], strlen(values[i]),
                                          &edits[count].value, message) != 0) {
            sae_message_set(why, "%s", message);
            rc = SAE_EINVAL;
        }
        count += rc == 0;
    }
    struct sae_plan_input in = {.kind = referral->kind, .before = &referral->view,
                                .edits = edits, .edit_count = count, .now_ms = now_ms};
    const char *case_id = sae_plan_case_id(&in);
    if (rc == 0 && case_id && hub_report_load(store, case_id, &kase) != 0)
        kase = NULL;
    in.case_view = kase ? &kase->view : NULL;
    if (rc == 0)
        rc = sae_plan_make(&in, plan, why);
    hub_report_free(kase);
    for (size_t i = 0; i < count; i++)
        free(edits[i].value);
    return rc;
}

int merge_referral_answer(struct hub_store *store, const char *referral_id, const char *agency,
                          enum merge_answer answer, const char *note, const char *author,
                          int64_t now_ms, struct sae_message *why)
{
    struct hub_report *referral = NULL;
    struct sae_plan plan = {0};
    struct merge_edit edits[SAE_LIMIT_CHANGES_PER_COMMAND];
    if (answer != MERGE_ANSWER_ACCEPTED && !note) {
        sae_message_set(why, "a referral %s needs a note: %s", answer_names[answer],
                        answer == MERGE_ANSWER_DECLINED ? "why it is declined"
                                                        : "the service given");
        return SAE_EINVAL;
    }
    int rc = hub_report_load(store, referral_id, &referral);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no referral has id %s", referral_id);
    if (rc == 0)
        rc = check_referral(referral, agency, why);
    if (rc == 0)
        rc = plan_answer(store, referral, answer, note, now_ms, &plan, why);
    for (size_t i = 0; rc == 0 && i < plan.count && i < SAE_LIMIT_CHANGES_PER_COMMAND; i++)
        edits[i] = (struct merge_edit){plan.writes[i].name, plan.writes[i].value};
    if (rc == 0 && plan.count == 0) {
        sae_message_set(why, "referral %s is %s already", referral_id, answer_status[answer]);
        rc = SAE_EINVAL;
    }
    /* The note of an acceptance has no field of its own: it travels with the change. */
    if (rc == 0)
        rc = merge_district_edits(store, referral_id, edits, plan.count, author,
                                  answer == MERGE_ANSWER_ACCEPTED ? note : NULL, now_ms, NULL,
                                  why);
    sae_plan_free(&plan);
    hub_report_free(referral);
    return rc;
}
