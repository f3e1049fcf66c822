/* make bench: a coordinator's search by name through the blind index (hub/store/
 * name_index.h) at 10,000 cases. case_world builds the hub.db through the merge; every
 * current victim_name is then sealed to the district key as the daemon does at ingest. The
 * index is built in the chunks a search catches up by (NAME_INDEX_CATCH_UP_VALUES values
 * each: a chunk is what the search that meets a large ingest pays); then a search by a
 * name's first four letters (the query's tokens, a catch-up with nothing to do, the reports
 * list matched through the index) is timed beside the same search without names (the
 * reports list an operator gets) in the same run, as a ratio. Aim: p95 <= 200 ms and <= 3x
 * the search without names. BENCH_CASES and BENCH_ROUNDS change the size and the repeats;
 * BENCH_SMOKE=1 runs 300 cases, 3 rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_hub_support.h"
#include "bench_timing.h"
#include "case_world.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_sealed.h"
#include "store/case_list.h"
#include "store/district_key.h"
#include "store/name_index.h"
#include "store/sealed_values.h"

#define CASES_DEFAULT 10000
#define POSTS 33
#define ROUNDS_DEFAULT 60
#define NOW_MS INT64_C(1795958400000)

struct bench {
    struct case_world world;
    unsigned char *secret;
    size_t rounds;
    char texts[ROUNDS_DEFAULT + 1][8]; /* a name's first four letters, per round */
};

static const struct bench_aim AIM = {.p95_ms = 200.0, .ratio = 3.0};

/* The district copies ingest makes: each current name sealed to the district key. */
static int seal_names(struct hub_store *store)
{
    static const char sql[] = "SELECT c.seq, c.value FROM field_state s JOIN change c"
                              " ON c.seq = s.change WHERE s.field = 'victim_name'"
                              " AND c.value IS NOT NULL";
    unsigned char public_key[DISTRICT_KEY_BYTES];
    sqlite3_stmt *stmt = NULL;
    int rc = district_key_public(store, public_key);
    if (rc == 0)
        rc = hub_store_begin(store);
    if (rc == 0)
        rc = sae_db_prepare(store->db, sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *value = (const char *)sqlite3_column_text(stmt, 1);
        unsigned char *sealed = NULL;
        size_t len = 0;
        rc = sae_sealed_seal(public_key, value, strlen(value), &sealed, &len);
        if (rc == 0)
            rc = sealed_values_put(store, sqlite3_column_int64(stmt, 0), SEALED_VALUE_DISTRICT,
                                   sealed, len);
        free(sealed);
    }
    sae_db_finalize(stmt);
    if (rc == 0)
        return hub_store_commit(store);
    hub_store_rollback(store);
    return rc;
}

static int build_index(struct bench *b)
{
    bool behind = true;
    size_t chunks = 0, values = 0;
    double slowest = 0, start = hb_now();
    clock_t cpu = clock();
    while (behind) {
        size_t opened = 0;
        double t = hb_now();
        int rc = name_index_catch_up(b->world.store, b->secret, NAME_INDEX_CATCH_UP_VALUES,
                                     &behind, &opened);
        if (rc != 0)
            return rc;
        t = hb_now() - t;
        slowest = t > slowest ? t : slowest;
        chunks++;
        values += opened;
    }
    double total = hb_now() - start;
    double cpu_s = (double)(clock() - cpu) / CLOCKS_PER_SEC;
    printf("  name index built: %zu values in %zu chunks of at most %u, %.1f s; a chunk (what "
           "one search catching up pays) at most %.0f ms; a value %.0f us, %.0f us of CPU\n",
           values, chunks, NAME_INDEX_CATCH_UP_VALUES, total, slowest * 1000.0,
           values ? total * 1e6 / (double)values : 0.0,
           values ? cpu_s * 1e6 / (double)values : 0.0);
    return 0;
}

static int list_total(struct bench *b, const struct hub_list_query *q)
{
    struct hub_list_page page = {0};
    int rc = hub_case_list(b->world.store, q, &page, NULL);
    int64_t total = page.total;
    hub_list_page_free(&page);
    return rc == 0 && total < 0 ? SAE_ECORRUPT : rc;
}

static int search_named(void *context, size_t round)
{
    struct bench *b = context;
    uint8_t tokens[NAME_INDEX_QUERY_WORDS][NAME_INDEX_TOKEN_BYTES];
    size_t count = 0, opened = 0;
    bool behind = false;
    const char *text = b->texts[round % (ROUNDS_DEFAULT + 1)];
    int rc = name_index_catch_up(b->world.store, b->secret, NAME_INDEX_CATCH_UP_VALUES,
                                 &behind, &opened);
    if (rc == 0)
        rc = name_index_query_tokens(b->secret, text, tokens, &count);
    struct hub_list_query q = {.text = text, .has_conflict = -1, .limit = 50,
                               .name_tokens = (const uint8_t(*)[NAME_INDEX_TOKEN_BYTES])tokens,
                               .name_token_count = count};
    return rc == 0 ? list_total(b, &q) : rc;
}

static int search_plain(void *context, size_t round)
{
    struct bench *b = context;
    struct hub_list_query q = {.text = b->texts[round % (ROUNDS_DEFAULT + 1)],
                               .has_conflict = -1, .limit = 50};
    return list_total(b, &q);
}

static int run(struct bench *b, const char *dir)
{
    int rc = district_key_ensure(b->world.store, dir);
    if (rc == 0)
        rc = district_key_unclaimed(dir, &b->secret);
    if (rc == 0)
        rc = seal_names(b->world.store);
    if (rc == 0)
        rc = build_index(b);
    for (size_t i = 0; rc == 0 && i <= ROUNDS_DEFAULT; i++) {
        struct case_world_case c;
        case_world_case(&b->world.options, (i * 7919) % b->world.cases, &c);
        snprintf(b->texts[i], sizeof b->texts[i], "%.4s", c.victim_name);
    }
    struct bench_timing named = {0}, plain = {0};
    if (rc == 0)
        rc = bench_timing_run(search_named, b, b->rounds, &named);
    if (rc == 0)
        rc = bench_timing_run(search_plain, b, b->rounds, &plain);
    if (rc == 0) {
        char how[64];
        snprintf(how, sizeof how, "(%zu cases)", b->world.cases);
        bench_timing_print_vs("search by name", how, &named, "without names", &plain, &AIM,
                              false);
    }
    bench_timing_free(&named);
    bench_timing_free(&plain);
    sae_secure_free(b->secret);
    return rc;
}

int main(void)
{
    static struct bench b;
    char dir[256], path[300];
    struct case_world_options options = {.seed = 20261207, .posts = POSTS, .now_ms = NOW_MS};
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    if (hb_env_count("BENCH_CASES", smoke ? 300 : CASES_DEFAULT, 1000000, &options.cases) != 0 ||
        hb_env_count("BENCH_ROUNDS", smoke ? 3 : ROUNDS_DEFAULT, ROUNDS_DEFAULT, &b.rounds) != 0) {
        fprintf(stderr, "bench_name_search: BENCH_CASES must be 1 to 1000000, BENCH_ROUNDS 1 "
                        "to %d\n", ROUNDS_DEFAULT);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (hb_scratch_make("sae-bench-names", dir, sizeof dir) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/hub.db", dir);
    int rc = case_world_build(path, &options, &b.world);
    if (rc == 0) {
        printf("bench_name_search: %zu cases from %zu posts\n", b.world.cases, options.posts);
        rc = run(&b, dir);
        case_world_close(&b.world);
    }
    if (rc != 0)
        fprintf(stderr, "bench_name_search: %s\n", sae_error_name(rc));
    hb_scratch_remove(dir);
    return rc == 0 ? 0 : 1;
}
