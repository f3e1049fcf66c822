/* Erasing a report's sensitive values at the hub, at a survivor's request (docs/DESIGN.md
 * "Erasure at the hub"; this module owns the table erased_report, made by hub migration 13).
 *
 * In one write transaction: every sealed copy of the report's values deleted
 * (sealed_values_erase_report), the keyed tokens of its sensitive values in change.value
 * replaced by ERASURE_MARKER, its rows of the name index and its duplicates' name hash
 * deleted, a row of erased_report and an audit row (who, which report, why; never a value).
 * change is append-only (its trigger change_no_update): this transaction is the one
 * exception, which drops the trigger, rewrites the values and makes it again, so any other
 * update still aborts. Pages freed are zeroed (secure_delete) and the WAL is truncated after
 * the commit. Non-sensitive fields stay: the district's figures keep the case.
 *
 * erased_report's seq is the order a pull tells the posts in (erasure_after; PROTOCOL.md
 * section 6, Erasures): each post then wipes its own copies (node store/erasure_apply.h).
 * Its change_mark is the newest change position at the erasure: a pull hands a post the
 * erasure once it holds the changes up to the mark and before any change past it, which
 * the post keeps (erasure_next_mark); hub migration 16 gave the rows from before the
 * newest position at that time, which only delays their later changes to after the
 * erasure, as before. A sensitive value pushed by a post that had not yet
 * pulled the erasure of its report is stored erased (erasure_pending_for): it wipes it. */
#ifndef ERASURE_H
#define ERASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "sae/sae_id.h"
#include "store/hub_store.h"

/* What change.value holds, in place of a sensitive value's token, once erased. */
#define ERASURE_MARKER "erased"
/* The reason's longest form (it is kept in the audit row with the report's id). */
#define ERASURE_REASON_MAX_BYTES 150u

/* The newest change position the hub may have issued (past max(seq) after a restore). */
#define ERASURE_NEWEST_CHANGE_SQL                                                              \
    "max(coalesce((SELECT max(seq) FROM change), 0),"                                          \
    " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change'), 0))"

struct erasure_request {
    const char *report_id; /* a whole id */
    const char *actor;     /* the coordinator */
    const char *reason;    /* 1..ERASURE_REASON_MAX_BYTES bytes of UTF-8 on one line */
    const char *address;   /* where the request came from, for the audit ("cli") */
    int64_t now_ms;
};

struct erasure_result {
    int64_t seq;         /* erased_report's row */
    int64_t copies;      /* sealed copies deleted */
    int64_t values;      /* values of change replaced by the marker */
    bool wal_truncated;  /* false: a reader held the WAL; the next checkpoint truncates it */
};

/* SAE_EINVAL with a one-line why when reason is empty, too long, not UTF-8 or holds a
 * control character. */
int erasure_check_reason(const char *reason, struct sae_message *why);

/* Erases request->report_id's sensitive values. SAE_ENOTFOUND: no such report; SAE_EINVAL:
 * the reason (erasure_check_reason). Erasing again (values a post sent since) is allowed. */
int erasure_erase(struct hub_store *store, const struct erasure_request *request,
                  struct erasure_result *out, struct sae_message *why);

/* *erased: report_id was erased at least once; *erased_ms when (the last time). */
int erasure_last(struct hub_store *store, const char *report_id, bool *erased,
                 int64_t *erased_ms);

/* What one pull answer tells a post of its village's erasures (erasure_after). */
struct erasure_page {
    struct sae_id *ids; /* room for max ids, the caller's */
    size_t max;
    size_t count;
    uint64_t next_cursor; /* the erasure_cursor of the next pull */
    bool more;            /* more remain after these */
};

/* The reports of village erased after cursor (erased_report.seq), oldest first, at most
 * page->max, and none whose change mark is past upto_change (the post does not hold the
 * changes up to it yet: more is set), inside the caller's read transaction. Once none
 * remain, next_cursor skips the other villages' rows too. SAE_EINVAL: cursor is past every
 * seq the hub issued. */
int erasure_after(struct hub_store *store, const char *village, uint64_t cursor,
                  uint64_t upto_change, struct erasure_page *page);

/* *pending: village has an erasure after cursor; *mark then the change mark of the first,
 * past which no change may reach a post before that erasure. */
int erasure_next_mark(struct hub_store *store, const char *village, uint64_t cursor,
                      bool *pending, uint64_t *mark);

/* *erased: report_id has an erasure after cursor, an erasure cursor a post sent with its
 * push: that post wipes the report's values when it pulls it. */
int erasure_pending_for(struct hub_store *store, const char *report_id, uint64_t cursor,
                        bool *erased);

#endif
