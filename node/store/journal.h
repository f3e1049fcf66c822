/* Writing to the journal: every add, edit and delete becomes field changes appended to the
 * journal, each with its version, the version its writer had seen (its base) and its author
 * (store->author: refused with SAE_EINVAL and why saying how to name one when there is
 * none), and the derived state is updated in the same transaction. */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "store/node_store.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_id.h"
#include "sae/sae_plan.h"

/* One field change as the user asked for it, already validated by the catalogue. */
struct journal_change {
    const struct sae_field *field;
    char *value;         /* canonical text (a set's: the elements listed); NULL to unset */
    enum sae_edit_op op; /* sets: replace, add or remove the elements listed */
};

/* Records a new report of kind with changes (which must include every required field):
 * the changes planned by sae_plan_make (sets as their elements, the rules' defaults, the
 * rules judged), and for a case its registration number (sae_registration.h: this post's
 * village, the intake year, the next number of this post's sequence of that year).
 * Writes the new id into id_out. SAE_EINVAL with why when a rule refuses. */
int journal_add(struct node_store *store, const struct sae_kind *kind,
                const struct journal_change *changes, size_t count,
                char id_out[SAE_ID_TEXT_LEN + 1], struct sae_message *why);

/* Changes fields of report id (canonical text), planned as for journal_add on the report's
 * current view. Changes that would not alter the current value are skipped; *applied
 * counts the field changes written. SAE_ENOTFOUND, SAE_EDELETED, SAE_EINVAL (an
 * append-only kind, a rule). */
int journal_edit(struct node_store *store, const char *id, const struct journal_change *changes,
                 size_t count, size_t *applied, struct sae_message *why);

/* Appends the tombstone of report id. SAE_EDELETED when it is deleted already. */
int journal_delete(struct node_store *store, const char *id, struct sae_message *why);

/* Applies a change pulled from the hub (another writer's, or the district's): appended to
 * the journal under its writer's (origin, origin_seq), and made current when its version is
 * the greatest (last writer wins). A change already in the journal is skipped: *applied
 * says whether it was new. Inside the caller's write transaction. */
struct sae_change;
int journal_apply_remote(struct node_store *store, const struct sae_change *change,
                         bool *applied);

/* The local number of the report whose id is the SQL expression id (node migration 17):
 * the journal's entries (journal_entry) and the shown values (field_shown_row) name a
 * report by it, and every writer of those writes it; readers may take the views journal and
 * field_shown, which give the id back. NULL when no report has that id, which the NOT NULL
 * of both tables refuses: a report's row is written before anything that names it. */
#define REPORT_NUM(id) "(SELECT rn.num FROM report rn WHERE rn.id = " id ")"

/* A sealed value's text is kept once, in the journal: the shown values hold a reference to
 * the entry instead (node migration 13), "sealed:#" and the entry's seq. '#' is no letter of
 * the armour's base64, so no sealed value starts so, and every reader of a shown value that
 * may be sensitive takes it through JOURNAL_RESOLVED. Marks and plain values are kept as
 * they are: they are short, and the index of shown values finds reports by them. */
#define JOURNAL_ENTRY_REF "sealed:#"
/* The stored form of journal entry e's value in the shown values. */
#define JOURNAL_SHOWN_VALUE(e)                                                                \
    "iif(substr(" e ".value, 1, 7) = 'sealed:', '" JOURNAL_ENTRY_REF "' || " e ".seq, " e    \
    ".value)"
/* The journal's text for a shown value v (SQL, named with its table's alias: a bare column
 * would name the subquery's own): the entry's value for a reference. */
#define JOURNAL_RESOLVED(v)                                                                   \
    "iif(substr(" v ", 1, 8) = '" JOURNAL_ENTRY_REF "', (SELECT rj.value FROM journal_entry rj" \
    " WHERE rj.seq = CAST(substr(" v ", 9) AS INTEGER)), " v ")"

/* The shown values (the table field_shown, migration 9; field_shown_row and its view
 * field_shown since migration 17) as the state, the reviews and the
 * journal imply them, one row per row of report_field f: the standing version's value while
 * the district reviews the field and the post holds the latest version the hub knew of; the
 * post's own state otherwise (its newer edit, not yet judged). The state keeps no value of
 * its own (migration 13): its entry's, by seq. */
#define JOURNAL_SHOWN_OF_FIELD                                                                \
    "  iif(s.seq IS NULL, " JOURNAL_SHOWN_VALUE("v") ", " JOURNAL_SHOWN_VALUE("s") "),"       \
    "  iif(s.seq IS NULL, f.version, s.version), iif(s.seq IS NULL, f.origin, s.origin),"     \
    "  r.report_id IS NOT NULL"
#define JOURNAL_SHOWN_SELECT                                                                  \
    "SELECT f.report_id, f.field," JOURNAL_SHOWN_OF_FIELD JOURNAL_SHOWN_FROM
/* A whole row of the table field_shown_row (field_shown since migration 15, where the state
 * lives too; by the report's number since migration 17): the shown columns, the state's
 * entry (seq), and the state's version only where the shown one is another (the standing
 * version of a field under review; NULL, no bytes, otherwise). */
#define JOURNAL_SHOWN_ROW_SELECT                                                              \
    "SELECT " REPORT_NUM("f.report_id") ", f.field," JOURNAL_SHOWN_OF_FIELD                   \
    ", f.seq, iif(s.seq IS NULL, NULL, f.version), iif(s.seq IS NULL, NULL, f.origin)"        \
    JOURNAL_SHOWN_FROM
#define JOURNAL_SHOWN_ROW_COLUMNS                                                             \
    "report_num, field, value, version, origin, under_review, seq, state_version, state_origin"
#define JOURNAL_SHOWN_FROM                                                                    \
    " FROM report_field f CROSS JOIN journal_entry v ON v.seq = f.seq"                        \
    " LEFT JOIN review r ON r.report_id = f.report_id AND r.field = f.field"                  \
    " LEFT JOIN journal_entry s ON s.seq = (SELECT j.seq FROM journal j"                      \
    "  WHERE r.latest_version = f.version AND r.latest_origin = f.origin"                     \
    "  AND j.report_id = r.report_id AND j.field = r.field"                                   \
    "  AND j.version = r.standing_version AND j.origin = r.standing_origin"                   \
    "  ORDER BY j.seq LIMIT 1)"

/* Recomputes the shown value of report id's field (the table field_shown) from its state,
 * its review and its journal: called by every writer of those, inside its transaction. */
int journal_refresh_shown(struct node_store *store, const char *id, const char *field);

#endif
