/* FieldReview's rules (PROTOCOL.md sections 3 and 4), on both sides: what a PullResponse
 * may carry in its reviews, built with the protobuf-c structs directly, the way a hostile or
 * broken hub would send them; the encoder refuses the same. Round trips and the count limit
 * are in test_wire.c and test_wire_limits.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "../../proto/wire_internal.h"
#include "sae/sae_error.h"
#include "sae/sae_wire.h"

/* A PullResponse holding one review as a peer may send it, decoded. */
static int decode_review(const Sae__V1__FieldReview *review)
{
    Sae__V1__PullResponse pb = SAE__V1__PULL_RESPONSE__INIT;
    Sae__V1__FieldReview *reviews[] = {sae_borrow(review)};
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_response *out = (struct sae_pull_response *)0x1;
    uint8_t buf[256];
    pb.has_schema_version = 1;
    pb.schema_version = 1;
    pb.n_reviews = 1;
    pb.reviews = reviews;
    int rc = sae_pull_response_decode(buf, sae__v1__pull_response__pack(&pb, buf), &limits,
                                      &out);
    if (rc == 0)
        sae_pull_response_free(out);
    else
        assert_ptr_equal(out, (struct sae_pull_response *)0x1); /* untouched on failure */
    return rc;
}

static void test_review_rules(void **state)
{
    (void)state;
    static const uint8_t id[SAE_ID_BYTES] = {1};
    Sae__V1__FieldReview r;
#define REVIEW(expect, statement)                                                        \
    do {                                                                                 \
        sae__v1__field_review__init(&r);                                                 \
        r.has_report_id = r.has_field = r.has_open = 1;                                  \
        r.report_id = (ProtobufCBinaryData){SAE_ID_BYTES, sae_borrow(id)};               \
        r.field = wire_bytes_of("violence_types/sexual");                               \
        r.open = 1;                                                                      \
        statement;                                                                       \
        assert_int_equal(decode_review(&r), (expect));                                   \
    } while (0)
    REVIEW(0, (void)0);
    REVIEW(0, (r.has_standing_hlc = r.has_standing_origin = 1, r.standing_hlc = 5,
               r.standing_origin = 7));
    REVIEW(SAE_WIRE_EDECODE, r.report_id.len = 15);
    REVIEW(SAE_WIRE_EDECODE, r.has_report_id = 0);
    REVIEW(SAE_WIRE_EDECODE, r.has_field = 0);
    REVIEW(SAE_WIRE_EDECODE, r.field = wire_bytes_of("risk level"));
    REVIEW(SAE_WIRE_EDECODE, r.field = wire_bytes_of("risk_level/"));
    REVIEW(SAE_WIRE_EDECODE, (r.has_standing_origin = 1, r.standing_origin = 7));
    REVIEW(SAE_WIRE_EDECODE, (r.has_latest_origin = 1, r.latest_origin = 7));
    REVIEW(SAE_WIRE_EDECODE, (r.has_latest_hlc = 1, r.latest_hlc = (uint64_t)INT64_MAX + 1));
#undef REVIEW
    /* The encoder refuses the same. */
    struct sae_limits limits = sae_limits_default();
    struct sae_review bad = {.field = "risk_level", .standing = {0, 7}};
    struct sae_pull_response resp = {.reviews = &bad, .review_count = 1};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), SAE_WIRE_EDECODE);
    bad = (struct sae_review){.field = "risk-level"};
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), SAE_WIRE_EDECODE);
    assert_null(buf);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
