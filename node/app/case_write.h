/* What the post app's case pages write, always by the signed-in staff member (the author of
 * every change made through the app): a new case or event from its posted form, an edit
 * from a posted form, a deletion. A form with any wrong field writes nothing. */
#ifndef CASE_WRITE_H
#define CASE_WRITE_H

#include "app/report_form.h"
#include "store/node_store.h"
#include "sae/sae_id.h"

/* The names every case page's form carries besides its fields. */
extern const char *const CASE_WRITE_PAGE_FIELDS[];

/* The most fields a case page's form posts, computed from the catalogue: the largest kind's
 * form (report_form_name_count) and the page's own names. */
unsigned case_write_fields_max(void);

/* Adds a report of kind from posted; an event (service, shelter stay, referral) belongs to
 * case_id (canonical; NULL for a case). 0 with the new id; SAE_EINVAL with form->errors
 * (fields) or refusal (a rule across fields, in Indonesian and English); SAE_ENOTFOUND when
 * the post names a field no form has (why in refusal) or case_id is no case. form is freed
 * with report_form_free by the caller in every case. */
int case_write_add(struct node_store *store, const char *staff, const struct sae_kind *kind,
                   const char *case_id, const struct web_form *posted, struct report_form *form,
                   char id[SAE_ID_TEXT_LEN + 1], struct sae_message *refusal);

/* Edits report id from posted (fields absent from the post stay as they are); *applied counts
 * the fields that changed. Errors as case_write_add, and SAE_EDELETED. */
int case_write_edit(struct node_store *store, const char *staff, const char *id,
                    const struct web_form *posted, struct report_form *form, size_t *applied,
                    struct sae_message *refusal);

/* Deletes report id (its history is kept). */
int case_write_delete(struct node_store *store, const char *staff, const char *id,
                      struct sae_message *refusal);

#endif
