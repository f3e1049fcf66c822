/* The small messages: PullRequest, EnrollRequest, EnrollResponse, ErrorStatus; the limits'
 * defaults and the wire error names. */
#include "wire_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_error.h"
#include "sae/sae_limits.h"

#define OPT(v) ((v) != 0)

struct sae_limits sae_limits_default(void)
{
    struct sae_limits l = {
        .envelope_bytes = SAE_WIRE_ENVELOPE_BYTES,
        .inflated_bytes = SAE_WIRE_INFLATED_BYTES,
        .decode_bytes = SAE_WIRE_DECODE_BYTES,
        .changes_per_message = SAE_WIRE_CHANGES_PER_MESSAGE,
        .value_bytes = SAE_WIRE_VALUE_BYTES,
        .name_bytes = SAE_WIRE_NAME_BYTES,
        .text_bytes = SAE_WIRE_TEXT_BYTES,
    };
    return l;
}

const char *sae_wire_error_name(int code)
{
    switch (code) {
    case SAE_WIRE_EFORMAT: return "not an envelope (bad magic, version or layout)";
    case SAE_WIRE_EUNKNOWN_SENDER: return "unknown sender";
    case SAE_WIRE_EAUTH: return "authentication failed";
    case SAE_WIRE_ETOOLARGE: return "message too large";
    case SAE_WIRE_EINFLATE: return "decompression failed";
    case SAE_WIRE_EDECODE: return "malformed message";
    case SAE_WIRE_ELIMIT: return "message over a limit";
    case SAE_WIRE_ESCHEMA: return "unsupported schema version";
    default: return sae_error_name(code);
    }
}

static size_t text_len(const char *text) { return text ? strlen(text) : 0; }

static int check_line(const char *text, size_t max)
{
    return wire_check_text((const uint8_t *)text, text_len(text), max, WIRE_TEXT_LINE);
}

static int check_message(const char *text, size_t max)
{
    return wire_check_text((const uint8_t *)text, text_len(text), max, WIRE_TEXT_MESSAGE);
}

/* Optional bytes as a checked text: absent counts as empty. */
static int check_pb_text(protobuf_c_boolean has, const ProtobufCBinaryData *b, size_t max,
                         enum wire_text_rule rule)
{
    return wire_check_text(b->data, has ? b->len : 0, max, rule);
}

static int dup_pb_text(protobuf_c_boolean has, const ProtobufCBinaryData *b, char **out)
{
    return wire_dup_text(b->data, has ? b->len : 0, out);
}

static uint64_t opt_u64(protobuf_c_boolean has, uint64_t v) { return has ? v : 0; }

/* Each decoder: unpack with the budget, check, copy, release the protobuf memory. */
#define DECODE_BEGIN(desc, type, pbvar)                                                   \
    struct wire_budget budget;                                                            \
    ProtobufCMessage *msg = NULL;                                                         \
    if (!limits || !out)                                                                  \
        return SAE_EINVAL;                                                                \
    int rc = wire_unpack(&(desc), buf, len, limits, &budget, &msg);                       \
    if (rc != 0)                                                                          \
        return rc;                                                                        \
    const type *pbvar = (const type *)msg;                                                \
    rc = wire_check_schema(pbvar->has_schema_version, pbvar->schema_version)

/* PullRequest. */

int sae_pull_request_encode(const struct sae_pull_request *req, const struct sae_limits *limits,
                            uint8_t **out, size_t *out_len)
{
    Sae__V1__PullRequest pb = SAE__V1__PULL_REQUEST__INIT;
    if (!req || !limits || !out || !out_len)
        return SAE_EINVAL;
    int rc = wire_check_schema(true, wire_schema_out(req->schema_version));
    if (rc == 0 && (wire_check_int63(req->cursor) || wire_check_int63(req->clock) ||
                    wire_check_int63(req->review_cursor) || wire_check_int63(req->pending) ||
                    wire_check_int63(req->grant_cursor) ||
                    wire_check_int63(req->erasure_cursor)))
        rc = SAE_WIRE_EDECODE;
    bool reports = req->program[0] != '\0';
    if (rc == 0 && reports)
        rc = check_line(req->program, SAE_WIRE_PROGRAM_BYTES - 1);
    if (rc != 0)
        return rc;
    pb.has_schema_version = 1;
    pb.schema_version = wire_schema_out(req->schema_version);
    pb.has_cursor = OPT(req->cursor);
    pb.cursor = req->cursor;
    pb.has_max_changes = OPT(req->max_changes);
    pb.max_changes = req->max_changes;
    pb.has_clock = OPT(req->clock);
    pb.clock = req->clock;
    pb.has_review_cursor = OPT(req->review_cursor);
    pb.review_cursor = req->review_cursor;
    pb.has_with_reviews = req->with_reviews;
    pb.with_reviews = req->with_reviews;
    pb.has_pending = reports && req->pending != 0;
    pb.pending = req->pending;
    pb.has_program = reports;
    if (reports)
        pb.program = wire_bytes_of(req->program);
    pb.has_grant_cursor = OPT(req->grant_cursor);
    pb.grant_cursor = req->grant_cursor;
    pb.has_erasure_cursor = OPT(req->erasure_cursor);
    pb.erasure_cursor = req->erasure_cursor;
    return wire_pack(&pb.base, limits, out, out_len);
}

int sae_pull_request_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                            struct sae_pull_request **out)
{
    DECODE_BEGIN(sae__v1__pull_request__descriptor, Sae__V1__PullRequest, pb);
    struct sae_pull_request *req = NULL;
    if (rc == 0 && (wire_check_int63(opt_u64(pb->has_cursor, pb->cursor)) ||
                    wire_check_int63(opt_u64(pb->has_clock, pb->clock)) ||
                    wire_check_int63(opt_u64(pb->has_review_cursor, pb->review_cursor)) ||
                    wire_check_int63(opt_u64(pb->has_pending, pb->pending)) ||
                    wire_check_int63(opt_u64(pb->has_grant_cursor, pb->grant_cursor)) ||
                    wire_check_int63(opt_u64(pb->has_erasure_cursor, pb->erasure_cursor))))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && pb->has_program)
        rc = check_pb_text(true, &pb->program, SAE_WIRE_PROGRAM_BYTES - 1, WIRE_TEXT_LINE);
    if (rc == 0 && !(req = calloc(1, sizeof *req)))
        rc = SAE_ENOMEM;
    if (rc == 0) {
        req->schema_version = pb->schema_version;
        req->cursor = opt_u64(pb->has_cursor, pb->cursor);
        req->max_changes = pb->has_max_changes ? pb->max_changes : 0;
        req->clock = opt_u64(pb->has_clock, pb->clock);
        req->review_cursor = opt_u64(pb->has_review_cursor, pb->review_cursor);
        req->with_reviews = pb->has_with_reviews && pb->with_reviews;
        req->grant_cursor = opt_u64(pb->has_grant_cursor, pb->grant_cursor);
        req->erasure_cursor = opt_u64(pb->has_erasure_cursor, pb->erasure_cursor);
        if (pb->has_program) { /* checked above: fits, no NUL */
            memcpy(req->program, pb->program.data, pb->program.len);
            req->pending = opt_u64(pb->has_pending, pb->pending);
        }
        *out = req;
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}

void sae_pull_request_free(struct sae_pull_request *req) { free(req); }

/* EnrollRequest. */

static int check_enroll_request(const struct sae_enroll_request *req,
                                const struct sae_limits *limits)
{
    int rc = wire_check_schema(true, wire_schema_out(req->schema_version));
    if (rc == 0)
        rc = check_line(req->token, limits->text_bytes);
    if (rc == 0)
        rc = check_line(req->village, SAE_LIMIT_VILLAGE_BYTES);
    if (rc == 0)
        rc = check_line(req->device_name, limits->text_bytes);
    if (rc == 0 && wire_check_int63(req->clock))
        rc = SAE_WIRE_EDECODE;
    return rc;
}

int sae_enroll_request_encode(const struct sae_enroll_request *req,
                              const struct sae_limits *limits, uint8_t **out, size_t *out_len)
{
    Sae__V1__EnrollRequest pb = SAE__V1__ENROLL_REQUEST__INIT;
    if (!req || !limits || !out || !out_len)
        return SAE_EINVAL;
    int rc = check_enroll_request(req, limits);
    if (rc != 0)
        return rc;
    pb.has_schema_version = 1;
    pb.schema_version = wire_schema_out(req->schema_version);
    pb.has_token = 1;
    pb.token = wire_bytes_of(req->token);
    pb.has_public_key = 1;
    pb.public_key.data = sae_borrow(req->public_key);
    pb.public_key.len = sizeof req->public_key;
    pb.has_village = 1;
    pb.village = wire_bytes_of(req->village);
    pb.has_device_name = 1;
    pb.device_name = wire_bytes_of(req->device_name);
    pb.has_clock = OPT(req->clock);
    pb.clock = req->clock;
    pb.has_storage_public_key = req->has_storage_key;
    pb.storage_public_key.data = sae_borrow(req->storage_public_key);
    pb.storage_public_key.len = req->has_storage_key ? sizeof req->storage_public_key : 0;
    return wire_pack(&pb.base, limits, out, out_len);
}

void sae_enroll_request_free(struct sae_enroll_request *req)
{
    if (!req)
        return;
    wire_free_text(req->token);
    wire_free_text(req->village);
    wire_free_text(req->device_name);
    free(req);
}

int sae_enroll_request_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                              struct sae_enroll_request **out)
{
    DECODE_BEGIN(sae__v1__enroll_request__descriptor, Sae__V1__EnrollRequest, pb);
    struct sae_enroll_request *req = NULL;
    if (rc == 0)
        rc = check_pb_text(pb->has_token, &pb->token, limits->text_bytes, WIRE_TEXT_LINE);
    if (rc == 0)
        rc = check_pb_text(pb->has_village, &pb->village, SAE_LIMIT_VILLAGE_BYTES,
                           WIRE_TEXT_LINE);
    if (rc == 0)
        rc = check_pb_text(pb->has_device_name, &pb->device_name, limits->text_bytes,
                           WIRE_TEXT_LINE);
    if (rc == 0 && (!pb->has_public_key || pb->public_key.len != SAE_WIRE_PUBLIC_KEY_BYTES))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && wire_check_int63(opt_u64(pb->has_clock, pb->clock)))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && pb->has_storage_public_key &&
        pb->storage_public_key.len != SAE_WIRE_PUBLIC_KEY_BYTES)
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && !(req = calloc(1, sizeof *req)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = dup_pb_text(pb->has_token, &pb->token, &req->token);
    if (rc == 0)
        rc = dup_pb_text(pb->has_village, &pb->village, &req->village);
    if (rc == 0)
        rc = dup_pb_text(pb->has_device_name, &pb->device_name, &req->device_name);
    if (rc == 0) {
        req->schema_version = pb->schema_version;
        memcpy(req->public_key, pb->public_key.data, SAE_WIRE_PUBLIC_KEY_BYTES);
        req->clock = opt_u64(pb->has_clock, pb->clock);
        req->has_storage_key = pb->has_storage_public_key;
        if (req->has_storage_key)
            memcpy(req->storage_public_key, pb->storage_public_key.data,
                   SAE_WIRE_PUBLIC_KEY_BYTES);
        *out = req;
    } else {
        sae_enroll_request_free(req);
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}

/* EnrollResponse. */

int sae_enroll_response_encode(const struct sae_enroll_response *resp,
                               const struct sae_limits *limits, uint8_t **out, size_t *out_len)
{
    Sae__V1__EnrollResponse pb = SAE__V1__ENROLL_RESPONSE__INIT;
    if (!resp || !limits || !out || !out_len)
        return SAE_EINVAL;
    int rc = wire_check_schema(true, wire_schema_out(resp->schema_version));
    if (rc == 0)
        rc = check_line(resp->village, SAE_LIMIT_VILLAGE_BYTES);
    if (rc == 0 && resp->device_name)
        rc = check_line(resp->device_name, limits->text_bytes);
    if (rc == 0 && (wire_check_int63(resp->hub_clock) || wire_check_int63(resp->node_id) ||
                    wire_check_ms(resp->hub_time_ms)))
        rc = SAE_WIRE_EDECODE;
    if (rc != 0)
        return rc;
    pb.has_schema_version = 1;
    pb.schema_version = wire_schema_out(resp->schema_version);
    pb.has_hub_clock = OPT(resp->hub_clock);
    pb.hub_clock = resp->hub_clock;
    pb.has_node_id = OPT(resp->node_id);
    pb.node_id = resp->node_id;
    pb.has_village = 1;
    pb.village = wire_bytes_of(resp->village);
    pb.has_hub_time = OPT(resp->hub_time_ms);
    pb.hub_time = resp->hub_time_ms;
    pb.has_device_name = resp->device_name != NULL;
    pb.device_name = wire_bytes_of(resp->device_name);
    return wire_pack(&pb.base, limits, out, out_len);
}

void sae_enroll_response_free(struct sae_enroll_response *resp)
{
    if (!resp)
        return;
    wire_free_text(resp->village);
    wire_free_text(resp->device_name);
    free(resp);
}

int sae_enroll_response_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                               struct sae_enroll_response **out)
{
    DECODE_BEGIN(sae__v1__enroll_response__descriptor, Sae__V1__EnrollResponse, pb);
    struct sae_enroll_response *resp = NULL;
    if (rc == 0)
        rc = check_pb_text(pb->has_village, &pb->village, SAE_LIMIT_VILLAGE_BYTES,
                           WIRE_TEXT_LINE);
    if (rc == 0 && pb->has_device_name)
        rc = check_pb_text(true, &pb->device_name, limits->text_bytes, WIRE_TEXT_LINE);
    if (rc == 0 && (wire_check_int63(opt_u64(pb->has_hub_clock, pb->hub_clock)) ||
                    wire_check_int63(opt_u64(pb->has_node_id, pb->node_id)) ||
                    wire_check_ms(opt_u64(pb->has_hub_time, pb->hub_time))))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && !(resp = calloc(1, sizeof *resp)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = dup_pb_text(pb->has_village, &pb->village, &resp->village);
    if (rc == 0 && pb->has_device_name)
        rc = dup_pb_text(true, &pb->device_name, &resp->device_name);
    if (rc == 0) {
        resp->schema_version = pb->schema_version;
        resp->hub_clock = opt_u64(pb->has_hub_clock, pb->hub_clock);
        resp->node_id = opt_u64(pb->has_node_id, pb->node_id);
        resp->hub_time_ms = opt_u64(pb->has_hub_time, pb->hub_time);
        *out = resp;
    } else {
        sae_enroll_response_free(resp);
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}

/* ErrorStatus. */

int sae_error_status_encode(const struct sae_error_status *status,
                            const struct sae_limits *limits, uint8_t **out, size_t *out_len)
{
    Sae__V1__ErrorStatus pb = SAE__V1__ERROR_STATUS__INIT;
    if (!status || !limits || !out || !out_len)
        return SAE_EINVAL;
    int rc = wire_check_schema(true, wire_schema_out(status->schema_version));
    if (rc == 0)
        rc = check_message(status->message, limits->text_bytes);
    if (rc == 0 && (wire_check_int63(status->hub_clock) || wire_check_ms(status->hub_time_ms)))
        rc = SAE_WIRE_EDECODE;
    if (rc != 0)
        return rc;
    pb.has_schema_version = 1;
    pb.schema_version = wire_schema_out(status->schema_version);
    pb.has_hub_clock = OPT(status->hub_clock);
    pb.hub_clock = status->hub_clock;
    pb.has_code = OPT(status->code);
    pb.code = status->code;
    pb.has_message = status->message && status->message[0];
    pb.message = wire_bytes_of(status->message);
    pb.has_hub_time = OPT(status->hub_time_ms);
    pb.hub_time = status->hub_time_ms;
    return wire_pack(&pb.base, limits, out, out_len);
}

void sae_error_status_free(struct sae_error_status *status)
{
    if (!status)
        return;
    wire_free_text(status->message);
    free(status);
}

int sae_error_status_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                            struct sae_error_status **out)
{
    DECODE_BEGIN(sae__v1__error_status__descriptor, Sae__V1__ErrorStatus, pb);
    struct sae_error_status *status = NULL;
    if (rc == 0)
        rc = check_pb_text(pb->has_message, &pb->message, limits->text_bytes, WIRE_TEXT_MESSAGE);
    if (rc == 0 && (wire_check_int63(opt_u64(pb->has_hub_clock, pb->hub_clock)) ||
                    wire_check_ms(opt_u64(pb->has_hub_time, pb->hub_time))))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && !(status = calloc(1, sizeof *status)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = dup_pb_text(pb->has_message, &pb->message, &status->message);
    if (rc == 0) {
        status->schema_version = pb->schema_version;
        status->hub_clock = opt_u64(pb->has_hub_clock, pb->hub_clock);
        status->code = pb->has_code ? pb->code : 0;
        status->hub_time_ms = opt_u64(pb->has_hub_time, pb->hub_time);
        *out = status;
    } else {
        sae_error_status_free(status);
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}
