/* A referral letter's contents (referral_letter.h). */
#include "store/referral_letter.h"

#include <stdlib.h>
#include <string.h>

/* What an agency needs to take the case up; the catalogue, not this list, says which of
 * them are sensitive. */
static const char *const LETTER_FIELDS[] = {
    "registration_number", "victim_name", "victim_sex",   "victim_age",
    "victim_contact",      "violence_types", "incident_date", "intake_date",
    "risk_level",          "narrative",
};
_Static_assert(sizeof LETTER_FIELDS / sizeof LETTER_FIELDS[0] <= REFERRAL_LETTER_FIELDS_MAX,
               "room for every letter field");

bool referral_letter_may_show(const struct sae_field *field, bool consent_share)
{
    return !field->sensitive || consent_share;
}

void referral_letter_free(struct referral_letter *letter)
{
    if (!letter)
        return;
    report_free(letter->referral);
    report_free(letter->subject);
    free(letter);
}

static const struct report_value *value_of(const struct report *report, const char *name)
{
    for (size_t i = 0; i < report->value_count; i++)
        if (strcmp(report->values[i].field->name, name) == 0)
            return &report->values[i];
    return NULL;
}

static void choose_values(struct referral_letter *letter)
{
    const struct report_value *consent = value_of(letter->subject, "consent_share");
    letter->consent_share = consent && consent->value && strcmp(consent->value, "true") == 0;
    for (size_t i = 0; i < sizeof LETTER_FIELDS / sizeof LETTER_FIELDS[0]; i++) {
        const struct report_value *v = value_of(letter->subject, LETTER_FIELDS[i]);
        if (!v || !v->value)
            continue;
        if (referral_letter_may_show(v->field, letter->consent_share))
            letter->shown[letter->shown_count++] = v;
        else
            letter->withheld_count++;
    }
}

/* The person who recorded the referral: its first journal entry's author. */
static int first_author(const struct history_entry *entry, void *context)
{
    struct referral_letter *letter = context;
    if (entry->author) {
        size_t len = strnlen(entry->author, sizeof letter->author - 1);
        memcpy(letter->author, entry->author, len);
        letter->author[len] = '\0';
    }
    return 1; /* the first entry is enough */
}

static int load_parts(struct node_store *store, const char *id, struct referral_letter *letter)
{
    int rc = report_load(store, id, &letter->referral);
    if (rc == 0 && strcmp(letter->referral->kind->name, "referral") != 0)
        rc = SAE_ENOTFOUND;
    if (rc == 0 && letter->referral->deleted)
        rc = SAE_EDELETED;
    const char *case_id = rc == 0 ? sae_view_get(&letter->referral->view, "case_id") : NULL;
    if (rc == 0 && !case_id)
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        rc = report_load(store, case_id, &letter->subject);
    if (rc == 0 && letter->subject->deleted)
        rc = SAE_EDELETED;
    if (rc == 0) {
        rc = report_history(store, id, first_author, letter);
        rc = rc == 1 ? 0 : rc;
    }
    if (rc == 0)
        rc = node_config_read(store, &letter->post);
    return rc;
}

int referral_letter_load(struct node_store *store, const char *id,
                         struct referral_letter **out)
{
    struct referral_letter *letter = calloc(1, sizeof *letter);
    if (!letter)
        return SAE_ENOMEM;
    int rc = load_parts(store, id, letter);
    if (rc != 0) {
        referral_letter_free(letter);
        return rc;
    }
    choose_values(letter);
    *out = letter;
    return 0;
}
