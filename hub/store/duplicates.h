/* Possible duplicates: pairs of cases that likely describe one survivor (two posts, or a
 * post and UPT PPA, recorded her twice), graded, for a coordinator to decide. Nothing is
 * ever merged: a decision is stored (same survivor, or distinct) and the pair is never
 * proposed again; cases linked as one survivor count once in monitoring (store/me_stats.h).
 * Owns dup_name, dup_pair, dup_decision and dup_survivor.
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

#include "store/dup_name.h"
#include "store/hub_store.h"
#include "sae/sae_id.h"

#define DUP_AGE_YEARS 1
#define DUP_INTAKE_DAYS 60
#define DUP_CLOSE_DAYS 14
/* The most pairs one list returns (the console pages through them). */
#define DUP_LIST_MAX 1000
#define DUP_LIST_DEFAULT 100

enum dup_signal {
    DUP_SAME_VILLAGE = 1,
    DUP_SAME_AGE = 2,
    DUP_INTAKE_CLOSE = 4,   /* within DUP_CLOSE_DAYS */
    DUP_SAME_INCIDENT = 8,
    DUP_TYPES_SHARED = 16,
    DUP_NAME_SAME = 32,     /* coordinators only */
    DUP_NAME_DIFFERENT = 64, /* coordinators only: both names known, hashes differ */
};

enum dup_grade { DUP_GRADE_LOW = 1, DUP_GRADE_MEDIUM = 2, DUP_GRADE_HIGH = 3 };

/* "low", "medium", "high". */
const char *dup_grade_name(int grade);

/* Brings the proposed pairs up to date with the facts (store/me_facts.h, refreshed first),
 * hashing the names of the cases changed since the last refresh with key, in one write
 * transaction of its own. A key other than the one the stored hashes were made with (the
 * file was lost and made again) makes every hash and pair computed again. */
int dup_refresh(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES]);

struct dup_case {
    char id[SAE_ID_TEXT_LEN + 1];
    char number[40];      /* registration number, "" when none */
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    char intake_date[11];
    char sex[8];
    int64_t age;
};

struct dup_pair {
    struct dup_case a, b; /* a.id < b.id */
    int grade;
    unsigned signals;     /* name signals only with names */
};

struct dup_totals {
    int64_t high, medium, low; /* pairs waiting for a decision, by grade */
    int64_t decided;
};

/* Visits up to limit (1..DUP_LIST_MAX) undecided pairs, highest grade first, after
 * dup_refresh; with_names: a coordinator's view (name signals used). totals (may be NULL)
 * counts every undecided pair. Pairs already linked through a third case are not
 * proposed. */
typedef int (*dup_visit_fn)(const struct dup_pair *pair, void *context);
int dup_list(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES], bool with_names,
             size_t limit, dup_visit_fn visit, void *context, struct dup_totals *totals);

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
