/* make bench: a day of normal traffic at a province's hub, with the console in use.
 * Jawa Timur's 8,500 villages (bench_province.h, imported into the hub's area list) each
 * have a post; every post syncs every 5 minutes: one visit is a push of a few edits (1 to
 * 5 changes of its journal, bench_dataset.h) and a pull from its cursors, on one new
 * connection, from an address of 127.0.0.2-254 by post. The day is compressed honestly:
 * each 5-minute cycle is run in real time at the real rate, 8,500 visits in 300 s (28.3
 * visits, 56.7 requests a second), for BENCH_DAY_CYCLES cycles (default 2; a whole day is
 * 288); fewer posts (BENCH_DAY_POSTS) keep the same rate, so a cycle is shorter. Meanwhile a
 * signed-in coordinator loads console pages (the reports list, the conflicts queue, the
 * posts page, in turn) with a second's pause between clicks. Before the day, every post
 * has pushed its first 20 to 50 changes (not timed) so the hub holds a day's history.
 *
 * Figures beside baselines measured in the same run on the same hub, just before the day:
 * p50/p99 of pushes and of pulls during the day beside 100 visits made one at a time; p99
 * of console pages beside the same pages with the hub idle; the hub's CPU (user + system of
 * this process less the client's threads, which seal, send and open) per visit during the
 * day beside one at a time, and its share of the cores beside the idle hub's; the process's
 * peak resident memory during the day beside before it. Nothing asserts a time. The hub
 * runs in this process with the server's default configuration, as `sae-hub serve` runs it
 * (posts' endpoints and console on one listener). */
#include <inttypes.h>

#include "bench_hub_support.h"
#include "bench_province.h"
#include "console_http_support.h"

#define CYCLE_SECONDS 300.0
#define EDITS_MIN 1
#define EDITS_SPREAD 5 /* 1 to 5 changes per visit */
#define PRELOAD_MIN 20
#define PRELOAD_SPREAD 31
#define SEED UINT64_C(0x5ae1da720261207)
#define FIRST_HOST 2
#define HOSTS 253
#define BASELINE_VISITS 100
#define PRELOAD_IN_FLIGHT 64
#define CLICK_PAUSE_NS 1000000000L
#define IDLE_SECONDS 5
#define IDLE_PAGE_ROUNDS 5 /* BENCH_SMOKE: 1 second, 1 round */
#define SMOKE_POSTS 50
#define CYCLES_DEFAULT 2
#define CYCLES_MAX 288

static const char *const pages[] = {"/console/reports?kind=case", "/console/conflicts",
                                    "/console/posts"};
#define PAGES (sizeof pages / sizeof pages[0])

/* A post: who it is, its sealed pushes in order ([0] the preload, then the baseline's for
 * the first BASELINE_VISITS posts, then one per cycle) and its pull cursors. */
struct day_post {
    struct hb_identity who;
    uint8_t **env;
    size_t *env_len;
    uint64_t *last_seq;
    size_t pushes, next; /* batches made, and the next to send */
    uint64_t cursor, grant_cursor;
    bool busy;
};

/* Latencies of one kind of request. */
struct samples {
    double *v;
    size_t n, cap;
};

static int samples_add(struct samples *s, double value)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        double *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return SAE_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = value;
    return 0;
}

static double samples_pct(struct samples *s, double pct)
{
    return s->n ? hb_percentile(s->v, s->n, pct) : 0;
}

/* One visit in flight: a push, then a pull on the same connection. */
struct visit {
    struct day_post *post;
    CURL *easy;
    struct http_body reply;
    uint8_t *pull_env;
    char interface[32];
    double started;
    bool pulling;
};

struct phase {
    struct samples push, pull;
    size_t visits, failed, pulled;
    struct sae_message first;
};

struct day {
    struct hb_hub hub;
    struct bp_province province;
    struct day_post *posts;
    size_t post_count, cycles, baseline;
    unsigned idle_seconds, idle_page_rounds;
    struct curl_slist *headers;
    /* The console user. */
    struct console_http user;
    pthread_t user_thread;
    volatile int user_stop; /* read by the user's thread; set once by the main one */
    struct samples page;
    double user_cpu;
    size_t page_failed;
};

static void posts_free(struct day_post *posts, size_t count)
{
    for (size_t i = 0; posts && i < count; i++) {
        for (size_t b = 0; b < posts[i].pushes; b++)
            free(posts[i].env[b]);
        free(posts[i].env);
        free(posts[i].env_len);
        free(posts[i].last_seq);
        sodium_memzero(posts[i].who.sk, sizeof posts[i].who.sk);
    }
    free(posts);
}

/* Post index's batches, generated and sealed; its journal is dropped afterwards. */
static int post_make(struct day *d, struct day_post *out, uint32_t index)
{
    struct hb_post p;
    struct sae_change changes[PRELOAD_MIN + PRELOAD_SPREAD];
    size_t pushes = 1 + (index < d->baseline) + d->cycles;
    memset(changes, 0, sizeof changes);
    out->env = calloc(pushes, sizeof *out->env);
    out->env_len = calloc(pushes, sizeof *out->env_len);
    out->last_seq = calloc(pushes, sizeof *out->last_seq);
    if (!out->env || !out->env_len || !out->last_seq)
        return SAE_ENOMEM;
    int rc = hb_post_init(&p, SEED, index, d->province.village[index % d->province.count]);
    for (size_t b = 0; rc == 0 && b < pushes; b++) {
        size_t n = b == 0 ? PRELOAD_MIN + bench_below(&p.data, PRELOAD_SPREAD)
                          : EDITS_MIN + bench_below(&p.data, EDITS_SPREAD);
        rc = hb_post_changes(&p, changes, n);
        if (rc == 0)
            rc = hb_seal_batch(&p.who, d->hub.pk, changes, n, &out->env[b], &out->env_len[b]);
        bench_batch_clear(changes, n);
        out->last_seq[b] = p.seq;
        out->pushes += rc == 0;
    }
    out->who = p.who;
    hb_post_free(&p);
    return rc;
}

static int posts_make(struct day *d)
{
    d->posts = calloc(d->post_count, sizeof *d->posts);
    int rc = d->posts ? hub_store_begin(d->hub.admin) : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < d->post_count; i++) {
        rc = post_make(d, &d->posts[i], (uint32_t)i);
        if (rc == 0)
            rc = hb_enroll(&d->hub, &d->posts[i].who, 1);
    }
    if (rc == 0)
        return hub_store_commit(d->hub.admin);
    if (d->posts)
        hub_store_rollback(d->hub.admin);
    return rc;
}

/* ---- visits ------------------------------------------------------------------------- */

static int visit_start(CURLM *multi, struct day *d, struct visit *v, size_t index)
{
    struct day_post *p = v->post;
    size_t b = p->next;
    snprintf(v->interface, sizeof v->interface, "host!127.0.0.%zu",
             FIRST_HOST + index % HOSTS);
    v->easy = curl_easy_init();
    if (!v->easy)
        return SAE_ENOMEM;
    int rc = hb_easy_setup(v->easy, &d->hub, v->interface, d->headers, &v->reply);
    if (rc == 0)
        rc = hb_easy_body(v->easy, p->env[b], p->env_len[b]);
    if (rc == 0 && (curl_easy_setopt(v->easy, CURLOPT_PRIVATE, v) != CURLE_OK ||
                    curl_multi_add_handle(multi, v->easy) != CURLM_OK))
        rc = SAE_EINVAL;
    p->busy = rc == 0;
    v->pulling = false;
    v->started = hb_now();
    return rc;
}

static void visit_fail(struct phase *ph, struct visit *v, const struct sae_message *why)
{
    if (ph->failed++ == 0)
        ph->first = *why;
    (void)v;
}

/* The visit's push is answered: checked, then its pull on the same connection. */
static int visit_pull(CURLM *multi, struct day *d, struct visit *v, struct phase *ph)
{
    struct day_post *p = v->post;
    struct sae_message why = {{0}};
    long status = 0;
    size_t len = 0;
    curl_easy_getinfo(v->easy, CURLINFO_RESPONSE_CODE, &status);
    int rc = hb_ack_check(&d->hub, &p->who, status, &v->reply, p->last_seq[p->next], &why);
    http_body_free(&v->reply);
    curl_multi_remove_handle(multi, v->easy);
    if (rc != 0) {
        visit_fail(ph, v, &why);
        return rc;
    }
    p->next++;
    rc = hb_pull_request(&d->hub, &p->who, p->cursor, p->grant_cursor, &v->pull_env, &len);
    if (rc == 0 && (curl_easy_setopt(v->easy, CURLOPT_URL, d->hub.pull_url) != CURLE_OK ||
                    hb_easy_body(v->easy, v->pull_env, len) != 0 ||
                    curl_multi_add_handle(multi, v->easy) != CURLM_OK))
        rc = SAE_EINVAL;
    v->pulling = true;
    v->started = hb_now();
    return rc;
}

static void visit_end(CURLM *multi, struct visit *v)
{
    if (v->easy) {
        curl_multi_remove_handle(multi, v->easy);
        curl_easy_cleanup(v->easy);
    }
    http_body_free(&v->reply);
    free(v->pull_env);
    v->post->busy = false;
    free(v);
}

/* One transfer done: a push goes on to its pull; a pull ends the visit. */
static void transfer_done(CURLM *multi, struct day *d, CURLMsg *msg, struct phase *ph,
                          size_t *active)
{
    struct visit *v = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&v);
    if (!v)
        return;
    double took = hb_now() - v->started;
    struct sae_message why = {{0}};
    int rc = 0;
    if (msg->data.result != CURLE_OK) {
        sae_message_set(&why, "%s: %s", v->post->who.village,
                        curl_easy_strerror(msg->data.result));
        visit_fail(ph, v, &why);
        rc = SAE_EIO;
    } else if (!v->pulling) {
        rc = samples_add(&ph->push, took);
        if (rc == 0 && visit_pull(multi, d, v, ph) == 0)
            return;
    } else {
        long status = 0;
        size_t changes = 0;
        curl_easy_getinfo(v->easy, CURLINFO_RESPONSE_CODE, &status);
        rc = samples_add(&ph->pull, took);
        if (rc == 0 && (rc = hb_pull_check(&d->hub, &v->post->who, status, &v->reply,
                                           &v->post->cursor, &v->post->grant_cursor,
                                           &changes, &why)) != 0)
            visit_fail(ph, v, &why);
        ph->pulled += changes;
        ph->visits += rc == 0;
    }
    visit_end(multi, v);
    (*active)--;
}

/* The visits of schedule order: visit k is post k % count's next push. rate > 0: visit k
 * starts at k / rate seconds; rate 0: as fast as in_flight visits at a time allow. */
static int run_visits(struct day *d, size_t count, size_t total, double rate,
                      size_t in_flight, struct phase *ph)
{
    CURLM *multi = curl_multi_init();
    size_t next = 0, active = 0;
    int rc = multi ? 0 : SAE_ENOMEM;
    double start = hb_now();
    while (rc == 0 && (next < total || active > 0)) {
        double now = hb_now();
        while (rc == 0 && next < total &&
               (rate > 0 ? start + (double)next / rate <= now : active < in_flight)) {
            struct visit *v = calloc(1, sizeof *v);
            if (!v) {
                rc = SAE_ENOMEM;
                break;
            }
            v->post = &d->posts[next % count];
            if (v->post->busy) { /* its previous visit still runs: this turn is lost */
                struct sae_message why;
                sae_message_set(&why, "%s: its previous visit outlasted a cycle",
                                v->post->who.village);
                visit_fail(ph, v, &why);
                free(v);
            } else if ((rc = visit_start(multi, d, v, next)) == 0) {
                active++;
            } else {
                visit_end(multi, v);
            }
            next++;
        }
        int running = 0, left = 0;
        CURLMsg *msg;
        if (rc == 0 && curl_multi_perform(multi, &running) != CURLM_OK)
            rc = SAE_EIO;
        while (rc == 0 && (msg = curl_multi_info_read(multi, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE)
                transfer_done(multi, d, msg, ph, &active);
        double wait = rate > 0 && next < total ? start + (double)next / rate - hb_now() : 0.1;
        int wait_ms = wait > 0.1 ? 100 : wait > 0 ? (int)(wait * 1e3) + 1 : 1;
        if (rc == 0 && active > 0 && curl_multi_poll(multi, NULL, 0, wait_ms, NULL) != CURLM_OK)
            rc = SAE_EIO;
        else if (rc == 0 && active == 0 && wait > 0)
            nanosleep(&(struct timespec){0, (long)((wait > 0.1 ? 0.1 : wait) * 1e9)}, NULL);
    }
    curl_multi_cleanup(multi); /* a stopped run leaves its visits to the process's end */
    return rc;
}

/* ---- the console user --------------------------------------------------------------- */

/* Loads the pages in turn, a pause between clicks, until told to stop (rounds 0) or for
 * rounds rounds; each page's time into d->page. */
static int user_clicks(struct day *d, size_t rounds)
{
    int rc = 0;
    for (size_t r = 0; rc == 0 && (rounds ? r < rounds : !d->user_stop); r++)
        for (size_t i = 0; rc == 0 && i < PAGES && (rounds || !d->user_stop); i++) {
            double start = hb_now();
            if (console_http_get(&d->user, pages[i]) != 0)
                d->page_failed++;
            else
                rc = samples_add(&d->page, hb_now() - start);
            nanosleep(&(struct timespec){0, CLICK_PAUSE_NS - 1}, NULL);
        }
    return rc;
}

static void *user_thread(void *arg)
{
    struct day *d = arg;
    double cpu = bp_thread_cpu();
    user_clicks(d, 0);
    d->user_cpu = bp_thread_cpu() - cpu;
    return NULL;
}

/* ---- figures ------------------------------------------------------------------------ */

struct cost {
    double wall, process, client, rss, peak;
};

static int cost_mark(struct cost *c)
{
    double ignored = 0;
    c->wall = hb_now();
    c->client = bp_thread_cpu();
    int rc = bp_process_cpu(&c->process);
    if (rc == 0)
        rc = bp_memory(&c->rss, &ignored);
    return rc;
}

/* The hub's CPU seconds since from: the process's less this thread's and other_client
 * (never below 0: the process's time is counted in clock ticks, the threads' exactly). */
static double hub_cpu(const struct cost *from, const struct cost *to, double other_client)
{
    double cpu = (to->process - from->process) - (to->client - from->client) - other_client;
    return cpu > 0 ? cpu : 0;
}

static void print_latency(const char *what, struct samples *day, struct samples *base,
                          const char *base_name)
{
    double p50 = samples_pct(day, 50), p99 = samples_pct(day, 99);
    double b50 = samples_pct(base, 50), b99 = samples_pct(base, 99);
    printf("  %-14s p50 %7.1f ms  p99 %7.1f ms (%zu) | %s p50 %7.1f ms  p99 %7.1f ms (%zu) | "
           "p99 ratio %.2f\n", what, p50 * 1e3, p99 * 1e3, day->n, base_name, b50 * 1e3,
           b99 * 1e3, base->n, b99 > 0 ? p99 / b99 : 0);
}

static void samples_free(struct samples *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- the run ------------------------------------------------------------------------ */

static int setup(struct day *d, const char *dir, struct sae_message *why)
{
    size_t added = 0;
    int rc = bp_province_make(&d->province);
    if (rc == 0 && (rc = hb_hub_start_console(&d->hub, dir, why)) == 0)
        rc = bp_province_import(d->hub.admin, &d->province, &added, why);
    if (rc == 0 && (rc = posts_make(d)) != 0)
        sae_message_set(why, "cannot generate, seal and enroll %zu posts", d->post_count);
    if (rc == 0 && (rc = console_http_attach(&d->user, d->hub.admin, d->hub.cert, d->hub.base,
                                             (int64_t)sae_wall_clock_ms())) != 0)
        sae_message_set(why, "the console user cannot sign in");
    printf("  area list: %zu villages (%zu built in, the rest synthetic codes of Jawa Timur's "
           "other regencies; %zu areas imported); %zu posts enrolled\n", d->province.count,
           d->province.builtin, added, d->post_count);
    return rc;
}

static int phase_ok(const char *name, const struct phase *ph, struct sae_message *why)
{
    if (ph->failed == 0)
        return 0;
    sae_message_set(why, "%s: %zu visit(s) failed; the first: %s", name, ph->failed,
                    ph->first.text);
    return SAE_EIO;
}

static void print_day(struct day *d, struct phase *day, struct phase *base,
                      struct samples *idle_pages, double seconds, double rate,
                      const double cpu[3], const struct cost *before, double peak)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double per_visit = cpu[0] / (double)(day->visits ? day->visits : 1);
    double per_base = cpu[1] / (double)(base->visits ? base->visits : 1);
    printf("  day: %zu visits in %.1f s, %.1f visits/s against the %.1f asked (%zu failed), "
           "%zu changes pulled\n", day->visits, seconds, (double)day->visits / seconds, rate,
           day->failed, day->pulled);
    print_latency("pushes", &day->push, &base->push, "one at a time");
    print_latency("pulls", &day->pull, &base->pull, "one at a time");
    print_latency("console pages", &d->page, idle_pages, "hub idle    ");
    if (d->page_failed)
        printf("  console: %zu page load(s) failed\n", d->page_failed);
    printf("  hub CPU (user+sys): %.1f s over the day's %.1f s = %.1f%% of %ld cores (idle "
           "hub: %.2f%%); %.2f ms per visit, one at a time %.2f ms: %.2f x\n", cpu[0], seconds,
           100.0 * cpu[0] / seconds / (double)cores, cores,
           100.0 * cpu[2] / (double)d->idle_seconds / (double)cores, per_visit * 1e3, per_base * 1e3,
           per_visit / per_base);
    printf("  process memory: peak %.0f MiB during the day, %.0f MiB before it: %.2f x\n", peak,
           before->rss, peak / before->rss);
    printf("bench_hub_day: %zu posts, %zu cycle(s) at %.1f visits/s: push p99 %.0f ms, pull p99 "
           "%.0f ms, console page p99 %.0f ms (%.2f x idle), hub CPU %.0f%% of %ld cores\n",
           d->post_count, d->cycles, rate, samples_pct(&day->push, 99) * 1e3,
           samples_pct(&day->pull, 99) * 1e3, samples_pct(&d->page, 99) * 1e3,
           samples_pct(&d->page, 99) / samples_pct(idle_pages, 99),
           100.0 * cpu[0] / seconds / (double)cores, cores);
}

static int run_day(struct day *d, struct sae_message *why)
{
    struct phase preload = {0}, base = {0}, day = {0};
    struct samples idle_pages = {0};
    struct cost a, b;
    double cpu[3] = {0}, peak = 0, ignored = 0, rate = BP_PROVINCE_VILLAGES / CYCLE_SECONDS;
    size_t n = d->post_count;
    int rc = run_visits(d, n, n, 0, PRELOAD_IN_FLIGHT, &preload);
    if (rc == 0)
        rc = phase_ok("the posts' first pushes", &preload, why);
    if (rc == 0 && (rc = cost_mark(&a)) == 0)
        rc = run_visits(d, d->baseline, d->baseline, 0, 1, &base);
    if (rc == 0 && (rc = phase_ok("one at a time", &base, why)) == 0 && (rc = cost_mark(&b)) == 0)
        cpu[1] = hub_cpu(&a, &b, 0);
    if (rc == 0 && (rc = cost_mark(&a)) == 0) {
        nanosleep(&(struct timespec){(time_t)d->idle_seconds, 0}, NULL);
        rc = cost_mark(&b);
        cpu[2] = hub_cpu(&a, &b, 0);
    }
    if (rc == 0 && (rc = user_clicks(d, d->idle_page_rounds)) == 0) {
        idle_pages = d->page;
        memset(&d->page, 0, sizeof d->page);
    }
    printf("  the day: %zu cycle(s) of %zu visits at %.1f visits/s (%.0f s each); a "
           "coordinator loads %zu pages in turn meanwhile\n", d->cycles, n, rate,
           (double)n / rate, PAGES);
    fflush(stdout);
    if (rc == 0 && (rc = bp_peak_reset()) == 0)
        rc = cost_mark(&a);
    bool user = rc == 0 && pthread_create(&d->user_thread, NULL, user_thread, d) == 0;
    if (rc == 0 && !user)
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = run_visits(d, n, n * d->cycles, rate, 0, &day);
    d->user_stop = 1;
    if (user)
        pthread_join(d->user_thread, NULL);
    if (rc == 0 && (rc = cost_mark(&b)) == 0)
        rc = bp_memory(&ignored, &peak);
    if (rc == 0) {
        cpu[0] = hub_cpu(&a, &b, d->user_cpu);
        print_day(d, &day, &base, &idle_pages, b.wall - a.wall, rate, cpu, &a, peak);
        rc = phase_ok("the day", &day, why);
    }
    samples_free(&preload.push), samples_free(&preload.pull);
    samples_free(&base.push), samples_free(&base.pull);
    samples_free(&day.push), samples_free(&day.pull), samples_free(&idle_pages);
    return rc;
}

int main(void)
{
    struct day d = {0};
    struct sae_message why = {{0}};
    char dir[PATH_MAX];
    const char *smoke = getenv("BENCH_SMOKE");
    size_t posts_default = smoke && *smoke ? SMOKE_POSTS : BP_PROVINCE_VILLAGES;
    if (hb_env_count("BENCH_DAY_POSTS", posts_default, BP_PROVINCE_VILLAGES, &d.post_count) ||
        hb_env_count("BENCH_DAY_CYCLES", smoke && *smoke ? 1 : CYCLES_DEFAULT, CYCLES_MAX,
                     &d.cycles)) {
        fprintf(stderr, "bench_hub_day: BENCH_DAY_POSTS must be a number from 1 to %d, "
                "BENCH_DAY_CYCLES from 1 to %d\n", BP_PROVINCE_VILLAGES, CYCLES_MAX);
        return 2;
    }
    d.idle_seconds = smoke && *smoke ? 1 : IDLE_SECONDS;
    d.idle_page_rounds = smoke && *smoke ? 1 : IDLE_PAGE_ROUNDS;
    d.baseline = d.post_count < BASELINE_VISITS ? d.post_count : BASELINE_VISITS;
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_hub_day: cannot initialise libsodium or libcurl\n");
        return 1;
    }
    if (hb_scratch_make("bench-hub-day", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_hub_day: cannot create a scratch directory\n");
        return 1;
    }
    printf("bench_hub_day: a day of normal traffic, %zu posts syncing every 5 minutes, to a "
           "hub in this process (HTTPS on 127.0.0.1, hub.db in %s)\n", d.post_count, dir);
    d.headers = hb_push_headers();
    int rc = d.headers ? setup(&d, dir, &why) : SAE_ENOMEM;
    if (rc == 0)
        rc = run_day(&d, &why);
    console_http_stop(&d.user);
    hb_hub_stop(&d.hub);
    posts_free(d.posts, d.post_count);
    bp_province_free(&d.province);
    samples_free(&d.page);
    curl_slist_free_all(d.headers);
    if (hb_scratch_remove(dir) != 0 && rc == 0) {
        sae_message_set(&why, "cannot remove %s", dir);
        rc = SAE_EIO;
    }
    curl_global_cleanup();
    if (rc != 0) {
        fprintf(stderr, "bench_hub_day: %s\n", why.text[0] ? why.text : sae_error_name(rc));
        return 1;
    }
    return 0;
}
