/* The messages that carry changes: PushBatch, PushAck and PullResponse. */
#include "wire_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_error.h"

#define OPT(v) ((v) != 0)

/* A push batch holds only its sender's own changes, each once, in journal order. */
static int check_batch(const struct sae_batch *b)
{
    uint64_t last = 0;
    if (wire_check_int63(b->origin) || wire_check_int63(b->clock) ||
        wire_check_int63(b->has_erasure_cursor ? b->erasure_cursor : 0))
        return SAE_WIRE_EDECODE;
    for (size_t i = 0; i < b->change_count; i++) {
        if (b->changes[i].version.origin != b->origin || b->changes[i].seq <= last)
            return SAE_WIRE_EDECODE;
        last = b->changes[i].seq;
    }
    return 0;
}

int sae_batch_encode(const struct sae_batch *batch, const struct sae_limits *limits,
                     uint8_t **out, size_t *out_len)
{
    Sae__V1__PushBatch pb = SAE__V1__PUSH_BATCH__INIT;
    struct wire_pb_changes groups = {0};
    if (!batch || !limits || !out || !out_len || (batch->change_count && !batch->changes))
        return SAE_EINVAL;
    int rc = wire_check_schema(true, wire_schema_out(batch->schema_version));
    if (rc == 0)
        rc = check_batch(batch);
    if (rc == 0)
        rc = wire_changes_to_pb(batch->changes, batch->change_count, limits,
                                wire_values_of_push(wire_schema_out(batch->schema_version)),
                                &groups);
    if (rc == 0) {
        pb.has_schema_version = 1;
        pb.schema_version = wire_schema_out(batch->schema_version);
        pb.has_origin = OPT(batch->origin);
        pb.origin = batch->origin;
        pb.has_clock = OPT(batch->clock);
        pb.clock = batch->clock;
        pb.has_erasure_cursor = batch->has_erasure_cursor;
        pb.erasure_cursor = batch->erasure_cursor;
        pb.n_groups = groups.group_count;
        pb.groups = groups.group_ptrs;
        rc = wire_pack(&pb.base, limits, out, out_len);
    }
    wire_pb_changes_free(&groups);
    return rc;
}

int sae_batch_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                     struct sae_batch **out)
{
    struct wire_budget budget;
    ProtobufCMessage *msg = NULL;
    struct sae_batch *batch = NULL;
    if (!limits || !out)
        return SAE_EINVAL;
    int rc = wire_unpack(&sae__v1__push_batch__descriptor, buf, len, limits, &budget, &msg);
    if (rc != 0)
        return rc;
    const Sae__V1__PushBatch *pb = (const Sae__V1__PushBatch *)msg;
    uint64_t origin = pb->has_origin ? pb->origin : 0;
    rc = wire_check_schema(pb->has_schema_version, pb->schema_version);
    if (rc == 0 && (wire_check_int63(origin) || wire_check_int63(pb->has_clock ? pb->clock : 0) ||
                    wire_check_int63(pb->has_erasure_cursor ? pb->erasure_cursor : 0)))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && !(batch = calloc(1, sizeof *batch)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = wire_changes_from_pb(pb->groups, pb->n_groups, limits, &origin,
                                  wire_values_of_push(pb->schema_version), &batch->changes,
                                  &batch->change_count);
    if (rc == 0) {
        batch->schema_version = pb->schema_version;
        batch->origin = origin;
        batch->clock = pb->has_clock ? pb->clock : 0;
        batch->has_erasure_cursor = pb->has_erasure_cursor;
        batch->erasure_cursor = pb->has_erasure_cursor ? pb->erasure_cursor : 0;
        *out = batch;
    } else {
        free(batch);
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}

void sae_batch_free(struct sae_batch *batch)
{
    if (!batch)
        return;
    wire_changes_free(batch->changes, batch->change_count);
    free(batch);
}

/* PushAck. */

static int check_refusals_c(const struct sae_refusal *r, size_t count,
                            const struct sae_limits *limits)
{
    if (count > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    for (size_t i = 0; i < count; i++) {
        size_t len = r[i].message ? strlen(r[i].message) : 0;
        int rc = wire_check_text((const uint8_t *)r[i].message, len, limits->text_bytes,
                                 WIRE_TEXT_MESSAGE);
        if (rc != 0)
            return rc;
        if (r[i].seq == 0 || wire_check_int63(r[i].seq))
            return SAE_WIRE_EDECODE;
    }
    return 0;
}

int sae_push_ack_encode(const struct sae_push_ack *ack, const struct sae_limits *limits,
                        uint8_t **out, size_t *out_len)
{
    Sae__V1__PushAck pb = SAE__V1__PUSH_ACK__INIT;
    if (!ack || !limits || !out || !out_len || (ack->refusal_count && !ack->refusals))
        return SAE_EINVAL;
    int rc = wire_check_schema(true, wire_schema_out(ack->schema_version));
    if (rc == 0)
        rc = check_refusals_c(ack->refusals, ack->refusal_count, limits);
    if (rc == 0 && (wire_check_int63(ack->hub_clock) || wire_check_int63(ack->origin) ||
                    wire_check_int63(ack->acked_seq) || wire_check_ms(ack->hub_time_ms)))
        rc = SAE_WIRE_EDECODE;
    if (rc != 0)
        return rc;
    Sae__V1__Refusal *block = calloc(ack->refusal_count + 1, sizeof *block);
    Sae__V1__Refusal **ptrs = calloc(ack->refusal_count + 1, sizeof *ptrs);
    if (!block || !ptrs) {
        free(block);
        free(ptrs);
        return SAE_ENOMEM;
    }
    for (size_t i = 0; i < ack->refusal_count; i++) {
        sae__v1__refusal__init(&block[i]);
        block[i].has_seq = 1;
        block[i].seq = ack->refusals[i].seq;
        block[i].has_code = 1;
        block[i].code = ack->refusals[i].code;
        block[i].has_message = ack->refusals[i].message && ack->refusals[i].message[0];
        block[i].message = wire_bytes_of(ack->refusals[i].message);
        ptrs[i] = &block[i];
    }
    pb.has_schema_version = 1;
    pb.schema_version = wire_schema_out(ack->schema_version);
    pb.has_hub_clock = OPT(ack->hub_clock);
    pb.hub_clock = ack->hub_clock;
    pb.has_origin = OPT(ack->origin);
    pb.origin = ack->origin;
    pb.has_acked_seq = OPT(ack->acked_seq);
    pb.acked_seq = ack->acked_seq;
    pb.n_refusals = ack->refusal_count;
    pb.refusals = ptrs;
    pb.has_hub_time = OPT(ack->hub_time_ms);
    pb.hub_time = ack->hub_time_ms;
    rc = wire_pack(&pb.base, limits, out, out_len);
    free(ptrs);
    free(block);
    return rc;
}

static int ack_pb_check(const Sae__V1__PushAck *pb, const struct sae_limits *limits)
{
    int rc = wire_check_schema(pb->has_schema_version, pb->schema_version);
    if (rc != 0)
        return rc;
    if (pb->n_refusals > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    if (wire_check_int63(pb->has_hub_clock ? pb->hub_clock : 0) ||
        wire_check_int63(pb->has_origin ? pb->origin : 0) ||
        wire_check_int63(pb->has_acked_seq ? pb->acked_seq : 0) ||
        wire_check_ms(pb->has_hub_time ? pb->hub_time : 0))
        return SAE_WIRE_EDECODE;
    for (size_t i = 0; i < pb->n_refusals; i++) {
        const Sae__V1__Refusal *r = pb->refusals[i];
        size_t len = r->has_message ? r->message.len : 0;
        rc = wire_check_text(r->message.data, len, limits->text_bytes, WIRE_TEXT_MESSAGE);
        if (rc != 0)
            return rc;
        if (!r->has_seq || r->seq == 0 || wire_check_int63(r->seq))
            return SAE_WIRE_EDECODE;
    }
    return 0;
}

static int refusals_from_pb(const Sae__V1__PushAck *pb, struct sae_refusal **out)
{
    struct sae_refusal *r = calloc(pb->n_refusals + 1, sizeof *r);
    if (!r)
        return SAE_ENOMEM;
    for (size_t i = 0; i < pb->n_refusals; i++) {
        const Sae__V1__Refusal *p = pb->refusals[i];
        r[i].seq = p->seq;
        r[i].code = p->has_code ? p->code : 0;
        if (wire_dup_text(p->message.data, p->has_message ? p->message.len : 0,
                          &r[i].message) != 0) {
            for (size_t k = 0; k < i; k++)
                wire_free_text(r[k].message);
            free(r);
            return SAE_ENOMEM;
        }
    }
    *out = r;
    return 0;
}

int sae_push_ack_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                        struct sae_push_ack **out)
{
    struct wire_budget budget;
    ProtobufCMessage *msg = NULL;
    struct sae_push_ack *ack = NULL;
    if (!limits || !out)
        return SAE_EINVAL;
    int rc = wire_unpack(&sae__v1__push_ack__descriptor, buf, len, limits, &budget, &msg);
    if (rc != 0)
        return rc;
    const Sae__V1__PushAck *pb = (const Sae__V1__PushAck *)msg;
    rc = ack_pb_check(pb, limits);
    if (rc == 0 && !(ack = calloc(1, sizeof *ack)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = refusals_from_pb(pb, &ack->refusals);
    if (rc == 0) {
        ack->schema_version = pb->schema_version;
        ack->hub_clock = pb->has_hub_clock ? pb->hub_clock : 0;
        ack->origin = pb->has_origin ? pb->origin : 0;
        ack->acked_seq = pb->has_acked_seq ? pb->acked_seq : 0;
        ack->hub_time_ms = pb->has_hub_time ? pb->hub_time : 0;
        ack->refusal_count = pb->n_refusals;
        *out = ack;
    } else {
        free(ack);
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}

void sae_push_ack_free(struct sae_push_ack *ack)
{
    if (!ack)
        return;
    for (size_t i = 0; i < ack->refusal_count; i++)
        wire_free_text(ack->refusals[i].message);
    free(ack->refusals);
    free(ack);
}

/* PullResponse: changes of any origin, in the hub's order. */

/* Erased report ids: at most changes_per_message, each SAE_ID_BYTES long (*out NULL for
 * none; free it). */
static int erased_to_pb(const struct sae_id *ids, size_t count, const struct sae_limits *limits,
                        ProtobufCBinaryData **out)
{
    *out = NULL;
    if (count == 0)
        return 0;
    if (count > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    ProtobufCBinaryData *pb = calloc(count, sizeof *pb);
    if (!pb)
        return SAE_ENOMEM;
    for (size_t i = 0; i < count; i++)
        pb[i] = (ProtobufCBinaryData){SAE_ID_BYTES, sae_borrow(ids[i].bytes)};
    *out = pb;
    return 0;
}

static int erased_from_pb(const Sae__V1__PullResponse *pb, const struct sae_limits *limits,
                          struct sae_id **out, size_t *count)
{
    if (pb->n_erased == 0)
        return 0;
    if (pb->n_erased > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    for (size_t i = 0; i < pb->n_erased; i++)
        if (pb->erased[i].len != SAE_ID_BYTES)
            return SAE_WIRE_EDECODE;
    struct sae_id *ids = calloc(pb->n_erased, sizeof *ids);
    if (!ids)
        return SAE_ENOMEM;
    for (size_t i = 0; i < pb->n_erased; i++)
        memcpy(ids[i].bytes, pb->erased[i].data, SAE_ID_BYTES);
    *out = ids;
    *count = pb->n_erased;
    return 0;
}

int sae_pull_response_encode(const struct sae_pull_response *resp,
                             const struct sae_limits *limits, uint8_t **out, size_t *out_len)
{
    Sae__V1__PullResponse pb = SAE__V1__PULL_RESPONSE__INIT;
    struct wire_pb_changes groups = {0}, grants = {0};
    struct wire_pb_reviews reviews = {0};
    ProtobufCBinaryData pins[SAE_WIRE_TLS_PINS_MAX];
    ProtobufCBinaryData *erased = NULL;
    if (!resp || !limits || !out || !out_len || (resp->change_count && !resp->changes) ||
        (resp->review_count && !resp->reviews) || (resp->grant_count && !resp->grants) ||
        (resp->erased_count && !resp->erased))
        return SAE_EINVAL;
    uint32_t schema = wire_schema_out(resp->schema_version);
    int rc = wire_check_schema(true, schema);
    if (rc == 0 && (wire_check_int63(resp->hub_clock) || wire_check_int63(resp->next_cursor) ||
                    wire_check_ms(resp->hub_time_ms) ||
                    wire_check_int63(resp->next_review_cursor) ||
                    wire_check_int63(resp->held_seq) ||
                    wire_check_int63(resp->next_grant_cursor) ||
                    wire_check_int63(resp->next_erasure_cursor)))
        rc = SAE_WIRE_EDECODE;
    /* Grants exist from schema 4 on: an older post would drop them unread. */
    if (rc == 0 && schema < SAE_WIRE_SCHEMA_WITHHELD &&
        (resp->grant_count || resp->next_grant_cursor))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && resp->tls_pin_count > SAE_WIRE_TLS_PINS_MAX)
        rc = SAE_WIRE_ELIMIT;
    if (rc == 0)
        rc = erased_to_pb(resp->erased, resp->erased_count, limits, &erased);
    if (rc == 0)
        rc = wire_reviews_to_pb(resp->reviews, resp->review_count, limits, &reviews);
    if (rc == 0)
        rc = wire_changes_to_pb(resp->changes, resp->change_count, limits,
                                wire_values_of_pull(schema), &groups);
    if (rc == 0)
        rc = wire_changes_to_pb(resp->grants, resp->grant_count, limits, WIRE_VALUES_GRANTS,
                                &grants);
    if (rc == 0) {
        pb.has_schema_version = 1;
        pb.schema_version = wire_schema_out(resp->schema_version);
        pb.has_hub_clock = OPT(resp->hub_clock);
        pb.hub_clock = resp->hub_clock;
        pb.n_groups = groups.group_count;
        pb.groups = groups.group_ptrs;
        pb.has_next_cursor = OPT(resp->next_cursor);
        pb.next_cursor = resp->next_cursor;
        pb.has_more = resp->more;
        pb.more = resp->more;
        pb.has_hub_time = OPT(resp->hub_time_ms);
        pb.hub_time = resp->hub_time_ms;
        pb.n_tls_pins = resp->tls_pin_count;
        pb.tls_pins = pins;
        for (size_t i = 0; i < resp->tls_pin_count; i++)
            pins[i] = (ProtobufCBinaryData){SAE_WIRE_TLS_PIN_BYTES, sae_borrow(resp->tls_pins[i])};
        pb.n_reviews = reviews.count;
        pb.reviews = reviews.ptrs;
        pb.has_next_review_cursor = OPT(resp->next_review_cursor);
        pb.next_review_cursor = resp->next_review_cursor;
        pb.has_held_seq = resp->has_held_seq;
        pb.held_seq = resp->held_seq;
        pb.n_grants = grants.group_count;
        pb.grants = grants.group_ptrs;
        pb.has_next_grant_cursor = OPT(resp->next_grant_cursor);
        pb.next_grant_cursor = resp->next_grant_cursor;
        pb.n_erased = resp->erased_count;
        pb.erased = erased;
        pb.has_next_erasure_cursor = OPT(resp->next_erasure_cursor);
        pb.next_erasure_cursor = resp->next_erasure_cursor;
        rc = wire_pack(&pb.base, limits, out, out_len);
    }
    free(erased);
    wire_pb_changes_free(&groups);
    wire_pb_changes_free(&grants);
    wire_pb_reviews_free(&reviews);
    return rc;
}

/* At most SAE_WIRE_TLS_PINS_MAX pins, each a SHA-256 of exactly 32 bytes. */
static int check_pb_pins(const Sae__V1__PullResponse *pb)
{
    if (pb->n_tls_pins > SAE_WIRE_TLS_PINS_MAX)
        return SAE_WIRE_ELIMIT;
    for (size_t i = 0; i < pb->n_tls_pins; i++)
        if (pb->tls_pins[i].len != SAE_WIRE_TLS_PIN_BYTES)
            return SAE_WIRE_EDECODE;
    return 0;
}

int sae_pull_response_decode(const uint8_t *buf, size_t len, const struct sae_limits *limits,
                             struct sae_pull_response **out)
{
    struct wire_budget budget;
    ProtobufCMessage *msg = NULL;
    struct sae_pull_response *resp = NULL;
    if (!limits || !out)
        return SAE_EINVAL;
    int rc = wire_unpack(&sae__v1__pull_response__descriptor, buf, len, limits, &budget, &msg);
    if (rc != 0)
        return rc;
    const Sae__V1__PullResponse *pb = (const Sae__V1__PullResponse *)msg;
    rc = wire_check_schema(pb->has_schema_version, pb->schema_version);
    if (rc == 0 && (wire_check_int63(pb->has_hub_clock ? pb->hub_clock : 0) ||
                    wire_check_int63(pb->has_next_cursor ? pb->next_cursor : 0) ||
                    wire_check_ms(pb->has_hub_time ? pb->hub_time : 0) ||
                    wire_check_int63(pb->has_next_review_cursor ? pb->next_review_cursor : 0) ||
                    wire_check_int63(pb->has_held_seq ? pb->held_seq : 0) ||
                    wire_check_int63(pb->has_next_grant_cursor ? pb->next_grant_cursor : 0) ||
                    wire_check_int63(pb->has_next_erasure_cursor ? pb->next_erasure_cursor
                                                                 : 0)))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && pb->schema_version < SAE_WIRE_SCHEMA_WITHHELD &&
        (pb->n_grants || pb->has_next_grant_cursor))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0)
        rc = check_pb_pins(pb);
    if (rc == 0 && !(resp = calloc(1, sizeof *resp)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = wire_reviews_from_pb(pb->reviews, pb->n_reviews, limits, &resp->reviews,
                                  &resp->review_count);
    if (rc == 0)
        rc = wire_changes_from_pb(pb->groups, pb->n_groups, limits, NULL,
                                  wire_values_of_pull(pb->schema_version), &resp->changes,
                                  &resp->change_count);
    if (rc == 0)
        rc = wire_changes_from_pb(pb->grants, pb->n_grants, limits, NULL, WIRE_VALUES_GRANTS,
                                  &resp->grants, &resp->grant_count);
    if (rc == 0)
        rc = erased_from_pb(pb, limits, &resp->erased, &resp->erased_count);
    if (rc == 0) {
        resp->schema_version = pb->schema_version;
        resp->hub_clock = pb->has_hub_clock ? pb->hub_clock : 0;
        resp->next_cursor = pb->has_next_cursor ? pb->next_cursor : 0;
        resp->more = pb->has_more && pb->more;
        resp->hub_time_ms = pb->has_hub_time ? pb->hub_time : 0;
        resp->tls_pin_count = pb->n_tls_pins;
        for (size_t i = 0; i < pb->n_tls_pins; i++)
            memcpy(resp->tls_pins[i], pb->tls_pins[i].data, SAE_WIRE_TLS_PIN_BYTES);
        resp->next_review_cursor = pb->has_next_review_cursor ? pb->next_review_cursor : 0;
        resp->has_held_seq = pb->has_held_seq;
        resp->held_seq = pb->has_held_seq ? pb->held_seq : 0;
        resp->next_grant_cursor = pb->has_next_grant_cursor ? pb->next_grant_cursor : 0;
        resp->next_erasure_cursor =
            pb->has_next_erasure_cursor ? pb->next_erasure_cursor : 0;
        *out = resp;
    } else if (resp) {
        wire_reviews_free(resp->reviews, resp->review_count);
        wire_changes_free(resp->changes, resp->change_count);
        wire_changes_free(resp->grants, resp->grant_count);
        free(resp);
    }
    protobuf_c_message_free_unpacked(msg, &budget.allocator);
    return rc;
}

void sae_pull_response_free(struct sae_pull_response *resp)
{
    if (!resp)
        return;
    wire_changes_free(resp->changes, resp->change_count);
    wire_changes_free(resp->grants, resp->grant_count);
    wire_reviews_free(resp->reviews, resp->review_count);
    free(resp->erased);
    free(resp);
}
