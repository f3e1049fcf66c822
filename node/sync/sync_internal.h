/* One round of sync.c, shared with its two halves: the push (sync_push.c) and the pull
 * (sync_pull.c). Private to node/sync. */
#ifndef SYNC_INTERNAL_H
#define SYNC_INTERNAL_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_hlc.h"
#include "sae/sae_pins.h"
#include "sae/sae_revocation.h"
#include "sae/sae_wire.h"
#include "store/hub_link.h"
#include "store/node_store.h"
#include "sync/sync.h"
#include "sync/transport.h"

/* Everything one round needs, with the post's secret key wiped at the end. */
struct round {
    struct node_store *store;
    struct transport *transport;
    const struct hub_link *link;
    char pins[SAE_PINS_TEXT_BYTES]; /* trusted now: the link's, then as announced */
    struct sync_result *result;
    struct sae_message *why;
    struct sae_limits limits;
    uint8_t secret_key[crypto_box_SECRETKEYBYTES];
    uint8_t public_key[crypto_box_PUBLICKEYBYTES];
    unsigned refused_code; /* the code of the hub's last sealed refusal, 0: none */
    bool pulled_from_zero; /* this round pulled again from 0 after an unknown cursor */
    uint32_t hub_schema; /* the schema of the hub's answers, recorded this round; 0: not yet */
    struct sae_revocation_notice notice; /* the hub's, when it revoked this device */
};

/* What every request carries as its clock (schema 2). */
sae_hlc sync_request_clock(void);
/* The post's changes waiting to be sent; -1 when they cannot be counted. */
int64_t sync_pending_count(struct node_store *store);
/* The hub's clock and wall time, as an answer brought them (hub_time_ms 0: none). */
int sync_observe_hub_clock(struct round *r, sae_hlc hub_clock, uint64_t hub_time_ms);
/* What every answer of a pull or a push tells of the hub, inside the transaction that
 * applies it: its clock and wall time, and (once a round) the schema it answered in. */
int sync_observe_answer(struct round *r, uint32_t schema, sae_hlc hub_clock,
                        uint64_t hub_time_ms);
/* Rolls back an answer's transaction, and with it what sync_observe_answer recorded. */
void sync_rollback(struct round *r);
/* Seals plain (len bytes, freed) as type, posts it to path and opens a 200 answer of type
 * want into *answer; what names the exchange in r->why's explanations. */
int sync_exchange(struct round *r, const char *path, uint8_t type, uint8_t *plain, size_t len,
                  uint8_t want, uint8_t **answer, size_t *answer_len, const char *what);

/* Re-dates what the clock got wrong and pushes every change the hub lacks (sync_push.c). */
int sync_push_all(struct round *r);
/* Pulls until the hub has nothing more, applying each answer in one transaction
 * (sync_pull.c). */
int sync_pull_all(struct round *r);

#endif
