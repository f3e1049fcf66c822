/* Signing in and out, and the language switch (page_sign_in.c). */
#ifndef PAGE_SIGN_IN_H
#define PAGE_SIGN_IN_H

#include "app/post_internal.h"

extern const char *const PAGE_SIGN_IN_FIELDS[3];

/* GET /sign-in: the form (a signed-in browser goes home). */
int page_sign_in(struct post_exchange *x, const struct web_form *form);
/* POST /sign-in: name and passphrase, throttled per name and address; the answer to a
 * wrong passphrase and to an unknown name is the same, after the same work. */
int page_sign_in_post(struct post_exchange *x, const struct web_form *form);
/* POST /sign-out: the session ends. */
int page_sign_out(struct post_exchange *x, const struct web_form *form);
/* GET /lang?to=id|en&back=PATH: the language cookie, then back (a page of the table). */
int page_language(struct post_exchange *x, const struct web_form *form);

#endif
