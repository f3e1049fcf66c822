/* A report's form as staff fill it in the post app, read back into validated journal
 * changes: the same catalogue and validation as the command line (sae_validate_value,
 * sae_edit_check, areas by code or name), with every wrong field named so the page can say
 * what to do beside it. Nothing is written here; the page writes the changes only when the
 * whole form is valid.
 *
 * Field names in a form: a field's own name; a set as a hidden marker under its own name
 * (value "") and one checkbox per element "FIELD/CODE" (value "1"), so a set whose boxes are
 * all cleared still says it was on the form. Reference fields (case_id) and assigned ones
 * (registration_number) are never on a form: the page supplies the case. */
#ifndef REPORT_FORM_H
#define REPORT_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "app/web_request.h"
#include "store/journal.h"
#include "sae/sae_limits.h"
#include "sae/sae_view.h"

/* Most fields a kind of the catalogue has (report_form_read refuses a larger kind). */
#define REPORT_FORM_FIELDS_MAX 64

/* What is wrong with one field, in no language: the page words it (report_form_html). */
enum report_form_problem {
    REPORT_FORM_FINE,
    REPORT_FORM_REQUIRED,  /* empty, and the field must be filled */
    REPORT_FORM_BAD_DATE,  /* not a date (DD-MM-YYYY or YYYY-MM-DD) */
    REPORT_FORM_BAD_NUMBER, /* not a whole number within [low, high] */
    REPORT_FORM_TOO_LONG,  /* text longer than high bytes */
    REPORT_FORM_BAD_TEXT,  /* control characters or bytes that are not text */
    REPORT_FORM_BAD_CHOICE, /* not one of the field's choices */
    REPORT_FORM_BAD_AREA,  /* not a code or a name of the official list of areas */
};

struct report_form_error {
    enum report_form_problem problem;
    long long low, high; /* the allowed range (numbers) or length (text) */
};

struct report_form {
    const struct sae_kind *kind;
    struct journal_change changes[SAE_LIMIT_CHANGES_PER_COMMAND];
    size_t count;
    struct report_form_error errors[REPORT_FORM_FIELDS_MAX]; /* by field index */
    size_t error_count;
};

/* Whether field is on the kind's form: not deprecated, not a reference, not assigned. */
bool report_form_has_field(const struct sae_field *field);
/* How many names a form of kind posts at most: one per field on the form, and a set's box
 * per element besides its marker. */
size_t report_form_name_count(const struct sae_kind *kind);

/* Reads posted into form for a new report (before NULL: the catalogue's defaults added,
 * every required field but references checked) or an edit of the report whose current
 * view is before (an emptied field is unset, a field absent from the post left alone).
 * extra names the fields the page reads itself (csrf, ...), NULL-terminated or NULL.
 * Results: 0 (form->changes ready); SAE_EINVAL with form->errors naming each wrong field;
 * SAE_ENOTFOUND with why when the post names a field that is on no form of kind;
 * SAE_ETOOBIG, SAE_ENOMEM. Free with report_form_free in every case. */
int report_form_read(struct report_form *form, const struct sae_kind *kind,
                     const struct sae_view *before, const struct web_form *posted,
                     const char *const *extra, struct sae_message *why);

/* Appends one more change the page knows (the case a service belongs to); value copied. */
int report_form_append(struct report_form *form, const struct sae_field *field,
                       const char *value);

void report_form_free(struct report_form *form);

#endif
