/* What partners see of the referrals addressed to their agency. */
#include "store/partner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "store/me_facts.h"

#define PARTNER_NOT_AN_AGENCY "other"

/* Awaiting first, then oldest referral first. */
static const char referrals_sql[] =
    "SELECT id FROM me_event WHERE kind = 'referral' AND live = 1 AND type = ?1"
    " ORDER BY status IS NOT 'sent', date, id";
static const char override_sql[] =
    "SELECT overridden_by, reason FROM referral_override WHERE referral_id = ?1";
static const char override_put_sql[] =
    "INSERT INTO referral_override(referral_id, overridden_by, reason, overridden_ms)"
    " VALUES (?1, ?2, ?3, ?4)";

static const char *const referral_always[] = {
    "referred_to", "referral_date", "referral_status", "status_date", "referral_reason",
    "decline_reason", "referral_result", "service_note",
};
static const char *const case_always[] = {
    "registration_number", "victim_sex", "violence_types", "risk_level",
};
static const char *const case_shared[] = {
    "victim_name", "victim_age", "victim_contact", "narrative",
};

bool partner_shared_field(const char *kind, const char *field)
{
    if (!kind || !field || strcmp(kind, "case") != 0)
        return false;
    for (size_t i = 0; i < sizeof case_shared / sizeof *case_shared; i++)
        if (strcmp(field, case_shared[i]) == 0)
            return true;
    return false;
}

static const struct sae_field *referred_to_field(void)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_kind("referral", &kind) != 0 ||
        sae_catalogue_find_field(kind, "referred_to", &field) != 0)
        return NULL;
    return field;
}

int partner_agency_check(const char *agency)
{
    const struct sae_field *field = referred_to_field();
    if (!field || !agency || strcmp(agency, PARTNER_NOT_AN_AGENCY) == 0 ||
        !sae_field_find_value(field, agency))
        return SAE_EINVAL;
    return 0;
}

const char *partner_agency_names(void)
{
    static char names[256];
    const struct sae_field *field = referred_to_field();
    size_t used = 0;
    for (size_t i = 0; field && names[0] == '\0' && i < field->value_count; i++) {
        if (strcmp(field->values[i].code, PARTNER_NOT_AN_AGENCY) == 0)
            continue;
        int n = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
                         field->values[i].code);
        used += n > 0 && (size_t)n < sizeof names - used ? (size_t)n : 0;
    }
    return names;
}

static void show(struct partner_referral *out, const struct hub_report *report,
                 const char *const *names, size_t count)
{
    for (size_t i = 0; report && i < count && out->shown_count < PARTNER_FIELDS_MAX; i++) {
        const struct sae_field *field = NULL;
        const char *value = NULL;
        if (sae_catalogue_find_field(report->kind, names[i], &field) == 0)
            value = hub_report_value(report, field);
        if (value)
            out->shown[out->shown_count++] = (struct partner_field){field, value};
    }
}

struct override_row {
    char by[SAE_LIMIT_PERSON_BYTES + 1];
    char reason[SAE_LIMIT_NOTE_BYTES + 1];
};

static int load_override(struct hub_store *store, const char *id, struct override_row *out,
                         bool *found)
{
    sqlite3_stmt *stmt = NULL;
    *found = false;
    int rc = hub_store_prepare(store, override_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, out->by, sizeof out->by);
        sae_db_column_copy(stmt, 1, out->reason, sizeof out->reason);
        *found = true;
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static const char *case_value(const struct hub_report *kase, const char *name)
{
    const struct sae_field *field = NULL;
    if (!kase || sae_catalogue_find_field(kase->kind, name, &field) != 0)
        return NULL;
    return hub_report_value(kase, field);
}

static int visit_one(struct hub_store *store, const char *id, partner_visit_fn visit,
                     void *context)
{
    struct hub_report *referral = NULL, *kase = NULL;
    struct partner_referral view;
    struct override_row override;
    bool overridden = false;
    enum sae_age_band band;
    memset(&view, 0, sizeof view);
    int rc = hub_report_load(store, id, &referral);
    const char *case_id = rc == 0 ? case_value(referral, "case_id") : NULL;
    if (rc == 0 && case_id && hub_report_load(store, case_id, &kase) != 0)
        kase = NULL; /* a referral whose case has not reached the hub: shown alone */
    if (rc == 0)
        rc = load_override(store, id, &override, &overridden);
    if (rc == 0) {
        const char *consent = case_value(kase, "consent_share");
        const char *status = case_value(referral, "referral_status");
        const char *age = case_value(kase, "victim_age");
        view.referral = referral;
        view.kase = kase;
        view.awaiting = status && strcmp(status, "sent") == 0;
        view.share = consent && strcmp(consent, "true") == 0 ? PARTNER_SHARE_CONSENT
                   : overridden                               ? PARTNER_SHARE_OVERRIDE
                                                              : PARTNER_SHARE_NONE;
        view.override_by = overridden ? override.by : NULL;
        view.override_reason = overridden ? override.reason : NULL;
        view.age_band = age && sae_age_band_of(atoll(age), &band) == 0 ? sae_age_band_code(band)
                                                                       : NULL;
        show(&view, referral, referral_always, sizeof referral_always / sizeof *referral_always);
        show(&view, kase, case_always, sizeof case_always / sizeof *case_always);
        if (view.share != PARTNER_SHARE_NONE)
            show(&view, kase, case_shared, sizeof case_shared / sizeof *case_shared);
        rc = visit(&view, context);
    }
    hub_report_free(referral);
    hub_report_free(kase);
    return rc;
}

int partner_referrals(struct hub_store *store, const char *agency, partner_visit_fn visit,
                      void *context)
{
    char (*ids)[SAE_ID_TEXT_LEN + 1] = NULL;
    size_t count = 0, capacity = 0;
    sqlite3_stmt *stmt = NULL;
    if (partner_agency_check(agency) != 0)
        return SAE_EINVAL;
    int rc = me_facts_refresh(store, NULL);
    if (rc == 0)
        rc = hub_read_begin(store);
    if (rc != 0)
        return rc;
    rc = hub_store_prepare(store, referrals_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, agency);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            char (*grown)[SAE_ID_TEXT_LEN + 1] = realloc(ids, capacity * sizeof *grown);
            if (!grown) {
                rc = SAE_ENOMEM;
                break;
            }
            ids = grown;
        }
        sae_db_column_copy(stmt, 0, ids[count++], SAE_ID_TEXT_LEN + 1);
    }
    sae_db_reset(stmt);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = visit_one(store, ids[i], visit, context);
    hub_read_end(store);
    free(ids);
    return rc;
}

/* An override, as partner_override was given it. */
struct override_request {
    const char *id, *by, *reason;
    int64_t now_ms;
    struct sae_message *why;
};

static int override_in_transaction(struct hub_store *store, void *context)
{
    const struct override_request *r = context;
    const char *id = r->id, *by = r->by, *reason = r->reason;
    struct sae_message *why = r->why;
    int64_t now_ms = r->now_ms;
    struct hub_report *referral = NULL, *kase = NULL;
    struct override_row existing;
    bool found = false;
    sqlite3_stmt *stmt = NULL;
    int rc = hub_report_load(store, id, &referral);
    if (rc == 0 && strcmp(referral->kind->name, "referral") != 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no referral has id %s", id);
    const char *case_id = rc == 0 ? case_value(referral, "case_id") : NULL;
    if (rc == 0 && case_id && hub_report_load(store, case_id, &kase) != 0)
        kase = NULL;
    const char *consent = case_value(kase, "consent_share");
    if (rc == 0 && consent && strcmp(consent, "true") == 0) {
        sae_message_set(why, "the survivor consented to share with referral agencies; the "
                        "agency sees the referral in full without an override");
        rc = SAE_EINVAL;
    }
    if (rc == 0)
        rc = load_override(store, id, &existing, &found);
    if (rc == 0 && found) {
        sae_message_set(why, "%s was overridden already by %s", id, existing.by);
        rc = SAE_EEXIST;
    }
    const char *texts[] = {id, by, reason};
    if (rc == 0)
        rc = hub_store_prepare(store, override_put_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 3);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    hub_report_free(referral);
    hub_report_free(kase);
    return rc;
}

int partner_override(struct hub_store *store, const char *referral_id, const char *by,
                     const char *reason, int64_t now_ms, struct sae_message *why)
{
    struct override_request request = {referral_id, by, reason, now_ms, why};
    return hub_store_write(store, override_in_transaction, &request);
}
