/* The console's routing, its database pool and who is asking (console.h). */
#include "api/console_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/enroll.h"
#include "api/service.h"
#include "app/assets.h"
#include "sae/sae_validate.h"
#include "sae/sae_secure_mem.h"
#include "store/agency_key.h"
#include "store/district_key.h"
#include "store/value_vault.h"

static struct hub_store *checkout(struct console *c, size_t *slot);
static void checkin(struct console *c, size_t slot);

/* Once a second, requests or not, the keys of sessions that expired or ended are wiped. */
static void *key_sweeper(void *arg)
{
    struct console *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&c->stop, &c->lock, &until);
        if (c->stopping)
            break;
        pthread_mutex_unlock(&c->lock);
        struct console_exchange x = {.console = c, .now_s = (int64_t)time(NULL)};
        size_t slot = 0;
        x.store = checkout(c, &slot);
        console_keys_sweep(&x);
        checkin(c, slot);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

int console_create(const char *db_path, int busy_timeout_ms, struct console **out,
                   struct sae_message *why)
{
    struct console *c = calloc(1, sizeof *c);
    if (!c)
        return SAE_ENOMEM;
    session_limits_from_env(&c->limits, CONSOLE_ENV_IDLE_S, CONSOLE_ENV_ABSOLUTE_S);
    snprintf(c->dir, sizeof c->dir, "%s", db_path);
    char *slash = strrchr(c->dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(c->dir, sizeof c->dir, ".");
    int rc = pthread_mutex_init(&c->lock, NULL) == 0 && pthread_cond_init(&c->available, NULL) == 0
                 ? 0
                 : SAE_ENOMEM;
    if (rc == 0)
        rc = throttle_create(&c->throttle);
    if (rc == 0)
        rc = me_cache_create(&c->me_cache);
    if (rc == 0)
        rc = session_keys_create(&c->keys);
    if (rc == 0)
        rc = web_assets_init();
    for (size_t i = 0; rc == 0 && i < CONSOLE_CONNECTIONS; i++)
        rc = hub_store_open(db_path, busy_timeout_ms, &c->pool[i], why);
    if (rc == 0)
        rc = dup_prepare_start(db_path, c->dir, busy_timeout_ms, &c->dups);
    if (rc == 0)
        rc = pthread_cond_init(&c->stop, NULL) == 0 ? 0 : SAE_ENOMEM;
    if (rc == 0 && pthread_create(&c->sweeper, NULL, key_sweeper, c) != 0) {
        pthread_cond_destroy(&c->stop);
        rc = SAE_ENOMEM;
    }
    c->sweeper_started = rc == 0;
    if (rc != 0) {
        console_destroy(c);
        return rc;
    }
    *out = c;
    return 0;
}

int console_set_public_url(struct console *c, const char *url)
{
    if (enroll_url_check(url) != 0 || strlen(url) >= sizeof c->public_url)
        return SAE_EINVAL;
    snprintf(c->public_url, sizeof c->public_url, "%s", url);
    return 0;
}

void console_destroy(struct console *c)
{
    if (!c)
        return;
    if (c->sweeper_started) {
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->stop);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->sweeper, NULL);
        pthread_cond_destroy(&c->stop);
    }
    dup_prepare_stop(c->dups);
    for (size_t i = 0; i < CONSOLE_CONNECTIONS; i++)
        hub_store_close(c->pool[i]);
    throttle_destroy(c->throttle);
    me_cache_destroy(c->me_cache);
    session_keys_destroy(c->keys); /* wiped at exit */
    pthread_cond_destroy(&c->available);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static struct hub_store *checkout(struct console *c, size_t *slot)
{
    struct hub_store *store = NULL;
    pthread_mutex_lock(&c->lock);
    while (!store) {
        for (size_t i = 0; i < CONSOLE_CONNECTIONS && !store; i++) {
            if (!c->in_use[i]) {
                c->in_use[i] = true;
                store = c->pool[i];
                *slot = i;
            }
        }
        if (!store)
            pthread_cond_wait(&c->available, &c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return store;
}

static void checkin(struct console *c, size_t slot)
{
    pthread_mutex_lock(&c->lock);
    c->in_use[slot] = false;
    pthread_cond_signal(&c->available);
    pthread_mutex_unlock(&c->lock);
}

static bool has_prefix(const char *path, const char *prefix)
{
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

bool console_owns_path(const char *path)
{
    return path && (strcmp(path, "/console") == 0 || has_prefix(path, "/console/") ||
                    has_prefix(path, "/api/v1/") || strcmp(path, "/api/v1") == 0 ||
                    has_prefix(path, WEB_ASSET_PREFIX));
}

bool console_csrf_ok(const struct console_exchange *x, const char *given)
{
    return x->signed_in && session_csrf_equal(x->caller.csrf, given);
}

int console_csrf_refuse(struct console_exchange *x, bool api)
{
    int rc = hub_audit_append(x->store, x->caller.account.name, "csrf-refused", x->req->path,
                              x->caller.address, x->now_s * 1000);
    if (rc != 0)
        return rc;
    if (api)
        return console_api_error(x, 403, "csrf", "send the session's csrf token in "
                                 "X-CSRF-Token");
    return console_page_message(x, 403, MSG_FORBIDDEN);
}

/* The session of the request's cookie, when live and its account enabled; an expired
 * session is deleted. A session used is touched (its idle time starts again). */
static int find_caller(struct console_exchange *x)
{
    char token[WEB_COOKIE_BYTES];
    struct hub_session session;
    struct console_caller *caller = &x->caller;
    if (web_request_cookie(x->req, SESSION_COOKIE, token, sizeof token) != 0 ||
        session_token_hash(token, caller->token_hash) != 0)
        return 0;
    int rc = hub_session_get(x->store, caller->token_hash, &session);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (session_judge(&x->console->limits, x->now_s, session.created_s, session.seen_s) !=
        SESSION_LIVE)
        return hub_session_end(x->store, caller->token_hash);
    rc = hub_account_get(x->store, session.account, &caller->account);
    if (rc == SAE_ENOTFOUND || (rc == 0 && caller->account.disabled))
        return hub_session_end(x->store, caller->token_hash);
    /* Seen this second already: the same value again would cost a write transaction per
     * request (a page and its chart images arrive together). */
    if (rc == 0 && session.seen_s != x->now_s)
        rc = hub_session_touch(x->store, caller->token_hash, x->now_s);
    if (rc == 0) {
        memcpy(caller->csrf, session.csrf, sizeof caller->csrf);
        bool held = session_keys_held(x->console->keys, caller->token_hash);
        caller->holds_key = held && caller->account.role == HUB_ROLE_COORDINATOR;
        caller->holds_agency_key = held && caller->account.role == HUB_ROLE_PARTNER;
        x->signed_in = true;
    }
    return rc;
}

static int copy_key(const unsigned char *secret, void *context)
{
    return sae_secure_dup(secret, DISTRICT_KEY_BYTES, context);
}

/* A coordinator's request reads sensitive values opened with their session's district key
 * (store/value_vault.h): a copy in secure memory lent to the store for this request only,
 * wiped after it. Everyone else's reads give the mask. */
static int handle_with_key(struct console_exchange *x, const struct http_request *req)
{
    void *secret = NULL;
    int64_t agency = 0;
    unsigned char agency_public[AGENCY_KEY_BYTES];
    int rc = x->caller.holds_key || x->caller.holds_agency_key
                 ? session_keys_use(x->console->keys, x->caller.token_hash, copy_key, &secret)
                 : SAE_ENOTFOUND;
    /* A partner's key opens its agency's copies only: what consent gave the agency. */
    if (rc == 0 && x->caller.holds_agency_key)
        rc = agency_key_public(x->store, x->caller.account.agency, agency_public, &agency);
    if (rc != 0 && rc != SAE_ENOTFOUND) {
        sae_secure_free(secret);
        return rc;
    }
    if (rc == 0 && x->caller.holds_agency_key)
        agency_key_lend(x->store, agency_key_holder(agency), secret, false);
    else
        value_vault_lend(x->store, rc == 0 ? secret : NULL);
    rc = has_prefix(req->path, "/api/") ? console_api_handle(x) : console_pages_handle(x);
    value_vault_lend(x->store, NULL);
    sae_secure_free(secret);
    return rc;
}

int console_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct console *c = ctx;
    if (has_prefix(req->path, WEB_ASSET_PREFIX)) {
        if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
            resp->allow = "GET, HEAD";
            return web_response_text(resp, 405, "Assets are read with GET.\n");
        }
        return web_asset_serve(req, resp);
    }
    if (web_request_check(req) != 0)
        return web_response_text(resp, 431, "Too many headers, cookies or query arguments.\n");
    char lang[8] = "";
    web_request_cookie(req, MSG_LANG_COOKIE, lang, sizeof lang);
    struct console_exchange x;
    memset(&x, 0, sizeof x);
    x.console = c;
    x.req = req;
    x.resp = resp;
    x.lang = msg_lang_from(lang);
    x.caller.lang = x.lang;
    x.caller.address = req->peer;
    x.now_s = (int64_t)time(NULL);
    size_t slot = 0;
    x.store = checkout(c, &slot);
    console_keys_sweep(&x);
    int rc = find_caller(&x);
    if (rc == 0)
        rc = handle_with_key(&x, req);
    checkin(c, slot);
    return rc;
}

int hub_routes_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    const struct hub_routes *routes = ctx;
    if (console_owns_path(req->path)) {
        if (routes->console)
            return console_handle(routes->console, req, resp);
        return web_response_text(resp, 404, "The console is not served on this address.\n");
    }
    if (routes->service)
        return hub_service_handle(routes->service, req, resp);
    return web_response_text(resp, 404, "Not found; the console is under /console/.\n");
}
