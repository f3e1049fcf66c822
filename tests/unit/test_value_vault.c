/* Sensitive values kept only sealed at the hub (hub/store/value_vault.c) on a real hub.db:
 * tokens equal for equal values of a field and different across fields and keys; the
 * copies open with the district secret and with each device's storage secret; revoked
 * devices, devices without a storage key, devices of other villages and the change's
 * origin get none; nothing is sealed or stored before the district key exists; values.key
 * is made once, 0600; through the merge, change.value holds tokens, equal names settle and
 * different ones conflict, resolutions and district edits carry their copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merge_support.h"
#include "sae/sae_sealed.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wipe.h"
#include "store/device_keys.h"
#include "store/district_key.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

#define NAME "Siti Rahmawati"

struct storage_pair {
    unsigned char pk[32], sk[32];
};

static void give_storage_key(struct hub_fixture *f, int device, struct storage_pair *pair)
{
    crypto_box_keypair(pair->pk, pair->sk);
    assert_int_equal(device_keys_set(f->store, f->devices[device].id, pair->pk), 0);
}

static int vault_setup(void **state)
{
    hub_setup(state);
    struct hub_fixture *f = *state;
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    return 0;
}

static int vault_teardown(void **state)
{
    struct hub_fixture *f = *state;
    char path[192];
    snprintf(path, sizeof path, "%s/%s", f->dir, VALUE_KEY_FILE);
    unlink(path);
    return hub_teardown(state);
}

static void token(struct hub_fixture *f, const char *field, const char *plain,
                  char out[VALUE_TOKEN_TEXT_BYTES])
{
    assert_int_equal(value_vault_token(f->store, field, plain, out), 0);
}

static void test_tokens(void **state)
{
    struct hub_fixture *f = *state;
    char a[VALUE_TOKEN_TEXT_BYTES], b[VALUE_TOKEN_TEXT_BYTES], c[VALUE_TOKEN_TEXT_BYTES];
    token(f, "victim_name", NAME, a);
    token(f, "victim_name", NAME, b);
    assert_string_equal(a, b);
    assert_true(value_vault_is_token(a));
    assert_int_equal(strlen(a), VALUE_TOKEN_TEXT_BYTES - 1);
    assert_null(strstr(a, NAME));
    token(f, "notes", NAME, c); /* another field: another token */
    assert_string_not_equal(a, c);
    token(f, "victim_name", "Siti Rahmawati ", c); /* one byte more */
    assert_string_not_equal(a, c);
    /* The field and value are separated: "ab" + "c" is not "a" + "bc". */
    token(f, "victim_nam", "e" NAME, c);
    assert_string_not_equal(a, c);
    /* Another hub's key: another token. */
    uint8_t other[VALUE_KEY_BYTES];
    randombytes_buf(other, sizeof other);
    assert_int_equal(value_token(other, "victim_name", NAME, c), 0);
    assert_string_not_equal(a, c);
    assert_false(value_vault_is_token(NAME));
    assert_false(value_vault_is_token(NULL));
}

static void test_key_file_made_once_private(void **state)
{
    struct hub_fixture *f = *state;
    uint8_t first[VALUE_KEY_BYTES], again[VALUE_KEY_BYTES];
    char path[192];
    struct stat st;
    assert_int_equal(value_key_load(f->dir, first), 0);
    assert_int_equal(value_key_load(f->dir, again), 0);
    assert_memory_equal(first, again, sizeof first);
    snprintf(path, sizeof path, "%s/%s", f->dir, VALUE_KEY_FILE);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(value_key_load(f->dir, again), SAE_EPERM);
    assert_int_equal(value_vault_attach(f->store, f->dir), SAE_EPERM);
    assert_false(value_vault_attached(f->store));
}

/* Before the district key exists nothing is sealed, and nothing is stored in its place. */
static void test_refused_without_district_key(void **state)
{
    struct hub_fixture *f = *state;
    char out[VALUE_TOKEN_TEXT_BYTES];
    assert_int_equal(value_vault_token(f->store, "victim_name", NAME, out), SAE_ENOTFOUND);
    assert_int_equal(value_vault_store(f->store, 9, VILLAGE_SUMBERANYAR, 0, NAME),
                     SAE_ENOTFOUND);
    assert_false(value_vault_attached(f->store));
    assert_int_equal(hub_count(f, "SELECT count(*) FROM sealed_value"), 0);
}

static void test_sealed_fields(void **state)
{
    (void)state;
    assert_true(value_vault_field_sealed("case", "victim_name"));
    assert_true(value_vault_field_sealed("case", "narrative"));
    assert_false(value_vault_field_sealed("case", "status"));
    assert_false(value_vault_field_sealed("case", "violence_types/sexual"));
    assert_false(value_vault_field_sealed("case", "no_such_field"));
    assert_false(value_vault_field_sealed("no_such_kind", "victim_name"));
    /* The merge ranks no sensitive value (a rank would need the plain value): every
     * sensitive field merges by the latest version. */
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t i = 0; i < kind->field_count; i++)
            if (kind->fields[i].sensitive)
                assert_int_equal(kind->fields[i].merge, SAE_MERGE_LATEST);
    }
}

static void expect_device_copy_of(struct hub_fixture *f, int64_t change, int device,
                                  const struct storage_pair *pair, const char *want)
{
    uint8_t *sealed = NULL;
    size_t len = 0, plain_len = 0;
    char *plain = NULL;
    assert_int_equal(sealed_values_get(f->store, change, f->devices[device].id, &sealed, &len),
                     0);
    assert_int_equal(sae_sealed_open(pair->pk, pair->sk, sealed, len, &plain, &plain_len), 0);
    assert_string_equal(plain, want);
    sae_wipe_free_string(plain);
    free(sealed);
}

static void expect_device_copy(struct hub_fixture *f, int64_t change, int device,
                               const struct storage_pair *pair)
{
    expect_device_copy_of(f, change, device, pair, NAME);
}

static void expect_no_copy(struct hub_fixture *f, int64_t change, uint64_t holder)
{
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_int_equal(sealed_values_get(f->store, change, holder, &sealed, &len), SAE_ENOTFOUND);
}

static void test_copies(void **state)
{
    struct hub_fixture *f = *state;
    struct storage_pair a, b, c, d;
    const int64_t change = 501;
    give_storage_key(f, 0, &a); /* the origin */
    give_storage_key(f, 1, &b);
    give_storage_key(f, 2, &c);
    give_storage_key(f, 3, &d); /* another village */
    assert_int_equal(hub_store_node_revoke(f->store, f->devices[2].id, NOW_MS), 0);
    struct hub_node keyless = {.enrolled_ms = NOW_MS};
    device_key(50, keyless.public_key, &keyless.id);
    snprintf(keyless.village, sizeof keyless.village, "%s", VILLAGE_SUMBERANYAR);
    snprintf(keyless.device_name, sizeof keyless.device_name, "Laptop tanpa kunci");
    assert_int_equal(hub_store_node_add(f->store, &keyless), 0);

    assert_int_equal(value_vault_store(f->store, change, VILLAGE_SUMBERANYAR,
                                       f->devices[0].id, NAME),
                     0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM sealed_value"), 2);
    expect_device_copy(f, change, 1, &b);
    expect_no_copy(f, change, f->devices[0].id);
    expect_no_copy(f, change, f->devices[2].id);
    expect_no_copy(f, change, f->devices[3].id);
    expect_no_copy(f, change, keyless.id);

    unsigned char *secret = NULL;
    char *plain = NULL;
    assert_int_equal(district_key_unclaimed(f->dir, &secret), 0);
    assert_int_equal(value_vault_open(f->store, change, secret, &plain), 0);
    assert_string_equal(plain, NAME);
    sae_wipe_free_string(plain);
    plain = NULL;
    assert_int_equal(value_vault_open(f->store, change + 1, secret, &plain), SAE_ENOTFOUND);
    /* A device's secret is not the district's. */
    assert_int_equal(value_vault_open(f->store, change, b.sk, &plain), SAE_EPERM);
    assert_null(plain);
    sae_secure_free(secret);

    /* A hub-originated change (origin: the hub) gives the origin device its copy too. */
    assert_int_equal(value_vault_store(f->store, change + 1, VILLAGE_SUMBERANYAR,
                                       f->store->hub_id, NAME),
                     0);
    expect_device_copy(f, change + 1, 0, &a);
    expect_device_copy(f, change + 1, 1, &b);
    /* A grant seals for one device; never as the district's copy. */
    assert_int_equal(value_vault_seal_for(f->store, change, f->devices[0].id, a.pk, NAME), 0);
    expect_device_copy(f, change, 0, &a);
    assert_int_equal(value_vault_seal_for(f->store, change, SEALED_VALUE_DISTRICT, a.pk, NAME),
                     SAE_EINVAL);
}

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"

/* Through the merge: a post's sensitive value is stored as its token with the district's
 * copy and the village's other devices'; the raw table never holds it; equal names written
 * at once settle, different ones conflict, as before. */
/* The ephemeral key of a value sealed through the vault to pair (checked to open). */
static void sealed_key(struct hub_fixture *f, const struct storage_pair *pair,
                       unsigned char out[32])
{
    unsigned char *sealed = NULL;
    char *plain = NULL;
    size_t len = 0, plain_len = 0;
    assert_int_equal(value_vault_seal(f->store, pair->pk, NAME, strlen(NAME), &sealed, &len), 0);
    assert_int_equal(sealed[0], SAE_SEALED_VERSION_SHARED);
    assert_int_equal(sae_sealed_open(pair->pk, pair->sk, sealed, len, &plain, &plain_len), 0);
    assert_string_equal(plain, NAME);
    sae_wipe_free(plain, plain_len + 1);
    memcpy(out, sealed + SAE_SEALED_HEADER_BYTES, 32);
    free(sealed);
}

/* One sealer per recipient until the transaction ends: VALUE_VAULT_SEALERS recipients keep
 * theirs; one more replaces the oldest (which then gets a new one, replacing the next);
 * value_vault_seal_end wipes them all. */
static void test_sealers_per_transaction(void **state)
{
    struct hub_fixture *f = *state;
    struct storage_pair pairs[VALUE_VAULT_SEALERS + 1];
    unsigned char first[VALUE_VAULT_SEALERS + 1][32], again[32];
    for (size_t i = 0; i <= VALUE_VAULT_SEALERS; i++)
        crypto_box_keypair(pairs[i].pk, pairs[i].sk);
    for (size_t i = 0; i < VALUE_VAULT_SEALERS; i++)
        sealed_key(f, &pairs[i], first[i]);
    for (size_t i = 0; i < VALUE_VAULT_SEALERS; i++) {
        sealed_key(f, &pairs[i], again);
        assert_memory_equal(again, first[i], 32);
    }
    sealed_key(f, &pairs[VALUE_VAULT_SEALERS], first[VALUE_VAULT_SEALERS]);
    sealed_key(f, &pairs[0], again); /* its sealer was the one replaced */
    assert_memory_not_equal(again, first[0], 32);
    sealed_key(f, &pairs[VALUE_VAULT_SEALERS - 1], again);
    assert_memory_equal(again, first[VALUE_VAULT_SEALERS - 1], 32);
    value_vault_seal_end(f->store);
    sealed_key(f, &pairs[VALUE_VAULT_SEALERS - 1], again);
    assert_memory_not_equal(again, first[VALUE_VAULT_SEALERS - 1], 32);
}

static void test_ingest_seals(void **state)
{
    struct hub_fixture *f = *state;
    struct storage_pair a, b;
    give_storage_key(f, 0, &a);
    give_storage_key(f, 1, &b);
    static const struct test_change first[] = {
        {0, R1, "case", "status", "new", MS(0), -1, 0, 0},
        {0, R1, "case", "victim_name", NAME, MS(0), -1, 0, 0},
        {0, R2, "case", "victim_name", "Ani", MS(0), -1, 0, 0},
    };
    deliver(f, first, 3);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE value LIKE '%Siti%'"
                                  " OR value LIKE '%Ani%'"), 0);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE field = 'victim_name'"
                                  " AND value LIKE 'keyed:%'"), 2);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE field = 'status'"
                                  " AND value = 'new'"), 1);
    int64_t seq = hub_count(f, "SELECT seq FROM change WHERE report_id = '" R1 "'"
                               " AND field = 'victim_name'");
    expect_device_copy(f, seq, 1, &b);
    expect_no_copy(f, seq, f->devices[0].id); /* the origin holds its own */
    assert_winner(f, R1, "victim_name", NAME);     /* opened with the lent district key */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM dup_change_name"), 2);

    /* B and C write the same name on A's at once: equal tokens, no conflict. */
    static const struct test_change same_b[] = {
        {1, R1, "case", "victim_name", "Siti R.", MS(10), 0, MS(0), 0}};
    static const struct test_change same_c[] = {
        {2, R1, "case", "victim_name", "Siti R.", MS(11), 0, MS(0), 0}};
    deliver(f, same_b, 1);
    deliver(f, same_c, 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open'"), 0);
    assert_winner(f, R1, "victim_name", "Siti R.");
    /* Different names at once: a conflict, as before. */
    static const struct test_change other_b[] = {
        {1, R2, "case", "victim_name", "Ani S.", MS(20), 0, MS(0), 0}};
    static const struct test_change other_c[] = {
        {2, R2, "case", "victim_name", "Ana", MS(21), 0, MS(0), 0}};
    deliver(f, other_b, 1);
    deliver(f, other_c, 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open'"), 1);

    /* Keeping a candidate takes its stored token and copies as they are; a value typed by
     * the district is sealed for every device of the village, the origin's too. */
    int64_t conflict = hub_count(f, "SELECT id FROM conflict WHERE status = 'open'");
    /* Candidate 1: the first by version (as conflicts show numbers them), B's. */
    int64_t kept = hub_count(f, "SELECT c.seq FROM conflict_candidate k JOIN change c"
                                " ON c.seq = k.change WHERE k.conflict = (SELECT id FROM"
                                " conflict WHERE status = 'open') AND c.field = 'victim_name'"
                                " ORDER BY c.version, c.origin, c.seq LIMIT 1");
    assert_int_equal(merge_resolve(f->store, conflict, 1, NULL, false, "Koordinator", NULL,
                                   NOW_MS, NULL), 0);
    int64_t resolution = hub_count(f, "SELECT max(seq) FROM change");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT (SELECT value FROM change WHERE seq = %lld) ="
             " (SELECT value FROM change WHERE seq = %lld)", (long long)resolution,
             (long long)kept);
    assert_int_equal(hub_count(f, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sealed_value r JOIN sealed_value k"
             " ON k.holder = r.holder AND k.sealed = r.sealed WHERE r.change = %lld"
             " AND k.change = %lld", (long long)resolution, (long long)kept);
    assert_int_equal(hub_count(f, sql), 2); /* the district's and A's (B wrote it) */
    assert_winner(f, R2, "victim_name", "Ani S.");
    assert_int_equal(merge_district_edit(f->store, R2, "victim_name", "Ani Suryani",
                                         "Koordinator", NOW_MS, NULL), 0);
    int64_t edit = hub_count(f, "SELECT max(seq) FROM change");
    expect_device_copy_of(f, edit, 0, &a, "Ani Suryani");
    expect_device_copy_of(f, edit, 1, &b, "Ani Suryani");
    assert_winner(f, R2, "victim_name", "Ani Suryani");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE value LIKE '%Ani%'"), 0);
    /* Without the lent key a reader gets the mask. */
    value_vault_lend(f->store, NULL);
    assert_winner(f, R2, "victim_name", VALUE_VAULT_MASK);
    value_vault_lend(f->store, f->district_secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens, vault_setup, vault_teardown),
        cmocka_unit_test_setup_teardown(test_key_file_made_once_private, vault_setup,
                                        vault_teardown),
        cmocka_unit_test(test_sealed_fields),
        cmocka_unit_test_setup_teardown(test_refused_without_district_key, hub_setup_bare,
                                        vault_teardown),
        cmocka_unit_test_setup_teardown(test_copies, vault_setup, vault_teardown),
        cmocka_unit_test_setup_teardown(test_sealers_per_transaction, vault_setup,
                                        vault_teardown),
        cmocka_unit_test_setup_teardown(test_ingest_seals, hub_setup, vault_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
