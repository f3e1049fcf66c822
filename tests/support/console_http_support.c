/* The console over real HTTPS, for benchmarks (console_http_support.h). */
#include "console_http_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/password.h"
#include "store/hub_accounts.h"

#define ACCOUNT "Bench Koordinator"
#define PASSWORD "bench-password-long-enough"

static size_t keep(char *data, size_t size, size_t count, void *context)
{
    struct console_http *c = context;
    size_t n = size * count;
    if (c->len + n + 1 > c->cap) {
        size_t cap = (c->len + n + 1) * 2;
        char *grown = realloc(c->body, cap);
        if (!grown)
            return 0;
        c->body = grown;
        c->cap = cap;
    }
    memcpy(c->body + c->len, data, n);
    c->len += n;
    c->body[c->len] = '\0';
    return n;
}

static void quiet(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

static int client(struct console_http *c)
{
    c->easy = curl_easy_init();
    if (!c->easy)
        return SAE_ENOMEM;
    CURLcode e = curl_easy_setopt(c->easy, CURLOPT_CAINFO, c->cert);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 1L);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_PINNEDPUBLICKEY, c->pin);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_COOKIEFILE, "");
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, keep);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, 300L);
    return e == CURLE_OK ? 0 : SAE_EIO;
}

static int perform(struct console_http *c, const char *path)
{
    char url[1024];
    long status = 0;
    c->len = 0;
    snprintf(url, sizeof url, "%s%s", c->base, path);
    CURLcode e = curl_easy_setopt(c->easy, CURLOPT_URL, url);
    if (e == CURLE_OK)
        e = curl_easy_perform(c->easy);
    if (e == CURLE_OK)
        e = curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    return e == CURLE_OK && status == 200 ? 0 : SAE_EIO;
}

static int sign_in(struct console_http *c)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!headers)
        return SAE_ENOMEM;
    CURLcode e = curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
    if (e == CURLE_OK)
        e = curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS,
                             "{\"name\": \"" ACCOUNT "\", \"password\": \"" PASSWORD "\"}");
    int rc = e == CURLE_OK ? perform(c, "/api/v1/session") : SAE_EIO;
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    curl_slist_free_all(headers);
    return rc;
}

int console_http_start(struct console_http *c, const char *dir, const char *db_path,
                       struct hub_store *store, int64_t now_ms)
{
    memset(c, 0, sizeof *c);
    char hash[PASSWORD_HASH_BYTES];
    struct sae_message why = {{0}};
    snprintf(c->cert, sizeof c->cert, "%s/tls.crt", dir);
    snprintf(c->key, sizeof c->key, "%s/tls.key", dir);
    int rc = password_hash(PASSWORD, hash);
    if (rc == 0)
        rc = hub_account_add(store, ACCOUNT, HUB_ROLE_COORDINATOR, NULL, hash, now_ms);
    if (rc == 0)
        rc = hub_account_accept_conduct(store, ACCOUNT, now_ms);
    if (rc == 0)
        rc = tls_cert_create_self_signed(NULL, 0, 30, c->cert, c->key);
    if (rc == 0)
        rc = tls_cert_pin(c->cert, c->pin, sizeof c->pin);
    if (rc == 0)
        rc = console_create(db_path, 5000, &c->console, &why);
    struct http_server_config config;
    http_server_config_default(&config);
    config.address = "127.0.0.1";
    config.port = 0;
    config.cert_pem_path = c->cert;
    config.key_pem_path = c->key;
    config.requests_per_second = 100000; /* one client asks as fast as it can */
    config.request_burst = 100000;
    if (rc == 0)
        rc = http_server_start(&config, console_handle, c->console, quiet, NULL, &c->server);
    if (rc == 0)
        snprintf(c->base, sizeof c->base, "https://127.0.0.1:%u",
                 (unsigned)http_server_port(c->server));
    if (rc == 0)
        rc = client(c);
    if (rc == 0)
        rc = sign_in(c);
    if (rc != 0)
        console_http_stop(c);
    return rc;
}

int console_http_get(struct console_http *c, const char *path)
{
    return perform(c, path);
}

void console_http_stop(struct console_http *c)
{
    if (c->easy)
        curl_easy_cleanup(c->easy);
    if (c->server)
        http_server_stop(c->server);
    console_destroy(c->console);
    free(c->body);
    memset(c, 0, sizeof *c);
}
