/* The hub's sealed copies of sensitive values on a real hub.db (hub/store/sealed_values.c):
 * a copy per holder, replaced in place; a missing copy is told apart; a resolution's change
 * takes every copy of its candidate; erasing a report deletes its copies and no other's;
 * bad sizes are refused and change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "merge_support.h"
#include "sae/sae_sealed.h"
#include "store/sealed_values.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"

static void put(struct hub_fixture *f, int64_t change, uint64_t holder, const char *bytes)
{
    assert_int_equal(sealed_values_put(f->store, change, holder, (const uint8_t *)bytes,
                                       strlen(bytes)),
                     0);
}

static void expect(struct hub_fixture *f, int64_t change, uint64_t holder, const char *bytes)
{
    uint8_t *got = NULL;
    size_t len = 0;
    int rc = sealed_values_get(f->store, change, holder, &got, &len);
    if (!bytes) {
        assert_int_equal(rc, SAE_ENOTFOUND);
        assert_null(got);
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(len, strlen(bytes));
    assert_memory_equal(got, bytes, len);
    free(got);
}

static void test_copies_per_holder(void **state)
{
    struct hub_fixture *f = *state;
    put(f, 7, SEALED_VALUE_DISTRICT, "to-district");
    put(f, 7, 41, "to-device-41");
    expect(f, 7, SEALED_VALUE_DISTRICT, "to-district");
    expect(f, 7, 41, "to-device-41");
    expect(f, 7, 42, NULL);
    expect(f, 8, SEALED_VALUE_DISTRICT, NULL);
    put(f, 7, 41, "again");
    expect(f, 7, 41, "again");
    assert_int_equal(hub_count(f, "SELECT count(*) FROM sealed_value"), 2);
}

static void test_bad_sizes_change_nothing(void **state)
{
    struct hub_fixture *f = *state;
    static uint8_t big[SAE_SEALED_MAX_BYTES + 1];
    assert_int_equal(sealed_values_put(f->store, 1, 0, big, 0), SAE_EINVAL);
    assert_int_equal(sealed_values_put(f->store, 1, 0, NULL, 5), SAE_EINVAL);
    assert_int_equal(sealed_values_put(f->store, 1, 0, big, sizeof big), SAE_EINVAL);
    assert_int_equal(sealed_values_put(f->store, 1, 0, big, sizeof big - 1), 0); /* the edge */
    assert_int_equal(hub_count(f, "SELECT count(*) FROM sealed_value"), 1);
}

static void test_copy_and_erase(void **state)
{
    struct hub_fixture *f = *state;
    static const struct test_change changes[] = {
        {0, R1, "case", "status", "new", MS(0), -1, 0, 0},
        {0, R2, "case", "status", "new", MS(1), -1, 0, 0},
    };
    deliver(f, changes, 2);
    int64_t r1 = hub_count(f, "SELECT seq FROM change WHERE report_id = '" R1 "'");
    int64_t r2 = hub_count(f, "SELECT seq FROM change WHERE report_id = '" R2 "'");
    put(f, r1, SEALED_VALUE_DISTRICT, "r1-district");
    put(f, r1, 41, "r1-device");
    put(f, r2, SEALED_VALUE_DISTRICT, "r2-district");
    assert_int_equal(sealed_values_copy(f->store, r1, 999), 0);
    expect(f, 999, SEALED_VALUE_DISTRICT, "r1-district");
    expect(f, 999, 41, "r1-device");
    int64_t deleted = -1;
    assert_int_equal(sealed_values_erase_report(f->store, R1, &deleted), 0);
    assert_int_equal(deleted, 2);
    expect(f, r1, SEALED_VALUE_DISTRICT, NULL);
    expect(f, r2, SEALED_VALUE_DISTRICT, "r2-district");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copies_per_holder, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_bad_sizes_change_nothing, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_copy_and_erase, hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
