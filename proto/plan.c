/* From the changes a person asked for to the stored field changes (sae_plan.h). */
#include "sae/sae_plan.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_area.h"
#include "sae/sae_rules.h"

/* The state a command leads to, by field index. */
struct after_state {
    size_t n;
    const char **after;     /* borrowed from before, the edits, or owned[] */
    char **owned;           /* set texts and rule defaults made here */
    bool *given;
    sae_set_mask *elements; /* sets: the elements after the command */
};

static void state_free(struct after_state *s)
{
    if (s->owned)
        for (size_t i = 0; i < s->n; i++)
            free(s->owned[i]);
    free(s->owned);
    free(s->after);
    free(s->given);
    free(s->elements);
}

static int state_init(struct after_state *s, const struct sae_plan_input *in)
{
    s->n = in->kind->field_count;
    s->after = calloc(s->n, sizeof *s->after);
    s->owned = calloc(s->n, sizeof *s->owned);
    s->given = calloc(s->n, sizeof *s->given);
    s->elements = calloc(s->n, sizeof *s->elements);
    if (!s->after || !s->owned || !s->given || !s->elements)
        return SAE_ENOMEM;
    for (size_t i = 0; in->before && i < s->n; i++) {
        s->after[i] = in->before->values[i];
        s->elements[i] = in->before->elements[i];
    }
    return 0;
}

static void own(struct after_state *s, size_t i, char *text)
{
    free(s->owned[i]);
    s->owned[i] = text;
    s->after[i] = text;
}

static int apply_set_edit(struct after_state *s, size_t i, const struct sae_edit *e)
{
    sae_set_mask listed = 0;
    int rc = e->value ? sae_set_parse(e->field, e->value, &listed) : 0;
    if (rc != 0)
        return rc;
    switch (e->op) {
    case SAE_EDIT_SET: s->elements[i] = listed; break;
    case SAE_EDIT_UNSET: s->elements[i] = 0; break;
    case SAE_EDIT_ADD: s->elements[i] |= listed; break;
    case SAE_EDIT_REMOVE: s->elements[i] &= ~listed; break;
    }
    char *text = NULL;
    rc = sae_set_format(e->field, s->elements[i], &text);
    if (rc != 0)
        return rc;
    own(s, i, text);
    if (!text[0])
        s->after[i] = NULL; /* an empty set reads as unset */
    return 0;
}

static int apply_edits(struct after_state *s, const struct sae_plan_input *in)
{
    for (size_t k = 0; k < in->edit_count; k++) {
        const struct sae_edit *e = &in->edits[k];
        size_t i = sae_field_index(in->kind, e->field);
        s->given[i] = true;
        if (e->field->type == SAE_FIELD_SET) {
            int rc = apply_set_edit(s, i, e);
            if (rc != 0)
                return rc;
        } else {
            s->after[i] = e->op == SAE_EDIT_UNSET ? NULL : e->value;
        }
    }
    return 0;
}

static int required_sets(const struct after_state *s, const struct sae_plan_input *in,
                         struct sae_message *why)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct sae_field *f = &in->kind->fields[i];
        if (f->type != SAE_FIELD_SET || !f->required || s->elements[i] != 0)
            continue;
        if (!in->before || s->given[i]) {
            sae_message_set(why, "%s needs at least one value (wajib diisi, minimal satu); give "
                            "--set %s=CODE[,CODE...] (sae-node fields %s lists the codes)",
                            f->name, f->name, in->kind->name);
            return SAE_EINVAL;
        }
    }
    return 0;
}

static int run_rules(struct after_state *s, const struct sae_plan_input *in,
                     struct sae_message *why)
{
    struct sae_rules_input r = {.kind = in->kind,
                                .before = in->before ? (const char *const *)in->before->values
                                                     : NULL,
                                .after = s->after, .given = s->given,
                                .case_view = in->case_view, .now_ms = in->now_ms};
    char **filled = calloc(s->n, sizeof *filled);
    if (!filled)
        return SAE_ENOMEM;
    int rc = sae_rules_defaults(&r, filled);
    for (size_t i = 0; i < s->n; i++)
        if (filled[i])
            own(s, i, filled[i]);
    free(filled);
    return rc == 0 ? sae_rules_check(&r, why) : rc;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int push_write(struct sae_plan *plan, const struct sae_field *field,
                      const struct sae_enum_value *element, const char *value)
{
    struct sae_write *grown = realloc(plan->writes, (plan->count + 1) * sizeof *grown);
    if (!grown)
        return SAE_ENOMEM;
    plan->writes = grown;
    struct sae_write *w = &grown[plan->count];
    w->field = field;
    w->value = NULL;
    if (element)
        sae_field_element_name(field, element, w->name);
    else
        snprintf(w->name, sizeof w->name, "%s", field->name);
    if (value && !(w->value = strdup(value)))
        return SAE_ENOMEM;
    plan->count++;
    return 0;
}

/* A set is stored element by element: the elements added and removed against those
 * recorded (none when the view shows a deprecated field's value). */
static int plan_set(struct sae_plan *plan, const struct sae_plan_input *in, size_t i,
                    sae_set_mask target)
{
    const struct sae_field *set = &in->kind->fields[i];
    sae_set_mask stored = in->before && !in->before->legacy[i] ? in->before->elements[i] : 0;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < set->value_count; k++) {
        sae_set_mask bit = (sae_set_mask)1 << k;
        if ((target & bit) != (stored & bit))
            rc = push_write(plan, set, &set->values[k],
                            (target & bit) ? SAE_FIELD_ELEMENT_PRESENT : NULL);
    }
    return rc;
}

static int plan_writes(const struct after_state *s, const struct sae_plan_input *in,
                       struct sae_plan *plan)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        const struct sae_field *f = &in->kind->fields[i];
        const char *before = in->before ? in->before->values[i] : NULL;
        if (f->type == SAE_FIELD_SET) {
            if (s->given[i])
                rc = plan_set(plan, in, i, s->elements[i]);
        } else if (!same(before, s->after[i])) {
            rc = push_write(plan, f, NULL, s->after[i]);
        }
    }
    return rc;
}

int sae_plan_make(const struct sae_plan_input *in, struct sae_plan *out, struct sae_message *why)
{
    struct after_state s = {0};
    struct sae_plan plan = {0};
    int rc = state_init(&s, in);
    if (rc == 0)
        rc = apply_edits(&s, in);
    if (rc == 0)
        rc = required_sets(&s, in, why);
    if (rc == 0)
        rc = run_rules(&s, in, why);
    if (rc == 0)
        rc = plan_writes(&s, in, &plan);
    state_free(&s);
    if (rc != 0) {
        sae_plan_free(&plan);
        return rc;
    }
    *out = plan;
    return 0;
}

void sae_plan_free(struct sae_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        free(plan->writes[i].value);
    free(plan->writes);
    plan->writes = NULL;
    plan->count = 0;
}

const char *sae_plan_case_id(const struct sae_plan_input *in)
{
    for (size_t k = 0; k < in->edit_count; k++)
        if (strcmp(in->edits[k].field->name, "case_id") == 0)
            return in->edits[k].value;
    return in->before ? sae_view_get(in->before, "case_id") : NULL;
}

int sae_edit_check(const struct sae_field *field, enum sae_edit_op op, struct sae_message *why)
{
    if (field->deprecated) {
        sae_message_set(why, "%s is kept for old cases only and is not written any more; use "
                        "%s (sae-node fields lists its values)", field->name, field->replaced_by);
        return SAE_EINVAL;
    }
    if (strcmp(field->name, "registration_number") == 0) {
        sae_message_set(why, "registration_number is given by sae-node when a case is recorded "
                        "and cannot be set");
        return SAE_EINVAL;
    }
    if ((op == SAE_EDIT_ADD || op == SAE_EDIT_REMOVE) && field->type != SAE_FIELD_SET) {
        sae_message_set(why, "--%s adds or removes values of a set field; %s is not one: use "
                        "--set %s=VALUE", op == SAE_EDIT_ADD ? "add" : "remove", field->name,
                        field->name);
        return SAE_EINVAL;
    }
    if (op == SAE_EDIT_UNSET && field->required) {
        sae_message_set(why, "%s is required and cannot be unset; set another value instead",
                        field->name);
        return SAE_EINVAL;
    }
    return 0;
}

int sae_edit_area(const struct sae_field *field, const char *text, char **out,
                  struct sae_message *why)
{
    const struct sae_area_list *list = NULL;
    const struct sae_area *area = NULL;
    struct sae_message inner = {{0}};
    int rc = sae_area_list_shared(&list);
    if (rc == 0)
        rc = sae_area_resolve(list, text, (enum sae_area_level)field->area_level, &area, &inner);
    if (rc != 0) {
        sae_message_set(why, "%s: %s", field->name, inner.text[0] ? inner.text
                                                                 : sae_error_name(rc));
        return rc == SAE_ENOMEM || rc == SAE_EAMBIGUOUS ? rc : SAE_EINVAL;
    }
    char *code = strdup(area->code);
    if (!code)
        return SAE_ENOMEM;
    *out = code;
    return 0;
}
