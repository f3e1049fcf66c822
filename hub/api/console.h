/* The district console's doors in sae-hub: pages under /console/, a JSON API under /api/v1/
 * (proto/CONSOLE_API.md) and the built-in assets under /assets/, on the same HTTPS server as
 * the posts' endpoints (or on a listener of their own: serve --console). Accounts, sessions
 * and the audit are in store/hub_accounts.h; the web layer (web/app) gives the escaping,
 * headers, sessions, CSRF and throttling.
 *
 * Every path under /console/ and /api/v1/ refuses anonymous access except signing in (and
 * the language switch, a preference cookie); every POST, PUT and DELETE needs the session's
 * CSRF token (a form's "csrf" field, or the API's X-CSRF-Token header), else 403 and nothing
 * changes. A signed-in account must accept the code of conduct before any other page. */
#ifndef HUB_CONSOLE_H
#define HUB_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "app/msg.h"
#include "net/http_server.h"
#include "sae/sae_error.h"
#include "store/hub_accounts.h"

struct hub_service;
struct console;

/* Test-only environment variables (README, "Test-only settings"): when set, they shorten
 * the session limits to this many seconds. Never set them on a real hub. */
#define CONSOLE_ENV_IDLE_S "SAE_TEST_SESSION_IDLE_S"
#define CONSOLE_ENV_ABSOLUTE_S "SAE_TEST_SESSION_ABSOLUTE_S"
/* Database connections of the console's pool. */
#define CONSOLE_CONNECTIONS 4u
/* The cookie of a browser not yet signed in: the sign-in form's CSRF token (compared with
 * the form's field, so another site cannot post a sign-in). */
#define CONSOLE_PRE_COOKIE "sae_pre"

/* Who is asking, as the handlers of the console's pages and API get it. */
struct console_caller {
    struct hub_account account;
    char csrf[HUB_CSRF_BYTES];
    uint8_t token_hash[32];
    const char *address; /* the client's, as the audit records it */
    enum msg_lang lang;
    bool holds_key; /* the session holds the district key (set at sign-in and per request) */
    bool holds_agency_key; /* a partner's session holds its agency's key (store/agency_key.h) */
};

int console_create(const char *db_path, int busy_timeout_ms, struct console **out,
                   struct sae_message *why);
void console_destroy(struct console *console);
/* The hub's address as posts reach it (serve --url), which the Posts page puts in the
 * bundles it makes; without it the page says how to give it. SAE_EINVAL for a URL
 * enroll_url_check refuses. */
#define CONSOLE_URL_BYTES 513u
int console_set_public_url(struct console *console, const char *url);

/* Whether path belongs to the console (/console, /console/..., /api/v1/..., /assets/...). */
bool console_owns_path(const char *path);

/* The http_handler_fn of the console alone (ctx: struct console). */
int console_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/* What one listener serves: the posts' endpoints (service), the console, or both. */
struct hub_routes {
    struct hub_service *service; /* NULL: no posts' endpoints here */
    struct console *console;     /* NULL: no console here */
};
/* The http_handler_fn of a listener (ctx: struct hub_routes). */
int hub_routes_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
