/* The catalogue: the kinds, fields and enum codes both programs agree on. The expected
 * tables below are written out by hand from the issue, so that a renamed or dropped code
 * (which old journals and other posts still hold) fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "sae/sae_value_json.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CODES 16 /* service types, the longest list */

struct expected_field {
    const char *name;
    enum sae_field_type type;
    bool required;
    bool sensitive;
    bool multiline;
    const char *codes[MAX_CODES]; /* enum: every code, in order; NULL-terminated */
};

struct expected_kind {
    const char *name;
    bool append_only;
    const struct expected_field *fields;
    size_t field_count;
};

static const struct expected_field case_fields[] = {
    {"registration_number", SAE_FIELD_TEXT, false, false, false, {NULL}},
    {"status", SAE_FIELD_ENUM, true, false, false, {"new", "active", "referred", "closed"}},
    {"closure_reason", SAE_FIELD_ENUM, false, false, false,
     {"services_completed", "referred_onward", "survivor_withdrew", "relocated", "unreachable",
      "deceased", "other"}},
    {"intake_date", SAE_FIELD_DATE, true, false, false, {NULL}},
    {"intake_channel", SAE_FIELD_ENUM, false, false, false,
     {"walk_in", "phone", "whatsapp", "referral_in", "outreach", "other"}},
    {"incident_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"violence_types", SAE_FIELD_SET, true, false, false,
     {"physical", "psychological", "sexual", "exploitation", "trafficking", "neglect", "other"}},
    {"domain", SAE_FIELD_ENUM, false, false, false, {"household", "community", "state"}},
    {"location_type", SAE_FIELD_ENUM, false, false, false,
     {"household", "workplace", "school", "public_facility", "boarding_school", "online", "other"}},
    {"impacts", SAE_FIELD_SET, false, false, false,
     {"physical", "psychological", "sexual_reproductive", "economic", "legal", "other"}},
    {"victim_name", SAE_FIELD_TEXT, false, true, false, {NULL}},
    {"victim_contact", SAE_FIELD_TEXT, false, true, true, {NULL}},
    {"victim_sex", SAE_FIELD_ENUM, true, false, false, {"F", "M"}},
    {"victim_age", SAE_FIELD_INT, false, false, false, {NULL}},
    {"victim_education", SAE_FIELD_ENUM, false, false, false,
     {"none", "early_childhood", "primary", "junior", "senior", "higher", "unknown"}},
    {"victim_occupation", SAE_FIELD_ENUM, false, false, false,
     {"none", "student", "housewife", "farmer", "labourer", "trader", "civil_servant",
      "private_employee", "migrant_worker", "domestic_worker", "other", "unknown"}},
    {"victim_marital_status", SAE_FIELD_ENUM, false, false, false,
     {"single", "married", "divorced", "widowed", "unknown"}},
    {"disability_types", SAE_FIELD_SET, false, false, false,
     {"physical", "intellectual", "mental", "sensory_visual", "sensory_hearing", "sensory_speech",
      "multiple", "other"}},
    {"residence_district", SAE_FIELD_AREA, false, false, false, {NULL}},
    {"residence_village", SAE_FIELD_AREA, false, false, false, {NULL}},
    {"perpetrator_relation", SAE_FIELD_ENUM, false, false, false,
     {"parent", "step_parent", "spouse", "partner", "relative", "neighbour", "teacher", "employer",
      "coworker", "friend", "stranger", "other", "unknown"}},
    {"perpetrator_sex", SAE_FIELD_ENUM, false, false, false, {"F", "M", "unknown"}},
    {"perpetrator_age", SAE_FIELD_INT, false, false, false, {NULL}},
    {"perpetrator_count", SAE_FIELD_INT, false, false, false, {NULL}},
    {"risk_level", SAE_FIELD_ENUM, false, false, false, {"high", "medium", "low"}},
    {"legal_process", SAE_FIELD_ENUM, false, false, false,
     {"none", "reported", "investigation", "prosecution", "trial", "verdict", "diversion",
      "stopped"}},
    {"legal_outcome", SAE_FIELD_ENUM, false, false, false,
     {"convicted", "acquitted", "settled", "withdrawn", "other"}},
    {"consent_services", SAE_FIELD_BOOL, false, false, false, {NULL}},
    {"consent_services_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"consent_share", SAE_FIELD_BOOL, false, false, false, {NULL}},
    {"consent_share_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"consent_statistics", SAE_FIELD_BOOL, false, false, false, {NULL}},
    {"consent_statistics_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"narrative", SAE_FIELD_TEXT, false, true, true, {NULL}},
    {"violence_type", SAE_FIELD_ENUM, false, false, false,
     {"physical", "psychological", "sexual", "exploitation", "trafficking", "neglect", "other"}},
    {"victim_disability", SAE_FIELD_BOOL, false, false, false, {NULL}},
};

static const struct expected_field service_fields[] = {
    {"case_id", SAE_FIELD_REFERENCE, true, false, false, {NULL}},
    {"service_type", SAE_FIELD_ENUM, true, false, false,
     {"complaint_intake", "counselling", "psychologist", "health_visum", "shelter_in",
      "shelter_out", "police_accompaniment", "court_accompaniment", "legal_aid", "mediation",
      "social_rehabilitation", "reintegration", "other", "psychosocial_accompaniment",
      "health_accompaniment", "legal_accompaniment"}},
    {"service_date", SAE_FIELD_DATE, true, false, false, {NULL}},
    {"provider", SAE_FIELD_TEXT, false, false, false, {NULL}},
    {"notes", SAE_FIELD_TEXT, false, true, true, {NULL}},
};

static const struct expected_field referral_fields[] = {
    {"case_id", SAE_FIELD_REFERENCE, true, false, false, {NULL}},
    {"referred_to", SAE_FIELD_ENUM, true, false, false,
     {"police_ppa_unit", "puskesmas", "hospital", "uptd_ppa", "puspaga", "social_office",
      "legal_aid", "other"}},
    {"referral_reason", SAE_FIELD_TEXT, false, false, true, {NULL}},
    {"referral_date", SAE_FIELD_DATE, true, false, false, {NULL}},
    {"referral_status", SAE_FIELD_ENUM, true, false, false,
     {"sent", "accepted", "completed", "declined", "revoked"}},
    {"status_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"decline_reason", SAE_FIELD_TEXT, false, false, true, {NULL}},
    {"service_note", SAE_FIELD_TEXT, false, true, true, {NULL}},
    {"referral_result", SAE_FIELD_ENUM, false, false, false,
     {"referred", "service_provided_by_agency", "already_received_elsewhere", "not_applicable",
      "declined_by_survivor", "service_unavailable"}},
    {"notes", SAE_FIELD_TEXT, false, true, true, {NULL}},
};

static const struct expected_field shelter_stay_fields[] = {
    {"case_id", SAE_FIELD_REFERENCE, true, false, false, {NULL}},
    {"shelter_name", SAE_FIELD_TEXT, false, false, false, {NULL}},
    {"admission_date", SAE_FIELD_DATE, true, false, false, {NULL}},
    {"planned_end_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"extension_reason", SAE_FIELD_TEXT, false, true, true, {NULL}},
    {"discharge_date", SAE_FIELD_DATE, false, false, false, {NULL}},
    {"discharge_reason", SAE_FIELD_ENUM, false, false, false,
     {"returned_home", "moved_to_relatives", "referred", "left", "other"}},
    {"notes", SAE_FIELD_TEXT, false, true, true, {NULL}},
};

static const struct expected_kind expected_kinds[] = {
    {"case", false, case_fields, COUNT(case_fields)},
    {"service", true, service_fields, COUNT(service_fields)},
    {"referral", false, referral_fields, COUNT(referral_fields)},
    {"shelter_stay", false, shelter_stay_fields, COUNT(shelter_stay_fields)},
};

static bool nonempty(const char *s) { return s && s[0] != '\0'; }

/* Calls check for every field of every kind. */
static void each_field(void (*check)(const struct sae_kind *, const struct sae_field *))
{
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t f = 0; f < kind->field_count; f++)
            check(kind, &kind->fields[f]);
    }
}

static void test_kinds_are_those_of_the_issue(void **state)
{
    (void)state;
    assert_int_equal(sae_catalogue_kind_count(), COUNT(expected_kinds));
    for (size_t k = 0; k < COUNT(expected_kinds); k++) {
        const struct expected_kind *want = &expected_kinds[k];
        const struct sae_kind *kind = NULL;
        assert_int_equal(sae_catalogue_find_kind(want->name, &kind), 0);
        assert_ptr_equal(kind, sae_catalogue_kind_at(k));
        assert_string_equal(kind->name, want->name);
        assert_true(nonempty(kind->label_id) && nonempty(kind->label_en));
        assert_int_equal(kind->append_only, want->append_only);
        assert_int_equal(kind->field_count, want->field_count);
    }
    assert_null(sae_catalogue_kind_at(COUNT(expected_kinds)));
    assert_null(sae_catalogue_kind_at((size_t)-1));
}

static void test_fields_and_codes_are_those_of_the_issue(void **state)
{
    (void)state;
    for (size_t k = 0; k < COUNT(expected_kinds); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t f = 0; f < expected_kinds[k].field_count; f++) {
            const struct expected_field *want = &expected_kinds[k].fields[f];
            const struct sae_field *field = NULL;
            assert_int_equal(sae_catalogue_find_field(kind, want->name, &field), 0);
            assert_ptr_equal(field, &kind->fields[f]); /* catalogue order is display order */
            assert_int_equal(field->type, want->type);
            assert_int_equal(field->required, want->required);
            assert_int_equal(field->sensitive, want->sensitive);
            assert_int_equal(field->multiline, want->multiline);
            size_t n = 0;
            while (n < MAX_CODES && want->codes[n])
                n++;
            assert_int_equal(field->value_count, n);
            for (size_t v = 0; v < n; v++) {
                assert_string_equal(field->values[v].code, want->codes[v]);
                assert_ptr_equal(sae_field_find_value(field, want->codes[v]), &field->values[v]);
            }
        }
    }
}

static void test_lookups_miss_cleanly(void **state)
{
    (void)state;
    const struct sae_kind *kind = NULL, *sentinel = (const struct sae_kind *)&kind;
    const struct sae_kind *out = sentinel;
    const struct sae_field *field = NULL, *field_out;
    /* Kinds are found by name and by their Indonesian forms ("kasus"), nothing else. */
    static const char *const missing_kinds[] = {"", "cases", "case ", "event", "_deleted",
                                                "kasusnya"};
    for (size_t i = 0; i < COUNT(missing_kinds); i++) {
        assert_int_equal(sae_catalogue_find_kind(missing_kinds[i], &out), SAE_ENOTFOUND);
        assert_ptr_equal(out, sentinel); /* untouched on failure */
    }
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    static const char *const missing_fields[] = {"", "Status", "victim", "case_id",
                                                 SAE_FIELD_TOMBSTONE, "narrative "};
    for (size_t i = 0; i < COUNT(missing_fields); i++) {
        field_out = (const struct sae_field *)sentinel;
        assert_int_equal(sae_catalogue_find_field(kind, missing_fields[i], &field_out),
                         SAE_ENOTFOUND);
        assert_ptr_equal(field_out, (const struct sae_field *)sentinel);
    }
    assert_int_equal(sae_catalogue_find_field(kind, "victim_sex", &field), 0);
    /* find_value is exact: case folding belongs to validation, which returns the code. */
    assert_null(sae_field_find_value(field, "f"));
    assert_null(sae_field_find_value(field, ""));
    assert_null(sae_field_find_value(field, "unknown"));
    assert_string_equal(sae_field_find_value(field, "F")->label_id, "Perempuan");
    assert_int_equal(sae_catalogue_find_field(kind, "victim_age", &field), 0);
    assert_null(sae_field_find_value(field, "7")); /* not an enum: no values at all */
}

static void check_labels(const struct sae_kind *kind, const struct sae_field *field)
{
    (void)kind;
    assert_true(nonempty(field->name));
    assert_true(nonempty(field->label_id));
    assert_true(nonempty(field->label_en));
    assert_string_not_equal(field->name, SAE_FIELD_TOMBSTONE);
    for (size_t v = 0; v < field->value_count; v++) {
        assert_true(nonempty(field->values[v].code));
        assert_true(nonempty(field->values[v].label_id));
        assert_true(nonempty(field->values[v].label_en));
    }
}

static void test_every_field_and_value_has_both_labels(void **state)
{
    (void)state;
    each_field(check_labels);
}

static void check_unique_names(const struct sae_kind *kind, const struct sae_field *field)
{
    for (const struct sae_field *other = kind->fields; other < field; other++)
        assert_string_not_equal(other->name, field->name);
    for (size_t a = 0; a < field->value_count; a++)
        for (size_t b = a + 1; b < field->value_count; b++)
            assert_string_not_equal(field->values[a].code, field->values[b].code);
}

static void test_names_and_codes_are_unique(void **state)
{
    (void)state;
    each_field(check_unique_names);
}

/* Codes travel on the wire and in SQL: plain ASCII without spaces or separators. */
static void check_code_shape(const struct sae_kind *kind, const struct sae_field *field)
{
    (void)kind;
    for (size_t v = 0; v < field->value_count; v++)
        for (const char *c = field->values[v].code; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_');
}

static void test_codes_are_plain_identifiers(void **state)
{
    (void)state;
    each_field(check_code_shape);
}

static void check_type_settings(const struct sae_kind *kind, const struct sae_field *field)
{
    const struct sae_kind *target = NULL;
    (void)kind;
    assert_int_equal(field->value_count > 0,
                     field->type == SAE_FIELD_ENUM || field->type == SAE_FIELD_SET);
    assert_true(field->value_count <= SAE_SET_VALUES_MAX || field->type != SAE_FIELD_SET);
    assert_int_equal(field->area_level != 0, field->type == SAE_FIELD_AREA);
    assert_int_equal(field->replaced_by != NULL, field->deprecated);
    assert_int_equal(field->ref_kind != NULL, field->type == SAE_FIELD_REFERENCE);
    assert_true(!field->multiline || field->type == SAE_FIELD_TEXT);
    switch (field->type) {
    case SAE_FIELD_TEXT:
        assert_in_range(field->max_bytes, 1, SAE_LIMIT_TEXT_BYTES);
        break;
    case SAE_FIELD_INT:
        assert_true(field->min_value <= field->max_value);
        break;
    case SAE_FIELD_REFERENCE:
        assert_int_equal(sae_catalogue_find_kind(field->ref_kind, &target), 0);
        break;
    default:
        assert_int_equal(field->max_bytes, 0);
    }
}

static void test_type_settings_are_consistent(void **state)
{
    (void)state;
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    each_field(check_type_settings);
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "victim_age", &field), 0);
    assert_int_equal(field->min_value, 0);
    assert_int_equal(field->max_value, 120);
    assert_int_equal(sae_catalogue_find_field(kind, "narrative", &field), 0);
    assert_int_equal(field->max_bytes, SAE_LIMIT_TEXT_BYTES);
}

static void check_default(const struct sae_kind *kind, const struct sae_field *field)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES], *canonical = NULL;
    (void)kind;
    if (!field->default_value)
        return;
    int rc = sae_validate_value(field, field->default_value, strlen(field->default_value),
                                &canonical, message);
    if (rc != 0)
        print_error("default of %s: %s\n", field->name, message);
    assert_int_equal(rc, 0);
    assert_string_equal(canonical, field->default_value); /* already canonical */
    free(canonical);
}

static void test_defaults_are_valid_values(void **state)
{
    (void)state;
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    each_field(check_default);
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "status", &field), 0);
    assert_string_equal(field->default_value, "new");
    assert_int_equal(sae_catalogue_find_kind("referral", &kind), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "referral_status", &field), 0);
    assert_string_equal(field->default_value, "sent");
}

static void test_type_names(void **state)
{
    (void)state;
    static const struct {
        enum sae_field_type type;
        const char *name;
    } names[] = {
        {SAE_FIELD_TEXT, "text"}, {SAE_FIELD_INT, "int"},   {SAE_FIELD_DATE, "date"},
        {SAE_FIELD_ENUM, "enum"}, {SAE_FIELD_BOOL, "bool"}, {SAE_FIELD_REFERENCE, "reference"},
        {SAE_FIELD_SET, "set"},   {SAE_FIELD_AREA, "area"},
    };
    for (size_t i = 0; i < COUNT(names); i++)
        assert_string_equal(sae_field_type_name(names[i].type), names[i].name);
    assert_string_equal(sae_field_type_name((enum sae_field_type)8), "unknown");
}

/* What people type for a kind, and the stored names of set elements. */
static void test_kind_aliases_and_set_elements(void **state)
{
    (void)state;
    const struct sae_kind *kind = NULL;
    struct sae_field_ref ref = {NULL, NULL}, untouched = {NULL, NULL};
    char name[SAE_FIELD_ELEMENT_NAME_BYTES];
    static const char *const forms[][2] = {{"kasus", "case"}, {"Pengaduan", "case"},
                                           {"rujukan", "referral"}, {"layanan", "service"},
                                           {"Rumah Aman", "shelter_stay"}, {"CASE", "case"}};
    for (size_t i = 0; i < COUNT(forms); i++) {
        assert_int_equal(sae_catalogue_find_kind(forms[i][0], &kind), 0);
        assert_string_equal(kind->name, forms[i][1]);
    }
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    assert_int_equal(sae_catalogue_resolve(kind, "violence_types/sexual", &ref), 0);
    assert_string_equal(ref.field->name, "violence_types");
    assert_string_equal(ref.element->code, "sexual");
    sae_field_element_name(ref.field, ref.element, name);
    assert_string_equal(name, "violence_types/sexual");
    assert_int_equal(sae_catalogue_resolve(kind, "risk_level", &ref), 0);
    assert_null(ref.element);
    /* The set's own name is not a stored field; unknown elements and plain fields with an
     * element are not fields at all. */
    static const struct {
        const char *name;
        int rc;
    } refused[] = {{"violence_types", SAE_EINVAL}, {"violence_types/hitting", SAE_ENOTFOUND},
                   {"violence_types/", SAE_ENOTFOUND}, {"risk_level/high", SAE_ENOTFOUND},
                   {"/sexual", SAE_ENOTFOUND}, {"Violence_types/sexual", SAE_ENOTFOUND}};
    for (size_t i = 0; i < COUNT(refused); i++) {
        ref = untouched;
        assert_int_equal(sae_catalogue_resolve(kind, refused[i].name, &ref), refused[i].rc);
        assert_null(ref.field);
    }
}

/* A value as JSON, the same for post and hub: each type its own JSON type, unset null. */
static void test_values_as_json(void **state)
{
    (void)state;
    const struct sae_kind *kind = NULL;
    const struct sae_field *set = NULL, *age = NULL, *consent = NULL, *name = NULL;
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "violence_types", &set), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "victim_age", &age), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "consent_share", &consent), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "victim_name", &name), 0);
    const struct {
        const struct sae_field *field;
        const char *value, *json;
    } cases[] = {
        {set, "physical,psychological", "[\"physical\", \"psychological\"]"},
        {set, "", "[]"},
        {age, "14", "14"},
        {consent, "true", "true"},
        {consent, "false", "false"},
        {name, "Siti \"<b>\"", "\"Siti \\\"<b>\\\"\""},
        {NULL, "x", "\"x\""},
        {age, NULL, "null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *value = sae_value_json(cases[i].field, cases[i].value);
        assert_non_null(value);
        char *text = json_dumps(value, JSON_ENCODE_ANY);
        assert_non_null(text);
        assert_string_equal(text, cases[i].json);
        free(text);
        json_decref(value);
    }
}

static void test_allowed_codes_fit_their_buffer(void **state)
{
    (void)state;
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    char buf[64], tiny[8];
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    assert_int_equal(sae_catalogue_find_field(kind, "risk_level", &field), 0);
    sae_field_allowed_codes(field, buf, sizeof buf);
    assert_string_equal(buf, "high, medium, low");
    sae_field_allowed_codes(field, tiny, sizeof tiny);
    assert_string_equal(tiny, "high, m"); /* truncated, still terminated */
    memset(tiny, 'x', sizeof tiny);
    sae_field_allowed_codes(field, tiny, 0);
    assert_int_equal(tiny[0], 'x'); /* a zero-sized buffer is not written */
    assert_int_equal(sae_catalogue_find_field(kind, "victim_age", &field), 0);
    sae_field_allowed_codes(field, buf, sizeof buf);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_are_those_of_the_issue),
        cmocka_unit_test(test_fields_and_codes_are_those_of_the_issue),
        cmocka_unit_test(test_lookups_miss_cleanly),
        cmocka_unit_test(test_every_field_and_value_has_both_labels),
        cmocka_unit_test(test_names_and_codes_are_unique),
        cmocka_unit_test(test_codes_are_plain_identifiers),
        cmocka_unit_test(test_type_settings_are_consistent),
        cmocka_unit_test(test_defaults_are_valid_values),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_allowed_codes_fit_their_buffer),
        cmocka_unit_test(test_kind_aliases_and_set_elements),
        cmocka_unit_test(test_values_as_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
