#include "app/report_form_html.h"

#include <stdio.h>
#include <string.h>

/* Choices up to this many are radio buttons (all visible at once on a phone); more are a
 * list. */
#define RADIO_CHOICES_MAX 4
#define ID_BYTES 160

void report_form_date_text(const char *canonical, char out[16])
{
    size_t len = strlen(canonical);
    if (len == 10 && canonical[4] == '-' && canonical[7] == '-')
        snprintf(out, 16, "%.2s-%.2s-%.4s", canonical + 8, canonical + 5, canonical);
    else
        snprintf(out, 16, "%s", canonical);
}

void report_form_problem_text(enum msg_lang lang, const struct report_form_error *error,
                              char out[REPORT_FORM_PROBLEM_BYTES])
{
    static const enum msg_id plain[] = {
        [REPORT_FORM_REQUIRED] = MSG_FORM_ERR_REQUIRED, [REPORT_FORM_BAD_DATE] = MSG_FORM_ERR_DATE,
        [REPORT_FORM_BAD_TEXT] = MSG_FORM_ERR_TEXT, [REPORT_FORM_BAD_CHOICE] = MSG_FORM_ERR_CHOICE,
        [REPORT_FORM_BAD_AREA] = MSG_FORM_ERR_AREA};
    switch (error->problem) {
    case REPORT_FORM_FINE:
        out[0] = '\0';
        break;
    case REPORT_FORM_BAD_NUMBER:
        snprintf(out, REPORT_FORM_PROBLEM_BYTES, "%s %lld %s %lld.",
                 msg_get(lang, MSG_FORM_ERR_NUMBER), error->low,
                 msg_get(lang, MSG_FORM_ERR_NUMBER_TO), error->high);
        break;
    case REPORT_FORM_TOO_LONG:
        snprintf(out, REPORT_FORM_PROBLEM_BYTES, "%s %lld.", msg_get(lang, MSG_FORM_ERR_TOO_LONG),
                 error->high);
        break;
    default:
        snprintf(out, REPORT_FORM_PROBLEM_BYTES, "%s", msg_get(lang, plain[error->problem]));
        break;
    }
}

static bool wanted(const struct report_form_layout *layout, const struct sae_field *field)
{
    if (!report_form_has_field(field))
        return false;
    if (!layout->only)
        return true;
    for (const char *const *name = layout->only; *name; name++)
        if (strcmp(*name, field->name) == 0)
            return true;
    return false;
}

/* The value a control shows, as staff wrote it or would write it. */
static const char *shown_value(const struct report_form_layout *layout, size_t index,
                               char date[16])
{
    const struct sae_field *field = &layout->kind->fields[index];
    if (layout->shown.posted)
        return web_form_get(layout->shown.posted, field->name);
    const char *value = layout->shown.stored ? layout->shown.stored->values[index]
                                             : field->default_value;
    if (value && field->type == SAE_FIELD_DATE) {
        report_form_date_text(value, date);
        return date;
    }
    return value;
}

static bool element_checked(const struct report_form_layout *layout, size_t index,
                            size_t element)
{
    const struct sae_field *set = &layout->kind->fields[index];
    if (layout->shown.posted) {
        char name[SAE_FIELD_ELEMENT_NAME_BYTES];
        sae_field_element_name(set, &set->values[element], name);
        return web_form_get(layout->shown.posted, name) != NULL;
    }
    return layout->shown.stored &&
           (layout->shown.stored->elements[index] & ((sae_set_mask)1 << element)) != 0;
}

static const char *text_of(enum msg_lang lang, const char *id, const char *en)
{
    return lang == MSG_LANG_EN && en ? en : id;
}

static const struct report_form_error *error_of(const struct report_form_layout *layout,
                                                size_t index)
{
    const struct report_form_error *e = layout->errors ? &layout->errors[index] : NULL;
    return e && e->problem != REPORT_FORM_FINE ? e : NULL;
}

/* The caption of a field: its label and, when it must be filled, the mark saying so. */
static void caption(struct html *h, const struct report_form_layout *layout,
                    const struct sae_field *field, const char *tag, const char *for_id)
{
    struct html_attr attr = {"for", for_id};
    html_open(h, tag, for_id ? &attr : NULL, for_id ? 1 : 0);
    html_text(h, msg_field_label(layout->lang, field));
    if (field->required) {
        html_text(h, " ");
        html_element(h, "span", &(struct html_attr){"class", "required"}, 1,
                     msg_get(layout->lang, MSG_FORM_REQUIRED_MARK));
    }
    html_close(h, tag);
}

/* The help and the problem under a field's caption; *described names them for the control. */
static void notes(struct html *h, const struct report_form_layout *layout, size_t index,
                  const char *id, char described[2 * ID_BYTES + 2])
{
    const struct sae_field *field = &layout->kind->fields[index];
    const struct report_form_error *error = error_of(layout, index);
    const char *help = text_of(layout->lang, field->help_id, field->help_en);
    char note_id[ID_BYTES + 8], problem[REPORT_FORM_PROBLEM_BYTES];
    described[0] = '\0';
    if (!help && field->type == SAE_FIELD_DATE)
        help = msg_get(layout->lang, MSG_FORM_DATE_HINT);
    if (!help && field->type == SAE_FIELD_AREA)
        help = msg_get(layout->lang, MSG_FORM_AREA_HINT);
    if (help) {
        snprintf(note_id, sizeof note_id, "%s-help", id);
        struct html_attr attrs[] = {{"class", "help"}, {"id", note_id}};
        html_element(h, "p", attrs, 2, help);
        snprintf(described, 2 * ID_BYTES + 2, "%s", note_id);
    }
    if (error) {
        report_form_problem_text(layout->lang, error, problem);
        snprintf(note_id, sizeof note_id, "%s-error", id);
        struct html_attr attrs[] = {{"class", "error"}, {"id", note_id}};
        html_element(h, "p", attrs, 2, problem);
        size_t used = strlen(described);
        snprintf(described + used, 2 * ID_BYTES + 2 - used, "%s%s", used ? " " : "", note_id);
    }
}

/* The first wrong field of a form sent back takes the focus: the browser scrolls to it. */
static size_t focus_once(struct html_attr *attrs, size_t n, bool *focus)
{
    if (!*focus)
        return n;
    *focus = false;
    attrs[n] = (struct html_attr){"autofocus", NULL};
    return n + 1;
}

static void choice(struct html *h, const char *type, const char *name, const char *value,
                   const char *label, bool checked, const char *id, bool *focus)
{
    struct html_attr attrs[6] = {{"type", type}, {"name", name}, {"value", value}, {"id", id}};
    size_t n = 4;
    if (checked)
        attrs[n++] = (struct html_attr){"checked", NULL};
    n = focus_once(attrs, n, focus);
    html_open(h, "label", &(struct html_attr){"class", "choice"}, 1);
    html_open(h, "input", attrs, n);
    html_text(h, " ");
    html_text(h, label);
    html_close(h, "label");
}

/* Radio buttons (few choices, yes/no) or boxes (a set), in a fieldset with its legend. */
static void group(struct html *h, const struct report_form_layout *layout, size_t index,
                  const char *id, bool *focus)
{
    const struct sae_field *field = &layout->kind->fields[index];
    enum msg_lang lang = layout->lang;
    char date[16], described[2 * ID_BYTES + 2], item_id[ID_BYTES + SAE_FIELD_ELEMENT_NAME_BYTES];
    const char *value = shown_value(layout, index, date);
    html_open(h, "fieldset", &(struct html_attr){"class", "choices"}, 1);
    caption(h, layout, field, "legend", NULL);
    notes(h, layout, index, id, described);
    if (field->type == SAE_FIELD_SET) {
        html_open(h, "input", (struct html_attr[]){{"type", "hidden"}, {"name", field->name},
                                                   {"value", ""}}, 3);
        for (size_t i = 0; i < field->value_count; i++) {
            char name[SAE_FIELD_ELEMENT_NAME_BYTES];
            sae_field_element_name(field, &field->values[i], name);
            snprintf(item_id, sizeof item_id, "%s-%s", id, field->values[i].code);
            choice(h, "checkbox", name, SAE_FIELD_ELEMENT_PRESENT,
                   text_of(lang, field->values[i].label_id, field->values[i].label_en),
                   element_checked(layout, index, i), item_id, focus);
        }
    } else if (field->type == SAE_FIELD_BOOL) {
        static const char *const codes[] = {"true", "false"};
        static const enum msg_id labels[] = {MSG_FORM_YES, MSG_FORM_NO};
        for (size_t i = 0; i < 2; i++) {
            snprintf(item_id, sizeof item_id, "%s-%s", id, codes[i]);
            choice(h, "radio", field->name, codes[i], msg_get(lang, labels[i]),
                   value && strcmp(value, codes[i]) == 0, item_id, focus);
        }
    } else {
        for (size_t i = 0; i < field->value_count; i++) {
            snprintf(item_id, sizeof item_id, "%s-%s", id, field->values[i].code);
            choice(h, "radio", field->name, field->values[i].code,
                   text_of(lang, field->values[i].label_id, field->values[i].label_en),
                   value && strcmp(value, field->values[i].code) == 0, item_id, focus);
        }
    }
    if (field->type != SAE_FIELD_SET && !field->required) {
        snprintf(item_id, sizeof item_id, "%s-none", id);
        choice(h, "radio", field->name, "", msg_get(lang, MSG_FORM_NOT_FILLED),
               !value || !*value, item_id, focus);
    }
    html_close(h, "fieldset");
}

/* The longest text a browser lets staff type: the catalogue's limit, or less when a form
 * field cannot carry it (WEB_FORM_VALUE_BYTES); characters, at most that many bytes. */
static const char *text_limit(const struct sae_field *field, char out[24])
{
    size_t limit = field->max_bytes ? field->max_bytes : SAE_LIMIT_TEXT_BYTES;
    snprintf(out, 24, "%zu", limit < WEB_FORM_VALUE_BYTES - 1 ? limit : WEB_FORM_VALUE_BYTES - 1);
    return out;
}

static void option(struct html *h, const char *value, const char *label, bool selected)
{
    struct html_attr attrs[] = {{"value", value}, {"selected", NULL}};
    html_element(h, "option", attrs, selected ? 2 : 1, label);
}

/* One control with its own label: a list, a text box or a text area. */
static void single(struct html *h, const struct report_form_layout *layout, size_t index,
                   const char *id, bool *focus)
{
    const struct sae_field *field = &layout->kind->fields[index];
    char date[16], described[2 * ID_BYTES + 2], max[24];
    const char *value = shown_value(layout, index, date);
    html_open(h, "div", &(struct html_attr){"class", "field"}, 1);
    caption(h, layout, field, "label", id);
    notes(h, layout, index, id, described);
    struct html_attr attrs[9] = {{"id", id}, {"name", field->name}};
    size_t n = focus_once(attrs, 2, focus);
    if (described[0])
        attrs[n++] = (struct html_attr){"aria-describedby", described};
    if (error_of(layout, index))
        attrs[n++] = (struct html_attr){"aria-invalid", "true"};
    if (field->type == SAE_FIELD_ENUM) {
        html_open(h, "select", attrs, n);
        option(h, "", msg_get(layout->lang, MSG_FORM_CHOOSE), !value || !*value);
        for (size_t i = 0; i < field->value_count; i++)
            option(h, field->values[i].code,
                   text_of(layout->lang, field->values[i].label_id, field->values[i].label_en),
                   value && strcmp(value, field->values[i].code) == 0);
        html_close(h, "select");
    } else if (field->multiline) {
        attrs[n++] = (struct html_attr){"maxlength", text_limit(field, max)};
        html_element(h, "textarea", attrs, n, value);
    } else {
        attrs[n++] = (struct html_attr){"type", "text"};
        attrs[n++] = (struct html_attr){"value", value ? value : ""};
        if (field->type == SAE_FIELD_INT || field->type == SAE_FIELD_DATE)
            attrs[n++] = (struct html_attr){"inputmode", "numeric"};
        if (field->type == SAE_FIELD_DATE)
            attrs[n++] = (struct html_attr){"placeholder",
                                            msg_get(layout->lang, MSG_FORM_DATE_PLACEHOLDER)};
        else if (field->type == SAE_FIELD_TEXT)
            attrs[n++] = (struct html_attr){"maxlength", text_limit(field, max)};
        html_open(h, "input", attrs, n);
    }
    html_close(h, "div");
}

int report_form_html(struct html *h, const struct report_form_layout *layout)
{
    char id[ID_BYTES];
    bool focused = false;
    for (size_t i = 0; i < layout->kind->field_count; i++) {
        const struct sae_field *field = &layout->kind->fields[i];
        if (!wanted(layout, field))
            continue;
        snprintf(id, sizeof id, "%s-%s", layout->id_prefix, field->name);
        bool few = field->type == SAE_FIELD_ENUM && field->value_count <= RADIO_CHOICES_MAX;
        bool focus = !focused && error_of(layout, i) != NULL;
        focused = focused || focus;
        if (field->type == SAE_FIELD_SET || field->type == SAE_FIELD_BOOL || few)
            group(h, layout, i, id, &focus);
        else
            single(h, layout, i, id, &focus);
    }
    return h->error;
}
