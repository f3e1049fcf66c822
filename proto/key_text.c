/* Keys as people read them (sae_key_text.h). */
#include "sae/sae_key_text.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

static const char BASE32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
#define GROUP_CHARS 4u

_Static_assert(SAE_RECOVERY_KEY_CHARS * 5u >= SAE_RECOVERY_KEY_BYTES * 8u &&
                   (SAE_RECOVERY_KEY_CHARS - 1u) * 5u < SAE_RECOVERY_KEY_BYTES * 8u,
               "52 base32 characters hold 32 bytes");
_Static_assert(SAE_RECOVERY_KEY_TEXT_BYTES ==
                   SAE_RECOVERY_KEY_CHARS + SAE_RECOVERY_KEY_CHARS / GROUP_CHARS,
               "13 groups of 4, 12 dashes and a NUL");

void sae_recovery_key_format(const unsigned char key[SAE_RECOVERY_KEY_BYTES],
                             char out[SAE_RECOVERY_KEY_TEXT_BYTES])
{
    uint32_t bits = 0, held = 0;
    size_t at = 0, chars = 0, i = 0;
    while (chars < SAE_RECOVERY_KEY_CHARS) {
        if (held < 5) {
            bits = (bits << 8) | (i < SAE_RECOVERY_KEY_BYTES ? key[i] : 0u);
            i++;
            held += 8;
        }
        if (chars > 0 && chars % GROUP_CHARS == 0)
            out[at++] = '-';
        out[at++] = BASE32[(bits >> (held - 5)) & 31u];
        held -= 5;
        chars++;
    }
    out[at] = '\0';
    sodium_memzero(&bits, sizeof bits);
}

static int base32_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    const char *found = c ? strchr(BASE32, c) : NULL;
    return found ? (int)(found - BASE32) : -1;
}

int sae_recovery_key_parse(const char *text, size_t len,
                           unsigned char key[SAE_RECOVERY_KEY_BYTES])
{
    unsigned char bytes[SAE_RECOVERY_KEY_BYTES];
    uint32_t bits = 0, held = 0;
    size_t chars = 0, out = 0;
    int rc = text && len <= SAE_RECOVERY_KEY_INPUT_MAX ? 0 : SAE_ERANGE;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        char c = text[i];
        if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        int value = base32_value(c);
        if (value < 0) {
            rc = SAE_EINVAL;
        } else if (++chars > SAE_RECOVERY_KEY_CHARS) {
            rc = SAE_ERANGE;
        } else {
            bits = (bits << 5) | (uint32_t)value;
            held += 5;
            if (held >= 8) {
                bytes[out++] = (unsigned char)(bits >> (held - 8));
                held -= 8;
            }
        }
    }
    /* 52 characters carry 260 bits: the last 4 are padding and must be zero. */
    if (rc == 0 && (chars != SAE_RECOVERY_KEY_CHARS || (bits & ((1u << held) - 1u)) != 0))
        rc = SAE_ERANGE;
    if (rc == 0)
        memcpy(key, bytes, sizeof bytes);
    sodium_memzero(bytes, sizeof bytes);
    sodium_memzero(&bits, sizeof bits);
    return rc;
}

int sae_key_fingerprint(const unsigned char public_key[32], char out[SAE_FINGERPRINT_TEXT_BYTES])
{
    unsigned char digest[32];
    char hex[17];
    if (crypto_generichash(digest, sizeof digest, public_key, 32, NULL, 0) != 0)
        return SAE_ECRYPTO;
    sodium_bin2hex(hex, sizeof hex, digest, 8);
    size_t at = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i > 0 && i % 4 == 0)
            out[at++] = '-';
        out[at++] = hex[i];
    }
    out[at] = '\0';
    return 0;
}
