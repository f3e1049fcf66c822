#include "store/hub_link.h"

#include <jansson.h>
#include <stdint.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_envelope.h"
#include "sae/sae_limits.h"
#include "sae/sae_registration.h"
#include "sae/sae_validate.h"
#include "store/node_meta.h"
#include "store/node_village.h"

void hub_link_clear(struct hub_link *link)
{
    free(link->certificate);
    sodium_memzero(link, sizeof *link);
}

static const char *bundle_text(json_t *root, const char *key)
{
    json_t *value = json_object_get(root, key);
    return json_is_string(value) ? json_string_value(value) : NULL;
}

static int copy_checked(const char *text, char *out, size_t size)
{
    if (!text || strlen(text) >= size || sae_validate_name(text, size - 1) != 0)
        return SAE_EINVAL;
    memcpy(out, text, strlen(text) + 1);
    return 0;
}

/* tls_pins (an array), else tls_pin (hubs before key rolls), joined for libcurl. */
static int bundle_pins(json_t *root, char out[SAE_PINS_TEXT_BYTES])
{
    uint8_t pins[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    char joined[SAE_PINS_TEXT_BYTES + SAE_PIN_TEXT_BYTES] = "";
    size_t count = 0, used = 0;
    json_t *list = json_object_get(root, "tls_pins"), *pin;
    size_t index;
    if (!list) {
        const char *one = bundle_text(root, "tls_pin");
        if (!one || strlen(one) >= sizeof joined)
            return SAE_EINVAL;
        snprintf(joined, sizeof joined, "%s", one);
    } else if (!json_is_array(list) || json_array_size(list) == 0 ||
               json_array_size(list) > SAE_WIRE_TLS_PINS_MAX) {
        return SAE_EINVAL;
    }
    json_array_foreach(list, index, pin) {
        const char *text = json_string_value(pin);
        if (!text || strlen(text) >= SAE_PIN_TEXT_BYTES)
            return SAE_EINVAL;
        used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%s", index ? ";" : "",
                                 text);
    }
    if (sae_pins_parse(joined, pins, SAE_WIRE_TLS_PINS_MAX, &count) != 0)
        return SAE_EINVAL;
    return sae_pins_format(pins, count, out, SAE_PINS_TEXT_BYTES);
}

/* Every field of the bundle, checked; why names the first one that is wrong. */
static int parse_bundle(json_t *root, struct hub_link *link, struct sae_message *why)
{
    const char *format = bundle_text(root, "format"), *key = bundle_text(root, "hub_public_key");
    const char *id = bundle_text(root, "hub_id"), *cert = bundle_text(root, "tls_certificate");
    size_t key_len = 0;
    uint64_t derived = 0;
    char *end = NULL;
    if (!format || strcmp(format, "sae-enrollment-bundle/1") != 0) {
        sae_message_set(why, "not an enrollment bundle of this version (format %.40s)",
                        format ? format : "missing");
        return SAE_EINVAL;
    }
    if (copy_checked(bundle_text(root, "hub_url"), link->url, sizeof link->url) != 0 ||
        strncmp(link->url, "https://", 8) != 0) {
        sae_message_set(why, "the bundle's hub_url is not an https:// address");
        return SAE_EINVAL;
    }
    if (!key || sodium_base642bin(link->public_key, sizeof link->public_key, key, strlen(key),
                                  NULL, &key_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        key_len != crypto_box_PUBLICKEYBYTES || sae_origin_from_public_key(link->public_key, &derived) != 0 || !id ||
        strlen(id) != 16 || (link->hub_id = strtoull(id, &end, 16), *end) ||
        link->hub_id != derived) {
        sae_message_set(why, "the bundle's hub key and hub id do not match; ask the district "
                        "for a new bundle");
        return SAE_EINVAL;
    }
    if ((cert && (strlen(cert) > HUB_LINK_BUNDLE_MAX_BYTES ||
                  !strstr(cert, "-----BEGIN CERTIFICATE-----"))) ||
        !(link->certificate = strdup(cert ? cert : ""))) {
        sae_message_set(why, "the bundle's tls_certificate is not a PEM certificate");
        return SAE_EINVAL;
    }
    if (bundle_pins(root, link->pins) != 0) {
        sae_message_set(why, "the bundle's TLS pins are missing or not sha256//BASE64 (1 to "
                        "%u of them)", SAE_WIRE_TLS_PINS_MAX);
        return SAE_EINVAL;
    }
    if (copy_checked(bundle_text(root, "village"), link->village, SAE_LIMIT_VILLAGE_BYTES + 1) ||
        copy_checked(bundle_text(root, "token"), link->token, sizeof link->token)) {
        sae_message_set(why, "the bundle's village or token is missing");
        return SAE_EINVAL;
    }
    /* Hubs before the list of areas wrote the village's name. */
    char code[SAE_AREA_CODE_BYTES];
    if (node_village_resolve(link->village, code, NULL) == 0)
        snprintf(link->village, sizeof link->village, "%s", code);
    /* Hubs before device letters gave none. */
    json_t *index = json_object_get(root, "device_index");
    char letter[SAE_REGISTRATION_SUFFIX_MAX + 1];
    link->device_index = index ? json_integer_value(index) : -1;
    if (index && (!json_is_integer(index) || link->device_index < 0 ||
                  link->device_index > UINT16_MAX ||
                  sae_registration_suffix((unsigned)link->device_index, letter) != 0)) {
        sae_message_set(why, "the bundle's device_index is not a device's number");
        return SAE_EINVAL;
    }
    const char *device = bundle_text(root, "device_name");
    if (device && copy_checked(device, link->device_name, sizeof link->device_name) != 0) {
        sae_message_set(why, "the bundle's device_name is not a name on one line");
        return SAE_EINVAL;
    }
    return 0;
}

/* The bundle in root (NULL: not JSON, error says why) as a link; name names it in why. */
static int bundle_from_json(json_t *root, const json_error_t *error, const char *name,
                            struct hub_link *out, struct sae_message *why)
{
    struct hub_link link;
    memset(&link, 0, sizeof link);
    if (!root) {
        sae_message_set(why, "cannot read the bundle %s: %s", name, error->text);
        return SAE_EINVAL;
    }
    int rc = json_is_object(root) ? parse_bundle(root, &link, why) : SAE_EINVAL;
    if (rc != 0 && why && !why->text[0])
        sae_message_set(why, "%s is not an enrollment bundle", name);
    json_decref(root);
    if (rc != 0) {
        hub_link_clear(&link);
        return rc;
    }
    *out = link;
    return 0;
}

int hub_link_read_bundle(const char *path, struct hub_link *out, struct sae_message *why)
{
    json_error_t error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    return bundle_from_json(root, &error, path, out, why);
}

int hub_link_parse_bundle(const char *bytes, size_t len, const char *name,
                          struct hub_link *out, struct sae_message *why)
{
    json_error_t error;
    if (len > HUB_LINK_BUNDLE_MAX_BYTES) {
        sae_message_set(why, "%s is larger than a bundle can be (%d bytes)", name,
                        HUB_LINK_BUNDLE_MAX_BYTES);
        return SAE_EINVAL;
    }
    json_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &error);
    return bundle_from_json(root, &error, name, out, why);
}

static const char save_sql[] =
    "INSERT OR REPLACE INTO hub(id, url, public_key, hub_id, certificate, pin, token,"
    " enrolled_ms) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char load_sql[] =
    "SELECT url, public_key, hub_id, certificate, pin, coalesce(token, ''), enrolled_ms"
    " FROM hub WHERE id = 1";
static const char save_pins_sql[] = "UPDATE hub SET pin = ?1 WHERE id = 1";
static const char mark_enrolled_sql[] =
    "UPDATE hub SET token = NULL, enrolled_ms = ?1 WHERE id = 1";

int hub_link_save(struct node_store *store, const struct hub_link *link)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, save_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, link->url);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 2, link->public_key, crypto_box_PUBLICKEYBYTES);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, (int64_t)link->hub_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, link->certificate);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, link->pins);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 6, link->token[0] ? link->token : NULL);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 7, link->enrolled_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int hub_link_load(struct node_store *store, struct hub_link *out)
{
    sqlite3_stmt *stmt = NULL;
    struct hub_link link;
    memset(&link, 0, sizeof link);
    int rc = sae_db_prepare_cached(store->db, &store->statements, load_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW && sqlite3_column_bytes(stmt, 1) != crypto_box_PUBLICKEYBYTES)
        rc = SAE_ECORRUPT;
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, link.url, sizeof link.url);
        memcpy(link.public_key, sqlite3_column_blob(stmt, 1), crypto_box_PUBLICKEYBYTES);
        link.hub_id = (uint64_t)sqlite3_column_int64(stmt, 2);
        sae_db_column_copy(stmt, 4, link.pins, sizeof link.pins);
        sae_db_column_copy(stmt, 5, link.token, sizeof link.token);
        snprintf(link.village, sizeof link.village, "%s", store->village);
        link.enrolled_ms = sqlite3_column_int64(stmt, 6);
        rc = sae_db_column_dup(stmt, 3, &link.certificate);
    }
    sae_db_reset(stmt);
    if (rc == 0)
        *out = link;
    else
        hub_link_clear(&link);
    return rc;
}

int hub_link_save_pins(struct node_store *store, const char *pins)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, save_pins_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, pins);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char proven_sql[] =
    "INSERT OR REPLACE INTO meta(key, value) SELECT '" NODE_META_PROVEN_HUB_ID "', hub_id"
    " FROM hub WHERE id = 1";

int hub_link_mark_enrolled(struct node_store *store, int64_t now_ms)
{
    int rc = sae_db_run(store->db, &store->statements, mark_enrolled_sql, &now_ms, 1);
    return rc == 0 ? sae_db_run(store->db, NULL, proven_sql, NULL, 0) : rc;
}

int hub_link_proven(struct node_store *store, const struct hub_link *link, bool *out)
{
    int64_t proven = 0;
    int rc = link->enrolled_ms != 0 ? 0 : sae_db_meta_int(store->db, NODE_META_PROVEN_HUB_ID,
                                                          &proven);
    if (rc == SAE_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        *out = link->enrolled_ms != 0 || (uint64_t)proven == link->hub_id;
    return rc;
}

static const char forget_token_sql[] = "UPDATE hub SET token = NULL WHERE token IS NOT NULL";

int hub_link_forget_token(struct node_store *store)
{
    return sae_db_run(store->db, NULL, forget_token_sql, NULL, 0);
}
