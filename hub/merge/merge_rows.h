/* Rows and bookkeeping shared by the merge's batch path (merge_batch.c) and district path
 * (merge_district.c), in merge_rows.c. */
#ifndef MERGE_INTERNAL_H
#define MERGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "store/hub_store.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"
#include "sae/sae_wire_limits.h"

/* The fields a transaction touched, recomputed once each at the end. seq and base name the
 * change that touched it when it is a post's change that is not held (seq 0 otherwise): a
 * field touched by one such change only may take merge_state_fast_forward. fresh: the
 * report was first stored by this transaction, so the field had no winner, no conflict and
 * nothing held before it. */
struct touched_item {
    int64_t report_no; /* report.no; 0 until merge_recompute_touched looks it up */
    char report_id[SAE_ID_TEXT_LEN + 1];
    char field[SAE_WIRE_NAME_BYTES + 1];
    int64_t seq;
    struct sae_version base;
    bool fresh;
};

struct touched {
    struct touched_item *items; /* may repeat: made distinct when recomputed */
    size_t count, capacity;
};

/* A field of a report whose number the caller does not hold: looked up when recomputed. */
int merge_touched_add(struct touched *t, const char *report_id, const char *field);
/* Binds report_id and field to ?1 and ?2, as every per-field statement of the merge has them. */
int merge_bind_field(sqlite3_stmt *stmt, const char *report_id, const char *field);
/* The same, naming the stored change (seq) that touched the field, its base, and whether
 * the report is fresh (struct touched_item). SAE_EINVAL when report_id or field is longer
 * than an item holds (never cut). */
int merge_touched_add_change(struct touched *t, int64_t report_no, const char *report_id,
                             const char *field, int64_t seq, struct sae_version base, bool fresh);
/* Every touched field, and the tombstone of every touched report: an edit can make a delete
 * conflict appear. */
int merge_recompute_touched(struct hub_store *store, struct touched *t, int64_t now_ms);
/* Ends a write transaction the caller began: when rc is 0, recomputes what t touched and
 * commits; otherwise (or when that fails) rolls back. Frees t's items; returns the result. */
int merge_finish_touched(struct hub_store *store, struct touched *t, int64_t now_ms, int rc);

/* One row of the change table. author: the person (NULL: unknown, a schema-1 post's);
 * note: a coordinator's note on a resolution (or NULL). value: the plain value, unless
 * value_of names the change (its seq) whose stored value this one takes as it is (a
 * resolution keeping a candidate: value is then that change's stored text). */
struct stored_change {
    int64_t report_no; /* report.no of report_id */
    const char *report_id, *kind, *village, *field, *value, *author, *note;
    struct sae_version version, base;
    int64_t node_seq, seen_cursor, received_ms, value_of;
    bool held;
    bool erased; /* its post wipes its report's values at its next pull (store/erasure.h) */
};

/* Stores c. The value of a field the catalogue marks sensitive is stored as its keyed token
 * with its sealed copies (store/value_vault.h), or with value_of's copies, or, erased, as
 * the erasure's marker with no copy; the caller wipes the plain value. */
int merge_insert_change(struct hub_store *store, const struct stored_change *c, int64_t *seq);
/* The number (report.no), kind and village of a report; SAE_ENOTFOUND when the hub has
 * never seen it. */
int merge_report_owner(struct hub_store *store, const char *report_id, int64_t *no,
                       char kind[SAE_WIRE_NAME_BYTES + 1],
                       char village[SAE_LIMIT_VILLAGE_BYTES + 1]);
/* Stores a new report before its first change: *no is its number, and *first_change the
 * seq its first change will take (the change table's next AUTOINCREMENT seq under this
 * write transaction), which the caller checks against the seq it gets. */
int merge_insert_report(struct hub_store *store, const char *report_id, const char *kind,
                        const char *village, int64_t *no, int64_t *first_change);

#endif
