/* One measure's rounds and their line (bench_timing.h). */
#include "bench_timing.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench_hub_support.h"
#include "sae/sae_error.h"

int bench_timing_run(bench_round_fn fn, void *context, size_t rounds,
                     struct bench_timing *out)
{
    out->seconds = calloc(rounds, sizeof *out->seconds);
    out->count = rounds;
    if (!out->seconds)
        return SAE_ENOMEM;
    double start = hb_now();
    int rc = fn(context, 0);
    out->first = hb_now() - start;
    for (size_t i = 0; rc == 0 && i < rounds; i++) {
        start = hb_now();
        rc = fn(context, i);
        out->seconds[i] = hb_now() - start;
    }
    return rc;
}

void bench_timing_free(struct bench_timing *t)
{
    free(t->seconds);
    t->seconds = NULL;
    t->count = 0;
}

void bench_timing_print(const char *what, const char *how, struct bench_timing *t,
                        struct bench_timing *raw, const struct bench_aim *aim, bool first)
{
    bench_timing_print_vs(what, how, t, "raw SQL", raw, aim, first);
}

void bench_timing_print_vs(const char *what, const char *how, struct bench_timing *t,
                           const char *base, struct bench_timing *raw,
                           const struct bench_aim *aim, bool first)
{
    double p50 = hb_percentile(t->seconds, t->count, 50) * 1000;
    double p95 = hb_percentile(t->seconds, t->count, 95) * 1000;
    double raw50 = hb_percentile(raw->seconds, raw->count, 50) * 1000;
    double raw95 = hb_percentile(raw->seconds, raw->count, 95) * 1000;
    double ratio = raw95 > 0 ? p95 / raw95 : 0;
    bool met = p95 <= aim->p95_ms && (aim->ratio == 0 || ratio <= aim->ratio);
    printf("  %-22s %-5s p50 %7.2f ms  p95 %7.2f ms | %s p50 %7.2f ms  p95 %7.2f ms |"
           " ratio p95 %.2f", what, how, p50, p95, base, raw50, raw95, ratio);
    if (first)
        printf(" | first visit %7.2f ms", t->first * 1000);
    printf("%s\n", met ? "" : "  (short of the aim)");
}
