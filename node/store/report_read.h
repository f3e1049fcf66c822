/* Reading the derived state and the journal: one report, lists, history, id prefixes.
 * Reports show each field as the post shows it (field_shown): the hub's standing value
 * while the district reviews the field. */
#ifndef REPORT_READ_H
#define REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/node_store.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"
#include "sae/sae_view.h"

struct report_value {
    const struct sae_field *field;
    char *value; /* canonical text (a set's canonical list), owned by the report's view */
    struct sae_version version;
    /* value is VALUE_SEAL_MASK in place of a value the reader may not read: sealed and no key
     * lent (masked), or never given to this post by the district (withheld, and masked).
     * A real value that reads "••••" is neither. erased: the district erased it (masked). */
    bool masked, withheld, erased;
};

/* One field under review: its stored name ("FIELD/CODE" for a set element, "_deleted" for
 * a deletion) and the value shown (NULL: unset); malloc'd. */
struct report_review {
    char *field;
    char *value;
};

struct report {
    char id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind;
    bool deleted;
    sae_hlc updated;             /* newest version of any of its fields */
    struct report_value *values; /* fields with a value, in catalogue order (sae_view) */
    bool *masked, *withheld, *erased; /* by field index: what the values say of each field */
    size_t value_count;
    struct sae_view view;        /* the same values by field index, sets' elements */
    /* The fields the district reviews (a hard conflict a coordinator has yet to decide), in
     * name order. Their values above are those that stand at the hub meanwhile. */
    struct report_review *under_review;
    size_t under_review_count;
    /* The district reviewed the case and found issues (PROTOCOL.md section 6): its note
     * and who wrote it; has_issues false otherwise (received, approved, never reviewed). */
    bool has_issues;
    char *issues_note;     /* NULL: none */
    char *issues_reviewer;
};

/* Whether a stored field name is field itself or one of its elements ("FIELD/CODE"). */
bool report_names_field(const char *name, const char *field);

/* Whether field (a catalogue field, or SAE_FIELD_TOMBSTONE) or one element of it is under
 * review: a set is under review while any of its elements is. */
bool report_under_review(const struct report *report, const char *field);

/* Resolves a full id, a unique prefix of SAE_LIMIT_ID_PREFIX_MIN+ characters or a case's
 * registration number to the canonical id. SAE_EINVAL (neither), SAE_ENOTFOUND,
 * SAE_EAMBIGUOUS (a prefix of several ids, or a number two cases carry); why says which. */
int report_resolve_id(struct node_store *store, const char *text, char out[SAE_ID_TEXT_LEN + 1],
                      struct sae_message *why);

/* Loads one report by canonical id; SAE_ENOTFOUND when there is none. */
int report_load(struct node_store *store, const char *id, struct report **out);
void report_free(struct report *report);

/* Calls visit for each report in the order they were recorded, optionally only of one
 * kind and optionally with deleted ones; stops at the first non-zero return of visit. */
typedef int (*report_visit_fn)(const struct report *report, void *context);
int report_list(struct node_store *store, const struct sae_kind *kind, bool include_deleted,
                report_visit_fn visit, void *context);

struct history_entry {
    int64_t seq;
    const char *field;
    const char *value; /* NULL: the field was unset */
    bool masked, withheld, erased; /* value is the mask (as report_value's) */
    struct sae_version version;
    struct sae_version base;
    int64_t redates; /* the seq of the entry this one re-dates (sync, wrong clock), or 0 */
    const char *author; /* the person; NULL: written before authors existed */
    const char *note;   /* a coordinator's note on a resolution, or NULL */
    const char *device; /* the writing device's name (this one's own, as the district named
                           it; others' as the hub sent it), or NULL when not known */
};

/* Calls visit for each journal change of report id, oldest first. */
typedef int (*history_visit_fn)(const struct history_entry *entry, void *context);
int report_history(struct node_store *store, const char *id, history_visit_fn visit,
                   void *context);

/* This device's own changes after seq acked that are still to be sent: not set aside, not
 * re-dated by a later entry. */
int report_pending_count(struct node_store *store, int64_t acked, int64_t *out);

struct journal_status {
    int64_t reports;       /* reports not deleted */
    int64_t deleted;       /* reports with a tombstone */
    int64_t changes;       /* journal entries */
    int64_t pending;       /* this device's changes not yet acknowledged by a hub */
    int64_t acked_seq;     /* journal position the hub has acknowledged */
    sae_hlc clock;         /* last version issued here */
    int64_t created_ms;    /* when init ran */
    bool linked;           /* a bundle was saved (sae-node enroll) */
    bool enrolled;         /* and the hub accepted it */
    char hub_url[512];
    int64_t last_sync_ms;  /* 0: never */
    char last_error[512];  /* empty after a successful round */
    int64_t clock_offset_ms; /* the hub's clock minus this computer's, at the last round */
    int64_t set_aside;     /* own changes the hub refused or holds for review */
};

int report_status(struct node_store *store, struct journal_status *out);

#endif
