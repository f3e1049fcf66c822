/* The wire limits (struct sae_limits) at their edge and one past it, on both sides: the
 * encoder refuses to produce what is over a limit, and the decoder refuses it when a peer
 * sends it anyway. The envelope's own limits are in test_envelope.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae.pb-c.h"
#include "sae/sae_borrow.h"
#include "sae/sae_error.h"
#include "sae/sae_limits.h"
#include "sae/sae_wire.h"

/* A batch of n changes, every one in its own group, values of value_len bytes. */
static struct sae_change *uniform_changes(size_t n, size_t value_len, const char *name)
{
    struct sae_change *c = calloc(n + 1, sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) {
        memset(c[i].report_id.bytes, (int)(i & 0xff), SAE_ID_BYTES);
        c[i].kind = sae_borrow(name);
        c[i].field = sae_borrow(name);
        c[i].value = malloc(value_len + 1);
        assert_non_null(c[i].value);
        memset(c[i].value, 'v', value_len);
        c[i].value[value_len] = '\0';
        c[i].version = (struct sae_version){1000 + i, 4};
        c[i].seq = i + 1;
    }
    return c;
}

static void free_uniform(struct sae_change *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i].value);
    free(c);
}

/* Encodes n uniform changes with encode_limits (its result in *encode_rc), then decodes
 * the same changes, encoded without limits, with decode_limits: both sides of one edge. */
static int batch_trip(size_t n, size_t value_len, const char *name,
                      const struct sae_limits *encode_limits,
                      const struct sae_limits *decode_limits, int *encode_rc)
{
    struct sae_change *c = uniform_changes(n, value_len, name);
    struct sae_batch batch = {.origin = 4, .changes = c, .change_count = n}, *out = NULL;
    struct sae_limits wide = sae_limits_default();
    uint8_t *buf = NULL;
    size_t len = 0;
    *encode_rc = sae_batch_encode(&batch, encode_limits, &buf, &len);
    if (*encode_rc == 0)
        sae_wire_buffer_free(buf, len);
    wide.changes_per_message = wide.value_bytes = wide.name_bytes = SIZE_MAX / 4;
    wide.inflated_bytes = wide.decode_bytes = SIZE_MAX / 4;
    assert_int_equal(sae_batch_encode(&batch, &wide, &buf, &len), 0);
    int rc = sae_batch_decode(buf, len, decode_limits, &out);
    if (rc == 0)
        sae_batch_free(out);
    else
        assert_null(out);
    sae_wire_buffer_free(buf, len);
    free_uniform(c, n);
    return rc;
}

static void test_limit_changes_per_message(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    int encode_rc;
    size_t max = limits.changes_per_message;
    assert_int_equal(batch_trip(max, 1, "case", &limits, &limits, &encode_rc), 0);
    assert_int_equal(encode_rc, 0);
    assert_int_equal(batch_trip(max + 1, 1, "case", &limits, &limits, &encode_rc),
                     SAE_WIRE_ELIMIT);
    assert_int_equal(encode_rc, SAE_WIRE_ELIMIT);
}

static void test_limit_value_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    int encode_rc;
    assert_int_equal(limits.value_bytes, 32 * 1024);
    assert_int_equal(batch_trip(2, limits.value_bytes, "notes", &limits, &limits, &encode_rc), 0);
    assert_int_equal(encode_rc, 0);
    assert_int_equal(batch_trip(2, limits.value_bytes + 1, "notes", &limits, &limits,
                                &encode_rc), SAE_WIRE_ELIMIT);
    assert_int_equal(encode_rc, SAE_WIRE_ELIMIT);
}

static void test_limit_name_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    char name[SAE_WIRE_NAME_BYTES + 2];
    int encode_rc;
    memset(name, 'n', sizeof name);
    name[limits.name_bytes] = '\0';
    assert_int_equal(batch_trip(1, 3, name, &limits, &limits, &encode_rc), 0);
    assert_int_equal(encode_rc, 0);
    name[limits.name_bytes] = 'n';
    name[limits.name_bytes + 1] = '\0';
    assert_int_equal(batch_trip(1, 3, name, &limits, &limits, &encode_rc), SAE_WIRE_ELIMIT);
    assert_int_equal(encode_rc, SAE_WIRE_ELIMIT);
}

/* Encodes and decodes one change of kind "case" whose field is name. */
static int field_trip(const char *name, const struct sae_limits *limits)
{
    struct sae_change c = {.kind = "case", .field = sae_borrow(name), .value = "1",
                           .version = {1000, 4}, .seq = 1};
    struct sae_batch batch = {.origin = 4, .changes = &c, .change_count = 1}, *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = sae_batch_encode(&batch, limits, &buf, &len);
    if (rc == 0)
        rc = sae_batch_decode(buf, len, limits, &out);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, len);
    return rc;
}

/* A set element's name (FIELD/CODE) counts whole against the name limit. */
static void test_limit_element_name_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    char name[SAE_WIRE_NAME_BYTES + 2];
    memset(name, 'n', sizeof name);
    name[1] = '/';
    name[limits.name_bytes] = '\0';
    assert_int_equal(field_trip(name, &limits), 0);
    name[limits.name_bytes] = 'n';
    name[limits.name_bytes + 1] = '\0';
    assert_int_equal(field_trip(name, &limits), SAE_WIRE_ELIMIT);
}

static void test_limit_text_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default(), wide = limits;
    size_t max = limits.text_bytes;
    char *text = malloc(max + 2);
    uint8_t *buf;
    size_t len;
    struct sae_error_status *out = NULL;
    wide.text_bytes = max * 4;
    assert_non_null(text);
    memset(text, 'm', max + 1);
    text[max] = '\0';
    struct sae_error_status es = {.code = 1, .message = text};
    assert_int_equal(sae_error_status_encode(&es, &limits, &buf, &len), 0);
    assert_int_equal(sae_error_status_decode(buf, len, &limits, &out), 0);
    sae_error_status_free(out);
    sae_wire_buffer_free(buf, len);
    text[max] = 'm';
    text[max + 1] = '\0';
    assert_int_equal(sae_error_status_encode(&es, &limits, &buf, &len), SAE_WIRE_ELIMIT);
    assert_int_equal(sae_error_status_encode(&es, &wide, &buf, &len), 0);
    out = NULL;
    assert_int_equal(sae_error_status_decode(buf, len, &limits, &out), SAE_WIRE_ELIMIT);
    assert_null(out);
    sae_wire_buffer_free(buf, len);
    free(text);

    /* Village names have their own limit, SAE_LIMIT_VILLAGE_BYTES. */
    char village[SAE_LIMIT_VILLAGE_BYTES + 2];
    memset(village, 'v', sizeof village);
    village[SAE_LIMIT_VILLAGE_BYTES] = '\0';
    struct sae_enroll_response ep = {.node_id = 1, .village = village};
    assert_int_equal(sae_enroll_response_encode(&ep, &limits, &buf, &len), 0);
    sae_wire_buffer_free(buf, len);
    village[SAE_LIMIT_VILLAGE_BYTES] = 'v';
    village[SAE_LIMIT_VILLAGE_BYTES + 1] = '\0';
    assert_int_equal(sae_enroll_response_encode(&ep, &limits, &buf, &len), SAE_WIRE_ELIMIT);
}

static void test_limit_inflated_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_change *c = uniform_changes(3, 100, "case");
    struct sae_batch batch = {.origin = 4, .changes = c, .change_count = 3}, *out = NULL;
    uint8_t *buf;
    size_t len;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    limits.inflated_bytes = len;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    sae_batch_free(out);
    out = NULL;
    uint8_t *again;
    size_t again_len;
    assert_int_equal(sae_batch_encode(&batch, &limits, &again, &again_len), 0);
    sae_wire_buffer_free(again, again_len);
    limits.inflated_bytes = len - 1;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), SAE_WIRE_ETOOLARGE);
    assert_null(out);
    assert_int_equal(sae_batch_encode(&batch, &limits, &again, &again_len), SAE_WIRE_ETOOLARGE);
    sae_wire_buffer_free(buf, len);
    free_uniform(c, 3);
}

/* The decoder's heap budget: find the least budget that decodes a batch, then one byte
 * less must fail with SAE_WIRE_ELIMIT, never a crash or a partial result. */
static void test_limit_decode_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_change *c = uniform_changes(50, 40, "case");
    struct sae_batch batch = {.origin = 4, .changes = c, .change_count = 50}, *out = NULL;
    uint8_t *buf;
    size_t len, lo = 0, hi = limits.decode_bytes;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    while (lo + 1 < hi) { /* invariant: hi decodes, lo does not */
        size_t mid = lo + (hi - lo) / 2;
        limits.decode_bytes = mid;
        int rc = sae_batch_decode(buf, len, &limits, &out);
        if (rc == 0) {
            sae_batch_free(out);
            out = NULL;
            hi = mid;
        } else {
            assert_int_equal(rc, SAE_WIRE_ELIMIT);
            assert_null(out);
            lo = mid;
        }
    }
    limits.decode_bytes = hi;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    sae_batch_free(out);
    out = NULL;
    limits.decode_bytes = hi - 1;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), SAE_WIRE_ELIMIT);
    assert_null(out);
    sae_wire_buffer_free(buf, len);
    free_uniform(c, 50);
}

/* A PullResponse as a peer may send it: pin_count pins of pin_len bytes and hub_time. */
static int decode_pins(size_t pin_count, size_t pin_len, uint64_t hub_time,
                       struct sae_pull_response **out)
{
    Sae__V1__PullResponse pb = SAE__V1__PULL_RESPONSE__INIT;
    ProtobufCBinaryData pins[8];
    uint8_t bytes[40];
    struct sae_limits limits = sae_limits_default();
    memset(bytes, 0x5a, sizeof bytes);
    for (size_t i = 0; i < pin_count; i++)
        pins[i] = (ProtobufCBinaryData){pin_len, bytes};
    pb.has_schema_version = 1;
    pb.schema_version = 1;
    pb.n_tls_pins = pin_count;
    pb.tls_pins = pins;
    pb.has_hub_time = hub_time != 0;
    pb.hub_time = hub_time;
    uint8_t buf[512];
    size_t len = sae__v1__pull_response__pack(&pb, buf);
    return sae_pull_response_decode(buf, len, &limits, out);
}

/* SAE_WIRE_TLS_PINS_MAX pins of exactly 32 bytes, and a hub_time a version can be made of
 * (SAE_HLC_MS_MAX): at the edge and one past it, on both sides. */
static void test_limit_tls_pins_and_hub_time(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_response r = {.tls_pin_count = SAE_WIRE_TLS_PINS_MAX,
                                  .hub_time_ms = SAE_HLC_MS_MAX}, *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_response_encode(&r, &limits, &buf, &len), 0);
    sae_wire_buffer_free(buf, len);
    r.tls_pin_count = SAE_WIRE_TLS_PINS_MAX + 1;
    assert_int_equal(sae_pull_response_encode(&r, &limits, &buf, &len), SAE_WIRE_ELIMIT);
    r.tls_pin_count = 0;
    r.hub_time_ms = SAE_HLC_MS_MAX + 1;
    assert_int_equal(sae_pull_response_encode(&r, &limits, &buf, &len), SAE_WIRE_EDECODE);
    struct sae_push_ack ack = {.hub_time_ms = SAE_HLC_MS_MAX + 1};
    assert_int_equal(sae_push_ack_encode(&ack, &limits, &buf, &len), SAE_WIRE_EDECODE);

    assert_int_equal(decode_pins(SAE_WIRE_TLS_PINS_MAX, 32, SAE_HLC_MS_MAX, &out), 0);
    assert_int_equal(out->tls_pin_count, SAE_WIRE_TLS_PINS_MAX);
    assert_int_equal(out->tls_pins[3][31], 0x5a);
    assert_int_equal(out->hub_time_ms, SAE_HLC_MS_MAX);
    sae_pull_response_free(out);
    out = NULL;
    assert_int_equal(decode_pins(SAE_WIRE_TLS_PINS_MAX + 1, 32, 1, &out), SAE_WIRE_ELIMIT);
    assert_int_equal(decode_pins(1, 31, 1, &out), SAE_WIRE_EDECODE);
    assert_int_equal(decode_pins(1, 33, 1, &out), SAE_WIRE_EDECODE);
    assert_int_equal(decode_pins(0, 32, SAE_HLC_MS_MAX + 1, &out), SAE_WIRE_EDECODE);
    assert_null(out);
}

/* Reviews in one PullResponse: changes_per_message at most, on both sides. */
static void test_limit_reviews_per_message(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default(), wide = limits;
    size_t max = limits.changes_per_message;
    struct sae_review *reviews = calloc(max + 1, sizeof *reviews);
    struct sae_pull_response r = {.reviews = reviews, .review_count = max}, *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_non_null(reviews);
    for (size_t i = 0; i <= max; i++)
        reviews[i].field = "risk_level";
    assert_int_equal(sae_pull_response_encode(&r, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->review_count, max);
    sae_pull_response_free(out);
    out = NULL;
    sae_wire_buffer_free(buf, len);
    r.review_count = max + 1;
    assert_int_equal(sae_pull_response_encode(&r, &limits, &buf, &len), SAE_WIRE_ELIMIT);
    wide.changes_per_message = max + 1;
    assert_int_equal(sae_pull_response_encode(&r, &wide, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), SAE_WIRE_ELIMIT);
    assert_null(out);
    sae_wire_buffer_free(buf, len);
    free(reviews);
}

/* A PullRequest whose program is given raw (len bytes of c), with pending, as a peer might
 * send it; decoded with the default limits. */
static int decode_raw_report(size_t len, char c, bool has_program, uint64_t pending,
                             struct sae_pull_request **out)
{
    Sae__V1__PullRequest pb = SAE__V1__PULL_REQUEST__INIT;
    struct sae_limits limits = sae_limits_default();
    uint8_t text[200], packed[400];
    memset(text, c, sizeof text);
    pb.has_schema_version = 1;
    pb.schema_version = 2;
    pb.has_pending = 1;
    pb.pending = pending;
    pb.has_program = has_program;
    pb.program.data = text;
    pb.program.len = len;
    assert_true(protobuf_c_message_get_packed_size(&pb.base) <= sizeof packed);
    size_t n = protobuf_c_message_pack(&pb.base, packed);
    return sae_pull_request_decode(packed, n, &limits, out);
}

/* The program a post reports: 1 to 64 bytes on one line; pending counts only beside it. */
static void test_limit_program_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request req = {.schema_version = 2, .pending = 7}, *out = NULL;
    uint8_t *buf;
    size_t len;
    memset(req.program, 'p', SAE_WIRE_PROGRAM_BYTES - 1);
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_request_decode(buf, len, &limits, &out), 0);
    assert_int_equal(strlen(out->program), SAE_WIRE_PROGRAM_BYTES - 1);
    assert_true(out->pending == 7);
    sae_pull_request_free(out);
    sae_wire_buffer_free(buf, len);
    assert_int_equal(decode_raw_report(SAE_WIRE_PROGRAM_BYTES - 1, 'p', true, 3, &out), 0);
    assert_true(out->pending == 3);
    sae_pull_request_free(out);
    out = NULL;
    assert_int_not_equal(decode_raw_report(SAE_WIRE_PROGRAM_BYTES, 'p', true, 3, &out), 0);
    assert_null(out);
    assert_int_not_equal(decode_raw_report(5, '\n', true, 3, &out), 0);
    assert_int_not_equal(decode_raw_report(0, 'p', true, 3, &out), 0);
    /* An older post's request (no program): its pending, if any, means nothing. */
    assert_int_equal(decode_raw_report(0, 'p', false, 3, &out), 0);
    assert_true(out->pending == 0 && out->program[0] == '\0');
    sae_pull_request_free(out);
    /* A program on two lines is never sent. */
    memcpy(req.program, "sae-node\n1", 11);
    assert_int_not_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_changes_per_message),
        cmocka_unit_test(test_limit_value_bytes),
        cmocka_unit_test(test_limit_name_bytes),
        cmocka_unit_test(test_limit_element_name_bytes),
        cmocka_unit_test(test_limit_text_bytes),
        cmocka_unit_test(test_limit_program_bytes),
        cmocka_unit_test(test_limit_inflated_bytes),
        cmocka_unit_test(test_limit_decode_bytes),
        cmocka_unit_test(test_limit_tls_pins_and_hub_time),
        cmocka_unit_test(test_limit_reviews_per_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
