/* One measure's rounds and their line (bench_timing.h). */
#include "bench_timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_hub_support.h"
#include "sae/sae_error.h"

/* CPU time, in ms, of process pid (utime + stime from /proc/PID/stat, in the clock's ticks),
 * or of this one (pid 0); -1 when unreadable. */
static double cpu_ms_of(pid_t pid)
{
    char path[64], line[1024];
    unsigned long utime = 0, stime = 0;
    if (pid == 0) {
        struct timespec ts;
        if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
            return -1;
        return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
    }
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    const char *after = got ? strrchr(line, ')') : NULL; /* the name may hold spaces */
    if (!after || sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                         &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

int bench_timing_run_by(bench_round_fn fn, void *context, size_t rounds, pid_t doer,
                        struct bench_timing *out)
{
    out->seconds = calloc(rounds, sizeof *out->seconds);
    out->count = rounds;
    out->has_cpu = false;
    if (!out->seconds)
        return SAE_ENOMEM;
    double start = hb_now();
    int rc = fn(context, 0);
    out->first = hb_now() - start;
    double cpu_start = cpu_ms_of(doer);
    for (size_t i = 0; rc == 0 && i < rounds; i++) {
        start = hb_now();
        rc = fn(context, i);
        out->seconds[i] = hb_now() - start;
    }
    double cpu_end = cpu_ms_of(doer);
    out->has_cpu = rounds > 0 && cpu_start >= 0 && cpu_end >= 0;
    out->cpu_ms = out->has_cpu ? (cpu_end - cpu_start) / (double)rounds : 0;
    return rc;
}

int bench_timing_run(bench_round_fn fn, void *context, size_t rounds,
                     struct bench_timing *out)
{
    return bench_timing_run_by(fn, context, rounds, 0, out);
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
    if (t->has_cpu && raw->has_cpu)
        printf("  %-22s %-5s CPU a round %7.2f ms | %s CPU %7.2f ms | ratio %.2f\n", "", how,
               t->cpu_ms, base, raw->cpu_ms, raw->cpu_ms > 0 ? t->cpu_ms / raw->cpu_ms : 0);
}
