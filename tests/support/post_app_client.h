/* A real `sae-node serve` for benchmarks of the post app: a staff account made with
 * `sae-node users add` (its passphrase piped in), the daemon started from the built program
 * ($SAE_NODE_BIN, else build/sae-node) on 127.0.0.1 and a free port, and one signed-in staff
 * member's libcurl client (one kept-alive connection, cookies kept), as a browser on the
 * post's computer uses it. */
#ifndef POST_APP_CLIENT_H
#define POST_APP_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http_body.h"
#include "sae/sae_error.h"

struct post_app_client {
    pid_t serve; /* 0: not running */
    char base[64];
    CURL *easy;
    struct http_body body; /* the last answer's */
};

/* Adds staff to the post in dir, serves it and signs in; why says what failed. */
int post_app_client_start(struct post_app_client *c, const char *dir, const char *staff,
                          struct sae_message *why);
/* GET path; 0 only for a 200 answer (its body in c->body). */
int post_app_client_get(struct post_app_client *c, const char *path);
/* Whether the last answer's body holds text. */
bool post_app_client_has(const struct post_app_client *c, const char *text);
/* Ends the daemon (SIGTERM, then waits for it) and the client. */
void post_app_client_stop(struct post_app_client *c);

#endif
