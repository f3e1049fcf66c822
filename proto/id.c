#include "sae/sae_id.h"

#include <ctype.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "sae/sae_error.h"

/* Positions of the hyphens in canonical UUID text. */
static bool hyphen_at(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

void sae_id_generate(struct sae_id *out)
{
    randombytes_buf(out->bytes, SAE_ID_BYTES);
    out->bytes[6] = (uint8_t)((out->bytes[6] & 0x0f) | 0x40); /* version 4 */
    out->bytes[8] = (uint8_t)((out->bytes[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

void sae_id_format(const struct sae_id *id, char out[SAE_ID_TEXT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < SAE_ID_BYTES; i++) {
        if (hyphen_at(o))
            out[o++] = '-';
        out[o++] = hex[id->bytes[i] >> 4];
        out[o++] = hex[id->bytes[i] & 0x0f];
    }
    out[o] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int sae_id_parse(const char *text, struct sae_id *out)
{
    struct sae_id id;
    size_t b = 0;
    if (strlen(text) != SAE_ID_TEXT_LEN)
        return SAE_EINVAL;
    for (size_t i = 0; i < SAE_ID_TEXT_LEN;) {
        if (hyphen_at(i)) {
            if (text[i] != '-')
                return SAE_EINVAL;
            i++;
            continue;
        }
        int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0 || hyphen_at(i + 1))
            return SAE_EINVAL;
        id.bytes[b++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    *out = id;
    return 0;
}

int sae_id_normalize_prefix(const char *text, char out[SAE_ID_TEXT_LEN + 1])
{
    char buf[SAE_ID_TEXT_LEN + 1];
    size_t len = strnlen(text, SAE_ID_TEXT_LEN + 1);
    if (len < SAE_LIMIT_ID_PREFIX_MIN || len > SAE_ID_TEXT_LEN)
        return SAE_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (hyphen_at(i) ? text[i] != '-' : hex_value(text[i]) < 0)
            return SAE_EINVAL;
        buf[i] = (char)tolower((unsigned char)text[i]);
    }
    buf[len] = '\0';
    memcpy(out, buf, len + 1);
    return 0;
}
