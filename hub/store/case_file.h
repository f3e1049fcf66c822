/* A case file for the console: the case's current fields with the catalogue's labels (the
 * view of proto/view.h), its services, shelter stays and referrals as one timeline, every
 * version of each field (value, person, post or district, time), its open conflicts (the
 * queue's own entries) and its last review state. Sensitive fields (the catalogue's marks:
 * names, contacts, narratives, notes) are masked unless the caller may see them: their
 * values are never copied out then, in fields, history or conflicts alike. Read only. */
#ifndef CASE_FILE_H
#define CASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/conflict_queue.h"
#include "store/hub_read.h"
#include "store/hub_store.h"

/* Most events (services, stays, referrals) and versions one case file holds; past them
 * the file says it was cut (events_cut, versions_cut) and keeps the first ones. */
#define HUB_CASE_FILE_EVENTS_MAX 500
#define HUB_CASE_FILE_VERSIONS_MAX 5000

struct hub_case_value {
    const struct sae_field *field; /* labels: field->label_id, label_en */
    char *value;                   /* canonical text; NULL when masked or erased */
    bool masked;
    bool erased;                   /* a sensitive value erased (store/erasure.h) */
    struct sae_version version;
};

struct hub_case_version {
    const struct sae_field *field;          /* NULL for the tombstone */
    const struct sae_enum_value *element;   /* a set's element, else NULL */
    char *name;                             /* as stored ("violence_types/sexual") */
    char *value;                            /* NULL: unset, masked or erased */
    bool masked;
    bool erased;                            /* a sensitive value erased (store/erasure.h) */
    char *author, *device, *note;           /* author NULL: unknown (schema 1) */
    bool district, held, current;
    struct sae_version version;
    int64_t received_ms;
};

struct hub_case_event {
    char id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind; /* service, shelter_stay, referral */
    char *date;                  /* service_date, admission_date or referral_date */
    char *what;                  /* service_type, the shelter's name or referred_to */
    char *status;                /* a referral's referral_status; a stay's discharge_date */
    bool deleted;
};

struct hub_case_review {
    bool exists;
    char state[16];              /* received, has_issues, approved */
    char *note, *reviewer;
    int64_t at_ms;
};

struct hub_case_file {
    char id[SAE_ID_TEXT_LEN + 1];
    char *village, *village_name; /* village_name NULL: not in the list of areas */
    bool deleted;
    struct hub_case_value *values; /* fields with a value, in catalogue order */
    size_t value_count;
    struct hub_case_version *versions; /* field by field, each by version */
    size_t version_count;
    bool versions_cut;
    struct hub_case_event *events;     /* by date, then id */
    size_t event_count;
    bool events_cut;
    struct hub_queue conflicts;        /* the queue's entries of this report */
    struct hub_case_review review;
};

/* id: a canonical report id (hub_read_resolve_id). SAE_ENOTFOUND; SAE_EINVAL when the
 * report is not a case. */
int hub_case_file_load(struct hub_store *store, const char *id, bool may_see_sensitive,
                       int64_t now_ms, struct hub_case_file **out);
void hub_case_file_free(struct hub_case_file *file);

#endif
