/* A partner's answer to a referral addressed to its agency (store/partner.h): accepted,
 * declined with a reason, or done with a service note. It is a district change of the
 * referral by the partner's account (author), written as any district edit is, so it
 * reaches the referring post on its next sync through the existing pull; the post's own
 * rules for the referral's flow apply (sent -> accepted or declined, accepted -> done;
 * the status date is today). */
#ifndef MERGE_REFERRAL_H
#define MERGE_REFERRAL_H

#include <stdint.h>

#include "store/hub_store.h"

enum merge_answer {
    MERGE_ANSWER_ACCEPTED, /* referral_status accepted; the note, if any, travels with it */
    MERGE_ANSWER_DECLINED, /* referral_status declined, decline_reason the note (required) */
    MERGE_ANSWER_DONE,     /* referral_status completed, service_note the note (required) */
};

/* "accepted", "declined" or "done"; SAE_EINVAL otherwise. */
int merge_answer_parse(const char *text, enum merge_answer *out);

/* Records answer on referral_id by author. agency (NULL: any, the hub's own command line)
 * must be the one the referral is addressed to. note: 1 to SAE_LIMIT_NOTE_BYTES, required
 * for declined and done. SAE_ENOTFOUND (no such referral), SAE_EPERM (addressed to
 * another agency), SAE_EINVAL (a note missing, a step the flow refuses: why says which),
 * SAE_EDELETED. Nothing is written on failure. */
int merge_referral_answer(struct hub_store *store, const char *referral_id, const char *agency,
                          enum merge_answer answer, const char *note, const char *author,
                          int64_t now_ms, struct sae_message *why);

#endif
