/* What the printable pages read, on a real journal: the referral letter's contents (without
 * the survivor's consent to share the sensitive fields are left out and counted, with it
 * they are shown; the referral's author, a deleted case, an id that is not a referral) and
 * a case's services and referrals for its summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "store/case_events.h"
#include "store/referral_letter.h"
#include "unit_support.h"

static void add_case(struct node_store *store, const char *consent, char id[SAE_ID_TEXT_LEN + 1])
{
    char consent_set[64];
    snprintf(consent_set, sizeof consent_set, "consent_share=%s", consent);
    const char *const sets[] = {"violence_types=physical,sexual", "victim_sex=F",
                                "victim_age=15", "victim_name=Siti Rahma", "intake_date=2026-11-01",
                                "victim_contact=0812 555", "narrative=Dipukul di rumah",
                                "risk_level=high", "consent_statistics=true", consent_set,
                                NULL};
    unit_add(store, "case", sets, id);
}

static void add_referral(struct node_store *store, const char *case_id,
                         char id[SAE_ID_TEXT_LEN + 1])
{
    char case_set[64];
    snprintf(case_set, sizeof case_set, "case_id=%s", case_id);
    const char *const sets[] = {case_set, "referred_to=uptd_ppa", "referral_date=2026-11-03",
                                "referral_reason=Butuh rumah aman", NULL};
    unit_add(store, "referral", sets, id);
}

static bool shows(const struct referral_letter *letter, const char *name)
{
    for (size_t i = 0; i < letter->shown_count; i++)
        if (strcmp(letter->shown[i]->field->name, name) == 0)
            return true;
    return false;
}

static struct referral_letter *letter_of(struct node_store *store, const char *consent)
{
    char case_id[SAE_ID_TEXT_LEN + 1], referral_id[SAE_ID_TEXT_LEN + 1];
    struct referral_letter *letter = NULL;
    add_case(store, consent, case_id);
    add_referral(store, case_id, referral_id);
    assert_int_equal(referral_letter_load(store, referral_id, &letter), 0);
    assert_string_equal(letter->subject->id, case_id);
    assert_string_equal(letter->referral->id, referral_id);
    assert_string_equal(letter->author, UNIT_AUTHOR);
    return letter;
}

static void test_without_consent_leaves_out_the_sensitive(void **state)
{
    struct unit_fixture *f = *state;
    static const char *const refusals[] = {"false", "tidak"};
    for (size_t i = 0; i < COUNT(refusals); i++) {
        struct referral_letter *letter = letter_of(f->store, refusals[i]);
        assert_false(letter->consent_share);
        assert_false(shows(letter, "victim_name"));
        assert_false(shows(letter, "victim_contact"));
        assert_false(shows(letter, "narrative"));
        assert_int_equal(letter->withheld_count, 3);
        assert_true(shows(letter, "victim_age"));
        assert_true(shows(letter, "violence_types"));
        assert_true(shows(letter, "registration_number"));
        assert_true(shows(letter, "risk_level"));
        for (size_t j = 0; j < letter->shown_count; j++)
            assert_false(letter->shown[j]->field->sensitive);
        referral_letter_free(letter);
    }
}

static void test_with_consent_shows_them(void **state)
{
    struct unit_fixture *f = *state;
    struct referral_letter *letter = letter_of(f->store, "ya");
    assert_true(letter->consent_share);
    assert_true(shows(letter, "victim_name"));
    assert_true(shows(letter, "victim_contact"));
    assert_true(shows(letter, "narrative"));
    assert_int_equal(letter->withheld_count, 0);
    /* Consents themselves are not the agency's business. */
    assert_false(shows(letter, "consent_share"));
    assert_false(shows(letter, "consent_statistics"));
    referral_letter_free(letter);
}

static void test_no_consent_given_at_all(void **state)
{
    struct unit_fixture *f = *state;
    char case_id[SAE_ID_TEXT_LEN + 1], referral_id[SAE_ID_TEXT_LEN + 1];
    struct referral_letter *letter = NULL;
    const char *const sets[] = {"violence_types=physical", "victim_sex=F",
                                "victim_name=Tanpa Persetujuan", "intake_date=2026-11-01", NULL};
    unit_add(f->store, "case", sets, case_id);
    add_referral(f->store, case_id, referral_id);
    assert_int_equal(referral_letter_load(f->store, referral_id, &letter), 0);
    assert_false(letter->consent_share);
    assert_false(shows(letter, "victim_name"));
    assert_int_equal(letter->withheld_count, 1);
    referral_letter_free(letter);
}

static void test_refusals(void **state)
{
    struct unit_fixture *f = *state;
    char case_id[SAE_ID_TEXT_LEN + 1], referral_id[SAE_ID_TEXT_LEN + 1];
    struct referral_letter *letter = (struct referral_letter *)&letter;
    add_case(f->store, "true", case_id);
    add_referral(f->store, case_id, referral_id);
    assert_int_equal(referral_letter_load(f->store, case_id, &letter), SAE_ENOTFOUND);
    assert_int_equal(referral_letter_load(f->store, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff",
                                          &letter), SAE_ENOTFOUND);
    struct sae_message why = {{0}};
    assert_int_equal(journal_delete(f->store, case_id, &why), 0);
    assert_int_equal(referral_letter_load(f->store, referral_id, &letter), SAE_EDELETED);
    assert_ptr_equal(letter, (struct referral_letter *)&letter);
}

struct seen {
    char ids[8][SAE_ID_TEXT_LEN + 1];
    size_t count;
};

static int remember(const struct report *report, void *context)
{
    struct seen *seen = context;
    if (seen->count == 8)
        return 7;
    strcpy(seen->ids[seen->count++], report->id);
    return 0;
}

static void add_service(struct node_store *store, const char *case_id,
                        char id[SAE_ID_TEXT_LEN + 1])
{
    char case_set[64];
    snprintf(case_set, sizeof case_set, "case_id=%s", case_id);
    const char *const sets[] = {case_set, "service_type=counselling", "service_date=2026-11-02",
                                NULL};
    unit_add(store, "service", sets, id);
}

static void test_case_events_in_order(void **state)
{
    struct unit_fixture *f = *state;
    char mine[SAE_ID_TEXT_LEN + 1], other[SAE_ID_TEXT_LEN + 1];
    char first[SAE_ID_TEXT_LEN + 1], referral[SAE_ID_TEXT_LEN + 1];
    char gone[SAE_ID_TEXT_LEN + 1], elsewhere[SAE_ID_TEXT_LEN + 1];
    add_case(f->store, "true", mine);
    add_case(f->store, "true", other);
    add_service(f->store, mine, first);
    add_service(f->store, other, elsewhere);
    add_referral(f->store, mine, gone);
    add_referral(f->store, mine, referral);
    struct sae_message why = {{0}};
    assert_int_equal(journal_delete(f->store, gone, &why), 0);
    struct seen seen = {0};
    assert_int_equal(case_events_list(f->store, mine, remember, &seen), 0);
    assert_int_equal(seen.count, 2);
    assert_string_equal(seen.ids[0], first);
    assert_string_equal(seen.ids[1], referral);
    seen.count = 8; /* the visitor's answer stops the walk and is returned */
    assert_int_equal(case_events_list(f->store, mine, remember, &seen), 7);
    seen.count = 0;
    assert_int_equal(case_events_list(f->store, first, remember, &seen), 0);
    assert_int_equal(seen.count, 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_without_consent_leaves_out_the_sensitive),
        T(test_with_consent_shows_them),
        T(test_no_consent_given_at_all),
        T(test_refusals),
        T(test_case_events_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
