/* The post app's sessions and dispatch (post_app.h): assets, the language, who asks, then
 * the route table with its access rules and CSRF checks before any page runs. */
#include "app/post_internal.h"
#include "app/post_routes.h"
#include "app/page_revoked.h"
#include "app/page_sign_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/assets.h"
#include "sae/sae_secure_mem.h"
#include "store/storage_key.h"

int post_app_create(const char *dir, int busy_timeout_ms, struct sync_loop *loop,
                    struct post_app **out, struct sae_message *why)
{
    struct post_app *app = calloc(1, sizeof *app);
    if (!app)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&app->lock, NULL) != 0) {
        free(app);
        return SAE_ENOMEM;
    }
    session_limits_from_env(&app->limits, POST_ENV_IDLE_S, POST_ENV_ABSOLUTE_S);
    app->loop = loop;
    int rc = throttle_create(&app->throttle);
    if (rc == 0)
        rc = session_keys_create(&app->keys);
    if (rc == 0)
        rc = web_assets_init();
    if (rc == 0)
        rc = node_store_open(dir, busy_timeout_ms, &app->store, why);
    /* Searches read names opened before (opened_cache.h), while some session holds a key. */
    if (rc == 0)
        rc = node_store_keep_opened(app->store);
    if (rc != 0) {
        post_app_destroy(app);
        return rc;
    }
    *out = app;
    return 0;
}

void post_app_destroy(struct post_app *app)
{
    if (!app)
        return;
    session_keys_destroy(app->keys);
    node_store_close(app->store);
    throttle_destroy(app->throttle);
    pthread_mutex_destroy(&app->lock);
    free(app);
}

/* Ends a session here and in the keys this process holds. */
static int end_session(struct post_exchange *x)
{
    session_keys_drop(x->app->keys, x->token_hash);
    return node_staff_session_end(x->store, x->token_hash);
}

/* Whether a session is live: in node.db, not expired, its staff member still there. */
static bool session_live(const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES], void *context)
{
    struct post_app *app = context;
    struct node_staff_session session;
    struct node_staff staff;
    int64_t now_s = (int64_t)time(NULL);
    if (node_staff_session_get(app->store, token_hash, &session) != 0)
        return false;
    return session_judge(&app->limits, now_s, session.created_s, session.seen_s) ==
               SESSION_LIVE &&
           node_staff_get(app->store, session.name, &staff) == 0;
}

void post_app_sweep(struct post_app *app)
{
    pthread_mutex_lock(&app->lock);
    session_keys_sweep(app->keys, session_live, app);
    /* Opened values stay only while someone signed in could read them. */
    if (session_keys_count(app->keys) == 0)
        node_store_forget_opened(app->store);
    pthread_mutex_unlock(&app->lock);
}

/* The session of the request's cookie, when live, its staff member still there and its key
 * entry held by this process (else it was opened before a restart, and its key is gone); a
 * session that is not is deleted. A session used is touched (its idle time starts again). */
static int find_caller(struct post_exchange *x)
{
    char token[WEB_COOKIE_BYTES];
    struct node_staff_session session;
    if (web_request_cookie(x->req, SESSION_COOKIE, token, sizeof token) != 0 ||
        session_token_hash(token, x->token_hash) != 0)
        return 0;
    int rc = node_staff_session_get(x->store, x->token_hash, &session);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (session_judge(&x->app->limits, x->now_s, session.created_s, session.seen_s) !=
            SESSION_LIVE ||
        !session_keys_known(x->app->keys, x->token_hash))
        return end_session(x);
    rc = node_staff_get(x->store, session.name, &x->staff);
    if (rc == SAE_ENOTFOUND)
        return end_session(x);
    if (rc == 0)
        rc = node_staff_session_touch(x->store, x->token_hash, x->now_s);
    if (rc == 0) {
        memcpy(x->csrf, session.csrf, sizeof x->csrf);
        x->signed_in = true;
    }
    return rc;
}

/* A POST's form (web/app/route.h: its route's bound and fields, the right token). The
 * token is the session's, or before sign-in the pre-session cookie's (so another site
 * cannot post a sign-in either). 4xx answered here (and *form NULL) otherwise: nothing
 * changes. */
static int read_form(struct post_exchange *x, const struct post_route *route,
                     struct web_form **form)
{
    char pre[WEB_COOKIE_BYTES] = "";
    if (!x->signed_in)
        web_request_cookie(x->req, POST_PRE_COOKIE, pre, sizeof pre);
    unsigned refusal = 0;
    int rc = web_route_form(x->req, &route->at, x->signed_in ? x->csrf : pre, form, &refusal);
    if (rc != 0 || refusal == 0)
        return rc;
    return refusal == 403 ? post_page_message(x, 403, MSG_FORBIDDEN)
                          : post_page_message(x, refusal, MSG_BAD_REQUEST);
}

static int copy_key(const unsigned char *secret, void *context)
{
    return sae_secure_dup(secret, STORAGE_KEY_BYTES, context);
}

/* A signed-in page reads sensitive values opened with the session's key (value_seal.h): a
 * copy in secure memory lent to the store for this request only, wiped after it (the
 * session's own entry cannot stay readable while the page may call into the key set). */
static int run_page(struct post_exchange *x, const struct post_route *route,
                    const struct web_form *form)
{
    void *secret = NULL;
    int rc = x->signed_in ? session_keys_use(x->app->keys, x->token_hash, copy_key, &secret)
                          : SAE_ENOTFOUND;
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    node_store_lend_secret(x->store, secret);
    rc = route->run(x, form);
    node_store_lend_secret(x->store, NULL);
    sae_secure_free(secret);
    return rc;
}

static int dispatch(struct post_exchange *x)
{
    bool known = false;
    const struct post_route *route = post_route_find(x->req->method, x->req->path, &known);
    bool post = strcmp(x->req->method, "POST") == 0;
    if (!route) {
        unsigned status = post_route_refusal(x->req->path, x->resp);
        return post_page_message(x, status, known ? MSG_BAD_REQUEST : MSG_NOT_FOUND);
    }
    if (route->access != POST_ANYONE && !x->signed_in)
        return post ? post_page_message(x, 403, MSG_SESSION_ENDED)
                    : web_response_redirect(x->resp, "/sign-in");
    if (route->access == POST_HEAD_ONLY && x->staff.role != NODE_STAFF_HEAD)
        return post_page_message(x, 403, MSG_POST_HEAD_ONLY);
    if (!post)
        return run_page(x, route, NULL);
    struct web_form *form = NULL;
    int rc = read_form(x, route, &form);
    if (rc == 0 && form)
        rc = run_page(x, route, form);
    web_form_free(form);
    return rc;
}

static bool no_session_lives(const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                             void *context)
{
    (void)token_hash;
    (void)context;
    return false;
}

/* A device the district revoked (its sync loop got the hub's notice and wiped it, here or in
 * another process): every key this process holds is wiped, a wipe left pending completed,
 * and every page but the language switch is the revoked page. *answered: this was it. */
static int gate_revoked(struct post_exchange *x, bool *answered)
{
    struct node_wipe_state state;
    *answered = false;
    int rc = node_wipe_state(x->store, &state);
    if (rc != 0 || !state.revoked)
        return rc;
    session_keys_sweep(x->app->keys, no_session_lives, NULL);
    if (!state.done && node_wipe_resume(x->store) == 0)
        node_wipe_state(x->store, &state);
    bool known = false;
    const struct post_route *route = post_route_find(x->req->method, x->req->path, &known);
    if (route && route->run == page_language)
        return 0;
    *answered = true;
    return page_revoked(x, &state);
}

int post_app_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct post_app *app = ctx;
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (strncmp(req->path, WEB_ASSET_PREFIX, strlen(WEB_ASSET_PREFIX)) == 0) {
        if (get)
            return web_asset_serve(req, resp);
        resp->allow = "GET, HEAD";
        return web_response_text(resp, 405, "Assets are read with GET.\n");
    }
    if (web_request_check(req) != 0)
        return web_response_text(resp, 431, "Too many headers, cookies or query arguments.\n");
    char lang[8] = "";
    web_request_cookie(req, MSG_LANG_COOKIE, lang, sizeof lang);
    struct post_exchange x;
    memset(&x, 0, sizeof x);
    x.app = app;
    x.store = app->store;
    x.req = req;
    x.resp = resp;
    x.lang = msg_lang_from(lang);
    x.now_s = (int64_t)time(NULL);
    pthread_mutex_lock(&app->lock);
    bool answered = false;
    int rc = gate_revoked(&x, &answered);
    if (rc == 0 && !answered)
        rc = find_caller(&x);
    if (rc == 0 && !answered)
        rc = dispatch(&x);
    pthread_mutex_unlock(&app->lock);
    return rc;
}
