/* bench_console_me: the console's monitoring and evaluation page over real HTTPS, on
 * case_world's hub of 100,000 cases from 330 posts. A signed-in operator's GET
 * /console/me for the last whole month (every figure, as HTML with the charts' tables) is
 * timed from the client (libcurl, a kept-alive TLS connection), p50 and p95, beside the raw
 * SQL of the page's headline figure (consented cases of the month by type of violence, over
 * the merged state as the hub keeps it) in the same run, as a ratio. Aim: p95 <= 200 ms and
 * <= 3x raw. BENCH_CONSOLE_CASES (default 100000) and BENCH_CONSOLE_ROUNDS (default 20);
 * BENCH_SMOKE=1: 300 cases, 2 rounds (make test: it still runs; its figures mean nothing). */
#include <curl/curl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/console.h"
#include "bench_hub_support.h"
#include "case_world.h"
#include "net/http_server.h"
#include "net/tls_cert.h"
#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "sae/sae_hlc.h"
#include "store/hub_accounts.h"
#include "store/me_facts.h"

#define ROUNDS_MAX 1000
#define PASSWORD "bench-password-long-enough"


struct client {
    CURL *easy;
    char base[64], cert[PATH_MAX];
    size_t received;
};

static size_t count_bytes(char *data, size_t size, size_t n, void *context)
{
    (void)data;
    ((struct client *)context)->received += size * n;
    return size * n;
}

/* GET (body NULL) or POST a JSON body; 0 when the status is 200. */
static int request(struct client *c, const char *path, const char *body)
{
    char url[256];
    long status = 0;
    snprintf(url, sizeof url, "%s%s", c->base, path);
    struct curl_slist *headers = body ? curl_slist_append(NULL, "Content-Type: application/json")
                                      : NULL;
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
    if (body)
        curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body);
    else
        curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    c->received = 0;
    CURLcode code = curl_easy_perform(c->easy);
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return code == CURLE_OK && status == 200 ? 0 : SAE_EIO;
}

static int client_open(struct client *c, const char *dir, uint16_t port)
{
    snprintf(c->base, sizeof c->base, "https://127.0.0.1:%u", (unsigned)port);
    snprintf(c->cert, sizeof c->cert, "%s/cert.pem", dir);
    c->easy = curl_easy_init();
    if (!c->easy)
        return SAE_ENOMEM;
    curl_easy_setopt(c->easy, CURLOPT_CAINFO, c->cert);
    curl_easy_setopt(c->easy, CURLOPT_COOKIEFILE, ""); /* keep the session cookie */
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, count_bytes);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
    int rc = request(c, "/api/v1/session", "{\"name\": \"bench\", \"password\": \"" PASSWORD
                     "\"}");
    return rc;
}

/* An operator who has accepted the code of conduct. */
static int add_operator(struct hub_store *store, int64_t now_ms)
{
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, PASSWORD, strlen(PASSWORD), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return SAE_ENOMEM;
    int rc = hub_account_add(store, "bench", HUB_ROLE_OPERATOR, NULL, hash, now_ms);
    return rc == 0 ? hub_account_accept_conduct(store, "bench", now_ms) : rc;
}

static int raw_once(struct hub_store *store, const char *from, const char *to)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, hb_raw_figure_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, from);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, to);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = 0;
    sae_db_finalize(stmt);
    return rc;
}

/* The last whole month before now: "YYYY-MM", and its first and next month's first day. */
static void last_month(int64_t now_ms, char month[8], char from[11], char to[11])
{
    char today[11];
    sae_date_today(now_ms, today);
    unsigned y = (unsigned)atoi(today), m = (unsigned)atoi(today + 5);
    unsigned py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;
    snprintf(month, 8, "%04u-%02u", py % 10000, pm % 100);
    snprintf(from, 11, "%04u-%02u-01", py % 10000, pm % 100);
    snprintf(to, 11, "%04u-%02u-01", y % 10000, m % 100);
}

static void report(const char *what, double *ours, double *raw, size_t rounds)
{
    double p50 = hb_percentile(ours, rounds, 50) * 1e3, p95 = hb_percentile(ours, rounds, 95) * 1e3;
    double r50 = hb_percentile(raw, rounds, 50) * 1e3, r95 = hb_percentile(raw, rounds, 95) * 1e3;
    printf("  %-34s p50 %8.2f ms  p95 %8.2f ms | raw SQL p50 %8.2f ms  p95 %8.2f ms | "
           "ratio p95 %.2fx (aim <= 200 ms and <= 3x)\n", what, p50, p95, r50, r95,
           r95 > 0 ? p95 / r95 : 0.0);
}

static int measure(struct hub_store *store, struct client *c, int64_t now_ms, size_t rounds)
{
    char month[8], from[11], to[11], path[96];
    double *ours = calloc(rounds, sizeof *ours), *raw = calloc(rounds, sizeof *raw);
    last_month(now_ms, month, from, to);
    snprintf(path, sizeof path, "/console/me?from=%s&to=%s", month, month);
    int rc = ours && raw ? request(c, path, NULL) : SAE_ENOMEM; /* warm, as a hub in use is */
    size_t page_bytes = c->received;
    for (size_t i = 0; rc == 0 && i < rounds; i++) {
        double t0 = hb_now();
        rc = request(c, path, NULL);
        ours[i] = hb_now() - t0;
        t0 = hb_now();
        if (rc == 0)
            rc = raw_once(store, from, to);
        raw[i] = hb_now() - t0;
    }
    if (rc == 0) {
        printf("  the page: %zu bytes of HTML for %s\n", page_bytes, month);
        report("M&E page of a month over HTTPS", ours, raw, rounds);
    }
    free(ours);
    free(raw);
    return rc;
}

static void quiet(void *context, const char *line)
{
    (void)context;
    (void)line;
}

static int serve_and_measure(const char *dir, struct case_world *world, size_t rounds)
{
    char db[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
    snprintf(db, sizeof db, "%s/hub.db", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    struct console *console = NULL;
    struct http_server *server = NULL;
    struct client client = {0};
    struct sae_message why = {{0}};
    struct http_server_config config;
    http_server_config_default(&config);
    config.address = "127.0.0.1";
    config.port = 0;
    config.cert_pem_path = cert;
    config.key_pem_path = key;
    config.threads = 2;
    int rc = tls_cert_create_self_signed(NULL, 0, 30, cert, key);
    if (rc == 0)
        rc = console_create(db, 5000, &console, &why);
    if (rc == 0)
        rc = http_server_start(&config, console_handle, console, quiet, NULL, &server);
    if (rc == 0)
        rc = client_open(&client, dir, http_server_port(server));
    if (rc == 0)
        rc = measure(world->store, &client, world->options.now_ms, rounds);
    if (client.easy)
        curl_easy_cleanup(client.easy);
    http_server_stop(server);
    console_destroy(console);
    return rc;
}

static int run(const char *dir, size_t cases, size_t rounds)
{
    char path[PATH_MAX];
    struct case_world world;
    struct case_world_options options = {.seed = 11, .cases = cases, .posts = 330,
                                         .conflicts = 64, .now_ms = (int64_t)sae_wall_clock_ms()};
    snprintf(path, sizeof path, "%s/hub.db", dir);
    double t0 = hb_now();
    int rc = case_world_build(path, &options, &world);
    if (rc != 0)
        return rc;
    printf("  case_world: %zu cases from %zu posts, built in %.1f s\n", world.cases,
           world.post_count, hb_now() - t0);
    rc = me_facts_refresh(world.store, NULL);
    if (rc == 0)
        rc = add_operator(world.store, options.now_ms);
    if (rc == 0)
        rc = serve_and_measure(dir, &world, rounds);
    case_world_close(&world);
    return rc;
}

int main(void)
{
    char dir[256]; /* the scratch directory's path; the files' paths beside it fit PATH_MAX */
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    size_t cases = 0, rounds = 0;
    if (hb_env_count("BENCH_CONSOLE_CASES", smoke ? 300 : 100000, 1000000, &cases) != 0 ||
        hb_env_count("BENCH_CONSOLE_ROUNDS", smoke ? 2 : 20, ROUNDS_MAX, &rounds) != 0) {
        fprintf(stderr, "bench_console_me: BENCH_CONSOLE_CASES must be 1 to 1000000, "
                "BENCH_CONSOLE_ROUNDS 1 to %d\n", ROUNDS_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        hb_scratch_make("bench-console-me", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_console_me: cannot start (libsodium, libcurl, scratch "
                "directory)\n");
        return 1;
    }
    printf("bench_console_me: the M&E page over HTTPS beside raw SQL, hub.db in %s\n", dir);
    int rc = run(dir, cases, rounds);
    if (hb_scratch_remove(dir) != 0 && rc == 0)
        rc = SAE_EIO;
    curl_global_cleanup();
    if (rc != 0) {
        fprintf(stderr, "bench_console_me: %s\n", sae_error_name(rc));
        return 1;
    }
    return 0;
}
