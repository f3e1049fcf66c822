/* The hub's revocation notice (proto/PROTOCOL.md section 8, "Revocation notice"): what a
 * hub answers, with HTTP 403, to a push or pull from a device the district revoked. It is
 * an envelope of type 7 (ErrorStatus) whose code is REVOKED (4), sealed from the hub's key to
 * the revoked device's own public key. A post wipes its survivors' data on this notice
 * alone: the box opens only with the hub's public key and the device's secret key, so no
 * one without the hub's secret key can make one, and a notice made for another device
 * opens to nothing here. A plain 403 (an older hub, or anything in the middle) is never a
 * notice. Revocation is final at the hub, so a notice replayed later still tells the truth. */
#ifndef SAE_REVOCATION_H
#define SAE_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "sae_hlc.h"
#include "sae_wire_limits.h"

/* What the post keeps of a notice: the hub's wall clock and HLC when it answered. */
struct sae_revocation_notice {
    uint64_t hub_time_ms; /* 0 when the hub sent none */
    sae_hlc hub_clock;
};

/* The notice to node_pk, sealed by the hub (hub_id is the origin id of hub_sk's public
 * key), of schema SAE_WIRE_SCHEMA_VERSION. Free *out with free(). Codes of
 * sae_envelope_seal and sae_error_status_encode. */
int sae_revocation_notice_seal(uint64_t hub_id, const uint8_t hub_sk[crypto_box_SECRETKEYBYTES],
                               const uint8_t node_pk[crypto_box_PUBLICKEYBYTES],
                               const struct sae_revocation_notice *notice,
                               const struct sae_limits *limits, uint8_t **out, size_t *out_len);

/* 0 and *out when body (an answer's bytes) is a notice sealed by hub_pk (whose id is hub_id)
 * to the holder of node_sk. Otherwise *out is untouched and: SAE_EPERM when the bytes do not
 * open as an envelope from that hub to this device (not the hub's word: never a reason to
 * wipe), SAE_EINVAL when they open but are not an ErrorStatus REVOKED of a schema this
 * program reads, SAE_ENOMEM. */
int sae_revocation_notice_open(const uint8_t *body, size_t len, uint64_t hub_id,
                               const uint8_t hub_pk[crypto_box_PUBLICKEYBYTES],
                               const uint8_t node_sk[crypto_box_SECRETKEYBYTES],
                               const struct sae_limits *limits, struct sae_revocation_notice *out);

#endif
