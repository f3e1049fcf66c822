#include "app/report_form.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_plan.h"
#include "sae/sae_validate.h"

bool report_form_has_field(const struct sae_field *field)
{
    return !field->deprecated && field->type != SAE_FIELD_REFERENCE &&
           sae_edit_check(field, SAE_EDIT_SET, NULL) == 0;
}

size_t report_form_name_count(const struct sae_kind *kind)
{
    size_t names = 0;
    for (size_t i = 0; i < kind->field_count; i++) {
        const struct sae_field *field = &kind->fields[i];
        if (report_form_has_field(field))
            names += 1 + (field->type == SAE_FIELD_SET ? field->value_count : 0);
    }
    return names;
}

void report_form_free(struct report_form *form)
{
    for (size_t i = 0; i < form->count; i++)
        free(form->changes[i].value);
    form->count = 0;
}

static int push(struct report_form *form, const struct sae_field *field, enum sae_edit_op op,
                char *value)
{
    if (form->count == SAE_LIMIT_CHANGES_PER_COMMAND) {
        free(value);
        return SAE_ETOOBIG;
    }
    form->changes[form->count++] = (struct journal_change){field, value, op};
    return 0;
}

int report_form_append(struct report_form *form, const struct sae_field *field,
                       const char *value)
{
    char *copy = strdup(value);
    return copy ? push(form, field, SAE_EDIT_SET, copy) : SAE_ENOMEM;
}

static void mark(struct report_form *form, size_t index, enum report_form_problem problem,
                 long long low, long long high)
{
    form->errors[index] = (struct report_form_error){problem, low, high};
    form->error_count++;
}

/* "FIELD/CODE" of a set on the form: the set and its element; false for any other name. */
static bool element_of(const struct sae_kind *kind, const char *name,
                       const struct sae_field **set, const struct sae_enum_value **element)
{
    struct sae_field_ref ref;
    if (!strchr(name, SAE_FIELD_ELEMENT_SEPARATOR) ||
        sae_catalogue_resolve(kind, name, &ref) != 0 || !ref.element ||
        !report_form_has_field(ref.field))
        return false;
    *set = ref.field;
    *element = ref.element;
    return true;
}

static bool is_extra(const char *const *extra, const char *name)
{
    for (; extra && *extra; extra++)
        if (strcmp(*extra, name) == 0)
            return true;
    return false;
}

/* Every posted name is the page's own, a field of the form or a set's element. */
static int check_names(const struct sae_kind *kind, const struct web_form *posted,
                       const char *const *extra, struct sae_message *why)
{
    for (unsigned i = 0; i < posted->count; i++) {
        const char *name = posted->fields[i].name;
        const struct sae_field *field = NULL;
        const struct sae_enum_value *element = NULL;
        if (is_extra(extra, name) || element_of(kind, name, &field, &element) ||
            (sae_catalogue_find_field(kind, name, &field) == 0 && report_form_has_field(field)))
            continue;
        sae_message_set(why, "the %s form has no field \"%.40s\"; reload the page and try "
                        "again", kind->name, name);
        return SAE_ENOTFOUND;
    }
    return 0;
}

/* The checked elements of set; *present tells whether the set was on the form at all. */
static int read_set(const struct sae_kind *kind, const struct sae_field *set,
                    const struct web_form *posted, sae_set_mask *mask, bool *present)
{
    *present = web_form_get(posted, set->name) != NULL;
    *mask = 0;
    for (unsigned i = 0; i < posted->count; i++) {
        const struct sae_field *field = NULL;
        const struct sae_enum_value *element = NULL;
        if (!element_of(kind, posted->fields[i].name, &field, &element) || field != set)
            continue;
        if (strcmp(posted->fields[i].value, SAE_FIELD_ELEMENT_PRESENT) != 0)
            return SAE_EINVAL;
        *mask |= (sae_set_mask)1 << (size_t)(element - set->values);
        *present = true;
    }
    return 0;
}

static int take_set(struct report_form *form, size_t index, const struct web_form *posted,
                    const struct sae_view *before, bool *given)
{
    const struct sae_field *set = &form->kind->fields[index];
    sae_set_mask mask = 0;
    bool present = false;
    char *value = NULL;
    if (read_set(form->kind, set, posted, &mask, &present) != 0) {
        mark(form, index, REPORT_FORM_BAD_CHOICE, 0, 0);
        return 0;
    }
    *given = present && (mask != 0 || before != NULL);
    if (!*given)
        return 0;
    if (mask == 0 && set->required) {
        mark(form, index, REPORT_FORM_REQUIRED, 0, 0);
        return 0;
    }
    if (mask == 0)
        return before->values[index] ? push(form, set, SAE_EDIT_UNSET, NULL) : 0;
    int rc = sae_set_format(set, mask, &value);
    return rc == 0 ? push(form, set, SAE_EDIT_SET, value) : rc;
}

/* Spaces around a one-line value are what a phone's keyboard adds, not what staff meant. */
static void trim(const struct sae_field *field, const char **text, size_t *len)
{
    *len = strlen(*text);
    if (field->multiline)
        return;
    while (*len > 0 && (**text == ' ' || **text == '\t')) {
        (*text)++;
        (*len)--;
    }
    while (*len > 0 && ((*text)[*len - 1] == ' ' || (*text)[*len - 1] == '\t'))
        (*len)--;
}

static void mark_invalid(struct report_form *form, size_t index, int rc)
{
    const struct sae_field *field = &form->kind->fields[index];
    switch (field->type) {
    case SAE_FIELD_DATE:
        mark(form, index, REPORT_FORM_BAD_DATE, 0, 0);
        break;
    case SAE_FIELD_INT:
        mark(form, index, REPORT_FORM_BAD_NUMBER, field->min_value, field->max_value);
        break;
    case SAE_FIELD_TEXT:
        if (rc == SAE_ETOOBIG)
            mark(form, index, REPORT_FORM_TOO_LONG, 0,
                 (long long)(field->max_bytes ? field->max_bytes : SAE_LIMIT_TEXT_BYTES));
        else
            mark(form, index, REPORT_FORM_BAD_TEXT, 0, 0);
        break;
    case SAE_FIELD_AREA:
        mark(form, index, REPORT_FORM_BAD_AREA, 0, 0);
        break;
    default:
        mark(form, index, REPORT_FORM_BAD_CHOICE, 0, 0);
        break;
    }
}

static int take_value(struct report_form *form, size_t index, const struct web_form *posted,
                      const struct sae_view *before, bool *given)
{
    const struct sae_field *field = &form->kind->fields[index];
    const char *text = web_form_get(posted, field->name);
    char message[SAE_VALIDATE_MESSAGE_BYTES], *value = NULL;
    size_t len = 0;
    *given = false;
    if (!text)
        return 0;
    trim(field, &text, &len);
    if (len == 0) {
        if (!before || !before->values[index])
            return 0;
        *given = true;
        if (field->required) {
            mark(form, index, REPORT_FORM_REQUIRED, 0, 0);
            return 0;
        }
        return push(form, field, SAE_EDIT_UNSET, NULL);
    }
    *given = true;
    int rc;
    if (field->type == SAE_FIELD_AREA) {
        char area[SAE_VALIDATE_MESSAGE_BYTES];
        memcpy(area, text, len < sizeof area ? len : sizeof area - 1);
        area[len < sizeof area ? len : sizeof area - 1] = '\0';
        rc = len < sizeof area ? sae_edit_area(field, area, &value, NULL) : SAE_EINVAL;
    } else {
        rc = sae_validate_value(field, text, len, &value, message);
    }
    if (rc == SAE_ENOMEM)
        return rc;
    if (rc != 0) {
        mark_invalid(form, index, rc);
        return 0;
    }
    return push(form, field, SAE_EDIT_SET, value);
}

/* A new report: the catalogue's defaults for what was left empty, and the required fields
 * (but the case a report belongs to, which the page supplies). */
static int complete(struct report_form *form, const bool *given)
{
    for (size_t i = 0; i < form->kind->field_count; i++) {
        const struct sae_field *field = &form->kind->fields[i];
        if (given[i] || !report_form_has_field(field))
            continue;
        if (field->default_value) {
            int rc = report_form_append(form, field, field->default_value);
            if (rc != 0)
                return rc;
        } else if (field->required) {
            mark(form, i, REPORT_FORM_REQUIRED, 0, 0);
        }
    }
    return 0;
}

int report_form_read(struct report_form *form, const struct sae_kind *kind,
                     const struct sae_view *before, const struct web_form *posted,
                     const char *const *extra, struct sae_message *why)
{
    bool given[REPORT_FORM_FIELDS_MAX] = {false};
    memset(form, 0, sizeof *form);
    form->kind = kind;
    if (kind->field_count > REPORT_FORM_FIELDS_MAX) {
        sae_message_set(why, "%s has more fields than a form holds (%d)", kind->name,
                        REPORT_FORM_FIELDS_MAX);
        return SAE_ETOOBIG;
    }
    int rc = check_names(kind, posted, extra, why);
    for (size_t i = 0; rc == 0 && i < kind->field_count; i++) {
        const struct sae_field *field = &kind->fields[i];
        if (!report_form_has_field(field))
            continue;
        rc = field->type == SAE_FIELD_SET ? take_set(form, i, posted, before, &given[i])
                                          : take_value(form, i, posted, before, &given[i]);
        given[i] = given[i] || form->errors[i].problem != REPORT_FORM_FINE;
    }
    if (rc == 0 && !before)
        rc = complete(form, given);
    if (rc == 0 && form->error_count > 0)
        rc = SAE_EINVAL;
    if (rc == SAE_ETOOBIG)
        sae_message_set(why, "too many changes in one form (limit %d)",
                        SAE_LIMIT_CHANGES_PER_COMMAND);
    if (rc != 0)
        report_form_free(form);
    return rc;
}
