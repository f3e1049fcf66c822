/* node/app/report_form_html.h: the case form generated from the catalogue: every field of
 * the form by the name report_form_read reads, the required marks, few choices as radio
 * buttons and many as a list with Indonesian labels (English on the switch), sets as boxes
 * with their marker, consents with their explanation, dates as staff write them; a form
 * sent back keeps what was typed, escaped, with the problem beside the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/report_form_html.h"

static const struct sae_kind *case_kind(void)
{
    const struct sae_kind *kind = NULL;
    assert_int_equal(sae_catalogue_find_kind("case", &kind), 0);
    return kind;
}

static char *render(const struct report_form_layout *layout)
{
    struct html h;
    uint8_t *page = NULL;
    size_t len = 0;
    html_init(&h);
    assert_int_equal(report_form_html(&h, layout), 0);
    assert_int_equal(html_finish(&h, &page, &len), 0);
    char *text = realloc(page, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    return text;
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static bool has(const char *text, const char *needle)
{
    return strstr(text, needle) != NULL;
}

static void test_every_field_of_the_form_is_there(void **state)
{
    (void)state;
    const struct sae_kind *kind = case_kind();
    struct report_form_layout layout = {.kind = kind, .lang = MSG_LANG_ID, .id_prefix = "f"};
    char *page = render(&layout);
    size_t required = 0;
    char needle[128];
    for (size_t i = 0; i < kind->field_count; i++) {
        const struct sae_field *field = &kind->fields[i];
        snprintf(needle, sizeof needle, "name=\"%s\"", field->name);
        assert_int_equal(has(page, needle), report_form_has_field(field));
        required += report_form_has_field(field) && field->required;
    }
    assert_int_equal(occurrences(page, "(wajib)"), required);
    assert_true(has(page, "name=\"violence_types/sexual\" value=\"1\""));
    assert_true(has(page, "<input type=\"hidden\" name=\"violence_types\" value=\"\">"));
    /* few choices: radio buttons; many: a list with Indonesian labels */
    assert_true(has(page, "type=\"radio\" name=\"victim_sex\" value=\"F\""));
    assert_true(has(page, "<select id=\"f-perpetrator_relation\" name=\"perpetrator_relation\""));
    assert_true(has(page, ">Orang tua tiri / angkat</option>"));
    /* a consent: yes, no, not filled in, and what it means */
    assert_true(has(page, "type=\"radio\" name=\"consent_share\" value=\"true\""));
    assert_true(has(page, "Korban setuju nama, kontak, kronologi dan catatan dibagikan"));
    assert_true(has(page, "placeholder=\"HH-BB-TTTT\""));
    /* a narrative as long as a form field carries; a name as long as the catalogue allows */
    assert_true(has(page, "<textarea id=\"f-narrative\" name=\"narrative\" "
                          "maxlength=\"4095\">"));
    assert_true(has(page, "name=\"victim_name\" type=\"text\" value=\"\" maxlength=\"200\">"));
    /* the default stands checked on a new form */
    assert_true(has(page, "name=\"status\" value=\"new\" id=\"f-status-new\" checked"));
    assert_false(has(page, "registration_number"));
    free(page);
}

static void test_english_on_the_switch(void **state)
{
    (void)state;
    struct report_form_layout layout = {.kind = case_kind(), .lang = MSG_LANG_EN,
                                        .id_prefix = "f"};
    char *page = render(&layout);
    assert_true(has(page, "Types of violence"));
    assert_true(has(page, "(required)"));
    assert_true(has(page, "placeholder=\"DD-MM-YYYY\""));
    assert_false(has(page, "(wajib)"));
    free(page);
}

static void put(struct web_form *form, char store[][128], const char *name, const char *value)
{
    unsigned i = form->count++;
    strcpy(form->fields[i].name, name);
    strcpy(store[i], value);
    form->fields[i].value = store[i];
    form->fields[i].value_len = strlen(value);
}

static void test_sent_back_with_problems_beside_the_fields(void **state)
{
    (void)state;
    const struct sae_kind *kind = case_kind();
    static struct web_form posted;
    static char store[8][128];
    struct report_form form;
    struct sae_message why = {{0}};
    memset(&posted, 0, sizeof posted);
    put(&posted, store, "victim_age", "lima belas");
    put(&posted, store, "victim_name", "<script>alert(1)</script>");
    put(&posted, store, "violence_types/sexual", "1");
    put(&posted, store, "intake_date", "31-02-2026");
    assert_int_equal(report_form_read(&form, kind, NULL, &posted, NULL, &why), SAE_EINVAL);
    struct report_form_layout layout = {.kind = kind, .lang = MSG_LANG_ID, .id_prefix = "f",
                                        .shown = {.posted = &posted}, .errors = form.errors};
    char *page = render(&layout);
    assert_true(has(page, "value=\"lima belas\""));
    assert_true(has(page, "<p class=\"error\" id=\"f-victim_age-error\">Isi angka bulat dari 0 "
                          "sampai 120.</p>"));
    assert_true(has(page, "aria-describedby=\"f-victim_age-error\" aria-invalid=\"true\""));
    assert_true(has(page, "value=\"31-02-2026\""));
    /* the first wrong field, in the form's order, takes the focus (the browser scrolls to it) */
    assert_int_equal(occurrences(page, "autofocus"), 1);
    assert_true(has(page, "<input id=\"f-intake_date\" name=\"intake_date\" autofocus"));
    assert_true(has(page, "Tanggal tidak dikenali"));
    assert_true(has(page, "id=\"f-victim_sex-error\">Wajib diisi.</p>"));
    assert_true(has(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_false(has(page, "<script>"));
    assert_true(has(page, "name=\"violence_types/sexual\" value=\"1\" "
                          "id=\"f-violence_types-sexual\" checked"));
    assert_false(has(page, "id=\"f-violence_types-physical\" checked"));
    free(page);
    report_form_free(&form);
}

static void test_stored_values_as_staff_write_them(void **state)
{
    (void)state;
    const struct sae_kind *kind = case_kind();
    static const char *const only[] = {"intake_date", "violence_types", NULL};
    struct sae_view view;
    assert_int_equal(sae_view_init(&view, kind), 0);
    assert_int_equal(sae_view_add(&view, "intake_date", "2026-03-05", (struct sae_version){0}), 0);
    assert_int_equal(sae_view_add(&view, "violence_types/neglect", "1", (struct sae_version){0}),
                     0);
    assert_int_equal(sae_view_finish(&view), 0);
    struct report_form_layout layout = {.kind = kind, .lang = MSG_LANG_ID, .id_prefix = "e",
                                        .only = only, .shown = {.stored = &view}};
    char *page = render(&layout);
    assert_true(has(page, "value=\"05-03-2026\""));
    assert_true(has(page, "id=\"e-violence_types-neglect\" checked"));
    assert_false(has(page, "victim_name")); /* only what was asked for */
    free(page);
    sae_view_free(&view);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_of_the_form_is_there),
        cmocka_unit_test(test_english_on_the_switch),
        cmocka_unit_test(test_sent_back_with_problems_beside_the_fields),
        cmocka_unit_test(test_stored_values_as_staff_write_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
