#include "api/enroll.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "store/device_keys.h"
#include "store/hub_areas.h"
#include "sae/sae_envelope.h"
#include "sae/sae_hlc.h"
#include "sae/sae_wire.h"
#include "sae/sae_wipe.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"

static int token_hash(const char *token, uint8_t hash[crypto_generichash_BYTES])
{
    return crypto_generichash(hash, crypto_generichash_BYTES, (const unsigned char *)token, strlen(token), NULL, 0) == 0
               ? 0
               : SAE_ECRYPTO;
}

static const char token_insert_sql[] =
    "INSERT INTO enroll_token(token_hash, village, created_ms, expires_ms, device_name,"
    " bundle_id, device_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char token_select_sql[] =
    "SELECT village, expires_ms, used_ms, node_id, device_name, cancelled_ms"
    " FROM enroll_token WHERE token_hash = ?1";
/* A bundle's id, for people: the first bytes of its token's hash, in hex; a bundle the
 * console made keeps the id it had before its token existed (enroll_bundle_prepare). */
#define BUNDLE_ID_SQL "coalesce(bundle_id, lower(hex(substr(token_hash, 1, 4))))"
static const char token_list_sql[] =
    "SELECT " BUNDLE_ID_SQL ", village, coalesce(device_name, ''), created_ms, expires_ms,"
    " cancelled_ms, bundle_id IS NOT NULL AND downloaded_ms = 0"
    " FROM enroll_token WHERE used_ms = 0 ORDER BY created_ms, token_hash";
static const char issue_select_sql[] =
    "SELECT village, device_name, expires_ms, device_index, downloaded_ms, cancelled_ms"
    " FROM enroll_token WHERE bundle_id = ?1";
static const char issue_update_sql[] =
    "UPDATE enroll_token SET token_hash = ?2, downloaded_ms = ?3"
    " WHERE bundle_id = ?1 AND downloaded_ms = 0";
static const char token_cancel_sql[] =
    "UPDATE enroll_token SET cancelled_ms = ?2 WHERE " BUNDLE_ID_SQL " = ?1 AND used_ms = 0"
    " AND cancelled_ms = 0";
static const char token_state_sql[] =
    "SELECT count(*), coalesce(max(used_ms), 0), coalesce(max(cancelled_ms), 0)"
    " FROM enroll_token WHERE " BUNDLE_ID_SQL " = ?1";
static const char device_count_sql[] = "SELECT count(*) FROM enroll_token WHERE village = ?1";
static const char token_used_sql[] =
    "UPDATE enroll_token SET used_ms = ?2, node_id = ?3 WHERE token_hash = ?1";

static void bundle_id_of(const uint8_t hash[crypto_generichash_BYTES],
                         char out[ENROLL_BUNDLE_ID_BYTES])
{
    sodium_bin2hex(out, ENROLL_BUNDLE_ID_BYTES, hash, (ENROLL_BUNDLE_ID_BYTES - 1) / 2);
}

/* A fresh token (text) and its hash. */
static int token_new(char text[ENROLL_TOKEN_TEXT_BYTES], uint8_t hash[crypto_generichash_BYTES])
{
    uint8_t raw[ENROLL_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(text, ENROLL_TOKEN_TEXT_BYTES, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return token_hash(text, hash);
}

/* One row of enroll_token: hash (of a token, or a console bundle's placeholder), valid from
 * now_ms for valid_ms; bundle_id and device_index only for a console bundle (NULL, 0). */
static int insert_token(struct hub_store *store, const uint8_t hash[crypto_generichash_BYTES],
                        const char *village, const char *device_name, int64_t now_ms,
                        int64_t valid_ms, const char *bundle_id, int64_t device_index)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t times[] = {now_ms, now_ms + valid_ms};
    int rc = hub_store_prepare(store, token_insert_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, hash, crypto_generichash_BYTES);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, village);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 3, times, 2);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, device_name);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 6, bundle_id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 7, device_index);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int enroll_token_create(struct hub_store *store, const char *village, const char *device_name,
                        int64_t now_ms, int64_t valid_ms, char token[ENROLL_TOKEN_TEXT_BYTES],
                        char bundle_id[ENROLL_BUNDLE_ID_BYTES])
{
    uint8_t hash[crypto_generichash_BYTES];
    char text[ENROLL_TOKEN_TEXT_BYTES];
    int rc = token_new(text, hash);
    if (rc == 0)
        rc = insert_token(store, hash, village, device_name, now_ms, valid_ms, NULL, 0);
    if (rc == 0) {
        memcpy(token, text, sizeof text);
        bundle_id_of(hash, bundle_id);
    }
    sodium_memzero(text, sizeof text);
    return rc;
}

int enroll_device_index(struct hub_store *store, const char *village, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, device_count_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, village);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ECORRUPT;
    }
    sae_db_reset(stmt);
    return rc;
}

static json_t *pins_json(const struct enroll_bundle *b)
{
    json_t *pins = json_array();
    if (pins && json_array_append_new(pins, json_string(b->tls_pin)) != 0) {
        json_decref(pins);
        return NULL;
    }
    if (pins && b->tls_backup_pin &&
        json_array_append_new(pins, json_string(b->tls_backup_pin)) != 0) {
        json_decref(pins);
        return NULL;
    }
    return pins;
}

static json_t *bundle_json(const struct enroll_bundle *b)
{
    char key[sodium_base64_ENCODED_LEN(crypto_box_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL)], id[17];
    char expires[SAE_HLC_TIME_LEN + 1];
    sae_hlc expiry = 0;
    sodium_bin2base64(key, sizeof key, b->hub_public_key, crypto_box_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL);
    snprintf(id, sizeof id, "%016llx", (unsigned long long)b->hub_id);
    if (sae_hlc_pack((uint64_t)b->expires_ms, 0, &expiry) != 0)
        return NULL;
    sae_hlc_format_time(expiry, expires);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o*, s:s, s:s, s:I, s:s, s:s, s:s}",
                     "format", ENROLL_BUNDLE_FORMAT, "hub_url", b->hub_url, "hub_public_key",
                     key, "hub_id", id, "tls_certificate", b->tls_certificate_pem, "tls_pin",
                     b->tls_pin, "tls_pins", pins_json(b), "village", b->village,
                     "device_name", b->device_name, "device_index", (json_int_t)b->device_index,
                     "bundle", b->bundle_id, "token", b->token, "expires", expires);
}

int enroll_bundle_text(const struct enroll_bundle *bundle, char **text, size_t *len)
{
    json_t *json = bundle_json(bundle);
    char *dumped = json ? json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(json);
    if (!dumped)
        return SAE_ENOMEM;
    size_t n = strlen(dumped);
    char *out = malloc(n + 2);
    if (out) {
        memcpy(out, dumped, n);
        memcpy(out + n, "\n", 2);
    }
    sae_wipe_free(dumped, n);
    if (!out)
        return SAE_ENOMEM;
    *text = out;
    *len = n + 1;
    return 0;
}

int enroll_bundle_write(const char *path, const struct enroll_bundle *bundle,
                        struct sae_message *why)
{
    char *text = NULL;
    size_t len = 0;
    int rc = enroll_bundle_text(bundle, &text, &len);
    if (rc != 0)
        return rc;
    /* O_EXCL: a bundle holds a live token; never overwrite, never follow a link. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = errno == EEXIST ? SAE_EEXIST : SAE_EIO;
        sae_message_set(why, rc == SAE_EEXIST ? "%s already exists; choose another file name"
                                              : "cannot create %s: %s", path, strerror(errno));
    } else if (fchmod(fd, 0600) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        sae_message_set(why, "cannot write %s: %s", path, strerror(errno));
        rc = SAE_EIO;
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = SAE_EIO;
    if (rc != 0 && fd >= 0)
        unlink(path);
    sae_wipe_free(text, len);
    return rc;
}

int enroll_url_check(const char *url)
{
    return url && strncmp(url, "https://", 8) == 0 && strlen(url) > 8 &&
                   sae_validate_name(url, ENROLL_URL_BYTES) == 0 && !strchr(url, ' ')
               ? 0
               : SAE_EINVAL;
}

static char *dir_path(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", dir, name);
    return path;
}

int enroll_hub_keys_load(struct hub_store *store, const char *dir, struct enroll_hub_keys *out)
{
    struct enroll_hub_keys keys = {.cert_pem = NULL};
    char *cert = dir_path(dir, HUB_CERT_FILE), *backup = dir_path(dir, HUB_TLS_BACKUP_KEY_FILE);
    int rc = cert && backup ? tls_pem_read(cert, &keys.cert_pem, &keys.cert_len) : SAE_ENOMEM;
    if (rc == 0)
        rc = tls_cert_pin(cert, keys.pin, sizeof keys.pin);
    /* A prepared backup key rides along: the post then survives the roll. */
    if (rc == 0 && access(backup, F_OK) == 0)
        rc = tls_key_pin(backup, keys.backup_pin, sizeof keys.backup_pin);
    if (rc == 0)
        rc = hub_store_public_key(store, keys.public_key);
    free(cert);
    free(backup);
    if (rc != 0)
        enroll_hub_keys_free(&keys);
    else
        *out = keys;
    return rc;
}

void enroll_hub_keys_free(struct enroll_hub_keys *keys)
{
    tls_pem_free(keys->cert_pem, keys->cert_len);
    keys->cert_pem = NULL;
}

struct token_row {
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    char device_name[SAE_WIRE_TEXT_BYTES + 1]; /* "" for a token from before names */
    int64_t expires_ms, used_ms, node_id, cancelled_ms;
};

static int load_token(struct hub_store *store, const uint8_t hash[crypto_generichash_BYTES], struct token_row *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, token_select_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, hash, crypto_generichash_BYTES);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, out->village, sizeof out->village);
        out->expires_ms = sqlite3_column_int64(stmt, 1);
        out->used_ms = sqlite3_column_int64(stmt, 2);
        out->node_id = sqlite3_column_int64(stmt, 3);
        sae_db_column_copy(stmt, 4, out->device_name, sizeof out->device_name);
        out->cancelled_ms = sqlite3_column_int64(stmt, 5);
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static int mark_used(struct hub_store *store, const uint8_t hash[crypto_generichash_BYTES], uint64_t node_id,
                     int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t params[] = {now_ms, (int64_t)node_id};
    int rc = hub_store_prepare(store, token_used_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, hash, crypto_generichash_BYTES);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 2, params, 2);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* A key enrolled before: a revoked one stays revoked, and a device never moves to another
 * village (the token of another village stays unspent for the device it was made for). */
static int check_enrolled(struct hub_store *store, const struct hub_node *known,
                          const struct token_row *token, uint32_t *status,
                          struct sae_message *why)
{
    if (known->revoked_ms != 0) {
        *status = SAE_STATUS_REVOKED;
        sae_message_set(why, "this device was revoked by the district");
        return SAE_EPERM;
    }
    if (strcmp(known->village, token->village) != 0) {
        char label[SAE_AREA_LABEL_BYTES];
        hub_areas_label(store, known->village, label);
        *status = SAE_STATUS_WRONG_VILLAGE;
        sae_message_set(why, "this device is enrolled for %s (%s) and cannot move to another "
                        "village; use a bundle for it, or enroll another device", label,
                        known->village);
        return SAE_EPERM;
    }
    return 0;
}

static int redeem_locked(struct hub_store *store, const uint8_t hash[crypto_generichash_BYTES],
                         const uint8_t pk[crypto_box_PUBLICKEYBYTES],
                         const char *device_name, int64_t now_ms, struct hub_node *node,
                         uint32_t *status, struct sae_message *why)
{
    struct token_row token;
    uint64_t id = 0;
    int rc = sae_origin_from_public_key(pk, &id);
    if (rc == 0)
        rc = load_token(store, hash, &token);
    if (rc == 0 && token.cancelled_ms != 0) {
        *status = SAE_STATUS_TOKEN_EXPIRED;
        sae_message_set(why, "this bundle was cancelled by the district; ask the district for a "
                        "new bundle");
        return SAE_EPERM;
    }
    if (rc == SAE_ENOTFOUND || (rc == 0 && token.used_ms == 0 && token.expires_ms <= now_ms)) {
        *status = SAE_STATUS_TOKEN_EXPIRED;
        sae_message_set(why, "this enrollment token is unknown or expired; ask the district "
                        "for a new bundle");
        return SAE_EPERM;
    }
    if (rc != 0)
        return rc;
    if (token.used_ms != 0) {
        /* The same device asking again (its answer was lost) gets the same answer, also
         * after the token's validity ended. */
        if ((uint64_t)token.node_id == id)
            return hub_store_node_get(store, id, node);
        *status = SAE_STATUS_TOKEN_REUSED;
        sae_message_set(why, "this enrollment token was used already; ask the district for a "
                        "new bundle");
        return SAE_EPERM;
    }
    struct hub_node known;
    rc = hub_store_node_get(store, id, &known);
    if (rc == 0)
        rc = check_enrolled(store, &known, &token, status, why);
    else if (rc == SAE_ENOTFOUND) {
        known = (struct hub_node){.id = id, .enrolled_ms = now_ms};
        snprintf(known.village, sizeof known.village, "%s", token.village);
        /* The district named the device when it made the bundle; the post's own word is
         * for tokens from before names. */
        snprintf(known.device_name, sizeof known.device_name, "%s",
                 token.device_name[0] ? token.device_name : device_name);
        memcpy(known.public_key, pk, crypto_box_PUBLICKEYBYTES);
        rc = hub_store_node_add(store, &known);
    }
    /* A live key of the token's village (a post that asked for a second bundle) gets its
     * enrollment back, and the token is spent on it. */
    if (rc == 0)
        rc = mark_used(store, hash, id, now_ms);
    if (rc == 0)
        *node = known;
    return rc;
}

int enroll_redeem(struct hub_store *store, const char *token, const uint8_t pk[crypto_box_PUBLICKEYBYTES],
                  const uint8_t *storage_key, const char *device_name, int64_t now_ms, struct hub_node *node,
                  uint32_t *status, struct sae_message *why)
{
    uint8_t hash[crypto_generichash_BYTES];
    int rc = token_hash(token, hash);
    if (rc == 0)
        rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = redeem_locked(store, hash, pk, device_name, now_ms, node, status, why);
    if (rc == 0 && storage_key)
        rc = device_keys_set(store, node->id, storage_key);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}

int enroll_token_list(struct hub_store *store, int64_t now_ms, enroll_bundle_visit_fn visit,
                      void *context)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0, rc = hub_store_prepare(store, token_list_sql, &stmt);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct enroll_pending b = {
            .village = (const char *)sqlite3_column_text(stmt, 1),
            .device_name = (const char *)sqlite3_column_text(stmt, 2),
            .created_ms = sqlite3_column_int64(stmt, 3),
            .expires_ms = sqlite3_column_int64(stmt, 4),
            .cancelled_ms = sqlite3_column_int64(stmt, 5),
            .downloadable = sqlite3_column_int(stmt, 6) != 0,
        };
        sae_db_column_copy(stmt, 0, b.bundle_id, sizeof b.bundle_id);
        b.state = b.cancelled_ms ? ENROLL_CANCELLED
                  : b.expires_ms <= now_ms ? ENROLL_EXPIRED : ENROLL_PENDING;
        err = b.village && b.device_name ? visit(&b, context) : SAE_ECORRUPT;
        rc = 0;
    }
    sae_db_reset(stmt);
    return err ? err : rc;
}

/* Why a bundle id cancelled nothing: SAE_ENOTFOUND (no such bundle), SAE_EEXIST (used
 * already: revoke the device instead), SAE_EDELETED (cancelled already). */
static int cancel_refusal(struct hub_store *store, const char *bundle_id)
{
    sqlite3_stmt *stmt = NULL;
    int64_t count = 0, used = 0, cancelled = 0;
    int rc = hub_store_prepare(store, token_state_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, bundle_id);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        count = sqlite3_column_int64(stmt, 0);
        used = sqlite3_column_int64(stmt, 1);
        cancelled = sqlite3_column_int64(stmt, 2);
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc != 0)
        return rc;
    return count == 0 ? SAE_ENOTFOUND : used ? SAE_EEXIST : cancelled ? SAE_EDELETED : SAE_EDB;
}

int enroll_token_cancel(struct hub_store *store, const char *bundle_id, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = hub_store_prepare(store, token_cancel_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, bundle_id);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    /* One id may name two bundles (8 hex digits of a hash): both are cancelled, never one
     * left usable by a mistake. */
    if (rc == 0 && sae_db_changes(store->db) == 0)
        rc = cancel_refusal(store, bundle_id);
    rc = rc == 0 ? hub_store_commit(store) : rc;
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}

/* The row a console bundle starts as: a random hash no token has (nothing can redeem it),
 * whose first bytes name the bundle for good. */
int enroll_bundle_prepare(struct hub_store *store, const char *village, const char *device_name,
                          int64_t now_ms, int64_t valid_ms,
                          char bundle_id[ENROLL_BUNDLE_ID_BYTES])
{
    uint8_t placeholder[crypto_generichash_BYTES];
    char id[ENROLL_BUNDLE_ID_BYTES];
    int64_t device_index = 0;
    randombytes_buf(placeholder, sizeof placeholder);
    bundle_id_of(placeholder, id);
    int rc = enroll_device_index(store, village, &device_index);
    if (rc == 0)
        rc = insert_token(store, placeholder, village, device_name, now_ms, valid_ms, id,
                          device_index);
    if (rc == 0)
        memcpy(bundle_id, id, sizeof id);
    return rc;
}

static int issue_refusal(const struct enroll_issued *row, int64_t downloaded_ms,
                         int64_t cancelled_ms, int64_t now_ms)
{
    if (cancelled_ms)
        return SAE_EDELETED;
    if (downloaded_ms)
        return SAE_EEXIST;
    return row->expires_ms <= now_ms ? SAE_ERANGE : 0;
}

static int issue_load(struct hub_store *store, const char *bundle_id, int64_t now_ms,
                      struct enroll_issued *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, issue_select_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, bundle_id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, out->village, sizeof out->village);
        sae_db_column_copy(stmt, 1, out->device_name, sizeof out->device_name);
        out->expires_ms = sqlite3_column_int64(stmt, 2);
        out->device_index = sqlite3_column_int64(stmt, 3);
        rc = issue_refusal(out, sqlite3_column_int64(stmt, 4), sqlite3_column_int64(stmt, 5),
                           now_ms);
    }
    sae_db_reset(stmt);
    return rc;
}

int enroll_bundle_issue(struct hub_store *store, const char *bundle_id, int64_t now_ms,
                        struct enroll_issued *out)
{
    uint8_t hash[crypto_generichash_BYTES];
    struct enroll_issued issued;
    memset(&issued, 0, sizeof issued);
    sqlite3_stmt *stmt = NULL;
    const int64_t downloaded = now_ms;
    int rc = issue_load(store, bundle_id, now_ms, &issued);
    if (rc == 0)
        rc = token_new(issued.token, hash);
    if (rc == 0)
        rc = hub_store_prepare(store, issue_update_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, bundle_id);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 2, hash, sizeof hash);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, downloaded);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        *out = issued;
    sodium_memzero(&issued, sizeof issued);
    return rc;
}
