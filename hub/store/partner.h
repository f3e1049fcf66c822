/* Partner referrals, the data side: what a receiving agency's account (UPT PPA, PUSPAGA,
 * Puskesmas, unit PPA Polres...) sees of the referrals addressed to it. An agency is a
 * referral destination of the catalogue (referred_to's codes, "other" excepted): a
 * referral is addressed to the agency its referred_to names, and to no other.
 *
 * What a partner sees of a referral (partner_referral.shown, in this order):
 * - always: the referral's destination, date, status and its date, reason, decline
 *   reason, result and the agency's own service note; of its case the registration number,
 *   the victim's sex and age band, the types of violence and the risk level, and the post's
 *   village;
 * - only when the survivor consented to share with referral agencies (the case's
 *   consent_share true), or a coordinator recorded an override with a reason
 *   (partner_override): the victim's name, age, contact and the narrative.
 * Awaiting an answer (status sent) first, then by referral date. Owns referral_override. */
#ifndef PARTNER_H
#define PARTNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_read.h"

/* The most fields one referral shows (the lists below). */
#define PARTNER_FIELDS_MAX 16

enum partner_share {
    PARTNER_SHARE_NONE,     /* no consent, no override: identifying fields withheld */
    PARTNER_SHARE_CONSENT,  /* consent_share true */
    PARTNER_SHARE_OVERRIDE, /* no consent; a coordinator's override with its reason */
};

struct partner_field {
    const struct sae_field *field;
    const char *value; /* canonical, owned by the referral's reports; never NULL */
};

struct partner_referral {
    const struct hub_report *referral;
    const struct hub_report *kase; /* NULL when the case is unknown to the hub */
    const char *age_band;          /* "25-44", or NULL */
    enum partner_share share;
    const char *override_by, *override_reason; /* PARTNER_SHARE_OVERRIDE */
    bool awaiting;                 /* status sent: no answer yet */
    struct partner_field shown[PARTNER_FIELDS_MAX];
    size_t shown_count;
};

/* Whether field of kind is one only consent or an override shows (the second list above). */
bool partner_shared_field(const char *kind, const char *field);

/* 0 when agency is a referral destination partners may be (referred_to's codes but
 * "other"); SAE_EINVAL otherwise. */
int partner_agency_check(const char *agency);
/* "police_ppa_unit, puskesmas, ...": the agencies, for messages. */
const char *partner_agency_names(void);

/* Visits the live referrals addressed to agency, awaiting ones first. */
typedef int (*partner_visit_fn)(const struct partner_referral *referral, void *context);
int partner_referrals(struct hub_store *store, const char *agency, partner_visit_fn visit,
                      void *context);

/* Records a coordinator's override: the referral's identifying fields are shown to its
 * agency although the survivor did not consent, for reason (1 to SAE_LIMIT_NOTE_BYTES).
 * SAE_ENOTFOUND (no such referral), SAE_EINVAL (the survivor consented: nothing to
 * override), SAE_EEXIST (overridden already: why says by whom). */
int partner_override(struct hub_store *store, const char *referral_id, const char *by,
                     const char *reason, int64_t now_ms, struct sae_message *why);

#endif
