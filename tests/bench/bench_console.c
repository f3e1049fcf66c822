/* make bench: the district console's reads on a district's worth of data. case_world builds
 * a hub.db of 100,000 cases with their services, stays and referrals from 330 posts (seeded,
 * through the hub's merge) and some open conflicts, in a hub directory made by `sae-hub
 * init`; then the reports list, a filtered list, a case file, the conflicts queue and the
 * monitoring and evaluation page of the last whole month are timed (p50, p95) as the
 * console's functions in this process, and as pages over real HTTPS from the real daemon
 * (`sae-hub serve` on a free 127.0.0.1 port, a signed-in coordinator's kept-alive libcurl
 * connection: console_http_support.h), each beside the raw SQL that returns the same rows
 * (for the M&E page: its headline figure), in the same run, as a ratio. Aim: every page
 * p95 <= 200 ms and <= 3x its raw SQL. BENCH_CASES and BENCH_ROUNDS change the size and
 * the repeats; BENCH_SMOKE=1 runs 500 cases, 3 rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_hub_support.h"
#include "bench_timing.h"
#include "case_world.h"
#include "console_http_support.h"
#include "store/case_file.h"
#include "store/case_list.h"
#include "store/conflict_queue.h"
#include "store/me_facts.h"
#include "store/me_stats.h"
#include "sae/sae_db.h"
#include "sae/sae_derived.h"

#define CASES_DEFAULT 100000
#define POSTS 330
#define CONFLICTS 400
#define ROUNDS_DEFAULT 60
#define NOW_MS INT64_C(1795958400000)
#define PAGE 50

struct bench {
    struct case_world world;
    struct console_http http;
    size_t rounds;
    const char *kecamatan;
    char month[ME_MONTH_BYTES], month_from[11], month_to[11]; /* the M&E page's period */
    char sample_ids[ROUNDS_DEFAULT * 4][SAE_ID_TEXT_LEN + 1];
    size_t sample_count;
};

/* Every measure's p95 at most 200 ms and at most 3 times its raw SQL's. */
static const struct bench_aim AIM = {.p95_ms = 200.0, .ratio = 3.0};

static int time_rounds(struct bench *b, bench_round_fn fn, struct bench_timing *out)
{
    return bench_timing_run(fn, b, b->rounds, out);
}

/* A page's rounds, the CPU time counted in sae-hub serve, which does the work. */
static int time_pages(struct bench *b, bench_round_fn fn, struct bench_timing *out)
{
    return bench_timing_run_by(fn, b, b->rounds, b->http.daemon, out);
}

/* ---- The console's functions ---------------------------------------------------------- */

static int list_page(struct bench *b, const struct hub_list_query *q)
{
    struct hub_list_page page;
    int rc = hub_case_list(b->world.store, q, &page, NULL);
    if (rc == 0 && page.count == 0)
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        hub_list_page_free(&page);
    return rc;
}

static int console_list(void *context, size_t round)
{
    struct bench *b = context;
    struct hub_list_query q = {.kind = "case", .has_conflict = -1, .limit = PAGE,
                               .offset = (round % 4) * PAGE};
    return list_page(b, &q);
}

static int console_filtered(void *context, size_t round)
{
    struct bench *b = context;
    struct hub_list_query q = {.kind = "case", .kecamatan = b->kecamatan, .risk = "high",
                               .violence = "physical", .from = "2025-01-01", .has_conflict = -1,
                               .limit = PAGE};
    (void)round;
    return list_page(b, &q);
}

static int console_case_file(void *context, size_t round)
{
    struct bench *b = context;
    struct hub_case_file *file = NULL;
    int rc = hub_case_file_load(b->world.store, b->sample_ids[round % b->sample_count], true,
                                NOW_MS, &file);
    hub_case_file_free(file);
    return rc;
}

static int console_queue(void *context, size_t round)
{
    struct bench *b = context;
    struct hub_queue queue;
    struct hub_queue_query q = {.limit = PAGE, .offset = (round % 4) * PAGE, .now_ms = NOW_MS};
    int rc = hub_conflict_queue(b->world.store, &q, &queue, NULL);
    if (rc == 0)
        hub_conflict_queue_free(&queue);
    return rc;
}

static int console_me(void *context, size_t round)
{
    struct bench *b = context;
    struct me_filter filter = {.now_ms = NOW_MS};
    struct me_report report;
    (void)round;
    int rc = me_filter_period(&filter, b->month, b->month);
    if (rc == 0)
        rc = me_report_load(b->world.store, &filter, &report);
    if (rc == 0)
        me_report_free(&report);
    return rc;
}

/* ---- The console's pages over HTTPS ---------------------------------------------------- */

static int http_list(void *context, size_t round)
{
    struct bench *b = context;
    char path[96];
    snprintf(path, sizeof path, "/console/reports?kind=case&offset=%zu", (round % 4) * PAGE);
    return console_http_get(&b->http, path);
}

static int http_filtered(void *context, size_t round)
{
    struct bench *b = context;
    char path[192];
    (void)round;
    snprintf(path, sizeof path, "/console/reports?kind=case&kecamatan=%s&risk=high&"
             "violence=physical&from=2025-01-01", b->kecamatan);
    return console_http_get(&b->http, path);
}

static int http_case_file(void *context, size_t round)
{
    struct bench *b = context;
    char path[96];
    snprintf(path, sizeof path, "/console/case?id=%s", b->sample_ids[round % b->sample_count]);
    return console_http_get(&b->http, path);
}

static int http_queue(void *context, size_t round)
{
    struct bench *b = context;
    char path[96];
    (void)round; /* the page shows the queue's first 25 */
    snprintf(path, sizeof path, "/console/conflicts");
    return console_http_get(&b->http, path);
}

static int http_me(void *context, size_t round)
{
    struct bench *b = context;
    char path[96];
    (void)round;
    snprintf(path, sizeof path, "/console/me?from=%s&to=%s", b->month, b->month);
    return console_http_get(&b->http, path);
}

/* ---- The same rows in raw SQL --------------------------------------------------------- */

/* Steps every row of sql with up to two text parameters and one integer. */
static int raw_rows(struct bench *b, const char *sql, const char *t1, const char *t2, int64_t n)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(b->world.store->db, sql, &stmt);
    if (rc == 0 && sae_db_param_count(stmt) >= 1)
        rc = t1 ? sae_db_bind_text(stmt, 1, t1) : sae_db_bind_int(stmt, 1, n);
    if (rc == 0 && sae_db_param_count(stmt) >= 2)
        rc = sae_db_bind_text(stmt, 2, t2);
    if (rc == 0 && sae_db_param_count(stmt) >= 3)
        rc = sae_db_bind_int(stmt, 3, n);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = 0;
    sae_db_finalize(stmt);
    return rc;
}

static int raw_list(void *context, size_t round)
{
    struct bench *b = context;
    /* What a row shows: the village's name, the conflicts badge, the last review. */
    int rc = raw_rows(b, "SELECT m.report_id, r.village, m.day, m.status, m.risk,"
                         " m.registration, m.violence, (SELECT a.name FROM area a WHERE a.code ="
                         " r.village), (SELECT count(*) FROM conflict q WHERE q.report_id ="
                         " m.report_id AND q.status = 'open'), (SELECT v.state FROM case_review"
                         " v WHERE v.report_id = m.report_id ORDER BY v.seq DESC LIMIT 1)"
                         " FROM report_summary m JOIN report r ON"
                         " r.id = m.report_id WHERE m.kind = 'case' AND m.deleted = 0 ORDER BY"
                         " m.day DESC, m.report_id DESC LIMIT 50 OFFSET ?1",
                      NULL, NULL, (int64_t)(round % 4) * PAGE);
    if (rc == 0)
        rc = raw_rows(b, "SELECT count(*) FROM report_summary WHERE kind = 'case' AND"
                         " deleted = 0", NULL, NULL, 0);
    return rc;
}

static int raw_filtered(void *context, size_t round)
{
    struct bench *b = context;
    char lo[24], hi[24];
    (void)round;
    snprintf(lo, sizeof lo, "%.20s.", b->kecamatan);
    snprintf(hi, sizeof hi, "%.20s/", b->kecamatan);
    /* The plan a person would force for an area: through the index of kinds and villages. */
    static const char where[] =
        " FROM report_summary m JOIN report r ON r.id = m.report_id WHERE +m.kind = 'case'"
        " AND r.kind = 'case' AND r.village > ?1 AND r.village < ?2 AND m.risk = 'high'"
        " AND instr(m.violence, ',physical,') > 0 AND +m.day >= '2025-01-01' AND +m.deleted = 0";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT m.report_id, r.village, m.day, m.status, m.risk,"
             " m.registration%s ORDER BY m.day DESC, m.report_id DESC LIMIT ?3", where);
    int rc = raw_rows(b, sql, lo, hi, PAGE);
    snprintf(sql, sizeof sql, "SELECT count(*)%s", where);
    if (rc == 0)
        rc = raw_rows(b, sql, lo, hi, 0);
    return rc;
}

/* The case's changes, with their authors, and its events' changes. */
static int raw_case_file(void *context, size_t round)
{
    struct bench *b = context;
    const char *id = b->sample_ids[round % b->sample_count];
    int rc = raw_rows(b, "SELECT c.field, c.value, c.version, c.origin, c.author, c.received_ms,"
                         " n.device_name, s.change = c.seq FROM change c LEFT JOIN node n ON"
                         " n.id = c.origin LEFT JOIN field_state s ON s.report_id = c.report_id"
                         " AND s.field = c.field WHERE c.report_id = ?1", id, NULL, 0);
    if (rc == 0)
        rc = raw_rows(b, "SELECT e.report_id, es.field, c.value FROM report_summary e"
                         " JOIN field_state es ON es.report_id = e.report_id JOIN change c"
                         " ON c.seq = es.change WHERE e.case_ref = ?1", id, NULL, 0);
    if (rc == 0)
        rc = raw_rows(b, "SELECT q.id, q.field, c.value, c.author, p.value FROM conflict q"
                         " JOIN conflict_candidate k ON k.conflict = q.id JOIN change c ON"
                         " c.seq = k.change LEFT JOIN change p ON p.report_id = c.report_id AND"
                         " p.field = c.field AND p.version = c.base_version AND p.origin ="
                         " c.base_origin WHERE q.report_id = ?1 AND q.status = 'open'",
                      id, NULL, 0);
    if (rc == 0)
        rc = raw_rows(b, "SELECT state, note, reviewer FROM case_review WHERE report_id = ?1"
                         " ORDER BY seq DESC LIMIT 1", id, NULL, 0);
    return rc;
}

static int raw_queue(void *context, size_t round)
{
    struct bench *b = context;
    return raw_rows(b, "SELECT q.id, q.report_id, q.field, q.opened_ms, c.seq, c.value, c.author,"
                       " c.version, p.value FROM (SELECT * FROM conflict WHERE status = 'open'"
                       " ORDER BY opened_ms, id LIMIT 50 OFFSET ?1) q JOIN conflict_candidate k"
                       " ON k.conflict = q.id JOIN change c ON c.seq = k.change LEFT JOIN change"
                       " p ON p.report_id = c.report_id AND p.field = c.field AND p.version ="
                       " c.base_version AND p.origin = c.base_origin",
                    NULL, NULL, (int64_t)(round % 4) * PAGE);
}

/* The M&E page's headline figure: consented cases of the month by type of violence. */
static int raw_me(void *context, size_t round)
{
    struct bench *b = context;
    (void)round;
    return raw_rows(b, hb_raw_figure_sql, b->month_from, b->month_to, 0);
}

/* ---- Setup and report ------------------------------------------------------------------ */

static int pick_samples(struct bench *b)
{
    struct case_world_case c;
    b->kecamatan = NULL;
    for (size_t i = 0; i < b->world.options.cases && b->sample_count < ROUNDS_DEFAULT * 4; i++) {
        case_world_case(&b->world.options, (i * 7919) % b->world.options.cases, &c);
        /* The filtered list's kecamatan holds at least one case it finds (physical is
         * violence_types' value 0), whatever the size of the world. */
        if (!b->kecamatan && strcmp(c.risk, "high") == 0 && (c.violence_mask & 1u) &&
            strcmp(c.intake_date, "2025-01-01") >= 0)
            b->kecamatan = c.kecamatan;
        if (c.services + c.referrals > 0)
            memcpy(b->sample_ids[b->sample_count++], c.id, SAE_ID_TEXT_LEN + 1);
    }
    return b->sample_count > 0 && b->kecamatan ? 0 : SAE_ENOTFOUND;
}

/* The last whole month before NOW_MS: "YYYY-MM", its first day and the next month's. */
static void last_month(struct bench *b)
{
    char today[11];
    sae_date_today(NOW_MS, today);
    unsigned y = (unsigned)atoi(today), m = (unsigned)atoi(today + 5);
    unsigned py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;
    snprintf(b->month, sizeof b->month, "%04u-%02u", py % 10000, pm % 100);
    snprintf(b->month_from, sizeof b->month_from, "%04u-%02u-01", py % 10000, pm % 100);
    snprintf(b->month_to, sizeof b->month_to, "%04u-%02u-01", y % 10000, m % 100);
}

/* Waits until the console's thread has built the possible duplicates (the page then lists
 * them instead of saying they are being prepared): the pages are timed as an office sees
 * them once the daemon has settled, not while the first build holds the write lock. */
static int wait_duplicates(struct bench *b)
{
    double start = hb_now();
    int rc = 0;
    while ((rc = console_http_get(&b->http, "/console/duplicates")) == 0 &&
           strstr(b->http.body.bytes, "alert warn"))
        sleep(1);
    if (rc == 0)
        printf("  possible duplicates prepared by the daemon %.1f s after sign-in\n",
               hb_now() - start);
    return rc;
}

static int run(struct bench *b)
{
    static const struct {
        const char *what;
        bench_round_fn console, raw, page;
    } cases[] = {{"reports list", console_list, raw_list, http_list},
                 {"filtered list", console_filtered, raw_filtered, http_filtered},
                 {"case file", console_case_file, raw_case_file, http_case_file},
                 {"conflicts queue", console_queue, raw_queue, http_queue},
                 {"M&E page", console_me, raw_me, http_me}};
    int rc = pick_samples(b);
    last_month(b);
    if (rc == 0)
        rc = wait_duplicates(b);
    for (size_t i = 0; rc == 0 && i < sizeof cases / sizeof cases[0]; i++) {
        struct bench_timing fn = {0}, raw = {0}, page = {0};
        rc = time_rounds(b, cases[i].console, &fn);
        if (rc == 0)
            rc = time_rounds(b, cases[i].raw, &raw);
        if (rc == 0)
            rc = time_pages(b, cases[i].page, &page);
        if (rc == 0) {
            bench_timing_print(cases[i].what, "", &fn, &raw, &AIM, false);
            bench_timing_print(cases[i].what, "HTTPS", &page, &raw, &AIM, true);
        } else {
            fprintf(stderr, "bench_console: %s: %s\n", cases[i].what, sae_error_name(rc));
        }
        bench_timing_free(&fn);
        bench_timing_free(&raw);
        bench_timing_free(&page);
    }
    return rc;
}

int main(void)
{
    static struct bench b;
    char dir[256], hub_dir[300], path[PATH_MAX];
    struct case_world_options options = {.seed = 20261206, .posts = POSTS,
                                         .conflicts = CONFLICTS, .now_ms = NOW_MS};
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    if (hb_env_count("BENCH_CASES", smoke ? 500 : CASES_DEFAULT, 1000000, &options.cases) != 0 ||
        hb_env_count("BENCH_ROUNDS", smoke ? 3 : ROUNDS_DEFAULT, ROUNDS_DEFAULT, &b.rounds) != 0) {
        fprintf(stderr, "bench_console: BENCH_CASES must be 1 to 1000000, BENCH_ROUNDS 1 to %d\n",
                ROUNDS_DEFAULT);
        return 2;
    }
    if (options.conflicts > options.cases)
        options.conflicts = options.cases;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        hb_scratch_make("sae-bench-console", dir, sizeof dir) != 0)
        return 1;
    snprintf(hub_dir, sizeof hub_dir, "%s/hub", dir);
    int rc = console_http_prepare(&b.http, hub_dir, path, sizeof path);
    if (rc != 0)
        fprintf(stderr, "bench_console: sae-hub init in %s failed; see %s\n", hub_dir,
                b.http.log);
    double start = hb_now();
    if (rc == 0)
        rc = case_world_build(path, &options, &b.world);
    double built = hb_now() - start;
    /* The facts a running hub keeps up to date as changes arrive. */
    if (rc == 0)
        rc = me_facts_refresh(b.world.store, NULL);
    if (rc == 0) {
        printf("bench_console: %zu cases, %zu services, %zu shelter stays, %zu referrals, "
               "%zu changes from %zu posts, %zu open conflicts; built through the merge in "
               "%.1f s\n", b.world.cases, b.world.services, b.world.shelter_stays,
               b.world.referrals, b.world.changes, options.posts, b.world.conflicts_open,
               built);
        rc = console_http_start(&b.http, b.world.store, NOW_MS);
        if (rc == 0)
            rc = run(&b);
        else
            fprintf(stderr, "bench_console: sae-hub serve: %s; see %s\n", sae_error_name(rc),
                    b.http.log);
        console_http_stop(&b.http);
        case_world_close(&b.world);
    } else {
        fprintf(stderr, "bench_console: building the hub: %s\n", sae_error_name(rc));
    }
    hb_scratch_remove(dir);
    curl_global_cleanup();
    return rc == 0 ? 0 : 1;
}
