/* Value boxes (sae_value_box.h; PROTOCOL.md section 3, "Value boxes"; STORAGE_KEYS.md
 * section 3a): packing and unpacking at every limit's edge, malformed plaintexts, sealing
 * and opening; on the wire, ChangeGroup.sealed_values and FieldChange.box_slot in a push of
 * schema 6 only, the rules a decoder checks, and the hub's opening of a box into values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "sae.pb-c.h"
#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_value_box.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"

#include "key_pairs.h"

static const struct sae_id report = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};


static void unpack_ok(const char *const *values, size_t count)
{
    unsigned char *packed = NULL;
    size_t len = 0;
    struct sae_value_box box = {0};
    assert_int_equal(sae_value_box_pack(values, count, &packed, &len), 0);
    assert_int_equal(sae_value_box_unpack(packed, len, &box), 0);
    assert_int_equal(box.count, count);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(box.values[i], values[i]);
        assert_int_equal(box.lens[i], strlen(values[i]));
    }
    sae_value_box_free(&box);
    sae_wipe_free(packed, len);
}

static void test_pack_and_unpack_round_trip(void **state)
{
    (void)state;
    const char *values[] = {"Siti Rahmawati", "0812 3456 7890",
                            "Dipukul di rumah \xe2\x80\x94 dua kali, oleh suami."};
    unpack_ok(values, 3);
    unpack_ok(values, 1);
}

/* The framed bytes (a length, then the value) deflated alone, as a hostile writer would. */
static unsigned char *deflated(const unsigned char *framed, size_t len, size_t *out_len)
{
    uLongf room = compressBound((uLong)len);
    unsigned char *out = malloc(room);
    assert_non_null(out);
    assert_int_equal(compress2(out, &room, framed, (uLong)len, 9), Z_OK);
    *out_len = room;
    return out;
}

static int unpack_framed(const unsigned char *framed, size_t len)
{
    size_t zlen = 0;
    unsigned char *z = deflated(framed, len, &zlen);
    struct sae_value_box box = {0};
    int rc = sae_value_box_unpack(z, zlen, &box);
    if (rc == 0) {
        assert_true(box.count > 0);
        sae_value_box_free(&box);
    }
    free(z);
    return rc;
}

/* One value whose 3-byte length makes the framed whole exactly total bytes. */
static unsigned char *one_value_of(size_t total)
{
    size_t n = total - 3;
    unsigned char *framed = malloc(total);
    assert_non_null(framed);
    framed[0] = (unsigned char)(0x80 | (n & 0x7f));
    framed[1] = (unsigned char)(0x80 | ((n >> 7) & 0x7f));
    framed[2] = (unsigned char)(n >> 14);
    memset(framed + 3, 'a', n);
    return framed;
}

static void test_inflated_limit_at_its_edge(void **state)
{
    (void)state;
    unsigned char *at = one_value_of(SAE_VALUE_BOX_PLAIN_MAX);
    assert_int_equal(unpack_framed(at, SAE_VALUE_BOX_PLAIN_MAX), 0);
    free(at);
    unsigned char *over = one_value_of(SAE_VALUE_BOX_PLAIN_MAX + 1);
    assert_int_equal(unpack_framed(over, SAE_VALUE_BOX_PLAIN_MAX + 1), SAE_ETOOBIG);
    free(over);
}

static void test_count_limit_at_its_edge(void **state)
{
    (void)state;
    unsigned char framed[2 * (SAE_VALUE_BOX_VALUES_MAX + 1)];
    for (size_t i = 0; i <= SAE_VALUE_BOX_VALUES_MAX; i++) {
        framed[2 * i] = 1;
        framed[2 * i + 1] = 'x';
    }
    assert_int_equal(unpack_framed(framed, 2 * SAE_VALUE_BOX_VALUES_MAX), 0);
    assert_int_equal(unpack_framed(framed, sizeof framed), SAE_ECORRUPT);
    const char *values[SAE_VALUE_BOX_VALUES_MAX + 1];
    for (size_t i = 0; i <= SAE_VALUE_BOX_VALUES_MAX; i++)
        values[i] = "x";
    unsigned char *packed = NULL;
    size_t len = 0;
    assert_int_equal(sae_value_box_pack(values, SAE_VALUE_BOX_VALUES_MAX + 1, &packed, &len),
                     SAE_ETOOBIG);
    unpack_ok(values, SAE_VALUE_BOX_VALUES_MAX);
}

static void test_malformed_plaintexts_are_corrupt(void **state)
{
    (void)state;
    static const unsigned char empty_value[] = {0};
    static const unsigned char past_end[] = {9, 'S', 'i', 't', 'i'};
    static const unsigned char with_nul[] = {3, 'a', 0, 'b'};
    static const unsigned char endless_varint[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    assert_int_equal(unpack_framed(empty_value, sizeof empty_value), SAE_ECORRUPT);
    assert_int_equal(unpack_framed(past_end, sizeof past_end), SAE_ECORRUPT);
    assert_int_equal(unpack_framed(with_nul, sizeof with_nul), SAE_ECORRUPT);
    assert_int_equal(unpack_framed(endless_varint, sizeof endless_varint), SAE_ECORRUPT);
    assert_int_equal(unpack_framed((const unsigned char *)"", 0), SAE_ECORRUPT); /* no value */
    /* Not zlib, a truncated stream, and bytes after a whole one. */
    static const unsigned char not_zlib[] = {5, 'S', 'i', 't', 'i', 'x'};
    struct sae_value_box box = {0};
    assert_int_equal(sae_value_box_unpack(not_zlib, sizeof not_zlib, &box), SAE_ECORRUPT);
    const char *values[] = {"Siti"};
    unsigned char *packed = NULL, *longer = NULL;
    size_t len = 0;
    assert_int_equal(sae_value_box_pack(values, 1, &packed, &len), 0);
    assert_int_equal(sae_value_box_unpack(packed, len - 1, &box), SAE_ECORRUPT);
    assert_non_null(longer = malloc(len + 1));
    memcpy(longer, packed, len);
    longer[len] = 0;
    assert_int_equal(sae_value_box_unpack(longer, len + 1, &box), SAE_ECORRUPT);
    assert_null(box.values);
    free(longer);
    sae_wipe_free(packed, len);
}

static void test_pack_refuses_what_one_box_cannot_hold(void **state)
{
    (void)state;
    unsigned char *packed = NULL;
    size_t len = 0;
    const char *empty[] = {""};
    assert_int_equal(sae_value_box_pack(empty, 1, &packed, &len), SAE_EINVAL);
    assert_int_equal(sae_value_box_pack(empty, 0, &packed, &len), SAE_EINVAL);
    /* Noise of 64 symbols (6 bits a byte) that deflates past what one seal takes: the writer
     * then seals its values one by one. */
    size_t n = SAE_VALUE_BOX_DEFLATED_MAX * 3 / 2;
    char *noise = malloc(n + 1);
    assert_non_null(noise);
    randombytes_buf(noise, n);
    for (size_t i = 0; i < n; i++)
        noise[i] = (char)('0' + (unsigned char)noise[i] % 64); /* printable, no NUL */
    noise[n] = '\0';
    const char *big[] = {noise};
    assert_int_equal(sae_value_box_pack(big, 1, &packed, &len), SAE_ETOOBIG);
    assert_null(packed);
    free(noise);
}

static unsigned char *seal_box(const unsigned char pk[32], const char *const *values,
                               size_t count, size_t *len)
{
    struct sae_sealer *sealer = NULL;
    unsigned char *box = NULL;
    assert_int_equal(sae_sealer_new(pk, &sealer), 0);
    assert_int_equal(sae_value_box_seal(sealer, values, count, &box, len), 0);
    sae_sealer_free(sealer);
    return box;
}

static void test_seal_and_open(void **state)
{
    struct test_key_pairs *k = *state;
    const char *values[] = {"Siti Rahmawati", "Kisah yang panjang, panjang, panjang."};
    size_t len = 0;
    unsigned char *box = seal_box(k->pk, values, 2, &len);
    assert_int_equal(box[0], SAE_SEALED_VERSION_SHARED);
    for (size_t i = 0; i + 4 <= len; i++)
        assert_false(memcmp(box + i, "Siti", 4) == 0);
    struct sae_opener *opener = NULL;
    struct sae_value_box opened = {0};
    assert_int_equal(sae_opener_new(k->pk, k->sk, &opener), 0);
    assert_int_equal(sae_value_box_open(opener, box, len, &opened), 0);
    assert_int_equal(opened.count, 2);
    assert_string_equal(opened.values[1], values[1]);
    sae_value_box_free(&opened);
    sae_opener_free(opener);
    assert_int_equal(sae_opener_new(k->other_pk, k->other_sk, &opener), 0);
    assert_int_equal(sae_value_box_open(opener, box, len, &opened), SAE_EPERM);
    box[len - 1] ^= 1;
    sae_opener_free(opener);
    assert_int_equal(sae_opener_new(k->pk, k->sk, &opener), 0);
    assert_int_equal(sae_value_box_open(opener, box, len, &opened), SAE_ECORRUPT);
    sae_opener_free(opener);
    free(box);
}

/* A group of a new case: status plain, then the name and narrative in the box. */
struct group {
    struct sae_change changes[3];
};

static void boxed_group(struct group *g, unsigned char *box, size_t box_len)
{
    memset(g, 0, sizeof *g);
    for (size_t i = 0; i < 3; i++)
        g->changes[i] = (struct sae_change){.report_id = report, .kind = "case",
                                            .version = {1000, 7}, .seq = i + 1,
                                            .author = "Siti"};
    g->changes[0].field = "status";
    g->changes[0].value = "new";
    g->changes[1].field = "victim_name";
    g->changes[1].group_box = box;
    g->changes[1].group_box_len = box_len;
    g->changes[1].box_slot = 1;
    g->changes[2].field = "narrative";
    g->changes[2].box_slot = 2;
}

static int encode(struct sae_change *c, size_t n, uint32_t schema, uint8_t **buf, size_t *len)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_batch b = {.schema_version = schema, .origin = 7, .clock = 1000, .changes = c,
                          .change_count = n};
    return sae_batch_encode(&b, &limits, buf, len);
}

static void test_a_box_travels_once_and_the_hub_opens_it(void **state)
{
    struct test_key_pairs *k = *state;
    const char *values[] = {"Siti Rahmawati", "Dipukul di rumah."};
    size_t box_len = 0, len = 0;
    unsigned char *box = seal_box(k->pk, values, 2, &box_len);
    struct group g;
    uint8_t *buf = NULL;
    boxed_group(&g, box, box_len);
    struct sae_limits limits = sae_limits_default();
    assert_int_equal(encode(g.changes, 3, 5, &buf, &len), SAE_WIRE_EDECODE); /* schema 5 */
    assert_int_equal(encode(g.changes, 3, SAE_WIRE_SCHEMA_VALUE_BOX, &buf, &len), 0);
    struct sae_batch *batch = NULL;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &batch), 0);
    /* One group: the box moved to the group's first change. */
    assert_non_null(batch->changes[0].group_box);
    assert_null(batch->changes[1].group_box);
    assert_int_equal(batch->changes[2].box_slot, 2);
    assert_int_equal(sae_batch_open_sealed(batch, k->pk, k->sk, &limits), 0);
    assert_string_equal(batch->changes[0].value, "new");
    assert_string_equal(batch->changes[1].value, values[0]);
    assert_string_equal(batch->changes[2].value, values[1]);
    assert_null(batch->changes[0].group_box);
    assert_int_equal(batch->changes[1].box_slot, 0);
    sae_batch_free(batch);
    /* Sealed to another key, or a slot the box lacks: refused as a value that does not open. */
    assert_int_equal(sae_batch_decode(buf, len, &limits, &batch), 0);
    assert_int_equal(sae_batch_open_sealed(batch, k->other_pk, k->other_sk, &limits),
                     SAE_WIRE_EDECODE);
    sae_batch_free(batch);
    sae_wire_buffer_free(buf, len);
    g.changes[2].box_slot = 3;
    assert_int_equal(encode(g.changes, 3, SAE_WIRE_SCHEMA_VALUE_BOX, &buf, &len), 0);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &batch), 0);
    assert_int_equal(sae_batch_open_sealed(batch, k->pk, k->sk, &limits), SAE_WIRE_EDECODE);
    sae_batch_free(batch);
    sae_wire_buffer_free(buf, len);
    free(box);
}

static void test_wire_rules_of_boxes_and_slots(void **state)
{
    struct test_key_pairs *k = *state;
    const char *values[] = {"Siti", "Kisah"};
    size_t box_len = 0, len = 0;
    unsigned char *box = seal_box(k->pk, values, 2, &box_len);
    struct group g;
    uint8_t *buf = NULL;
    /* A slot with no box in its group. */
    boxed_group(&g, NULL, 0);
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), SAE_WIRE_EDECODE);
    /* A slot beside a value. */
    boxed_group(&g, box, box_len);
    g.changes[2].value = "Kisah";
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), SAE_WIRE_EDECODE);
    /* A slot over the count limit, and at it. */
    boxed_group(&g, box, box_len);
    g.changes[2].box_slot = SAE_VALUE_BOX_VALUES_MAX + 1;
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), SAE_WIRE_ELIMIT);
    g.changes[2].box_slot = SAE_VALUE_BOX_VALUES_MAX;
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), 0);
    sae_wire_buffer_free(buf, len);
    /* A box of version 1, or no longer than a seal's overhead. */
    boxed_group(&g, box, box_len);
    box[0] = SAE_SEALED_VERSION;
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), SAE_WIRE_EDECODE);
    box[0] = SAE_SEALED_VERSION_SHARED;
    g.changes[1].group_box_len = SAE_SEALED_SHARED_OVERHEAD;
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), SAE_WIRE_EDECODE);
    /* The largest box, and one byte more. */
    unsigned char *big = calloc(1, SAE_VALUE_BOX_MAX_BYTES + 1);
    assert_non_null(big);
    big[0] = SAE_SEALED_VERSION_SHARED;
    boxed_group(&g, big, SAE_VALUE_BOX_MAX_BYTES);
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), 0);
    sae_wire_buffer_free(buf, len);
    g.changes[1].group_box_len = SAE_VALUE_BOX_MAX_BYTES + 1;
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), SAE_WIRE_ELIMIT);
    free(big);
    free(box);
}

/* What only a hostile encoder writes: the decoder refuses it. */
static int decode_pb(const Sae__V1__PushBatch *b)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_batch *batch = NULL;
    size_t len = sae__v1__push_batch__get_packed_size(b);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    sae__v1__push_batch__pack(b, buf);
    int rc = sae_batch_decode(buf, len, &limits, &batch);
    sae_batch_free(batch);
    free(buf);
    return rc;
}

static void test_decoder_refuses_a_box_no_change_names_and_a_slot_without_box(void **state)
{
    (void)state;
    static uint8_t box[SAE_SEALED_SHARED_OVERHEAD + 8] = {SAE_SEALED_VERSION_SHARED};
    Sae__V1__FieldChange f = SAE__V1__FIELD_CHANGE__INIT, *fp = &f;
    Sae__V1__ChangeGroup g = SAE__V1__CHANGE_GROUP__INIT, *gp = &g;
    Sae__V1__PushBatch b = SAE__V1__PUSH_BATCH__INIT;
    f.has_field = f.has_seq = 1;
    f.field = (ProtobufCBinaryData){11, (uint8_t *)(uintptr_t)"victim_name"};
    f.seq = 1;
    g.has_report_id = g.has_kind = g.has_hlc = g.has_origin = 1;
    g.report_id = (ProtobufCBinaryData){16, (uint8_t *)(uintptr_t)report.bytes};
    g.kind = (ProtobufCBinaryData){4, (uint8_t *)(uintptr_t)"case"};
    g.hlc = 1000;
    g.origin = 7;
    g.n_changes = 1;
    g.changes = &fp;
    b.has_schema_version = b.has_origin = 1;
    b.schema_version = 6;
    b.origin = 7;
    b.n_groups = 1;
    b.groups = &gp;
    f.has_box_slot = 1;
    f.box_slot = 1;
    assert_int_equal(decode_pb(&b), SAE_WIRE_EDECODE); /* a slot, no box */
    g.has_sealed_values = 1;
    g.sealed_values = (ProtobufCBinaryData){sizeof box, box};
    assert_int_equal(decode_pb(&b), 0);
    b.schema_version = 5;
    assert_int_equal(decode_pb(&b), SAE_WIRE_EDECODE); /* a box before schema 6 */
    b.schema_version = 6;
    f.has_box_slot = 0;
    f.has_value = 1;
    f.value = (ProtobufCBinaryData){4, (uint8_t *)(uintptr_t)"Siti"};
    assert_int_equal(decode_pb(&b), SAE_WIRE_EDECODE); /* a box no change names */
}

/* Two boxes of one group's fields (a re-dated entry's) start a second group. */
static void test_a_second_box_starts_a_group(void **state)
{
    struct test_key_pairs *k = *state;
    const char *values[] = {"Siti", "Kisah"};
    size_t box_len = 0, len = 0;
    unsigned char *box = seal_box(k->pk, values, 2, &box_len);
    struct group g;
    uint8_t *buf = NULL;
    boxed_group(&g, box, box_len);
    g.changes[2].group_box = box;
    g.changes[2].group_box_len = box_len;
    struct sae_limits limits = sae_limits_default();
    assert_int_equal(encode(g.changes, 3, 6, &buf, &len), 0);
    struct sae_batch *batch = NULL;
    assert_int_equal(sae_batch_decode(buf, len, &limits, &batch), 0);
    assert_non_null(batch->changes[0].group_box);
    assert_non_null(batch->changes[2].group_box);
    assert_int_equal(sae_batch_open_sealed(batch, k->pk, k->sk, &limits), 0);
    assert_string_equal(batch->changes[2].value, "Kisah");
    sae_batch_free(batch);
    sae_wire_buffer_free(buf, len);
    free(box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_and_unpack_round_trip),
        cmocka_unit_test(test_inflated_limit_at_its_edge),
        cmocka_unit_test(test_count_limit_at_its_edge),
        cmocka_unit_test(test_malformed_plaintexts_are_corrupt),
        cmocka_unit_test(test_pack_refuses_what_one_box_cannot_hold),
        cmocka_unit_test_setup_teardown(test_seal_and_open, test_key_pairs_setup,
                                        test_key_pairs_teardown),
        cmocka_unit_test_setup_teardown(test_a_box_travels_once_and_the_hub_opens_it,
                                        test_key_pairs_setup, test_key_pairs_teardown),
        cmocka_unit_test_setup_teardown(test_wire_rules_of_boxes_and_slots, test_key_pairs_setup,
                                        test_key_pairs_teardown),
        cmocka_unit_test_setup_teardown(test_a_second_box_starts_a_group, test_key_pairs_setup,
                                        test_key_pairs_teardown),
        cmocka_unit_test(test_decoder_refuses_a_box_no_change_names_and_a_slot_without_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
