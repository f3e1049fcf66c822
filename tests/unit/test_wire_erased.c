/* The erasures of a pull (PROTOCOL.md section 6, Erasures): PullRequest.erasure_cursor,
 * PullResponse.erased (report ids) and next_erasure_cursor, and PushBatch.erasure_cursor.
 * Round trips; at most changes_per_message ids, each exactly 16 bytes, on both sides;
 * cursors below 2^63; an answer from a hub that says nothing of erasures reads as none; and
 * a batch without the cursor (an older post) reads as absent, not as 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sae.pb-c.h"
#include "sae/sae_error.h"
#include "sae/sae_wire.h"

static struct sae_id id_of(unsigned n)
{
    struct sae_id id;
    memset(id.bytes, (int)n, sizeof id.bytes);
    return id;
}

static void test_request_round_trip(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request req = {.cursor = 5, .erasure_cursor = 41};
    struct sae_pull_request *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_request_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->erasure_cursor, 41);
    free(out);
    sae_wire_buffer_free(buf, len);
    req.erasure_cursor = (uint64_t)INT64_MAX + 1;
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), SAE_WIRE_EDECODE);
}

static void test_response_round_trip(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_id ids[3] = {id_of(1), id_of(2), id_of(3)};
    struct sae_pull_response resp = {.schema_version = SAE_WIRE_SCHEMA_VERSION, .erased = ids,
                                     .erased_count = 3, .next_erasure_cursor = 9};
    struct sae_pull_response *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->erased_count, 3);
    assert_memory_equal(out->erased, ids, sizeof ids);
    assert_int_equal(out->next_erasure_cursor, 9);
    sae_pull_response_free(out);
    sae_wire_buffer_free(buf, len);
    /* None said: none, cursor 0 (a hub from before erasures on the posts). */
    resp.erased_count = 0;
    resp.next_erasure_cursor = 0;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->erased_count, 0);
    assert_null(out->erased);
    assert_int_equal(out->next_erasure_cursor, 0);
    sae_pull_response_free(out);
    sae_wire_buffer_free(buf, len);
}

static void test_limits_at_their_edge(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    limits.changes_per_message = 2;
    struct sae_id ids[3] = {id_of(1), id_of(2), id_of(3)};
    struct sae_pull_response resp = {.schema_version = SAE_WIRE_SCHEMA_VERSION, .erased = ids,
                                     .erased_count = 2};
    struct sae_pull_response *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), 0);
    sae_wire_buffer_free(buf, len);
    resp.erased_count = 3;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), SAE_WIRE_ELIMIT);
    resp.erased_count = 1;
    resp.next_erasure_cursor = (uint64_t)INT64_MAX + 1;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), SAE_WIRE_EDECODE);
    /* Three ids decoded under a limit of two, and an id of 15 bytes: refused. */
    struct sae_limits wide = sae_limits_default();
    resp.erased_count = 3;
    resp.next_erasure_cursor = 0;
    assert_int_equal(sae_pull_response_encode(&resp, &wide, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), SAE_WIRE_ELIMIT);
    assert_null(out);
    sae_wire_buffer_free(buf, len);
    Sae__V1__PullResponse pb = SAE__V1__PULL_RESPONSE__INIT;
    ProtobufCBinaryData short_id = {15, ids[0].bytes};
    pb.has_schema_version = 1;
    pb.schema_version = SAE_WIRE_SCHEMA_VERSION;
    pb.n_erased = 1;
    pb.erased = &short_id;
    len = sae__v1__pull_response__get_packed_size(&pb);
    buf = malloc(len);
    assert_non_null(buf);
    sae__v1__pull_response__pack(&pb, buf);
    assert_int_equal(sae_pull_response_decode(buf, len, &wide, &out), SAE_WIRE_EDECODE);
    assert_null(out);
    sae_wire_buffer_free(buf, len);
}

static void test_push_batch_cursor(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_batch batch = {.schema_version = SAE_WIRE_SCHEMA_VERSION, .origin = 7,
                              .has_erasure_cursor = true, .erasure_cursor = 0};
    struct sae_batch *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    assert_true(out->has_erasure_cursor);
    assert_int_equal(out->erasure_cursor, 0);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, len);
    batch.has_erasure_cursor = false;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    assert_false(out->has_erasure_cursor);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, len);
    /* The edge: 2^63 - 1 passes, 2^63 is refused by the encoder and by the decoder. */
    batch.has_erasure_cursor = true;
    batch.erasure_cursor = INT64_MAX;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->erasure_cursor, INT64_MAX);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, len);
    batch.erasure_cursor = (uint64_t)INT64_MAX + 1;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), SAE_WIRE_EDECODE);
    Sae__V1__PushBatch pb = SAE__V1__PUSH_BATCH__INIT;
    pb.has_schema_version = 1;
    pb.schema_version = SAE_WIRE_SCHEMA_VERSION;
    pb.has_erasure_cursor = 1;
    pb.erasure_cursor = (uint64_t)INT64_MAX + 1;
    len = sae__v1__push_batch__get_packed_size(&pb);
    buf = malloc(len);
    assert_non_null(buf);
    sae__v1__push_batch__pack(&pb, buf);
    out = NULL;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), SAE_WIRE_EDECODE);
    assert_null(out);
    sae_wire_buffer_free(buf, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_response_round_trip),
        cmocka_unit_test(test_limits_at_their_edge),
        cmocka_unit_test(test_push_batch_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
