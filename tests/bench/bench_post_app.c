/* make bench: the post app on a busy post. A node directory with 10,000 cases and two
 * services each is written through the node's own store code (change_input + journal_add,
 * as `sae-node add` writes them, names and narratives from files); then a real
 * `sae-node serve` from build/sae-node serves it on 127.0.0.1 and one signed-in staff
 * member's libcurl client (one kept-alive connection)
 * reads the home page, the case list, a search by name and a case file, each timed (p50,
 * p95) beside the raw SQL query that reads the same rows from node.db in the same run, as a
 * ratio, and the mean CPU time a request took sae-node serve beside the raw query's in this
 * process (the wall clock of a shared machine also counts waiting for a CPU); and Beranda's
 * query for the cases needing action (attention_list) beside the one it replaced. Aim: p95 of
 * every page at most 100 ms. BENCH_CASES and BENCH_ROUNDS change the
 * size and the repeats; BENCH_SMOKE=1 runs 60 cases, 3 rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_hub_support.h"
#include "bench_timing.h"
#include "change_set.h"
#include "cli/change_input.h"
#include "post_app_client.h"
#include "store/attention.h"
#include "store/journal.h"
#include "store/node_store.h"
#include "store/storage_key.h"
#include "sae/sae_db.h"

#define CASES_DEFAULT 10000
#define CASES_MAX 200000
#define SERVICES_PER_CASE 2
#define ROUNDS_DEFAULT 100
#define VILLAGE "35.13.12.2018"
#define STAFF "Kader Bench"

struct bench {
    struct node_store *store; /* this process's own connection, for the raw SQL */
    struct post_app_client app;
    size_t cases, rounds;
    char (*case_ids)[SAE_ID_TEXT_LEN + 1];
};

/* Every page's p95 at most 100 ms. */
static const struct bench_aim AIM = {.p95_ms = 100.0};

/* ---- the post's data, through the node's store ---------------------------------------- */

static int add_report(struct node_store *store, const char *kind_name,
                      const char *const *sets, char id[SAE_ID_TEXT_LEN + 1])
{
    const struct sae_kind *kind = NULL;
    struct sae_message why = {{0}};
    int rc = sae_catalogue_find_kind(kind_name, &kind);
    if (rc == 0)
        rc = change_set_journal_add(store, kind, sets, id, &why);
    if (rc != 0)
        fprintf(stderr, "bench_post_app: adding a %s: %s\n", kind_name, why.text);
    return rc;
}

/* Case i: a name and a narrative each searchable by a word of its own, risk and status in
 * turn, intake dates over two years. */
static int add_case(struct bench *b, size_t i)
{
    static const char *const risks[] = {"high", "medium", "low"};
    static const char *const statuses[] = {"new", "active", "referred", "active"};
    char name[64], narrative[160], risk[32], status[32], intake[40], age[24];
    snprintf(name, sizeof name, "victim_name=Korban Nomor%06zu", i);
    snprintf(narrative, sizeof narrative,
             "narrative=Kronologi %zu: korban didampingi kader setelah kejadian di rumah.", i);
    snprintf(risk, sizeof risk, "risk_level=%s", risks[i % 3]);
    snprintf(status, sizeof status, "status=%s", statuses[i % 4]);
    snprintf(intake, sizeof intake, "intake_date=%04zu-%02zu-%02zu", 2024 + i % 2, 1 + i % 12,
             1 + i % 28);
    snprintf(age, sizeof age, "victim_age=%zu", 5 + i % 50);
    const char *const sets[] = {"violence_types=physical,psychological", "victim_sex=F", age,
                                name, narrative, risk, status, intake, "consent_share=true",
                                NULL};
    int rc = add_report(b->store, "case", sets, b->case_ids[i]);
    for (size_t s = 0; rc == 0 && s < SERVICES_PER_CASE; s++) {
        char case_id[64], date[40], service_id[SAE_ID_TEXT_LEN + 1];
        snprintf(case_id, sizeof case_id, "case_id=%s", b->case_ids[i]);
        snprintf(date, sizeof date, "service_date=%04zu-%02zu-28", 2024 + i % 2, 1 + i % 12);
        const char *const service[] = {case_id, s ? "service_type=counselling"
                                                  : "service_type=complaint_intake",
                                       date, NULL};
        rc = add_report(b->store, "service", service, service_id);
    }
    return rc;
}

/* Every add is its own transaction (journal_add's); durability is not what is measured
 * here, so this connection does not wait for the disk while it builds. */
static int build_post(struct bench *b)
{
    int rc = sae_db_exec(b->store->db, "PRAGMA synchronous = OFF");
    for (size_t i = 0; rc == 0 && i < b->cases; i++)
        rc = add_case(b, i);
    int restored = sae_db_exec(b->store->db, "PRAGMA synchronous = FULL");
    return rc != 0 ? rc : restored;
}

/* ---- timing ------------------------------------------------------------------------ */

static int time_rounds(struct bench *b, bench_round_fn fn, struct bench_timing *out)
{
    return bench_timing_run(fn, b, b->rounds, out);
}

/* A page's rounds, the CPU time counted in sae-node serve, which does the work. */
static int time_pages(struct bench *b, bench_round_fn fn, struct bench_timing *out)
{
    return bench_timing_run_by(fn, b, b->rounds, b->app.serve, out);
}

static const char *sample_case(const struct bench *b, size_t round)
{
    return b->case_ids[(round * 7919u) % b->cases];
}

/* ---- the pages over HTTP ----------------------------------------------------------- */

static int http_home(void *context, size_t round)
{
    struct bench *b = context;
    (void)round;
    return post_app_client_get(&b->app, "/");
}

static int http_list(void *context, size_t round)
{
    struct bench *b = context;
    char path[64];
    snprintf(path, sizeof path, "/cases?offset=%zu", (round % 4) * 50);
    return post_app_client_get(&b->app, path);
}

static int http_search(void *context, size_t round)
{
    struct bench *b = context;
    char path[96];
    snprintf(path, sizeof path, "/cases?q=nomor%06zu", (round * 7919u) % b->cases);
    int rc = post_app_client_get(&b->app, path);
    return rc == 0 && !post_app_client_has(&b->app, "Korban Nomor") ? SAE_ENOTFOUND : rc;
}

/* The printable case summary reads what the case file reads: the case and its events. */
static int http_case_file(void *context, size_t round)
{
    struct bench *b = context;
    char path[96];
    snprintf(path, sizeof path, "/case?id=%s", sample_case(b, round));
    int rc = post_app_client_get(&b->app, path);
    return rc == 0 && !post_app_client_has(&b->app, "Korban Nomor") ? SAE_ENOTFOUND : rc;
}

/* ---- the same reads as raw SQL --------------------------------------------------------- */

static int raw_rows(struct bench *b, const char *sql, const char *text, int64_t number,
                    int64_t *rows)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(b->store->db, sql, &stmt);
    if (rc == 0 && sae_db_param_count(stmt) >= 1)
        rc = text ? sae_db_bind_text(stmt, 1, text) : sae_db_bind_int(stmt, 1, number);
    int step = rc == 0 ? sae_db_step(stmt) : rc;
    int64_t n = 0;
    for (; step == SAE_DB_ROW; step = sae_db_step(stmt))
        n++;
    sae_db_finalize(stmt);
    if (rows)
        *rows = n;
    return step < 0 ? step : rc;
}

/* The raw queries read the shown values (field_shown, a table since migration 9;
 * field_shown_row since migration 17, whose rows name a report by its number) by their
 * index, as the plainest SQL over the post's tables would: the tables, not the views that
 * give each row's report id back (each such row costs a lookup in report). */

/* What the home page reads: the journal's counts (report_status) and the cases needing
 * action, here its first kind written by hand (high risk, no service in the last 7 days). */
static int raw_home(void *context, size_t round)
{
    struct bench *b = context;
    (void)round;
    static const char counts_sql[] =
        "SELECT (SELECT count(*) FROM report), (SELECT count(*) FROM journal_entry),"
        " (SELECT count(*) FROM field_shown_row WHERE field = '_deleted'"
        " AND value IS NOT NULL),"
        " (SELECT count(*) FROM journal_entry WHERE origin_seq IS NULL AND seq > ?1)";
    static const char attention_sql[] =
        "SELECT r.id FROM field_shown_row k JOIN report r ON r.num = k.report_num"
        " WHERE k.field = 'risk_level' AND k.value = 'high'"
        " AND NOT EXISTS (SELECT 1 FROM field_shown_row c"
        "  JOIN field_shown_row d ON d.report_num = c.report_num AND d.field = 'service_date'"
        "  WHERE c.field = 'case_id' AND c.value = r.id"
        "  AND d.value >= date('now', '-7 days'))";
    int rc = raw_rows(b, counts_sql, NULL, 0, NULL);
    return rc == 0 ? raw_rows(b, attention_sql, NULL, 0, NULL) : rc;
}

static int raw_list(void *context, size_t round)
{
    struct bench *b = context;
    static const char sql[] =
        "SELECT r.id, n.value, s.value FROM report r"
        " LEFT JOIN field_shown_row n ON n.report_num = r.num AND n.field = 'victim_name'"
        " LEFT JOIN field_shown_row s ON s.report_num = r.num AND s.field = 'status'"
        " WHERE r.kind = 'case' ORDER BY r.first_seq DESC LIMIT 50 OFFSET ?1";
    return raw_rows(b, sql, NULL, (int64_t)(round % 4) * 50, NULL);
}

static int raw_search(void *context, size_t round)
{
    struct bench *b = context;
    static const char sql[] =
        "SELECT r.id, s.value FROM field_shown_row s JOIN report r ON r.num = s.report_num"
        " WHERE s.field IN ('victim_name', 'narrative', 'registration_number')"
        " AND instr(lower(opened(iif(substr(s.value, 1, 8) = 'sealed:#', (SELECT j.value FROM"
        " journal_entry j WHERE j.seq = CAST(substr(s.value, 9) AS INTEGER)), s.value))), ?1) > 0"
        " LIMIT 50"; /* a sealed value is its journal entry's (node migration 13) */
    char term[32];
    int64_t rows = 0;
    snprintf(term, sizeof term, "nomor%06zu", (round * 7919u) % b->cases);
    int rc = raw_rows(b, sql, term, 0, &rows);
    return rc == 0 && rows == 0 ? SAE_ENOTFOUND : rc;
}

static int raw_case_file(void *context, size_t round)
{
    struct bench *b = context;
    static const char sql[] =
        "SELECT r.id, f.field, f.value FROM report r"
        " JOIN field_shown_row f ON f.report_num = r.num"
        " WHERE r.num IN (SELECT n.num FROM report n WHERE n.id = ?1"
        "  UNION ALL SELECT c.report_num FROM field_shown_row c"
        "  WHERE c.field = 'case_id' AND c.value = ?1)";
    return raw_rows(b, sql, sample_case(b, round), 0, NULL);
}

/* ---- Beranda's query, now and before ----------------------------------------------------- */

/* The query attention_list ran before it kept only the items it shows: a UNION of every
 * case needing action (a third of the cases are high risk), sorted whole, each with its
 * number, the caller counting the rows past the 200 it shows. Kept here as the baseline of
 * the query that replaced it. Since node migration 17 it reads `field_shown` and `journal`
 * as views (each row joined back to its report's id), which it did not when it ran, so its
 * ratio to the current query flatters the current query more than before that migration:
 * compare the current query's own time with a run of the build before, not this ratio. */
static const char attention_before_sql[] =
    "WITH items(reason, case_id) AS ( SELECT 0, v.id FROM (SELECT report_id FROM "
    "field_shown WHERE field = 'risk_level' AND value = 'high' EXCEPT SELECT report_id "
    "FROM field_shown WHERE field = 'status' AND value = 'closed' EXCEPT SELECT "
    "report_id FROM field_shown WHERE field = '_deleted' AND value IS NOT NULL EXCEPT "
    "SELECT k.value FROM field_shown d CROSS JOIN report e ON e.id = d.report_id CROSS "
    "JOIN field_shown k ON k.report_id = e.id AND k.field = 'case_id' WHERE d.field = "
    "'service_date' AND d.value >= date(?1, ?2) AND e.kind = 'service' AND NOT EXISTS "
    "(SELECT 1 FROM field_shown WHERE report_id = e.id AND field = '_deleted' AND value "
    "IS NOT NULL)) c CROSS JOIN report v ON v.id = c.report_id WHERE v.kind = 'case' "
    "UNION SELECT 1, (SELECT value FROM field_shown WHERE report_id = v.id AND field = "
    "'case_id') FROM field_shown m CROSS JOIN report v ON v.id = m.report_id WHERE "
    "m.field = 'planned_end_date' AND m.value < ?1 AND v.kind = 'shelter_stay' AND NOT "
    "EXISTS (SELECT 1 FROM field_shown WHERE report_id = v.id AND field = '_deleted' "
    "AND value IS NOT NULL) AND (SELECT value FROM field_shown WHERE report_id = v.id "
    "AND field = 'discharge_date') IS NULL UNION SELECT 2, (SELECT value FROM "
    "field_shown WHERE report_id = v.id AND field = 'case_id') FROM field_shown m CROSS "
    "JOIN report v ON v.id = m.report_id WHERE m.field = 'referral_status' AND m.value "
    "= 'sent' AND v.kind = 'referral' AND NOT EXISTS (SELECT 1 FROM field_shown WHERE "
    "report_id = v.id AND field = '_deleted' AND value IS NOT NULL) UNION SELECT 3, "
    "(SELECT iif(o.kind = 'case', o.id, (SELECT value FROM field_shown WHERE report_id "
    "= o.id AND field = 'case_id')) FROM report o WHERE o.id = w.report_id AND NOT "
    "EXISTS (SELECT 1 FROM field_shown WHERE report_id = o.id AND field = '_deleted' "
    "AND value IS NOT NULL)) FROM review w WHERE w.field <> '_review' UNION SELECT 4, "
    "(SELECT iif(o.kind = 'case', o.id, (SELECT value FROM field_shown WHERE report_id "
    "= o.id AND field = 'case_id')) FROM report o WHERE o.id = j.report_id AND NOT "
    "EXISTS (SELECT 1 FROM field_shown WHERE report_id = o.id AND field = '_deleted' "
    "AND value IS NOT NULL)) FROM set_aside a CROSS JOIN journal j ON j.seq = a.seq) "
    "SELECT i.reason, i.case_id, coalesce((SELECT value FROM field_shown WHERE "
    "report_id = i.case_id AND field = 'registration_number'), '') FROM items i JOIN "
    "report r ON r.id = i.case_id ORDER BY i.reason, r.first_seq";

static int count_item(const struct attention_item *item, void *context)
{
    (void)item;
    (*(size_t *)context)++;
    return 0;
}

static void wib_today(char today[11])
{
    time_t now = time(NULL) + 7 * 3600; /* the post dates things in WIB (UTC+7) */
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, 11, "%Y-%m-%d", &tm);
}

static int attention_now(void *context, size_t round)
{
    struct bench *b = context;
    char today[11];
    size_t shown = 0, more = 0;
    (void)round;
    wib_today(today);
    return attention_list(b->store, today, count_item, &shown, &more);
}

static int attention_before(void *context, size_t round)
{
    struct bench *b = context;
    sqlite3_stmt *stmt = NULL;
    char today[11];
    (void)round;
    wib_today(today);
    int rc = sae_db_prepare_cached(b->store->db, &b->store->statements, attention_before_sql,
                                   &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, (const char *const[]){today, "-7 days"}, 2);
    int step = rc == 0 ? sae_db_step(stmt) : rc;
    for (size_t n = 0; step == SAE_DB_ROW; n++, step = sae_db_step(stmt)) {
        char id[SAE_ID_TEXT_LEN + 1], number[ATTENTION_NUMBER_BYTES];
        if (n < ATTENTION_ITEMS_MAX) {
            sae_db_column_copy(stmt, 1, id, sizeof id);
            sae_db_column_copy(stmt, 2, number, sizeof number);
        }
    }
    sae_db_reset(stmt);
    return step < 0 ? step : rc;
}

/* Beranda's cases needing action: the store's query beside the one it replaced. */
static int run_attention(struct bench *b)
{
    struct bench_timing now = {0}, before = {0};
    int rc = time_rounds(b, attention_now, &now);
    if (rc == 0)
        rc = time_rounds(b, attention_before, &before);
    if (rc == 0)
        bench_timing_print_vs("home: attention", "store", &now, "before", &before, &AIM,
                              false);
    else
        fprintf(stderr, "bench_post_app: attention: %s\n", sae_error_name(rc));
    bench_timing_free(&now);
    bench_timing_free(&before);
    return rc;
}

/* ---- the run -------------------------------------------------------------------------- */

static int run(struct bench *b)
{
    static const struct {
        const char *what;
        bench_round_fn page, raw;
    } reads[] = {{"home", http_home, raw_home},
                 {"list", http_list, raw_list},
                 {"search", http_search, raw_search},
                 {"case file", http_case_file, raw_case_file}};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof reads / sizeof reads[0]; i++) {
        struct bench_timing page = {0}, raw = {0};
        rc = time_pages(b, reads[i].page, &page);
        if (rc == 0)
            rc = time_rounds(b, reads[i].raw, &raw);
        if (rc == 0)
            bench_timing_print(reads[i].what, "HTTP", &page, &raw, &AIM, false);
        else
            fprintf(stderr, "bench_post_app: %s: %s\n", reads[i].what, sae_error_name(rc));
        bench_timing_free(&page);
        bench_timing_free(&raw);
    }
    return rc == 0 ? run_attention(b) : rc;
}

static int build_and_serve(struct bench *b, const char *dir)
{
    struct sae_message why = {{0}};
    int rc = node_store_create(dir, VILLAGE, &why);
    if (rc == 0)
        rc = node_store_open(dir, NODE_BUSY_TIMEOUT_MS_DEFAULT, &b->store, &why);
    if (rc == 0)
        rc = node_store_set_author(b->store, STAFF);
    double start = hb_now();
    if (rc == 0)
        rc = build_post(b);
    if (rc != 0) {
        fprintf(stderr, "bench_post_app: building the post: %s %s\n", sae_error_name(rc),
                why.text);
        return rc;
    }
    printf("bench_post_app: %zu cases and %zu services written through the journal in "
           "%.1f s\n", b->cases, b->cases * SERVICES_PER_CASE, hb_now() - start);
    /* Names and narratives are sealed (value_seal.h): the raw search opens them as the
     * app's does, with the key the head's sign-in holds (here taken before the head's wrap
     * retires the unclaimed copy). */
    rc = storage_key_lend_unclaimed(b->store);
    if (rc == 0)
        rc = post_app_client_start(&b->app, dir, STAFF, &why);
    if (rc != 0)
        fprintf(stderr, "bench_post_app: starting sae-node serve: %s\n", why.text);
    return rc;
}

int main(void)
{
    static struct bench b;
    char dir[256];
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    if (hb_env_count("BENCH_CASES", smoke ? 60 : CASES_DEFAULT, CASES_MAX, &b.cases) != 0 ||
        hb_env_count("BENCH_ROUNDS", smoke ? 3 : ROUNDS_DEFAULT, 10000, &b.rounds) != 0) {
        fprintf(stderr, "bench_post_app: BENCH_CASES must be 1 to %d, BENCH_ROUNDS 1 to "
                "10000\n", CASES_MAX);
        return 2;
    }
    if (sodium_init() < 0 || hb_scratch_make("sae-bench-post-app", dir, sizeof dir) != 0)
        return 1;
    b.case_ids = calloc(b.cases, sizeof *b.case_ids);
    int rc = b.case_ids ? build_and_serve(&b, dir) : SAE_ENOMEM;
    if (rc == 0)
        rc = run(&b);
    post_app_client_stop(&b.app);
    node_store_close(b.store);
    free(b.case_ids);
    hb_scratch_remove(dir);
    return rc == 0 ? 0 : 1;
}
