/* What a command writes to a report, worked out in one place for the post's add and edit
 * and the district's edits: the changes a person asked for applied to the report's
 * current view, the rules' defaults filled in and the rules judged on the result, then
 * the stored field changes that make it so (a set as the element fields that differ). */
#ifndef SAE_PLAN_H
#define SAE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "sae_catalogue.h"
#include "sae_error.h"
#include "sae_view.h"

enum sae_edit_op {
    SAE_EDIT_SET,    /* the field takes value; a set becomes exactly the listed elements */
    SAE_EDIT_UNSET,  /* the field is cleared; a set loses every element */
    SAE_EDIT_ADD,    /* sets: the listed elements are added */
    SAE_EDIT_REMOVE, /* sets: the listed elements are removed */
};

/* One change as a person asked for it, validated by the catalogue. */
struct sae_edit {
    const struct sae_field *field;
    enum sae_edit_op op;
    char *value; /* canonical; a set's elements as a canonical list; NULL to unset */
};

/* One stored field change: a field, or a set element ("FIELD/CODE"). */
struct sae_write {
    const struct sae_field *field;
    char name[SAE_FIELD_ELEMENT_NAME_BYTES];
    char *value; /* NULL unsets */
};

struct sae_plan {
    struct sae_write *writes;
    size_t count;
};

struct sae_plan_input {
    const struct sae_kind *kind;
    const struct sae_view *before;    /* the report now; NULL for a new report */
    const struct sae_edit *edits;
    size_t edit_count;
    const struct sae_view *case_view; /* the case the report's case_id names, or NULL */
    int64_t now_ms;
};

/* The writes of a command, in catalogue order; values equal to the current ones are left
 * out (an edit that changes nothing plans nothing). SAE_EINVAL with why when a rule refuses
 * or a required set would be empty; *out untouched on failure. */
int sae_plan_make(const struct sae_plan_input *in, struct sae_plan *out, struct sae_message *why);
void sae_plan_free(struct sae_plan *plan);

/* Whether a person may write field with op: SAE_EINVAL with why for a deprecated field
 * (naming its replacement), the registration number (assigned, never given), --add or
 * --remove on a field that is not a set, and unsetting a required field. */
int sae_edit_check(const struct sae_field *field, enum sae_edit_op op, struct sae_message *why);

/* An area as people give it: its code or its name in the built-in list (sae_area_resolve),
 * as its canonical code (malloc'd). SAE_EINVAL or SAE_EAMBIGUOUS with why (the resolver's
 * nearest names or candidates). */
int sae_edit_area(const struct sae_field *field, const char *text, char **out,
                  struct sae_message *why);

/* The case_id an edit sets (canonical), else the current one in before, else NULL: the
 * case whose intake date the rules compare with. */
const char *sae_plan_case_id(const struct sae_plan_input *in);

#endif
