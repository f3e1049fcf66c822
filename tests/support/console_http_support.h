/* The district console as an office reaches it, for benchmarks: the real daemon
 * (`sae-hub serve`, the program make built) on a free 127.0.0.1 port, serving a hub
 * directory made by `sae-hub init` whose hub.db the benchmark builds (case_world), and one
 * signed-in coordinator's libcurl client (certificate verified, key pinned, one kept-alive
 * connection, cookies kept).
 *
 * The program is $SAE_HUB_BIN when set, else the sae-hub beside the benchmark's folder
 * (build/sae-hub for build/bench/bench_console). The daemon's log goes to DIR/serve.log. The hub.db the
 * benchmark builds carries a public key of its own, not hub.key's: only posts' pushes
 * would notice, and these benchmarks read the console only. */
#ifndef CONSOLE_HTTP_SUPPORT_H
#define CONSOLE_HTTP_SUPPORT_H

#include <curl/curl.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "http_body.h"
#include "net/tls_cert.h"
#include "store/hub_store.h"

struct console_http {
    char dir[PATH_MAX], cert[PATH_MAX], log[PATH_MAX], pin[TLS_CERT_PIN_BYTES], base[64];
    pid_t daemon; /* 0: not running */
    CURL *easy;
    struct http_body body; /* the last answer's */
};

/* Makes the hub directory hub_dir with `sae-hub init` and removes its hub.db, whose path
 * goes to db_path (size bytes): the benchmark builds its own there. */
int console_http_prepare(struct console_http *c, const char *hub_dir, char *db_path,
                         size_t size);
/* Makes a coordinator account in store (the prepared hub.db), starts `sae-hub serve` on
 * the directory and signs in. */
int console_http_start(struct console_http *c, struct hub_store *store, int64_t now_ms);
/* The same for a console this process serves (bench_hub_support.h's hb_hub_start_console)
 * at base ("https://127.0.0.1:PORT") with the certificate cert: the account and the
 * signed-in client only; console_http_stop ends the client. */
int console_http_attach(struct console_http *c, struct hub_store *store, const char *cert,
                        const char *base, int64_t now_ms);
/* GET path; 0 only for a 200 answer (its body in c->body). */
int console_http_get(struct console_http *c, const char *path);
/* Ends the client, then the daemon (SIGTERM, and waits for it). */
void console_http_stop(struct console_http *c);

#endif
