/* Shared by the console's modules (console.c: routing, sessions and the pool;
 * console_auth.c: signing in and out, passwords, the code of conduct; console_pages.c:
 * HTML; console_api.c: JSON). Not for other modules. */
#ifndef HUB_CONSOLE_INTERNAL_H
#define HUB_CONSOLE_INTERNAL_H

#include <jansson.h>

#include "api/console.h"
#include "api/dup_prepare.h"
#include "api/me_cache.h"
#include "app/password.h"
#include "app/session.h"
#include "app/session_keys.h"
#include "app/throttle.h"
#include "app/web_request.h"
#include "app/web_response.h"

struct console {
    pthread_mutex_t lock;
    pthread_cond_t available;
    struct hub_store *pool[CONSOLE_CONNECTIONS];
    bool in_use[CONSOLE_CONNECTIONS];
    struct throttle *throttle;
    struct session_limits limits;
    struct me_cache *me_cache;
    struct session_keys *keys; /* coordinators' sessions' district keys (store/district_key.h) */
    int64_t keys_swept_s;      /* when the keys of ended sessions were last wiped */
    pthread_t sweeper;         /* wipes them once a second, requests or not */
    pthread_cond_t stop;
    bool sweeper_started, stopping;
    struct dup_prepare *dups; /* NULL: not started (the pages refresh the pairs themselves) */
    char dir[4096]; /* the hub's directory (its db_path's), for files beside hub.db */
    char public_url[CONSOLE_URL_BYTES]; /* serve --url: bundles' hub_url; "": not known */
};

/* One request: the store taken from the pool for it, who asks (when signed in). */
struct console_exchange {
    struct console *console;
    struct hub_store *store;
    const struct http_request *req;
    struct http_response *resp;
    struct console_caller caller;
    bool signed_in;
    enum msg_lang lang;
    int64_t now_s;
};

/* Outcomes of console_auth's operations, which pages and API each answer in their way. */
enum console_outcome {
    CONSOLE_OK,
    CONSOLE_REFUSED,   /* wrong name or password, the same for unknown names */
    CONSOLE_THROTTLED, /* too many failures for the name or the address */
    CONSOLE_INVALID,   /* a new password that is not acceptable or not repeated */
};

/* Sign-in: on CONSOLE_OK token (the cookie's value) and csrf are set and audited; a
 * coordinator's password opens the district key into the session (x->caller.holds_key). */
int console_sign_in(struct console_exchange *x, const char *name, const char *password,
                    char token[SESSION_TOKEN_TEXT_BYTES], char csrf[SESSION_TOKEN_TEXT_BYTES],
                    enum console_outcome *outcome, int64_t *retry_after_s);
/* Ends the caller's session and wipes its key (audited). */
int console_sign_out(struct console_exchange *x);
/* A new password's hash: for a coordinator, a verifier and, from the caller's session's key
 * or, while it waits unclaimed, DIR/district.key, the wrap paired with it, from one Argon2id
 * (proto/STORAGE_KEYS.md section 2a; *wrapped false when neither key is at hand, and the
 * verifier alone is made); for other roles, who never hold the key, an Argon2id hash
 * (password_hash). SAE_ENOMEM (Argon2id's memory). */
int console_passkey(struct console_exchange *x, const char *password, bool coordinator,
                    char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES],
                    bool *wrapped);
/* Wipes the keys of sessions that ended or expired (at most once a second). */
void console_keys_sweep(struct console_exchange *x);
/* Changes the caller's password (every session ends; audited). */
int console_change_password(struct console_exchange *x, const char *current,
                            const char *fresh, const char *again,
                            enum console_outcome *outcome);
int console_accept_conduct(struct console_exchange *x);

/* Whether the request's CSRF token (given) is the caller's. */
bool console_csrf_ok(const struct console_exchange *x, const char *given);
/* A signed-in request whose CSRF token is missing or wrong: an audit row (csrf-refused: the
 * account, its address, the path; never the token given), then 403 as a page or (api) the
 * API's {"error": "csrf"}. */
int console_csrf_refuse(struct console_exchange *x, bool api);

/* A page's frame (console_pages.c), for every page of the console: the document head with
 * the stylesheet, the top bar (name, language switch, sign-out), and <main>; title names the
 * page, back is where the language switch returns ("home", "sign-in", "password",
 * "conduct"; a page adds its own to back_path's table), narrow a single-column form. Write
 * the page's content between them; close finishes the page and answers status. */
struct html;
void console_page_open(struct html *h, const struct console_exchange *x, enum msg_id title,
                       const char *back, bool narrow);
int console_page_close(struct html *h, struct console_exchange *x, unsigned status);

/* The sign-in page (console_pages.c) with an error or a notice (NULL: none), the name typed
 * kept in its field. */
int console_page_sign_in(struct console_exchange *x, unsigned status, const char *error,
                         const char *notice, const char *name);

/* A page with one message as an error (console_pages.c): refusals, 404s. */
int console_page_message(struct console_exchange *x, unsigned status, enum msg_id text);
/* The page of a refused request: 403 forbidden, any other status a bad request. */
int console_page_refused(struct console_exchange *x, unsigned status);

/* The API's answers (console_api.c): a JSON value (taken over, NULL: SAE_ENOMEM), an error
 * {"error": code, "message": message}, and the request's JSON object with only the allowed
 * string fields (*body NULL after answering 4xx itself); a string field's value or NULL. */
#define CSRF_HEADER "X-CSRF-Token"
int console_api_answer(struct console_exchange *x, unsigned status, json_t *value);
int console_api_error(struct console_exchange *x, unsigned status, const char *code,
                      const char *message);
int console_api_body(struct console_exchange *x, const char *const *allowed, json_t **body);
const char *console_api_text(json_t *body, const char *name);

/* Pages (console_pages.c) and API (console_api.c). */
int console_pages_handle(struct console_exchange *x);
int console_api_handle(struct console_exchange *x);

#endif
