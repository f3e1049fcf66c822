/* The rules a message decoder enforces (include/sae/sae_wire.h), and that encoders refuse
 * to break: malformed messages are built with the protobuf-c structs directly, the way a
 * hostile or broken peer would send them (round trips are in test_wire.c, the limits in
 * test_wire_limits.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../proto/wire_internal.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_wire.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct pb_batch {
    Sae__V1__PushBatch batch;
    Sae__V1__ChangeGroup group, *group_ptr;
    Sae__V1__FieldChange field, *field_ptr;
    uint8_t id[SAE_ID_BYTES];
};

static void pb_batch_init(struct pb_batch *b)
{
    memset(b, 0, sizeof *b);
    sae__v1__push_batch__init(&b->batch);
    sae__v1__change_group__init(&b->group);
    sae__v1__field_change__init(&b->field);
    memset(b->id, 0x5a, sizeof b->id);
    b->batch.has_schema_version = 1;
    b->batch.schema_version = SAE_WIRE_SCHEMA_VERSION;
    b->batch.has_origin = 1;
    b->batch.origin = 77;
    b->group.has_report_id = 1;
    b->group.report_id.data = b->id;
    b->group.report_id.len = SAE_ID_BYTES;
    b->group.has_kind = 1;
    b->group.kind = wire_bytes_of("case");
    b->group.has_hlc = 1;
    b->group.hlc = 1000;
    b->group.has_origin = 1;
    b->group.origin = 77;
    b->field.has_field = 1;
    b->field.field = wire_bytes_of("status");
    b->field.has_value = 1;
    b->field.value = wire_bytes_of("new");
    b->field.has_seq = 1;
    b->field.seq = 1;
    b->field_ptr = &b->field;
    b->group.n_changes = 1;
    b->group.changes = &b->field_ptr;
    b->group_ptr = &b->group;
    b->batch.n_groups = 1;
    b->batch.groups = &b->group_ptr;
}

/* Packs the protobuf-c batch and decodes it with our decoder. */
static int decode_pb_batch(struct pb_batch *b, const struct sae_limits *limits)
{
    size_t len = protobuf_c_message_get_packed_size(&b->batch.base);
    uint8_t *buf = malloc(len + 1);
    struct sae_batch *out = (struct sae_batch *)0x1;
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(&b->batch.base, buf), len);
    int rc = sae_batch_decode(buf, len, limits, &out);
    if (rc == 0)
        sae_batch_free(out);
    else
        assert_ptr_equal(out, (struct sae_batch *)0x1); /* untouched on failure */
    free(buf);
    return rc;
}

static void test_batch_rules(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct pb_batch b;
    static const uint8_t nul_value[] = {'n', 0, 'w'}, bad_utf8[] = {'n', 0xc3, 0x28};

    pb_batch_init(&b);
    assert_int_equal(decode_pb_batch(&b, &limits), 0);

#define BROKEN(expect, statement)                                                        \
    do {                                                                                 \
        pb_batch_init(&b);                                                               \
        statement;                                                                       \
        assert_int_equal(decode_pb_batch(&b, &limits), (expect));                        \
    } while (0)

    BROKEN(SAE_WIRE_ESCHEMA, b.batch.has_schema_version = 0);
    BROKEN(SAE_WIRE_ESCHEMA, b.batch.schema_version = 0);
    BROKEN(SAE_WIRE_ESCHEMA, b.batch.schema_version = SAE_WIRE_SCHEMA_VERSION + 1);
    BROKEN(SAE_WIRE_EDECODE, b.group.report_id.len = 15);
    BROKEN(SAE_WIRE_EDECODE, b.group.has_report_id = 0);
    BROKEN(SAE_WIRE_EDECODE, b.group.kind = wire_bytes_of("Case"));
    BROKEN(SAE_WIRE_EDECODE, b.group.kind = wire_bytes_of("9case"));
    BROKEN(SAE_WIRE_EDECODE, b.group.has_kind = 0);
    BROKEN(SAE_WIRE_EDECODE, b.field.field = wire_bytes_of("sta tus"));
    BROKEN(SAE_WIRE_EDECODE, (b.field.value.data = sae_borrow(nul_value),
                              b.field.value.len = sizeof nul_value));
    BROKEN(SAE_WIRE_EDECODE, (b.field.value.data = sae_borrow(bad_utf8),
                              b.field.value.len = sizeof bad_utf8));
    BROKEN(SAE_WIRE_EDECODE, b.field.value.len = 0);
    BROKEN(SAE_WIRE_EDECODE, b.group.has_hlc = 0);
    BROKEN(SAE_WIRE_EDECODE, b.group.hlc = (uint64_t)INT64_MAX + 1);
    BROKEN(SAE_WIRE_EDECODE, b.group.origin = 78); /* not the batch's origin */
    BROKEN(SAE_WIRE_EDECODE, b.batch.origin = (uint64_t)INT64_MAX + 1);
    BROKEN(SAE_WIRE_EDECODE, b.field.has_seq = 0); /* first of a group needs its seq */
    BROKEN(SAE_WIRE_EDECODE, b.field.seq = 0);
    BROKEN(SAE_WIRE_EDECODE, (b.field.has_base_origin = 1, b.field.base_origin = 3));
    BROKEN(SAE_WIRE_EDECODE, b.group.n_changes = 0);
    BROKEN(SAE_WIRE_EDECODE, (b.field.has_base_hlc = 1, b.field.base_hlc = UINT64_MAX));
    /* A re-dated version names another version of the writer, below 2^63. */
    BROKEN(SAE_WIRE_EDECODE, (b.group.has_supersedes = 1, b.group.supersedes = b.group.hlc));
    BROKEN(SAE_WIRE_EDECODE, (b.group.has_supersedes = 1,
                              b.group.supersedes = (uint64_t)INT64_MAX + 1));
    BROKEN(0, (b.group.has_supersedes = 1, b.group.supersedes = b.group.hlc + 1));
    /* A base with both halves, and an unset value, are fine. */
    BROKEN(0, (b.field.has_base_hlc = 1, b.field.base_hlc = 5, b.field.has_base_origin = 1,
               b.field.base_origin = 9));
    BROKEN(0, b.field.has_value = 0);
    /* One element of a set field: FIELD/CODE, nothing else with a slash. */
    BROKEN(0, b.field.field = wire_bytes_of("violence_types/sexual"));
    BROKEN(0, b.field.field = wire_bytes_of("sexes/F"));
    BROKEN(SAE_WIRE_EDECODE, b.field.field = wire_bytes_of("violence_types/"));
    BROKEN(SAE_WIRE_EDECODE, b.field.field = wire_bytes_of("/sexual"));
    BROKEN(SAE_WIRE_EDECODE, b.field.field = wire_bytes_of("a/b/c"));
    BROKEN(SAE_WIRE_EDECODE, b.field.field = wire_bytes_of("a/b-c"));
    BROKEN(SAE_WIRE_EDECODE, b.field.field = wire_bytes_of("9a/b"));
    BROKEN(SAE_WIRE_EDECODE, b.group.kind = wire_bytes_of("case/x"));
#undef BROKEN

    /* Seq must rise strictly across the batch: two groups, the second going back. */
    Sae__V1__ChangeGroup second;
    Sae__V1__FieldChange second_field, *second_ptr = &second_field;
    Sae__V1__ChangeGroup *groups[2];
    pb_batch_init(&b);
    second = b.group;
    second_field = b.field;
    second.changes = &second_ptr;
    groups[0] = &b.group;
    groups[1] = &second;
    b.batch.groups = groups;
    b.batch.n_groups = 2;
    assert_int_equal(decode_pb_batch(&b, &limits), SAE_WIRE_EDECODE);
    second_field.seq = 2;
    assert_int_equal(decode_pb_batch(&b, &limits), 0);

    /* Not protobuf at all. */
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0x01};
    struct sae_batch *out = NULL;
    assert_int_equal(sae_batch_decode(garbage, sizeof garbage, &limits, &out), SAE_WIRE_EDECODE);
    assert_null(out);
}

/* Implied seq numbers: consecutive seqs in a group cost no bytes, gaps are kept. */
static void test_seq_implied_within_group(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_change c[3];
    memset(c, 0, sizeof c);
    for (size_t i = 0; i < 3; i++) {
        memset(c[i].report_id.bytes, 1, SAE_ID_BYTES);
        c[i].kind = "case";
        c[i].field = "status";
        c[i].value = "new";
        c[i].version = (struct sae_version){500, 9};
    }
    c[0].seq = 10, c[1].seq = 11, c[2].seq = 12;
    struct sae_batch batch = {.origin = 9, .changes = c, .change_count = 3};
    uint8_t *buf;
    size_t consecutive_len, gap_len;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &consecutive_len), 0);
    sae_wire_buffer_free(buf, consecutive_len);
    c[2].seq = 300;
    struct sae_batch *out;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &gap_len), 0);
    assert_true(gap_len > consecutive_len);
    assert_int_equal(sae_batch_decode(buf, gap_len, &limits, &out), 0);
    assert_int_equal(out->change_count, 3);
    assert_true(out->changes[1].seq == 11 && out->changes[2].seq == 300);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, gap_len);
}

static void test_encode_refuses_what_decode_refuses(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_change c = {.kind = "case", .field = "status", .value = "new",
                           .version = {100, 9}, .seq = 1};
    struct sae_batch batch = {.origin = 9, .changes = &c, .change_count = 1};
    uint8_t *buf = (uint8_t *)0x1;
    size_t len = 77;
    c.version.origin = 8;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), SAE_WIRE_EDECODE);
    c.version.origin = 9;
    c.value = "";
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), SAE_WIRE_EDECODE);
    c.value = "new";
    c.kind = "Case";
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), SAE_WIRE_EDECODE);
    c.kind = "case";
    c.seq = 0;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), SAE_WIRE_EDECODE);
    c.seq = 1;
    batch.schema_version = 99;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), SAE_WIRE_ESCHEMA);
    assert_ptr_equal(buf, (uint8_t *)0x1);
    assert_int_equal(len, 77);

    struct sae_enroll_request er = {.token = "t", .village = "bad\x01village",
                                    .device_name = "d"};
    assert_int_equal(sae_enroll_request_encode(&er, &limits, &buf, &len), SAE_WIRE_EDECODE);
    er.village = NULL;
    assert_int_equal(sae_enroll_request_encode(&er, &limits, &buf, &len), SAE_WIRE_EDECODE);
    struct sae_pull_request pr = {.cursor = (uint64_t)INT64_MAX + 1};
    assert_int_equal(sae_pull_request_encode(&pr, &limits, &buf, &len), SAE_WIRE_EDECODE);
}

/* Fields a later schema adds are skipped by this reader. */
static void test_unknown_fields_ignored(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request req = {.cursor = 5};
    struct sae_pull_request *out;
    uint8_t *buf;
    size_t len;
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
    uint8_t *longer = malloc(len + 4);
    assert_non_null(longer);
    memcpy(longer, buf, len);
    /* field 15, length-delimited, 2 bytes */
    longer[len] = 15 << 3 | 2;
    longer[len + 1] = 2;
    longer[len + 2] = 'h';
    longer[len + 3] = 'i';
    assert_int_equal(sae_pull_request_decode(longer, len + 4, &limits, &out), 0);
    assert_true(out->cursor == 5);
    sae_pull_request_free(out);
    free(longer);
    sae_wire_buffer_free(buf, len);
}

static void test_change_check_catalogue(void **state)
{
    (void)state;
    char message[SAE_CHANGE_MESSAGE_BYTES];
    struct sae_change c = {.kind = "case", .field = "victim_disability", .value = "true",
                           .version = {1, 1}, .seq = 1};
    assert_int_equal(sae_change_check_catalogue(&c, message), 0);
    c.value = "TRUE"; /* valid, but not the canonical form */
    assert_int_equal(sae_change_check_catalogue(&c, message), SAE_EINVAL);
    assert_non_null(strstr(message, "canonical"));
    c.value = "maybe";
    assert_int_equal(sae_change_check_catalogue(&c, message), SAE_EINVAL);
    c.value = NULL;
    assert_int_equal(sae_change_check_catalogue(&c, message), 0);
    c.field = "no_such_field";
    assert_int_equal(sae_change_check_catalogue(&c, message), SAE_EINVAL);
    assert_non_null(strstr(message, "no_such_field"));
    c.kind = "no_such_kind";
    assert_int_equal(sae_change_check_catalogue(&c, message), SAE_EINVAL);
    c.kind = "referral";
    c.field = SAE_FIELD_TOMBSTONE;
    c.value = "1";
    assert_int_equal(sae_change_check_catalogue(&c, message), 0);
    c.value = "0";
    assert_int_equal(sae_change_check_catalogue(&c, message), SAE_EINVAL);
}

static void test_error_names(void **state)
{
    (void)state;
    static const int codes[] = {SAE_WIRE_EFORMAT, SAE_WIRE_EUNKNOWN_SENDER, SAE_WIRE_EAUTH,
                                SAE_WIRE_ETOOLARGE, SAE_WIRE_EINFLATE, SAE_WIRE_EDECODE,
                                SAE_WIRE_ELIMIT, SAE_WIRE_ESCHEMA};
    for (size_t i = 0; i < COUNT(codes); i++) {
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(sae_wire_error_name(codes[i]),
                                    sae_wire_error_name(codes[k]));
        assert_string_not_equal(sae_wire_error_name(codes[i]), sae_error_name(-9999));
    }
    assert_string_equal(sae_wire_error_name(SAE_ENOMEM), sae_error_name(SAE_ENOMEM));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_rules),
        cmocka_unit_test(test_seq_implied_within_group),
        cmocka_unit_test(test_encode_refuses_what_decode_refuses),
        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_change_check_catalogue),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
