/* The console's referrals page for a receiving agency (a partner account) and its
 * endpoints: the referrals addressed to the agency, awaiting an answer first, each with only
 * the fields store/partner.h lets the agency see; the partner answers accepted, declined
 * with a reason, or done with a service note (merge/merge_referral.h: a district change the
 * post receives on its next sync). A coordinator sees an agency's list (?agency=CODE) and
 * may open a referral without the survivor's consent, with a reason. Every answer and
 * override is audited. Roles: console_doors.c. */
#ifndef HUB_PAGE_REFERRALS_H
#define HUB_PAGE_REFERRALS_H

#include "api/console_internal.h"

/* GET /console/referrals[?agency=CODE] */
int page_referrals(struct console_exchange *x, const struct web_form *form);
/* POST /console/referrals/answer (csrf, id, answer, note) */
int page_referrals_answer(struct console_exchange *x, const struct web_form *form);
/* POST /console/referrals/override (csrf, id, reason, agency) */
int page_referrals_override(struct console_exchange *x, const struct web_form *form);
/* POST /console/referrals/grant (csrf, agency): a coordinator holding the district key gives
 * the agency the values consent or an override lets it read that it has no copy of. */
int page_referrals_grant(struct console_exchange *x, const struct web_form *form);
/* GET /api/v1/referrals[?agency=CODE]; POST /api/v1/referrals/answer {"id", "answer",
 * "note"} */
int api_referrals(struct console_exchange *x, const struct web_form *form);
int api_referrals_answer(struct console_exchange *x, const struct web_form *form);

#endif
