/* libFuzzer target for the recovery key's text (sae_key_text.h), which `sae-hub keys recover`
 * reads from a terminal, a file or standard input: any bytes are either refused with a
 * documented code, the key untouched, or read into a key whose own text reads back to the
 * same key (and holds exactly the 52 letters of the input, in order, upper case). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_key_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_require.h"

static size_t letters_of(const char *text, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        out[n++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char key[SAE_RECOVERY_KEY_BYTES], again[SAE_RECOVERY_KEY_BYTES];
    char text[SAE_RECOVERY_KEY_TEXT_BYTES];
    memset(key, 0x5a, sizeof key);
    int rc = sae_recovery_key_parse((const char *)data, size, key);
    if (rc != 0) {
        REQUIRE(rc == SAE_EINVAL || rc == SAE_ERANGE);
        for (size_t i = 0; i < sizeof key; i++)
            REQUIRE(key[i] == 0x5a);
        return 0;
    }
    REQUIRE(size <= SAE_RECOVERY_KEY_INPUT_MAX);
    sae_recovery_key_format(key, text);
    REQUIRE(strlen(text) == SAE_RECOVERY_KEY_TEXT_BYTES - 1);
    REQUIRE(sae_recovery_key_parse(text, strlen(text), again) == 0);
    REQUIRE(memcmp(again, key, sizeof key) == 0);
    char given[SAE_RECOVERY_KEY_INPUT_MAX], shown[SAE_RECOVERY_KEY_TEXT_BYTES];
    size_t given_n = letters_of((const char *)data, size, given);
    size_t shown_n = letters_of(text, strlen(text), shown);
    REQUIRE(given_n == SAE_RECOVERY_KEY_CHARS && shown_n == SAE_RECOVERY_KEY_CHARS);
    REQUIRE(memcmp(given, shown, SAE_RECOVERY_KEY_CHARS) == 0);
    return 0;
}
