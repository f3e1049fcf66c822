/* The printable referral letter (surat rujukan) and case summary (page_letter.c). Printed
 * through the browser (the stylesheet's print rules leave out the frame); no script. */
#ifndef PAGE_LETTER_H
#define PAGE_LETTER_H

#include "app/post_internal.h"

/* GET /referral-letter?id=REFERRAL: the post's name and village, the destination, the
 * date, the reason, the case's fields the survivor's consent to share covers (a line says
 * how many were left out without it), and who recorded the referral. */
int page_referral_letter(struct post_exchange *x, const struct web_form *form);

/* GET /case-summary?id=CASE: every field of the case, with its services, shelter stays
 * and referrals, for the post's own file. */
int page_case_summary(struct post_exchange *x, const struct web_form *form);

#endif
