/* node/app/case_write.h and case_show.h on a real node directory: a case, a service, a
 * shelter stay with its extension and a referral written from posted forms by the signed-in
 * staff member; a form with a wrong field, a rule refused across fields, an event of a case
 * that is not there, an author name that cannot be one: each writes nothing (the journal's
 * row count is unchanged); the case file's fields and history as people read them, and a
 * rule's refusal in the page's language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "app/case_show.h"
#include "app/case_write.h"
#include "store/case_events.h"
#include "unit_support.h"

struct posted {
    struct web_form form;
    char store[WEB_FORM_FIELDS_MAX][256];
};

static struct posted *post_of(const char *const *pairs)
{
    struct posted *p = calloc(1, sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; pairs[i]; i += 2) {
        unsigned n = p->form.count++;
        strcpy(p->form.fields[n].name, pairs[i]);
        strcpy(p->store[n], pairs[i + 1]);
        p->form.fields[n].value = p->store[n];
        p->form.fields[n].value_len = strlen(pairs[i + 1]);
    }
    return p;
}

static int64_t journal_rows(struct node_store *store)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(store->db, "SELECT count(*) FROM journal", -1, &stmt,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static const char *const GIRL[] = {
    "csrf", "t", "intake_date", "05-03-2026", "victim_sex", "Perempuan", "victim_age", "15",
    "violence_types/physical", "1", "violence_types/sexual", "1", "victim_name", "Siti A.",
    NULL};

static int add(struct node_store *store, const char *staff, const char *kind,
               const char *case_id, const char *const *pairs, char id[SAE_ID_TEXT_LEN + 1],
               struct report_form *form, struct sae_message *why)
{
    struct posted *p = post_of(pairs);
    int rc = case_write_add(store, staff, unit_kind(kind), case_id, &p->form, form, id, why);
    report_form_free(form);
    free(p);
    return rc;
}

static void test_a_case_and_its_events(void **state)
{
    struct unit_fixture *f = *state;
    struct report_form form;
    struct sae_message why = {{0}};
    char id[SAE_ID_TEXT_LEN + 1], stay[SAE_ID_TEXT_LEN + 1], ev[SAE_ID_TEXT_LEN + 1];
    static const char *const accompaniment[] = {"service_type", "psychosocial_accompaniment",
                                                "service_date", "06-03-2026", NULL};
    static const char *const shelter[] = {"admission_date", "06-03-2026", NULL};
    static const char *const referral[] = {"referred_to", "uptd_ppa", "referral_date",
                                           "07-03-2026", NULL};
    assert_int_equal(add(f->store, "Rina", "case", NULL, GIRL, id, &form, &why), 0);
    assert_int_equal(add(f->store, "Rina", "service", id, accompaniment, ev, &form, &why), 0);
    assert_int_equal(add(f->store, "Rina", "shelter_stay", id, shelter, stay, &form, &why), 0);
    assert_int_equal(add(f->store, "Rina", "referral", id, referral, ev, &form, &why), 0);

    /* an extension needs its reason: refused whole, then written with it */
    int64_t before = journal_rows(f->store);
    static const char *const extend[] = {"planned_end_date", "20-03-2026", NULL};
    static const char *const extend_why[] = {"planned_end_date", "20-03-2026",
                                             "extension_reason", "sidang belum selesai", NULL};
    struct posted *p = post_of(extend);
    size_t applied = 0;
    assert_int_equal(case_write_edit(f->store, "Rina", stay, &p->form, &form, &applied, &why),
                     SAE_EINVAL);
    char words[SAE_MESSAGE_BYTES]; /* the command line's hint is left out */
    assert_string_equal(case_show_refusal(MSG_LANG_EN, why.text, words, sizeof words),
                        "An extension needs its reason.");
    assert_string_equal(case_show_refusal(MSG_LANG_ID, "no rule here", words, sizeof words),
                        "No rule here.");
    report_form_free(&form);
    free(p);
    assert_int_equal(journal_rows(f->store), before);
    p = post_of(extend_why);
    assert_int_equal(case_write_edit(f->store, "Rina", stay, &p->form, &form, &applied, &why), 0);
    assert_int_equal(applied, 2);
    report_form_free(&form);
    free(p);

    /* the case file: its events, its fields as people read them, who wrote them */
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    struct case_show ctx;
    assert_int_equal(case_show_init(&ctx, f->store, MSG_LANG_ID), 0);
    struct html h;
    uint8_t *page = NULL;
    size_t len = 0;
    html_init(&h);
    assert_int_equal(case_show_fields(&h, &ctx, report, NULL, "case"), 0);
    assert_int_equal(case_show_history(&h, &ctx, report, "history"), 0);
    assert_int_equal(html_finish(&h, &page, &len), 0);
    char *text = realloc(page, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    assert_non_null(strstr(text, "<dd id=\"case-intake_date\"><span class=\"value\">05-03-2026"));
    assert_non_null(strstr(text, "Fisik, Seksual"));
    assert_non_null(strstr(text, ">Perempuan<"));
    assert_non_null(strstr(text, "<td>Rina, "));
    assert_null(strstr(text, "mark district")); /* nothing from the district yet */
    free(text);
    report_free(report);
}

static int count_event(const struct report *report, void *context)
{
    (void)report;
    (*(int *)context)++;
    return 0;
}

static void test_nothing_written_when_refused(void **state)
{
    struct unit_fixture *f = *state;
    struct report_form form;
    struct sae_message why = {{0}};
    char id[SAE_ID_TEXT_LEN + 1], other[SAE_ID_TEXT_LEN + 1];
    assert_int_equal(add(f->store, "Rina", "case", NULL, GIRL, id, &form, &why), 0);
    int64_t before = journal_rows(f->store);
    static const char *const wrong_age[] = {"intake_date", "05-03-2026", "victim_sex", "F",
                                            "victim_age", "200", "violence_types/physical", "1",
                                            NULL};
    static const char *const after_intake[] = {"intake_date", "05-03-2026", "incident_date",
                                               "06-03-2026", "victim_sex", "F",
                                               "violence_types/physical", "1", NULL};
    static const char *const unknown[] = {"intake_date", "05-03-2026", "evil", "1", NULL};
    static const char *const service[] = {"service_type", "counselling", "service_date",
                                          "06-03-2026", NULL};
    assert_int_equal(add(f->store, "Rina", "case", NULL, wrong_age, other, &form, &why),
                     SAE_EINVAL);
    assert_int_equal(add(f->store, "Rina", "case", NULL, after_intake, other, &form, &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "incident_date"));
    char words[SAE_MESSAGE_BYTES];
    assert_string_equal(case_show_refusal(MSG_LANG_ID, why.text, words, sizeof words),
                        "Tanggal kejadian tidak boleh setelah tanggal pengaduan.");
    assert_string_equal(case_show_refusal(MSG_LANG_EN, why.text, words, sizeof words),
                        "The incident cannot be after the intake.");
    assert_int_equal(add(f->store, "Rina", "case", NULL, unknown, other, &form, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(add(f->store, "Rina", "service", "00000000-0000-4000-8000-000000000000",
                         service, other, &form, &why), SAE_ENOTFOUND);
    assert_int_equal(add(f->store, "Rina\nx", "case", NULL, GIRL, other, &form, &why),
                     SAE_EINVAL);
    assert_int_equal(journal_rows(f->store), before);
    int events = 0;
    assert_int_equal(case_events_list(f->store, id, count_event, &events), 0);
    assert_int_equal(events, 0);
}

/* Whether SQLite reads the index of shown values to find a field's reports by a value. */
static bool found_by_index(struct node_store *store, const char *field)
{
    char sql[256];
    sqlite3_stmt *stmt = NULL;
    snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN SELECT report_id FROM field_shown"
             " WHERE field = '%s' AND value = ?1", field);
    assert_int_equal(sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    bool found = strstr((const char *)sqlite3_column_text(stmt, 3), "field_shown_by_value");
    sqlite3_finalize(stmt);
    return found;
}

/* A case file finds its events through the index of shown values (migration 9), not by
 * reading every field of the post; so do the case list, Beranda and a registration number,
 * each by its fields. The index keeps those fields alone (migration 15): a field no query
 * finds by value is not in it. */
static void test_events_of_a_case_by_index(void **state)
{
    struct unit_fixture *f = *state;
    static const char *const searched[] = {
        "_deleted", "status", "risk_level", "intake_date", "registration_number", "victim_name",
        "narrative", "case_id", "service_date", "planned_end_date", "referral_status"};
    for (size_t i = 0; i < sizeof searched / sizeof searched[0]; i++)
        assert_true(found_by_index(f->store, searched[i]));
    assert_false(found_by_index(f->store, "victim_age"));
    assert_false(found_by_index(f->store, "location_type"));
}

/* The case pages' form bound is the catalogue's largest form (one name a field, a set's box
 * per element besides its marker) and the page's own names, and fits what a form may hold. */
static void test_the_form_bound_is_the_largest_forms(void **state)
{
    (void)state;
    size_t most = 0, page = 0;
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        size_t names = 0;
        for (size_t i = 0; i < kind->field_count; i++)
            if (report_form_has_field(&kind->fields[i]))
                names += kind->fields[i].type == SAE_FIELD_SET
                             ? 1 + kind->fields[i].value_count : 1;
        assert_int_equal(report_form_name_count(kind), names);
        most = names > most ? names : most;
    }
    while (CASE_WRITE_PAGE_FIELDS[page])
        page++;
    assert_int_equal(case_write_fields_max(), most + page);
    assert_true(case_write_fields_max() <= WEB_FORM_FIELDS_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_case_and_its_events, unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_nothing_written_when_refused, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_events_of_a_case_by_index, unit_setup,
                                        unit_teardown),
        cmocka_unit_test(test_the_form_bound_is_the_largest_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
