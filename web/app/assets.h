/* Static assets of the web pages, built into the program (scripts/embed_file.sh at build
 * time): a fixed table of names, so no request path ever reaches the file system (no path
 * traversal by construction). Each asset has an ETag (the first 16 hex digits of its
 * BLAKE2b hash) that pages put in its URL ("/assets/console.css?v=ETAG"), so it may be
 * cached for a year (WEB_ASSET_MAX_AGE) and a new build's asset is fetched anew. */
#ifndef WEB_ASSETS_H
#define WEB_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"
#include "sae/sae_error.h"

#define WEB_ASSET_PREFIX "/assets/"
#define WEB_ASSET_MAX_AGE "public, max-age=31536000, immutable"
#define WEB_ASSET_ETAG_BYTES 17u

struct web_asset {
    const char *name;         /* "console.css" */
    const char *content_type; /* "text/css; charset=utf-8" */
    const unsigned char *bytes;
    size_t len;
    char etag[WEB_ASSET_ETAG_BYTES];
};

/* Computes every asset's ETag; call once before serving. 0 or SAE_ECRYPTO. */
int web_assets_init(void);
/* The asset of that exact name (no directories), or SAE_ENOTFOUND. */
int web_asset_find(const char *name, const struct web_asset **out);
/* Answers GET path (WEB_ASSET_PREFIX + a name): 200 with the bytes, or 304 when the
 * If-None-Match header names its ETag, 404 for any other name. Returns 0 or SAE_ENOMEM. */
int web_asset_serve(const struct http_request *req, struct http_response *resp);

#endif
