/* node/app/report_form.h: a posted form read into validated changes the way staff fill it
 * (DD-MM-YYYY dates, labels, sets as boxes), each wrong field named with its problem and
 * nothing kept; names no form has, a set's box with another value, text at its length
 * limit and one past it; an edit that empties a field unsets it, one that leaves a field
 * out does not touch it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app/report_form.h"

struct posted {
    struct web_form form;
    char store[WEB_FORM_FIELDS_MAX][WEB_FORM_VALUE_BYTES];
};

static void put(struct posted *p, const char *name, const char *value)
{
    unsigned i = p->form.count++;
    assert_true(i < WEB_FORM_FIELDS_MAX);
    strcpy(p->form.fields[i].name, name);
    strcpy(p->store[i], value);
    p->form.fields[i].value = p->store[i];
    p->form.fields[i].value_len = strlen(value);
}

static const struct sae_kind *kind_named(const char *name)
{
    const struct sae_kind *kind = NULL;
    assert_int_equal(sae_catalogue_find_kind(name, &kind), 0);
    return kind;
}

static size_t index_of(const struct sae_kind *kind, const char *name)
{
    const struct sae_field *field = NULL;
    assert_int_equal(sae_catalogue_find_field(kind, name, &field), 0);
    return sae_field_index(kind, field);
}

static const struct journal_change *change_of(const struct report_form *form, const char *name)
{
    for (size_t i = 0; i < form->count; i++)
        if (strcmp(form->changes[i].field->name, name) == 0)
            return &form->changes[i];
    return NULL;
}

/* The girl of fifteen, as a kader types her. */
static struct posted *girl(void)
{
    struct posted *p = calloc(1, sizeof *p);
    assert_non_null(p);
    put(p, "csrf", "token");
    put(p, "intake_date", " 05-03-2026 ");
    put(p, "victim_sex", "F");
    put(p, "victim_age", "15");
    put(p, "violence_types", "");
    put(p, "violence_types/physical", "1");
    put(p, "violence_types/psychological", "1");
    put(p, "victim_name", "Siti <b>");
    put(p, "narrative", "baris satu\nbaris dua");
    put(p, "risk_level", "");
    put(p, "consent_share", "false");
    return p;
}

static const char *const EXTRA[] = {"csrf", NULL};

static void test_valid_case_becomes_changes(void **state)
{
    (void)state;
    struct posted *p = girl();
    struct report_form form;
    struct sae_message why = {{0}};
    assert_int_equal(report_form_read(&form, kind_named("case"), NULL, &p->form, EXTRA, &why), 0);
    assert_int_equal(form.error_count, 0);
    assert_string_equal(change_of(&form, "intake_date")->value, "2026-03-05");
    assert_string_equal(change_of(&form, "violence_types")->value, "physical,psychological");
    assert_string_equal(change_of(&form, "victim_age")->value, "15");
    assert_string_equal(change_of(&form, "victim_name")->value, "Siti <b>");
    assert_string_equal(change_of(&form, "narrative")->value, "baris satu\nbaris dua");
    assert_string_equal(change_of(&form, "consent_share")->value, "false");
    assert_string_equal(change_of(&form, "status")->value, "new"); /* the default */
    assert_null(change_of(&form, "risk_level"));                    /* left empty */
    report_form_free(&form);
    free(p);
}

static void test_each_wrong_field_is_named(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_named("case");
    struct posted *p = calloc(1, sizeof *p);
    struct report_form form;
    struct sae_message why = {{0}};
    assert_non_null(p);
    put(p, "intake_date", "32-13-2026");
    put(p, "victim_age", "lima belas");
    put(p, "perpetrator_count", "0");
    put(p, "victim_sex", "kucing");
    put(p, "residence_village", "Desa Yang Tidak Ada");
    put(p, "victim_name", "ok");
    assert_int_equal(report_form_read(&form, kind, NULL, &p->form, NULL, &why), SAE_EINVAL);
    assert_int_equal(form.count, 0); /* nothing kept */
    assert_int_equal(form.errors[index_of(kind, "intake_date")].problem, REPORT_FORM_BAD_DATE);
    struct report_form_error age = form.errors[index_of(kind, "victim_age")];
    assert_int_equal(age.problem, REPORT_FORM_BAD_NUMBER);
    assert_int_equal(age.low, 0);
    assert_int_equal(age.high, SAE_LIMIT_AGE_MAX);
    assert_int_equal(form.errors[index_of(kind, "perpetrator_count")].problem,
                     REPORT_FORM_BAD_NUMBER);
    assert_int_equal(form.errors[index_of(kind, "victim_sex")].problem, REPORT_FORM_BAD_CHOICE);
    assert_int_equal(form.errors[index_of(kind, "residence_village")].problem,
                     REPORT_FORM_BAD_AREA);
    assert_int_equal(form.errors[index_of(kind, "violence_types")].problem,
                     REPORT_FORM_REQUIRED);
    assert_int_equal(form.errors[index_of(kind, "victim_name")].problem, REPORT_FORM_FINE);
    assert_int_equal(form.errors[index_of(kind, "status")].problem, REPORT_FORM_FINE);
    assert_int_equal(form.error_count, 6);
    report_form_free(&form);
    free(p);
}

static void test_text_at_its_limit_and_one_past(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_named("case");
    const struct sae_field *name = &kind->fields[index_of(kind, "victim_name")];
    for (size_t len = name->max_bytes; len <= name->max_bytes + 1; len++) {
        struct posted *p = girl();
        struct report_form form;
        struct sae_message why = {{0}};
        char *text = malloc(len + 1);
        assert_non_null(text);
        memset(text, 'a', len);
        text[len] = '\0';
        strcpy(p->store[7], text);
        free(text);
        int rc = report_form_read(&form, kind, NULL, &p->form, EXTRA, &why);
        if (len == name->max_bytes) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, SAE_EINVAL);
            struct report_form_error e = form.errors[index_of(kind, "victim_name")];
            assert_int_equal(e.problem, REPORT_FORM_TOO_LONG);
            assert_int_equal(e.high, (long long)name->max_bytes);
        }
        report_form_free(&form);
        free(p);
    }
}

static void test_names_no_form_has_are_refused(void **state)
{
    (void)state;
    static const char *const names[] = {"evil", "registration_number", "case_id",
                                        "violence_type", "violence_types/nope", "csrf"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct posted *p = girl();
        struct report_form form;
        struct sae_message why = {{0}};
        const char *const *extra = i == 5 ? NULL : EXTRA; /* the page's own names too */
        if (i != 5)
            put(p, names[i], "x");
        assert_int_equal(report_form_read(&form, kind_named("case"), NULL, &p->form, extra, &why),
                         SAE_ENOTFOUND);
        assert_non_null(strstr(why.text, names[i]));
        assert_int_equal(form.count, 0);
        report_form_free(&form);
        free(p);
    }
}

static void test_a_box_with_another_value_is_refused(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_named("case");
    struct posted *p = girl();
    struct report_form form;
    struct sae_message why = {{0}};
    strcpy(p->store[5], "yes");
    assert_int_equal(report_form_read(&form, kind, NULL, &p->form, EXTRA, &why), SAE_EINVAL);
    assert_int_equal(form.errors[index_of(kind, "violence_types")].problem,
                     REPORT_FORM_BAD_CHOICE);
    report_form_free(&form);
    free(p);
}

static void test_bytes_that_are_not_text(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_named("case");
    struct posted *p = girl();
    struct report_form form;
    struct sae_message why = {{0}};
    strcpy(p->store[8], "a\xff\xfe");
    assert_int_equal(report_form_read(&form, kind, NULL, &p->form, EXTRA, &why), SAE_EINVAL);
    assert_int_equal(form.errors[index_of(kind, "narrative")].problem, REPORT_FORM_BAD_TEXT);
    report_form_free(&form);
    free(p);
}

static void view_of(struct sae_view *view, const struct sae_kind *kind)
{
    static const char *const stored[][2] = {
        {"status", "active"}, {"intake_date", "2026-03-05"}, {"victim_sex", "F"},
        {"violence_types/sexual", "1"}, {"impacts/physical", "1"}, {"victim_name", "Siti"},
        {"victim_age", "15"}};
    assert_int_equal(sae_view_init(view, kind), 0);
    for (size_t i = 0; i < sizeof stored / sizeof *stored; i++)
        assert_int_equal(sae_view_add(view, stored[i][0], stored[i][1],
                                      (struct sae_version){0}), 0);
    assert_int_equal(sae_view_finish(view), 0);
}

static void test_edit_unsets_emptied_fields_only(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_named("case");
    struct sae_view before;
    struct posted *p = calloc(1, sizeof *p);
    struct report_form form;
    struct sae_message why = {{0}};
    assert_non_null(p);
    view_of(&before, kind);
    put(p, "victim_name", "");       /* emptied: unset */
    put(p, "victim_age", "16");      /* changed */
    put(p, "risk_level", "");        /* empty before and after: nothing */
    put(p, "impacts", "");           /* every box cleared: unset */
    assert_int_equal(report_form_read(&form, kind, &before, &p->form, NULL, &why), 0);
    assert_int_equal(form.count, 3);
    assert_int_equal(change_of(&form, "victim_name")->op, SAE_EDIT_UNSET);
    assert_null(change_of(&form, "victim_name")->value);
    assert_string_equal(change_of(&form, "victim_age")->value, "16");
    assert_int_equal(change_of(&form, "impacts")->op, SAE_EDIT_UNSET);
    assert_null(change_of(&form, "status")); /* not on this post: left alone */
    report_form_free(&form);

    p->form.count = 0;
    put(p, "intake_date", "");       /* required: refused */
    put(p, "violence_types", "");    /* a required set emptied: refused */
    assert_int_equal(report_form_read(&form, kind, &before, &p->form, NULL, &why), SAE_EINVAL);
    assert_int_equal(form.errors[index_of(kind, "intake_date")].problem, REPORT_FORM_REQUIRED);
    assert_int_equal(form.errors[index_of(kind, "violence_types")].problem,
                     REPORT_FORM_REQUIRED);
    assert_int_equal(form.count, 0);
    report_form_free(&form);
    sae_view_free(&before);
    free(p);
}

static void test_service_needs_its_fields_but_not_its_case(void **state)
{
    (void)state;
    const struct sae_kind *kind = kind_named("service");
    struct posted *p = calloc(1, sizeof *p);
    struct report_form form;
    struct sae_message why = {{0}};
    assert_non_null(p);
    assert_int_equal(report_form_read(&form, kind, NULL, &p->form, NULL, &why), SAE_EINVAL);
    assert_int_equal(form.errors[index_of(kind, "service_type")].problem, REPORT_FORM_REQUIRED);
    assert_int_equal(form.errors[index_of(kind, "case_id")].problem, REPORT_FORM_FINE);
    report_form_free(&form);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_case_becomes_changes),
        cmocka_unit_test(test_each_wrong_field_is_named),
        cmocka_unit_test(test_text_at_its_limit_and_one_past),
        cmocka_unit_test(test_names_no_form_has_are_refused),
        cmocka_unit_test(test_a_box_with_another_value_is_refused),
        cmocka_unit_test(test_bytes_that_are_not_text),
        cmocka_unit_test(test_edit_unsets_emptied_fields_only),
        cmocka_unit_test(test_service_needs_its_fields_but_not_its_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
