/* Turning what a person typed into one area of the official list: a code, or a name that
 * matches exactly one area once case, spaces and the words people put before it are set
 * aside; otherwise the nearest names or the candidates, so the next try succeeds. */
#include "sae/sae_area.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_validate.h"

/* Longest text accepted for a name, a comma and a qualifying name. */
#define QUERY_BYTES (2 * SAE_AREA_NAME_BYTES + 2)

static const char *const level_names[] = {"", "province", "regency", "kecamatan", "village"};

/* Words people put before a name; compared after lower-casing. */
static const char *const prefixes[] = {"desa ", "kelurahan ", "kecamatan ", "kec. ", "kel. ",
                                       "kabupaten ", "kab. "};

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Lower-cased, spaces trimmed and collapsed, one leading prefix dropped. */
static void normalise(const char *text, size_t len, char out[QUERY_BYTES])
{
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < len && n + 1 < QUERY_BYTES; i++) {
        if (is_space(text[i])) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < QUERY_BYTES)
            out[n++] = ' ';
        space = false;
        out[n++] = lower_ascii(text[i]);
    }
    out[n] = '\0';
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        size_t plen = strlen(prefixes[p]);
        if (n > plen && strncmp(out, prefixes[p], plen) == 0) {
            memmove(out, out + plen, n - plen + 1);
            break;
        }
    }
}

static bool name_matches(const struct sae_area *area, const char *wanted)
{
    char name[QUERY_BYTES];
    normalise(area->name, strlen(area->name), name);
    return strcmp(name, wanted) == 0;
}

/* Whether the district or regency above area is called qualifier (normalised). */
static bool qualifier_matches(const struct sae_area_list *list, const struct sae_area *area,
                              const char *qualifier)
{
    const struct sae_area *up = sae_area_find(list, area->parent);
    for (int steps = 0; up && steps < 2; steps++) {
        if (name_matches(up, qualifier))
            return true;
        up = sae_area_find(list, up->parent);
    }
    return false;
}

/* Edit distance of two short strings (both under QUERY_BYTES), for suggestions. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[QUERY_BYTES];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

static void append(char *buf, size_t cap, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(buf);
    if (used < cap)
        snprintf(buf + used, cap - used, fmt, a, b);
}

/* The SAE_AREA_SUGGESTIONS names of the level nearest to wanted, as "A, B or C". */
static void suggest(const struct sae_area_list *list, enum sae_area_level level,
                    const char *wanted, char *out, size_t cap)
{
    const struct sae_area *best[SAE_AREA_SUGGESTIONS] = {NULL};
    size_t best_distance[SAE_AREA_SUGGESTIONS];
    for (size_t i = 0; i < list->count; i++) {
        const struct sae_area *area = &list->items[i];
        char name[QUERY_BYTES];
        if (area->level != level)
            continue;
        normalise(area->name, strlen(area->name), name);
        size_t d = distance(name, wanted);
        for (size_t k = 0; k < SAE_AREA_SUGGESTIONS; k++) {
            if (best[k] && best_distance[k] <= d)
                continue;
            for (size_t m = SAE_AREA_SUGGESTIONS - 1; m > k; m--) {
                best[m] = best[m - 1];
                best_distance[m] = best_distance[m - 1];
            }
            best[k] = area;
            best_distance[k] = d;
            break;
        }
    }
    out[0] = '\0';
    for (size_t k = 0; k < SAE_AREA_SUGGESTIONS && best[k]; k++) {
        char label[SAE_AREA_LABEL_BYTES];
        sae_area_label(list, best[k], label);
        append(out, cap, "%s%s", k == 0 ? "" : k + 1 < SAE_AREA_SUGGESTIONS && best[k + 1]
                                                   ? ", " : " or ", label);
    }
}

static int resolve_code(const struct sae_area_list *list, const char *code,
                        enum sae_area_level got, enum sae_area_level level,
                        const struct sae_area **out, struct sae_message *why)
{
    const struct sae_area *area;
    if (got != level) {
        sae_message_set(why, "%s is a %s code; give a %s", code, level_names[got],
                        level_names[level]);
        return SAE_EINVAL;
    }
    area = sae_area_find(list, code);
    if (!area) {
        sae_message_set(why, "no %s with code %s in the list of areas", level_names[level], code);
        return SAE_ENOTFOUND;
    }
    *out = area;
    return 0;
}

/* Every area of the level called name (and, with a qualifier, under an area so called). */
static size_t find_named(const struct sae_area_list *list, enum sae_area_level level,
                         const char *name, const char *qualifier, const struct sae_area **first,
                         char *candidates, size_t cap)
{
    size_t found = 0;
    for (size_t i = 0; i < list->count; i++) {
        const struct sae_area *area = &list->items[i];
        char label[SAE_AREA_LABEL_BYTES];
        if (area->level != level || !name_matches(area, name) ||
            (qualifier[0] && !qualifier_matches(list, area, qualifier)))
            continue;
        if (found++ == 0)
            *first = area;
        sae_area_label(list, area, label);
        append(candidates, cap, found == 1 ? "%s %s" : "; %s %s", label, area->code);
    }
    return found;
}

int sae_area_resolve(const struct sae_area_list *list, const char *text,
                     enum sae_area_level level, const struct sae_area **out,
                     struct sae_message *why)
{
    char code[SAE_AREA_CODE_BYTES], name[QUERY_BYTES], qualifier[QUERY_BYTES];
    char listing[SAE_MESSAGE_BYTES / 2] = "";
    const struct sae_area *first = NULL;
    enum sae_area_level got;
    size_t len = text ? strlen(text) : 0;
    if (len == 0 || len >= QUERY_BYTES || sae_validate_name(text, QUERY_BYTES - 1) != 0) {
        sae_message_set(why, "give a %s by its code or its name (1 to %d bytes)",
                        level_names[level], SAE_AREA_NAME_BYTES);
        return SAE_EINVAL;
    }
    if (sae_area_code_parse(text, code, &got) == 0)
        return resolve_code(list, code, got, level, out, why);
    const char *comma = strchr(text, ',');
    normalise(text, comma ? (size_t)(comma - text) : len, name);
    normalise(comma ? comma + 1 : "", comma ? strlen(comma + 1) : 0, qualifier);
    size_t found = find_named(list, level, name, qualifier, &first, listing, sizeof listing);
    if (found == 1) {
        *out = first;
        return 0;
    }
    if (found > 1) {
        sae_message_set(why, "%zu %ss are called \"%.60s\": %s; give the code or add the "
                        "kecamatan after a comma", found, level_names[level], text, listing);
        return SAE_EAMBIGUOUS;
    }
    suggest(list, level, name, listing, sizeof listing);
    sae_message_set(why, "no %s called \"%.60s\" in the list of areas; nearest: %s",
                    level_names[level], text, listing[0] ? listing : "none");
    return SAE_ENOTFOUND;
}

int sae_area_resolve_code(const struct sae_area_list *list, const char *text,
                          enum sae_area_level level, char code[SAE_AREA_CODE_BYTES],
                          struct sae_message *why)
{
    const struct sae_area *area = NULL;
    int rc = sae_area_resolve(list, text, level, &area, why);
    if (rc == 0)
        memcpy(code, area->code, SAE_AREA_CODE_BYTES);
    return rc;
}

void sae_area_label(const struct sae_area_list *list, const struct sae_area *area,
                    char out[SAE_AREA_LABEL_BYTES])
{
    const struct sae_area *up = area->level >= SAE_AREA_DISTRICT
                                    ? sae_area_find(list, area->parent) : NULL;
    if (up)
        snprintf(out, SAE_AREA_LABEL_BYTES, "%s (%s)", area->name, up->name);
    else
        snprintf(out, SAE_AREA_LABEL_BYTES, "%s", area->name);
}
