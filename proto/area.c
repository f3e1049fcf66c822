/* Reading the official list of areas from CSV, and finding an area by its code. Name
 * resolution for people is in area_resolve.c. */
#include "sae/sae_area.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_validate.h"

/* The list built into the programs: data/villages/35.13.csv, embedded at build time
 * (build/gen/area_builtin.c, made by scripts/embed_file.sh). */
extern const unsigned char sae_area_builtin_csv[];
extern const size_t sae_area_builtin_csv_len;

/* Segment widths of a code, level by level: 35 . 13 . 12 . 2018 */
static const size_t segment_digits[] = {2, 2, 2, 4};

/* text without surrounding spaces, into buf; false when nothing or too much is left. */
static bool trimmed(const char *text, char *buf, size_t cap)
{
    size_t len;
    while (*text == ' ')
        text++;
    len = strlen(text);
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len == 0 || len >= cap)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return true;
}

int sae_area_code_parse(const char *text, char out[SAE_AREA_CODE_BYTES],
                        enum sae_area_level *level)
{
    char given[SAE_AREA_CODE_BYTES], digits[SAE_AREA_CODE_BYTES], canonical[SAE_AREA_CODE_BYTES];
    size_t n = 0, at = 0, from = 0, levels;
    if (!text || !trimmed(text, given, sizeof given))
        return SAE_EINVAL;
    for (const char *p = given; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
        else if (*p != '.')
            return SAE_EINVAL;
    }
    levels = n == 2 ? 1 : n == 4 ? 2 : n == 6 ? 3 : n == 10 ? 4 : 0;
    if (levels == 0)
        return SAE_EINVAL;
    for (size_t l = 0; l < levels; l++) {
        if (l > 0)
            canonical[at++] = '.';
        memcpy(canonical + at, digits + from, segment_digits[l]);
        at += segment_digits[l];
        from += segment_digits[l];
    }
    canonical[at] = '\0';
    /* Dots, when given, stand where they belong: "351.3" is not 35.13. */
    if (strchr(given, '.') && strcmp(given, canonical) != 0)
        return SAE_EINVAL;
    memcpy(out, canonical, at + 1);
    if (level)
        *level = (enum sae_area_level)levels;
    return 0;
}

void sae_area_code_digits(const char *code, char out[SAE_AREA_CODE_BYTES])
{
    size_t n = 0;
    for (; *code && n + 1 < SAE_AREA_CODE_BYTES; code++)
        if (*code != '.')
            out[n++] = *code;
    out[n] = '\0';
}

/* ---- CSV ---------------------------------------------------------------------------- */

#define CSV_FIELDS 3
/* A field longer than this cannot be a valid code or name. */
#define CSV_FIELD_BYTES (SAE_AREA_NAME_BYTES + 1)

struct csv_reader {
    const char *at, *end;
    size_t line;
};

/* One field into out (NUL-terminated); *last tells whether it ended its row. SAE_ETOOBIG
 * for a field longer than CSV_FIELD_BYTES - 1, SAE_EINVAL for a quoted field that does not
 * close or is followed by anything but a separator. */
static int csv_field(struct csv_reader *r, char out[CSV_FIELD_BYTES], bool *last)
{
    size_t n = 0;
    bool quoted = r->at < r->end && *r->at == '"';
    if (quoted)
        r->at++;
    for (;;) {
        if (r->at == r->end) {
            if (quoted)
                return SAE_EINVAL;
            *last = true;
            break;
        }
        char c = *r->at++;
        if (quoted && c == '"') {
            if (r->at < r->end && *r->at == '"') {
                r->at++;
            } else {
                quoted = false;
                if (r->at < r->end && *r->at != ',' && *r->at != '\n' && *r->at != '\r')
                    return SAE_EINVAL;
                continue;
            }
        } else if (!quoted && c == ',') {
            *last = false;
            break;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            if (c == '\r' && r->at < r->end && *r->at == '\n')
                r->at++;
            r->line++;
            *last = true;
            break;
        }
        if (n + 1 >= CSV_FIELD_BYTES)
            return SAE_ETOOBIG;
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

/* One row of exactly CSV_FIELDS fields; *blank for an empty line (skipped). */
static int csv_row(struct csv_reader *r, char fields[CSV_FIELDS][CSV_FIELD_BYTES], bool *blank)
{
    size_t count = 0;
    bool last = false;
    while (!last) {
        char scratch[CSV_FIELD_BYTES];
        int rc = csv_field(r, count < CSV_FIELDS ? fields[count] : scratch, &last);
        if (rc != 0)
            return rc;
        count++;
    }
    *blank = count == 1 && fields[0][0] == '\0';
    if (*blank)
        return 0;
    return count == CSV_FIELDS ? 0 : SAE_EINVAL;
}

static bool header_valid(char fields[CSV_FIELDS][CSV_FIELD_BYTES])
{
    return strcmp(fields[0], "code") == 0 &&
           (strcmp(fields[1], "parent_code") == 0 || strcmp(fields[1], "regency_code") == 0 ||
            strcmp(fields[1], "district_code") == 0 || strcmp(fields[1], "province_code") == 0) &&
           strcmp(fields[2], "name") == 0;
}

/* The code one level up of a canonical code ("35.13.12" for "35.13.12.2018"). */
static void parent_of(const char *code, char out[SAE_AREA_CODE_BYTES])
{
    const char *dot = strrchr(code, '.');
    size_t len = dot ? (size_t)(dot - code) : 0;
    memcpy(out, code, len);
    out[len] = '\0';
}

static int row_to_area(char fields[CSV_FIELDS][CSV_FIELD_BYTES], struct sae_area *area,
                       struct sae_message *why, size_t line)
{
    char expected_parent[SAE_AREA_CODE_BYTES], parent[SAE_AREA_CODE_BYTES];
    enum sae_area_level level;
    if (sae_area_code_parse(fields[0], area->code, &level) != 0) {
        sae_message_set(why, "line %zu: \"%.20s\" is not an area code such as 35.13.12.2018",
                        line, fields[0]);
        return SAE_EINVAL;
    }
    parent_of(area->code, expected_parent);
    bool parent_ok = level == SAE_AREA_PROVINCE
                         ? fields[1][0] == '\0'
                         : sae_area_code_parse(fields[1], parent, NULL) == 0 &&
                               strcmp(parent, expected_parent) == 0;
    if (!parent_ok) {
        sae_message_set(why, "line %zu: the parent of %s must be %s", line, area->code,
                        level == SAE_AREA_PROVINCE ? "empty" : expected_parent);
        return SAE_EINVAL;
    }
    if (sae_validate_name(fields[2], SAE_AREA_NAME_BYTES) != 0) {
        sae_message_set(why, "line %zu: the name of %s must be 1 to %d bytes of UTF-8 on one "
                        "line", line, area->code, SAE_AREA_NAME_BYTES);
        return SAE_EINVAL;
    }
    memcpy(area->parent, expected_parent, sizeof area->parent);
    area->level = level;
    area->name = strdup(fields[2]);
    return area->name ? 0 : SAE_ENOMEM;
}

static int compare_areas(const void *a, const void *b)
{
    return strcmp(((const struct sae_area *)a)->code, ((const struct sae_area *)b)->code);
}

/* Sorts by code and drops repeats of a code with the same name; a repeat with another
 * name is an error. */
static int sort_and_merge(struct sae_area_list *list, struct sae_message *why)
{
    size_t kept = 0;
    if (list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, compare_areas);
    for (size_t i = 0; i < list->count; i++) {
        if (kept > 0 && strcmp(list->items[kept - 1].code, list->items[i].code) == 0) {
            bool same = strcmp(list->items[kept - 1].name, list->items[i].name) == 0;
            if (!same)
                sae_message_set(why, "%s is listed twice with different names",
                                list->items[i].code);
            free(list->items[i].name);
            list->items[i].name = NULL;
            if (!same) {
                for (size_t k = i + 1; k < list->count; k++)
                    free(list->items[k].name);
                list->count = kept;
                return SAE_EINVAL;
            }
            continue;
        }
        list->items[kept++] = list->items[i];
    }
    list->count = kept;
    return 0;
}

static int list_append(struct sae_area_list *list, size_t *capacity, const struct sae_area *a)
{
    if (list->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 512;
        struct sae_area *items = realloc(list->items, grown * sizeof *items);
        if (!items)
            return SAE_ENOMEM;
        list->items = items;
        *capacity = grown;
    }
    list->items[list->count++] = *a;
    return 0;
}

static int parse_rows(struct csv_reader *r, struct sae_area_list *list, struct sae_message *why)
{
    char fields[CSV_FIELDS][CSV_FIELD_BYTES];
    size_t capacity = 0;
    bool blank = false, header = true;
    while (r->at < r->end) {
        size_t line = r->line;
        int rc = csv_row(r, fields, &blank);
        if (rc == 0 && header && !blank && !header_valid(fields))
            rc = SAE_EINVAL;
        if (rc != 0 && header) {
            sae_message_set(why, "line %zu: the first line must be the header "
                            "code,parent_code,name", line);
            return SAE_EINVAL;
        }
        if (rc != 0) {
            sae_message_set(why, "line %zu: %s", line,
                            rc == SAE_ETOOBIG ? "a field is too long for a code or a name"
                                              : "not three fields code,parent_code,name");
            return rc;
        }
        if (blank)
            continue;
        if (header) {
            header = false;
            continue;
        }
        if (list->count == SAE_AREA_LIST_MAX) {
            sae_message_set(why, "more than %d areas in one list", SAE_AREA_LIST_MAX);
            return SAE_ETOOBIG;
        }
        struct sae_area area = {{0}, {0}, NULL, SAE_AREA_PROVINCE};
        rc = row_to_area(fields, &area, why, line);
        if (rc == 0 && (rc = list_append(list, &capacity, &area)) != 0)
            free(area.name);
        if (rc != 0)
            return rc;
    }
    if (header) {
        sae_message_set(why, "the file is empty; it needs the header code,parent_code,name");
        return SAE_EINVAL;
    }
    return 0;
}

int sae_area_list_parse(const char *csv, size_t len, struct sae_area_list *out,
                        struct sae_message *why)
{
    struct sae_area_list list = {NULL, 0};
    struct csv_reader r = {csv, csv + len, 1};
    if (len > SAE_AREA_CSV_BYTES) {
        sae_message_set(why, "the file is larger than %u bytes", SAE_AREA_CSV_BYTES);
        return SAE_ETOOBIG;
    }
    if (sae_utf8_check(csv, len) != 0) {
        sae_message_set(why, "the file is not UTF-8 text (or holds a NUL byte)");
        return SAE_EINVAL;
    }
    if (len >= 3 && memcmp(csv, "\xef\xbb\xbf", 3) == 0)
        r.at += 3;
    int rc = parse_rows(&r, &list, why);
    if (rc == 0)
        rc = sort_and_merge(&list, why);
    if (rc != 0) {
        sae_area_list_free(&list);
        return rc;
    }
    *out = list;
    return 0;
}

int sae_area_list_builtin(struct sae_area_list *out)
{
    return sae_area_list_parse((const char *)sae_area_builtin_csv, sae_area_builtin_csv_len,
                               out, NULL);
}

/* Parsed once per process: renderers label every area of a long list with it. */
static struct sae_area_list shared_list;
static int shared_rc = SAE_ENOMEM;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void load_shared(void)
{
    shared_rc = sae_area_list_builtin(&shared_list);
}

int sae_area_list_shared(const struct sae_area_list **out)
{
    if (pthread_once(&shared_once, load_shared) != 0)
        return SAE_EIO;
    if (shared_rc != 0)
        return shared_rc;
    *out = &shared_list;
    return 0;
}

bool sae_area_builtin_has(const char *code)
{
    const char *text = (const char *)sae_area_builtin_csv;
    const char *end = text + sae_area_builtin_csv_len;
    const char *header_end = memchr(text, '\n', sae_area_builtin_csv_len);
    size_t length = strlen(code);
    for (const char *line = header_end ? header_end + 1 : end; line < end;) {
        if ((size_t)(end - line) > length && memcmp(line, code, length) == 0 &&
            line[length] == ',')
            return true;
        const char *next = memchr(line, '\n', (size_t)(end - line));
        line = next ? next + 1 : end;
    }
    return false;
}

void sae_area_list_free(struct sae_area_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].name);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

const struct sae_area *sae_area_find(const struct sae_area_list *list, const char *code)
{
    struct sae_area key;
    if (!list->count || strlen(code) >= sizeof key.code)
        return NULL;
    memcpy(key.code, code, strlen(code) + 1);
    return bsearch(&key, list->items, list->count, sizeof *list->items, compare_areas);
}
