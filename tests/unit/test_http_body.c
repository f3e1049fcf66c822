/* tests/support/http_body.h, the one answer collector of the tests' and benchmarks' libcurl
 * clients: an answer of exactly its bound is kept whole, one byte more stops the transfer
 * (curl's write callback answers 0) and says so, and clearing keeps the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http_body.h"

#define BOUND 10000u

static char chunk[BOUND + 1];

static void test_bound_kept_whole(void **state)
{
    (void)state;
    struct http_body b = {.max = BOUND};
    memset(chunk, 'a', sizeof chunk);
    assert_int_equal(http_body_write(chunk, 1, 4000, &b), 4000);
    assert_int_equal(http_body_write(chunk, 2, 3000, &b), 6000); /* size * count bytes */
    assert_int_equal(b.len, BOUND);
    assert_false(b.overflow);
    assert_int_equal(strlen(b.bytes), BOUND); /* NUL-terminated */
    http_body_free(&b);
}

static void test_bound_plus_one_stops(void **state)
{
    (void)state;
    struct http_body b = {.max = BOUND};
    assert_int_equal(http_body_write(chunk, 1, BOUND - 1, &b), BOUND - 1);
    assert_int_equal(http_body_write(chunk, 1, 2, &b), 0);
    assert_true(b.overflow);
    assert_int_equal(b.len, BOUND - 1); /* what came before the bound stays */
    assert_int_equal(http_body_write(chunk, 1, 1, &b), 0); /* and it stays stopped */
    http_body_free(&b);
}

static void test_clear_keeps_the_bound(void **state)
{
    (void)state;
    struct http_body b = {.max = BOUND};
    assert_int_equal(http_body_write(chunk, 1, BOUND + 1, &b), 0);
    http_body_clear(&b);
    assert_false(b.overflow);
    assert_int_equal(http_body_write(chunk, 1, 3, &b), 3);
    assert_string_equal(b.bytes, "aaa");
    http_body_free(&b);
    assert_null(b.bytes);
    assert_int_equal(b.max, BOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_kept_whole),
        cmocka_unit_test(test_bound_plus_one_stops),
        cmocka_unit_test(test_clear_keeps_the_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
