/* The district console's people: accounts (a role each, a partner's agency, an Argon2id
 * password hash), their sessions (the hash of each token, never the token) and the audit log
 * (who did what to what, when, from which address; never a sensitive value). The audit log
 * is append-only: triggers refuse UPDATE and DELETE, as for the change table. The tables
 * are made by hub migration 5 (store/hub_migrate.c); migration 10 adds account.key_wrap.
 *
 * This is the C API the console's handlers and the CLI use for the audit
 * (hub_audit_append) and accounts; the handlers get the signed-in account as a struct
 * hub_account (hub/api/console.h: struct console_caller). */
#ifndef HUB_ACCOUNTS_H
#define HUB_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "sae/sae_keywrap.h"
#include "store/hub_store.h"

/* An account's name: 1..HUB_ACCOUNT_NAME_BYTES - 1 bytes of UTF-8 on one line, without
 * control characters: what people are called ("Bu Sari"), because it is typed at sign-in and
 * is the author the posts see for district edits and resolutions (sae_limits.h's person). */
#define HUB_ACCOUNT_NAME_BYTES 101u
/* A partner's agency: 1..HUB_AGENCY_BYTES - 1 bytes of printable UTF-8 on one line. */
#define HUB_AGENCY_BYTES 101u
/* Audit texts: action and target are cut to these (bytes, NUL included). */
#define HUB_AUDIT_ACTION_BYTES 48u
#define HUB_AUDIT_TARGET_BYTES 200u
#define HUB_AUDIT_ADDRESS_BYTES 64u
/* The address of changes made on the hub's own command line. */
#define HUB_AUDIT_ADDRESS_CLI "cli"
/* A password hash as crypto_pwhash_str writes it (128 bytes with the NUL). */
#define HUB_PASSWORD_HASH_BYTES 128u
#define HUB_CSRF_BYTES 44u
/* Sessions one account keeps at once (several browsers and devices, scripts of the API that
 * never sign out): a new one takes the place of the least recently used. Bounds the session
 * table at this many rows an account, expired or not. */
#define HUB_SESSIONS_PER_ACCOUNT 16u

enum hub_role { HUB_ROLE_OPERATOR, HUB_ROLE_COORDINATOR, HUB_ROLE_ADMIN, HUB_ROLE_PARTNER };

struct hub_account {
    char name[HUB_ACCOUNT_NAME_BYTES];
    enum hub_role role;
    char agency[HUB_AGENCY_BYTES]; /* "" unless a partner */
    bool disabled;
    int64_t conduct_ms;            /* when the code of conduct was accepted; 0: not yet */
    int64_t created_ms;
};

struct hub_session {
    char account[HUB_ACCOUNT_NAME_BYTES];
    char csrf[HUB_CSRF_BYTES];
    int64_t created_s, seen_s;
};

/* "operator", ... and back (SAE_EINVAL for an unknown name). */
const char *hub_role_name(enum hub_role role);
int hub_role_parse(const char *text, enum hub_role *out);
/* 0 when text is a valid account name / agency, SAE_EINVAL otherwise. */
int hub_account_name_check(const char *text);
int hub_agency_check(const char *text);

/* Adds an account with an already computed password hash. SAE_EEXIST when the name is
 * taken; SAE_EINVAL for a bad name, a partner without agency or an agency without partner. */
int hub_account_add(struct hub_store *store, const char *name, enum hub_role role,
                    const char *agency, const char *password_hash, int64_t now_ms);
/* SAE_ENOTFOUND when there is no such account. */
int hub_account_get(struct hub_store *store, const char *name, struct hub_account *out);
/* The stored hash (HUB_PASSWORD_HASH_BYTES), for verification. */
int hub_account_password_hash(struct hub_store *store, const char *name,
                              char out[HUB_PASSWORD_HASH_BYTES]);
typedef int (*hub_account_visit_fn)(const struct hub_account *account, void *context);
int hub_account_list(struct hub_store *store, hub_account_visit_fn visit, void *context);
/* A new password hash and its wrap of the district key (SAE_KEYWRAP_BYTES, made with that
 * password; NULL: the account holds no key), in one transaction; the old wrap is gone from
 * the database and its WAL and every session of the account ends. SAE_ENOTFOUND. */
int hub_account_set_password(struct hub_store *store, const char *name,
                             const char *password_hash, const unsigned char *key_wrap);
/* Moves a coordinator signing in to a verifier and wrap of one Argon2id (store/district_key.h)
 * when their hash is still old_hash; sessions stay, the old wrap is scrubbed. SAE_ENOTFOUND:
 * no such account, or the hash changed meanwhile (that change stands). */
int hub_account_upgrade(struct hub_store *store, const char *name, const char *old_hash,
                        const char *new_hash, const unsigned char *key_wrap);
/* Disables the account and deletes its wrap; every session of the account ends. */
int hub_account_disable(struct hub_store *store, const char *name);
/* The account's wrap of the district key (migration 10's key_wrap; store/district_key.h
 * makes and opens it). SAE_ENOTFOUND: no such account, or it holds none; SAE_ECORRUPT. */
int hub_account_wrap_get(struct hub_store *store, const char *name,
                         unsigned char out[SAE_KEYWRAP_BYTES]);
/* Sets (key_wrap NULL: deletes, and scrubs the WAL) the account's wrap. SAE_ENOTFOUND. */
int hub_account_wrap_set(struct hub_store *store, const char *name,
                         const unsigned char *key_wrap);
/* How many enabled coordinators hold a wrap. */
int hub_account_wrap_count(struct hub_store *store, int64_t *out);
int hub_account_accept_conduct(struct hub_store *store, const char *name, int64_t now_ms);

/* Sessions, by the hash of their token (web/app/session.h). Adding one past
 * HUB_SESSIONS_PER_ACCOUNT ends the account's least recently used, in one transaction. */
int hub_session_add(struct hub_store *store, const uint8_t token_hash[32], const char *account,
                    const char *csrf, int64_t now_s);
/* SAE_ENOTFOUND when no such session. */
int hub_session_get(struct hub_store *store, const uint8_t token_hash[32],
                    struct hub_session *out);
int hub_session_touch(struct hub_store *store, const uint8_t token_hash[32], int64_t now_s);
int hub_session_end(struct hub_store *store, const uint8_t token_hash[32]);

/* Appends one audit row: actor (an account name, or "os:USER" on the command line when no
 * account maps), action ("sign-in", "account-add", ...), target (what it was done to, "" for
 * none), address (the client's, or HUB_AUDIT_ADDRESS_CLI). Texts are cut to their limits.
 * Never pass a sensitive value. */
int hub_audit_append(struct hub_store *store, const char *actor, const char *action,
                     const char *target, const char *address, int64_t now_ms);

#endif
