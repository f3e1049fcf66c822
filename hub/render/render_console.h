/* Possible duplicates and partner referrals for people (text) and scripts (JSON), from
 * store/duplicates.h and store/partner.h. Never a name: a pair shows registration numbers,
 * villages, sex, age and intake dates; a referral only what partner.h lets its agency see. */
#ifndef RENDER_CONSOLE_H
#define RENDER_CONSOLE_H

#include <jansson.h>
#include <stdio.h>

#include "store/duplicates.h"
#include "store/partner.h"

/* "same_village,same_age,...": the signals' names, comma-separated, into out. */
#define DUP_SIGNALS_TEXT_BYTES 128
void hub_dup_signals_text(unsigned signals, char out[DUP_SIGNALS_TEXT_BYTES]);
/* One line: grade, both cases, the signals. */
void hub_dup_pair_line(FILE *out, const struct dup_pair *pair);
/* {"grade", "signals": [...], "a": CASE, "b": CASE}, CASE {"id", "registration_number",
 * "village", "intake_date", "sex", "age"}. */
json_t *hub_dup_pair_json(const struct dup_pair *pair);
/* {"pairs": pairs (stolen), "high", "medium", "low", "decided"}. */
json_t *hub_dup_list_json(json_t *pairs, const struct dup_totals *totals);

/* The referral's fields a partner may see, one per line, with labels and the share
 * ("consent", "override: REASON (by NAME)", or "withheld: no consent"). */
void hub_partner_referral_text(FILE *out, const struct partner_referral *referral);
/* {"id", "case_id", "village", "awaiting", "share" ("consent", "override", "none"),
 *  "override_by", "override_reason", "age_band", "fields": {name: value}}. */
json_t *hub_partner_referral_json(const struct partner_referral *referral);

#endif
