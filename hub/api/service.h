/* The hub's endpoints (proto/PROTOCOL.md section 8): opens envelopes, runs enrollment,
 * merge and pull, and seals the answers. Thread-safe: every request takes a database
 * connection of its own from a small pool. */
#ifndef HUB_SERVICE_H
#define HUB_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"
#include "sae/sae_error.h"

struct hub_service;

struct hub_service_config {
    const char *db_path;
    const uint8_t *secret_key;   /* the hub's box secret key (copied) */
    const uint8_t *public_key;   /* and its public key */
    size_t connections;          /* database connections in the pool */
    int64_t drift_ms;            /* allowed clock drift of posts */
    int busy_timeout_ms;
    const char *tls_pin;         /* pin of the key the daemon serves (copied); NULL: none */
};

int hub_service_create(const struct hub_service_config *config, struct hub_service **out,
                       struct sae_message *why);
/* Zeroes the key and closes every connection. */
void hub_service_destroy(struct hub_service *service);

/* The pin of the key the daemon serves from now on (after it reloaded its certificate): pulls
 * announce it with the pins stored by `sae-hub tls` (store/announced_pins.h). SAE_EINVAL
 * for a pin not of the form sha256//BASE64. */
int hub_service_set_tls_pin(struct hub_service *service, const char *pin);

/* The http_handler_fn of the daemon; ctx is the struct hub_service. */
int hub_service_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
