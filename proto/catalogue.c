/* The catalogue's machinery: finding kinds, fields and set elements, safety ranks, names.
 * The tables are in catalogue_case.c and catalogue_events.c. */
#include "sae/sae_catalogue.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "catalogue_internal.h"
#include "sae/sae_error.h"

static const struct sae_kind *const kinds[] = {
    &catalogue_kind_case,
    &catalogue_kind_service,
    &catalogue_kind_referral,
    &catalogue_kind_shelter_stay,
};

size_t sae_catalogue_kind_count(void) { return COUNT(kinds); }

const struct sae_kind *sae_catalogue_kind_at(size_t index)
{
    return index < COUNT(kinds) ? kinds[index] : NULL;
}

/* Whether text (compared without case) is one of the '|'-separated forms in list. */
static bool among(const char *list, const char *text)
{
    size_t len = strlen(text);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, '|');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncasecmp(p, text, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

int sae_catalogue_find_kind(const char *name, const struct sae_kind **out)
{
    for (size_t i = 0; i < COUNT(kinds); i++) {
        if (strcmp(kinds[i]->name, name) == 0) {
            *out = kinds[i];
            return 0;
        }
    }
    for (size_t i = 0; i < COUNT(kinds); i++) {
        if (strcasecmp(kinds[i]->name, name) == 0 || among(kinds[i]->aliases, name)) {
            *out = kinds[i];
            return 0;
        }
    }
    return SAE_ENOTFOUND;
}

int sae_catalogue_find_field(const struct sae_kind *kind, const char *name,
                             const struct sae_field **out)
{
    for (size_t i = 0; i < kind->field_count; i++) {
        if (strcmp(kind->fields[i].name, name) == 0) {
            *out = &kind->fields[i];
            return 0;
        }
    }
    return SAE_ENOTFOUND;
}

int sae_catalogue_resolve(const struct sae_kind *kind, const char *name,
                          struct sae_field_ref *out)
{
    const char *slash = strchr(name, SAE_FIELD_ELEMENT_SEPARATOR);
    const struct sae_field *field = NULL;
    char base[SAE_FIELD_ELEMENT_NAME_BYTES];
    size_t len = slash ? (size_t)(slash - name) : strlen(name);
    if (len >= sizeof base)
        return SAE_ENOTFOUND;
    memcpy(base, name, len);
    base[len] = '\0';
    if (sae_catalogue_find_field(kind, base, &field) != 0)
        return SAE_ENOTFOUND;
    if (!slash) {
        if (field->type == SAE_FIELD_SET)
            return SAE_EINVAL; /* a set is stored element by element */
        *out = (struct sae_field_ref){field, NULL};
        return 0;
    }
    const struct sae_enum_value *element =
        field->type == SAE_FIELD_SET ? sae_field_find_value(field, slash + 1) : NULL;
    if (!element)
        return SAE_ENOTFOUND;
    *out = (struct sae_field_ref){field, element};
    return 0;
}

void sae_field_element_name(const struct sae_field *set, const struct sae_enum_value *element,
                            char out[SAE_FIELD_ELEMENT_NAME_BYTES])
{
    snprintf(out, SAE_FIELD_ELEMENT_NAME_BYTES, "%s%c%s", set->name,
             SAE_FIELD_ELEMENT_SEPARATOR, element->code);
}

int sae_field_rank(const struct sae_field *field, const struct sae_enum_value *element,
                   const char *value)
{
    if (field->merge != SAE_MERGE_SAFEST)
        return 0;
    if (element)
        return value ? 1 : 0;
    if (field->type == SAE_FIELD_BOOL)
        return !value ? 1 : strcmp(value, "false") == 0 ? 2 : 0;
    const struct sae_enum_value *v = value && field->type == SAE_FIELD_ENUM
                                         ? sae_field_find_value(field, value) : NULL;
    return v ? v->rank : 0;
}

bool sae_field_shown_in_lists(const struct sae_field *field)
{
    return !field->sensitive && field->type != SAE_FIELD_TEXT && !field->deprecated;
}

const char *sae_field_type_name(enum sae_field_type type)
{
    switch (type) {
    case SAE_FIELD_TEXT: return "text";
    case SAE_FIELD_INT: return "int";
    case SAE_FIELD_DATE: return "date";
    case SAE_FIELD_ENUM: return "enum";
    case SAE_FIELD_BOOL: return "bool";
    case SAE_FIELD_REFERENCE: return "reference";
    case SAE_FIELD_SET: return "set";
    case SAE_FIELD_AREA: return "area";
    }
    return "unknown";
}

const struct sae_enum_value *sae_field_find_value(const struct sae_field *field, const char *code)
{
    for (size_t i = 0; i < field->value_count; i++)
        if (strcmp(field->values[i].code, code) == 0)
            return &field->values[i];
    return NULL;
}

void sae_field_allowed_codes(const struct sae_field *field, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < field->value_count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", field->values[i].code);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
