/* Reading the merged state of hub.db: reports with their current values and every version
 * of each field, conflicts with their candidates, and monitoring counts. Nothing here writes
 * to the database; district edits and resolutions go through merge/merge.h. How the results
 * look to people and scripts is render/render.h.
 *
 * read_reports.c: reports; read_conflicts.c: conflicts; read_stats.c: stats. */
#ifndef HUB_READ_H
#define HUB_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/hub_store.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"
#include "sae/sae_view.h"
#include "sae/sae_wire_limits.h"

/* How people see a village code (a column's SQL): "Sumberanyar (Paiton)", or NULL for a
 * name from before the list of areas that no village matched. */
#define HUB_VILLAGE_NAME_SQL(column)                                                        \
    "(SELECT a.name || coalesce(' (' || k.name || ')', '') FROM area a"                    \
    " LEFT JOIN area k ON k.code = a.parent WHERE a.code = " column " AND a.level = 4)"

/* A change's device as people name it: the hub's own name for district changes (origin
 * column = ?hub_param), else the enrolled device's name. */
#define HUB_DEVICE_NAME_SQL(origin, hub_id_param, hub_name_param)                           \
    "CASE WHEN " origin " = " hub_id_param " THEN " hub_name_param                          \
    " ELSE (SELECT n.device_name FROM node n WHERE n.id = " origin ") END"

/* A read transaction: what several reads return is one consistent state even while the
 * daemon merges (WAL readers never block it). hub_read_end ends it. */
int hub_read_begin(struct hub_store *store);
void hub_read_end(struct hub_store *store);

/* ---- Reports ---------------------------------------------------------------------- */

struct hub_report_value {
    const struct sae_field *field;
    char *value; /* canonical text (a set's canonical list), owned by the report's view */
    struct sae_version version;
};

struct hub_report {
    char id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind;
    char *village;                   /* its code */
    char *village_name;              /* "Sumberanyar (Paiton)"; NULL: not in the list */
    bool deleted;
    sae_hlc updated;                 /* newest version among the current values */
    struct hub_report_value *values; /* fields with a value, in catalogue order (sae_view) */
    size_t value_count;
    struct sae_view view;            /* the same by field index, with sets' elements */
};

/* Which reports a list visits; NULL members match everything. */
struct hub_report_filter {
    const struct sae_kind *kind;
    const char *village; /* a village code (hub_areas_resolve) */
    bool include_deleted;
};

/* Resolves a full id, a unique prefix of SAE_LIMIT_ID_PREFIX_MIN+ characters or a case's
 * registration number among the hub's reports. SAE_EINVAL (neither), SAE_ENOTFOUND,
 * SAE_EAMBIGUOUS (several ids, or a number several cases carry: a duplicate); why says
 * which. */
int hub_read_resolve_id(struct hub_store *store, const char *text,
                        char out[SAE_ID_TEXT_LEN + 1], struct sae_message *why);

/* One report by canonical id; SAE_ENOTFOUND when there is none. */
int hub_report_load(struct hub_store *store, const char *id, struct hub_report **out);
void hub_report_free(struct hub_report *report);
/* The current value of a field of report (canonical text), NULL when unset. */
const char *hub_report_value(const struct hub_report *report, const struct sae_field *field);

/* Visits the reports in the order the hub first received them; stops at the first
 * non-zero return of visit and returns it. */
typedef int (*hub_report_visit_fn)(const struct hub_report *report, void *context);
int hub_report_list(struct hub_store *store, const struct hub_report_filter *filter,
                    hub_report_visit_fn visit, void *context);

/* One change the hub holds for a report: a post's, or a district edit or resolution
 * (version.origin is the hub's id). Texts live only during the visit. */
struct hub_change {
    int64_t seq;               /* the hub's order of arrival */
    const char *field;         /* a catalogue field or SAE_FIELD_TOMBSTONE */
    const char *value;         /* NULL: unset */
    struct sae_version version;
    struct sae_version base;
    const char *village;
    const char *author;        /* the person; NULL: unknown (a post on schema 1) */
    const char *note;          /* a coordinator's note on a resolution, or NULL */
    const char *device;        /* the device's name, the hub's for district changes */
    bool district;             /* written by the hub: a district edit or resolution */
    int64_t received_ms;
    bool held;                 /* dated past the allowed drift: kept, never current */
    bool winner;               /* the field's current value */
};

/* Visits every change of report id, field by field (catalogue order, a set's elements in
 * their order, the tombstone last), each field's changes ordered by (version, origin). */
typedef int (*hub_change_visit_fn)(const struct hub_change *change, void *context);
int hub_report_changes(struct hub_store *store, const char *id, hub_change_visit_fn visit,
                       void *context);

/* ---- Conflicts -------------------------------------------------------------------- */

struct hub_candidate {
    int number;  /* 1-based, the N of conflicts resolve --keep N */
    int64_t seq;
    char *field; /* the conflict's field, or for a delete conflict the edited field */
    char *value; /* NULL: unset */
    struct sae_version version;
    char *village;
    char *author; /* the person; NULL: unknown (a post on schema 1) */
    char *device; /* the device's name, the hub's for district changes */
    char *note;   /* a coordinator's note, or NULL */
    bool district;
    bool held;
};

struct hub_conflict {
    int64_t id;
    char report_id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind;
    char *village; /* the report's */
    char *village_name; /* "Sumberanyar (Paiton)"; NULL: not in the list of areas */
    char *field;
    bool hard;
    bool open;
    char *reason;  /* "concurrent", "clock", "delete", comma-separated */
    int64_t opened_ms;
    /* The field's current value; has_winner false if the field never had one. */
    bool has_winner;
    char *winner_value;
    struct sae_version winner_version;
    struct hub_candidate *candidates;
    size_t candidate_count;
    /* Resolved conflicts only. */
    int64_t resolved_ms;
    char *resolved_by;
    char *note;
    bool has_resolution;
    char *resolution_value;
    struct sae_version resolution_version;
};

/* Candidates are numbered by (version, origin), exactly as merge_resolve numbers them
 * (the hub seq orders changes that share a version: those come from one command and
 * resolve alike). SAE_ENOTFOUND for an unknown id. */
int hub_conflict_load(struct hub_store *store, int64_t id, struct hub_conflict **out);
void hub_conflict_free(struct hub_conflict *conflict);

/* Visits conflicts by id; resolved ones too when include_resolved. */
typedef int (*hub_conflict_visit_fn)(const struct hub_conflict *conflict, void *context);
int hub_conflict_list(struct hub_store *store, bool include_resolved,
                      hub_conflict_visit_fn visit, void *context);

/* Open conflict ids of one report, with their fields, ordered by id. */
struct hub_open_conflict {
    int64_t id;
    char field[SAE_WIRE_NAME_BYTES + 1];
};
int hub_report_open_conflicts(struct hub_store *store, const char *id,
                              struct hub_open_conflict **out, size_t *count);

/* ---- Monitoring counts -------------------------------------------------------------- */

struct hub_count {
    char *key;
    char *label; /* villages: "Sumberanyar (Paiton)" (NULL: not in the list); else NULL */
    int64_t count;
};

struct hub_count_table {
    struct hub_count *rows;
    size_t count;
};

/* Reports per month of the kind's first required date field (intake_date, service_date,
 * referral_date); per_kind[i] counts sae_catalogue_kind_at(i). month is "YYYY-MM", or
 * "none" for reports without that date. */
struct hub_month_count {
    char month[8];
    int64_t *per_kind;
};

/* Counts over reports that are not deleted, plus what needs a coordinator. */
struct hub_stats {
    int64_t reports;                      /* not deleted */
    int64_t deleted;
    struct hub_count_table villages;      /* every village with reports or devices */
    struct hub_count_table kinds;         /* every catalogue kind */
    struct hub_count_table violence_types; /* cases per type (a case of two types counts
                                              under both); every code, then "none" */
    struct hub_month_count *months;       /* ascending, "none" last */
    size_t month_count;
    struct hub_count_table open_conflicts; /* per village of the report */
    struct hub_count_table held_changes;   /* per village: held, not yet settled */
    struct hub_count_table duplicate_numbers; /* registration numbers of several cases */
};

/* village: only that village's reports, devices, conflicts and held changes (its code);
 * NULL: the whole district. */
int hub_stats_load(struct hub_store *store, const char *village, struct hub_stats *out);
void hub_stats_free(struct hub_stats *stats);
/* The date field stats count a kind by; NULL if it has none. */
const struct sae_field *hub_stats_date_field(const struct sae_kind *kind);

#endif
