/* make bench: many posts pushing at once. The 330 villages of Kabupaten Probolinggo, each
 * enrolled and each pushing one realistic batch (20 to 50 changes, bench_dataset.h, fixed
 * seed) at the same moment, one connection per post, from client addresses 127.0.0.2 to
 * 127.0.0.254 (as posts would come from different addresses, so the server's per-IP limit
 * sees different posts); then ten times as many (3,300: ten posts per village); then a
 * province, Jawa Timur's 8,500 villages with one post each (bench_province.h: Probolinggo's
 * 330 from the built-in list and synthetic codes for the other 37 regencies, imported into
 * the hub's area list first). The hub runs in this process with the server's default
 * configuration (http_server_config_default) apart from its address and port, as
 * `sae-hub serve` runs it.
 *
 * Figures: every push acknowledged (each sealed ack opened and checked) and every change in
 * hub.db; p50 and p99 of the time from the common start to each post's ack. The baseline,
 * measured in the same run just before each concurrent round: pushes sent one after another
 * over one connection (the previous batch of each of the first 330 posts), 330 of them in
 * every round: all 3,300 in turn would add 30 to 60 s here for the same p50. The figure
 * reads "p99 at N posts at once = X times the sequential p50". Beside it, the hub's CPU
 * time (user + system of this process less the client's thread, which seals, sends and
 * opens) per push at once and one at a time, its share of the machine's cores, and the
 * process's peak resident memory during the round beside its memory before it (the
 * client's sealed batches are in both). Nothing asserts a time.
 *
 * When more posts than the server's connection limit push at once, the server leaves the
 * extra connections waiting in the kernel's accept queue (or refuses them: the run says
 * which happened), and a post whose push the server cut tries again (RETRIES times,
 * RETRY_PAUSE_S apart, as a post's sync loop retries): the run says how many answered at the
 * first try. BENCH_HUB_WAVE sets the most posts started together (1 to 100000;
 * default: all of them); BENCH_HUB_ROUNDS (1 to 3) runs the first rounds only. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <errno.h>
#include <inttypes.h>

#include "bench_hub_support.h"
#include "bench_province.h"

#define VILLAGES 330
#define ROUNDS 3
/* Posts per round: a regency's villages, ten posts each, a province's villages. */
static const size_t round_posts[ROUNDS] = {VILLAGES, VILLAGES * 10, BP_PROVINCE_VILLAGES};
#define CHANGES_MIN 20
#define CHANGES_SPREAD 31 /* 20 to 50 changes per batch */
#define SEED UINT64_C(0x5ae10ad20261129)
#define FIRST_HOST 2
#define HOSTS 253 /* 127.0.0.2 .. 127.0.0.254 */
/* Pushes of the sequential baseline. */
#define SEQUENTIAL VILLAGES

/* The province's villages (bench_province.h), the first 330 Probolinggo's own. A round of
 * up to 3,300 posts uses those 330 (post i of village i % 330, as earlier runs did); the
 * province round gives each post a village of its own. */
static struct bp_province province;

static const char *village_of(uint32_t index, size_t count)
{
    size_t villages = count > VILLAGES * 10 ? province.count : VILLAGES;
    return province.village[index % villages];
}

/* One post of the run: who it is and its batches: [0] for the sequential baseline (posts
 * of the sample only), [1] for the concurrent round. */
struct post {
    struct hb_identity who;
    uint8_t *env[2];
    size_t env_len[2], changes[2];
    uint64_t last_seq[2];
};

/* One transfer of the concurrent round. */
struct transfer {
    struct post *post;
    CURL *easy;
    struct http_body reply;
    char interface[32];
    double latency, tls;
    long status;
    CURLcode result;
};

/* A post whose push the server cut (its guard makes room near the connection limit) tries
 * again, as a post's sync loop does after a failure: at most this many more times, this
 * far apart. */
#define RETRIES 3
#define RETRY_PAUSE_S 5

static bool answered(const struct transfer *t)
{
    return t->result == CURLE_OK && t->status == 200;
}

struct round {
    size_t posts, waves, changes, failed, seq_pushes, seq_changes;
    size_t first_try, retries; /* answered at the first try; pushes sent again */
    long seq_connections;
    double seq_p50, seq_p99, seq_seconds, p50, p99, max, tls_p50, tls_p99, seconds;
    /* The hub's CPU seconds (the process less the client's thread) in each part, and the
     * process's resident memory before the concurrent part and its peak during it (MiB). */
    double seq_cpu, cpu, rss_before, rss_peak;
    double client_cpu;     /* the client's thread in the concurrent part */
    char load[2][64];      /* /proc/loadavg before and after the concurrent part */
};

/* The machine's load average, which on a shared machine says how much of its cores this
 * run had: the figures are read beside it. */
static void load_average(char out[64])
{
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || !fgets(out, 64, f))
        snprintf(out, 64, "unknown");
    out[strcspn(out, "\n")] = '\0';
    if (f)
        fclose(f);
}

/* CPU seconds of the process and of this (the client's) thread at one moment. */
struct cpu_mark {
    double process, client;
};

static int cpu_mark(struct cpu_mark *m)
{
    m->client = bp_thread_cpu();
    return bp_process_cpu(&m->process);
}

/* What the hub's threads took since from: all the process took less the client's thread
 * (whose own share goes to *client when given). */
static double hub_cpu_since(const struct cpu_mark *from, double *client)
{
    struct cpu_mark now;
    if (cpu_mark(&now) != 0)
        return 0;
    if (client)
        *client = now.client - from->client;
    return (now.process - from->process) - (now.client - from->client);
}

static void posts_free(struct post *posts, size_t count)
{
    for (size_t i = 0; posts && i < count; i++) {
        free(posts[i].env[0]);
        free(posts[i].env[1]);
        sodium_memzero(posts[i].who.sk, sizeof posts[i].who.sk);
    }
    free(posts);
}

/* A post's batches, generated and sealed; the journal is dropped afterwards (it holds
 * 130 KiB of recent narratives per post). */
static int post_make(struct post *out, const struct hb_hub *hub, uint32_t index, size_t count)
{
    int first = index < SEQUENTIAL ? 0 : 1;
    struct hb_post p;
    struct sae_change changes[CHANGES_MIN + CHANGES_SPREAD];
    memset(changes, 0, sizeof changes);
    int rc = hb_post_init(&p, SEED + count, index, village_of(index, count));
    for (int b = first; rc == 0 && b < 2; b++) {
        size_t n = CHANGES_MIN + bench_below(&p.data, CHANGES_SPREAD);
        rc = hb_post_changes(&p, changes, n);
        if (rc == 0)
            rc = hb_seal_batch(&p.who, hub->pk, changes, n, &out->env[b], &out->env_len[b]);
        bench_batch_clear(changes, n);
        out->changes[b] = n;
        out->last_seq[b] = p.seq;
    }
    out->who = p.who;
    hb_post_free(&p);
    return rc;
}

static int posts_make(struct hb_hub *hub, size_t count, struct post **out)
{
    struct post *posts = calloc(count, sizeof *posts);
    int rc = posts ? hub_store_begin(hub->admin) : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = post_make(&posts[i], hub, (uint32_t)i, count);
        if (rc == 0)
            rc = hb_enroll(hub, &posts[i].who, 1);
    }
    if (rc == 0)
        rc = hub_store_commit(hub->admin);
    else if (posts)
        hub_store_rollback(hub->admin);
    if (rc != 0) {
        posts_free(posts, count);
        return rc;
    }
    *out = posts;
    return 0;
}

/* ---- one after another, over one connection ----------------------------------------- */

/* From 127.0.1.ROUND: an address of its own for each round's baseline, as one client would
 * have. The hub limits requests per address (20 a second, bursts of 600): two baselines of
 * 330 pushes from one address a few seconds apart would meet that limit (429), as two
 * villages' posts behind one carrier-grade NAT syncing at the same moment would. */
static int sequential(const struct hb_hub *hub, struct post *posts, size_t count,
                      struct curl_slist *headers, double *latencies, struct round *round,
                      size_t round_index, struct sae_message *why)
{
    struct http_body reply = {0};
    char interface[32];
    CURL *easy = curl_easy_init();
    snprintf(interface, sizeof interface, "host!127.0.1.%zu", round_index % 250 + 1);
    int rc = easy ? hb_easy_setup(easy, hub, interface, headers, &reply) : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        long status = 0;
        http_body_free(&reply);
        rc = hb_easy_body(easy, posts[i].env[0], posts[i].env_len[0]);
        double start = hb_now();
        CURLcode code = rc == 0 ? curl_easy_perform(easy) : CURLE_FAILED_INIT;
        latencies[i] = hb_now() - start;
        round->seq_connections += hb_easy_new_connections(easy);
        round->seq_seconds += latencies[i];
        round->seq_changes += posts[i].changes[0];
        if (code != CURLE_OK) {
            sae_message_set(why, "sequential push %zu: %s", i, curl_easy_strerror(code));
            rc = SAE_EIO;
            break;
        }
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        rc = hb_ack_check(hub, &posts[i].who, status, &reply, posts[i].last_seq[0], why);
    }
    http_body_free(&reply);
    curl_easy_cleanup(easy);
    return rc;
}

/* ---- all at once ----------------------------------------------------------------------- */

static int transfer_start(CURLM *multi, struct transfer *t, const struct hb_hub *hub,
                          struct curl_slist *headers, size_t index)
{
    snprintf(t->interface, sizeof t->interface, "host!127.0.0.%zu",
             FIRST_HOST + index % HOSTS);
    http_body_free(&t->reply); /* a retry's answer replaces the cut one's */
    t->easy = curl_easy_init();
    if (!t->easy)
        return SAE_ENOMEM;
    /* A post pushes its batch and goes: the connection closes after the answer. */
    int rc = hb_easy_setup(t->easy, hub, t->interface, headers, &t->reply);
    if (rc == 0)
        rc = hb_easy_body(t->easy, t->post->env[1], t->post->env_len[1]);
    if (rc == 0 && (curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t) != CURLE_OK ||
                    curl_easy_setopt(t->easy, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK ||
                    curl_multi_add_handle(multi, t->easy) != CURLM_OK))
        rc = SAE_EINVAL;
    return rc;
}

static void transfer_done(CURLMsg *msg, double started)
{
    struct transfer *t = NULL;
    curl_off_t tls_us = 0;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    if (!t)
        return;
    t->latency = hb_now() - started;
    t->result = msg->data.result;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    if (curl_easy_getinfo(t->easy, CURLINFO_APPCONNECT_TIME_T, &tls_us) == CURLE_OK)
        t->tls = (double)tls_us / 1e6;
}

/* Starts every transfer of [from, to) not answered yet at once and waits for the last
 * answer; latencies count from since (0: from now). *started_count: how many it started. */
static int wave(CURLM *multi, const struct hb_hub *hub, struct transfer *transfers, size_t from,
                size_t to, struct curl_slist *headers, double since, size_t *started_count)
{
    int running = 1, rc = 0;
    for (size_t i = from; rc == 0 && i < to; i++)
        if (!answered(&transfers[i]) && (rc = transfer_start(multi, &transfers[i], hub, headers,
                                                             i)) == 0)
            (*started_count)++;
    double started = since > 0 ? since : hb_now();
    while (rc == 0 && running > 0) {
        CURLMsg *msg;
        int left = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            rc = SAE_EIO;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE)
                transfer_done(msg, started);
        if (rc == 0 && running > 0 && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            rc = SAE_EIO;
    }
    for (size_t i = from; i < to; i++) {
        if (transfers[i].easy)
            curl_multi_remove_handle(multi, transfers[i].easy);
        curl_easy_cleanup(transfers[i].easy);
        transfers[i].easy = NULL;
    }
    return rc;
}

static int concurrent(const struct hb_hub *hub, struct post *posts, size_t count,
                      size_t wave_size, struct curl_slist *headers, struct round *round,
                      struct transfer **out)
{
    struct transfer *transfers = calloc(count, sizeof *transfers);
    CURLM *multi = curl_multi_init();
    int rc = transfers && multi ? 0 : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++)
        transfers[i].post = &posts[i];
    double start = hb_now();
    size_t started = 0;
    for (size_t from = 0; rc == 0 && from < count; from += wave_size) {
        size_t to = from + wave_size < count ? from + wave_size : count;
        rc = wave(multi, hub, transfers, from, to, headers, 0, &started);
        round->waves++;
    }
    for (size_t i = 0; i < count; i++)
        round->first_try += answered(&transfers[i]);
    /* The cut posts again, latencies from the round's start. */
    size_t waiting = count - round->first_try;
    for (int attempt = 0; rc == 0 && attempt < RETRIES && waiting > 0; attempt++) {
        size_t again = 0;
        nanosleep(&(struct timespec){RETRY_PAUSE_S, 0}, NULL);
        rc = wave(multi, hub, transfers, 0, count, headers, start, &again);
        round->retries += again;
        waiting = 0;
        for (size_t i = 0; i < count; i++)
            waiting += !answered(&transfers[i]);
    }
    round->seconds = hb_now() - start;
    curl_multi_cleanup(multi);
    *out = transfers;
    return rc;
}

/* Every answer opened as its post would; failures counted and the first one described. */
static void check_answers(const struct hb_hub *hub, struct transfer *t, size_t count,
                          struct round *round, struct sae_message *why)
{
    for (size_t i = 0; i < count; i++) {
        struct sae_message one = {{0}};
        int rc = SAE_EIO;
        if (t[i].result != CURLE_OK)
            sae_message_set(&one, "%s: %s", t[i].post->who.village,
                            curl_easy_strerror(t[i].result));
        else
            rc = hb_ack_check(hub, &t[i].post->who, t[i].status, &t[i].reply,
                              t[i].post->last_seq[1], &one);
        if (rc != 0 && round->failed++ == 0)
            *why = one;
        http_body_free(&t[i].reply);
    }
}

/* ---- one round: sequential baseline, then everyone at once ---------------------------- */

static void figures(struct round *round, double *seq, struct transfer *t, size_t count)
{
    double *values = malloc(count * sizeof *values);
    round->seq_p50 = hb_percentile(seq, round->seq_pushes, 50);
    round->seq_p99 = hb_percentile(seq, round->seq_pushes, 99);
    if (!values)
        return;
    for (size_t i = 0; i < count; i++)
        values[i] = t[i].latency;
    round->p50 = hb_percentile(values, count, 50);
    round->p99 = hb_percentile(values, count, 99);
    round->max = values[count - 1];
    for (size_t i = 0; i < count; i++)
        values[i] = t[i].tls;
    round->tls_p50 = hb_percentile(values, count, 50);
    round->tls_p99 = hb_percentile(values, count, 99);
    free(values);
}

static int run_round(struct hb_hub *hub, size_t count, size_t wave_size,
                     struct curl_slist *headers, struct round *round, size_t round_index,
                     struct sae_message *why)
{
    struct post *posts = NULL;
    struct transfer *transfers = NULL;
    double *seq = calloc(SEQUENTIAL, sizeof *seq);
    memset(round, 0, sizeof *round);
    round->posts = count;
    round->seq_pushes = count < SEQUENTIAL ? count : SEQUENTIAL;
    int rc = seq ? posts_make(hub, count, &posts) : SAE_ENOMEM;
    if (rc != 0 && !why->text[0])
        sae_message_set(why, "cannot generate, seal and enroll %zu posts", count);
    struct cpu_mark mark;
    double peak_before = 0;
    if (rc == 0 && (rc = cpu_mark(&mark)) == 0)
        rc = sequential(hub, posts, round->seq_pushes, headers, seq, round, round_index, why);
    round->seq_cpu = hub_cpu_since(&mark, NULL);
    load_average(round->load[0]);
    if (rc == 0 && (rc = bp_peak_reset()) == 0)
        rc = bp_memory(&round->rss_before, &peak_before);
    if (rc == 0 && (rc = cpu_mark(&mark)) == 0)
        rc = concurrent(hub, posts, count, wave_size, headers, round, &transfers);
    round->cpu = hub_cpu_since(&mark, &round->client_cpu);
    load_average(round->load[1]);
    if (rc == 0)
        rc = bp_memory(&peak_before, &round->rss_peak);
    if (rc != 0 && !why->text[0])
        sae_message_set(why, "cannot push, or read this process's CPU time and memory");
    if (rc == 0) {
        check_answers(hub, transfers, count, round, why);
        figures(round, seq, transfers, count);
    }
    for (size_t i = 0; rc == 0 && i < count; i++)
        round->changes += posts[i].changes[1];
    /* Only acknowledged pushes must be stored; when some failed the count tells. */
    for (size_t i = 0; rc == 0 && round->failed == 0 && i < count; i++)
        rc = hb_check_stored(hub, &posts[i].who, why);
    int64_t conflicts = 0;
    if (rc == 0)
        rc = hb_count(hub, "SELECT count(*) FROM conflict", &conflicts);
    /* Each post writes its own reports, each change based on its previous one. */
    if (rc == 0 && conflicts != 0) {
        sae_message_set(why, "the hub opened %lld conflict(s) among changes of one writer each",
                        (long long)conflicts);
        rc = SAE_ECORRUPT;
    }
    for (size_t i = 0; transfers && i < count; i++)
        http_body_free(&transfers[i].reply); /* left when the round stopped early */
    free(transfers);
    posts_free(posts, count);
    free(seq);
    return rc;
}

static void print_round(const struct round *r, struct hb_log *log)
{
    printf("  %zu posts, %zu changes: %zu of %zu pushes acknowledged%s, in %zu wave(s), "
           "%.1f s, %.0f changes/s\n", r->posts, r->changes, r->posts - r->failed, r->posts,
           r->failed ? "" : " and every change in hub.db", r->waves, r->seconds,
           (double)r->changes / r->seconds);
    if (r->retries > 0)
        printf("  %zu of %zu answered at the first try; %zu push(es) sent again, up to %d "
               "times %d s apart (as a post retries); latencies count from the round's start\n",
               r->first_try, r->posts, r->retries, RETRIES, RETRY_PAUSE_S);
    printf("  at once:       p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (TLS handshake done: "
           "p50 %.1f ms, p99 %.1f ms)\n", r->p50 * 1e3, r->p99 * 1e3, r->max * 1e3,
           r->tls_p50 * 1e3, r->tls_p99 * 1e3);
    printf("  one at a time: p50 %7.1f ms  p99 %7.1f ms  (%zu pushes in turn over %ld "
           "connection(s): %.0f changes/s)\n", r->seq_p50 * 1e3, r->seq_p99 * 1e3,
           r->seq_pushes, r->seq_connections, (double)r->seq_changes / r->seq_seconds);
    printf("  p99 at %zu posts at once = %.1f x the sequential p50; at once the hub took "
           "%.1f ms per push (%.1f s / %zu), one at a time %.1f ms\n", r->posts,
           r->p99 / r->seq_p50, r->seconds * 1e3 / (double)r->posts, r->seconds, r->posts,
           r->seq_seconds * 1e3 / (double)r->seq_pushes);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("  hub CPU (user+sys): at once %.2f ms per push (%.1f s over %.1f s: %.0f%% of %ld "
           "cores), one at a time %.2f ms per push: %.2f x; process memory peak %.0f MiB "
           "during the round, %.0f MiB before it: %.2f x\n",
           r->cpu * 1e3 / (double)r->posts, r->cpu, r->seconds,
           100.0 * r->cpu / r->seconds / (double)(cores > 0 ? cores : 1), cores,
           r->seq_cpu * 1e3 / (double)r->seq_pushes,
           (r->cpu / (double)r->posts) / (r->seq_cpu / (double)r->seq_pushes), r->rss_peak,
           r->rss_before, r->rss_peak / r->rss_before);
    printf("  the client's thread (TLS handshakes, sends, opens the acks): %.1f s of CPU; load "
           "average before: %s, after: %s\n", r->client_cpu, r->load[0], r->load[1]);
    pthread_mutex_lock(&log->lock);
    if (log->unusual > 0)
        printf("  server: %zu request(s) with another outcome than 200; the first:\n",
               log->unusual);
    for (size_t i = 0; i < log->unusual && i < HB_LOG_KEEP; i++)
        printf("  server log: %s\n", log->kept[i]);
    log->unusual = 0; /* each round shows its own */
    pthread_mutex_unlock(&log->lock);
}

static void print_summary(const struct round *rounds, size_t count)
{
    printf("bench_hub_load:");
    for (size_t i = 0; i < count; i++) {
        const struct round *r = &rounds[i];
        printf("%s %zu posts at once: %zu/%zu acknowledged, p50 %.2f s, p99 %.2f s = %.0f x "
               "the sequential p50 (%.1f ms)", i ? ";" : "", r->posts, r->posts - r->failed,
               r->posts, r->p50, r->p99, r->p99 / r->seq_p50, r->seq_p50 * 1e3);
    }
    printf("\n");
}

static int run_all(const char *dir, size_t wave_size, size_t rounds, size_t *failed,
                   struct sae_message *why)
{
    struct hb_hub hub;
    struct round done[ROUNDS];
    size_t done_count = 0;
    struct curl_slist *headers = hb_push_headers();
    struct http_server_config defaults;
    http_server_config_default(&defaults);
    size_t added = 0;
    int rc = headers ? bp_province_make(&province) : SAE_ENOMEM;
    if (rc == 0)
        rc = hb_hub_start(&hub, dir, why);
    if (rc == 0 && (rc = bp_province_import(hub.admin, &province, &added, why)) != 0)
        hb_hub_stop(&hub);
    if (rc != 0) {
        curl_slist_free_all(headers);
        bp_province_free(&province);
        return rc;
    }
    printf("  area list: %zu villages (%zu of the built-in list, the rest synthetic codes of "
           "Jawa Timur's other 37 regencies; %zu areas imported)\n", province.count,
           province.builtin, added);
    printf("  server: default configuration: %u threads, max %u connections, %u per address, "
           "%u s idle timeout\n", defaults.threads, defaults.max_connections,
           defaults.per_ip_connections, defaults.timeout_seconds);
    while (rc == 0 && done_count < rounds) {
        size_t count = round_posts[done_count], wave_posts = wave_size < count ? wave_size : count;
        struct round *round = &done[done_count];
        printf("bench_hub_load: %zu posts push at once (%d to %d changes each, seed %#" PRIx64
               "), one connection each from 127.0.0.%d-%d (at most %zu per address)\n", count,
               CHANGES_MIN, CHANGES_MIN + CHANGES_SPREAD - 1, SEED + count, FIRST_HOST,
               FIRST_HOST + HOSTS - 1, (count + HOSTS - 1) / HOSTS);
        fflush(stdout);
        rc = run_round(&hub, count, wave_posts, headers, round, done_count, why);
        if (rc != 0)
            break;
        done_count++;
        print_round(round, &hub.log);
        if (wave_posts > defaults.max_connections && round->failed == 0 && round->retries == 0)
            printf("  more posts than the server's %u connections: it accepts that many at a "
                   "time, the others wait in the kernel's accept queue; none was refused\n",
                   defaults.max_connections);
        if (round->failed > 0) {
            printf("  %zu push(es) failed; the first: %s\n", round->failed, why->text);
            why->text[0] = '\0';
            *failed += round->failed;
        }
        fflush(stdout);
    }
    hb_hub_stop(&hub);
    curl_slist_free_all(headers);
    bp_province_free(&province);
    if (done_count > 0)
        print_summary(done, done_count);
    return rc;
}

int main(void)
{
    struct sae_message why = {{0}};
    char dir[PATH_MAX];
    size_t wave_size = 0, rounds = 0;
    if (hb_env_count("BENCH_HUB_WAVE", SIZE_MAX, 100000, &wave_size) != 0 ||
        hb_env_count("BENCH_HUB_ROUNDS", ROUNDS, ROUNDS, &rounds) != 0) {
        fprintf(stderr, "bench_hub_load: BENCH_HUB_WAVE must be a number from 1 to 100000, "
                "BENCH_HUB_ROUNDS 1 to 3\n");
        return 2;
    }
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_hub_load: cannot initialise libsodium or libcurl\n");
        return 1;
    }
    if (hb_scratch_make("bench-hub-load", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_hub_load: cannot create a scratch directory\n");
        return 1;
    }
    printf("bench_hub_load: posts pushing at once to a hub in this process, HTTPS on "
           "127.0.0.1, hub.db in %s\n", dir);
    size_t failed = 0;
    int rc = run_all(dir, wave_size, rounds, &failed, &why);
    if (hb_scratch_remove(dir) != 0 && rc == 0) {
        sae_message_set(&why, "cannot remove %s", dir);
        rc = SAE_EIO;
    }
    curl_global_cleanup();
    if (rc != 0) {
        fprintf(stderr, "bench_hub_load: %s\n", why.text[0] ? why.text : sae_error_name(rc));
        return 1;
    }
    if (failed > 0)
        fprintf(stderr, "bench_hub_load: %zu push(es) were not acknowledged\n", failed);
    return failed > 0 ? 1 : 0;
}
