/* Partner referrals on a real hub database filled through merge: a partner sees only the
 * referrals addressed to its agency, awaiting ones first, identifying fields only with the
 * survivor's consent or a coordinator's override; its answers are district changes under
 * the referral flow's rules, refused whole when they break one. */
#include "merge_support.h"

#include "merge/merge_referral.h"
#include "store/partner.h"

#define R1 "11111111-1111-4111-8111-111111111111"
#define R2 "22222222-2222-4222-8222-222222222222"
#define F1 "cccccccc-0001-4000-8000-000000000001"
#define F2 "cccccccc-0002-4000-8000-000000000002"
#define F3 "cccccccc-0003-4000-8000-000000000003"
enum { A, B, C, D };

static void populate(struct hub_fixture *f)
{
    deliver_fields(f, A, R1, "case", (const char *const[]){"status=new",
        "intake_date=2026-11-20", "victim_sex=F", "victim_age=34", "violence_types/physical=1",
        "victim_name=Siti Aminah", "consent_share=true", NULL});
    deliver_fields(f, A, R2, "case", (const char *const[]){"status=new",
        "intake_date=2026-11-02", "victim_sex=F", "victim_age=15", "violence_types/sexual=1",
        "victim_name=Ayu", "consent_share=false", NULL});
    /* F2 is older and answered already; F1 waits. */
    deliver_fields(f, A, F2, "referral", (const char *const[]){"case_id=" R2,
        "referred_to=uptd_ppa", "referral_date=2026-11-03", "referral_status=accepted", NULL});
    deliver_fields(f, A, F1, "referral", (const char *const[]){"case_id=" R1,
        "referred_to=uptd_ppa", "referral_date=2026-11-22", "referral_status=sent", NULL});
    deliver_fields(f, A, F3, "referral", (const char *const[]){"case_id=" R1,
        "referred_to=puskesmas", "referral_date=2026-11-22", "referral_status=sent", NULL});
}

struct seen {
    char ids[4][SAE_ID_TEXT_LEN + 1];
    enum partner_share share[4];
    bool awaiting[4], name_shown[4];
    char band[4][8];
    size_t count;
};

static int collect(const struct partner_referral *r, void *context)
{
    struct seen *s = context;
    assert_true(s->count < 4);
    memcpy(s->ids[s->count], r->referral->id, sizeof s->ids[0]);
    s->share[s->count] = r->share;
    s->awaiting[s->count] = r->awaiting;
    snprintf(s->band[s->count], sizeof s->band[0], "%s", r->age_band ? r->age_band : "");
    for (size_t i = 0; i < r->shown_count; i++)
        if (strcmp(r->shown[i].field->name, "victim_name") == 0)
            s->name_shown[s->count] = true;
    s->count++;
    return 0;
}

static struct seen referrals_of(struct hub_fixture *f, const char *agency)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(partner_referrals(f->store, agency, collect, &s), 0);
    return s;
}

static void test_agency_sees_its_own_with_consent(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    populate(f);
    struct seen s = referrals_of(f, "uptd_ppa");
    assert_int_equal(s.count, 2);
    assert_string_equal(s.ids[0], F1); /* awaiting first */
    assert_true(s.awaiting[0]);
    assert_false(s.awaiting[1]);
    assert_int_equal(s.share[0], PARTNER_SHARE_CONSENT);
    assert_true(s.name_shown[0]);
    assert_int_equal(s.share[1], PARTNER_SHARE_NONE);
    assert_false(s.name_shown[1]);
    assert_string_equal(s.band[1], "13-17");
    assert_int_equal(referrals_of(f, "puskesmas").count, 1);
    assert_int_equal(referrals_of(f, "puspaga").count, 0);
    struct seen none = {0};
    assert_int_equal(partner_referrals(f->store, "other", collect, &none), SAE_EINVAL);
    assert_int_equal(partner_agency_check("nope"), SAE_EINVAL);
    assert_int_equal(partner_agency_check("police_ppa_unit"), 0);
    /* An override with its reason shows F2's identifying fields; once. */
    assert_int_equal(partner_override(f->store, F1, "Koordinator", "x", NOW_MS, &why),
                     SAE_EINVAL);
    assert_int_equal(partner_override(f->store, R1, "Koordinator", "x", NOW_MS, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(partner_override(f->store, F2, "Koordinator", "anak dalam bahaya",
                                      NOW_MS, &why), 0);
    assert_int_equal(partner_override(f->store, F2, "Lain", "y", NOW_MS, &why), SAE_EEXIST);
    s = referrals_of(f, "uptd_ppa");
    assert_int_equal(s.share[1], PARTNER_SHARE_OVERRIDE);
    assert_true(s.name_shown[1]);
}

static void test_answers_follow_the_flow(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    populate(f);
    int64_t before = hub_count(f, "SELECT count(*) FROM change");
    /* Another agency, a missing note, a step the flow refuses: nothing written. */
    assert_int_equal(merge_referral_answer(f->store, F1, "puskesmas", MERGE_ANSWER_ACCEPTED,
                                           NULL, "Petugas", NOW_MS, &why), SAE_EPERM);
    assert_int_equal(merge_referral_answer(f->store, F1, "uptd_ppa", MERGE_ANSWER_DECLINED,
                                           NULL, "Petugas", NOW_MS, &why), SAE_EINVAL);
    assert_int_equal(merge_referral_answer(f->store, F1, "uptd_ppa", MERGE_ANSWER_DONE,
                                           "layanan", "Petugas", NOW_MS, &why), SAE_EINVAL);
    assert_int_equal(merge_referral_answer(f->store, R1, NULL, MERGE_ANSWER_ACCEPTED, NULL,
                                           "Petugas", NOW_MS, &why), SAE_ENOTFOUND);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change"), before);
    assert_int_equal(merge_referral_answer(f->store, F1, "uptd_ppa", MERGE_ANSWER_ACCEPTED,
                                           "kami terima", "Petugas UPT", NOW_MS, &why), 0);
    assert_winner(f, F1, "referral_status", "accepted");
    assert_winner(f, F1, "status_date", "2026-11-29");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM change WHERE report_id = '" F1 "'"
                                  " AND author = 'Petugas UPT' AND note = 'kami terima'"), 2);
    assert_int_equal(merge_referral_answer(f->store, F1, "uptd_ppa", MERGE_ANSWER_DONE,
                                           "konseling 3 kali", "Petugas UPT", NOW_MS, &why), 0);
    assert_winner(f, F1, "referral_status", "completed");
    assert_winner(f, F1, "service_note", "konseling 3 kali");
    assert_int_equal(merge_referral_answer(f->store, F3, NULL, MERGE_ANSWER_DECLINED,
                                           "di luar wilayah", "Petugas Puskesmas", NOW_MS, &why),
                     0);
    assert_winner(f, F3, "decline_reason", "di luar wilayah");
    struct seen s = referrals_of(f, "uptd_ppa");
    assert_false(s.awaiting[0] || s.awaiting[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_agency_sees_its_own_with_consent, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_answers_follow_the_flow, hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
