/* A report's form generated from the catalogue: each field a labelled control (choices as
 * radio buttons when there are few, a list when there are many; sets as boxes; yes/no as
 * radio buttons with "not filled in"; dates as staff write them, DD-MM-YYYY), its required
 * mark, the catalogue's help (what a consent means), and beside it what is wrong with it, in
 * the page's language. The names are those report_form_read reads back. */
#ifndef REPORT_FORM_HTML_H
#define REPORT_FORM_HTML_H

#include <stddef.h>

#include "app/html.h"
#include "app/msg.h"
#include "app/report_form.h"

/* What the controls show: what was posted (a form sent back with its errors), else the
 * report as stored (an edit), else the catalogue's defaults (a new report). */
struct report_form_shown {
    const struct web_form *posted;
    const struct sae_view *stored;
};

struct report_form_layout {
    const struct sae_kind *kind;
    enum msg_lang lang;
    const char *id_prefix;    /* keeps ids unique when a page holds several forms */
    const char *const *only;  /* the fields to show, NULL-terminated; NULL: every one */
    struct report_form_shown shown;
    const struct report_form_error *errors; /* by field index, or NULL */
};

/* The controls (no <form>: the page wraps them with its action, CSRF token and button). */
int report_form_html(struct html *h, const struct report_form_layout *layout);

/* What is wrong with a field, worded in lang, into out (at least 256 bytes). */
#define REPORT_FORM_PROBLEM_BYTES 256
void report_form_problem_text(enum msg_lang lang, const struct report_form_error *error,
                              char out[REPORT_FORM_PROBLEM_BYTES]);

/* A canonical date (YYYY-MM-DD) as staff write it (DD-MM-YYYY), into out; other text copied. */
void report_form_date_text(const char *canonical, char out[16]);

#endif
