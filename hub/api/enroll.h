/* Enrollment: one-time tokens made by `nodes add`, the bundle a post receives, and the
 * redemption of a token by the post's first request. */
#ifndef HUB_ENROLL_H
#define HUB_ENROLL_H

#include <stdint.h>
#include <sodium.h>

#include "store/hub_store.h"

#define ENROLL_TOKEN_BYTES 32
/* base64url without padding of ENROLL_TOKEN_BYTES, plus NUL. */
#define ENROLL_TOKEN_TEXT_BYTES 44
#define ENROLL_DAYS_DEFAULT 7
#define ENROLL_DAYS_MAX 90
#define ENROLL_BUNDLE_FORMAT "sae-enrollment-bundle/1"

/* Makes a token for a device of village, valid until now + valid_ms; only its hash is
 * stored. */
int enroll_token_create(struct hub_store *store, const char *village, int64_t now_ms,
                        int64_t valid_ms, char token[ENROLL_TOKEN_TEXT_BYTES]);

/* What the hub puts in a bundle. */
struct enroll_bundle {
    const char *hub_url;
    const uint8_t *hub_public_key; /* crypto_box_PUBLICKEYBYTES */
    uint64_t hub_id;
    const char *tls_certificate_pem; /* what the hub serves, for people: posts pin keys */
    const char *tls_pin;           /* the served key's pin, libcurl's "sha256//..." */
    const char *tls_backup_pin;    /* the backup key's pin, or NULL */
    const char *village;
    const char *token;
    int64_t expires_ms;
};

/* Writes bundle as JSON to path, mode 0600, never over an existing file (SAE_EEXIST). */
int enroll_bundle_write(const char *path, const struct enroll_bundle *bundle,
                        struct sae_message *why);

/* Redeems token for the device with public key pk, in one write transaction. A token
 * redeemed before by the same key succeeds again, even after its validity ended (the post
 * retries after a lost answer); a fresh token presented by a live key enrolled already for
 * the token's village gives that enrollment back and is spent. On refusal nothing changes
 * (the token stays unspent), the function returns SAE_EPERM, *status is
 * SAE_STATUS_TOKEN_EXPIRED (unknown or expired), SAE_STATUS_TOKEN_REUSED (used by another
 * key), SAE_STATUS_REVOKED (the key was revoked) or SAE_STATUS_WRONG_VILLAGE (the key is
 * enrolled for another village), and why (may be NULL) holds the sentence for the post. */
int enroll_redeem(struct hub_store *store, const char *token,
                  const uint8_t pk[crypto_box_PUBLICKEYBYTES],
                  const char *device_name, int64_t now_ms, struct hub_node *node,
                  uint32_t *status, struct sae_message *why);

#endif
