/* Rules across fields (sae_rules.h lists them). Dates are canonical YYYY-MM-DD, so they
 * compare as text. */
#include "sae/sae_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_derived.h"

/* Where a field sits in the kind's table; false when the kind has no such field. */
static bool index_of(const struct sae_kind *kind, const char *name, size_t *out)
{
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_field(kind, name, &field) != 0)
        return false;
    *out = sae_field_index(kind, field);
    return true;
}

static const char *after_of(const struct sae_rules_input *in, const char *name)
{
    size_t i;
    return index_of(in->kind, name, &i) ? in->after[i] : NULL;
}

static const char *before_of(const struct sae_rules_input *in, const char *name)
{
    size_t i;
    return in->before && index_of(in->kind, name, &i) ? in->before[i] : NULL;
}

static bool given(const struct sae_rules_input *in, const char *name)
{
    size_t i;
    return index_of(in->kind, name, &i) && in->given[i];
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether the command touches the field: names it, or its value differs from before. */
static bool touched(const struct sae_rules_input *in, const char *name)
{
    return given(in, name) || !same(before_of(in, name), after_of(in, name));
}

static const char *case_intake(const struct sae_rules_input *in)
{
    return in->case_view ? sae_view_get(in->case_view, "intake_date") : NULL;
}

/* ---- Defaults ------------------------------------------------------------------------ */

static int fill(const struct sae_rules_input *in, char **filled, const char *name,
                const char *value)
{
    size_t i;
    if (!value || !index_of(in->kind, name, &i) || in->given[i])
        return 0;
    char *copy = strdup(value);
    if (!copy)
        return SAE_ENOMEM;
    free(filled[i]);
    filled[i] = copy;
    return 0;
}

/* A consent field is a yes/no field with a FIELD_date beside it. */
static int consent_dates(const struct sae_rules_input *in, const char *today, char **filled)
{
    char date_name[SAE_FIELD_ELEMENT_NAME_BYTES];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->kind->field_count; i++) {
        const struct sae_field *f = &in->kind->fields[i];
        size_t d;
        snprintf(date_name, sizeof date_name, "%s_date", f->name);
        if (f->type != SAE_FIELD_BOOL || !index_of(in->kind, date_name, &d))
            continue;
        if (in->after[i] && !same(in->before ? in->before[i] : NULL, in->after[i]))
            rc = fill(in, filled, date_name, today);
    }
    return rc;
}

int sae_rules_defaults(const struct sae_rules_input *in, char **filled)
{
    char today[11], planned[11];
    sae_date_today(in->now_ms, today);
    int rc = consent_dates(in, today, filled);
    const char *status = after_of(in, "referral_status");
    if (rc == 0 && status && touched(in, "referral_status"))
        rc = fill(in, filled, "status_date",
                  !in->before && strcmp(status, "sent") == 0 ? after_of(in, "referral_date")
                                                             : today);
    const char *admission = after_of(in, "admission_date");
    if (rc == 0 && admission && !after_of(in, "planned_end_date") &&
        sae_date_add_days(admission, SAE_RULES_SHELTER_DAYS, planned) == 0)
        rc = fill(in, filled, "planned_end_date", planned);
    return rc;
}

/* ---- Checks -------------------------------------------------------------------------- */

static int not_future(const struct sae_rules_input *in, const char *name, const char *latest,
                      struct sae_message *why)
{
    const char *date = after_of(in, name);
    if (!date || !touched(in, name) || strcmp(date, latest) <= 0)
        return 0;
    sae_message_set(why, "%s %s is in the future (today is %s): tanggal tidak boleh melewati "
                    "hari ini / a date cannot be later than today", name, date, latest);
    return SAE_EINVAL;
}

/* Two dates that must come in order, and what to say when they do not. */
struct date_order {
    const char *later_name, *later;
    const char *earlier_name, *earlier;
    bool moved; /* the command touched one of them */
    const char *indonesian, *english;
};

static int in_order(const struct date_order *o, struct sae_message *why)
{
    if (!o->later || !o->earlier || !o->moved || strcmp(o->later, o->earlier) >= 0)
        return 0;
    sae_message_set(why, "%s %s is before %s %s: %s / %s", o->later_name, o->later,
                    o->earlier_name, o->earlier, o->indonesian, o->english);
    return SAE_EINVAL;
}

/* later_name's date in the report must not be before earlier_name's. */
static int field_order(const struct sae_rules_input *in, const char *later_name,
                       const char *earlier_name, const char *indonesian, const char *english,
                       struct sae_message *why)
{
    const struct date_order o = {later_name, after_of(in, later_name), earlier_name,
                                 after_of(in, earlier_name),
                                 touched(in, later_name) || touched(in, earlier_name),
                                 indonesian, english};
    return in_order(&o, why);
}

static int check_case(const struct sae_rules_input *in, const char *latest,
                      struct sae_message *why)
{
    int rc = not_future(in, "intake_date", latest, why);
    if (rc == 0)
        rc = not_future(in, "incident_date", latest, why);
    for (size_t i = 0; rc == 0 && i < in->kind->field_count; i++)
        if (in->kind->fields[i].type == SAE_FIELD_DATE && strstr(in->kind->fields[i].name,
                                                                  "consent_"))
            rc = not_future(in, in->kind->fields[i].name, latest, why);
    if (rc == 0)
        rc = field_order(in, "intake_date", "incident_date",
                         "tanggal kejadian tidak boleh setelah tanggal pengaduan",
                         "the incident cannot be after the intake", why);
    const char *status = after_of(in, "status");
    if (rc == 0 && status && strcmp(status, "closed") == 0 && !after_of(in, "closure_reason") &&
        (touched(in, "status") || touched(in, "closure_reason"))) {
        sae_message_set(why, "status closed needs closure_reason: kasus ditutup wajib diberi "
                        "alasan / a closed case needs its reason; add --set closure_reason=CODE "
                        "(sae-node fields case lists the codes)");
        rc = SAE_EINVAL;
    }
    return rc;
}

/* An event's date against its case's intake date. */
static int after_intake(const struct sae_rules_input *in, const char *name,
                        struct sae_message *why)
{
    const struct date_order o = {name, after_of(in, name), "the case's intake_date",
                                 case_intake(in), touched(in, name) || touched(in, "case_id"),
                                 "tanggal tidak boleh sebelum tanggal pengaduan kasusnya",
                                 "it cannot be before the case's intake"};
    return in_order(&o, why);
}

static int check_shelter(const struct sae_rules_input *in, struct sae_message *why)
{
    const char *planned = after_of(in, "planned_end_date");
    const char *was_planned = before_of(in, "planned_end_date");
    int rc = after_intake(in, "admission_date", why);
    if (rc == 0)
        rc = field_order(in, "planned_end_date", "admission_date",
                         "rencana keluar tidak boleh sebelum tanggal masuk",
                         "the planned end cannot be before the admission", why);
    if (rc == 0)
        rc = field_order(in, "discharge_date", "admission_date",
                         "tanggal keluar tidak boleh sebelum tanggal masuk",
                         "the discharge cannot be before the admission", why);
    if (rc == 0 && planned && was_planned && strcmp(planned, was_planned) > 0 &&
        !given(in, "extension_reason")) {
        sae_message_set(why, "planned_end_date moves from %s to %s: perpanjangan wajib dengan "
                        "alasan / an extension needs its reason; give extension_reason with it",
                        was_planned, planned);
        rc = SAE_EINVAL;
    }
    return rc;
}

/* The referral's flow: which status may follow which. */
static bool step_allowed(const char *from, const char *to)
{
    static const char *const steps[][2] = {
        {"sent", "accepted"}, {"sent", "declined"}, {"sent", "revoked"},
        {"accepted", "completed"}, {"accepted", "revoked"},
    };
    if (!from || strcmp(from, to) == 0)
        return true;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (strcmp(steps[i][0], from) == 0 && strcmp(steps[i][1], to) == 0)
            return true;
    return false;
}

static int needs(const struct sae_rules_input *in, const char *status, const char *when,
                 const char *field, const char *indonesian, const char *english,
                 struct sae_message *why)
{
    if (strcmp(status, when) != 0 || after_of(in, field))
        return 0;
    sae_message_set(why, "referral_status %s needs %s: %s / %s; add --set %s=TEXT", when, field,
                    indonesian, english, field);
    return SAE_EINVAL;
}

static int check_referral(const struct sae_rules_input *in, struct sae_message *why)
{
    const char *status = after_of(in, "referral_status");
    const char *was = before_of(in, "referral_status");
    int rc = after_intake(in, "referral_date", why);
    if (rc != 0 || !status || !touched(in, "referral_status"))
        return rc;
    if (!step_allowed(was, status)) {
        sae_message_set(why, "referral_status cannot move from %s to %s: alur rujukan / the "
                        "referral's flow is sent -> accepted, declined or revoked; accepted -> "
                        "completed or revoked", was, status);
        return SAE_EINVAL;
    }
    rc = needs(in, status, "declined", "decline_reason", "rujukan ditolak wajib diberi alasan",
               "a declined referral needs the reason", why);
    if (rc == 0)
        rc = needs(in, status, "completed", "service_note",
                   "rujukan selesai wajib dengan catatan layanan lembaga",
                   "a completed referral needs the provider's service note", why);
    return rc;
}

int sae_rules_check(const struct sae_rules_input *in, struct sae_message *why)
{
    char latest[11];
    sae_date_today(in->now_ms + SAE_RULES_CLOCK_TOLERANCE_MS, latest);
    if (strcmp(in->kind->name, "case") == 0)
        return check_case(in, latest, why);
    if (strcmp(in->kind->name, "service") == 0)
        return after_intake(in, "service_date", why);
    if (strcmp(in->kind->name, "shelter_stay") == 0)
        return check_shelter(in, why);
    if (strcmp(in->kind->name, "referral") == 0)
        return check_referral(in, why);
    return 0;
}
