/* A report's values as people read them: sets put together from their element fields,
 * deprecated values shown through the set that replaced them, labels beside codes. */
#include "sae/sae_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_area.h"
#include "sae/sae_error.h"

static sae_set_mask bit_of(const struct sae_field *set, const struct sae_enum_value *element)
{
    return (sae_set_mask)1 << (size_t)(element - set->values);
}

int sae_set_format(const struct sae_field *set, sae_set_mask mask, char **out)
{
    size_t room = 1, used = 0;
    for (size_t i = 0; i < set->value_count; i++)
        room += strlen(set->values[i].code) + 1;
    char *text = malloc(room);
    if (!text)
        return SAE_ENOMEM;
    text[0] = '\0';
    for (size_t i = 0; i < set->value_count && i < SAE_SET_VALUES_MAX; i++) {
        if (!(mask & ((sae_set_mask)1 << i)))
            continue;
        int n = snprintf(text + used, room - used, "%s%s", used ? "," : "", set->values[i].code);
        used += n > 0 ? (size_t)n : 0;
    }
    *out = text;
    return 0;
}

int sae_set_parse(const struct sae_field *set, const char *canonical, sae_set_mask *out)
{
    sae_set_mask mask = 0;
    char code[SAE_FIELD_ELEMENT_NAME_BYTES];
    for (const char *p = canonical; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0 || n >= sizeof code)
            return SAE_EINVAL;
        memcpy(code, p, n);
        code[n] = '\0';
        const struct sae_enum_value *element = sae_field_find_value(set, code);
        if (!element || (mask >> (size_t)(element - set->values)) != 0)
            return SAE_EINVAL; /* unknown, repeated or out of catalogue order */
        mask |= bit_of(set, element);
        p = comma ? comma + 1 : p + n;
        if (comma && !*p)
            return SAE_EINVAL;
    }
    *out = mask;
    return 0;
}

int sae_set_codes(const struct sae_field *set, const char *canonical,
                  const char *codes[SAE_SET_VALUES_MAX], size_t *count)
{
    sae_set_mask mask = 0;
    size_t n = 0;
    int rc = sae_set_parse(set, canonical, &mask);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < set->value_count && i < SAE_SET_VALUES_MAX; i++)
        if (mask & ((sae_set_mask)1 << i))
            codes[n++] = set->values[i].code;
    *count = n;
    return 0;
}

size_t sae_field_index(const struct sae_kind *kind, const struct sae_field *field)
{
    return (size_t)(field - kind->fields);
}

void sae_view_free(struct sae_view *view)
{
    if (view->values)
        for (size_t i = 0; i < view->kind->field_count; i++)
            free(view->values[i]);
    free(view->values);
    free(view->versions);
    free(view->elements);
    free(view->legacy);
    view->values = NULL;
    view->versions = NULL;
    view->elements = NULL;
    view->legacy = NULL;
}

int sae_view_init(struct sae_view *view, const struct sae_kind *kind)
{
    size_t n = kind->field_count;
    view->kind = kind;
    view->values = calloc(n, sizeof *view->values);
    view->versions = calloc(n, sizeof *view->versions);
    view->elements = calloc(n, sizeof *view->elements);
    view->legacy = calloc(n, sizeof *view->legacy);
    if (!view->values || !view->versions || !view->elements || !view->legacy) {
        sae_view_free(view);
        return SAE_ENOMEM;
    }
    return 0;
}

int sae_view_add(struct sae_view *view, const char *name, const char *value,
                 struct sae_version version)
{
    struct sae_field_ref ref;
    if (sae_catalogue_resolve(view->kind, name, &ref) != 0)
        return 0;
    size_t i = sae_field_index(view->kind, ref.field);
    /* A set changed when any element did, removals included. */
    if (value || ref.element)
        if (sae_version_compare(&version, &view->versions[i]) > 0)
            view->versions[i] = version;
    if (ref.element) {
        if (value)
            view->elements[i] |= bit_of(ref.field, ref.element);
        return 0;
    }
    if (!value)
        return 0;
    char *copy = strdup(value);
    if (!copy)
        return SAE_ENOMEM;
    free(view->values[i]);
    view->values[i] = copy;
    return 0;
}

/* A deprecated field replaced by a set: its value joins the set when it is one of the
 * set's codes and the set has no element; either way the set now speaks for it. */
static void join_legacy(struct sae_view *view, size_t old)
{
    const struct sae_field *field = &view->kind->fields[old];
    const struct sae_field *set = NULL;
    if (!field->deprecated || !field->replaced_by || !view->values[old] ||
        sae_catalogue_find_field(view->kind, field->replaced_by, &set) != 0 ||
        set->type != SAE_FIELD_SET)
        return;
    const struct sae_enum_value *element = sae_field_find_value(set, view->values[old]);
    if (!element)
        return; /* not one of its codes (a yes/no flag): shown as it is */
    size_t i = sae_field_index(view->kind, set);
    if (view->elements[i] == 0) {
        view->elements[i] = bit_of(set, element);
        view->legacy[i] = true;
        if (sae_version_compare(&view->versions[old], &view->versions[i]) > 0)
            view->versions[i] = view->versions[old];
    }
    free(view->values[old]);
    view->values[old] = NULL;
}

int sae_view_finish(struct sae_view *view)
{
    const struct sae_kind *kind = view->kind;
    for (size_t i = 0; i < kind->field_count; i++)
        join_legacy(view, i);
    for (size_t i = 0; i < kind->field_count; i++) {
        if (kind->fields[i].type != SAE_FIELD_SET || view->elements[i] == 0)
            continue;
        char *text = NULL;
        int rc = sae_set_format(&kind->fields[i], view->elements[i], &text);
        if (rc != 0)
            return rc;
        free(view->values[i]);
        view->values[i] = text;
    }
    return 0;
}

const char *sae_view_get(const struct sae_view *view, const char *field_name)
{
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_field(view->kind, field_name, &field) != 0)
        return NULL;
    return view->values[sae_field_index(view->kind, field)];
}

static int set_label(const struct sae_field *set, const char *value,
                     char out[SAE_VALUE_LABEL_BYTES])
{
    sae_set_mask mask = 0;
    size_t used = 0;
    if (sae_set_parse(set, value, &mask) != 0 || mask == 0)
        return SAE_ENOTFOUND;
    out[0] = '\0';
    for (size_t i = 0; i < set->value_count && used < SAE_VALUE_LABEL_BYTES; i++) {
        if (!(mask & ((sae_set_mask)1 << i)))
            continue;
        int n = snprintf(out + used, SAE_VALUE_LABEL_BYTES - used, "%s%s", used ? ", " : "",
                         set->values[i].label_id);
        used += n > 0 ? (size_t)n : 0;
    }
    return 0;
}

static int area_label(const char *code, char out[SAE_VALUE_LABEL_BYTES])
{
    const struct sae_area_list *list = NULL;
    char label[SAE_AREA_LABEL_BYTES];
    int rc = sae_area_list_shared(&list);
    if (rc != 0)
        return rc;
    const struct sae_area *area = sae_area_find(list, code);
    if (!area)
        return SAE_ENOTFOUND;
    sae_area_label(list, area, label);
    snprintf(out, SAE_VALUE_LABEL_BYTES, "%s", label);
    return 0;
}

int sae_value_label(const struct sae_field *field, const char *value,
                    char out[SAE_VALUE_LABEL_BYTES])
{
    const struct sae_enum_value *v = NULL;
    if (!field || !value)
        return SAE_ENOTFOUND;
    switch (field->type) {
    case SAE_FIELD_ENUM:
        if (!(v = sae_field_find_value(field, value)))
            return SAE_ENOTFOUND;
        snprintf(out, SAE_VALUE_LABEL_BYTES, "%s", v->label_id);
        return 0;
    case SAE_FIELD_SET: return set_label(field, value, out);
    case SAE_FIELD_AREA: return area_label(value, out);
    default: return SAE_ENOTFOUND;
    }
}
