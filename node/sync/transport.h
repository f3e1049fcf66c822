/* The post's HTTPS client to the hub (libcurl): one reused handle, the hub trusted by its
 * key pins alone, connect timeout and low-speed limit instead of a total timeout, no
 * signals. Bodies are sealed envelopes; this module only moves bytes and classifies what
 * happened. */
#ifndef NODE_TRANSPORT_H
#define NODE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"

/* How long to wait for a connection, and the slowest transfer tolerated (bytes per second
 * over a window) before giving up: a 2G link is slow but moves. */
#define TRANSPORT_CONNECT_TIMEOUT_S 30
#define TRANSPORT_LOW_SPEED_BYTES 100
#define TRANSPORT_LOW_SPEED_TIME_S 60
#define TRANSPORT_LOW_SPEED_TIME_MAX_S 600
/* Largest answer accepted: an envelope (2 MiB) and a little room. */
#define TRANSPORT_RESPONSE_MAX_BYTES (2u * 1024 * 1024 + 4096)

struct transport;

struct transport_config {
    const char *hub_url;          /* "https://host:port" (no trailing path) */
    const char *pins;             /* "sha256//..[;sha256//..]": the keys the hub may serve */
    int stall_seconds;            /* give up after this long under the low-speed limit:
                                   * 1..TRANSPORT_LOW_SPEED_TIME_MAX_S, 0 for the default */
};

/* The outcome of one request. */
enum transport_outcome {
    TRANSPORT_ANSWERED,     /* an HTTP status came back (any status) */
    TRANSPORT_UNREACHABLE,  /* no connection: DNS, refused, timeout, reset, TLS failure */
    TRANSPORT_PIN_MISMATCH, /* the server's key is none of the pins: never retried silently */
};

struct transport_response {
    enum transport_outcome outcome;
    long status;                  /* HTTP status when answered */
    uint8_t *body;                /* malloc'd; the caller frees (sae_wire_buffer_free) */
    size_t body_len;
    unsigned retry_after_seconds; /* from Retry-After (seconds form), 0 when absent */
    char error[256];              /* libcurl's words when not answered, for the log */
};

int transport_create(const struct transport_config *config, struct transport **out,
                     struct sae_message *why);
void transport_destroy(struct transport *t);

/* The keys trusted from the next connection on (the hub announced new ones); the one open
 * stays. SAE_EINVAL for pins not of the form sha256//BASE64[;...], SAE_ENOMEM. */
int transport_set_pins(struct transport *t, const char *pins);

/* POSTs body (application/octet-stream) to hub_url + path. Returns 0 whenever the request
 * ran (whatever the outcome), SAE_ENOMEM or SAE_EINVAL otherwise. A response over
 * TRANSPORT_RESPONSE_MAX_BYTES is cut off and reported as TRANSPORT_UNREACHABLE. */
int transport_post(struct transport *t, const char *path, const uint8_t *body, size_t len,
                   struct transport_response *out);

void transport_response_clear(struct transport_response *r);

/* Notes on transport_post, as implemented: SAE_EINVAL also for a body over
 * SAE_WIRE_ENVELOPE_BYTES, a NULL body with len > 0, or a path that does not start with '/'
 * or holds '?', '#', spaces or control bytes. A body over 256 KiB is sent with
 * "Expect: 100-continue" (a hub that refuses it answers 413 before any byte is sent); a
 * smaller one goes at once, saving a round trip. Retry-After is read in its seconds form
 * only, capped at a day; the date form gives 0 (a post's clock may be days off). An answer
 * is cut off at TRANSPORT_RESPONSE_MAX_BYTES whether or not it announces its length. */

/* How many connections the last transport_post opened (libcurl's CURLINFO_NUM_CONNECTS):
 * 0 when it reused the open one, 1 when it connected anew. For logs and round-trip
 * figures. Returns 0 or SAE_EINVAL. */
int transport_connections_opened(struct transport *t, long *out);

/* Process-wide libcurl set-up, once from main before any thread starts. */
int transport_global_init(void);
void transport_global_cleanup(void);

#endif
