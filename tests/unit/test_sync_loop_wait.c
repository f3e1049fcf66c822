/* The sync loop's wait once a local change is seen (node/sync/sync_loop.c): the change is
 * sent SYNC_LOOP_CHANGE_DELAY_S after it is seen, to be joined by the next ones, but a change
 * never puts the planned round off: `run --interval 1` still rounds every second (the README:
 * "a round every --interval seconds and about 5 s after a local change"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sync/sync_loop.h"

static void test_a_change_brings_a_long_wait_forward(void **state)
{
    (void)state;
    assert_int_equal(sync_loop_wait_after_change(300, 10000), 10 + SYNC_LOOP_CHANGE_DELAY_S);
    assert_int_equal(sync_loop_wait_after_change(300, 0), SYNC_LOOP_CHANGE_DELAY_S);
}

static void test_a_change_never_puts_the_round_off(void **state)
{
    (void)state;
    assert_int_equal(sync_loop_wait_after_change(1, 0), 1);
    assert_int_equal(sync_loop_wait_after_change(SYNC_LOOP_CHANGE_DELAY_S, 0),
                     SYNC_LOOP_CHANGE_DELAY_S);
    assert_int_equal(sync_loop_wait_after_change(300, 298000), 300);
    assert_int_equal(sync_loop_wait_after_change(300, 295000), 300);
    assert_int_equal(sync_loop_wait_after_change(300, 294000), 299);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_change_brings_a_long_wait_forward),
        cmocka_unit_test(test_a_change_never_puts_the_round_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
