/* The facts monitoring and evaluation count: one row per report, derived from the merged
 * state (field_state), so that a month's figures are a scan of one narrow table instead of
 * a pivot of every field of 100,000 cases. Owns me_case and me_event; rebuilt incrementally:
 * the reports with a change past the cursor (meta me_cursor) are read again.
 *
 * me_case:  id, village (the post's, which gets the credit), kecamatan (its parent in the
 *           list of areas, "" for a village not in it), live (not deleted), intake_date,
 *           intake_days (days since 1970), incident_date, sex, age, violence (the set of
 *           types as a mask: bit i is violence_types' values[i]; a case of catalogue 1 its
 *           one type), consent_statistics and consent_share (1 true, 0 false, NULL unset),
 *           refreshed (the cursor when the row was written).
 * me_event: id, kind (service, shelter_stay, referral), case_id, village, live, date
 *           (service_date, admission_date, referral_date), type (service_type,
 *           referred_to), status (referral_status), end_date (discharge_date). */
#ifndef ME_FACTS_H
#define ME_FACTS_H

#include <stdint.h>

#include "store/hub_store.h"

#define ME_META_CURSOR "me_cursor"
/* Moves whenever what the figures count may have changed: facts rewritten, cases linked as
 * one survivor, the list of areas changed (absent: 0). */
#define ME_META_VERSION "me_version"
/* Reports read again per write transaction: a first build of 100,000 cases never holds the
 * daemon's merges for long. */
#define ME_FACTS_CHUNK 1000

/* Brings the facts up to date with every change received, in write transactions of its own
 * of ME_FACTS_CHUNK reports each (the caller holds none); the cursor moves with the last,
 * so a refresh cut short is done again whole. *refreshed (may be NULL): how many reports
 * were read again. */
int me_facts_refresh(struct hub_store *store, int64_t *refreshed);

/* Makes the next refresh read every report again, inside the caller's write transaction:
 * for a change of the list of areas (a village's code or kecamatan), which moves no change
 * past the cursor. */
int me_facts_invalidate(struct hub_store *store);

/* The version of what the figures count (ME_META_VERSION): equal versions, equal figures
 * for the same period, area and day. */
int me_facts_version(struct hub_store *store, int64_t *out);

/* Moves the version, inside the caller's write transaction: for writers of what the
 * figures read besides the facts (dup_survivor). */
int me_facts_changed(struct hub_store *store);

#endif
