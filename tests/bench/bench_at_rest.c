/* make bench: what sealing survivors' values at rest costs (issue 13's benchmark table), each
 * figure beside the same work in the same run, turn about, with no field marked sensitive:
 * the catalogue's marks cleared in this process only (bench_catalogue.h; the programs never
 * clear them), so the baseline runs the very same code with nothing to seal.
 *
 * - A post's add: journal_add of case reports into an enrolled post, one transaction per
 *   report with the node's durability (WAL, synchronous=FULL): marked, every sensitive value
 *   is sealed to the storage key and its copy for the hub to the hub's key.
 * - The hub's ingest through the whole pipeline (HTTPS, envelope, decode, sealed values
 *   opened, merge, commit, sealed ack), each side to a hub of its own: batches of 1,000
 *   changes whose sensitive values travel as sealed_value (schema 5: version 2, a sealer
 *   per report as a post's add makes them), beside the same
 *   batches with those values plain and unmarked. Sealing is the post's work, before the
 *   clock starts.
 * - A pull applied on a post: journal_apply_remote in answers of 1,000 changes, one
 *   transaction each as sync.c applies them: marked, the sensitive values are sealed to the
 *   storage key as they are stored.
 *
 * BENCH_REPORTS sets the reports added and the cases pulled (default 2,000; BENCH_SMOKE=1:
 * 20); BENCH_HUB_BATCHES the hub's batches per side (default 20; BENCH_SMOKE=1: 1). Nothing
 * asserts a time; every change is checked to have landed on each side. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_catalogue.h"
#include "bench_hub_support.h"
#include "bench_post.h"
#include "store/hub_copy.h"
#include "store/journal.h"
#include "store/node_store.h"
#include "sae/sae_borrow.h"
#include "sae/sae_files.h"
#include "sae/sae_hlc.h"
#include "sae/sae_sealed.h"
#include "sae/sae_validate.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire_limits.h"

#define REPORTS_DEFAULT 2000
#define REPORTS_SMOKE 20
#define REPORTS_MAX 100000
#define ADD_CHUNK 50 /* reports one side adds before the other takes its turn */
#define HUB_BATCHES_DEFAULT 20
#define HUB_BATCHES_MAX 100
#define HUB_CHANGES 1000
#define VILLAGE "35.13.12.2018" /* Sumberanyar (Paiton) */
#define AUTHOR "Siti Rahayu"
#define SEED UINT64_C(0x5ae13a7e5eed)
#define REMOTE_ORIGIN UINT64_C(0x1234567890abcdef)
#define NARRATIVE                                                                             \
    "Korban datang ke Rumah SAE didampingi ibunya dan menceritakan bahwa pelaku sering "     \
    "memukulnya ketika pulang dalam keadaan marah. Ia meminta pendampingan dan rencana "     \
    "keselamatan; kakaknya bersedia menampungnya sementara di rumahnya di dusun sebelah."

/* A case as a post records it (the name is numbered per report) and as a pull brings one
 * (a set travels as its elements). */
static const char *const added_fields[][2] = {
    {"status", "new"},           {"violence_types", "physical"}, {"victim_sex", "F"},
    {"intake_date", "2026-01-05"}, {"victim_age", "15"},         {"victim_name", NULL},
    {"victim_contact", "0812-3456-7890, Dusun Krajan RT 02"},    {"location_type", "household"},
    {"perpetrator_relation", "parent"},                          {"narrative", NARRATIVE},
};
#define ADDED (sizeof added_fields / sizeof added_fields[0])
static const char *const pulled_fields[][2] = {
    {"status", "new"},         {"violence_types/physical", "1"}, {"victim_sex", "F"},
    {"intake_date", "2026-01-05"}, {"victim_age", "15"},          {"victim_name", "Korban Contoh"},
    {"victim_contact", "0812-3456-7890, Dusun Krajan RT 02"},     {"location_type", "household"},
    {"consent_share", "true"}, {"narrative", NARRATIVE},
};
#define PULLED (sizeof pulled_fields / sizeof pulled_fields[0])

/* Seconds each side spent, and what each side did. */
struct pair {
    double sealed, plain;
};

static int marks(bool on)
{
    int rc = bench_catalogue_sensitive(on);
    if (rc != 0)
        fprintf(stderr, "bench_at_rest: cannot switch the catalogue's marks: %s\n",
                sae_error_name(rc));
    return rc;
}

static void print_pair(const char *what, const char *unit, double count, const struct pair *p)
{
    printf("  %-36s sealed %9.0f %s/s | unmarked %9.0f %s/s | ratio %.3f\n", what,
           count / p->sealed, unit, count / p->plain, unit, p->plain / p->sealed);
}

static int fail(const char *what, int rc, const struct sae_message *why)
{
    fprintf(stderr, "bench_at_rest: %s: %s%s%s\n", what, sae_error_name(rc),
            why && why->text[0] ? ": " : "", why ? why->text : "");
    return rc;
}

/* ---- a post's add ----------------------------------------------------------------------- */

struct added {
    const struct sae_kind *kind;
    struct journal_change (*reports)[ADDED];
    size_t count;
};

static void added_free(struct added *a)
{
    for (size_t r = 0; a->reports && r < a->count; r++)
        for (size_t f = 0; f < ADDED; f++)
            free(a->reports[r][f].value);
    free(a->reports);
}

/* Every value validated as `sae-node add` would, so the journal receives canonical rows. */
static int added_build(size_t count, struct added *a, struct sae_message *why)
{
    char name[64], message[SAE_VALIDATE_MESSAGE_BYTES];
    int rc = sae_catalogue_find_kind("case", &a->kind);
    a->reports = rc == 0 ? calloc(count, sizeof *a->reports) : NULL;
    if (!a->reports)
        return rc != 0 ? rc : SAE_ENOMEM;
    a->count = count;
    for (size_t r = 0; rc == 0 && r < count; r++) {
        for (size_t f = 0; rc == 0 && f < ADDED; f++) {
            struct journal_change *c = &a->reports[r][f];
            const char *text = added_fields[f][1];
            if (!text) {
                snprintf(name, sizeof name, "Korban Contoh %zu", r + 1);
                text = name;
            }
            rc = sae_catalogue_find_field(a->kind, added_fields[f][0], &c->field);
            if (rc == 0)
                rc = sae_validate_value(c->field, text, strlen(text), &c->value, message);
            if (rc != 0)
                sae_message_set(why, "%s: %s", added_fields[f][0], message);
        }
    }
    return rc;
}

static int add_chunk(struct node_store *store, const struct added *a, size_t from, size_t to,
                     double *seconds, struct sae_message *why)
{
    char id[SAE_ID_TEXT_LEN + 1];
    double start = hb_now();
    int rc = 0;
    for (size_t r = from; rc == 0 && r < to; r++)
        rc = journal_add(store, a->kind, a->reports[r], ADDED, id, why);
    *seconds += hb_now() - start;
    return rc;
}

/* How many values of the journal are stored sealed: the check that each side did its work. */
static int sealed_rows(struct node_store *store, int64_t *out)
{
    return sae_db_query_int(store->db, NULL,
                            "SELECT count(*) FROM journal WHERE value LIKE 'sealed:%'", NULL, 0,
                            out);
}

static int check_sealed(struct node_store *sealed, struct node_store *plain, int64_t want,
                        const char *what)
{
    int64_t s = -1, p = -1;
    int rc = sealed_rows(sealed, &s);
    if (rc == 0)
        rc = sealed_rows(plain, &p);
    if (rc == 0 && (s != want || p != 0)) {
        fprintf(stderr, "bench_at_rest: %s: %lld values sealed (want %lld), %lld unmarked\n",
                what, (long long)s, (long long)want, (long long)p);
        rc = SAE_ECORRUPT;
    }
    return rc;
}

static int bench_add(const char *dir, size_t reports)
{
    char sealed_dir[512], plain_dir[512];
    struct node_store *sealed = NULL, *plain = NULL;
    struct added a = {0};
    struct sae_message why = {{0}};
    struct pair t = {0, 0};
    snprintf(sealed_dir, sizeof sealed_dir, "%s/add-sealed", dir);
    snprintf(plain_dir, sizeof plain_dir, "%s/add-plain", dir);
    int rc = added_build(reports, &a, &why);
    if (rc == 0)
        rc = bench_post_open(sealed_dir, VILLAGE, AUTHOR, true, &sealed, &why);
    if (rc == 0)
        rc = bench_post_open(plain_dir, VILLAGE, AUTHOR, true, &plain, &why);
    for (size_t at = 0; rc == 0 && at < reports; at += ADD_CHUNK) {
        size_t to = at + ADD_CHUNK < reports ? at + ADD_CHUNK : reports;
        rc = marks(true);
        if (rc == 0)
            rc = add_chunk(sealed, &a, at, to, &t.sealed, &why);
        if (rc == 0)
            rc = marks(false);
        if (rc == 0)
            rc = add_chunk(plain, &a, at, to, &t.plain, &why);
    }
    rc = rc == 0 ? marks(true) : rc;
    if (rc == 0)
        rc = check_sealed(sealed, plain, (int64_t)(reports * 3), "add"); /* name, contact, story */
    if (rc == 0)
        print_pair("post add (journal_add, enrolled)", "reports", (double)reports, &t);
    else
        fail("post add", rc, &why);
    node_store_close(sealed);
    node_store_close(plain);
    added_free(&a);
    return rc;
}

/* ---- a pull applied on a post ----------------------------------------------------------- */

static int pulled_build(size_t cases, struct sae_change **out)
{
    struct sae_change *c = calloc(cases * PULLED, sizeof *c);
    uint64_t ms = sae_wall_clock_ms() - 86400000;
    if (!c)
        return SAE_ENOMEM;
    for (size_t r = 0; r < cases; r++) {
        struct sae_id id;
        sae_hlc version = 0;
        sae_id_generate(&id);
        int rc = sae_hlc_pack(ms + r, 0, &version);
        if (rc != 0) {
            free(c);
            return rc;
        }
        for (size_t f = 0; f < PULLED; f++) {
            struct sae_change *x = &c[r * PULLED + f];
            x->report_id = id;
            x->kind = sae_borrow("case");
            x->field = sae_borrow(pulled_fields[f][0]);
            x->value = sae_borrow(pulled_fields[f][1]);
            x->version = (struct sae_version){version, REMOTE_ORIGIN};
            x->seq = r * PULLED + f + 1;
            x->author = sae_borrow("Kader Lain");
        }
    }
    *out = c;
    return 0;
}

/* One answer applied as sync.c applies it: one transaction, every change new. */
static int apply_answer(struct node_store *store, const struct sae_change *c, size_t n,
                        double *seconds)
{
    double start = hb_now();
    int rc = node_store_begin(store);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool applied = false;
        rc = journal_apply_remote(store, &c[i], &applied);
        if (rc == 0 && !applied)
            rc = SAE_EEXIST;
    }
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    *seconds += hb_now() - start;
    return rc;
}

static int bench_pull(const char *dir, size_t cases)
{
    char sealed_dir[512], plain_dir[512];
    struct node_store *sealed = NULL, *plain = NULL;
    struct sae_change *all = NULL;
    struct sae_message why = {{0}};
    struct pair t = {0, 0};
    const size_t count = cases * PULLED, answer = SAE_WIRE_CHANGES_PER_MESSAGE;
    snprintf(sealed_dir, sizeof sealed_dir, "%s/pull-sealed", dir);
    snprintf(plain_dir, sizeof plain_dir, "%s/pull-plain", dir);
    int rc = pulled_build(cases, &all);
    if (rc == 0)
        rc = bench_post_open(sealed_dir, VILLAGE, AUTHOR, false, &sealed, &why);
    if (rc == 0)
        rc = bench_post_open(plain_dir, VILLAGE, AUTHOR, false, &plain, &why);
    for (size_t at = 0; rc == 0 && at < count; at += answer) {
        size_t n = count - at < answer ? count - at : answer;
        rc = marks(true);
        if (rc == 0)
            rc = apply_answer(sealed, all + at, n, &t.sealed);
        if (rc == 0)
            rc = marks(false);
        if (rc == 0)
            rc = apply_answer(plain, all + at, n, &t.plain);
    }
    rc = rc == 0 ? marks(true) : rc;
    if (rc == 0)
        rc = check_sealed(sealed, plain, (int64_t)(cases * 3), "pull");
    if (rc == 0)
        print_pair("pull applied (answers of 1,000)", "changes", (double)count, &t);
    else
        fail("pull", rc, &why);
    node_store_close(sealed);
    node_store_close(plain);
    free(all);
    return rc;
}

/* ---- the hub's ingest ------------------------------------------------------------------- */

struct hub_side {
    struct hb_hub hub;
    CURL *easy;
    struct http_body reply;
    double seconds;
};

static int side_start(struct hub_side *s, const char *dir, const struct hb_identity *who,
                      struct curl_slist *headers, struct sae_message *why)
{
    int rc = sae_dir_create_private(dir);
    if (rc == 0)
        rc = hb_hub_start(&s->hub, dir, why);
    if (rc == 0)
        rc = hb_enroll(&s->hub, who, 1);
    s->easy = rc == 0 ? curl_easy_init() : NULL;
    if (rc == 0 && !s->easy)
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = hb_easy_setup(s->easy, &s->hub, NULL, headers, &s->reply);
    return rc;
}

static void side_stop(struct hub_side *s)
{
    if (s->easy)
        curl_easy_cleanup(s->easy);
    http_body_free(&s->reply);
    hb_hub_stop(&s->hub);
}

static int push(struct hub_side *s, const struct hb_identity *who, const uint8_t *env,
                size_t len, uint64_t last_seq, struct sae_message *why)
{
    long status = 0;
    http_body_free(&s->reply);
    double start = hb_now();
    int rc = hb_easy_body(s->easy, env, len);
    CURLcode code = rc == 0 ? curl_easy_perform(s->easy) : CURLE_FAILED_INIT;
    if (code == CURLE_OK)
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    else
        sae_message_set(why, "push: %s", curl_easy_strerror(code));
    rc = code == CURLE_OK ? hb_ack_check(&s->hub, who, status, &s->reply, last_seq, why)
                          : SAE_EIO;
    s->seconds += hb_now() - start;
    return rc;
}

/* The batch as a post of schema 5 sends it to hub_pk: every sensitive value sealed in
 * sealed-format version 2, one sealer per report as journal_add seals a change set. */
static int seal_values(const struct sae_change *plain, struct sae_change *out, size_t n,
                       const uint8_t *hub_pk, size_t *sealed_count)
{
    struct sae_sealer *sealer = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = plain[i];
        if (rc != 0 || !plain[i].value || !hub_copy_sensitive(plain[i].kind, plain[i].field))
            continue;
        if (sealer && i > 0 &&
            memcmp(plain[i].report_id.bytes, plain[i - 1].report_id.bytes, SAE_ID_BYTES) != 0) {
            sae_sealer_free(sealer);
            sealer = NULL;
        }
        if (!sealer)
            rc = sae_sealer_new(hub_pk, &sealer);
        if (rc == 0)
            rc = sae_sealer_seal(sealer, plain[i].value, strlen(plain[i].value),
                                 &out[i].sealed_value, &out[i].sealed_len);
        out[i].value = NULL;
        *sealed_count += rc == 0;
    }
    sae_sealer_free(sealer);
    return rc;
}

static void sealed_free(struct sae_change *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sae_wipe_free(c[i].sealed_value, c[i].sealed_len);
}

/* One batch of the post to both hubs: sealed to one, plain and unmarked to the other. */
static int hub_round(struct hub_side *sides, struct hb_post *post, struct sae_change *plain,
                     struct sae_change *sealed, size_t *sealed_count, struct sae_message *why)
{
    uint8_t *env_sealed = NULL, *env_plain = NULL;
    size_t len_sealed = 0, len_plain = 0;
    memset(plain, 0, HUB_CHANGES * sizeof *plain);
    memset(sealed, 0, HUB_CHANGES * sizeof *sealed);
    int rc = hb_post_changes(post, plain, HUB_CHANGES);
    if (rc == 0)
        rc = seal_values(plain, sealed, HUB_CHANGES, sides[0].hub.pk, sealed_count);
    if (rc == 0)
        rc = hb_seal_batch(&post->who, sides[0].hub.pk, sealed, HUB_CHANGES, &env_sealed,
                           &len_sealed);
    if (rc == 0)
        rc = hb_seal_batch(&post->who, sides[1].hub.pk, plain, HUB_CHANGES, &env_plain,
                           &len_plain);
    uint64_t last = plain[HUB_CHANGES - 1].seq;
    if (rc == 0)
        rc = push(&sides[0], &post->who, env_sealed, len_sealed, last, why);
    if (rc == 0)
        rc = marks(false);
    if (rc == 0)
        rc = push(&sides[1], &post->who, env_plain, len_plain, last, why);
    int back = marks(true);
    sealed_free(sealed, HUB_CHANGES);
    bench_batch_clear(plain, HUB_CHANGES);
    free(env_sealed);
    free(env_plain);
    return rc != 0 ? rc : back;
}

static int bench_hub(const char *dir, size_t batches)
{
    struct hub_side sides[2] = {0};
    struct hb_post post = {0};
    struct sae_message why = {{0}};
    struct curl_slist *headers = hb_push_headers();
    struct sae_change *plain = calloc(HUB_CHANGES, sizeof *plain);
    struct sae_change *sealed = calloc(HUB_CHANGES, sizeof *sealed);
    char hub_dir[2][512];
    size_t sealed_count = 0;
    snprintf(hub_dir[0], sizeof hub_dir[0], "%s/hub-sealed", dir);
    snprintf(hub_dir[1], sizeof hub_dir[1], "%s/hub-plain", dir);
    int rc = headers && plain && sealed ? hb_post_init(&post, SEED, 0, VILLAGE) : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < 2; i++)
        rc = side_start(&sides[i], hub_dir[i], &post.who, headers, &why);
    for (size_t b = 0; rc == 0 && b < batches; b++)
        rc = hub_round(sides, &post, plain, sealed, &sealed_count, &why);
    for (size_t i = 0; rc == 0 && i < 2; i++)
        rc = hb_check_stored(&sides[i].hub, &post.who, &why);
    if (rc == 0) {
        struct pair t = {sides[0].seconds, sides[1].seconds};
        double changes = (double)(batches * HUB_CHANGES);
        printf("  hub ingest: %zu batches of %d changes, %zu sensitive values sealed (%.1f%%)\n",
               batches, HUB_CHANGES, sealed_count, 100.0 * (double)sealed_count / changes);
        print_pair("hub ingest (whole pipeline)", "changes", changes, &t);
    } else {
        fail("hub ingest", rc, &why);
    }
    for (size_t i = 0; i < 2; i++)
        side_stop(&sides[i]);
    hb_post_free(&post);
    curl_slist_free_all(headers);
    free(plain);
    free(sealed);
    return rc;
}

int main(void)
{
    char dir[256];
    size_t reports = 0, batches = 0;
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    if (hb_env_count("BENCH_REPORTS", smoke ? REPORTS_SMOKE : REPORTS_DEFAULT, REPORTS_MAX,
                     &reports) != 0 ||
        hb_env_count("BENCH_HUB_BATCHES", smoke ? 1 : HUB_BATCHES_DEFAULT, HUB_BATCHES_MAX,
                     &batches) != 0) {
        fprintf(stderr, "bench_at_rest: BENCH_REPORTS must be 1 to %d, BENCH_HUB_BATCHES 1 "
                "to %d\n", REPORTS_MAX, HUB_BATCHES_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        hb_scratch_make("bench-at-rest", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_at_rest: cannot start (libsodium, libcurl, scratch directory)\n");
        return 1;
    }
    printf("bench_at_rest: sealed at rest vs the same work with none of the catalogue's %zu "
           "sensitive fields marked (ratio: sealed rate / unmarked rate), in %s\n",
           bench_catalogue_sensitive_count(), dir);
    int rc = bench_add(dir, reports);
    if (rc == 0)
        rc = bench_pull(dir, reports);
    if (rc == 0)
        rc = bench_hub(dir, batches);
    if (hb_scratch_remove(dir) != 0 && rc == 0)
        rc = SAE_EIO;
    curl_global_cleanup();
    return rc == 0 ? 0 : 1;
}
