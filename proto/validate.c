/* Field value validation. Inputs are hostile: lengths are bounded before any copy, text
 * must be UTF-8 without NUL, and messages quote only short, escaped, non-text values. */
#include "sae/sae_validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sae/sae_error.h"
#include "sae/sae_id.h"
#include "sae/sae_limits.h"

/* Non-text values longer than this cannot be valid, so they are refused before parsing. */
#define SHORT_VALUE_MAX 64
#define EXCERPT_MAX 40

int sae_utf8_check(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp, min;
        if (c == 0)
            return SAE_EINVAL;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return SAE_EINVAL;
        }
        if (len - i <= extra)
            return SAE_EINVAL;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return SAE_EINVAL;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return SAE_EINVAL;
        i += extra + 1;
    }
    return 0;
}

/* Code points that can hide or rewrite what a person sees: C0 and C1 controls, DEL, and the
 * bidirectional embedding, override and isolate marks (text must read as it is stored). */
static bool is_control(uint32_t cp, bool allow_line_breaks)
{
    if (allow_line_breaks && (cp == '\n' || cp == '\t' || cp == '\r'))
        return false;
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* buf must already be valid UTF-8. */
static bool has_control(const char *buf, size_t len, bool allow_line_breaks)
{
    const unsigned char *s = (const unsigned char *)buf;
    for (size_t i = 0; i < len;) {
        uint32_t cp = s[i];
        size_t extra = cp < 0x80 ? 0 : cp < 0xe0 ? 1 : cp < 0xf0 ? 2 : 3;
        if (extra)
            cp &= 0x3fu >> extra;
        for (size_t k = 1; k <= extra && i + k < len; k++)
            cp = (cp << 6) | (s[i + k] & 0x3f);
        if (is_control(cp, allow_line_breaks))
            return true;
        i += extra + 1;
    }
    return false;
}

int sae_validate_name(const char *text, size_t max_bytes)
{
    size_t len = strlen(text);
    if (len == 0 || len > max_bytes)
        return SAE_EINVAL;
    if (sae_utf8_check(text, len) != 0 || has_control(text, len, false))
        return SAE_EINVAL;
    return 0;
}

/* A printable, bounded excerpt of an untrusted value for error messages. */
static void excerpt(const char *value, size_t len, char out[EXCERPT_MAX * 4 + 4])
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < EXCERPT_MAX; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    if (len > EXCERPT_MAX) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static int fail(char *message, int code, const char *fmt, const struct sae_field *field,
                const char *value, size_t len, const char *detail)
{
    char quoted[EXCERPT_MAX * 4 + 4];
    excerpt(value, len, quoted);
    snprintf(message, SAE_VALIDATE_MESSAGE_BYTES, fmt, field->name, quoted, detail);
    return code;
}

static int dup_text(const char *value, size_t len, char **out)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return SAE_ENOMEM;
    memcpy(copy, value, len);
    copy[len] = '\0';
    *out = copy;
    return 0;
}

static int validate_text(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    size_t max = field->max_bytes ? field->max_bytes : SAE_LIMIT_TEXT_BYTES;
    if (len > max) {
        snprintf(message, SAE_VALIDATE_MESSAGE_BYTES,
                 "%s: text is %zu bytes, over its limit of %zu bytes; shorten it", field->name,
                 len, max);
        return SAE_ETOOBIG;
    }
    if (len == 0) {
        snprintf(message, SAE_VALIDATE_MESSAGE_BYTES,
                 "%s: empty value; give some text, or use --unset %s to clear it", field->name,
                 field->name);
        return SAE_EINVAL;
    }
    if (memchr(value, '\0', len)) {
        snprintf(message, SAE_VALIDATE_MESSAGE_BYTES,
                 "%s: text contains a NUL byte; text must be plain UTF-8", field->name);
        return SAE_EINVAL;
    }
    if (sae_utf8_check(value, len) != 0) {
        snprintf(message, SAE_VALIDATE_MESSAGE_BYTES,
                 "%s: text is not valid UTF-8; save it as UTF-8 and try again", field->name);
        return SAE_EINVAL;
    }
    if (has_control(value, len, field->multiline)) {
        snprintf(message, SAE_VALIDATE_MESSAGE_BYTES,
                 "%s: text contains control characters or direction marks%s", field->name,
                 field->multiline ? " (only tabs and line breaks are allowed)"
                                  : "; this field is a single line");
        return SAE_EINVAL;
    }
    return dup_text(value, len, canonical);
}

static int validate_int(const struct sae_field *field, const char *value, size_t len,
                        char **canonical, char *message)
{
    char buf[SHORT_VALUE_MAX + 1], range[64], *end;
    size_t start = (len > 0 && value[0] == '-') ? 1 : 0;
    snprintf(range, sizeof range, "a whole number from %lld to %lld", field->min_value,
             field->max_value);
    bool digits = len > start && len <= 20;
    for (size_t i = start; digits && i < len; i++)
        digits = isdigit((unsigned char)value[i]) != 0;
    if (!digits)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a number; allowed: %s", field, value,
                    len, range);
    memcpy(buf, value, len);
    buf[len] = '\0';
    errno = 0;
    long long n = strtoll(buf, &end, 10);
    if (errno == ERANGE || n < field->min_value || n > field->max_value)
        return fail(message, SAE_ERANGE, "%s: %s is out of range; allowed: %s", field, value, len,
                    range);
    snprintf(buf, sizeof buf, "%lld", n);
    return dup_text(buf, strlen(buf), canonical);
}

static bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int validate_date(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    static const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char detail[96];
    snprintf(detail, sizeof detail, "a date written YYYY-MM-DD, from %d-01-01 to %d-12-31",
             SAE_LIMIT_YEAR_MIN, SAE_LIMIT_YEAR_MAX);
    bool shape = len == 10 && value[4] == '-' && value[7] == '-';
    for (size_t i = 0; shape && i < len; i++)
        shape = (i == 4 || i == 7) || isdigit((unsigned char)value[i]);
    if (!shape)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a date; allowed: %s", field, value,
                    len, detail);
    int y = (value[0] - '0') * 1000 + (value[1] - '0') * 100 + (value[2] - '0') * 10 + (value[3] - '0');
    int m = (value[5] - '0') * 10 + (value[6] - '0');
    int d = (value[8] - '0') * 10 + (value[9] - '0');
    bool valid = m >= 1 && m <= 12 && d >= 1 &&
                 d <= days_in_month[m >= 1 && m <= 12 ? m - 1 : 0] + (m == 2 && leap_year(y));
    if (!valid)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a real calendar date; allowed: %s",
                    field, value, len, detail);
    if (y < SAE_LIMIT_YEAR_MIN || y > SAE_LIMIT_YEAR_MAX)
        return fail(message, SAE_ERANGE, "%s: %s is out of range; allowed: %s", field, value, len,
                    detail);
    return dup_text(value, len, canonical);
}

static int validate_enum(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    char allowed[SAE_VALIDATE_MESSAGE_BYTES / 2];
    for (size_t i = 0; i < field->value_count; i++) {
        const char *code = field->values[i].code;
        if (strlen(code) == len && strncasecmp(code, value, len) == 0)
            return dup_text(code, len, canonical);
    }
    sae_field_allowed_codes(field, allowed, sizeof allowed);
    return fail(message, SAE_EINVAL, "%s: \"%s\" is not allowed; allowed: %s", field, value, len,
                allowed);
}

static int validate_bool(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    static const char *const yes[] = {"true", "yes", "ya", "1"};
    static const char *const no[] = {"false", "no", "tidak", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strlen(yes[i]) == len && strncasecmp(yes[i], value, len) == 0)
            return dup_text("true", 4, canonical);
        if (strlen(no[i]) == len && strncasecmp(no[i], value, len) == 0)
            return dup_text("false", 5, canonical);
    }
    return fail(message, SAE_EINVAL, "%s: \"%s\" is not yes or no; allowed: %s", field, value,
                len, "true, false (also yes/no, ya/tidak, 1/0)");
}

static int validate_reference(const struct sae_field *field, const char *value, size_t len,
                              char **canonical, char *message)
{
    char buf[SAE_ID_TEXT_LEN + 1];
    struct sae_id id;
    if (len != SAE_ID_TEXT_LEN)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a report id; allowed: %s", field,
                    value, len, "the id of an existing report (or 6+ first characters of it)");
    memcpy(buf, value, len);
    buf[len] = '\0';
    if (sae_id_parse(buf, &id) != 0)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a report id; allowed: %s", field,
                    value, len, "the id of an existing report (or 6+ first characters of it)");
    sae_id_format(&id, buf);
    return dup_text(buf, SAE_ID_TEXT_LEN, canonical);
}

int sae_validate_value(const struct sae_field *field, const char *value, size_t len,
                       char **canonical, char message[SAE_VALIDATE_MESSAGE_BYTES])
{
    message[0] = '\0';
    if (field->type != SAE_FIELD_TEXT && len > SHORT_VALUE_MAX) {
        snprintf(message, SAE_VALIDATE_MESSAGE_BYTES,
                 "%s: value is %zu bytes, longer than any valid %s value", field->name, len,
                 sae_field_type_name(field->type));
        return SAE_ETOOBIG;
    }
    switch (field->type) {
    case SAE_FIELD_TEXT: return validate_text(field, value, len, canonical, message);
    case SAE_FIELD_INT: return validate_int(field, value, len, canonical, message);
    case SAE_FIELD_DATE: return validate_date(field, value, len, canonical, message);
    case SAE_FIELD_ENUM: return validate_enum(field, value, len, canonical, message);
    case SAE_FIELD_BOOL: return validate_bool(field, value, len, canonical, message);
    case SAE_FIELD_REFERENCE: return validate_reference(field, value, len, canonical, message);
    }
    snprintf(message, SAE_VALIDATE_MESSAGE_BYTES, "%s: unknown field type", field->name);
    return SAE_EINVAL;
}
