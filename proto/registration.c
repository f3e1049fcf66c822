/* Case registration numbers (sae_registration.h). */
#include "sae/sae_registration.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sae/sae_area.h"
#include "sae/sae_limits.h"

/* Digits of the device id in a fallback prefix ("00" + these). */
#define FALLBACK_DIGITS 8
#define FALLBACK_MODULUS 100000000ULL
#define SUFFIX_BASE 26

int sae_registration_prefix(const char *village, uint64_t origin,
                            char out[SAE_REGISTRATION_PREFIX_DIGITS + 1])
{
    const struct sae_area_list *list = NULL;
    const struct sae_area *area = NULL;
    char code[SAE_AREA_CODE_BYTES], digits[SAE_AREA_CODE_BYTES];
    enum sae_area_level level;
    /* A post's village is kept as its code: the text of the list answers without the list. */
    if (sae_area_code_parse(village, code, &level) == 0 && level == SAE_AREA_VILLAGE) {
        sae_area_code_digits(code, digits);
        if (sae_area_builtin_has(code) && strlen(digits) == SAE_REGISTRATION_PREFIX_DIGITS) {
            memcpy(out, digits, SAE_REGISTRATION_PREFIX_DIGITS + 1);
            return 0;
        }
    }
    int rc = sae_area_list_shared(&list);
    if (rc != 0)
        return rc;
    if (sae_area_resolve(list, village, SAE_AREA_VILLAGE, &area, NULL) == 0) {
        sae_area_code_digits(area->code, digits);
        if (strlen(digits) == SAE_REGISTRATION_PREFIX_DIGITS) {
            memcpy(out, digits, SAE_REGISTRATION_PREFIX_DIGITS + 1);
            return 0;
        }
    }
    snprintf(out, SAE_REGISTRATION_PREFIX_DIGITS + 1, "00%0*" PRIu64, FALLBACK_DIGITS,
             (uint64_t)(origin % FALLBACK_MODULUS));
    return 0;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool valid_suffix(const char *s)
{
    size_t n = strlen(s);
    if (n > SAE_REGISTRATION_SUFFIX_MAX || (n > 0 && s[0] == 'A'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    return true;
}

int sae_registration_format(const struct sae_registration *number,
                            char out[SAE_REGISTRATION_BYTES])
{
    if (strlen(number->prefix) != SAE_REGISTRATION_PREFIX_DIGITS ||
        !all_digits(number->prefix, SAE_REGISTRATION_PREFIX_DIGITS) ||
        !valid_suffix(number->suffix))
        return SAE_EINVAL;
    if (number->year < SAE_LIMIT_YEAR_MIN || number->year > SAE_LIMIT_YEAR_MAX ||
        number->seq < 1 || number->seq > SAE_REGISTRATION_SEQ_MAX)
        return SAE_ERANGE;
    snprintf(out, SAE_REGISTRATION_BYTES, "%s-%04d-%0*lld%s", number->prefix, number->year,
             SAE_REGISTRATION_SEQ_DIGITS, number->seq, number->suffix);
    return 0;
}

int sae_registration_parse(const char *text, struct sae_registration *out)
{
    struct sae_registration n = {{0}, 0, 0, {0}};
    char buf[SAE_REGISTRATION_BYTES];
    size_t len = strnlen(text, SAE_REGISTRATION_BYTES + 64);
    while (len > 0 && text[0] == ' ')
        text++, len--;
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len >= sizeof buf)
        return SAE_EINVAL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    const char *p = buf;
    if (len < SAE_REGISTRATION_PREFIX_DIGITS + 6 + SAE_REGISTRATION_SEQ_DIGITS ||
        !all_digits(p, SAE_REGISTRATION_PREFIX_DIGITS) || p[SAE_REGISTRATION_PREFIX_DIGITS] != '-')
        return SAE_EINVAL;
    memcpy(n.prefix, p, SAE_REGISTRATION_PREFIX_DIGITS);
    p += SAE_REGISTRATION_PREFIX_DIGITS + 1;
    if (!all_digits(p, 4) || p[4] != '-')
        return SAE_EINVAL;
    n.year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    p += 5;
    size_t digits = 0;
    while (isdigit((unsigned char)p[digits]) && digits < 9)
        n.seq = n.seq * 10 + (p[digits] - '0'), digits++;
    if (digits < SAE_REGISTRATION_SEQ_DIGITS)
        return SAE_EINVAL;
    p += digits;
    size_t letters = strlen(p);
    if (letters > SAE_REGISTRATION_SUFFIX_MAX)
        return SAE_EINVAL;
    for (size_t i = 0; i < letters; i++)
        n.suffix[i] = (char)toupper((unsigned char)p[i]);
    char check[SAE_REGISTRATION_BYTES];
    if (sae_registration_format(&n, check) != 0)
        return SAE_EINVAL;
    *out = n;
    return 0;
}

int sae_registration_suffix(unsigned n, char out[SAE_REGISTRATION_SUFFIX_MAX + 1])
{
    char reversed[SAE_REGISTRATION_SUFFIX_MAX + 1];
    size_t len = 0;
    for (unsigned rest = n; rest > 0; rest /= SUFFIX_BASE) {
        if (len == SAE_REGISTRATION_SUFFIX_MAX)
            return SAE_ERANGE;
        reversed[len++] = (char)('A' + rest % SUFFIX_BASE);
    }
    for (size_t i = 0; i < len; i++)
        out[i] = reversed[len - 1 - i];
    out[len] = '\0';
    return 0;
}
