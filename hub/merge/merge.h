/* Merge: field-level last-writer-wins with conflict flags (docs/DESIGN.md, "Merge rules").
 *
 * Every change received is kept. For each field of a report the changes form a tree: a
 * change's parent is the change whose version it names as its base (a resolution also has
 * every candidate it settles as parent). The heads are the changes nobody has built on.
 * - One head: the field is clean; its value is the current one.
 * - Several heads: concurrent changes. When their values are equal the hub settles them at
 *   once (recorded as a conflict resolved by "sae-hub") and the latest stands. When they
 *   differ, a hard conflict stays open for a coordinator and the value that stands
 *   meanwhile follows the field's policy: the highest safety rank (sae_field_rank), the
 *   latest (HLC, origin) among equal ranks. Different fields never conflict; a set's
 *   elements are fields of their own.
 * - A change also builds on every change its writer had seen that holds the value it edited
 *   from (equal values settled stay settled when a post that saw them edits on).
 * - Every change of a field's review state (open or closed, the standing and the latest
 *   version) is appended to the review log, which posts pull (merge_review.h).
 * - A change dated more than the allowed drift past the hub's clock is held: stored, never
 *   current, and a hard "clock" conflict until a coordinator decides.
 * - A delete (tombstone) and an edit that did not see each other make a hard "delete"
 *   conflict on the tombstone field; whether a writer had seen a change is exact: its own
 *   earlier changes, and every change up to the hub cursor it had pulled to.
 * Heads, winners and candidate sets are functions of the set of changes received, so the
 * order in which batches arrive changes nothing (tests/unit/test_merge*.c). */
#ifndef MERGE_H
#define MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"
#include "sae/sae_wire.h"

struct merge_sender {
    uint64_t id;
    const char *village;
    int64_t clock_offset_ms; /* the post's clock minus the hub's, recorded with the batch */
    bool clock_measured;     /* false: the batch's clock was no wall clock (schema 1) */
};

struct merge_options {
    int64_t now_ms;   /* the hub's wall clock */
    int64_t drift_ms; /* how far past now_ms a change may be dated before it is held */
};

/* Counts of what one batch did, for the log line. */
struct merge_outcome {
    size_t applied, duplicates, held, refused;
    bool replayed; /* the whole batch had been applied before: the stored ack is returned */
};

/* Applies a decoded push batch from sender in one transaction and writes its
 * acknowledgement into *ack (freed with sae_push_ack_free). Changes the hub refuses for good
 * (unknown field, another village's report, version not after its base) are stored as
 * refusals and named in the ack; the batch still succeeds. A replayed batch gets the stored
 * acknowledgement. SAE_EBUSY, SAE_EDB... leave nothing applied. */
int merge_apply_batch(struct hub_store *store, const struct merge_sender *sender,
                      const struct sae_batch *batch, const struct merge_options *options,
                      struct sae_push_ack **ack, struct merge_outcome *outcome);

/* A district correction by author: a new version of field based on the current one.
 * value NULL unsets it; a repeat of its current value writes nothing (as
 * merge_district_edits). SAE_ENOTFOUND (no such report), SAE_EDELETED. */
int merge_district_edit(struct hub_store *store, const char *report_id, const char *field,
                        const char *value, const char *author, int64_t now_ms,
                        struct sae_message *why);

/* Several district corrections of one report by author in one write transaction (all or
 * none), each a new version based on the current one; note (may be NULL) travels with
 * every change to the posts, as a coordinator's note does. An edit that repeats the
 * field's current value (a sealed one compared by its keyed token, so without a
 * coordinator's key) writes nothing. *written (may be NULL): how many changes were. */
struct merge_edit {
    const char *field; /* a field or a set element "FIELD/CODE" */
    const char *value; /* NULL unsets */
};
int merge_district_edits(struct hub_store *store, const char *report_id,
                         const struct merge_edit *edits, size_t count, const char *author,
                         const char *note, int64_t now_ms, size_t *written,
                         struct sae_message *why);

/* Resolves open conflict id: keep its candidate number keep (1-based, in the order
 * conflicts show lists them), or set value (keep == 0; value NULL with unset). The
 * resolution is a new version superseding every candidate. SAE_ENOTFOUND, SAE_EEXIST
 * (already resolved), SAE_EINVAL (bad candidate number or value). */
int merge_resolve(struct hub_store *store, int64_t conflict_id, int keep, const char *value,
                  bool unset, const char *author, const char *note, int64_t now_ms,
                  struct sae_message *why);

/* The candidates (change seqs) a coordinator's page showed, so that a decision taken on a
 * conflict that changed since (a new candidate arrived) is refused; at most MERGE_SEEN_MAX. */
#define MERGE_SEEN_MAX 16
struct merge_seen {
    const int64_t *seqs;
    size_t count;
};

/* merge_resolve, refused with SAE_ECHANGED (nothing written, why names the command that
 * shows the conflict again) unless the conflict's candidates are exactly seen's (NULL: not
 * checked). */
int merge_resolve_seen(struct hub_store *store, int64_t conflict_id,
                       const struct merge_seen *seen, int keep, const char *value, bool unset,
                       const char *author, const char *note, int64_t now_ms,
                       struct sae_message *why);

/* Dismisses open conflict id: the value that stands stays, the conflict is closed,
 * recorded as dismissed by author with note. When the standing change is the newest
 * candidate (what the posts show), no version is written: it becomes the child of the
 * other candidates, so the field has one head again. When the field's policy kept an older
 * value (a safest one), a new version of that same value is written, as resolve --keep
 * would, because the posts reach a value only through a newer version. A new concurrent
 * change later opens a new conflict. SAE_ECHANGED as merge_resolve_seen; SAE_EINVAL for a
 * delete conflict (decided with --keep) or a field whose standing value is no candidate;
 * SAE_ENOTFOUND, SAE_EEXIST as merge_resolve. *wrote_version (may be NULL) says whether
 * a version was written. */
int merge_dismiss(struct hub_store *store, int64_t conflict_id, const struct merge_seen *seen,
                  const char *author, const char *note, int64_t now_ms, bool *wrote_version,
                  struct sae_message *why);

/* Once after the hub's database took the merge policies (schema 2): recomputes every field
 * with an open conflict under them, in one write transaction (the standing value, equal
 * values settled, the review log). Does nothing when it has run. */
int merge_refresh(struct hub_store *store, int64_t now_ms);

#endif
