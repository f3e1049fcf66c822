/* The post app: the village post's own web application, served by `sae-node serve` (issue
 * 12). It signs staff in (node/store/node_staff.h; passphrases, sessions, CSRF and
 * throttling from web/app), answers its pages through one route table (post_routes.c) and
 * its built-in assets, and nothing else: every other path is 404.
 *
 * Every page but signing in needs a session; every POST needs the session's CSRF token (a
 * form's "csrf" field), else 403 and nothing changes. Handlers run one at a time (the server
 * runs one thread for the app), on one connection to the post's journal. */
#ifndef POST_APP_H
#define POST_APP_H

#include <stdbool.h>

#include "net/http_server.h"
#include "sae/sae_error.h"

struct post_app;
struct sync_loop;

/* Test-only environment variables (README, "Test-only settings"): when set, they shorten
 * the session limits to this many seconds. Never set them on a real post. */
#define POST_ENV_IDLE_S "SAE_TEST_SESSION_IDLE_S"
#define POST_ENV_ABSOLUTE_S "SAE_TEST_SESSION_ABSOLUTE_S"
/* The cookie of a browser not yet signed in: the sign-in form's CSRF token. */
#define POST_PRE_COOKIE "sae_pre"
/* The largest uploaded file (an enrollment bundle: HUB_LINK_BUNDLE_MAX_BYTES) and the
 * largest request body the app takes (a form, or an uploaded file with its form). */
#define POST_UPLOAD_BYTES_MAX (64u * 1024u)
#define POST_BODY_BYTES_MAX (128u * 1024u)

/* Opens the post's journal in dir for the app. loop (may be NULL) is the sync loop running
 * beside it: its state is shown and "Sinkronkan sekarang" wakes it. why says what to do on
 * failure (node_store_open's codes). */
int post_app_create(const char *dir, int busy_timeout_ms, struct sync_loop *loop,
                    struct post_app **out, struct sae_message *why);
/* Wipes every session's storage key (app/session_keys.h) and closes the journal. */
void post_app_destroy(struct post_app *app);
/* Wipes the storage keys of sessions that expired or ended since the last call; the serving
 * loop calls it once a second, so a key does not outlive its session waiting for a request. */
void post_app_sweep(struct post_app *app);

/* The http_handler_fn of the app (ctx: struct post_app). */
int post_app_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
