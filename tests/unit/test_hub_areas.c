/* The hub's area labels (store/hub_areas.h): what every page and command shows for a
 * village or kecamatan code, on the built-in list and on a province's list imported on top
 * of it (Jawa Timur's 8,500 villages: the Posts page labels one per device, and loading the
 * whole list for each label cost minutes a page at that size; bench_hub_day measured it). */
#include "merge_support.h"

#include "bench_province.h"
#include "store/hub_areas.h"

static void assert_label(struct hub_store *store, const char *code, const char *expected)
{
    char label[SAE_AREA_LABEL_BYTES];
    memset(label, 'x', sizeof label);
    hub_areas_label(store, code, label);
    assert_string_equal(label, expected);
}

static void test_builtin_labels(void **state)
{
    struct hub_fixture *f = *state;
    assert_label(f->store, "35.13.12.2018", "Sumberanyar (Paiton)");
    assert_label(f->store, "35.13.12", "Paiton (KABUPATEN PROBOLINGGO)");
    assert_label(f->store, "35.13", "KABUPATEN PROBOLINGGO");
}

static void test_unknown_code_is_its_own_label(void **state)
{
    struct hub_fixture *f = *state;
    assert_label(f->store, "35.13.99.2999", "35.13.99.2999");
    assert_label(f->store, "Desa Lama", "Desa Lama");
    assert_label(f->store, "", "");
}

static void test_province_labels(void **state)
{
    struct hub_fixture *f = *state;
    struct bp_province province;
    struct sae_message why = {{0}};
    size_t added = 0;
    assert_int_equal(bp_province_make(&province), 0);
    assert_int_equal(bp_province_import(f->store, &province, &added, &why), 0);
    assert_true(added > BP_PROVINCE_VILLAGES - province.builtin);
    /* Every village of the province, built in or imported, labelled with its kecamatan. */
    for (size_t i = 0; i < province.count; i += 97) {
        char expected[SAE_AREA_LABEL_BYTES], kecamatan[9];
        if (i < province.builtin)
            continue;
        memcpy(kecamatan, province.village[i], 8);
        kecamatan[8] = '\0';
        snprintf(expected, sizeof expected, "Desa Sintetis %s (Kecamatan Sintetis %s)",
                 province.village[i], kecamatan);
        assert_label(f->store, province.village[i], expected);
    }
    assert_label(f->store, "35.13.12.2018", "Sumberanyar (Paiton)");
    assert_label(f->store, "35.01.01", "Kecamatan Sintetis 35.01.01 (Kabupaten Sintetis 35.01)");
    bp_province_free(&province);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin_labels, hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_code_is_its_own_label, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_province_labels, hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
