/* What the post keeps of a pull of schema 4 (node/store/pulled_value.c; PROTOCOL.md section 3,
 * "Sealed and withheld values in a pull", section 6, Grants) on a real journal: a value
 * sealed to this post's storage key is kept as it came and opens with a lent key; one sealed
 * to another key is refused and nothing is kept; a withheld value is kept as its mark, reads
 * masked with its own flag with or without the key, and passes the journal's check; a grant
 * fills it in place (only the same change's mark) and the state shows the value. And the
 * mask is a flag, not a text: a real value that reads "••••" is shown, and edited, as one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/journal_check.h"
#include "store/pulled_value.h"
#include "store/storage_key.h"
#include "store/value_seal.h"
#include "sae/sae_sealed.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wire.h"
#include "unit_support.h"

#define OTHER_POST UINT64_C(77)

/* Another post's change of id's victim_name, as a pull of schema 4 brings it. */
static struct sae_change pulled(const char *id, uint64_t seq, sae_hlc hlc)
{
    struct sae_change c = {.kind = "case", .field = "victim_name",
                           .version = {hlc, OTHER_POST}, .seq = seq};
    assert_int_equal(sae_id_parse(id, &c.report_id), 0);
    return c;
}

static int apply(struct node_store *store, const struct sae_change *c)
{
    bool applied = false;
    assert_int_equal(node_store_begin(store), 0);
    int rc = journal_apply_remote(store, c, &applied);
    if (rc == 0)
        assert_int_equal(node_store_commit(store), 0);
    else
        node_store_rollback(store);
    return rc;
}

static unsigned char *seal_to(const unsigned char pk[32], const char *plain, size_t *len)
{
    unsigned char *out = NULL;
    assert_int_equal(sae_sealed_seal(pk, plain, strlen(plain), &out, len), 0);
    return out;
}

static const struct report_value *value_of(const struct report *r, const char *field)
{
    for (size_t i = 0; i < r->value_count; i++)
        if (strcmp(r->values[i].field->name, field) == 0)
            return &r->values[i];
    fail_msg("no value of %s", field);
    return NULL;
}

static void expect_clean(struct node_store *store)
{
    struct journal_check_result result;
    assert_int_equal(journal_check(store, &result), 0);
    assert_int_equal(result.problems, 0);
}

static void test_sealed_to_this_post_is_kept_and_opens(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    size_t len = 0;
    unit_add_case(f->store, id);
    unsigned char *sealed = seal_to(f->store->storage_public, "Siti Tarikan", &len);
    struct sae_change c = pulled(id, 1, UINT64_C(1) << 62);
    c.sealed_value = sealed;
    c.sealed_len = len;
    assert_int_equal(apply(f->store, &c), 0);
    struct report *r = NULL;
    assert_int_equal(report_load(f->store, id, &r), 0);
    assert_true(value_of(r, "victim_name")->masked);
    assert_false(value_of(r, "victim_name")->withheld);
    report_free(r);
    unsigned char *secret = unit_lend(f->store);
    assert_int_equal(report_load(f->store, id, &r), 0);
    assert_string_equal(value_of(r, "victim_name")->value, "Siti Tarikan");
    assert_false(value_of(r, "victim_name")->masked);
    report_free(r);
    unit_unlend(f->store, secret);
    expect_clean(f->store);
    free(sealed);
}

static void test_sealed_to_another_key_is_refused(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unsigned char pk[32], sk[32];
    size_t len = 0;
    unit_add_case(f->store, id);
    crypto_box_keypair(pk, sk);
    int64_t rows = unit_journal_rows(f->store);
    unsigned char *sealed = seal_to(pk, "Siti", &len);
    struct sae_change c = pulled(id, 1, UINT64_C(1) << 62);
    c.sealed_value = sealed;
    c.sealed_len = len;
    assert_int_equal(apply(f->store, &c), SAE_EPERM);
    /* Damaged, or on a field that is not sensitive: corrupt. */
    sealed[len - 1] ^= 1;
    sealed[0] = 9;
    assert_int_equal(apply(f->store, &c), SAE_ECORRUPT);
    c.field = "risk_level";
    c.withheld = true;
    c.sealed_value = NULL;
    assert_int_equal(apply(f->store, &c), SAE_ECORRUPT);
    assert_int_equal(unit_journal_rows(f->store), rows);
    free(sealed);
}

static void test_withheld_reads_masked_and_a_grant_fills_it(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    size_t len = 0;
    unit_add_case(f->store, id);
    struct sae_change c = pulled(id, 5, UINT64_C(1) << 62);
    c.withheld = true;
    assert_int_equal(apply(f->store, &c), 0);
    expect_clean(f->store);
    unsigned char *secret = unit_lend(f->store);
    struct report *r = NULL;
    assert_int_equal(report_load(f->store, id, &r), 0);
    const struct report_value *v = value_of(r, "victim_name");
    assert_true(v->masked && v->withheld);
    assert_string_equal(v->value, VALUE_SEAL_MASK);
    report_free(r);
    struct unit_history h = unit_history_of(f->store, id);
    assert_string_equal(h.at[h.count - 1].value, VALUE_SEAL_MASK);
    /* A grant of another change, or of another field, fills nothing. */
    unsigned char *sealed = seal_to(f->store->storage_public, "Siti Diberikan", &len);
    struct sae_change g = pulled(id, 6, UINT64_C(1) << 62);
    g.sealed_value = sealed;
    g.sealed_len = len;
    bool filled = true;
    assert_int_equal(node_store_begin(f->store), 0);
    assert_int_equal(pulled_value_grant(f->store, &g, &filled), 0);
    assert_false(filled);
    g.seq = 5;
    g.field = "narrative";
    assert_int_equal(pulled_value_grant(f->store, &g, &filled), 0);
    assert_false(filled);
    g.field = "victim_name";
    assert_int_equal(pulled_value_grant(f->store, &g, &filled), 0);
    assert_true(filled);
    /* Once filled, the same grant again changes nothing. */
    assert_int_equal(pulled_value_grant(f->store, &g, &filled), 0);
    assert_false(filled);
    assert_int_equal(node_store_commit(f->store), 0);
    assert_int_equal(report_load(f->store, id, &r), 0);
    v = value_of(r, "victim_name");
    assert_string_equal(v->value, "Siti Diberikan");
    assert_false(v->masked || v->withheld);
    report_free(r);
    unit_unlend(f->store, secret);
    expect_clean(f->store);
    /* The append-only guard is back: the filled value cannot be rewritten. */
    assert_int_not_equal(unit_sql(f->store, "UPDATE journal_entry SET value = 'x' WHERE "
                                            "field = 'victim_name'"), 0);
    free(sealed);
}

/* A real value "••••" is a value: shown to a reader with the key, and an edit to it from one
 * is recorded (before, the text alone counted as the mask: shown as hidden, edit skipped). */
static void test_a_value_that_reads_like_the_mask_is_a_value(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    unsigned char *secret = unit_lend(f->store);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Siti", NULL}, 1);
    unit_edit(f->store, id, (const char *const[]){"victim_name=" VALUE_SEAL_MASK, NULL}, 1);
    struct report *r = NULL;
    assert_int_equal(report_load(f->store, id, &r), 0);
    const struct report_value *v = value_of(r, "victim_name");
    assert_string_equal(v->value, VALUE_SEAL_MASK);
    assert_false(v->masked);
    report_free(r);
    unit_unlend(f->store, secret);
    /* Without the key, the mask sent back by a form is still no new value. */
    unit_edit(f->store, id, (const char *const[]){"victim_name=" VALUE_SEAL_MASK, NULL}, 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sealed_to_this_post_is_kept_and_opens, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_to_another_key_is_refused, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_withheld_reads_masked_and_a_grant_fills_it,
                                        unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_a_value_that_reads_like_the_mask_is_a_value,
                                        unit_setup, unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
