/* Possible duplicates: pairs of cases that likely describe one survivor (two posts, or a
 * post and UPT PPA, recorded her twice), graded, for a coordinator to decide. Nothing is
 * ever merged: a decision is stored (same survivor, or distinct) and the pair is never
 * proposed again; cases linked as one survivor count once in monitoring (store/me_stats.h).
 * Owns dup_decision and dup_survivor; the pairs are store/dup_pairs.h's.
 *
 * A pair is proposed when both cases are live and share kecamatan (the villages of their
 * posts), sex, an age within DUP_AGE_YEARS and intake dates within DUP_INTAKE_DAYS.
 * Candidates are found through an index on (kecamatan, sex, age, intake day): each case
 * meets only the cases of its kecamatan, sex and three ages of the 121 days around its
 * intake, never all pairs. Cases without sex, age, intake date or a listed village are
 * never proposed.
 *
 * Signals and grades (DUP_GRADE_*):
 *   high   the names match (keyed hash of the normalised name; coordinators only), or
 *          the same incident date, the same age and a type of violence in common;
 *   medium the same village, or the same incident date, or the same age, intake within
 *          DUP_CLOSE_DAYS and a type in common;
 *   low    the rest; and, for coordinators, any pair whose two names are known and differ.
 * Without names (operators) the name signals are neither used nor shown. */
#ifndef DUPLICATES_H
#define DUPLICATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/dup_pairs.h"

/* Records a decision on cases a and b (any order): same (one survivor: linked, the
 * earliest intake, then the smallest id, is the survivor counted) or distinct. note may be
 * NULL. SAE_EINVAL (a is b, not cases; distinct for cases linked already), SAE_ENOTFOUND,
 * SAE_EEXIST (decided already: why says by whom and when). */
int dup_decide(struct hub_store *store, const char *a, const char *b, bool same,
               const char *by, const char *note, int64_t now_ms, struct sae_message *why);

/* The survivor (its first case's id) case belongs to: itself when not linked. */
int dup_survivor_of(struct hub_store *store, const char *case_id,
                    char out[SAE_ID_TEXT_LEN + 1]);

#endif
