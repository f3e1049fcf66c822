/* Schema 3's sealed values (PROTOCOL.md sections 3, 4 and 7): FieldChange.sealed_value
 * carries a value sealed to the hub's key in place of value, in a push only. Round trip and
 * opening with the hub's key; both value and sealed value, a sealed value in a schema-2
 * push or in a pull, lengths at their edges on both sides; a value that does not open, or
 * opens to what a value may not be. */
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

#include "key_pairs.h"

static const struct sae_id report = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};


static unsigned char *seal(const unsigned char pk[32], const void *plain, size_t len,
                           size_t *out_len)
{
    unsigned char *out = NULL;
    assert_int_equal(sae_sealed_seal(pk, plain, len, &out, out_len), 0);
    return out;
}

static bool contains(const uint8_t *bytes, size_t len, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, text, n) == 0)
            return true;
    return false;
}

static struct sae_change sealed_change(unsigned char *sealed, size_t len)
{
    struct sae_change c = {.report_id = report, .kind = "case", .field = "victim_name",
                           .version = {1000, 7}, .seq = 1, .author = "Siti",
                           .sealed_value = sealed, .sealed_len = len};
    return c;
}

static int encode(struct sae_change *c, uint32_t schema, uint8_t **buf, size_t *len)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_batch b = {.schema_version = schema, .origin = 7, .clock = 1000, .changes = c,
                          .change_count = 1};
    return sae_batch_encode(&b, &limits, buf, len);
}

/* c through a schema-3 batch, encoded and decoded. */
static struct sae_batch *round_trip(struct sae_change *c)
{
    struct sae_limits limits = sae_limits_default();
    uint8_t *buf = NULL;
    size_t len = 0;
    struct sae_batch *out = NULL;
    assert_int_equal(encode(c, 0, &buf, &len), 0);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    sae_wire_buffer_free(buf, len);
    return out;
}

static void test_round_trip_and_open(void **state)
{
    struct test_key_pairs *k = *state;
    struct sae_limits limits = sae_limits_default();
    size_t sealed_len = 0, len = 0;
    unsigned char *sealed = seal(k->pk, "Siti Rahmawati", 14, &sealed_len);
    struct sae_change c = sealed_change(sealed, sealed_len);
    uint8_t *buf = NULL;
    struct sae_batch *out = NULL;
    assert_int_equal(encode(&c, 0, &buf, &len), 0);
    assert_false(contains(buf, len, "Siti Rahmawati"));
    assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
    assert_int_equal(out->schema_version, SAE_WIRE_SCHEMA_VERSION);
    assert_null(out->changes[0].value);
    assert_int_equal(out->changes[0].sealed_len, sealed_len);
    assert_memory_equal(out->changes[0].sealed_value, sealed, sealed_len);
    /* Another key does not open it, and the batch is left as it was. */
    assert_int_equal(sae_batch_open_sealed(out, k->other_pk, k->other_sk, &limits),
                     SAE_WIRE_EDECODE);
    assert_null(out->changes[0].value);
    assert_non_null(out->changes[0].sealed_value);
    assert_int_equal(sae_batch_open_sealed(out, k->pk, k->sk, &limits), 0);
    assert_string_equal(out->changes[0].value, "Siti Rahmawati");
    assert_null(out->changes[0].sealed_value);
    assert_int_equal(out->changes[0].sealed_len, 0);
    sae_batch_free(out);
    sae_wire_buffer_free(buf, len);
    free(sealed);
}

/* Never both; not before schema 3; not in a pull before schema 4 (test_wire_withheld.c has
 * schema 4's). */
static void test_where_a_sealed_value_may_not_be(void **state)
{
    struct test_key_pairs *k = *state;
    struct sae_limits limits = sae_limits_default();
    size_t sealed_len = 0, len = 0;
    unsigned char *sealed = seal(k->pk, "Siti", 4, &sealed_len);
    struct sae_change c = sealed_change(sealed, sealed_len);
    uint8_t *buf = NULL;
    c.value = "Siti";
    assert_int_equal(encode(&c, 0, &buf, &len), SAE_WIRE_EDECODE);
    c.value = NULL;
    assert_int_equal(encode(&c, 2, &buf, &len), SAE_WIRE_EDECODE);
    struct sae_pull_response resp = {.schema_version = 3, .changes = &c, .change_count = 1};
    assert_int_equal(sae_pull_response_encode(&resp, &limits, &buf, &len), SAE_WIRE_EDECODE);
    free(sealed);
}

/* The same rules when decoding what another program built (a hostile or older peer). */
static int decode_built(uint32_t schema, bool with_value, const unsigned char *sealed,
                        size_t sealed_len, bool as_pull)
{
    struct sae_limits limits = sae_limits_default();
    Sae__V1__FieldChange f = SAE__V1__FIELD_CHANGE__INIT, *fp = &f;
    Sae__V1__ChangeGroup g = SAE__V1__CHANGE_GROUP__INIT, *gp = &g;
    f.has_field = 1;
    f.field = (ProtobufCBinaryData){11, sae_borrow("victim_name")};
    f.has_value = with_value;
    f.value = (ProtobufCBinaryData){4, sae_borrow("Siti")};
    f.has_sealed_value = 1;
    f.sealed_value = (ProtobufCBinaryData){sealed_len, sae_borrow(sealed)};
    f.has_seq = 1;
    f.seq = 1;
    g.has_report_id = 1;
    g.report_id = (ProtobufCBinaryData){16, sae_borrow(report.bytes)};
    g.has_kind = 1;
    g.kind = (ProtobufCBinaryData){4, sae_borrow("case")};
    g.has_hlc = g.has_origin = 1;
    g.hlc = 1000;
    g.origin = 7;
    g.n_changes = 1;
    g.changes = &fp;
    uint8_t buf[64 * 1024];
    size_t len;
    int rc;
    if (as_pull) {
        Sae__V1__PullResponse p = SAE__V1__PULL_RESPONSE__INIT;
        struct sae_pull_response *out = NULL;
        p.has_schema_version = 1;
        p.schema_version = schema;
        p.n_groups = 1;
        p.groups = &gp;
        assert_true(sae__v1__pull_response__get_packed_size(&p) <= sizeof buf);
        len = sae__v1__pull_response__pack(&p, buf);
        rc = sae_pull_response_decode(buf, len, &limits, &out);
        sae_pull_response_free(out);
        return rc;
    }
    Sae__V1__PushBatch b = SAE__V1__PUSH_BATCH__INIT;
    struct sae_batch *out = NULL;
    b.has_schema_version = b.has_origin = 1;
    b.schema_version = schema;
    b.origin = 7;
    b.n_groups = 1;
    b.groups = &gp;
    assert_true(sae__v1__push_batch__get_packed_size(&b) <= sizeof buf);
    len = sae__v1__push_batch__pack(&b, buf);
    rc = sae_batch_decode(buf, len, &limits, &out);
    sae_batch_free(out);
    return rc;
}

static void test_decoding_refuses_misplaced_sealed_values(void **state)
{
    struct test_key_pairs *k = *state;
    size_t sealed_len = 0;
    unsigned char *sealed = seal(k->pk, "Siti", 4, &sealed_len);
    assert_int_equal(decode_built(3, false, sealed, sealed_len, false), 0);
    assert_int_equal(decode_built(3, true, sealed, sealed_len, false), SAE_WIRE_EDECODE);
    assert_int_equal(decode_built(2, false, sealed, sealed_len, false), SAE_WIRE_EDECODE);
    assert_int_equal(decode_built(3, false, sealed, sealed_len, true), SAE_WIRE_EDECODE);
    assert_int_equal(decode_built(4, false, sealed, sealed_len, true), 0);
    free(sealed);
}

/* A sealed value is a value (1 to value_bytes) plus the seal's overhead: an empty seal and
 * one past the limit are refused on both sides, the limit itself is taken and opens. */
static void test_sealed_length_edges(void **state)
{
    struct test_key_pairs *k = *state;
    struct sae_limits limits = sae_limits_default();
    size_t max = limits.value_bytes, sealed_len = 0, len = 0;
    char *plain = malloc(max + 1);
    assert_non_null(plain);
    memset(plain, 'a', max + 1);
    uint8_t *buf = NULL;
    struct sae_batch *out = NULL;
    unsigned char *sealed = seal(k->pk, plain, max, &sealed_len);
    struct sae_change c = sealed_change(sealed, sealed_len);
    c.field = "narrative";
    out = round_trip(&c);
    assert_int_equal(sae_batch_open_sealed(out, k->pk, k->sk, &limits), 0);
    assert_int_equal(strlen(out->changes[0].value), max);
    sae_batch_free(out);
    assert_int_equal(decode_built(3, false, sealed, sealed_len, false), 0);
    /* One byte longer (sealing refuses such a value: only its length can be over). */
    unsigned char *longer = realloc(sealed, sealed_len + 1);
    assert_non_null(longer);
    sealed = longer;
    sealed[sealed_len++] = 0;
    c = sealed_change(sealed, sealed_len);
    assert_int_equal(encode(&c, 0, &buf, &len), SAE_WIRE_ELIMIT);
    assert_int_equal(decode_built(3, false, sealed, sealed_len, false), SAE_WIRE_ELIMIT);
    free(sealed);
    sealed = seal(k->pk, "", 0, &sealed_len);
    c = sealed_change(sealed, sealed_len);
    assert_int_equal(encode(&c, 0, &buf, &len), SAE_WIRE_EDECODE);
    assert_int_equal(decode_built(3, false, sealed, sealed_len, false), SAE_WIRE_EDECODE);
    free(sealed);
    free(plain);
}

/* The same edges for version 2 (schema 5), whose overhead is 77 bytes, not 53: a value at
 * the limit is taken and opens (with an opener, as the post does), one byte more is over,
 * an empty seal is refused. */
static void test_version_2_length_edges(void **state)
{
    struct test_key_pairs *k = *state;
    struct sae_limits limits = sae_limits_default();
    size_t max = limits.value_bytes, sealed_len = 0, len = 0;
    char *plain = malloc(max + 1);
    struct sae_sealer *sealer = NULL;
    uint8_t *buf = NULL;
    assert_non_null(plain);
    memset(plain, 'a', max + 1);
    assert_int_equal(sae_sealer_new(k->pk, &sealer), 0);
    unsigned char *sealed = NULL;
    assert_int_equal(sae_sealer_seal(sealer, plain, max, &sealed, &sealed_len), 0);
    assert_int_equal(sealed_len, max + SAE_SEALED_SHARED_OVERHEAD);
    struct sae_change c = sealed_change(sealed, sealed_len);
    c.field = "narrative";
    struct sae_batch *out = round_trip(&c);
    assert_int_equal(sae_batch_open_sealed(out, k->pk, k->sk, &limits), 0);
    assert_int_equal(strlen(out->changes[0].value), max);
    sae_batch_free(out);
    assert_int_equal(decode_built(5, false, sealed, sealed_len, true), 0);
    unsigned char *longer = realloc(sealed, sealed_len + 1);
    assert_non_null(longer);
    sealed = longer;
    sealed[sealed_len++] = 0;
    c = sealed_change(sealed, sealed_len);
    assert_int_equal(encode(&c, 0, &buf, &len), SAE_WIRE_ELIMIT);
    assert_int_equal(decode_built(5, false, sealed, sealed_len, true), SAE_WIRE_ELIMIT);
    free(sealed);
    assert_int_equal(sae_sealer_seal(sealer, "", 0, &sealed, &sealed_len), 0);
    c = sealed_change(sealed, sealed_len);
    assert_int_equal(encode(&c, 0, &buf, &len), SAE_WIRE_EDECODE);
    assert_int_equal(decode_built(5, false, sealed, sealed_len, true), SAE_WIRE_EDECODE);
    free(sealed);
    sae_sealer_free(sealer);
    free(plain);
}

/* What opens must still be a value: no NUL inside, valid UTF-8. */
static void test_opened_value_is_checked(void **state)
{
    struct test_key_pairs *k = *state;
    struct sae_limits limits = sae_limits_default();
    const char *bad[] = {"Siti\0Ani", "\xff\xfe"};
    const size_t bad_len[] = {8, 2};
    for (size_t i = 0; i < 2; i++) {
        size_t sealed_len = 0;
        unsigned char *sealed = seal(k->pk, bad[i], bad_len[i], &sealed_len);
        struct sae_change c = sealed_change(sealed, sealed_len);
        struct sae_batch *out = round_trip(&c);
        assert_int_equal(sae_batch_open_sealed(out, k->pk, k->sk, &limits), SAE_WIRE_EDECODE);
        assert_null(out->changes[0].value);
        sae_batch_free(out);
        free(sealed);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_open),
        cmocka_unit_test(test_where_a_sealed_value_may_not_be),
        cmocka_unit_test(test_decoding_refuses_misplaced_sealed_values),
        cmocka_unit_test(test_sealed_length_edges),
        cmocka_unit_test(test_version_2_length_edges),
        cmocka_unit_test(test_opened_value_is_checked),
    };
    return cmocka_run_group_tests(tests, test_key_pairs_setup, test_key_pairs_teardown);
}
