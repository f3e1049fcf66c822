/* Grants on a real hub database (hub/api/grant.c): a device holding no copy of its
 * village's current sensitive values is owed them (counted; not its own changes, not values
 * that are not sensitive, not superseded ones); a grant with the district key opens each
 * district copy, seals it to the device's storage key, logs it and audits "granted N
 * values"; a wrong key or a device without a storage key grants nothing. */
#include "merge_support.h"

#include "api/grant.h"
#include "sae/sae_sealed.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wipe.h"
#include "store/device_keys.h"
#include "store/district_key.h"
#include "store/hub_accounts.h"
#include "store/hub_restore.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
enum { A, B, C, D };

struct keys {
    unsigned char district_pk[32], *district_sk, c_pk[32], c_sk[32];
};

static struct keys keys_of(struct hub_fixture *f)
{
    struct keys k = {0};
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_unclaimed(f->dir, &k.district_sk), 0);
    assert_int_equal(district_key_public(f->store, k.district_pk), 0);
    crypto_box_keypair(k.c_pk, k.c_sk);
    return k;
}

/* Device C sends its storage key only now (enrolled again, or a new laptop): ingest made it
 * no copy of what came before. */
static void c_enrolls_later(struct hub_fixture *f, const struct keys *k)
{
    assert_int_equal(device_keys_set(f->store, f->devices[C].id, k->c_pk), 0);
}

/* The change whose value is value (a name, or else a narrative): found by its token, the
 * only form change.value keeps of it. */
static int64_t seq_of(struct hub_fixture *f, const char *value)
{
    char name[VALUE_TOKEN_TEXT_BYTES], story[VALUE_TOKEN_TEXT_BYTES], sql[256];
    assert_int_equal(value_vault_token(f->store, "victim_name", value, name), 0);
    assert_int_equal(value_vault_token(f->store, "narrative", value, story), 0);
    snprintf(sql, sizeof sql, "SELECT seq FROM change WHERE value IN ('%s', '%s')", name, story);
    return hub_count(f, sql);
}

static int64_t missing(struct hub_fixture *f, int device)
{
    struct hub_node node;
    int64_t n = -1;
    assert_int_equal(hub_store_node_get(f->store, f->devices[device].id, &node), 0);
    assert_int_equal(grant_missing_count(f->store, &node, &n), 0);
    return n;
}

static int grant(struct hub_fixture *f, int device, const unsigned char *secret, int64_t *n)
{
    struct hub_node node;
    assert_int_equal(hub_store_node_get(f->store, f->devices[device].id, &node), 0);
    return grant_values(f->store, &node, secret, "Bu Ani", HUB_AUDIT_ADDRESS_CLI, NOW_MS, n);
}

/* C's copy of the change whose value is value, opened with C's key. */
static void assert_granted(struct hub_fixture *f, const struct keys *k, const char *value)
{
    uint8_t *copy = NULL;
    size_t len = 0, plain_len = 0;
    char *plain = NULL;
    assert_int_equal(sealed_values_get(f->store, seq_of(f, value), f->devices[C].id, &copy,
                                       &len), 0);
    assert_int_equal(sae_sealed_open(k->c_pk, k->c_sk, copy, len, &plain, &plain_len), 0);
    assert_string_equal(plain, value);
    sae_wipe_free(plain, plain_len);
    free(copy);
}

static void test_a_grant_gives_current_values_once(void **state)
{
    struct hub_fixture *f = *state;
    struct keys k = keys_of(f);
    const struct test_change c[] = {
        {A, R1, "case", "status", "new", MS(0), -1, 0, 0},
        {A, R1, "case", "victim_name", "Siti", MS(0), -1, 0, 0},
        {A, R1, "case", "narrative", "Cerita", MS(0), -1, 0, 0},
    };
    deliver(f, c, COUNT(c));
    c_enrolls_later(f, &k);
    assert_int_equal(missing(f, C), 2);
    assert_int_equal(missing(f, A), 0); /* its own */
    assert_int_equal(missing(f, D), 0); /* another village */
    int64_t n = 0;
    assert_int_equal(grant(f, C, k.district_sk, &n), 0);
    assert_int_equal(n, 2);
    assert_granted(f, &k, "Siti");
    assert_granted(f, &k, "Cerita");
    assert_int_equal(missing(f, C), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM value_grant WHERE granted_by = 'Bu Ani'"),
                     2);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM audit WHERE action = 'values-grant'"
                                  " AND target LIKE 'granted 2 values to device %'"), 1);
    /* Nothing owed: nothing granted, nothing audited. */
    assert_int_equal(grant(f, C, k.district_sk, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM audit WHERE action = 'values-grant'"), 1);
    sae_secure_free(k.district_sk);
}

static void test_only_the_current_value_is_granted(void **state)
{
    struct hub_fixture *f = *state;
    struct keys k = keys_of(f);
    const struct test_change c[] = {{A, R1, "case", "victim_name", "Siti", MS(0), -1, 0, 0}};
    const struct test_change renamed[] = {
        {A, R1, "case", "victim_name", "Siti R", MS(1000), A, MS(0), 0}};
    deliver(f, c, 1);
    deliver(f, renamed, 1);
    c_enrolls_later(f, &k);
    assert_int_equal(missing(f, C), 1);
    int64_t n = 0;
    assert_int_equal(grant(f, C, k.district_sk, &n), 0);
    assert_int_equal(n, 1);
    assert_granted(f, &k, "Siti R");
    uint8_t *copy = NULL;
    size_t len = 0;
    assert_int_equal(sealed_values_get(f->store, seq_of(f, "Siti"), f->devices[C].id, &copy,
                                       &len), SAE_ENOTFOUND);
    sae_secure_free(k.district_sk);
}

static void test_a_wrong_key_or_no_storage_key_grants_nothing(void **state)
{
    struct hub_fixture *f = *state;
    struct keys k = keys_of(f);
    const struct test_change c[] = {{A, R1, "case", "victim_name", "Siti", MS(0), -1, 0, 0}};
    deliver(f, c, 1);
    c_enrolls_later(f, &k);
    unsigned char wrong[32];
    randombytes_buf(wrong, sizeof wrong);
    int64_t n = 0;
    assert_int_equal(grant(f, C, wrong, &n), SAE_EPERM);
    assert_int_equal(grant(f, B, k.district_sk, &n), SAE_ENOTFOUND); /* B sent no storage key */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM value_grant"), 0);
    assert_int_equal(missing(f, C), 1);
    sae_secure_free(k.district_sk);
}

/* A hub restored from a backup numbers its grant log on from the restart floor, like its
 * change and review logs: a post's grant cursor from the lost hub stays one it knows. */
static void test_a_restored_hub_numbers_grants_past_the_floor(void **state)
{
    struct hub_fixture *f = *state;
    struct keys k = keys_of(f);
    const struct test_change c[] = {{A, R1, "case", "victim_name", "Siti", MS(0), -1, 0, 0}};
    deliver(f, c, 1);
    c_enrolls_later(f, &k);
    int64_t n = 0;
    assert_int_equal(grant(f, C, k.district_sk, &n), 0);
    int64_t before = hub_count(f, "SELECT seq FROM sqlite_sequence WHERE name = 'value_grant'");
    assert_int_equal(before, 1);
    assert_int_equal(hub_restore_fixup(f->store->db, NULL), 0);
    assert_true(hub_count(f, "SELECT seq FROM sqlite_sequence WHERE name = 'value_grant'") >
                (int64_t)1 << 40);
    sae_secure_free(k.district_sk);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_grant_gives_current_values_once, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_only_the_current_value_is_granted, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_a_wrong_key_or_no_storage_key_grants_nothing,
                                        hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_a_restored_hub_numbers_grants_past_the_floor,
                                        hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
