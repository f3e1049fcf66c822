/* The copies of a case's sensitive values sealed to a partner agency's key (store/agency_key.h;
 * sealed_value rows whose holder is agency_key_holder(id)): exactly what consent allows the
 * agency to read (docs/DESIGN.md "Partner agencies' key").
 *
 * An agency is entitled to a case's values the partners see (store/partner.h: the victim's
 * name, contact and the narrative, those of them the catalogue seals) while a live referral
 * of the case is addressed to it (its current referred_to, not deleted) and the survivor
 * consented to share (the case's current consent_share true) or a coordinator recorded an
 * override for that referral.
 *
 * Within a write transaction, merge_insert_change notes each value and each change that
 * may move an entitlement (agency_copies_note); hub_store_commit settles them before it
 * commits, once the transaction's state is derived (a batch sends a case's name before the
 * referral that makes it shareable):
 * - each noted value is sealed to every agency entitled to its case now;
 * - each noted case (a value, its consent, a referral's destination, case or deletion) loses
 *   the copies of agencies no longer entitled (secure_delete is on: the pages are zeroed).
 * Plain values wait in memory only until then, and are wiped at settle and at rollback.
 * A value of a case that became shareable later is sealed by a coordinator's grant. */
#ifndef AGENCY_COPIES_H
#define AGENCY_COPIES_H

#include <stdint.h>

#include "store/hub_store.h"

/* Notes change (seq) of report_id, kind and field with its value (NULL: unset) when it is a
 * shared value or may move an entitlement; nothing otherwise, and nothing while no agency
 * has a key. SAE_ENOMEM. */
int agency_copies_note(struct hub_store *store, int64_t change, const char *report_id,
                       const char *kind, const char *field, const char *value);
/* Seals and deletes as the notes ask, inside the transaction, and forgets them. */
int agency_copies_settle(struct hub_store *store);
/* Wipes and forgets the notes (a rollback, a close). */
void agency_copies_forget(struct hub_store *store);

/* The grant's count and work (hub/api/page_referrals.c, `referrals grant`): for each value of
 * the cases agency is entitled to that has no copy for it, visit(change seq, context). */
typedef int (*agency_copies_visit_fn)(int64_t change, void *context);
int agency_copies_owed(struct hub_store *store, const char *agency,
                       agency_copies_visit_fn visit, void *context);

/* *count: the values agency is owed (0 while it has no key). */
int agency_copies_owed_count(struct hub_store *store, const char *agency, int64_t *count);
/* Seals every value agency is owed to its key, opened with district_secret (a coordinator's),
 * in one write transaction; *granted: how many. SAE_ENOTFOUND: the agency has no key yet;
 * SAE_EPERM: the secret is not the district's. The caller audits it. */
int agency_copies_grant(struct hub_store *store, const char *agency,
                        const unsigned char *district_secret, int64_t *granted);

#endif
