/* Possible duplicates' pairs (store/duplicates.h says what is proposed and how it is
 * graded): the cases' keyed name hashes and the pairs proposed, with their signals and
 * grades, refreshed for the cases changed since the last refresh; the list a coordinator
 * or an operator reads. Owns dup_name and dup_pair (and meta dup_cursor, dup_key_id). */
#ifndef DUP_PAIRS_H
#define DUP_PAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/dup_name.h"
#include "store/hub_store.h"
#include "sae/sae_id.h"

#define DUP_AGE_YEARS 1
#define DUP_INTAKE_DAYS 60
#define DUP_CLOSE_DAYS 14
/* Cases refreshed per write transaction: a first build of 100,000 cases never holds the
 * daemon's merges for long. */
#define DUP_REFRESH_CHUNK 1000
/* Undecided pairs are counted per grade up to this many ("10000" means at least). */
#define DUP_COUNT_MAX 10000
/* The most pairs one list returns (the console pages through them). */
#define DUP_LIST_MAX 1000
#define DUP_LIST_DEFAULT 100

/* The field whose values are compared as names. */
#define DUP_NAME_FIELD "victim_name"

/* Inside the caller's write transaction: keeps the keyed hash of plain, change's value of
 * DUP_NAME_FIELD, under dir's duplicates.key (made when absent), in dup_change_name (hub
 * migration 14). Made at ingest while the plain name is in memory (the hub keeps the name
 * itself only sealed: store/value_vault.h), with the key of that moment; the refresh reads
 * the current name's hash from there. Nothing for a name that normalises to nothing. */
int dup_name_keep(struct hub_store *store, const char *dir, int64_t change, const char *plain);

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
 * hashing the names of the cases changed since the last refresh with key, in write
 * transactions of its own of DUP_REFRESH_CHUNK cases each (a reader meanwhile may see a
 * refresh half done; the next list sees it whole). A key other than the one the stored hashes were made with (the
 * file was lost and made again) makes every hash and pair computed again. */
int dup_refresh(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES]);

/* Whether a long refresh should end early (asked between chunks). */
typedef bool (*dup_stop_fn)(void *context);
/* dup_refresh, asking stop(context) before each chunk: SAE_EBUSY when it said so (the
 * cursor moves only at the end, so the next refresh does the whole of it again). */
int dup_refresh_until(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES],
                      dup_stop_fn stop, void *context);

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
    int64_t high, medium, low; /* pairs waiting for a decision, by grade, each counted up to
                                  DUP_COUNT_MAX (at least that many when equal) */
    int64_t decided;
};

/* Visits up to limit (1..DUP_LIST_MAX) undecided pairs, highest grade first, after
 * dup_refresh; with_names: a coordinator's view (name signals used). totals (may be NULL)
 * counts every undecided pair. Pairs already linked through a third case are not
 * proposed. */
typedef int (*dup_visit_fn)(const struct dup_pair *pair, void *context);
int dup_list(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES], bool with_names,
             size_t limit, dup_visit_fn visit, void *context, struct dup_totals *totals);

/* Drops the pair of a and b (a < b), decided; and every pair inside a survivor's group. */
int dup_pairs_drop(struct hub_store *store, const char *a, const char *b);
int dup_pairs_drop_group(struct hub_store *store, const char *survivor);
/* Deletes case_id's name hashes, the current one and those made at ingest (erasure), inside the caller's write transaction: its pairs
 * keep their grades until its facts change again. */
int dup_pairs_forget_name(struct hub_store *store, const char *case_id);

#endif
