/* Schema 2's people on the wire (PROTOCOL.md sections 3 to 5): a change group's author,
 * a coordinator's note and the writing device's name, each at its limit and one past it on
 * both sides; how they group changes; a schema-1 batch without them; the device name of an
 * EnrollResponse; and reading a message's schema version without decoding it. */
#include <setjmp.h>
#include <stdarg.h>
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

static const struct sae_id report = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

static struct sae_change change(uint64_t seq, char *author, char *note, char *device)
{
    struct sae_change c = {.report_id = report, .kind = "case", .field = "status",
                           .value = "new", .version = {1000, 7}, .seq = seq,
                           .author = author, .note = note, .device = device};
    return c;
}

/* n bytes of 'a' (a valid one-line name), malloc'd. */
static char *text_of(size_t n)
{
    char *t = malloc(n + 1);
    assert_non_null(t);
    memset(t, 'a', n);
    t[n] = '\0';
    return t;
}

/* A one-change PushBatch built with protobuf-c, so that it may break the rules the C
 * encoder keeps: the group's author, note and device as given (NULL: absent). */
static int decode_raw(const char *author, const char *note, const char *device,
                      uint32_t schema, struct sae_batch **out)
{
    Sae__V1__PushBatch b = SAE__V1__PUSH_BATCH__INIT;
    Sae__V1__ChangeGroup g = SAE__V1__CHANGE_GROUP__INIT, *gp = &g;
    Sae__V1__FieldChange f = SAE__V1__FIELD_CHANGE__INIT, *fp = &f;
    struct sae_limits limits = sae_limits_default();
    b.has_schema_version = b.has_origin = 1;
    b.schema_version = schema;
    b.origin = 7;
    g.has_report_id = g.has_kind = g.has_hlc = g.has_origin = 1;
    g.report_id = (ProtobufCBinaryData){SAE_ID_BYTES, sae_borrow(report.bytes)};
    g.kind = (ProtobufCBinaryData){4, sae_borrow("case")};
    g.hlc = 1000;
    g.origin = 7;
    g.has_author = author != NULL;
    g.author = (ProtobufCBinaryData){author ? strlen(author) : 0, sae_borrow(author)};
    g.has_note = note != NULL;
    g.note = (ProtobufCBinaryData){note ? strlen(note) : 0, sae_borrow(note)};
    g.has_device = device != NULL;
    g.device = (ProtobufCBinaryData){device ? strlen(device) : 0, sae_borrow(device)};
    f.has_field = f.has_value = f.has_seq = 1;
    f.field = (ProtobufCBinaryData){6, sae_borrow("status")};
    f.value = (ProtobufCBinaryData){3, sae_borrow("new")};
    f.seq = 1;
    g.n_changes = 1;
    g.changes = &fp;
    b.n_groups = 1;
    b.groups = &gp;
    size_t len = protobuf_c_message_get_packed_size(&b.base);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    protobuf_c_message_pack(&b.base, buf);
    int rc = sae_batch_decode(buf, len, &limits, out);
    free(buf);
    return rc;
}

static int encode_one(struct sae_change c)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_batch batch = {.origin = 7, .changes = &c, .change_count = 1};
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = sae_batch_encode(&batch, &limits, &buf, &len);
    sae_wire_buffer_free(buf, len);
    return rc;
}

/* Each text at its limit passes both ways; one byte more is refused by the encoder and by
 * the decoder; empty, and a line break, are refused (a name is one line, never empty). */
static void check_edges(size_t max, int which)
{
    struct sae_batch *out = NULL;
    char *at = text_of(max), *over = text_of(max + 1);
    char *slots[3][3] = {{at, NULL, NULL}, {NULL, at, NULL}, {NULL, NULL, at}};
    char *over_slots[3][3] = {{over, NULL, NULL}, {NULL, over, NULL}, {NULL, NULL, over}};
    char **s = slots[which], **o = over_slots[which];
    assert_int_equal(encode_one(change(1, s[0], s[1], s[2])), 0);
    assert_int_equal(decode_raw(s[0], s[1], s[2], 2, &out), 0);
    assert_string_equal(which == 0 ? out->changes[0].author
                        : which == 1 ? out->changes[0].note : out->changes[0].device, at);
    sae_batch_free(out);
    out = NULL;
    assert_int_equal(encode_one(change(1, o[0], o[1], o[2])), SAE_WIRE_ELIMIT);
    assert_int_equal(decode_raw(o[0], o[1], o[2], 2, &out), SAE_WIRE_ELIMIT);
    char *bad[] = {"", "Siti\nAni", "Siti\tAni", "\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b[3] = {NULL, NULL, NULL};
        b[which] = bad[i];
        assert_int_equal(encode_one(change(1, b[0], b[1], b[2])), SAE_WIRE_EDECODE);
        assert_int_equal(decode_raw(b[0], b[1], b[2], 2, &out), SAE_WIRE_EDECODE);
    }
    assert_null(out);
    free(at);
    free(over);
}

static void test_author_limit(void **state)
{
    (void)state;
    assert_int_equal(SAE_WIRE_AUTHOR_BYTES, 100);
    check_edges(SAE_WIRE_AUTHOR_BYTES, 0);
}

static void test_note_limit(void **state)
{
    (void)state;
    assert_int_equal(SAE_WIRE_NOTE_BYTES, 1000);
    check_edges(SAE_WIRE_NOTE_BYTES, 1);
}

static void test_device_limit(void **state)
{
    (void)state;
    check_edges(SAE_WIRE_TEXT_BYTES, 2);
}

/* People travel once per group; a change of author (or note, or device) starts a new one,
 * and decoding gives every change its group's people. */
static void test_people_group_changes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_change c[] = {change(1, "Siti", NULL, NULL), change(2, "Siti", NULL, NULL),
                             change(3, "Ani", "dicek ulang", "Hub"),
                             change(4, NULL, NULL, NULL)};
    c[1].field = "risk_level";
    struct sae_batch batch = {.origin = 7, .changes = c, .change_count = 4}, *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    Sae__V1__PushBatch *pb = sae__v1__push_batch__unpack(NULL, len, buf);
    assert_non_null(pb);
    assert_int_equal(pb->n_groups, 3);
    assert_int_equal(pb->groups[0]->n_changes, 2);
    assert_true(pb->groups[0]->has_author && !pb->groups[0]->has_note);
    assert_false(pb->groups[2]->has_author);
    sae__v1__push_batch__free_unpacked(pb, NULL);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    assert_string_equal(out->changes[1].author, "Siti");
    assert_string_equal(out->changes[2].author, "Ani");
    assert_string_equal(out->changes[2].note, "dicek ulang");
    assert_string_equal(out->changes[2].device, "Hub");
    assert_null(out->changes[3].author);
    assert_null(out->changes[3].note);
    assert_null(out->changes[3].device);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, len);
}

/* A post on schema 1 sends no author: its batch decodes, its changes' author unknown. */
static void test_schema_one_batch_without_author(void **state)
{
    (void)state;
    struct sae_batch *out = NULL;
    assert_int_equal(decode_raw(NULL, NULL, NULL, 1, &out), 0);
    assert_int_equal(out->schema_version, 1);
    assert_null(out->changes[0].author);
    sae_batch_free(out);
    assert_int_equal(decode_raw(NULL, NULL, NULL, SAE_WIRE_SCHEMA_VERSION + 1, &out),
                     SAE_WIRE_ESCHEMA);
    assert_int_equal(decode_raw(NULL, NULL, NULL, 0, &out), SAE_WIRE_ESCHEMA);
}

static void test_enroll_response_device_name(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    char *name = text_of(limits.text_bytes);
    struct sae_enroll_response r = {.node_id = 9, .village = "35.13.12.2018",
                                    .device_name = name}, *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_enroll_response_encode(&r, &limits, &buf, &len), 0);
    assert_int_equal(sae_enroll_response_decode(buf, len, &limits, &out), 0);
    assert_string_equal(out->device_name, name);
    sae_enroll_response_free(out);
    out = NULL;
    sae_wire_buffer_free(buf, len);
    r.device_name = NULL; /* absent: a hub of schema 1 */
    assert_int_equal(sae_enroll_response_encode(&r, &limits, &buf, &len), 0);
    assert_int_equal(sae_enroll_response_decode(buf, len, &limits, &out), 0);
    assert_null(out->device_name);
    sae_enroll_response_free(out);
    sae_wire_buffer_free(buf, len);
    free(name);
    name = text_of(limits.text_bytes + 1);
    r.device_name = name;
    assert_int_equal(sae_enroll_response_encode(&r, &limits, &buf, &len), SAE_WIRE_ELIMIT);
    r.device_name = "two\nlines";
    assert_int_equal(sae_enroll_response_encode(&r, &limits, &buf, &len), SAE_WIRE_EDECODE);
    free(name);
}

/* Field 1 of any message, skipping every other field by its wire type. */
static void test_peek_schema(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    struct sae_enroll_request req = {.schema_version = 1, .token = "t", .village = "v",
                                     .device_name = "d", .clock = 5};
    uint8_t *buf = NULL;
    size_t len = 0;
    uint32_t version = 99;
    assert_int_equal(sae_enroll_request_encode(&req, &limits, &buf, &len), 0);
    assert_int_equal(sae_wire_peek_schema(buf, len, &version), 0);
    assert_int_equal(version, 1);
    sae_wire_buffer_free(buf, len);
    /* Version last, after a fixed64, a length-delimited field and a fixed32. */
    const uint8_t later[] = {0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 2, 'h', 'i', 0x25, 1, 2, 3, 4,
                             0x08, 0x03};
    assert_int_equal(sae_wire_peek_schema(later, sizeof later, &version), 0);
    assert_int_equal(version, 3);
    assert_int_equal(sae_wire_peek_schema(later, 0, &version), 0);
    assert_int_equal(version, 0); /* absent */
    const uint8_t truncated[] = {0x1a, 5, 'h'}, bad_type[] = {0x0f, 1}, endless[] = {0x08, 0x80};
    assert_int_equal(sae_wire_peek_schema(truncated, sizeof truncated, &version),
                     SAE_WIRE_EDECODE);
    assert_int_equal(sae_wire_peek_schema(bad_type, sizeof bad_type, &version),
                     SAE_WIRE_EDECODE);
    assert_int_equal(sae_wire_peek_schema(endless, sizeof endless, &version), SAE_WIRE_EDECODE);
    /* A varint past 32 bits is cut to them, as protobuf reads a uint32: 2^32 + 2 is 2. */
    const uint8_t huge[] = {0x08, 0x82, 0x80, 0x80, 0x80, 0x10};
    assert_int_equal(sae_wire_peek_schema(huge, sizeof huge, &version), 0);
    assert_int_equal(version, 2);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_author_limit),
        cmocka_unit_test(test_note_limit),
        cmocka_unit_test(test_device_limit),
        cmocka_unit_test(test_people_group_changes),
        cmocka_unit_test(test_schema_one_batch_without_author),
        cmocka_unit_test(test_enroll_response_device_name),
        cmocka_unit_test(test_peek_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
