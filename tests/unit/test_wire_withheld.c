/* Schema 4's pull (PROTOCOL.md sections 3, 6 and 7): FieldChange.sealed_value now also hub ->
 * post (the value sealed to the pulling device's storage key), FieldChange.withheld (a value
 * this device is not given), PullRequest.grant_cursor, PullResponse.grants and
 * next_grant_cursor. Round trips; and the misplaced fields refused on both sides: withheld
 * beside a value or a sealed value, withheld in a push, a grant that is not a sealed value,
 * any of them in a pull of schema 3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae.pb-c.h"
#include "sae/sae_borrow.h"
#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wire.h"

static const struct sae_id report = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

/* A sealed value, its length in *len (the key does not matter to the wire). */
static unsigned char *sealed_bytes(const char *plain, size_t *len)
{
    unsigned char pk[32], sk[32], *out = NULL;
    crypto_box_keypair(pk, sk);
    assert_int_equal(sae_sealed_seal(pk, plain, strlen(plain), &out, len), 0);
    sodium_memzero(sk, sizeof sk);
    return out;
}

static struct sae_change change_of(const char *field, uint64_t seq)
{
    struct sae_change c = {.report_id = report, .kind = "case", .field = sae_borrow(field),
                           .version = {1000, 7}, .seq = seq};
    return c;
}

static int encode_pull(uint32_t schema, struct sae_change *changes, size_t n,
                       struct sae_change *grants, size_t grant_n)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_response resp = {.schema_version = schema, .changes = changes,
                                     .change_count = n, .grants = grants,
                                     .grant_count = grant_n, .next_grant_cursor = grant_n};
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = sae_pull_response_encode(&resp, &limits, &buf, &len);
    sae_wire_buffer_free(buf, len);
    return rc;
}

static void test_pull_round_trip(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    size_t sealed_len = 0, grant_len = 0, len = 0;
    unsigned char *sealed = sealed_bytes("Siti Rahmawati", &sealed_len);
    unsigned char *granted = sealed_bytes("Ani", &grant_len);
    struct sae_change changes[3] = {change_of("village_code", 1), change_of("victim_name", 2),
                                    change_of("narrative", 3)};
    changes[0].value = "3513010001";
    changes[1].sealed_value = sealed;
    changes[1].sealed_len = sealed_len;
    changes[2].withheld = true;
    struct sae_change grant = change_of("reporter_name", 9);
    grant.version = (struct sae_version){900, 5};
    grant.sealed_value = granted;
    grant.sealed_len = grant_len;
    struct sae_pull_response resp = {.changes = changes, .change_count = 3, .grants = &grant,
                                     .grant_count = 1, .next_grant_cursor = 41,
                                     .next_cursor = 3};
    uint8_t *buf = NULL;
    struct sae_pull_response *out = NULL;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->schema_version, SAE_WIRE_SCHEMA_VERSION);
    assert_int_equal(out->change_count, 3);
    assert_string_equal(out->changes[0].value, "3513010001");
    assert_false(out->changes[0].withheld);
    assert_null(out->changes[1].value);
    assert_memory_equal(out->changes[1].sealed_value, sealed, sealed_len);
    assert_int_equal(out->changes[1].sealed_len, sealed_len);
    assert_true(out->changes[2].withheld);
    assert_null(out->changes[2].value);
    assert_null(out->changes[2].sealed_value);
    assert_int_equal(out->grant_count, 1);
    assert_int_equal(out->grants[0].seq, 9);
    assert_int_equal(out->grants[0].version.origin, 5);
    assert_string_equal(out->grants[0].field, "reporter_name");
    assert_memory_equal(out->grants[0].sealed_value, granted, grant_len);
    assert_int_equal(out->next_grant_cursor, 41);
    sae_pull_response_free(out);
    sae_wire_buffer_free(buf, len);
    free(sealed);
    free(granted);
}

static void test_grant_cursor_round_trip(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request req = {.cursor = 5, .grant_cursor = 77};
    struct sae_pull_request *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_request_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->grant_cursor, 77);
    assert_int_equal(out->schema_version, SAE_WIRE_SCHEMA_VERSION);
    sae_pull_request_free(out);
    sae_wire_buffer_free(buf, len);
    req.grant_cursor = (uint64_t)INT64_MAX + 1;
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), SAE_WIRE_EDECODE);
}

/* What this build never sends, because a peer must refuse it. */
static void test_encoding_refuses_misplaced_fields(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    size_t sealed_len = 0, len = 0;
    unsigned char *sealed = sealed_bytes("Siti", &sealed_len);
    struct sae_change c = change_of("victim_name", 1);
    uint8_t *buf = NULL;
    c.withheld = true;
    assert_int_equal(encode_pull(0, &c, 1, NULL, 0), 0);
    c.value = "Siti";
    assert_int_equal(encode_pull(0, &c, 1, NULL, 0), SAE_WIRE_EDECODE);
    c.value = NULL;
    c.sealed_value = sealed;
    c.sealed_len = sealed_len;
    assert_int_equal(encode_pull(0, &c, 1, NULL, 0), SAE_WIRE_EDECODE);
    /* Schema 3's pull knows neither. */
    c.withheld = false;
    assert_int_equal(encode_pull(3, &c, 1, NULL, 0), SAE_WIRE_EDECODE);
    c.sealed_value = NULL;
    c.withheld = true;
    assert_int_equal(encode_pull(3, &c, 1, NULL, 0), SAE_WIRE_EDECODE);
    /* Withheld is the hub's word: never in a push. */
    struct sae_batch b = {.origin = 7, .changes = &c, .change_count = 1};
    assert_int_equal(sae_batch_encode(&b, &limits, &buf, &len), SAE_WIRE_EDECODE);
    /* A grant is a sealed value and nothing else; none in schema 3. */
    struct sae_change g = change_of("victim_name", 2);
    assert_int_equal(encode_pull(0, NULL, 0, &g, 1), SAE_WIRE_EDECODE);
    g.value = "Siti";
    assert_int_equal(encode_pull(0, NULL, 0, &g, 1), SAE_WIRE_EDECODE);
    g.value = NULL;
    g.withheld = true;
    assert_int_equal(encode_pull(0, NULL, 0, &g, 1), SAE_WIRE_EDECODE);
    g.withheld = false;
    g.sealed_value = sealed;
    g.sealed_len = sealed_len;
    assert_int_equal(encode_pull(0, NULL, 0, &g, 1), 0);
    assert_int_equal(encode_pull(3, NULL, 0, &g, 1), SAE_WIRE_EDECODE);
    free(sealed);
}

/* A FieldChange as another program could build it. */
struct built {
    Sae__V1__FieldChange f;
    Sae__V1__FieldChange *fp;
    Sae__V1__ChangeGroup g;
    Sae__V1__ChangeGroup *gp;
};

static void build(struct built *b, bool value, const unsigned char *sealed, size_t sealed_len,
                  bool withheld)
{
    sae__v1__field_change__init(&b->f);
    sae__v1__change_group__init(&b->g);
    b->fp = &b->f;
    b->gp = &b->g;
    b->f.has_field = 1;
    b->f.field = (ProtobufCBinaryData){11, sae_borrow("victim_name")};
    b->f.has_value = value;
    b->f.value = (ProtobufCBinaryData){4, sae_borrow("Siti")};
    b->f.has_sealed_value = sealed != NULL;
    b->f.sealed_value = (ProtobufCBinaryData){sealed_len, sae_borrow(sealed)};
    b->f.has_withheld = withheld;
    b->f.withheld = withheld;
    b->f.has_seq = 1;
    b->f.seq = 1;
    b->g.has_report_id = b->g.has_kind = b->g.has_hlc = b->g.has_origin = 1;
    b->g.report_id = (ProtobufCBinaryData){16, sae_borrow(report.bytes)};
    b->g.kind = (ProtobufCBinaryData){4, sae_borrow("case")};
    b->g.hlc = 1000;
    b->g.origin = 7;
    b->g.n_changes = 1;
    b->g.changes = &b->fp;
}

static int decode_pull(uint32_t schema, struct built *change, struct built *grant)
{
    struct sae_limits limits = sae_limits_default();
    Sae__V1__PullResponse p = SAE__V1__PULL_RESPONSE__INIT;
    struct sae_pull_response *out = NULL;
    uint8_t buf[4096];
    p.has_schema_version = 1;
    p.schema_version = schema;
    p.n_groups = change ? 1 : 0;
    p.groups = change ? &change->gp : NULL;
    p.n_grants = grant ? 1 : 0;
    p.grants = grant ? &grant->gp : NULL;
    assert_true(sae__v1__pull_response__get_packed_size(&p) <= sizeof buf);
    size_t len = sae__v1__pull_response__pack(&p, buf);
    int rc = sae_pull_response_decode(buf, len, &limits, &out);
    sae_pull_response_free(out);
    return rc;
}

static int decode_push(uint32_t schema, struct built *change)
{
    struct sae_limits limits = sae_limits_default();
    Sae__V1__PushBatch p = SAE__V1__PUSH_BATCH__INIT;
    struct sae_batch *out = NULL;
    uint8_t buf[4096];
    p.has_schema_version = p.has_origin = 1;
    p.schema_version = schema;
    p.origin = 7;
    p.n_groups = 1;
    p.groups = &change->gp;
    size_t len = sae__v1__push_batch__pack(&p, buf);
    int rc = sae_batch_decode(buf, len, &limits, &out);
    sae_batch_free(out);
    return rc;
}

static void test_decoding_refuses_misplaced_fields(void **state)
{
    (void)state;
    size_t sealed_len = 0;
    unsigned char *sealed = sealed_bytes("Siti", &sealed_len);
    struct built c, g;
    build(&c, false, NULL, 0, true);
    assert_int_equal(decode_pull(4, &c, NULL), 0);
    assert_int_equal(decode_pull(3, &c, NULL), SAE_WIRE_EDECODE);
    assert_int_equal(decode_push(4, &c), SAE_WIRE_EDECODE);
    build(&c, true, NULL, 0, true);
    assert_int_equal(decode_pull(4, &c, NULL), SAE_WIRE_EDECODE);
    build(&c, false, sealed, sealed_len, true);
    assert_int_equal(decode_pull(4, &c, NULL), SAE_WIRE_EDECODE);
    build(&c, false, sealed, sealed_len, false);
    assert_int_equal(decode_pull(4, &c, NULL), 0);
    assert_int_equal(decode_pull(3, &c, NULL), SAE_WIRE_EDECODE);
    /* A sealed value from the post still goes in a push of schema 4. */
    assert_int_equal(decode_push(4, &c), 0);
    build(&g, false, sealed, sealed_len, false);
    assert_int_equal(decode_pull(4, NULL, &g), 0);
    assert_int_equal(decode_pull(3, NULL, &g), SAE_WIRE_EDECODE);
    build(&g, true, NULL, 0, false);
    assert_int_equal(decode_pull(4, NULL, &g), SAE_WIRE_EDECODE);
    build(&g, false, NULL, 0, true);
    assert_int_equal(decode_pull(4, NULL, &g), SAE_WIRE_EDECODE);
    free(sealed);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull_round_trip),
        cmocka_unit_test(test_grant_cursor_round_trip),
        cmocka_unit_test(test_encoding_refuses_misplaced_fields),
        cmocka_unit_test(test_decoding_refuses_misplaced_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
