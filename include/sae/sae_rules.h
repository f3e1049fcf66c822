/* Rules across fields, judged on a report's state after a change (its current values with
 * the change applied) and, for events, the case they belong to. One place, used by the
 * post's writes (sae-node add/edit) and the district's edits (sae-hub reports edit):
 *
 * - case: intake_date and incident_date not after today (WIB) plus the clock tolerance;
 *   incident_date not after intake_date; status closed needs closure_reason.
 * - service: service_date not before the case's intake_date.
 * - shelter_stay: admission_date not before the case's intake_date; planned_end_date and
 *   discharge_date not before admission_date; planned_end_date is admission + 7 days unless
 *   given; moving the planned end later (an extension) needs extension_reason in the same
 *   command.
 * - referral: referral_date not before the case's intake_date; the status moves sent ->
 *   accepted | declined | revoked, accepted -> completed | revoked; declined needs
 *   decline_reason, completed needs service_note; status_date is today unless given when
 *   the status changes (on a new referral sent: its referral_date).
 * - consents: a consent given or withdrawn gets its date, today unless given; consent
 *   dates not after today plus the tolerance.
 *
 * A rule is judged when the command touches one of its fields (or the report is new), so
 * old data that breaks a rule does not block unrelated edits. Refusals are one line in
 * Indonesian and English. */
#ifndef SAE_RULES_H
#define SAE_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "sae_catalogue.h"
#include "sae_error.h"
#include "sae_time.h"
#include "sae_view.h"

/* A date up to this far past today is not "in the future": a post's clock may be this far
 * off before it is corrected (the post's clock tolerance). */
#define SAE_RULES_CLOCK_TOLERANCE_MS (10 * SAE_MS_PER_MINUTE)
/* A shelter stay's planned end when none is given: admission + this many days. */
#define SAE_RULES_SHELTER_DAYS 7

struct sae_rules_input {
    const struct sae_kind *kind;
    const char *const *before;       /* by field index, NULL for a new report */
    const char **after;              /* by field index: the state after the change */
    const bool *given;               /* by field index: named in the command */
    const struct sae_view *case_view; /* the case a case_id names, or NULL */
    int64_t now_ms;                  /* the writer's time (a post's corrected clock) */
};

/* The values the rules fill in (dates of consents and statuses, a stay's planned end) for
 * fields neither given nor set: filled[i] malloc'd (NULL where nothing is filled), by
 * field index. */
int sae_rules_defaults(const struct sae_rules_input *in, char **filled);

/* 0, or SAE_EINVAL with why naming the rule in Indonesian and English. */
int sae_rules_check(const struct sae_rules_input *in, struct sae_message *why);

#endif
