/* The registration number sae-node gives a case when it is recorded (sae_registration.h):
 * this post's village part, the intake year, and the next number of this post's own
 * sequence of that year, kept in the journal's meta table. */
#ifndef CASE_NUMBER_H
#define CASE_NUMBER_H

#include "store/node_store.h"
#include "sae/sae_registration.h"

/* Takes the next number for a case with this intake date (canonical YYYY-MM-DD), inside
 * the caller's write transaction: the sequence moves only if the transaction commits.
 * SAE_ERANGE when this year's sequence is used up. */
int case_number_next(struct node_store *store, const char *intake_date,
                     char out[SAE_REGISTRATION_BYTES]);

/* Keeps index, the post's place among its village's devices as the district's bundle gives
 * it (its numbers then carry the letter of index: sae_registration_suffix), unless the post
 * has one already: one post keeps one letter. Inside the caller's write transaction. */
int case_number_set_device(struct node_store *store, int64_t index);

#endif
