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

/* A bundle's id, for people (nodes list, nodes cancel): 8 hex digits of its token's hash. */
#define ENROLL_BUNDLE_ID_BYTES 9

/* Makes a token for the device device_name of village (its code), valid until now +
 * valid_ms; only its hash is stored. bundle_id names it for people. */
int enroll_token_create(struct hub_store *store, const char *village, const char *device_name,
                        int64_t now_ms, int64_t valid_ms, char token[ENROLL_TOKEN_TEXT_BYTES],
                        char bundle_id[ENROLL_BUNDLE_ID_BYTES]);

/* The index of the next device of village (its code): how many bundles the village was
 * given before, so that no two of its devices share one. A post puts the letter of its index
 * on its cases' registration numbers (0: none, 1: "B", ...; sae_registration_suffix). Inside
 * the write transaction that creates the token. */
int enroll_device_index(struct hub_store *store, const char *village, int64_t *out);

/* Bundles not used (yet): pending, expired before use, or cancelled. */
enum enroll_state { ENROLL_PENDING, ENROLL_EXPIRED, ENROLL_CANCELLED };
struct enroll_pending {
    char bundle_id[ENROLL_BUNDLE_ID_BYTES];
    const char *village, *device_name; /* device_name "" for a bundle from before names */
    int64_t created_ms, expires_ms, cancelled_ms;
    enum enroll_state state;
};
typedef int (*enroll_bundle_visit_fn)(const struct enroll_pending *bundle, void *context);
int enroll_token_list(struct hub_store *store, int64_t now_ms, enroll_bundle_visit_fn visit,
                      void *context);

/* Cancels the pending bundle bundle_id (as enroll_token_list gives it): its token is
 * refused from now on. SAE_ENOTFOUND, SAE_EEXIST (used: revoke the device instead),
 * SAE_EDELETED (cancelled already). */
int enroll_token_cancel(struct hub_store *store, const char *bundle_id, int64_t now_ms);

/* What the hub puts in a bundle. */
struct enroll_bundle {
    const char *hub_url;
    const uint8_t *hub_public_key; /* crypto_box_PUBLICKEYBYTES */
    uint64_t hub_id;
    const char *tls_certificate_pem; /* what the hub serves, for people: posts pin keys */
    const char *tls_pin;           /* the served key's pin, libcurl's "sha256//..." */
    const char *tls_backup_pin;    /* the backup key's pin, or NULL */
    const char *village;           /* its code */
    const char *device_name;
    const char *bundle_id;
    const char *token;
    int64_t expires_ms;
    int64_t device_index; /* enroll_device_index */
};

/* Writes bundle as JSON to path, mode 0600, never over an existing file (SAE_EEXIST). */
int enroll_bundle_write(const char *path, const struct enroll_bundle *bundle,
                        struct sae_message *why);

/* Redeems token for the device with public key pk, in one write transaction. A token
 * redeemed before by the same key succeeds again, even after its validity ended (the post
 * retries after a lost answer); a fresh token presented by a live key enrolled already for
 * the token's village gives that enrollment back and is spent. On refusal nothing changes
 * (the token stays unspent), the function returns SAE_EPERM, *status is
 * SAE_STATUS_TOKEN_EXPIRED (unknown, expired or cancelled), SAE_STATUS_TOKEN_REUSED (used by
 * another key), SAE_STATUS_REVOKED (the key was revoked) or SAE_STATUS_WRONG_VILLAGE (the key is
 * enrolled for another village), and why (may be NULL) holds the sentence for the post.
 * A new device takes the name its bundle was made for (device_name: for older tokens). */
int enroll_redeem(struct hub_store *store, const char *token,
                  const uint8_t pk[crypto_box_PUBLICKEYBYTES],
                  const char *device_name, int64_t now_ms, struct hub_node *node,
                  uint32_t *status, struct sae_message *why);

#endif
