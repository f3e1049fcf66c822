/* web/app/route.h's matching over an application's own rows (a struct web_route first,
 * then the application's members): the exact path, HEAD answered by GET, a known path with
 * another method told apart from an unknown path. Forms are proven over real HTTPS by the
 * console's e2e tests (test_console_case_pages.py, test_console_district.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/route.h"

struct row {
    struct web_route at;
    int right;
    const char *name;
};

static const char *const FIELDS[] = {"id", NULL};

static const struct row ROWS[] = {
    {WEB_ROUTE_GET("/a"), 1, "a"},
    {WEB_ROUTE_GET("/b"), 2, "b read"},
    {WEB_ROUTE_FORM("/b", FIELDS), 3, "b write"},
    {WEB_ROUTE_FORM("/c", FIELDS), 4, "c"},
};

#define ROW_COUNT (sizeof ROWS / sizeof ROWS[0])

static enum web_route_match find(const char *method, const char *path, size_t *row)
{
    return web_route_find(ROWS, ROW_COUNT, sizeof ROWS[0], method, path, row);
}

static void test_exact_path_and_method(void **state)
{
    (void)state;
    size_t row = 99;
    assert_int_equal(find("GET", "/b", &row), WEB_ROUTE_FOUND);
    assert_string_equal(ROWS[row].name, "b read");
    assert_int_equal(find("POST", "/b", &row), WEB_ROUTE_FOUND);
    assert_string_equal(ROWS[row].name, "b write");
    assert_int_equal(ROWS[row].right, 3);
    assert_int_equal(find("GET", "/a", &row), WEB_ROUTE_FOUND);
    assert_int_equal(row, 0);
}

static void test_head_is_answered_by_get(void **state)
{
    (void)state;
    size_t row = 99;
    assert_int_equal(find("HEAD", "/a", &row), WEB_ROUTE_FOUND);
    assert_int_equal(row, 0);
    assert_int_equal(find("HEAD", "/c", &row), WEB_ROUTE_METHOD);
}

static void test_other_method_or_unknown_path(void **state)
{
    (void)state;
    size_t row = 99;
    assert_int_equal(find("POST", "/a", &row), WEB_ROUTE_METHOD);
    assert_int_equal(find("GET", "/c", &row), WEB_ROUTE_METHOD);
    assert_int_equal(find("DELETE", "/b", &row), WEB_ROUTE_METHOD);
    assert_int_equal(find("GET", "/a/", &row), WEB_ROUTE_NONE);
    assert_int_equal(find("GET", "/", &row), WEB_ROUTE_NONE);
    assert_int_equal(find("GET", "", &row), WEB_ROUTE_NONE);
    assert_int_equal(row, 99); /* untouched unless found */
    assert_int_equal(web_route_find(ROWS, 0, sizeof ROWS[0], "GET", "/a", &row),
                     WEB_ROUTE_NONE);
}

/* 405 names the methods the path has, GET with HEAD; an unknown path is 404, Allow unset. */
static void test_refusal_names_the_paths_methods(void **state)
{
    (void)state;
    struct http_response resp = {0};
    assert_int_equal(web_route_refusal(ROWS, ROW_COUNT, sizeof ROWS[0], "/a", &resp), 405);
    assert_string_equal(resp.allow, "GET, HEAD");
    assert_int_equal(web_route_refusal(ROWS, ROW_COUNT, sizeof ROWS[0], "/b", &resp), 405);
    assert_string_equal(resp.allow, "GET, HEAD, POST");
    assert_int_equal(web_route_refusal(ROWS, ROW_COUNT, sizeof ROWS[0], "/c", &resp), 405);
    assert_string_equal(resp.allow, "POST");
    resp.allow = NULL;
    assert_int_equal(web_route_refusal(ROWS, ROW_COUNT, sizeof ROWS[0], "/d", &resp), 404);
    assert_null(resp.allow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_path_and_method),
        cmocka_unit_test(test_refusal_names_the_paths_methods),
        cmocka_unit_test(test_head_is_answered_by_get),
        cmocka_unit_test(test_other_method_or_unknown_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
