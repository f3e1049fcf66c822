/* The hub's revocation notice (sae_revocation.h). */
#include "sae/sae_revocation.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_borrow.h"
#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "sae/sae_wire.h"

/* For people reading a captured answer; the post acts on the code alone. */
static const char NOTICE_TEXT[] = "this device was revoked by the district";

int sae_revocation_notice_seal(uint64_t hub_id, const uint8_t hub_sk[crypto_box_SECRETKEYBYTES],
                               const uint8_t node_pk[crypto_box_PUBLICKEYBYTES],
                               const struct sae_revocation_notice *notice,
                               const struct sae_limits *limits, uint8_t **out, size_t *out_len)
{
    struct sae_error_status status = {.schema_version = SAE_WIRE_SCHEMA_VERSION,
                                      .hub_clock = notice->hub_clock,
                                      .hub_time_ms = notice->hub_time_ms,
                                      .code = SAE_STATUS_REVOKED,
                                      .message = sae_borrow(NOTICE_TEXT)};
    uint8_t *plain = NULL;
    size_t len = 0;
    int rc = sae_error_status_encode(&status, limits, &plain, &len);
    if (rc != 0)
        return rc;
    rc = sae_envelope_seal(plain, len, SAE_MSG_ERROR_STATUS, hub_id, hub_sk, node_pk, limits,
                           out, out_len);
    sae_wire_buffer_free(plain, len);
    return rc;
}

struct hub_key {
    uint64_t id;
    const uint8_t *public_key;
};

/* Only the hub may have sealed it. */
static int lookup_hub(void *ctx, uint64_t sender, uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    const struct hub_key *hub = ctx;
    if (sender != hub->id)
        return SAE_ENOTFOUND;
    memcpy(pk, hub->public_key, crypto_box_PUBLICKEYBYTES);
    return 0;
}

int sae_revocation_notice_open(const uint8_t *body, size_t len, uint64_t hub_id,
                               const uint8_t hub_pk[crypto_box_PUBLICKEYBYTES],
                               const uint8_t node_sk[crypto_box_SECRETKEYBYTES],
                               const struct sae_limits *limits, struct sae_revocation_notice *out)
{
    struct hub_key hub = {hub_id, hub_pk};
    struct sae_error_status *status = NULL;
    uint8_t *plain = NULL, type = 0;
    size_t plain_len = 0;
    uint64_t sender = 0;
    if (!body)
        return SAE_EPERM;
    int rc = sae_envelope_open(body, len, lookup_hub, &hub, node_sk, limits, &type, &sender,
                               &plain, &plain_len);
    if (rc == SAE_ENOMEM)
        return rc;
    if (rc != 0)
        return SAE_EPERM;
    rc = type == SAE_MSG_ERROR_STATUS ? sae_error_status_decode(plain, plain_len, limits, &status)
                                      : SAE_EINVAL;
    sae_wire_buffer_free(plain, plain_len);
    if (rc == SAE_ENOMEM)
        return rc;
    if (rc != 0)
        return SAE_EINVAL;
    rc = status->code == SAE_STATUS_REVOKED ? 0 : SAE_EINVAL;
    if (rc == 0) {
        out->hub_time_ms = status->hub_time_ms;
        out->hub_clock = status->hub_clock;
    }
    sae_error_status_free(status);
    return rc;
}
