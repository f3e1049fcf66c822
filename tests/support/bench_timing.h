/* The benchmarks' timing of one measure: a warming round (kept as the first visit), then N
 * timed rounds, and the line that prints their p50 and p95 beside a baseline measured in the
 * same run, with the ratio of the p95s and whether the aim was met. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bench_timing {
    double *seconds; /* one per round */
    size_t count;
    double first;    /* the warming round: a page's first visit, before anything is kept */
    /* The mean CPU time a round took its doer (a server process, or this one), beside the
     * wall clock, which on a shared machine also counts waiting for a CPU; has_cpu false
     * when it was not measured or could not be read. */
    double cpu_ms;
    bool has_cpu;
};

/* A measure's round: 0 or a negative SAE_E* code (the rounds stop there). */
typedef int (*bench_round_fn)(void *context, size_t round);

/* Runs fn once to warm, as a running program's caches would be, then rounds times, each
 * timed into out (bench_timing_free it, also after a failure). */
int bench_timing_run(bench_round_fn fn, void *context, size_t rounds,
                     struct bench_timing *out);
/* The same, the CPU time counted in process doer (a server the rounds ask; 0: this one). */
int bench_timing_run_by(bench_round_fn fn, void *context, size_t rounds, pid_t doer,
                        struct bench_timing *out);
void bench_timing_free(struct bench_timing *t);

/* What a measure aims at: its p95 at most p95_ms and, unless ratio is 0, at most ratio
 * times the baseline's p95. */
struct bench_aim {
    double p95_ms, ratio;
};

/* Prints "  what how p50 … p95 … | raw SQL p50 … p95 … | ratio p95 R", the first visit
 * when asked, and "(short of the aim)" when aim is not met; then, when both were measured,
 * the CPU time of a round beside the baseline's, as a ratio. Sorts both timings' rounds. */
void bench_timing_print(const char *what, const char *how, struct bench_timing *t,
                        struct bench_timing *raw, const struct bench_aim *aim, bool first);

/* The same, the baseline named base (bench_timing_print's is "raw SQL"). */
void bench_timing_print_vs(const char *what, const char *how, struct bench_timing *t,
                           const char *base, struct bench_timing *raw,
                           const struct bench_aim *aim, bool first);

#endif
