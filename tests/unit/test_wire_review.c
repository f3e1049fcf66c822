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
#include <string.h>

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
    static uint8_t buf[4096];
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

/* The review of a whole case: field "_review", a known state, open exactly while it has
 * issues, a reviewer, an optional note, no versions; no other field carries any of them. */
static void test_case_review_rules(void **state)
{
    (void)state;
    static const uint8_t id[SAE_ID_BYTES] = {2};
    static char long_note[SAE_WIRE_NOTE_BYTES + 2], long_name[SAE_WIRE_AUTHOR_BYTES + 2];
    memset(long_note, 'n', SAE_WIRE_NOTE_BYTES + 1);
    memset(long_name, 'b', SAE_WIRE_AUTHOR_BYTES + 1);
    Sae__V1__FieldReview r;
#define CASE_REVIEW(expect, statement)                                                   \
    do {                                                                                 \
        sae__v1__field_review__init(&r);                                                 \
        r.has_report_id = r.has_field = r.has_open = 1;                                  \
        r.report_id = (ProtobufCBinaryData){SAE_ID_BYTES, sae_borrow(id)};               \
        r.field = wire_bytes_of(SAE_REVIEW_CASE_FIELD);                                 \
        r.open = 1;                                                                      \
        r.has_case_state = r.has_note = r.has_reviewer = 1;                              \
        r.case_state = wire_bytes_of(SAE_CASE_REVIEW_HAS_ISSUES);                       \
        r.note = wire_bytes_of("Usia korban tidak cocok");                              \
        r.reviewer = wire_bytes_of("Bu Ani");                                           \
        statement;                                                                       \
        assert_int_equal(decode_review(&r), (expect));                                   \
    } while (0)
    CASE_REVIEW(0, (void)0);
    CASE_REVIEW(0, (r.has_open = 0, r.case_state = wire_bytes_of("approved"), r.has_note = 0));
    CASE_REVIEW(0, (r.open = 0, r.case_state = wire_bytes_of("received")));
    CASE_REVIEW(SAE_WIRE_EDECODE, r.case_state = wire_bytes_of("fine"));
    CASE_REVIEW(SAE_WIRE_EDECODE, r.has_case_state = 0);
    CASE_REVIEW(SAE_WIRE_EDECODE, r.open = 0); /* has issues, yet closed */
    CASE_REVIEW(SAE_WIRE_EDECODE, r.case_state = wire_bytes_of("approved")); /* open */
    CASE_REVIEW(SAE_WIRE_EDECODE, r.has_reviewer = 0);
    CASE_REVIEW(SAE_WIRE_EDECODE, r.note = wire_bytes_of("baris\ndua"));
    CASE_REVIEW(SAE_WIRE_EDECODE, (r.has_standing_hlc = 1, r.standing_hlc = 5));
    long_note[SAE_WIRE_NOTE_BYTES] = '\0';
    CASE_REVIEW(0, r.note = wire_bytes_of(long_note));
    long_note[SAE_WIRE_NOTE_BYTES] = 'n';
    CASE_REVIEW(SAE_WIRE_ELIMIT, r.note = wire_bytes_of(long_note));
    long_name[SAE_WIRE_AUTHOR_BYTES] = '\0';
    CASE_REVIEW(0, r.reviewer = wire_bytes_of(long_name));
    long_name[SAE_WIRE_AUTHOR_BYTES] = 'b';
    CASE_REVIEW(SAE_WIRE_ELIMIT, r.reviewer = wire_bytes_of(long_name));
    /* A field's review never carries a case's state, note or reviewer. */
    CASE_REVIEW(SAE_WIRE_EDECODE, r.field = wire_bytes_of("risk_level"));
    CASE_REVIEW(SAE_WIRE_EDECODE, (r.field = wire_bytes_of("risk_level"), r.has_case_state = 0,
                                   r.has_reviewer = 0));
#undef CASE_REVIEW
    /* A round trip keeps all three. */
    struct sae_limits limits = sae_limits_default();
    struct sae_review review = {.field = SAE_REVIEW_CASE_FIELD, .open = true,
                                .case_state = SAE_CASE_REVIEW_HAS_ISSUES,
                                .note = "Nama desa salah", .reviewer = "Bu Ani"};
    memcpy(review.report_id.bytes, id, SAE_ID_BYTES);
    struct sae_pull_response resp = {.reviews = &review, .review_count = 1};
    struct sae_pull_response *back = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_response_decode(buf, len, &limits, &back), 0);
    assert_int_equal(back->review_count, 1);
    assert_string_equal(back->reviews[0].case_state, SAE_CASE_REVIEW_HAS_ISSUES);
    assert_string_equal(back->reviews[0].note, "Nama desa salah");
    assert_string_equal(back->reviews[0].reviewer, "Bu Ani");
    assert_true(back->reviews[0].open);
    sae_pull_response_free(back);
    sae_wire_buffer_free(buf, len);
    /* The encoder refuses what the decoder would. */
    review.open = false;
    buf = NULL;
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), SAE_WIRE_EDECODE);
    assert_null(buf);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_rules),
        cmocka_unit_test(test_case_review_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
