/* The district console served over real HTTPS in this process, as `sae-hub serve` serves it
 * (api/console.h's handler on the server of net/http_server.h, a self-signed certificate),
 * with one signed-in coordinator's libcurl client (certificate verified, key pinned, one
 * kept-alive connection, cookies kept): for benchmarks of the console's pages. */
#ifndef CONSOLE_HTTP_SUPPORT_H
#define CONSOLE_HTTP_SUPPORT_H

#include <curl/curl.h>
#include <limits.h>
#include <stddef.h>

#include "api/console.h"
#include "net/tls_cert.h"
#include "store/hub_store.h"

struct console_http {
    char cert[PATH_MAX], key[PATH_MAX], pin[TLS_CERT_PIN_BYTES], base[64];
    struct console *console;
    struct http_server *server;
    CURL *easy;
    char *body;
    size_t len, cap;
};

/* Makes a coordinator account in store (hub.db at db_path), a certificate in dir, serves
 * the console and signs in. */
int console_http_start(struct console_http *c, const char *dir, const char *db_path,
                       struct hub_store *store, int64_t now_ms);
/* GET path; 0 only for a 200 answer (its body in c->body, c->len bytes). */
int console_http_get(struct console_http *c, const char *path);
void console_http_stop(struct console_http *c);

#endif
