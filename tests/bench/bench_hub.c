/* make bench: ingest throughput of the hub through its whole pipeline, in field changes per
 * second, beside a raw SQLite last-writer-wins upsert of the same changes in the same run.
 *
 * The pipeline, in this process: a hub directory (hub.db, self-signed certificate, box key
 * pair) served by http_server + hub_service on 127.0.0.1 with the server's default limits;
 * a few posts enrolled directly in the store, each pushing batches of 1,000 realistic changes
 * (bench_dataset.h, fixed seed) over its own reused libcurl handle, TLS verified against the
 * certificate with its key pinned. Timed per push: HTTPS, envelope open, decode, merge,
 * commit, and the sealed ack opened and checked by the client. Sealing a batch is the post's
 * work and happens before the clock starts.
 *
 * The baseline: the same changes into one table keyed by (report, field), with
 * INSERT ... ON CONFLICT DO UPDATE ... WHERE excluded.version > version, one transaction per
 * batch, WAL and synchronous=FULL like hub.db, in the same directory. The two take turns
 * batch by batch so that both see the same disk and the same machine.
 *
 * After the run every ack has been opened, every change is in hub.db, and the hub's winner
 * of every field is the baseline's (same version, same value). Nothing asserts a time.
 * BENCH_HUB_BATCHES sets the batches per post (1 to 100, default 6). */
#define _XOPEN_SOURCE 700 /* nftw */

#include <errno.h>
#include <inttypes.h>

#include "bench_hub_support.h"

#define POSTS 4
#define BATCHES_DEFAULT 6
#define BATCHES_MAX 100
#define CHANGES 1000
#define SEED UINT64_C(0x5ae0b0b20261129)
#define AIM 0.5

/* Villages by their codes in the official list: Wonokerso (Sumber), Kalibuntu (Kraksaan),
 * Sumberanyar (Paiton), Curahsawo (Gending). */
static const char *const post_villages[POSTS] = {
    "35.13.02.2004", "35.13.14.2016", "35.13.12.2018", "35.13.18.2011",
};

/* One batch of one post: its changes (for the baseline) and its sealed envelope. */
struct batch {
    size_t post;
    struct sae_change *changes;
    uint8_t *env;
    size_t env_len;
    uint64_t last_seq;
};

struct client {
    struct hb_post post;
    CURL *easy;
    struct http_body reply;
};

struct raw_store {
    sqlite3 *db;
    sqlite3_stmt *begin, *upsert, *commit;
};

/* What one side measured. */
struct side {
    long connections; /* opened by the clients: one per post when they are reused */
    double seconds;
    double *batch_seconds;
    size_t batches;
};

/* ---- the baseline ------------------------------------------------------------------- */

static const char raw_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE field_value("
    "  report TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  PRIMARY KEY(report, field)) STRICT, WITHOUT ROWID;";

static const char raw_upsert_sql[] =
    "INSERT INTO field_value(report, field, value, version, origin)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(report, field) DO UPDATE SET value = excluded.value,"
    " version = excluded.version, origin = excluded.origin"
    " WHERE excluded.version > field_value.version";

static void raw_close(struct raw_store *r)
{
    sqlite3_finalize(r->begin);
    sqlite3_finalize(r->upsert);
    sqlite3_finalize(r->commit);
    sqlite3_close(r->db);
    memset(r, 0, sizeof *r);
}

static int raw_open(const char *path, struct raw_store *r, struct sae_message *why)
{
    int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(r->db, raw_schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(r->db, "BEGIN IMMEDIATE", -1, &r->begin, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(r->db, raw_upsert_sql, -1, &r->upsert, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(r->db, "COMMIT", -1, &r->commit, NULL);
    if (rc != SQLITE_OK) {
        sae_message_set(why, "raw sqlite: %s", sqlite3_errmsg(r->db));
        raw_close(r);
        return SAE_EDB;
    }
    return 0;
}

static int step_reset(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int raw_upsert(struct raw_store *r, const struct sae_change *c)
{
    char id[SAE_ID_TEXT_LEN + 1];
    sae_id_format(&c->report_id, id);
    int rc = sqlite3_bind_text(r->upsert, 1, id, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(r->upsert, 2, c->field, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = c->value ? sqlite3_bind_text(r->upsert, 3, c->value, -1, SQLITE_STATIC)
                      : sqlite3_bind_null(r->upsert, 3);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(r->upsert, 4, (sqlite3_int64)c->version.hlc);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(r->upsert, 5, (sqlite3_int64)c->version.origin);
    return rc == SQLITE_OK ? step_reset(r->upsert) : rc;
}

static int raw_batch(struct raw_store *r, const struct batch *b, struct side *side,
                     struct sae_message *why)
{
    double start = hb_now();
    int rc = step_reset(r->begin);
    for (size_t i = 0; rc == SQLITE_OK && i < CHANGES; i++)
        rc = raw_upsert(r, &b->changes[i]);
    if (rc == SQLITE_OK)
        rc = step_reset(r->commit);
    double spent = hb_now() - start;
    if (rc != SQLITE_OK) {
        sae_message_set(why, "raw sqlite: %s", sqlite3_errmsg(r->db));
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return SAE_EDB;
    }
    side->seconds += spent;
    side->batch_seconds[side->batches++] = spent;
    return 0;
}

/* ---- the pipeline ------------------------------------------------------------------- */

static int push_batch(const struct hb_hub *hub, struct client *c, const struct batch *b,
                      struct side *side, struct sae_message *why)
{
    long status = 0;
    http_body_free(&c->reply);
    double start = hb_now();
    int rc = hb_easy_body(c->easy, b->env, b->env_len);
    CURLcode code = rc == 0 ? curl_easy_perform(c->easy) : CURLE_FAILED_INIT;
    if (code == CURLE_OK)
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    else
        sae_message_set(why, "push from %s: %s", c->post.who.village, curl_easy_strerror(code));
    rc = code == CURLE_OK ? hb_ack_check(hub, &c->post.who, status, &c->reply, b->last_seq, why)
                          : SAE_EIO;
    double spent = hb_now() - start;
    side->connections += hb_easy_new_connections(c->easy);
    if (rc != 0)
        return rc;
    side->seconds += spent;
    side->batch_seconds[side->batches++] = spent;
    return 0;
}

/* ---- the run ------------------------------------------------------------------------ */

struct run {
    struct hb_hub hub;
    struct client clients[POSTS];
    struct curl_slist *headers;
    struct batch *batches;
    size_t batch_count;
    size_t wire_bytes;
    struct raw_store raw;
    struct side pipeline, baseline;
};

static void run_free(struct run *r)
{
    for (size_t i = 0; r->batches && i < r->batch_count; i++) {
        if (r->batches[i].changes)
            bench_batch_clear(r->batches[i].changes, CHANGES);
        free(r->batches[i].changes);
        free(r->batches[i].env);
    }
    free(r->batches);
    for (size_t i = 0; i < POSTS; i++) {
        curl_easy_cleanup(r->clients[i].easy);
        http_body_free(&r->clients[i].reply);
        hb_post_free(&r->clients[i].post);
    }
    curl_slist_free_all(r->headers);
    free(r->pipeline.batch_seconds);
    free(r->baseline.batch_seconds);
    raw_close(&r->raw);
}

/* Every batch generated and sealed up front, posts taking turns. */
static int make_batches(struct run *r, size_t per_post)
{
    r->batch_count = per_post * POSTS;
    r->batches = calloc(r->batch_count, sizeof *r->batches);
    r->pipeline.batch_seconds = calloc(r->batch_count, sizeof(double));
    r->baseline.batch_seconds = calloc(r->batch_count, sizeof(double));
    if (!r->batches || !r->pipeline.batch_seconds || !r->baseline.batch_seconds)
        return SAE_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->batch_count; i++) {
        struct batch *b = &r->batches[i];
        struct hb_post *p = &r->clients[i % POSTS].post;
        b->post = i % POSTS;
        b->changes = calloc(CHANGES, sizeof *b->changes);
        rc = b->changes ? hb_post_changes(p, b->changes, CHANGES) : SAE_ENOMEM;
        if (rc == 0)
            rc = hb_seal_batch(&p->who, r->hub.pk, b->changes, CHANGES, &b->env, &b->env_len);
        b->last_seq = p->seq;
        r->wire_bytes += b->env_len;
    }
    return rc;
}

static int make_clients(struct run *r)
{
    int rc = 0;
    r->headers = hb_push_headers();
    if (!r->headers)
        return SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < POSTS; i++) {
        struct client *c = &r->clients[i];
        rc = hb_post_init(&c->post, SEED, (uint32_t)i, post_villages[i]);
        c->easy = rc == 0 ? curl_easy_init() : NULL;
        if (rc == 0 && !c->easy)
            rc = SAE_ENOMEM;
        if (rc == 0)
            rc = hb_easy_setup(c->easy, &r->hub, NULL, r->headers, &c->reply);
    }
    return rc;
}

/* The hub's winner of every field is the baseline's, and nothing was refused or flagged. */
static int check_same_state(struct run *r, const char *raw_path, int64_t *conflicts,
                            struct sae_message *why)
{
    sqlite3 *db = r->hub.admin->db;
    sqlite3_stmt *attach = NULL;
    int64_t raw_rows = -1, hub_fields = -2, agreeing = -3;
    int rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS raw", -1, &attach, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(attach, 1, raw_path, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(attach) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(attach);
    if (rc != SQLITE_OK) {
        sae_message_set(why, "cannot attach the baseline: %s", sqlite3_errmsg(db));
        return SAE_EDB;
    }
    int err = hb_count(&r->hub, "SELECT count(*) FROM raw.field_value", &raw_rows);
    if (err == 0)
        err = hb_count(&r->hub, "SELECT count(*) FROM field_state", &hub_fields);
    if (err == 0)
        err = hb_count(&r->hub,
                       "SELECT count(*) FROM raw.field_value v JOIN field_state s"
                       " ON s.report_id = v.report AND s.field = v.field"
                       " JOIN change c ON c.seq = s.change"
                       " WHERE c.version = v.version AND c.origin = v.origin"
                       " AND revealed(c.seq, c.value) IS v.value", &agreeing);
    if (err == 0)
        err = hb_count(&r->hub, "SELECT count(*) FROM conflict", conflicts);
    sqlite3_exec(db, "DETACH DATABASE raw", NULL, NULL, NULL);
    if (err == 0 && (raw_rows != hub_fields || agreeing != raw_rows)) {
        sae_message_set(why, "the hub holds %lld fields, the baseline %lld; %lld agree",
                        (long long)hub_fields, (long long)raw_rows, (long long)agreeing);
        err = SAE_ECORRUPT;
    }
    /* One writer per report, each change based on the one before: nothing is concurrent. */
    if (err == 0 && *conflicts != 0) {
        sae_message_set(why, "the hub opened %lld conflict(s) among changes of one writer each",
                        (long long)*conflicts);
        err = SAE_ECORRUPT;
    }
    return err;
}

static int run_bench(struct run *r, const char *dir, size_t per_post, int64_t *conflicts,
                     struct sae_message *why)
{
    char raw_path[PATH_MAX + 16];
    snprintf(raw_path, sizeof raw_path, "%s/raw.db", dir);
    int rc = hb_hub_start(&r->hub, dir, why);
    if (rc != 0)
        return rc;
    if ((rc = make_clients(r)) != 0)
        sae_message_set(why, "cannot set up the posts' clients");
    for (size_t i = 0; rc == 0 && i < POSTS; i++)
        if ((rc = hb_enroll(&r->hub, &r->clients[i].post.who, i + 1)) != 0)
            sae_message_set(why, "cannot enroll %s", r->clients[i].post.who.village);
    if (rc == 0 && (rc = make_batches(r, per_post)) != 0)
        sae_message_set(why, "cannot generate and seal the batches");
    if (rc == 0)
        rc = raw_open(raw_path, &r->raw, why);
    for (size_t i = 0; rc == 0 && i < r->batch_count; i++) {
        const struct batch *b = &r->batches[i];
        rc = push_batch(&r->hub, &r->clients[b->post], b, &r->pipeline, why);
        if (rc == 0)
            rc = raw_batch(&r->raw, b, &r->baseline, why);
    }
    raw_close(&r->raw);
    for (size_t i = 0; rc == 0 && i < POSTS; i++)
        rc = hb_check_stored(&r->hub, &r->clients[i].post.who, why);
    if (rc == 0)
        rc = check_same_state(r, raw_path, conflicts, why);
    hb_hub_stop(&r->hub);
    return rc;
}

/* ---- main ------------------------------------------------------------------------- */

static void print_results(struct run *r, int64_t conflicts)
{
    double changes = (double)r->batch_count * CHANGES;
    double pipeline = changes / r->pipeline.seconds, raw = changes / r->baseline.seconds;
    double ratio = pipeline / raw;
    double p50_pipeline = hb_percentile(r->pipeline.batch_seconds, r->batch_count, 50);
    double p50_raw = hb_percentile(r->baseline.batch_seconds, r->batch_count, 50);
    printf("  every push acknowledged (%zu sealed acks opened, %ld TLS connection(s)), %.0f "
           "changes in hub.db, %lld conflicts; the hub's winner of every field equals the "
           "baseline's\n", r->batch_count, r->pipeline.connections, changes,
           (long long)conflicts);
    printf("  pipeline (HTTPS, open, decode, merge, commit, sealed ack): %8.0f changes/s "
           "(median batch %.1f ms, %.0f bytes on the wire per change)\n",
           pipeline, p50_pipeline * 1e3, (double)r->wire_bytes / changes);
    printf("  raw SQLite LWW upsert, one transaction per batch:          %8.0f changes/s "
           "(median batch %.1f ms)\n", raw, p50_raw * 1e3);
    printf("bench_hub: ingest pipeline %.0f changes/s = %.3f x raw SQLite upsert (aim >= %.1f: "
           "%s)\n", pipeline, ratio, AIM, ratio >= AIM ? "met" : "NOT met");
}

int main(void)
{
    struct sae_message why = {{0}};
    struct run r;
    char dir[PATH_MAX];
    size_t per_post = 0;
    int64_t conflicts = 0;
    memset(&r, 0, sizeof r);
    if (hb_env_count("BENCH_HUB_BATCHES", BATCHES_DEFAULT, BATCHES_MAX, &per_post) != 0) {
        fprintf(stderr, "bench_hub: BENCH_HUB_BATCHES must be a number from 1 to %d\n",
                BATCHES_MAX);
        return 2;
    }
    /* As sae-hub starts (hub/cli/main.c): SQLite's memory statistics off, before any other
     * SQLite call. The baseline runs in this process and gains it too. */
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
        fprintf(stderr, "bench_hub: cannot configure SQLite (SQLITE_CONFIG_MEMSTATUS)\n");
        return 1;
    }
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_hub: cannot initialise libsodium or libcurl\n");
        return 1;
    }
    if (hb_scratch_make("bench-hub", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_hub: cannot create a scratch directory\n");
        return 1;
    }
    printf("bench_hub: ingest throughput, %d posts x %zu batches of %d realistic changes "
           "(seed %#" PRIx64 "), HTTPS on 127.0.0.1, hub.db and baseline with WAL + "
           "synchronous=FULL in %s\n", POSTS, per_post, CHANGES, SEED, dir);
    fflush(stdout);
    int rc = run_bench(&r, dir, per_post, &conflicts, &why);
    if (hb_scratch_remove(dir) != 0 && rc == 0) {
        sae_message_set(&why, "cannot remove %s", dir);
        rc = SAE_EIO;
    }
    if (rc == 0)
        print_results(&r, conflicts);
    run_free(&r);
    curl_global_cleanup();
    if (rc != 0) {
        fprintf(stderr, "bench_hub: %s\n", why.text[0] ? why.text : sae_error_name(rc));
        return 1;
    }
    return 0;
}
