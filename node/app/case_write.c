#include "app/case_write.h"

#include <string.h>

#include "store/journal.h"
#include "store/report_read.h"

/* csrf: the token every post carries; id: the report a form edits; case: the case an
 * event's form belongs to; form: which of the case file's forms it is. */
const char *const CASE_WRITE_PAGE_FIELDS[] = {"csrf", "id", "case", "form", NULL};

unsigned case_write_fields_max(void)
{
    size_t most = 0;
    for (size_t i = 0; i < sae_catalogue_kind_count(); i++) {
        size_t names = report_form_name_count(sae_catalogue_kind_at(i));
        most = names > most ? names : most;
    }
    size_t page = sizeof CASE_WRITE_PAGE_FIELDS / sizeof CASE_WRITE_PAGE_FIELDS[0] - 1;
    return (unsigned)(most + page);
}

static int as_staff(struct node_store *store, const char *staff, struct sae_message *refusal)
{
    int rc = node_store_set_author(store, staff);
    if (rc != 0)
        sae_message_set(refusal, "the signed-in name cannot author changes; sign in again");
    return rc;
}

/* The case an event names must be a case of this post's journal, not deleted. */
static int check_case(struct node_store *store, const char *case_id, struct sae_message *why)
{
    struct report *found = NULL;
    int rc = report_load(store, case_id, &found);
    if (rc == 0 && (strcmp(found->kind->name, "case") != 0 || found->deleted))
        rc = SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no case %.40s here; open the case from the list", case_id);
    report_free(found);
    return rc;
}

int case_write_add(struct node_store *store, const char *staff, const struct sae_kind *kind,
                   const char *case_id, const struct web_form *posted, struct report_form *form,
                   char id[SAE_ID_TEXT_LEN + 1], struct sae_message *refusal)
{
    const struct sae_field *reference = NULL;
    int rc = report_form_read(form, kind, NULL, posted, CASE_WRITE_PAGE_FIELDS, refusal);
    if (rc == 0 && case_id) {
        rc = check_case(store, case_id, refusal);
        if (rc == 0 && sae_catalogue_find_field(kind, "case_id", &reference) != 0)
            rc = SAE_EINVAL;
        if (rc == 0)
            rc = report_form_append(form, reference, case_id);
    }
    if (rc == 0)
        rc = as_staff(store, staff, refusal);
    if (rc == 0)
        rc = journal_add(store, kind, form->changes, form->count, id, refusal);
    return rc;
}

int case_write_edit(struct node_store *store, const char *staff, const char *id,
                    const struct web_form *posted, struct report_form *form, size_t *applied,
                    struct sae_message *refusal)
{
    struct report *report = NULL;
    int rc = report_load(store, id, &report);
    if (rc == 0 && report->deleted)
        rc = SAE_EDELETED;
    if (rc == 0)
        rc = report_form_read(form, report->kind, &report->view, posted, CASE_WRITE_PAGE_FIELDS,
                              refusal);
    if (rc == 0)
        rc = as_staff(store, staff, refusal);
    if (rc == 0)
        rc = journal_edit(store, id, form->changes, form->count, applied, refusal);
    report_free(report);
    return rc;
}

int case_write_delete(struct node_store *store, const char *staff, const char *id,
                      struct sae_message *refusal)
{
    int rc = as_staff(store, staff, refusal);
    return rc == 0 ? journal_delete(store, id, refusal) : rc;
}
