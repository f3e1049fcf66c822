/* A deterministic generator of realistic post journals for the wire benchmark: what a
 * Rumah SAE in Kabupaten Probolinggo records over weeks. Cases with Indonesian narratives
 * composed from phrase tables, service events and referrals that point at earlier cases,
 * edits of status and risk, the odd deletion; field values drawn with skewed, plausible
 * distributions over the catalogue (proto/catalogue.c). Same seed, same bytes.
 * Built into libsae-test.a (tests/support/bench_dataset.c). */
#ifndef SAE_BENCH_DATASET_H
#define SAE_BENCH_DATASET_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_hlc.h"
#include "sae/sae_id.h"
#include "sae/sae_borrow.h"
#include "sae/sae_wire.h"

#define BENCH_RECENT 64 /* reports an edit, service or referral may refer to */

struct bench_report {
    struct sae_id id;
    const char *kind;
    sae_hlc created;
    char narrative[2048]; /* cases: the narrative so far, so edits extend it */
};

struct bench_dataset {
    uint64_t rng;
    uint64_t origin;
    uint64_t seq;
    uint64_t ms;
    const char *village;
    struct bench_report recent[BENCH_RECENT];
    size_t recent_count, recent_next;
};

/* A uniform draw from 0 to n - 1. */
uint32_t bench_below(struct bench_dataset *d, uint32_t n);

/* A dataset for one post (origin), from seed. */
void bench_dataset_init(struct bench_dataset *d, uint64_t seed, uint64_t origin);

/* Appends the changes of one command to out (room for `room`); returns how many. */
size_t bench_command(struct bench_dataset *d, struct sae_change *out, size_t room);

/* Fills exactly count changes; the last command may be cut short at the end. */
void bench_batch(struct bench_dataset *d, struct sae_change *out, size_t count);

/* Frees the values a batch holds (names point at static tables). */
void bench_batch_clear(struct sae_change *changes, size_t count);

#endif
