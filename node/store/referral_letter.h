/* What a referral letter (surat rujukan) may say. The survivor's consent to share with the
 * agencies a referral goes to (the case's consent_share) is enforced here, once, for every
 * printed form: without it the catalogue's sensitive fields (name, contact, narrative) are
 * left out and only counted. The letter also names the referral's destination, date and
 * reason, who recorded it, and the post (its device name and village). */
#ifndef REFERRAL_LETTER_H
#define REFERRAL_LETTER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/node_config.h"
#include "store/report_read.h"

/* The case fields a letter lists, in this order, when they have a value. */
#define REFERRAL_LETTER_FIELDS_MAX 12

struct referral_letter {
    struct report *referral;
    struct report *subject; /* the referral's case */
    bool consent_share;     /* the case's consent_share is true */
    /* The case values the letter shows: sensitive ones only with consent. */
    const struct report_value *shown[REFERRAL_LETTER_FIELDS_MAX];
    size_t shown_count;
    size_t withheld_count; /* sensitive values of the case the letter leaves out */
    char author[SAE_LIMIT_PERSON_BYTES + 1]; /* who recorded the referral; "" if unknown */
    struct node_config post;                 /* device name and village */
};

/* Loads the letter of referral id (canonical). SAE_ENOTFOUND when there is no such
 * referral (or it is another kind), SAE_EDELETED when it or its case is deleted. */
int referral_letter_load(struct node_store *store, const char *id,
                         struct referral_letter **out);
void referral_letter_free(struct referral_letter *letter);

/* Whether a case value may leave the post on paper: not sensitive, or consent given. */
bool referral_letter_may_show(const struct sae_field *field, bool consent_share);

#endif
