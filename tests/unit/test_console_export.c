/* The console's exports on a real hub.db built by case_world: the de-identified variant
 * holds no name, contact, narrative, note or other free text and no day of a date; the full
 * one is refused to a caller whose role does not allow it; whatever leaves the district
 * holds no sensitive value of a case (or its events) whose survivor did not consent to
 * share; the CSV opens with a BOM, the JSON is one array; the filters are the list's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case_world_fixture.h"
#include "render/render_export.h"

#define NOW_MS INT64_C(1795958400000)

static const struct case_world_options world_options = {
    .seed = 31, .cases = 150, .posts = 6, .conflicts = 0, .batch = 2000, .now_ms = NOW_MS};

static int setup(void **state)
{
    return case_world_fixture_new(state, &world_options);
}

struct output {
    char *text;
    size_t len, count;
    int rc;
};

static struct output run_export(struct case_world_fixture *f, const struct hub_export_request *request)
{
    struct output o = {0};
    FILE *out = open_memstream(&o.text, &o.len);
    assert_non_null(out);
    o.rc = hub_export_write(f->world.store, out, request, &o.count, NULL);
    assert_int_equal(fclose(out), 0);
    return o;
}

static struct hub_list_query cases(void)
{
    return (struct hub_list_query){.kind = "case", .has_conflict = -1, .limit = 1};
}

static size_t lines_of(const char *text)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
        n++;
    return n;
}

static void test_deidentified_csv_holds_nothing_that_names(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query filter = cases();
    struct hub_export_request request = {.filter = &filter, .csv = true};
    struct output o = run_export(f, &request);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.count, world_options.cases);
    assert_memory_equal(o.text, HUB_CSV_BOM, 3);
    assert_int_equal(lines_of(o.text), world_options.cases + 1);
    const char *header_end = strstr(o.text, "\r\n");
    char header[4096];
    snprintf(header, sizeof header, "%.*s", (int)(header_end - o.text), o.text);
    assert_non_null(strstr(header, "registration_number"));
    assert_non_null(strstr(header, "intake_date"));
    static const char *const gone[] = {"victim_name", "victim_contact", "narrative"};
    for (size_t i = 0; i < 3; i++)
        assert_null(strstr(header, gone[i]));
    for (size_t i = 0; i < world_options.cases; i++) {
        struct case_world_case c;
        case_world_case(&world_options, i, &c);
        assert_null(strstr(o.text, c.victim_name));
        assert_null(strstr(o.text, c.intake_date)); /* the day never, the month only */
        char month[8];
        snprintf(month, sizeof month, "%.7s", c.intake_date);
        assert_non_null(strstr(o.text, month));
        assert_non_null(strstr(o.text, c.registration));
    }
    assert_null(strstr(o.text, "08123456789"));
    free(o.text);
    /* Services: no provider (free text), no notes. */
    filter.kind = "service";
    o = run_export(f, &request);
    assert_int_equal(o.count, f->world.services);
    assert_null(strstr(o.text, "Konselor Pos"));
    assert_null(strstr(o.text, "penguatan"));
    free(o.text);
}

static void test_full_needs_the_role(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query filter = cases();
    struct hub_export_request request = {.filter = &filter, .csv = true,
                                         .variant = HUB_EXPORT_FULL};
    struct output o = run_export(f, &request);
    assert_int_equal(o.rc, SAE_EPERM);
    assert_int_equal(o.len, 0);
    free(o.text);
    request.may_export_full = true;
    o = run_export(f, &request);
    assert_int_equal(o.rc, 0);
    struct case_world_case c;
    case_world_case(&world_options, 9, &c);
    assert_non_null(strstr(o.text, c.victim_name));
    assert_non_null(strstr(o.text, c.intake_date));
    free(o.text);
}

static void test_no_consent_no_sensitive_value_leaves(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query filter = {.has_conflict = -1, .limit = 1}; /* every kind */
    struct hub_export_request request = {.filter = &filter, .variant = HUB_EXPORT_FULL,
                                         .may_export_full = true};
    struct output o = run_export(f, &request);
    assert_int_equal(o.rc, 0);
    json_error_t error;
    json_t *all = json_loadb(o.text, o.len, 0, &error);
    assert_non_null(all);
    assert_int_equal(json_array_size(all), o.count);
    size_t shared = 0, withheld = 0;
    for (size_t i = 0; i < world_options.cases; i++) {
        struct case_world_case c;
        case_world_case(&world_options, i, &c);
        bool share = c.consent_share && strcmp(c.consent_share, "true") == 0;
        bool found = strstr(o.text, c.victim_name) != NULL;
        /* Names repeat between cases: a withheld one may still appear through another. */
        if (share)
            assert_true(found);
        shared += share;
        withheld += !share;
    }
    assert_true(shared > 0 && withheld > 0);
    size_t index;
    json_t *report;
    json_array_foreach(all, index, report) {
        json_t *fields = json_object_get(report, "fields");
        const char *kind = json_string_value(json_object_get(report, "kind"));
        json_t *consent = json_object_get(fields, "consent_share");
        json_t *name = json_object_get(fields, "victim_name");
        if (strcmp(kind, "case") == 0 && !json_is_true(consent) && name) {
            /* withheld visibly, never silently empty */
            assert_string_equal(json_string_value(name), HUB_NO_CONSENT_MARK);
            assert_non_null(json_object_get(fields, "intake_date")); /* not sensitive */
        }
    }
    json_decref(all);
    free(o.text);
}

static void test_filters_are_the_lists(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query filter = cases();
    struct hub_list_page page;
    filter.risk = "high";
    filter.limit = 50;
    assert_int_equal(hub_case_list(f->world.store, &filter, &page, NULL), 0);
    struct hub_export_request request = {.filter = &filter};
    struct output o = run_export(f, &request);
    assert_int_equal(o.rc, 0);
    assert_int_equal((int64_t)o.count, page.total);
    hub_list_page_free(&page);
    json_t *all = json_loadb(o.text, o.len, 0, NULL);
    size_t index;
    json_t *report;
    json_array_foreach(all, index, report) {
        json_t *fields = json_object_get(report, "fields");
        assert_string_equal(json_string_value(json_object_get(fields, "risk_level")), "high");
        assert_int_equal(strlen(json_string_value(json_object_get(fields, "intake_date"))), 7);
    }
    json_decref(all);
    free(o.text);
    filter.risk = "enormous";
    o = run_export(f, &request);
    assert_int_equal(o.rc, SAE_EINVAL);
    assert_int_equal(o.len, 0);
    free(o.text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, case_world_fixture_free)
    const struct CMUnitTest tests[] = {
        T(test_deidentified_csv_holds_nothing_that_names),
        T(test_full_needs_the_role),
        T(test_no_consent_no_sensitive_value_leaves),
        T(test_filters_are_the_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
