/* Request handling. Before an envelope has opened, errors are short plain-text sentences;
 * once the sender is known and verified, they are sealed ErrorStatus messages. No error
 * ever carries a secret or a survivor's data. */
#include "api/service.h"
#include "store/device_keys.h"
#include "store/node_report.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/enroll.h"
#include "store/hub_store.h"
#include "merge/merge.h"
#include "api/pull.h"
#include "sae/sae_borrow.h"
#include "sae/sae_db.h"
#include "sae/sae_envelope.h"
#include "sae/sae_revocation.h"
#include "sae/sae_hlc.h"
#include "sae/sae_pins.h"
#include "sae/sae_wire.h"
#include "store/announced_pins.h"

#define OCTET_STREAM "application/octet-stream"
#define SERVICE_CONNECTIONS_MAX 64
/* Retry-After when the database is held past the busy timeout: a merge ends in seconds. */
#define RETRY_AFTER_BUSY_S 5
/* Retry-After when the health check cannot read the database at all. */
#define RETRY_AFTER_UNAVAILABLE_S 30

struct hub_service {
    uint8_t secret_key[crypto_box_SECRETKEYBYTES];
    uint8_t public_key[crypto_box_PUBLICKEYBYTES];
    uint64_t hub_id;
    int64_t drift_ms;
    struct sae_limits limits;
    pthread_mutex_t lock;
    pthread_cond_t available;
    pthread_mutex_t write_lock; /* one writer of the daemon at a time */
    struct hub_store *pool[SERVICE_CONNECTIONS_MAX];
    bool in_use[SERVICE_CONNECTIONS_MAX];
    size_t size;
    uint8_t served_pin[SAE_WIRE_TLS_PIN_BYTES]; /* under lock */
    bool has_served_pin;
};

/* One request in progress: the pieces every step needs. */
struct exchange {
    struct hub_service *service;
    struct hub_store *store;
    const struct http_request *req;
    struct http_response *resp;
    uint8_t type;
    uint64_t sender;
    uint8_t sender_key[crypto_box_PUBLICKEYBYTES];
    bool opened; /* errors from here on are sealed to sender_key */
    uint32_t schema; /* the schema version answers are written in (the request's) */
    int64_t now_ms;
};

int hub_service_create(const struct hub_service_config *config, struct hub_service **out,
                       struct sae_message *why)
{
    size_t size = config->connections;
    if (size == 0 || size > SERVICE_CONNECTIONS_MAX)
        return SAE_EINVAL;
    struct hub_service *s = calloc(1, sizeof *s);
    if (!s)
        return SAE_ENOMEM;
    memcpy(s->secret_key, config->secret_key, crypto_box_SECRETKEYBYTES);
    memcpy(s->public_key, config->public_key, crypto_box_PUBLICKEYBYTES);
    s->drift_ms = config->drift_ms;
    s->limits = sae_limits_default();
    s->size = size;
    int rc = sae_origin_from_public_key(s->public_key, &s->hub_id);
    if (rc == 0 && (pthread_mutex_init(&s->lock, NULL) != 0 ||
                    pthread_mutex_init(&s->write_lock, NULL) != 0 ||
                    pthread_cond_init(&s->available, NULL) != 0))
        rc = SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < size; i++)
        rc = hub_store_open(config->db_path, config->busy_timeout_ms, &s->pool[i], why);
    if (rc == 0 && config->tls_pin)
        rc = hub_service_set_tls_pin(s, config->tls_pin);
    if (rc != 0) {
        hub_service_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void hub_service_destroy(struct hub_service *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->size; i++)
        hub_store_close(s->pool[i]);
    pthread_cond_destroy(&s->available);
    pthread_mutex_destroy(&s->write_lock);
    pthread_mutex_destroy(&s->lock);
    sodium_memzero(s->secret_key, sizeof s->secret_key);
    free(s);
}

int hub_service_set_tls_pin(struct hub_service *s, const char *pin)
{
    uint8_t parsed[1][SAE_WIRE_TLS_PIN_BYTES];
    size_t count = 0;
    if (sae_pins_parse(pin, parsed, 1, &count) != 0)
        return SAE_EINVAL;
    pthread_mutex_lock(&s->lock);
    memcpy(s->served_pin, parsed[0], sizeof s->served_pin);
    s->has_served_pin = true;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static struct hub_store *checkout(struct hub_service *s, size_t *slot)
{
    struct hub_store *store = NULL;
    pthread_mutex_lock(&s->lock);
    while (!store) {
        for (size_t i = 0; i < s->size && !store; i++) {
            if (!s->in_use[i]) {
                s->in_use[i] = true;
                store = s->pool[i];
                *slot = i;
            }
        }
        if (!store)
            pthread_cond_wait(&s->available, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return store;
}

static void checkin(struct hub_service *s, size_t slot)
{
    pthread_mutex_lock(&s->lock);
    s->in_use[slot] = false;
    pthread_cond_signal(&s->available);
    pthread_mutex_unlock(&s->lock);
}

static int plain(struct http_response *resp, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int plain(struct http_response *resp, unsigned status, const char *fmt, ...)
{
    char text[256];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(text, sizeof text - 1, fmt, args);
    va_end(args);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text - 1 ? (size_t)n : sizeof text - 2;
    text[len++] = '\n';
    resp->body = malloc(len);
    if (!resp->body)
        return SAE_ENOMEM;
    memcpy(resp->body, text, len);
    resp->body_len = len;
    resp->status = status;
    return 0;
}

/* The response is the sealed envelope (the response owns it now). */
static int respond_sealed(struct exchange *x, unsigned status, uint8_t *sealed, size_t len)
{
    x->resp->status = status;
    x->resp->body = sealed;
    x->resp->body_len = len;
    x->resp->content_type = OCTET_STREAM;
    return 0;
}

/* Seals plain bytes of message type to the sender as the answer. */
static int answer(struct exchange *x, unsigned status, uint8_t type, uint8_t *plain_bytes,
                  size_t len)
{
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc = sae_envelope_seal(plain_bytes, len, type, x->service->hub_id,
                               x->service->secret_key, x->sender_key, &x->service->limits,
                               &sealed, &sealed_len);
    sae_wire_buffer_free(plain_bytes, len);
    return rc == 0 ? respond_sealed(x, status, sealed, sealed_len) : rc;
}

/* A sealed ErrorStatus when the sender is verified, else a plain sentence. */
static int fail(struct exchange *x, unsigned status, uint32_t code, const char *message)
{
    if (!x->opened)
        return plain(x->resp, status, "%s", message);
    struct sae_error_status error = {.schema_version = x->schema, .code = code,
                                     .message = sae_borrow(message),
                                     .hub_time_ms = (uint64_t)x->now_ms};
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = hub_store_clock(x->store, x->now_ms, &error.hub_clock);
    if (rc == 0)
        rc = sae_error_status_encode(&error, &x->service->limits, &buf, &len);
    return rc == 0 ? answer(x, status, SAE_MSG_ERROR_STATUS, buf, len) : rc;
}

/* The status and code for a decode or open failure. */
static int fail_wire(struct exchange *x, int rc)
{
    switch (rc) {
    case SAE_WIRE_ETOOLARGE:
        return fail(x, 413, SAE_STATUS_TOO_LARGE, "the message is over the size limit");
    case SAE_WIRE_ELIMIT:
        return fail(x, 400, SAE_STATUS_LIMIT_EXCEEDED, "a count or length is over its limit");
    case SAE_WIRE_ESCHEMA: {
        char message[96];
        snprintf(message, sizeof message, "schema version not supported: this hub speaks "
                 "protocol schema %u to %u", SAE_WIRE_SCHEMA_VERSION_MIN, SAE_WIRE_SCHEMA_VERSION);
        return fail(x, 400, SAE_STATUS_UNSUPPORTED_SCHEMA, message);
    }
    case SAE_ENOMEM:
    case SAE_ECRYPTO:
        return rc;
    default:
        return fail(x, 400, SAE_STATUS_DECODE_FAILED, "the message could not be decoded");
    }
}

static int fail_store(struct exchange *x, int rc)
{
    if (rc == SAE_EBUSY) {
        x->resp->retry_after_seconds = RETRY_AFTER_BUSY_S;
        return plain(x->resp, 503, "the hub is busy; retry later");
    }
    return fail(x, 500, SAE_STATUS_INTERNAL, "the hub failed; nothing was applied");
}

/* A request's clock is its sender's wall clock from schema 2 on; before, it was the post's
 * newest version, which says nothing of its clock once it has been idle for a while. */
static bool clock_is_wall(const struct exchange *x, sae_hlc clock)
{
    return clock != 0 && x->schema >= SAE_WIRE_SCHEMA_WALL_CLOCK;
}

static int64_t clock_offset(const struct exchange *x, sae_hlc clock)
{
    return clock_is_wall(x, clock) ? (int64_t)sae_hlc_ms(clock) - x->now_ms : 0;
}

/* Records when the post was seen and how far its clock is off. The daemon's writers take
 * turns on a mutex: waiting on it is cheaper and fairer than SQLite's sleeping busy
 * handler, and leaves the busy timeout to other processes (the admin CLI). */
static int measure_clock(struct exchange *x, sae_hlc clock)
{
    pthread_mutex_lock(&x->service->write_lock);
    int rc = hub_store_node_seen(x->store, x->sender, x->now_ms, clock_offset(x, clock),
                                 clock_is_wall(x, clock));
    pthread_mutex_unlock(&x->service->write_lock);
    return rc;
}

/* What the post says of itself (its program, its changes not sent yet), kept with its last
 * contact for the console's Posts page. */
static int record_report(struct exchange *x, const struct sae_pull_request *request)
{
    pthread_mutex_lock(&x->service->write_lock);
    int rc = hub_node_report_record(x->store, x->sender, request->pending, request->program,
                                    x->now_ms);
    pthread_mutex_unlock(&x->service->write_lock);
    return rc;
}

/* PROTOCOL.md section 7: a post on schema 1 still delivers what it wrote (pushes are
 * taken), but is told plainly to update before it may pull or enroll. */
static int refuse_old_schema(struct exchange *x, const char *what)
{
    char message[SAE_MESSAGE_BYTES];
    snprintf(message, sizeof message, "update sae-node: this hub %s posts on protocol schema "
             "%u or later (each post receives values sealed to its own key); what this post "
             "sends is still accepted", what, SAE_WIRE_SCHEMA_PULL_MIN);
    return fail(x, 400, SAE_STATUS_UNSUPPORTED_SCHEMA, message);
}

/* The plain values leave memory once merged (the store keeps sensitive ones only sealed). */
static void wipe_values(struct sae_batch *batch)
{
    for (size_t i = 0; i < batch->change_count; i++)
        if (batch->changes[i].value)
            sodium_memzero(batch->changes[i].value, strlen(batch->changes[i].value));
}

static int handle_push(struct exchange *x, const uint8_t *plain_bytes, size_t len,
                       const struct hub_node *node)
{
    struct sae_batch *batch = NULL;
    struct sae_push_ack *ack = NULL;
    int rc = sae_batch_decode(plain_bytes, len, &x->service->limits, &batch);
    if (rc != 0)
        return fail_wire(x, rc);
    if (batch->origin != x->sender) {
        sae_batch_free(batch);
        return fail(x, 400, SAE_STATUS_DECODE_FAILED, "the batch's origin is not its sender");
    }
    /* Opened here, in memory, so that merging and validation see plain values as before. */
    rc = sae_batch_open_sealed(batch, x->service->public_key, x->service->secret_key,
                               &x->service->limits);
    if (rc != 0) {
        sae_batch_free(batch);
        return rc == SAE_WIRE_EDECODE
               ? fail(x, 400, SAE_STATUS_DECODE_FAILED, "a sealed value or value box does not "
                      "open with this hub's key to values: the batch is refused whole")
               : fail_wire(x, rc);
    }
    struct merge_sender sender = {node->id, node->village, clock_offset(x, batch->clock),
                                  clock_is_wall(x, batch->clock)};
    struct merge_options options = {x->now_ms, x->service->drift_ms};
    pthread_mutex_lock(&x->service->write_lock);
    rc = merge_apply_batch(x->store, &sender, batch, &options, &ack, NULL);
    pthread_mutex_unlock(&x->service->write_lock);
    wipe_values(batch);
    sae_batch_free(batch);
    if (rc != 0)
        return fail_store(x, rc);
    uint8_t *buf = NULL;
    size_t buf_len = 0;
    ack->schema_version = x->schema; /* also a stored answer replayed */
    rc = sae_push_ack_encode(ack, &x->service->limits, &buf, &buf_len);
    sae_push_ack_free(ack);
    return rc == 0 ? answer(x, 200, SAE_MSG_PUSH_ACK, buf, buf_len) : rc;
}

/* The keys posts must accept from now on: the one this daemon serves, then those `sae-hub
 * tls` stored (the current and the backup key while a roll is prepared; the new key when
 * the daemon has not reloaded yet). A post replaces its pins with these. */
static int announce_pins(struct exchange *x, struct sae_pull_response *r)
{
    uint8_t stored[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    char text[SAE_PINS_TEXT_BYTES];
    size_t count = 0;
    int64_t since = 0;
    pthread_mutex_lock(&x->service->lock);
    bool served = x->service->has_served_pin;
    memcpy(r->tls_pins[0], x->service->served_pin, SAE_WIRE_TLS_PIN_BYTES);
    pthread_mutex_unlock(&x->service->lock);
    if (!served)
        return 0;
    r->tls_pin_count = 1;
    int rc = announced_pins_load(x->store, text, &since);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = sae_pins_parse(text, stored, SAE_WIRE_TLS_PINS_MAX, &count);
    for (size_t i = 0; rc == 0 && i < count && r->tls_pin_count < SAE_WIRE_TLS_PINS_MAX; i++)
        if (memcmp(stored[i], r->tls_pins[0], SAE_WIRE_TLS_PIN_BYTES) != 0)
            memcpy(r->tls_pins[r->tls_pin_count++], stored[i], SAE_WIRE_TLS_PIN_BYTES);
    return rc;
}

static int handle_pull(struct exchange *x, const uint8_t *plain_bytes, size_t len,
                       const struct hub_node *node)
{
    struct sae_pull_request *request = NULL;
    struct sae_pull_response *response = NULL;
    int rc = sae_pull_request_decode(plain_bytes, len, &x->service->limits, &request);
    if (rc != 0)
        return fail_wire(x, rc);
    rc = measure_clock(x, request->clock);
    if (rc == 0 && request->program[0])
        rc = record_report(x, request);
    if (rc == 0 && x->schema < SAE_WIRE_SCHEMA_PULL_MIN) {
        sae_pull_request_free(request);
        return refuse_old_schema(x, "sends changes only to");
    }
    if (rc == 0)
        rc = pull_changes(x->store, node, request, &x->service->limits, x->now_ms, &response);
    sae_pull_request_free(request);
    if (rc == SAE_EINVAL)
        return fail(x, 400, SAE_STATUS_DECODE_FAILED, "unknown cursor; pull again from 0");
    if (rc == 0)
        rc = announce_pins(x, response);
    if (rc != 0) {
        sae_pull_response_free(response);
        return fail_store(x, rc);
    }
    uint8_t *buf = NULL;
    size_t buf_len = 0;
    rc = sae_pull_response_encode(response, &x->service->limits, &buf, &buf_len);
    sae_pull_response_free(response);
    return rc == 0 ? answer(x, 200, SAE_MSG_PULL_RESPONSE, buf, buf_len) : rc;
}

static int handle_enroll(struct exchange *x, const uint8_t *plain_bytes, size_t len)
{
    struct sae_enroll_request *request = NULL;
    struct hub_node node;
    uint32_t status = 0;
    int rc = sae_enroll_request_decode(plain_bytes, len, &x->service->limits, &request);
    if (rc != 0)
        return fail_wire(x, rc);
    if (sodium_memcmp(request->public_key, x->sender_key, crypto_box_PUBLICKEYBYTES) != 0) {
        sae_enroll_request_free(request);
        return fail(x, 400, SAE_STATUS_DECODE_FAILED, "the public key differs from the header's");
    }
    /* Refused before the token is looked at: it stays unspent for the updated post. */
    if (x->schema < SAE_WIRE_SCHEMA_PULL_MIN) {
        sae_enroll_request_free(request);
        return refuse_old_schema(x, "enrolls only");
    }
    struct sae_message why = {{0}};
    pthread_mutex_lock(&x->service->write_lock);
    rc = enroll_redeem(x->store, request->token, x->sender_key,
                       request->has_storage_key ? request->storage_public_key : NULL,
                       request->device_name, x->now_ms, &node, &status, &why);
    pthread_mutex_unlock(&x->service->write_lock);
    sae_hlc clock = request->clock;
    sae_enroll_request_free(request);
    if (rc == SAE_EPERM)
        return fail(x, status == SAE_STATUS_REVOKED ? 403 : 409, status, why.text);
    if (rc == 0)
        rc = measure_clock(x, clock);
    if (rc != 0)
        return fail_store(x, rc);
    struct sae_enroll_response response = {.schema_version = x->schema,
                                           .hub_time_ms = (uint64_t)x->now_ms,
                                           .node_id = node.id, .village = node.village,
                                           .device_name = node.device_name};
    uint8_t *buf = NULL;
    size_t buf_len = 0;
    rc = hub_store_clock(x->store, x->now_ms, &response.hub_clock);
    if (rc == 0)
        rc = sae_enroll_response_encode(&response, &x->service->limits, &buf, &buf_len);
    return rc == 0 ? answer(x, 200, SAE_MSG_ENROLL_RESPONSE, buf, buf_len) : rc;
}

/* The key of the sender: the enroll header's own key, or the enrolled node's. */
static int lookup_key(void *ctx, uint64_t sender, uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    const struct exchange *x = ctx;
    if (sender != x->sender)
        return SAE_ENOTFOUND;
    memcpy(pk, x->sender_key, crypto_box_PUBLICKEYBYTES);
    return 0;
}

/* A revoked device's push or pull: 403 with the revocation notice sealed to the key it was
 * enrolled with (PROTOCOL.md section 8), on which the post wipes its survivors' data. The
 * request itself is not opened: nothing a revoked device sends is read. */
static int refuse_revoked(struct exchange *x, const struct hub_node *node)
{
    struct sae_revocation_notice notice = {.hub_time_ms = (uint64_t)x->now_ms};
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc = hub_store_clock(x->store, x->now_ms, &notice.hub_clock);
    if (rc == 0)
        rc = sae_revocation_notice_seal(x->service->hub_id, x->service->secret_key,
                                        node->public_key, &notice, &x->service->limits, &sealed,
                                        &sealed_len);
    return rc == 0 ? respond_sealed(x, 403, sealed, sealed_len) : fail_store(x, rc);
}

/* Identifies and verifies the sender, then opens the envelope. */
static int open_request(struct exchange *x, const struct sae_envelope_header *header,
                        struct hub_node *node, uint8_t **plain_bytes, size_t *len)
{
    x->sender = header->sender_id;
    if (header->type == SAE_MSG_ENROLL_REQUEST) {
        memcpy(x->sender_key, header->public_key, crypto_box_PUBLICKEYBYTES);
    } else {
        int rc = hub_store_node_get(x->store, x->sender, node);
        if (rc == SAE_ENOTFOUND)
            return plain(x->resp, 401, "this post is not enrolled; enroll it with a bundle from "
                         "the district");
        if (rc != 0)
            return fail_store(x, rc);
        if (node->revoked_ms != 0)
            return refuse_revoked(x, node);
        memcpy(x->sender_key, node->public_key, crypto_box_PUBLICKEYBYTES);
    }
    uint8_t type = 0;
    uint64_t sender = 0;
    int rc = sae_envelope_open(x->req->body, x->req->body_len, lookup_key, x,
                               x->service->secret_key, &x->service->limits, &type, &sender,
                               plain_bytes, len);
    if (rc == SAE_WIRE_EAUTH)
        return plain(x->resp, 401, "the envelope did not open with this post's key");
    if (rc == SAE_WIRE_ETOOLARGE)
        return plain(x->resp, 413, "the message is over the size limit");
    if (rc != 0)
        return plain(x->resp, 400, "the envelope could not be opened");
    x->opened = true;
    return 0;
}

static const struct {
    const char *path;
    uint8_t type;
    const char *wrong_type;
} endpoints[] = {
    {"/v1/enroll", SAE_MSG_ENROLL_REQUEST, "/v1/enroll takes an EnrollRequest (type 5) only"},
    {"/v1/push", SAE_MSG_PUSH_BATCH, "/v1/push takes a PushBatch (type 1) only"},
    {"/v1/pull", SAE_MSG_PULL_REQUEST, "/v1/pull takes a PullRequest (type 3) only"},
};

static const char health_sql[] = "SELECT 1";

/* HEAD is GET without the body (libmicrohttpd leaves it out): what monitoring tools and
 * load balancers send to see whether the hub is up. */
static int handle_health(struct exchange *x)
{
    int64_t n = 0;
    if (strcmp(x->req->method, "GET") != 0 && strcmp(x->req->method, "HEAD") != 0) {
        x->resp->allow = "GET, HEAD";
        return plain(x->resp, 405, "use GET or HEAD");
    }
    if (hub_store_query_int(x->store, health_sql, NULL, 0, &n) != 0) {
        x->resp->retry_after_seconds = RETRY_AFTER_UNAVAILABLE_S;
        return plain(x->resp, 503, "unavailable");
    }
    return plain(x->resp, 200, "ok");
}

/* Answers go in the request's schema version when the hub takes it (section 7, rule 4);
 * a refusal of one it does not take goes in the nearest it does, which its sender reads. */
static uint32_t answer_schema(const uint8_t *plain_bytes, size_t len)
{
    uint32_t version = 0;
    if (sae_wire_peek_schema(plain_bytes, len, &version) != 0 ||
        version < SAE_WIRE_SCHEMA_VERSION_MIN)
        return SAE_WIRE_SCHEMA_VERSION_MIN;
    return version > SAE_WIRE_SCHEMA_VERSION ? SAE_WIRE_SCHEMA_VERSION : version;
}

static int dispatch(struct exchange *x)
{
    const struct http_request *req = x->req;
    struct sae_envelope_header header;
    struct hub_node node;
    uint8_t *plain_bytes = NULL;
    size_t len = 0, i = 0;
    if (strcmp(req->path, "/v1/health") == 0)
        return handle_health(x);
    while (i < sizeof endpoints / sizeof endpoints[0] && strcmp(endpoints[i].path, req->path))
        i++;
    if (i == sizeof endpoints / sizeof endpoints[0])
        return plain(x->resp, 404, "no such endpoint");
    if (strcmp(req->method, "POST") != 0) {
        x->resp->allow = "POST";
        return plain(x->resp, 405, "use POST");
    }
    if (!req->content_type || strcmp(req->content_type, OCTET_STREAM) != 0)
        return plain(x->resp, 415, "the body must be application/octet-stream");
    int rc = sae_envelope_header_parse(req->body, req->body_len, &x->service->limits, &header);
    if (rc == SAE_WIRE_ETOOLARGE)
        return plain(x->resp, 413, "the message is over the size limit");
    if (rc != 0)
        return plain(x->resp, 400, "not an envelope of this protocol");
    rc = open_request(x, &header, &node, &plain_bytes, &len);
    if (rc != 0 || !x->opened)
        return rc;
    x->schema = answer_schema(plain_bytes, len);
    /* The sender proved its key: its next round, after its interval, finds this connection
     * and its TLS session still open. The result is not needed: refused, the connection
     * keeps the server's shorter timeout and the next round connects anew, as before. */
    (void)http_request_keep_idle(req, SAE_WIRE_KEEP_IDLE_S);
    /* Checked once the sender is verified, so the refusal is sealed with its own code. */
    if (header.type != endpoints[i].type)
        rc = fail(x, 400, SAE_STATUS_WRONG_MESSAGE, endpoints[i].wrong_type);
    else if (header.type == SAE_MSG_ENROLL_REQUEST)
        rc = handle_enroll(x, plain_bytes, len);
    else if (header.type == SAE_MSG_PUSH_BATCH)
        rc = handle_push(x, plain_bytes, len, &node);
    else
        rc = handle_pull(x, plain_bytes, len, &node);
    sae_wire_buffer_free(plain_bytes, len);
    return rc;
}

int hub_service_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct hub_service *s = ctx;
    size_t slot = 0;
    struct exchange x = {.service = s, .req = req, .resp = resp,
                         .now_ms = (int64_t)sae_wall_clock_ms()};
    x.store = checkout(s, &slot);
    int rc = dispatch(&x);
    checkin(s, slot);
    sodium_memzero(x.sender_key, sizeof x.sender_key);
    return rc;
}
