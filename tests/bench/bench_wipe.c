/* bench_wipe: a revoked device's wipe (node/store/node_wipe.c: every sensitive value set to
 * NULL through the owners' steps, key files scrubbed, WAL reset, VACUUM) on a post journal of
 * BENCH_CASES cases (default 10,000; 50 with BENCH_SMOKE=1), each with a name, a contact and
 * a 1 KB story, beside, in the same run on a copy of the same journal, a bare VACUUM (what
 * rewriting the file costs anyway): the best of BENCH_ROUNDS rounds (default 3) of each, and
 * the ratio. The journal is built with synchronous=OFF (the bench's own setup, not timed). */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_hub_support.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "store/journal.h"
#include "store/node_config.h"
#include "store/node_store.h"
#include "store/node_wipe.h"
#include "store/storage_key.h"

#define ROUNDS_MAX 20
#define STORY_BYTES 1024

static const struct sae_field *field_of(const struct sae_kind *kind, const char *name)
{
    const struct sae_field *f = NULL;
    return sae_catalogue_find_field(kind, name, &f) == 0 ? f : NULL;
}

static int add_cases(struct node_store *store, size_t cases)
{
    const struct sae_kind *kind = NULL;
    char name[64], contact[64], story[STORY_BYTES + 1], id[SAE_ID_TEXT_LEN + 1];
    char types[] = "physical,psychological", sex[] = "F", date[] = "2026-01-05";
    struct sae_message why = {{0}};
    int rc = sae_catalogue_find_kind("case", &kind);
    for (size_t i = 0; i < sizeof story - 1; i++)
        story[i] = (char)('a' + i % 26);
    story[sizeof story - 1] = '\0';
    for (size_t i = 0; rc == 0 && i < cases; i++) {
        snprintf(name, sizeof name, "Korban Nomor %zu", i);
        snprintf(contact, sizeof contact, "0812-%08zu, Dusun Krajan", i);
        struct journal_change changes[] = {
            {field_of(kind, "violence_types"), types, SAE_EDIT_SET},
            {field_of(kind, "victim_sex"), sex, SAE_EDIT_SET},
            {field_of(kind, "intake_date"), date, SAE_EDIT_SET},
            {field_of(kind, "victim_name"), name, SAE_EDIT_SET},
            {field_of(kind, "victim_contact"), contact, SAE_EDIT_SET},
            {field_of(kind, "narrative"), story, SAE_EDIT_SET}};
        rc = journal_add(store, kind, changes, sizeof changes / sizeof changes[0], id, &why);
    }
    if (rc != 0)
        fprintf(stderr, "bench_wipe: cannot add a case: %s\n", why.text);
    return rc;
}

static int build(const char *dir, size_t cases)
{
    struct node_store *store = NULL;
    struct sae_message why = {{0}};
    int rc = node_store_create(dir, "Sumberanyar", &why);
    if (rc == 0)
        rc = node_store_open(dir, 10000, &store, &why);
    if (rc == 0)
        rc = node_store_set_author(store, "Siti");
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA synchronous = OFF");
    if (rc == 0)
        rc = add_cases(store, cases);
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    node_store_close(store);
    if (rc != 0 && why.text[0])
        fprintf(stderr, "bench_wipe: %s\n", why.text);
    return rc;
}

static int copy_file(const char *from_dir, const char *to_dir, const char *name)
{
    char from[PATH_MAX + 32], to[PATH_MAX + 32];
    snprintf(from, sizeof from, "%s/%s", from_dir, name);
    snprintf(to, sizeof to, "%s/%s", to_dir, name);
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n = 0;
    int rc = in && out ? 0 : SAE_EIO;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        rc = fwrite(buf, 1, n, out) == n ? 0 : SAE_EIO;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = SAE_EIO;
    return rc;
}

/* A fresh copy of the pristine post in to_dir. */
static int copy_post(const char *from_dir, const char *to_dir)
{
    static const char *const names[] = {NODE_DB_FILE, NODE_KEY_FILE, STORAGE_KEY_UNCLAIMED_FILE};
    int rc = sae_dir_create_private(to_dir);
    for (size_t i = 0; rc == 0 && i < sizeof names / sizeof names[0]; i++)
        rc = copy_file(from_dir, to_dir, names[i]);
    return rc;
}

static void remove_post(const char *dir)
{
    static const char *const names[] = {NODE_DB_FILE, "node.db-wal", "node.db-shm",
                                        NODE_KEY_FILE, STORAGE_KEY_UNCLAIMED_FILE};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* One timed operation on a fresh copy: VACUUM alone, or the whole wipe. */
static int timed(const char *pristine, const char *work, bool wipe, double *seconds)
{
    struct node_store *store = NULL;
    struct sae_message why = {{0}};
    int rc = copy_post(pristine, work);
    if (rc == 0)
        rc = node_store_open(work, 10000, &store, &why);
    double t0 = hb_now();
    if (rc == 0)
        rc = wipe ? node_wipe_run(store, (int64_t)1765000000000) : sae_db_exec(store->db,
                                                                                "VACUUM");
    *seconds = hb_now() - t0;
    node_store_close(store);
    remove_post(work);
    return rc;
}

int main(void)
{
    char dir[256], pristine[PATH_MAX], work[PATH_MAX];
    size_t cases = 0, rounds = 0;
    const char *smoke = getenv("BENCH_SMOKE");
    size_t default_cases = smoke && strcmp(smoke, "1") == 0 ? 50 : 10000;
    if (hb_env_count("BENCH_CASES", default_cases, 1000000, &cases) != 0 ||
        hb_env_count("BENCH_ROUNDS", 3, ROUNDS_MAX, &rounds) != 0) {
        fprintf(stderr, "bench_wipe: BENCH_CASES must be 1 to 1000000, BENCH_ROUNDS 1 to %d\n",
                ROUNDS_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(077); /* as sae-node: a post's files are its own (node_store_open checks) */
    if (sodium_init() < 0 || hb_scratch_make("bench-wipe", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_wipe: cannot start (libsodium, scratch directory)\n");
        return 1;
    }
    snprintf(pristine, sizeof pristine, "%s/post", dir);
    snprintf(work, sizeof work, "%s/work", dir);
    printf("bench_wipe: a revoked post's wipe vs a bare VACUUM, %zu cases, in %s\n", cases, dir);
    double t0 = hb_now();
    int rc = build(pristine, cases);
    if (rc == 0)
        printf("  post built in %.1f s\n", hb_now() - t0);
    double best_vacuum = 0, best_wipe = 0, s = 0;
    for (size_t i = 0; rc == 0 && i < rounds; i++) {
        rc = timed(pristine, work, false, &s);
        best_vacuum = best_vacuum == 0 || s < best_vacuum ? s : best_vacuum;
        if (rc == 0)
            rc = timed(pristine, work, true, &s);
        best_wipe = best_wipe == 0 || s < best_wipe ? s : best_wipe;
        printf("    round %zu: wipe %.3f s\n", i + 1, s);
    }
    if (rc == 0)
        printf("  wipe of %zu cases: %.3f s | bare VACUUM (baseline) %.3f s | ratio x%.2f\n",
               cases, best_wipe, best_vacuum, best_vacuum > 0 ? best_wipe / best_vacuum : 0.0);
    remove_post(pristine);
    hb_scratch_remove(dir);
    if (rc != 0)
        fprintf(stderr, "bench_wipe: failed: %s\n", sae_error_name(rc));
    return rc == 0 ? 0 : 1;
}
