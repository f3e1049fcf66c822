/* Rules across fields and the plan of a command's writes (proto/rules.c, proto/plan.c), each
 * rule at its edge, and registration numbers (proto/registration.c). Dates are judged
 * against a fixed "now", so every edge is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_derived.h"
#include "sae/sae_plan.h"
#include "sae/sae_registration.h"
#include "sae/sae_rules.h"
#include "sae/sae_validate.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* 2026-11-20T12:00:00+07:00 (WIB): "today" for every rule below. */
#define NOW_MS 1795150800000LL
#define TODAY "2026-11-20"
/* 23:55 WIB that day: within the clock tolerance of tomorrow. */
#define LATE_MS (NOW_MS + (11LL * 60 + 55) * 60 * 1000)

static const struct sae_kind *kind_of(const char *name)
{
    const struct sae_kind *kind = NULL;
    assert_int_equal(sae_catalogue_find_kind(name, &kind), 0);
    return kind;
}

static const struct sae_field *field_of(const struct sae_kind *kind, const char *name)
{
    const struct sae_field *field = NULL;
    assert_int_equal(sae_catalogue_find_field(kind, name, &field), 0);
    return field;
}

/* A report's view from "field=value" pairs as a reader would build it (sets given by their
 * canonical text are stored as elements). */
static void view_of(const struct sae_kind *kind, const char *const *pairs, struct sae_view *out)
{
    assert_int_equal(sae_view_init(out, kind), 0);
    for (size_t i = 0; pairs && pairs[i]; i++) {
        char name[64];
        const char *eq = strchr(pairs[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - pairs[i]), pairs[i]);
        const struct sae_field *field = field_of(kind, name);
        struct sae_version v = {1, 1};
        if (field->type != SAE_FIELD_SET) {
            assert_int_equal(sae_view_add(out, name, eq + 1, v), 0);
            continue;
        }
        sae_set_mask mask = 0;
        assert_int_equal(sae_set_parse(field, eq + 1, &mask), 0);
        for (size_t k = 0; k < field->value_count; k++) {
            char element[SAE_FIELD_ELEMENT_NAME_BYTES];
            sae_field_element_name(field, &field->values[k], element);
            if (mask & (1u << k))
                assert_int_equal(sae_view_add(out, element, "1", v), 0);
        }
    }
    assert_int_equal(sae_view_finish(out), 0);
}

struct run {
    struct sae_plan plan;
    struct sae_message why;
    int rc;
};

/* Plans edits ("field=value", "-field" to unset, "+set=codes" / "~set=codes" to add or
 * remove elements) on before (NULL: a new report) with the case's view. */
static struct run plan_on(const char *kind_name, const struct sae_view *before,
                          const char *const *edits, const struct sae_view *case_view,
                          int64_t now_ms)
{
    const struct sae_kind *kind = kind_of(kind_name);
    struct sae_edit list[16];
    struct run r;
    size_t n = 0;
    memset(&r, 0, sizeof r);
    for (; edits[n]; n++) {
        char name[64], message[SAE_VALIDATE_MESSAGE_BYTES];
        const char *text = edits[n];
        enum sae_edit_op op = text[0] == '-' ? SAE_EDIT_UNSET : text[0] == '+' ? SAE_EDIT_ADD
                            : text[0] == '~' ? SAE_EDIT_REMOVE : SAE_EDIT_SET;
        text += op != SAE_EDIT_SET;
        const char *eq = strchr(text, '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - text) : (int)strlen(text), text);
        list[n] = (struct sae_edit){field_of(kind, name), op, NULL};
        if (eq)
            assert_int_equal(sae_validate_value(list[n].field, eq + 1, strlen(eq + 1),
                                                &list[n].value, message), 0);
    }
    struct sae_plan_input in = {kind, before, list, n, case_view, now_ms};
    r.rc = sae_plan_make(&in, &r.plan, &r.why);
    for (size_t i = 0; i < n; i++)
        free(list[i].value);
    if (r.rc != 0) {
        assert_true(r.why.text[0] != '\0');
        assert_null(strchr(r.why.text, '\n'));
    }
    return r;
}

/* The value the plan writes to name, or NULL; *found says whether it writes it at all. */
static const char *written(const struct run *r, const char *name, bool *found)
{
    *found = false;
    for (size_t i = 0; i < r->plan.count; i++) {
        if (strcmp(r->plan.writes[i].name, name) == 0) {
            *found = true;
            return r->plan.writes[i].value;
        }
    }
    return NULL;
}

static void expect_written(const struct run *r, const char *name, const char *value)
{
    bool found = false;
    const char *got = written(r, name, &found);
    if (!found)
        print_error("%s not written\n", name);
    assert_true(found);
    if (value)
        assert_string_equal(got, value);
    else
        assert_null(got);
}

static void expect_refused(struct run r, const char *fragment)
{
    if (r.rc == 0)
        print_error("not refused (wanted \"%s\")\n", fragment);
    assert_int_equal(r.rc, SAE_EINVAL);
    if (!strstr(r.why.text, fragment))
        print_error("message \"%s\" lacks \"%s\"\n", r.why.text, fragment);
    assert_non_null(strstr(r.why.text, fragment));
    assert_int_equal(r.plan.count, 0);
}

static void expect_ok(struct run *r)
{
    if (r->rc != 0)
        print_error("refused: %s\n", r->why.text);
    assert_int_equal(r->rc, 0);
}

#define EDITS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NEW_CASE(...)                                                                        \
    EDITS("violence_types=physical", "victim_sex=F", "status=new", __VA_ARGS__)

static void test_case_dates_at_their_edges(void **state)
{
    (void)state;
    struct run r = plan_on("case", NULL, NEW_CASE("intake_date=" TODAY,
                                                  "incident_date=" TODAY), NULL, NOW_MS);
    expect_ok(&r); /* incident on the intake day, intake today: fine */
    sae_plan_free(&r.plan);
    expect_refused(plan_on("case", NULL, NEW_CASE("intake_date=2026-11-19",
                                                  "incident_date=2026-11-20"), NULL, NOW_MS),
                   "tanggal kejadian tidak boleh setelah tanggal pengaduan");
    expect_refused(plan_on("case", NULL, NEW_CASE("intake_date=2026-11-21"), NULL, NOW_MS),
                   "in the future");
    /* At 23:55 WIB tomorrow is within the tolerance; the day after is not. */
    r = plan_on("case", NULL, NEW_CASE("intake_date=2026-11-21"), NULL, LATE_MS);
    expect_ok(&r);
    sae_plan_free(&r.plan);
    expect_refused(plan_on("case", NULL, NEW_CASE("intake_date=2026-11-21"), NULL,
                           LATE_MS - SAE_RULES_CLOCK_TOLERANCE_MS - 1), "in the future");
    expect_refused(plan_on("case", NULL, NEW_CASE("intake_date=2026-11-22"), NULL, LATE_MS),
                   "tanggal tidak boleh melewati hari ini");
}

/* Old data that breaks a rule does not block an edit of something else. */
static void test_rules_judge_what_the_command_touches(void **state)
{
    (void)state;
    struct sae_view before;
    view_of(kind_of("case"), EDITS("intake_date=2026-11-01", "incident_date=2026-11-05",
                                   "violence_types=sexual", "victim_sex=F", "status=new"),
            &before);
    struct run r = plan_on("case", &before, EDITS("risk_level=high"), NULL, NOW_MS);
    expect_ok(&r);
    assert_int_equal(r.plan.count, 1);
    sae_plan_free(&r.plan);
    expect_refused(plan_on("case", &before, EDITS("intake_date=2026-11-02"), NULL, NOW_MS),
                   "incident_date 2026-11-05");
    sae_view_free(&before);
}

static void test_closed_needs_its_reason(void **state)
{
    (void)state;
    struct sae_view before;
    view_of(kind_of("case"), EDITS("intake_date=2026-11-01", "violence_types=sexual",
                                   "victim_sex=F", "status=active"), &before);
    expect_refused(plan_on("case", &before, EDITS("status=closed"), NULL, NOW_MS),
                   "closure_reason");
    struct run r = plan_on("case", &before, EDITS("status=closed", "closure_reason=relocated"),
                           NULL, NOW_MS);
    expect_ok(&r);
    expect_written(&r, "status", "closed");
    sae_plan_free(&r.plan);
    sae_view_free(&before);
}

static void test_events_not_before_the_intake(void **state)
{
    (void)state;
    struct sae_view kase;
    view_of(kind_of("case"), EDITS("intake_date=2026-11-10", "violence_types=physical",
                                   "victim_sex=F", "status=new"), &kase);
    struct run r = plan_on("service", NULL, EDITS("service_type=counselling",
                                                  "service_date=2026-11-10"), &kase, NOW_MS);
    expect_ok(&r); /* on the intake day */
    sae_plan_free(&r.plan);
    expect_refused(plan_on("service", NULL, EDITS("service_type=counselling",
                                                  "service_date=2026-11-09"), &kase, NOW_MS),
                   "tanggal tidak boleh sebelum tanggal pengaduan");
    expect_refused(plan_on("shelter_stay", NULL, EDITS("admission_date=2026-11-09"), &kase,
                           NOW_MS), "admission_date 2026-11-09 is before the case's intake");
    expect_refused(plan_on("referral", NULL, EDITS("referred_to=puskesmas",
                                                   "referral_date=2026-11-09"), &kase, NOW_MS),
                   "referral_date");
    sae_view_free(&kase);
}

static void test_shelter_stay_as_one_stay(void **state)
{
    (void)state;
    struct run r = plan_on("shelter_stay", NULL, EDITS("admission_date=2026-11-12"), NULL,
                           NOW_MS);
    expect_ok(&r);
    expect_written(&r, "planned_end_date", "2026-11-19"); /* 7 days by default */
    sae_plan_free(&r.plan);
    struct sae_view stay;
    view_of(kind_of("shelter_stay"), EDITS("admission_date=2026-11-12",
                                           "planned_end_date=2026-11-19"), &stay);
    expect_refused(plan_on("shelter_stay", &stay, EDITS("planned_end_date=2026-11-26"), NULL,
                           NOW_MS), "extension_reason");
    r = plan_on("shelter_stay", &stay, EDITS("planned_end_date=2026-11-26",
                                             "extension_reason=Pelaku masih mencari korban"),
                NULL, NOW_MS);
    expect_ok(&r);
    sae_plan_free(&r.plan);
    r = plan_on("shelter_stay", &stay, EDITS("planned_end_date=2026-11-15"), NULL, NOW_MS);
    expect_ok(&r); /* ending earlier is no extension */
    sae_plan_free(&r.plan);
    r = plan_on("shelter_stay", &stay, EDITS("discharge_date=2026-11-12"), NULL, NOW_MS);
    expect_ok(&r); /* the same day */
    sae_plan_free(&r.plan);
    expect_refused(plan_on("shelter_stay", &stay, EDITS("discharge_date=2026-11-11"), NULL,
                           NOW_MS), "tanggal keluar tidak boleh sebelum tanggal masuk");
    expect_refused(plan_on("shelter_stay", &stay, EDITS("planned_end_date=2026-11-11"), NULL,
                           NOW_MS), "planned end cannot be before the admission");
    sae_view_free(&stay);
}

/* Every step of the referral's flow from every status: allowed ones pass with their
 * requirements, others are refused. */
static void test_referral_flow(void **state)
{
    (void)state;
    static const char *const statuses[] = {"sent", "accepted", "declined", "completed",
                                           "revoked"};
    static const bool allowed[5][5] = {
        /* to:  sent   accepted declined completed revoked */
        {true, true, true, false, true},    /* from sent */
        {false, true, false, true, true},   /* from accepted */
        {false, false, true, false, false}, /* from declined */
        {false, false, false, true, false}, /* from completed */
        {false, false, false, false, true}, /* from revoked */
    };
    for (size_t from = 0; from < 5; from++) {
        for (size_t to = 0; to < 5; to++) {
            char was[64], now[64];
            struct sae_view before;
            snprintf(was, sizeof was, "referral_status=%s", statuses[from]);
            view_of(kind_of("referral"), EDITS("referred_to=uptd_ppa",
                                               "referral_date=2026-11-12", was), &before);
            snprintf(now, sizeof now, "referral_status=%s", statuses[to]);
            struct run r = plan_on("referral", &before,
                                   EDITS(now, "decline_reason=Penuh", "service_note=Visum"),
                                   NULL, NOW_MS);
            if (allowed[from][to]) {
                expect_ok(&r);
                if (from != to)
                    expect_written(&r, "status_date", TODAY);
                sae_plan_free(&r.plan);
            } else {
                expect_refused(r, "alur rujukan");
            }
            sae_view_free(&before);
        }
    }
    struct sae_view sent;
    view_of(kind_of("referral"), EDITS("referred_to=uptd_ppa", "referral_date=2026-11-12",
                                       "referral_status=sent"), &sent);
    expect_refused(plan_on("referral", &sent, EDITS("referral_status=declined"), NULL, NOW_MS),
                   "decline_reason");
    struct run r = plan_on("referral", &sent, EDITS("referral_status=accepted",
                                                    "status_date=2026-11-13"), NULL, NOW_MS);
    expect_ok(&r);
    expect_written(&r, "status_date", "2026-11-13"); /* a given date wins */
    sae_plan_free(&r.plan);
    sae_view_free(&sent);
    struct sae_view accepted;
    view_of(kind_of("referral"), EDITS("referred_to=uptd_ppa", "referral_date=2026-11-12",
                                       "referral_status=accepted"), &accepted);
    expect_refused(plan_on("referral", &accepted, EDITS("referral_status=completed"), NULL,
                           NOW_MS), "service_note");
    sae_view_free(&accepted);
    /* A new referral sent: its status date is the referral's. */
    r = plan_on("referral", NULL, EDITS("referred_to=puskesmas", "referral_date=2026-11-14",
                                        "referral_status=sent"), NULL, NOW_MS);
    expect_ok(&r);
    expect_written(&r, "status_date", "2026-11-14");
    sae_plan_free(&r.plan);
}

static void test_consent_gets_its_date(void **state)
{
    (void)state;
    struct sae_view before;
    view_of(kind_of("case"), EDITS("intake_date=2026-11-01", "violence_types=sexual",
                                   "victim_sex=F", "status=new", "consent_share=true",
                                   "consent_share_date=2026-11-01"), &before);
    struct run r = plan_on("case", &before, EDITS("consent_share=false"), NULL, NOW_MS);
    expect_ok(&r); /* a withdrawal is dated today */
    expect_written(&r, "consent_share_date", TODAY);
    sae_plan_free(&r.plan);
    r = plan_on("case", &before, EDITS("consent_statistics=ya",
                                       "consent_statistics_date=2026-11-02"), NULL, NOW_MS);
    expect_ok(&r);
    expect_written(&r, "consent_statistics_date", "2026-11-02");
    sae_plan_free(&r.plan);
    expect_refused(plan_on("case", &before, EDITS("consent_services=true",
                                                  "consent_services_date=2026-12-24"), NULL,
                           NOW_MS), "in the future");
    sae_view_free(&before);
}

static void test_sets_are_written_element_by_element(void **state)
{
    (void)state;
    struct run r = plan_on("case", NULL, EDITS("violence_types=psikis,fisik,fisik",
                                               "victim_sex=F", "status=new",
                                               "intake_date=2026-11-01"), NULL, NOW_MS);
    expect_ok(&r);
    expect_written(&r, "violence_types/physical", "1");
    expect_written(&r, "violence_types/psychological", "1");
    bool found = true;
    written(&r, "violence_types", &found);
    assert_false(found); /* never the set whole */
    sae_plan_free(&r.plan);
    expect_refused(plan_on("case", NULL, EDITS("violence_types=", "victim_sex=F", "status=new",
                                               "intake_date=2026-11-01"), NULL, NOW_MS),
                   "at least one");
    struct sae_view before;
    view_of(kind_of("case"), EDITS("intake_date=2026-11-01", "violence_types=physical,sexual",
                                   "victim_sex=F", "status=new"), &before);
    /* Replacing writes only the differences. */
    r = plan_on("case", &before, EDITS("violence_types=sexual,neglect"), NULL, NOW_MS);
    expect_ok(&r);
    assert_int_equal(r.plan.count, 2);
    expect_written(&r, "violence_types/physical", NULL);
    expect_written(&r, "violence_types/neglect", "1");
    sae_plan_free(&r.plan);
    r = plan_on("case", &before, EDITS("+violence_types=sexual", "~violence_types=physical",
                                       "+impacts=ekonomi"), NULL, NOW_MS);
    expect_ok(&r);
    assert_int_equal(r.plan.count, 2);
    expect_written(&r, "violence_types/physical", NULL);
    expect_written(&r, "impacts/economic", "1");
    sae_plan_free(&r.plan);
    r = plan_on("case", &before, EDITS("violence_types=seksual,fisik"), NULL, NOW_MS);
    expect_ok(&r);
    assert_int_equal(r.plan.count, 0); /* the same set: nothing to write */
    sae_plan_free(&r.plan);
    expect_refused(plan_on("case", &before, EDITS("~violence_types=physical,sexual"), NULL,
                           NOW_MS), "at least one");
    sae_view_free(&before);
}

/* A case of catalogue 1 shows its one type through the set; writing the set records the
 * elements, the old value included. */
static void test_old_type_joins_the_set(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_of("case");
    struct sae_view before;
    struct sae_version v = {5, 1};
    assert_int_equal(sae_view_init(&before, kind), 0);
    assert_int_equal(sae_view_add(&before, "violence_type", "sexual", v), 0);
    assert_int_equal(sae_view_add(&before, "victim_disability", "true", v), 0);
    assert_int_equal(sae_view_finish(&before), 0);
    assert_string_equal(sae_view_get(&before, "violence_types"), "sexual");
    assert_true(before.legacy[sae_field_index(kind, field_of(kind, "violence_types"))]);
    assert_null(sae_view_get(&before, "violence_type")); /* the set speaks for it */
    assert_string_equal(sae_view_get(&before, "victim_disability"), "true"); /* not a code */
    struct run r = plan_on("case", &before, EDITS("+violence_types=physical"), NULL, NOW_MS);
    expect_ok(&r);
    assert_int_equal(r.plan.count, 2);
    expect_written(&r, "violence_types/physical", "1");
    expect_written(&r, "violence_types/sexual", "1");
    sae_plan_free(&r.plan);
    sae_view_free(&before);
    /* Once the set has an element, the old value no longer joins it. */
    assert_int_equal(sae_view_init(&before, kind), 0);
    assert_int_equal(sae_view_add(&before, "violence_type", "sexual", v), 0);
    assert_int_equal(sae_view_add(&before, "violence_types/neglect", "1", v), 0);
    assert_int_equal(sae_view_finish(&before), 0);
    assert_string_equal(sae_view_get(&before, "violence_types"), "neglect");
    sae_view_free(&before);
}

static void test_writable_fields(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_of("case");
    struct sae_message why = {{0}};
    assert_int_equal(sae_edit_check(field_of(kind, "violence_type"), SAE_EDIT_SET, &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "use violence_types"));
    assert_int_equal(sae_edit_check(field_of(kind, "registration_number"), SAE_EDIT_SET, &why),
                     SAE_EINVAL);
    assert_int_equal(sae_edit_check(field_of(kind, "risk_level"), SAE_EDIT_ADD, &why),
                     SAE_EINVAL);
    assert_int_equal(sae_edit_check(field_of(kind, "intake_date"), SAE_EDIT_UNSET, &why),
                     SAE_EINVAL);
    assert_int_equal(sae_edit_check(field_of(kind, "impacts"), SAE_EDIT_REMOVE, &why), 0);
    char *code = NULL;
    assert_int_equal(sae_edit_area(field_of(kind, "residence_village"), "desa  sumberanyar",
                                   &code, &why), 0);
    assert_string_equal(code, "35.13.12.2018");
    free(code);
    assert_int_equal(sae_edit_area(field_of(kind, "residence_village"), "Karanganyar", &code,
                                   &why), SAE_EAMBIGUOUS);
    assert_int_equal(sae_edit_area(field_of(kind, "residence_village"), "Sumberanyr", &code,
                                   &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "Sumberanyar")); /* the nearest names */
    assert_int_equal(sae_edit_area(field_of(kind, "residence_district"), "paiton", &code, &why),
                     0);
    assert_string_equal(code, "35.13.12");
    free(code);
}

static void test_registration_numbers(void **state)
{
    (void)state;
    struct sae_registration n = {"3513122018", 2026, 42, ""}, back;
    char text[SAE_REGISTRATION_BYTES], prefix[SAE_REGISTRATION_PREFIX_DIGITS + 1];
    assert_int_equal(sae_registration_format(&n, text), 0);
    assert_string_equal(text, "3513122018-2026-0042");
    n.seq = 12345;
    snprintf(n.suffix, sizeof n.suffix, "B");
    assert_int_equal(sae_registration_format(&n, text), 0);
    assert_string_equal(text, "3513122018-2026-12345B");
    assert_int_equal(sae_registration_parse(" 3513122018-2026-12345b ", &back), 0);
    assert_string_equal(back.prefix, "3513122018");
    assert_int_equal(back.year, 2026);
    assert_int_equal(back.seq, 12345);
    assert_string_equal(back.suffix, "B");
    n.seq = SAE_REGISTRATION_SEQ_MAX + 1;
    assert_int_equal(sae_registration_format(&n, text), SAE_ERANGE);
    n.seq = 0;
    assert_int_equal(sae_registration_format(&n, text), SAE_ERANGE);
    static const char *const not_numbers[] = {
        "3513122018-2026-042", "351312201-2026-0042", "3513122018-26-0042",
        "3513122018-2026-0042AB1", "3513122018-2026-0042A", "da1e6067-b429-4c09",
        "3513122018-1899-0001", "", "3513122018-2026-0042BCDE"};
    for (size_t i = 0; i < COUNT(not_numbers); i++)
        assert_int_equal(sae_registration_parse(not_numbers[i], &back), SAE_EINVAL);
    static const struct {
        unsigned n;
        const char *letters;
    } suffixes[] = {{0, ""}, {1, "B"}, {25, "Z"}, {26, "BA"}, {17575, "ZZZ"}};
    char letters[SAE_REGISTRATION_SUFFIX_MAX + 1];
    for (size_t i = 0; i < COUNT(suffixes); i++) {
        assert_int_equal(sae_registration_suffix(suffixes[i].n, letters), 0);
        assert_string_equal(letters, suffixes[i].letters);
    }
    assert_int_equal(sae_registration_suffix(17576, letters), SAE_ERANGE);
    /* The village part: the official code, whatever way the village is written; otherwise
     * "00" and 8 digits of the device id, never a real village's. */
    assert_int_equal(sae_registration_prefix("Desa Sumberanyar", 7, prefix), 0);
    assert_string_equal(prefix, "3513122018");
    assert_int_equal(sae_registration_prefix("35.13.14.2016", 7, prefix), 0);
    assert_string_equal(prefix, "3513142016");
    assert_int_equal(sae_registration_prefix("Desa Sumberasri", 1234567890123ULL, prefix), 0);
    assert_string_equal(prefix, "0067890123");
    assert_int_equal(sae_registration_prefix("Karanganyar", 5, prefix), 0); /* ambiguous */
    assert_string_equal(prefix, "0000000005");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_dates_at_their_edges),
        cmocka_unit_test(test_rules_judge_what_the_command_touches),
        cmocka_unit_test(test_closed_needs_its_reason),
        cmocka_unit_test(test_events_not_before_the_intake),
        cmocka_unit_test(test_shelter_stay_as_one_stay),
        cmocka_unit_test(test_referral_flow),
        cmocka_unit_test(test_consent_gets_its_date),
        cmocka_unit_test(test_sets_are_written_element_by_element),
        cmocka_unit_test(test_old_type_joins_the_set),
        cmocka_unit_test(test_writable_fields),
        cmocka_unit_test(test_registration_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
