/* TLS key pins between their text form (bundles, journals, libcurl) and their wire form. */
#include "sae/sae_pins.h"

#include <sodium.h>
#include <string.h>

#include "sae/sae_error.h"

static const char PREFIX[] = "sha256//";
#define PREFIX_LEN (sizeof PREFIX - 1)
#define BASE64_LEN 44u

void sae_pin_format(const uint8_t digest[SAE_WIRE_TLS_PIN_BYTES], char out[SAE_PIN_TEXT_BYTES])
{
    memcpy(out, PREFIX, PREFIX_LEN);
    sodium_bin2base64(out + PREFIX_LEN, SAE_PIN_TEXT_BYTES - PREFIX_LEN, digest,
                      SAE_WIRE_TLS_PIN_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

static int parse_one(const char *text, size_t len, uint8_t out[SAE_WIRE_TLS_PIN_BYTES])
{
    size_t decoded = 0;
    const char *end = NULL;
    if (len != PREFIX_LEN + BASE64_LEN || memcmp(text, PREFIX, PREFIX_LEN) != 0)
        return SAE_EINVAL;
    if (sodium_base642bin(out, SAE_WIRE_TLS_PIN_BYTES, text + PREFIX_LEN, BASE64_LEN, NULL,
                          &decoded, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        decoded != SAE_WIRE_TLS_PIN_BYTES || end != text + len)
        return SAE_EINVAL;
    return 0;
}

int sae_pins_parse(const char *list, uint8_t out[][SAE_WIRE_TLS_PIN_BYTES], size_t max,
                   size_t *count)
{
    uint8_t pins[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    size_t n = 0;
    if (!list || !out || !count || max == 0 || max > SAE_WIRE_TLS_PINS_MAX)
        return SAE_EINVAL;
    for (const char *at = list;;) {
        const char *end = strchr(at, ';');
        size_t len = end ? (size_t)(end - at) : strlen(at);
        uint8_t pin[SAE_WIRE_TLS_PIN_BYTES];
        if (parse_one(at, len, pin) != 0)
            return SAE_EINVAL;
        size_t i = 0;
        while (i < n && memcmp(pins[i], pin, sizeof pin) != 0)
            i++;
        if (i == n) {
            if (n == max)
                return SAE_EINVAL;
            memcpy(pins[n++], pin, sizeof pin);
        }
        if (!end)
            break;
        at = end + 1;
    }
    memcpy(out, pins, n * sizeof pins[0]);
    *count = n;
    return 0;
}

int sae_pins_format(const uint8_t pins[][SAE_WIRE_TLS_PIN_BYTES], size_t count, char *out,
                    size_t out_size)
{
    if (!pins || !out || count == 0 || count > SAE_WIRE_TLS_PINS_MAX ||
        out_size < count * SAE_PIN_TEXT_BYTES)
        return SAE_EINVAL;
    for (size_t i = 0; i < count; i++) {
        sae_pin_format(pins[i], out + i * SAE_PIN_TEXT_BYTES);
        if (i + 1 < count)
            out[i * SAE_PIN_TEXT_BYTES + SAE_PIN_TEXT_BYTES - 1] = ';';
    }
    return 0;
}
