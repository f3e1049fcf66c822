#include "sync/sync.h"
#include "sync/sync_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/hub_copy.h"
#include "store/node_config.h"
#include "store/node_wipe.h"
#include "store/storage_key.h"
#include "store/sync_state.h"
#include "sae/sae_borrow.h"
#include "sae/sae_db.h"
#include "sae/sae_envelope.h"
#include "sae/sae_files.h"
#include "sae/sae_pins.h"
#include "sae/sae_revocation.h"
#include "sae/sae_version.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"

static int load_keys(struct round *r)
{
    char *path = sae_path_join(r->store->dir, NODE_KEY_FILE);
    int rc = path ? sae_file_read_private(path, r->secret_key, crypto_box_SECRETKEYBYTES) : SAE_ENOMEM;
    free(path);
    if (rc == SAE_EPERM)
        sae_message_set(r->why, "%s/%s can be read by other users; run: chmod 600 %s/%s",
                        r->store->dir, NODE_KEY_FILE, r->store->dir, NODE_KEY_FILE);
    else if (rc != 0)
        sae_message_set(r->why, "cannot read this device's key %s/%s", r->store->dir,
                        NODE_KEY_FILE);
    if (rc == 0 && crypto_scalarmult_base(r->public_key, r->secret_key) != 0)
        rc = SAE_ECRYPTO;
    return rc;
}

/* What every request carries as its clock (schema 2): this computer's own wall clock, not
 * the post's version clock, so that the hub measures how far it is off however long ago the
 * post last wrote. */
sae_hlc sync_request_clock(void)
{
    sae_hlc clock = 0;
    return sae_hlc_pack(sae_wall_clock_ms(), 0, &clock) == 0 ? clock : 0;
}

int64_t sync_pending_count(struct node_store *store)
{
    int64_t n = 0;
    return sync_state_pending_count(store, &n) == 0 ? n : -1;
}

/* The hub's clock: ours catches up with it, so that our next versions order after every
 * version the hub accepted. The offset of this computer's clock, kept for status and for
 * the versions this post issues, is measured against the hub's wall time: its clock runs
 * ahead of it whenever the hub accepted a version dated ahead (up to the allowed drift),
 * and a post must not take another post's fast clock for its own error. A hub that sends no
 * wall time (an older one) is measured by its clock. */
int sync_observe_hub_clock(struct round *r, sae_hlc hub_clock, uint64_t hub_time_ms)
{
    if (hub_clock == 0)
        return 0;
    int64_t hub_ms = hub_time_ms ? (int64_t)hub_time_ms : (int64_t)sae_hlc_ms(hub_clock);
    r->result->clock_offset_ms = hub_ms - (int64_t)sae_wall_clock_ms();
    return sync_state_observe_hub_clock(r->store, hub_clock, r->result->clock_offset_ms);
}

/* The hub answers in the version of the request when it reads it (PROTOCOL.md section 7,
 * rule 4) and a round's requests are all of this build's version, so every answer of a
 * round is in one schema: the first records it for the post's commands (hub_copy.h). A
 * round, not a process, since the hub may be updated between a daemon's rounds. */
int sync_observe_answer(struct round *r, uint32_t schema, sae_hlc hub_clock,
                        uint64_t hub_time_ms)
{
    int rc = sync_observe_hub_clock(r, hub_clock, hub_time_ms);
    if (rc == 0 && schema != r->hub_schema)
        rc = hub_copy_set_hub_schema(r->store, schema);
    if (rc == 0)
        r->hub_schema = schema;
    return rc;
}

void sync_rollback(struct round *r)
{
    node_store_rollback(r->store);
    r->hub_schema = 0;
}

static int lookup_hub(void *ctx, uint64_t sender, uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    const struct hub_link *link = ctx;
    if (sender != link->hub_id)
        return SAE_ENOTFOUND;
    memcpy(pk, link->public_key, crypto_box_PUBLICKEYBYTES);
    return 0;
}

/* The hub's sealed refusal (an ErrorStatus it sends once it has opened a request), or NULL
 * when the answer is plain text or does not open. *newer: it opened (the hub sealed it) but
 * is of a schema newer than this program reads. */
static struct sae_error_status *sealed_refusal(struct round *r,
                                               const struct transport_response *resp,
                                               bool *newer)
{
    struct sae_error_status *status = NULL;
    uint8_t *plain = NULL, type = 0;
    size_t len = 0;
    uint64_t sender = 0;
    uint32_t version = 0;
    *newer = false;
    if (sae_envelope_open(resp->body, resp->body_len, lookup_hub, sae_borrow(r->link),
                          r->secret_key, &r->limits, &type, &sender, &plain, &len) != 0)
        return NULL;
    int rc = type == SAE_MSG_ERROR_STATUS ? sae_error_status_decode(plain, len, &r->limits,
                                                                    &status) : SAE_EINVAL;
    *newer = rc == SAE_WIRE_ESCHEMA && sae_wire_peek_schema(plain, len, &version) == 0 &&
             version > SAE_WIRE_SCHEMA_VERSION;
    if (rc != 0)
        status = NULL;
    sae_wire_buffer_free(plain, len);
    return status;
}

/* A hub that does not take this program's protocol says so plainly: which side must be
 * updated follows from the version it answered in (PROTOCOL.md section 7). */
static int explain_schema(struct round *r, const struct sae_error_status *status)
{
    if (status->schema_version < SAE_WIRE_SCHEMA_VERSION)
        sae_message_set(r->why, "the hub at %s is older than this sae-node (it speaks protocol "
                        "schema %u, this post %u): ask the district to update sae-hub; "
                        "nothing was lost, changes wait", r->link->url, status->schema_version,
                        SAE_WIRE_SCHEMA_VERSION);
    else
        sae_message_set(r->why, "update sae-node: the hub at %s needs a newer one (the hub "
                        "says: %.200s)", r->link->url, status->message ? status->message : "");
    return SAE_EINVAL;
}

/* A 403 is the district's revocation only when it carries the hub's notice sealed to this
 * device, and only once the hub answered an enrollment of this post (its key proven, not
 * only named in a bundle someone handed over; hub_link_proven): then the post wipes. Any
 * other 403 (an older hub, or a server in the middle) wipes nothing. */
static int revoked(struct round *r, const struct transport_response *resp)
{
    bool proven = false;
    int rc = hub_link_proven(r->store, r->link, &proven);
    if (rc != 0)
        return rc;
    if (proven && sae_revocation_notice_open(resp->body, resp->body_len, r->link->hub_id,
                                             r->link->public_key, r->secret_key, &r->limits,
                                             &r->notice) == 0)
        return SAE_EREVOKED;
    sae_message_set(r->why, "the server at %s says this device was revoked, without the "
                    "district hub's sealed notice: nothing was wiped; contact the district",
                    r->link->url);
    return SAE_EPERM;
}

/* Why a request did not succeed, in words the post's staff can act on. */
static int explain(struct round *r, const struct transport_response *resp, const char *what)
{
    int64_t pending = sync_pending_count(r->store);
    switch (resp->outcome) {
    case TRANSPORT_UNREACHABLE:
        sae_message_set(r->why, "no connection to the hub (%s); %lld change(s) wait and will "
                        "be sent later", resp->error, (long long)pending);
        return SAE_EIO;
    case TRANSPORT_PIN_MISMATCH:
        sae_message_set(r->why, "the server at %s does not hold a key this post trusts: the "
                        "district may have changed the hub's key while this post was away, "
                        "or this is not the hub; nothing was sent (%lld change(s) wait); ask "
                        "the district for a new bundle and run: sae-node enroll BUNDLE",
                        r->link->url, (long long)pending);
        return SAE_EPERM;
    case TRANSPORT_ANSWERED:
        break;
    }
    bool newer = false;
    struct sae_error_status *status = resp->status == 400 ? sealed_refusal(r, resp, &newer)
                                                          : NULL;
    if (newer) {
        sae_message_set(r->why, "update sae-node: the hub at %s speaks a newer protocol than "
                        "this one (schema %u); %lld change(s) wait", r->link->url,
                        SAE_WIRE_SCHEMA_VERSION, (long long)pending);
        return SAE_EINVAL;
    }
    if (status) {
        r->refused_code = status->code;
        int rc = status->code == SAE_STATUS_UNSUPPORTED_SCHEMA ? explain_schema(r, status) : 0;
        if (rc == 0)
            sae_message_set(r->why, "the hub refused the %s: %.200s (code %u); %lld change(s) "
                            "wait", what, status->message ? status->message : "", status->code,
                            (long long)pending);
        sae_error_status_free(status);
        return SAE_EINVAL;
    }
    switch (resp->status) {
    case 401:
        sae_message_set(r->why, "the hub does not know this device; ask the district for a new "
                        "bundle and run: sae-node enroll BUNDLE");
        return SAE_EPERM;
    case 403:
        return revoked(r, resp);
    case 409:
        sae_message_set(r->why, "the enrollment token is expired or already used; ask the "
                        "district for a new bundle and run: sae-node enroll BUNDLE");
        return SAE_EPERM;
    case 429:
        /* Posts behind one carrier-grade NAT share its address, and so its request rate. */
        r->result->retry_after_seconds = resp->retry_after_seconds;
        sae_message_set(r->why, "the hub gets too many requests from this network; %lld "
                        "change(s) wait, try again in %u s", (long long)pending,
                        resp->retry_after_seconds ? resp->retry_after_seconds : 60);
        return SAE_EBUSY;
    case 503:
        r->result->retry_after_seconds = resp->retry_after_seconds;
        sae_message_set(r->why, "the hub is busy; %lld change(s) wait, try again in %u s",
                        (long long)pending,
                        resp->retry_after_seconds ? resp->retry_after_seconds
                                                  : SYNC_BUSY_RETRY_DEFAULT_S);
        return SAE_EBUSY;
    default:
        sae_message_set(r->why, "the hub refused the %s (HTTP %ld); %lld change(s) wait", what,
                        resp->status, (long long)pending);
        return resp->status >= 500 ? SAE_EBUSY : SAE_EINVAL;
    }
}

/* Seals plain as type, posts it to path and opens a 200 answer of the expected type. */
int sync_exchange(struct round *r, const char *path, uint8_t type, uint8_t *plain,
                  size_t len, uint8_t want, uint8_t **answer, size_t *answer_len, const char *what)
{
    uint8_t *sealed = NULL, got = 0;
    size_t sealed_len = 0;
    uint64_t sender = 0;
    struct transport_response resp;
    memset(&resp, 0, sizeof resp);
    int rc = sae_envelope_seal(plain, len, type, r->store->origin, r->secret_key,
                               r->link->public_key, &r->limits, &sealed, &sealed_len);
    sae_wire_buffer_free(plain, len);
    if (rc == 0)
        rc = transport_post(r->transport, path, sealed, sealed_len, &resp);
    if (rc == 0 && resp.outcome == TRANSPORT_ANSWERED)
        r->result->bytes_sent += sealed_len;
    sae_wire_buffer_free(sealed, sealed_len);
    if (rc == 0 && (resp.outcome != TRANSPORT_ANSWERED || resp.status != 200))
        rc = explain(r, &resp, what);
    if (rc == 0) {
        rc = sae_envelope_open(resp.body, resp.body_len, lookup_hub, sae_borrow(r->link),
                               r->secret_key, &r->limits, &got, &sender, answer, answer_len);
        if (rc == 0 && got != want) {
            sae_wire_buffer_free(*answer, *answer_len);
            rc = SAE_EINVAL;
        }
        if (rc != 0)
            sae_message_set(r->why, "the hub's answer to the %s could not be opened", what);
    }
    transport_response_clear(&resp);
    return rc;
}

static int enroll(struct round *r)
{
    struct node_config config;
    int rc = node_config_read(r->store, &config);
    if (rc != 0)
        return rc;
    struct sae_enroll_request request = {
        .schema_version = SAE_WIRE_SCHEMA_VERSION, .token = sae_borrow(r->link->token),
        .village = sae_borrow(r->store->village),
        .device_name = sae_borrow(config.device_name[0] ? config.device_name : "sae-node"),
        .clock = sync_request_clock()};
    struct sae_enroll_response *response = NULL;
    uint8_t *plain = NULL, *answer = NULL;
    size_t len = 0, answer_len = 0;
    memcpy(request.public_key, r->public_key, crypto_box_PUBLICKEYBYTES);
    /* The hub records it to seal to this post what it must receive (proto/STORAGE_KEYS.md). */
    rc = storage_key_public(r->store, request.storage_public_key);
    request.has_storage_key = rc == 0;
    if (rc == SAE_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        rc = sae_enroll_request_encode(&request, &r->limits, &plain, &len);
    if (rc == 0)
        rc = sync_exchange(r, "/v1/enroll", SAE_MSG_ENROLL_REQUEST, plain, len,
                           SAE_MSG_ENROLL_RESPONSE, &answer, &answer_len, "enrollment");
    if (rc == 0)
        rc = sae_enroll_response_decode(answer, answer_len, &r->limits, &response);
    sae_wire_buffer_free(answer, answer_len);
    if (rc == 0 && response->node_id != r->store->origin) {
        sae_message_set(r->why, "the hub enrolled another device id; ask the district");
        rc = SAE_EINVAL;
    }
    /* The hub enrolls a device in its token's village: a bundle whose village was changed
     * would put this post's reports under another village's name. */
    if (rc == 0 && strcmp(response->village, r->store->village) != 0) {
        sae_message_set(r->why, "the hub enrolled this device for %s, not %s: the bundle was "
                        "not made for this post; contact the district", response->village,
                        r->store->village);
        rc = SAE_EPERM;
    }
    if (rc == 0)
        rc = node_store_begin(r->store);
    if (rc == 0) {
        rc = hub_link_mark_enrolled(r->store, (int64_t)sae_wall_clock_ms());
        if (rc == 0 && response->device_name)
            rc = node_config_set_device_name(r->store, response->device_name);
        if (rc == 0)
            rc = sync_observe_hub_clock(r, response->hub_clock, response->hub_time_ms);
        rc = rc == 0 ? node_store_commit(r->store) : rc;
        if (rc != 0)
            node_store_rollback(r->store);
    }
    sae_enroll_response_free(response);
    r->result->enrolled_now = rc == 0;
    return rc;
}

/* A device revoked before this round: the wipe completed if a crash interrupted it, and
 * nothing sent. */
static int refuse_revoked(struct node_store *store, struct sae_message *why)
{
    struct node_wipe_state state;
    int rc = node_wipe_resume(store);
    if (rc == 0)
        rc = node_wipe_state(store, &state);
    if (rc == 0)
        node_wipe_explain(&state, why);
    return rc == 0 ? SAE_EREVOKED : rc;
}

/* The hub's notice came in this round: the wipe, dated by the hub's clock. */
static int wipe(struct round *r)
{
    int64_t when = r->notice.hub_time_ms ? (int64_t)r->notice.hub_time_ms
                                         : (int64_t)sae_wall_clock_ms();
    r->result->revoked = true;
    int rc = node_wipe_run(r->store, when);
    if (r->why)
        r->why->text[0] = '\0';
    if (rc != 0) {
        sae_message_set(r->why, "this device was revoked by the district; the wipe of "
                        "survivors' data on it failed (%s) and runs again at the next command; "
                        "contact the district", sae_wire_error_name(rc));
        return rc;
    }
    return refuse_revoked(r->store, r->why);
}

int sync_round(struct node_store *store, struct transport *transport,
               const struct hub_link *link, struct sync_result *result, struct sae_message *why)
{
    struct round r = {.store = store, .transport = transport, .link = link, .result = result,
                      .why = why, .limits = sae_limits_default()};
    snprintf(r.pins, sizeof r.pins, "%s", link->pins);
    sync_progress_fn progress = result->progress;
    void *progress_context = result->progress_context;
    memset(result, 0, sizeof *result);
    result->progress = progress;
    result->progress_context = progress_context;
    struct node_wipe_state wiped;
    int rc = node_wipe_state(store, &wiped);
    if (rc == 0 && wiped.revoked)
        return refuse_revoked(store, why);
    if (rc == 0)
        rc = load_keys(&r);
    if (rc == 0 && link->token[0])
        rc = enroll(&r);
    /* Pull first: its answer dates this computer's clock before anything is sent. */
    if (rc == 0)
        rc = sync_pull_all(&r);
    if (rc == 0)
        rc = sync_push_all(&r);
    /* What was sent may have opened or changed a review at the hub (another post's edit of
     * the same field came first): pull once more, so the post shows what the hub shows. */
    if (rc == 0 && result->pushed > 0)
        rc = sync_pull_all(&r);
    sodium_memzero(r.secret_key, sizeof r.secret_key);
    if (rc == SAE_EREVOKED)
        return wipe(&r);
    if (rc != 0 && why && !why->text[0])
        sae_message_set(why, "synchronisation failed: %s", sae_wire_error_name(rc));
    return rc;
}

int sync_record(struct node_store *store, int rc, const struct sae_message *why)
{
    return sync_state_record_round(store, rc == 0 ? NULL : why ? why->text : "");
}
