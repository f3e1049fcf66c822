/* bench_console_stats: the console's data side on case_world's hub of 100,000 cases from
 * 330 posts. p50 and p95 of the monitoring figures of a month and of a year
 * (me_report_load: every figure) and of the possible duplicates' list (dup_list, 100
 * pairs), each beside the equivalent raw SQL in the same run:
 * - figures: the headline figure (consented cases of the period by type of violence)
 *   written by hand over the merged state as the hub keeps it (field_state and change);
 * - duplicates: the blocking self-join that finds the same candidate pairs over the facts.
 * Also the one-time cost of building the facts and the pairs. Aim: p95 <= 200 ms and
 * <= 3x raw. BENCH_CONSOLE_CASES (default 100000) and BENCH_CONSOLE_ROUNDS (default 20). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_hub_support.h"
#include "bench_timing.h"
#include "case_world.h"
#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "sae/sae_hlc.h"
#include "store/duplicates.h"
#include "store/me_facts.h"
#include "store/me_stats.h"

#define AIM_MS 200.0
#define AIM_RATIO 3.0
#define ROUNDS_MAX 1000

static const char raw_pairs_sql[] =
    "SELECT count(*) FROM me_case x JOIN me_case y ON y.kecamatan = x.kecamatan"
    " AND y.sex = x.sex AND y.age IN (x.age - 1, x.age, x.age + 1)"
    " AND y.intake_days BETWEEN x.intake_days - 60 AND x.intake_days + 60 AND y.id > x.id"
    " WHERE x.live = 1 AND y.live = 1 AND x.kecamatan != ''";

struct series {
    const char *name;
    double ours[ROUNDS_MAX], raw[ROUNDS_MAX];
};

static int run_raw(struct hub_store *store, const char *sql, const char *from, const char *to)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, sql, &stmt);
    if (rc == 0 && from)
        rc = sae_db_bind_text(stmt, 1, from);
    if (rc == 0 && to)
        rc = sae_db_bind_text(stmt, 2, to);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = 0;
    sae_db_finalize(stmt);
    return rc;
}

static int count_pair(const struct dup_pair *pair, void *context)
{
    (void)pair;
    (*(size_t *)context)++;
    return 0;
}

/* One round of each measure. */
static int round_once(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES],
                      const struct me_filter *month, const struct me_filter *year,
                      struct series s[3], size_t i)
{
    const struct me_filter *filters[2] = {month, year};
    char from[2][11], to[2][11];
    int rc = 0;
    for (int f = 0; f < 2; f++) {
        unsigned y = (unsigned)atoi(filters[f]->to), m = (unsigned)atoi(filters[f]->to + 5);
        snprintf(from[f], sizeof from[f], "%.7s-01", filters[f]->from);
        snprintf(to[f], sizeof to[f], "%04u-%02u-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    }
    for (int f = 0; rc == 0 && f < 2; f++) {
        struct me_report report;
        double t0 = hb_now();
        rc = me_report_load(store, filters[f], &report);
        s[f].ours[i] = hb_now() - t0;
        if (rc == 0)
            me_report_free(&report);
        t0 = hb_now();
        if (rc == 0)
            rc = run_raw(store, hb_raw_figure_sql, from[f], to[f]);
        s[f].raw[i] = hb_now() - t0;
    }
    size_t pairs = 0;
    double t0 = hb_now();
    if (rc == 0)
        rc = dup_list(store, key, true, DUP_LIST_DEFAULT, count_pair, &pairs, NULL);
    s[2].ours[i] = hb_now() - t0;
    t0 = hb_now();
    if (rc == 0)
        rc = run_raw(store, raw_pairs_sql, NULL, NULL);
    s[2].raw[i] = hb_now() - t0;
    return rc;
}

static void report(struct series *s, size_t rounds)
{
    static const struct bench_aim aim = {.p95_ms = AIM_MS, .ratio = AIM_RATIO};
    struct bench_timing ours = {.seconds = s->ours, .count = rounds},
                        raw = {.seconds = s->raw, .count = rounds};
    bench_timing_print(s->name, "", &ours, &raw, &aim, false);
}

/* The last whole month before now and the twelve months that end with it. */
static void periods(int64_t now_ms, struct me_filter *month, struct me_filter *year)
{
    char today[11], last[16], first[16];
    sae_date_today(now_ms, today);
    unsigned y = (unsigned)atoi(today), m = (unsigned)atoi(today + 5) - 1;
    if (m == 0) {
        m = 12;
        y--;
    }
    snprintf(last, sizeof last, "%04u-%02u", y % 10000, m % 100);
    snprintf(first, sizeof first, "%04u-%02u", (m == 12 ? y : y - 1) % 10000, m % 12 + 1);
    *month = (struct me_filter){.now_ms = now_ms};
    *year = *month;
    me_filter_period(month, last, last);
    me_filter_period(year, first, last);
}

static int run(const char *dir, size_t cases, size_t rounds)
{
    char path[PATH_MAX];
    struct case_world world;
    uint8_t key[DUP_KEY_BYTES];
    struct case_world_options options = {.seed = 11, .cases = cases, .posts = 330,
                                         .conflicts = 64, .now_ms = (int64_t)sae_wall_clock_ms()};
    struct me_filter month, year;
    struct series s[3] = {{.name = "figures of a month"}, {.name = "figures of a year"},
                          {.name = "duplicates list (100)"}};
    snprintf(path, sizeof path, "%s/hub.db", dir);
    randombytes_buf(key, sizeof key);
    double t0 = hb_now();
    int rc = case_world_build(path, &options, &world);
    if (rc != 0)
        return rc;
    printf("  case_world: %zu cases, %zu services, %zu stays, %zu referrals from %zu posts, "
           "%zu changes, built in %.1f s\n", world.cases, world.services, world.shelter_stays,
           world.referrals, world.post_count, world.changes, hb_now() - t0);
    t0 = hb_now();
    rc = me_facts_refresh(world.store, NULL);
    printf("  facts built once: %.2f s\n", hb_now() - t0);
    t0 = hb_now();
    if (rc == 0)
        rc = dup_refresh(world.store, key);
    printf("  pairs built once: %.2f s\n", hb_now() - t0);
    periods(options.now_ms, &month, &year);
    for (size_t i = 0; rc == 0 && i < rounds; i++)
        rc = round_once(world.store, key, &month, &year, s, i);
    for (int i = 0; rc == 0 && i < 3; i++)
        report(&s[i], rounds);
    sodium_memzero(key, sizeof key);
    case_world_close(&world);
    return rc;
}

int main(void)
{
    char dir[PATH_MAX];
    size_t cases = 0, rounds = 0;
    if (hb_env_count("BENCH_CONSOLE_CASES", 100000, 1000000, &cases) != 0 ||
        hb_env_count("BENCH_CONSOLE_ROUNDS", 20, ROUNDS_MAX, &rounds) != 0) {
        fprintf(stderr, "bench_console_stats: BENCH_CONSOLE_CASES must be 1 to 1000000, "
                "BENCH_CONSOLE_ROUNDS 1 to %d\n", ROUNDS_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as it is measured, also into a file */
    if (sodium_init() < 0 || hb_scratch_make("bench-console", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_console_stats: cannot start (libsodium, scratch directory)\n");
        return 1;
    }
    printf("bench_console_stats: monitoring figures and possible duplicates, hub.db in %s\n",
           dir);
    int rc = run(dir, cases, rounds);
    if (hb_scratch_remove(dir) != 0 && rc == 0)
        rc = SAE_EIO;
    if (rc != 0) {
        fprintf(stderr, "bench_console_stats: %s\n", sae_error_name(rc));
        return 1;
    }
    return 0;
}
