/* TLS key pins between text and bytes (proto/pins.c): the form libcurl and the bundles use,
 * the limit of four, repeats, and every malformed list refused without output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_pins.h"

static void pin_of(uint8_t fill, char out[SAE_PIN_TEXT_BYTES])
{
    uint8_t digest[SAE_WIRE_TLS_PIN_BYTES];
    memset(digest, fill, sizeof digest);
    sae_pin_format(digest, out);
}

static void test_round_trip_and_limit(void **state)
{
    (void)state;
    uint8_t pins[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES], back[4][32];
    char text[SAE_PINS_TEXT_BYTES], one[SAE_PIN_TEXT_BYTES];
    size_t count = 0;
    for (size_t i = 0; i < SAE_WIRE_TLS_PINS_MAX; i++)
        memset(pins[i], (int)(0x10 * (i + 1)), SAE_WIRE_TLS_PIN_BYTES);
    assert_int_equal(sae_pins_format(pins, SAE_WIRE_TLS_PINS_MAX, text, sizeof text), 0);
    assert_int_equal(strlen(text), 4 * 52 + 3);
    pin_of(0x10, one);
    assert_memory_equal(text, one, 52);
    assert_int_equal(text[52], ';');
    assert_int_equal(sae_pins_parse(text, back, SAE_WIRE_TLS_PINS_MAX, &count), 0);
    assert_int_equal(count, SAE_WIRE_TLS_PINS_MAX);
    assert_memory_equal(back, pins, sizeof pins);
    /* The limit is the caller's: 4 do not fit in 3. */
    count = 99;
    assert_int_equal(sae_pins_parse(text, back, 3, &count), SAE_EINVAL);
    assert_int_equal(count, 99);
    assert_int_equal(sae_pins_format(pins, 0, text, sizeof text), SAE_EINVAL);
    assert_int_equal(sae_pins_format(pins, 5, text, sizeof text), SAE_EINVAL);
    assert_int_equal(sae_pins_format(pins, 2, text, 2 * SAE_PIN_TEXT_BYTES - 1), SAE_EINVAL);
}

static void test_repeats_count_once(void **state)
{
    (void)state;
    uint8_t back[2][SAE_WIRE_TLS_PIN_BYTES];
    char a[SAE_PIN_TEXT_BYTES], b[SAE_PIN_TEXT_BYTES], list[4 * SAE_PIN_TEXT_BYTES];
    size_t count = 0;
    pin_of(0xaa, a);
    pin_of(0xbb, b);
    snprintf(list, sizeof list, "%s;%s;%s", a, b, a);
    assert_int_equal(sae_pins_parse(list, back, 2, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(back[1][0], 0xbb);
}

static void test_malformed_lists(void **state)
{
    (void)state;
    uint8_t back[4][SAE_WIRE_TLS_PIN_BYTES];
    char a[SAE_PIN_TEXT_BYTES], bad[4 * SAE_PIN_TEXT_BYTES];
    size_t count = 7;
    pin_of(0x01, a);
    const char *const refused[] = {"", ";", "sha256//", "sha1//AAAA"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(sae_pins_parse(refused[i], back, 4, &count), SAE_EINVAL);
    snprintf(bad, sizeof bad, "%s;", a); /* empty entry */
    assert_int_equal(sae_pins_parse(bad, back, 4, &count), SAE_EINVAL);
    snprintf(bad, sizeof bad, " %s", a); /* a space */
    assert_int_equal(sae_pins_parse(bad, back, 4, &count), SAE_EINVAL);
    snprintf(bad, sizeof bad, "%.51s", a); /* one character short */
    assert_int_equal(sae_pins_parse(bad, back, 4, &count), SAE_EINVAL);
    snprintf(bad, sizeof bad, "%sA", a); /* one too many */
    assert_int_equal(sae_pins_parse(bad, back, 4, &count), SAE_EINVAL);
    snprintf(bad, sizeof bad, "%s", a);
    bad[50] = 'B'; /* non-zero bits after the last byte: not canonical base64 */
    assert_int_equal(sae_pins_parse(bad, back, 4, &count), SAE_EINVAL);
    snprintf(bad, sizeof bad, "%s", a);
    bad[20] = '-'; /* the URL-safe alphabet is not libcurl's */
    assert_int_equal(sae_pins_parse(bad, back, 4, &count), SAE_EINVAL);
    assert_int_equal(sae_pins_parse(NULL, back, 4, &count), SAE_EINVAL);
    assert_int_equal(sae_pins_parse(a, back, 0, &count), SAE_EINVAL);
    assert_int_equal(sae_pins_parse(a, back, 5, &count), SAE_EINVAL);
    assert_int_equal(count, 7);
    assert_int_equal(sae_pins_parse(a, back, 4, &count), 0);
    assert_int_equal(count, 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_limit),
        cmocka_unit_test(test_repeats_count_once),
        cmocka_unit_test(test_malformed_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
