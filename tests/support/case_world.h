/* A seeded, realistic hub.db for the console's tests and benchmarks: N cases of catalogue 2
 * (registration numbers, sets, villages of the official list, consents, sensitive names and
 * narratives) with their services, shelter stays and referrals, pushed by P posts, plus a
 * few staged conflicts. Every change goes through the hub's own merge
 * (merge_apply_batch), one transaction per batch of a few thousand changes, so what the
 * console reads is what a real hub would hold.
 *
 * Each case is a pure function of (seed, index): case_world_case() says what case i holds,
 * so a test can compute what a filter must find without reading the database.
 * Built into libsae-test.a; returns 0 or a negative SAE_E* code, never asserts. */
#ifndef CASE_WORLD_H
#define CASE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"
#include "sae/sae_id.h"
#include "sae/sae_registration.h"

/* Changes merged per transaction unless the options say otherwise. */
#define CASE_WORLD_BATCH_DEFAULT 4000
/* Posts beyond the official list's villages are further devices of the same villages. */
#define CASE_WORLD_VILLAGES 330
/* Intake dates fall within this many days before now_ms. */
#define CASE_WORLD_DAYS 730
/* Who writes on every post, and the person the district's edits name. */
#define CASE_WORLD_AUTHOR "Siti Rahayu"

/* The staged conflicts, by k % 4: open hard conflicts on risk_level, status and
 * victim_age, and concurrent equal values of intake_channel that the hub settles. */
enum case_world_conflict_kind {
    CASE_WORLD_CONFLICT_RISK,
    CASE_WORLD_CONFLICT_STATUS,
    CASE_WORLD_CONFLICT_AGE,
    CASE_WORLD_CONFLICT_EQUAL,
};

struct case_world_options {
    uint64_t seed;
    size_t cases;     /* at least 1 */
    size_t posts;     /* at least 1; post p is in village p % CASE_WORLD_VILLAGES */
    size_t conflicts; /* staged on cases 0, stride, 2 * stride... (at most cases) */
    size_t batch;     /* changes per transaction; 0: CASE_WORLD_BATCH_DEFAULT */
    int64_t now_ms;   /* the hub's clock: every date and version is before it */
};

/* What case i holds (its post's village, the values the console filters on). */
struct case_world_case {
    char id[SAE_ID_TEXT_LEN + 1];
    size_t post;
    const char *village;       /* dotted code */
    const char *kecamatan;     /* dotted code of the village's parent */
    char registration[SAE_REGISTRATION_BYTES];
    const char *status;        /* new, active, referred, closed */
    const char *risk;          /* low, medium, high */
    unsigned violence_mask;    /* bit i: violence_types' value i */
    char intake_date[11];      /* YYYY-MM-DD */
    const char *sex;           /* F, M */
    int age;
    const char *consent_share; /* "true", "false" or NULL (unset) */
    char victim_name[64];
    size_t services, shelter_stays, referrals;
};

struct case_world {
    struct hub_store *store; /* open on the database built */
    struct case_world_options options;
    size_t cases, services, shelter_stays, referrals, changes;
    size_t conflicts_open, conflicts_settled;
    uint64_t *post_ids;      /* origin id of post p */
    size_t post_count;
    unsigned char *district_secret; /* lent to store: reads open sealed values, as a
                                       coordinator's do */
};

/* Builds db_path (which must not exist) and leaves it open in world->store. */
int case_world_build(const char *db_path, const struct case_world_options *options,
                     struct case_world *world);
void case_world_close(struct case_world *world);

/* A world in a directory of its own under /tmp, for tests: made and built, then closed and
 * removed with its database's files. */
struct case_world_dir {
    char dir[64];
    char path[128];
};
int case_world_dir_make(struct case_world_dir *d);
void case_world_dir_remove(const struct case_world_dir *d);
int case_world_build_temp(const struct case_world_options *options, struct case_world_dir *d,
                          struct case_world *world);
void case_world_close_temp(struct case_world_dir *d, struct case_world *world);

/* What case index holds under options (index < options->cases). */
void case_world_case(const struct case_world_options *options, size_t index,
                     struct case_world_case *out);

/* The case the k-th staged conflict is on, and its kind. */
size_t case_world_conflict_case(const struct case_world_options *options, size_t k);
enum case_world_conflict_kind case_world_conflict_kind(size_t k);

#endif
