/* Enrollment: one-time tokens made by `nodes add`, the bundle a post receives, and the
 * redemption of a token by the post's first request. */
#ifndef HUB_ENROLL_H
#define HUB_ENROLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "store/hub_store.h"
#include "net/tls_cert.h"

/* A TLS key pin as libcurl takes it ("sha256//..."), with its NUL. */
#define ENROLL_PIN_BYTES TLS_CERT_PIN_BYTES

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
    bool downloadable; /* made by the console and not downloaded yet */
};
typedef int (*enroll_bundle_visit_fn)(const struct enroll_pending *bundle, void *context);
int enroll_token_list(struct hub_store *store, int64_t now_ms, enroll_bundle_visit_fn visit,
                      void *context);

/* Cancels the pending bundle bundle_id (as enroll_token_list gives it): its token is
 * refused from now on. SAE_ENOTFOUND, SAE_EEXIST (used: revoke the device instead),
 * SAE_EDELETED (cancelled already). */
int enroll_token_cancel(struct hub_store *store, const char *bundle_id, int64_t now_ms);

/* The console makes a bundle in two steps so that its secret is never stored:
 * enroll_bundle_prepare records the device (village code, name, validity, its place among
 * the village's devices) under a new bundle id with no token yet (nothing can redeem it);
 * enroll_bundle_issue, at its one download, makes the token, stores only its hash, and gives
 * what the bundle carries. Both inside the caller's write transaction. issue: SAE_ENOTFOUND
 * (no console bundle of that id), SAE_EEXIST (downloaded already), SAE_EDELETED
 * (cancelled), SAE_ERANGE (expired); *out untouched then. The caller wipes out->token. */
struct enroll_issued {
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    char device_name[SAE_WIRE_TEXT_BYTES + 1];
    int64_t expires_ms, device_index;
    char token[ENROLL_TOKEN_TEXT_BYTES];
};
int enroll_bundle_prepare(struct hub_store *store, const char *village, const char *device_name,
                          int64_t now_ms, int64_t valid_ms,
                          char bundle_id[ENROLL_BUNDLE_ID_BYTES]);
int enroll_bundle_issue(struct hub_store *store, const char *bundle_id, int64_t now_ms,
                        struct enroll_issued *out);

/* The hub's address as posts reach it (a bundle's hub_url): https://, at most
 * ENROLL_URL_BYTES bytes of UTF-8 on one line without spaces. 0 or SAE_EINVAL. */
#define ENROLL_URL_BYTES 512
int enroll_url_check(const char *url);

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
/* The bundle as JSON text with a final line break (malloc'd; it holds the token: free it
 * with sae_wipe_free(*text, *len)). */
int enroll_bundle_text(const struct enroll_bundle *bundle, char **text, size_t *len);

/* What every bundle of this hub carries beside its device: the hub's public key (from
 * store), the certificate served (dir/HUB_CERT_FILE, for people) and its key's pin, and
 * the backup key's pin while one is prepared (dir/HUB_TLS_BACKUP_KEY_FILE; "" otherwise). */
struct enroll_hub_keys {
    uint8_t public_key[crypto_box_PUBLICKEYBYTES];
    char *cert_pem;
    size_t cert_len;
    char pin[ENROLL_PIN_BYTES], backup_pin[ENROLL_PIN_BYTES];
};
int enroll_hub_keys_load(struct hub_store *store, const char *dir, struct enroll_hub_keys *out);
void enroll_hub_keys_free(struct enroll_hub_keys *keys);

/* Redeems token for the device with public key pk, in one write transaction. A token
 * redeemed before by the same key succeeds again, even after its validity ended (the post
 * retries after a lost answer); a fresh token presented by a live key enrolled already for
 * the token's village gives that enrollment back and is spent. On refusal nothing changes
 * (the token stays unspent), the function returns SAE_EPERM, *status is
 * SAE_STATUS_TOKEN_EXPIRED (unknown, expired or cancelled), SAE_STATUS_TOKEN_REUSED (used by
 * another key), SAE_STATUS_REVOKED (the key was revoked) or SAE_STATUS_WRONG_VILLAGE (the key is
 * enrolled for another village), and why (may be NULL) holds the sentence for the post.
 * A new device takes the name its bundle was made for (device_name: for older tokens).
 * storage_key (DEVICE_KEY_BYTES, or NULL: the post sent none) is recorded for the device in
 * the same transaction, at each enrollment a repeated one too: an enrolled device never
 * lacks the key it sent. */
int enroll_redeem(struct hub_store *store, const char *token,
                  const uint8_t pk[crypto_box_PUBLICKEYBYTES], const uint8_t *storage_key,
                  const char *device_name, int64_t now_ms, struct hub_node *node,
                  uint32_t *status, struct sae_message *why);

#endif
