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

#include "sae/sae_area.h"
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

/* Reads min..max digits at *p into *out, moving *p past them. */
static bool read_digits(const char **p, const char *end, int min, int max, int *out)
{
    int n = 0, digits = 0;
    while (*p < end && isdigit((unsigned char)**p) && digits < max) {
        n = n * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    *out = n;
    return digits >= min;
}

/* YYYY-MM-DD, or the ways people write dates here: DD-MM-YYYY and DD/MM/YYYY (day and
 * month may have one digit). */
static bool parse_date(const char *value, size_t len, int *y, int *m, int *d)
{
    const char *p = value, *end = value + len;
    if (len == 10 && value[4] == '-' && value[7] == '-')
        return read_digits(&p, end, 4, 4, y) && *p++ == '-' && read_digits(&p, end, 2, 2, m) &&
               *p++ == '-' && read_digits(&p, end, 2, 2, d) && p == end;
    if (!read_digits(&p, end, 1, 2, d) || p == end || (*p != '-' && *p != '/'))
        return false;
    char separator = *p++;
    return read_digits(&p, end, 1, 2, m) && p < end && *p++ == separator &&
           read_digits(&p, end, 4, 4, y) && p == end;
}

static int validate_date(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    static const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char detail[160], out[16];
    int y = 0, m = 0, d = 0;
    snprintf(detail, sizeof detail, "a date written YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY "
             "(tanggal ditulis 2026-11-20, 20-11-2026 atau 20/11/2026), from %d to %d",
             SAE_LIMIT_YEAR_MIN, SAE_LIMIT_YEAR_MAX);
    if (len > SHORT_VALUE_MAX || !parse_date(value, len, &y, &m, &d))
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a date; allowed: %s", field, value,
                    len, detail);
    bool valid = m >= 1 && m <= 12 && d >= 1 &&
                 d <= days_in_month[m >= 1 && m <= 12 ? m - 1 : 0] + (m == 2 && leap_year(y));
    if (!valid)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not a real calendar date; allowed: %s",
                    field, value, len, detail);
    if (y < SAE_LIMIT_YEAR_MIN || y > SAE_LIMIT_YEAR_MAX)
        return fail(message, SAE_ERANGE, "%s: %s is out of range; allowed: %s", field, value, len,
                    detail);
    snprintf(out, sizeof out, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    return dup_text(out, strlen(out), canonical);
}

/* Whether text (len bytes) equals s without case and with runs of spaces as one. */
static bool same_words(const char *s, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && text[i] == ' ')
        i++;
    while (len > i && text[len - 1] == ' ')
        len--;
    for (; *s && i < len; s++, i++) {
        if (tolower((unsigned char)*s) != tolower((unsigned char)text[i]))
            return false;
        if (*s == ' ')
            while (i + 1 < len && text[i + 1] == ' ')
                i++;
    }
    return !*s && i == len;
}

/* Whether text is one of the '|'-separated forms of list. */
static bool among_aliases(const char *list, const char *text, size_t len)
{
    char form[SHORT_VALUE_MAX + 1];
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n < sizeof form) {
            memcpy(form, p, n);
            form[n] = '\0';
            if (same_words(form, text, len))
                return true;
        }
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* The value of an enum or set field that text names: its code, either label or an alias. */
static const struct sae_enum_value *enum_match(const struct sae_field *field, const char *text,
                                               size_t len)
{
    if (len > SHORT_VALUE_MAX * 2)
        return NULL;
    for (size_t i = 0; i < field->value_count; i++)
        if (same_words(field->values[i].code, text, len))
            return &field->values[i];
    for (size_t i = 0; i < field->value_count; i++) {
        const struct sae_enum_value *v = &field->values[i];
        if (same_words(v->label_id, text, len) || same_words(v->label_en, text, len) ||
            among_aliases(v->aliases, text, len))
            return v;
    }
    return NULL;
}

/* "F (Perempuan), M (Laki-laki)": what an error offers, codes with Indonesian labels; only
 * the codes when the labelled list would not fit (a list cut short hides values). */
static void allowed_with_labels(const struct sae_field *field, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < field->value_count && used < cap; i++) {
        int n = snprintf(out + used, cap - used, "%s%s (%s)", i ? ", " : "",
                         field->values[i].code, field->values[i].label_id);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= cap)
        sae_field_allowed_codes(field, out, cap);
}

static int validate_enum(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    char allowed[SAE_VALIDATE_MESSAGE_BYTES / 2 + 64];
    const struct sae_enum_value *v = enum_match(field, value, len);
    if (v)
        return dup_text(v->code, strlen(v->code), canonical);
    allowed_with_labels(field, allowed, sizeof allowed);
    return fail(message, SAE_EINVAL, "%s: \"%s\" is not allowed (tidak dikenal); allowed: %s",
                field, value, len, allowed);
}

/* Comma-separated values, each as for an enum, in the catalogue's order without repeats. */
static int validate_set(const struct sae_field *field, const char *value, size_t len,
                        char **canonical, char *message)
{
    bool chosen[SAE_SET_VALUES_MAX] = {false};
    char allowed[SAE_VALIDATE_MESSAGE_BYTES / 2 + 64];
    size_t from = 0, total = 0;
    if (field->value_count > SAE_SET_VALUES_MAX)
        return SAE_EINVAL;
    while (from < len) {
        const char *comma = memchr(value + from, ',', len - from);
        size_t end = comma ? (size_t)(comma - value) : len;
        const struct sae_enum_value *v = enum_match(field, value + from, end - from);
        bool blank = true;
        for (size_t i = from; i < end; i++)
            blank = blank && value[i] == ' ';
        if (!v && !blank) {
            allowed_with_labels(field, allowed, sizeof allowed);
            return fail(message, SAE_EINVAL, "%s: \"%s\" names a value that is not allowed "
                        "(tidak dikenal); give values separated by commas from: %s", field,
                        value, len, allowed);
        }
        if (v)
            chosen[v - field->values] = true;
        from = end + 1;
    }
    size_t room = 1;
    for (size_t i = 0; i < field->value_count; i++)
        room += strlen(field->values[i].code) + 1;
    char *out = malloc(room);
    if (!out)
        return SAE_ENOMEM;
    out[0] = '\0';
    for (size_t i = 0; i < field->value_count; i++) {
        if (!chosen[i])
            continue;
        size_t n = strlen(field->values[i].code);
        if (total)
            out[total++] = ',';
        memcpy(out + total, field->values[i].code, n);
        total += n;
        out[total] = '\0';
    }
    *canonical = out;
    return 0;
}

static int validate_area(const struct sae_field *field, const char *value, size_t len,
                         char **canonical, char *message)
{
    static const char *const level_names[] = {"", "province", "regency", "kecamatan", "village"};
    char text[SHORT_VALUE_MAX + 1], code[SAE_AREA_CODE_BYTES], detail[96];
    enum sae_area_level level;
    snprintf(detail, sizeof detail, "the Kemendagri code of a %s, such as %s",
             level_names[field->area_level % 5],
             field->area_level == SAE_AREA_DISTRICT ? "35.13.12" : "35.13.12.2018");
    if (len > SHORT_VALUE_MAX)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not an area code; allowed: %s", field,
                    value, len, detail);
    memcpy(text, value, len);
    text[len] = '\0';
    if (sae_area_code_parse(text, code, &level) != 0 || (int)level != field->area_level)
        return fail(message, SAE_EINVAL, "%s: \"%s\" is not an area code; allowed: %s", field,
                    value, len, detail);
    return dup_text(code, strlen(code), canonical);
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
    size_t longest = field->type == SAE_FIELD_SET ? SAE_SET_TEXT_BYTES : SHORT_VALUE_MAX;
    if (field->type != SAE_FIELD_TEXT && len > longest) {
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
    case SAE_FIELD_SET: return validate_set(field, value, len, canonical, message);
    case SAE_FIELD_AREA: return validate_area(field, value, len, canonical, message);
    }
    snprintf(message, SAE_VALIDATE_MESSAGE_BYTES, "%s: unknown field type", field->name);
    return SAE_EINVAL;
}

int sae_validate_ref(const struct sae_field_ref *ref, const char *value, size_t len,
                     char **canonical, char message[SAE_VALIDATE_MESSAGE_BYTES])
{
    if (!ref->element)
        return sae_validate_value(ref->field, value, len, canonical, message);
    if (len == 1 && value[0] == SAE_FIELD_ELEMENT_PRESENT[0])
        return dup_text(SAE_FIELD_ELEMENT_PRESENT, 1, canonical);
    snprintf(message, SAE_VALIDATE_MESSAGE_BYTES, "%s%c%s: an element of a set is present "
             "(\"%s\") or unset", ref->field->name, SAE_FIELD_ELEMENT_SEPARATOR,
             ref->element->code, SAE_FIELD_ELEMENT_PRESENT);
    return SAE_EINVAL;
}
