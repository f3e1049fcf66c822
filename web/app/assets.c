/* Built-in static assets (assets.h). */
#include "app/assets.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "app/web_request.h"
#include "app/web_response.h"

/* Generated from web/assets/ by the Makefile (scripts/embed_file.sh). */
extern const unsigned char web_asset_console_css[];
extern const size_t web_asset_console_css_len;
extern const unsigned char web_asset_post_css[];
extern const size_t web_asset_post_css_len;

static struct web_asset ASSETS[] = {
    {"console.css", "text/css; charset=utf-8", web_asset_console_css, 0, ""},
    {"post.css", "text/css; charset=utf-8", web_asset_post_css, 0, ""},
};

#define ASSET_COUNT (sizeof ASSETS / sizeof ASSETS[0])

int web_assets_init(void)
{
    ASSETS[0].len = web_asset_console_css_len;
    ASSETS[1].len = web_asset_post_css_len;
    for (size_t i = 0; i < ASSET_COUNT; i++) {
        unsigned char hash[8];
        if (crypto_generichash(hash, sizeof hash, ASSETS[i].bytes, ASSETS[i].len, NULL, 0) != 0)
            return SAE_ECRYPTO;
        sodium_bin2hex(ASSETS[i].etag, sizeof ASSETS[i].etag, hash, sizeof hash);
    }
    return 0;
}

int web_asset_find(const char *name, const struct web_asset **out)
{
    for (size_t i = 0; name && i < ASSET_COUNT; i++) {
        if (strcmp(ASSETS[i].name, name) == 0) {
            *out = &ASSETS[i];
            return 0;
        }
    }
    return SAE_ENOTFOUND;
}

static int not_found(struct http_response *resp)
{
    return web_response_text(resp, 404, "No such asset.\n");
}

int web_asset_serve(const struct http_request *req, struct http_response *resp)
{
    const struct web_asset *asset = NULL;
    const char *name = strncmp(req->path, WEB_ASSET_PREFIX, strlen(WEB_ASSET_PREFIX)) == 0
                           ? req->path + strlen(WEB_ASSET_PREFIX)
                           : NULL;
    if (web_asset_find(name, &asset) != 0 || asset->etag[0] == '\0')
        return not_found(resp);
    char quoted[WEB_ASSET_ETAG_BYTES + 2];
    char given[WEB_HEADER_BYTES];
    memcpy(quoted + 1, asset->etag, WEB_ASSET_ETAG_BYTES - 1);
    quoted[0] = quoted[WEB_ASSET_ETAG_BYTES] = '"';
    quoted[WEB_ASSET_ETAG_BYTES + 1] = '\0';
    int rc = web_response_header(resp, "ETag", quoted);
    if (rc != 0)
        return rc;
    resp->cache_control = WEB_ASSET_MAX_AGE;
    if (web_request_header(req, "If-None-Match", given, sizeof given) == 0 &&
        strcmp(given, quoted) == 0) {
        rc = web_response_security(resp);
        resp->status = 304;
        return rc;
    }
    uint8_t *copy = malloc(asset->len);
    if (!copy)
        return SAE_ENOMEM;
    memcpy(copy, asset->bytes, asset->len);
    return web_response_body(resp, 200, asset->content_type, copy, asset->len);
}
