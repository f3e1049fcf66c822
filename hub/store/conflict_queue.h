/* The conflicts queue: open conflicts by age, each candidate against its own base (what its
 * author saw) and the last value every writer agreed on, with the standing value and the
 * field's policy. The reports list counts and filters conflicts through the same criterion
 * (HUB_QUEUE_WHERE), so a badge and the queue can never disagree. Read only. */
#ifndef CONFLICT_QUEUE_H
#define CONFLICT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"

/* What puts a conflict (alias q) in the queue: it is open, waiting for a coordinator. */
#define HUB_QUEUE_WHERE "q.status = 'open'"
/* How many queued conflicts a report (a column's SQL) has. */
#define HUB_QUEUE_COUNT_SQL(report_column)                                                    \
    "(SELECT count(*) FROM conflict q WHERE q.report_id = " report_column " AND "           \
    HUB_QUEUE_WHERE ")"
/* The reports with a queued conflict. */
#define HUB_QUEUE_REPORTS_SQL "(SELECT q.report_id FROM conflict q WHERE " HUB_QUEUE_WHERE ")"

/* Most conflicts one call returns, and most candidates shown per conflict. */
#define HUB_QUEUE_PAGE_MAX 200
#define HUB_QUEUE_CANDIDATES_MAX 16

/* A version of the field as people see it: value (NULL: unset), who, where, when. */
struct hub_queue_version {
    bool exists;             /* false: no such version (a field first written concurrently) */
    int64_t seq;             /* the hub's change seq */
    char *value;
    char *author;            /* NULL: unknown (a post on schema 1) */
    char *device;            /* the device's name, the hub's for district changes */
    bool district;
    struct sae_version version;
    int64_t received_ms;
    bool held;
};

struct hub_queue_candidate {
    struct hub_queue_version change; /* the candidate itself */
    struct hub_queue_version base;   /* what its author saw: the version it names as base */
};

struct hub_queue_entry {
    int64_t id;
    char report_id[SAE_ID_TEXT_LEN + 1];
    const struct sae_kind *kind;
    char *registration;     /* a case's number, or NULL */
    char *village;
    char *village_name;     /* NULL: not in the list of areas */
    char *field;
    const char *policy;     /* "safest" or "latest" */
    bool hard;
    char *reason;
    int64_t opened_ms;
    int64_t age_ms;         /* now_ms - opened_ms */
    struct hub_queue_version standing; /* the value that stands meanwhile */
    struct hub_queue_version agreed;   /* the newest version every candidate builds on */
    struct hub_queue_candidate *candidates; /* by (version, origin): conflicts resolve's N */
    size_t candidate_count;
};

struct hub_queue {
    struct hub_queue_entry *entries; /* oldest first */
    size_t count;
    int64_t total;                   /* every queued conflict of the filter */
};

struct hub_queue_query {
    const char *report_id; /* NULL: every report */
    const char *village;   /* NULL: every village */
    bool hard_only;
    size_t offset, limit;  /* limit 1..HUB_QUEUE_PAGE_MAX */
    int64_t now_ms;
};

/* SAE_EINVAL (a limit out of range, with why). */
int hub_conflict_queue(struct hub_store *store, const struct hub_queue_query *query,
                       struct hub_queue *out, struct sae_message *why);
void hub_conflict_queue_free(struct hub_queue *queue);

/* One queued conflict by id (SAE_ENOTFOUND when it is not open). */
int hub_conflict_queue_entry(struct hub_store *store, int64_t id, int64_t now_ms,
                             struct hub_queue *out);

#endif
