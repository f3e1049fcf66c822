/* A partner agency's key and its copies on a real hub.db (hub/store/agency_key.c,
 * agency_copies.c), through the real merge: the first partner account of an agency makes the
 * key, wrapped by its password, and a later one gets a hash alone; the secret opens with the
 * partner's password and with the district key, never with a wrong password or another
 * role's; a consented case referred to the agency has its name sealed to the agency at
 * ingest even when the referral arrives after the name; withdrawn consent deletes the copies;
 * a grant gives what consent allows that was written before; erasure deletes them; the
 * holders of agencies, devices and the district never meet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "merge_support.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wipe.h"
#include "store/agency_copies.h"
#include "store/agency_key.h"
#include "store/erasure.h"
#include "store/hub_accounts.h"
#include "store/partner.h"
#include "store/sealed_values.h"

#define CASE "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define REFERRAL "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define AGENCY "uptd_ppa"
#define MITRA "Mitra UPT"
#define MITRA_PASS "sandi-mitra-yang-panjang"
#define NAME "Siti Rahmawati"

static int64_t agency_copies_count(struct hub_fixture *f)
{
    return hub_count(f, "SELECT count(*) FROM sealed_value WHERE holder < 0");
}

/* The first partner of AGENCY, added as `users add` does. */
static void add_first_partner(struct hub_fixture *f)
{
    char hash[SAE_PASSKEY_TEXT_BYTES + 16];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false;
    assert_int_equal(agency_key_passkey_new(f->store, AGENCY, MITRA_PASS, hash, wrap, &wrapped),
                     0);
    assert_true(wrapped);
    assert_int_equal(hub_account_add(f->store, MITRA, HUB_ROLE_PARTNER, AGENCY, hash, 1), 0);
    assert_int_equal(hub_account_wrap_set(f->store, MITRA, wrap), 0);
}

static void test_key_made_once_and_opened_only_by_its_holders(void **state)
{
    struct hub_fixture *f = *state;
    unsigned char public_key[AGENCY_KEY_BYTES], derived[AGENCY_KEY_BYTES];
    unsigned char *secret = NULL, *recovered = NULL;
    char hash[SAE_PASSKEY_TEXT_BYTES + 16];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = true;
    int64_t id = 0;
    assert_int_equal(agency_key_public(f->store, AGENCY, public_key, &id), SAE_ENOTFOUND);
    add_first_partner(f);
    assert_int_equal(agency_key_public(f->store, AGENCY, public_key, &id), 0);
    /* A later partner of the agency, and one of no referral destination: a hash alone. */
    assert_int_equal(agency_key_passkey_new(f->store, AGENCY, "sandi-kedua-panjang", hash,
                                            wrap, &wrapped), 0);
    assert_false(wrapped);
    assert_int_equal(agency_key_passkey_new(f->store, "Dinas Lain", "sandi-ketiga-panjang", hash,
                                            wrap, &wrapped), 0);
    assert_false(wrapped);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM agency_key"), 1);

    assert_int_equal(agency_key_unlock(f->store, MITRA, MITRA_PASS, NULL, &secret), 0);
    assert_int_equal(crypto_scalarmult_base(derived, secret), 0);
    assert_memory_equal(derived, public_key, sizeof derived);
    assert_int_equal(agency_key_from_district(f->store, AGENCY, f->district_secret, &recovered),
                     0);
    assert_memory_equal(recovered, secret, AGENCY_KEY_BYTES);
    sae_secure_free(recovered);
    recovered = NULL;
    /* The agency's secret is not the district's. */
    assert_int_not_equal(agency_key_from_district(f->store, AGENCY, secret, &recovered), 0);
    assert_null(recovered);
    sae_secure_free(secret);
    secret = NULL;

    assert_int_equal(agency_key_unlock(f->store, MITRA, "bukan-sandinya", NULL, &secret),
                     SAE_EPERM);
    assert_int_equal(hub_account_add(f->store, "Bu Sari", HUB_ROLE_COORDINATOR, NULL,
                                     "$argon2id$v=19$x", 1), 0);
    assert_int_equal(agency_key_unlock(f->store, "Bu Sari", "apa-saja-panjang", NULL, &secret),
                     SAE_ENOTFOUND);
    assert_int_equal(agency_key_unlock(f->store, "nobody", "apa-saja-panjang", NULL, &secret),
                     SAE_ENOTFOUND);
    /* Disabled: the wrap goes with the account. */
    assert_int_equal(hub_account_disable(f->store, MITRA), 0);
    assert_int_equal(agency_key_unlock(f->store, MITRA, MITRA_PASS, NULL, &secret),
                     SAE_ENOTFOUND);
    assert_null(secret);
}

static void test_holders_never_meet(void **state)
{
    (void)state;
    assert_true(agency_key_holder_is_agency(agency_key_holder(1)));
    assert_true(agency_key_holder_is_agency(agency_key_holder(INT64_MAX)));
    assert_false(agency_key_holder_is_agency(SEALED_VALUE_DISTRICT));
    /* A device's holder is its 63-bit origin id. */
    assert_false(agency_key_holder_is_agency((uint64_t)INT64_MAX));
    /* The SQL of agency_copies.c names the fields partner.c shows that the catalogue seals. */
    static const char *const sealed_shared[] = {"victim_name", "victim_contact", "narrative"};
    for (size_t i = 0; i < 3; i++)
        assert_true(partner_shared_field("case", sealed_shared[i]));
    assert_false(partner_shared_field("case", "victim_sex"));
    assert_false(partner_shared_field("referral", "victim_name"));
}

static void open_copy_equals(struct hub_fixture *f, const char *want)
{
    unsigned char *secret = NULL;
    unsigned char public_key[AGENCY_KEY_BYTES];
    int64_t id = 0, change = 0;
    char *plain = NULL;
    change = hub_count(f, "SELECT change FROM sealed_value WHERE holder < 0");
    assert_int_equal(agency_key_public(f->store, AGENCY, public_key, &id), 0);
    assert_int_equal(agency_key_unlock(f->store, MITRA, MITRA_PASS, NULL, &secret), 0);
    assert_int_equal(agency_key_open(f->store, change, agency_key_holder(id), secret, &plain),
                     0);
    assert_string_equal(plain, want);
    sae_wipe_free_string(plain);
    sae_secure_free(secret);
}

static void refer(struct hub_fixture *f)
{
    deliver_fields(f, 0, REFERRAL, "referral",
                   (const char *const[]){"case_id=" CASE, "referred_to=" AGENCY,
                                         "referral_date=2026-11-02", NULL});
}

static void test_copies_follow_consent_and_referral(void **state)
{
    struct hub_fixture *f = *state;
    add_first_partner(f);
    /* The name arrives before the referral that makes it the agency's: settled at commit
     * on the derived state, so one batch would do; here they are two. */
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"status=new", "victim_sex=F",
        "consent_share=true", "victim_name=" NAME, NULL});
    assert_int_equal(agency_copies_count(f), 0);
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"victim_name=" NAME, NULL});
    assert_int_equal(agency_copies_count(f), 0); /* no referral yet */
    refer(f);
    int64_t owed = 0;
    assert_int_equal(agency_copies_owed_count(f->store, AGENCY, &owed), 0);
    assert_int_equal(owed, 1);
    int64_t granted = 0;
    assert_int_equal(agency_copies_grant(f->store, AGENCY, f->district_secret, &granted), 0);
    assert_int_equal(granted, 1);
    assert_int_equal(agency_copies_count(f), 1);
    open_copy_equals(f, NAME);
    /* A value written now is the agency's at ingest. */
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"narrative=Cerita baru", NULL});
    assert_int_equal(agency_copies_count(f), 2);
    assert_int_equal(agency_copies_owed_count(f->store, AGENCY, &owed), 0);
    assert_int_equal(owed, 0);
    /* Consent withdrawn: every copy of the agency goes. */
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"consent_share=false", NULL});
    assert_int_equal(agency_copies_count(f), 0);
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"victim_name=Nama Lain", NULL});
    assert_int_equal(agency_copies_count(f), 0);
    assert_int_equal(agency_copies_owed_count(f->store, AGENCY, &owed), 0);
    assert_int_equal(owed, 0);
    /* Given again, then the referral sent elsewhere. */
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"consent_share=true", NULL});
    assert_int_equal(agency_copies_grant(f->store, AGENCY, f->district_secret, &granted), 0);
    assert_int_equal(granted, 2);
    deliver_fields(f, 0, REFERRAL, "referral",
                   (const char *const[]){"referred_to=puskesmas", NULL});
    assert_int_equal(agency_copies_count(f), 0);
}

static void test_erasure_deletes_the_agencys_copies(void **state)
{
    struct hub_fixture *f = *state;
    add_first_partner(f);
    refer(f);
    deliver_fields(f, 0, CASE, "case", (const char *const[]){"status=new", "victim_sex=F",
        "consent_share=true", "victim_name=" NAME, "narrative=Cerita", NULL});
    assert_int_equal(agency_copies_count(f), 2);
    struct erasure_result result = {0};
    struct sae_message why = {{0}};
    const struct erasure_request request = {CASE, "Bu Sari", "Permintaan penyintas", "cli", 5};
    assert_int_equal(erasure_erase(f->store, &request, &result, &why), 0);
    assert_int_equal(agency_copies_count(f), 0);
}

static void test_rollback_forgets_the_notes(void **state)
{
    struct hub_fixture *f = *state;
    add_first_partner(f);
    refer(f);
    assert_int_equal(hub_store_begin(f->store), 0);
    assert_int_equal(agency_copies_note(f->store, 1, CASE, "case", "victim_name", NAME), 0);
    hub_store_rollback(f->store);
    assert_null(f->store->agency_pending);
    /* A note outside the rules is not kept at all. */
    assert_int_equal(agency_copies_note(f->store, 1, CASE, "case", "victim_sex", "F"), 0);
    assert_null(f->store->agency_pending);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_made_once_and_opened_only_by_its_holders,
                                        hub_setup, hub_teardown),
        cmocka_unit_test(test_holders_never_meet),
        cmocka_unit_test_setup_teardown(test_copies_follow_consent_and_referral, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_erasure_deletes_the_agencys_copies, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_forgets_the_notes, hub_setup,
                                        hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
