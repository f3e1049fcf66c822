/* The console's accounts page (admins): every account with its role, agency and state; add
 * an account (its one-time password shown once, on the answer to the form, never stored in
 * clear), disable one (its sessions end), reset a password (a new one-time password, every
 * session ends). The same rules as `sae-hub users`, audited the same way (account-add,
 * account-disable, account-password-reset) with the admin as actor and the client's address.
 * Roles: console_doors.c. */
#ifndef HUB_PAGE_ACCOUNTS_H
#define HUB_PAGE_ACCOUNTS_H

#include "api/console_internal.h"

/* GET /console/accounts */
int page_accounts(struct console_exchange *x, const struct web_form *form);
/* POST /console/accounts/add (csrf, name, role, agency) */
int page_accounts_add(struct console_exchange *x, const struct web_form *form);
/* POST /console/accounts/disable and /console/accounts/reset (csrf, name) */
int page_accounts_disable(struct console_exchange *x, const struct web_form *form);
int page_accounts_reset(struct console_exchange *x, const struct web_form *form);
/* A coordinator whose session holds the district key resets another coordinator's password
 * and gives them the key, wrapped by the new one-time password (the posts page's "Kunci
 * data" section). 404 for anyone but another enabled coordinator; 403 without the key. */
int page_accounts_key_reset(struct console_exchange *x, const struct web_form *form);
/* A one-button form posting name to action (with the session's CSRF token). */
struct html;
void page_accounts_button(struct html *h, const struct console_exchange *x, const char *action,
                          const char *name, const char *cls, enum msg_id label);
/* GET /api/v1/accounts */
int api_accounts(struct console_exchange *x, const struct web_form *form);

#endif
