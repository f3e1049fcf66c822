/* bench_backup: `sae-hub backup`'s work (sae_backup_write: a VACUUM INTO snapshot, deflated,
 * the directory's keys sealed under an Argon2id passphrase) on case_world's hub of 100,000
 * cases from 330 posts, beside the database file's size and, in the same run, a plain
 * `sqlite3 .backup` of it (SQLite's online backup API, 100 pages a step as the shell does)
 * and a bare VACUUM INTO: time and size of each, and the ratios. The restore of the backup
 * is timed too (inflate, PRAGMA integrity_check, rename), and the zlib level's effect: the
 * snapshot deflated at the level the backup uses beside levels 1 and 9, time and size. The
 * plainest backup an administrator could script, VACUUM INTO then `gzip -6` of the file, is
 * the baseline the backup's own time and size are given against (issue 13's table).
 * BENCH_CASES (default 100000; 300 with BENCH_SMOKE=1) and BENCH_ROUNDS (default 3) change
 * the size and repeats; the best round of each is reported. */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bench_hub_support.h"
#include "case_world.h"
#include "sae/sae_backup_restore.h"
#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_hlc.h"

#define ROUNDS_MAX 50
static const char passphrase[] = "benchmark backup passphrase";

static const struct sae_backup_file files[] = {{HUB_KEY_FILE, true}};
static const struct sae_backup_spec spec = {SAE_BACKUP_SIDE_HUB, "sae-hub", HUB_DB_FILE, files,
                                            1};

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* What `sqlite3 hub.db ".backup OUT"` does. */
static int online_backup(const char *from, const char *to)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open(to, &dst);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
    if (b) {
        while ((rc = sqlite3_backup_step(b, 100)) == SQLITE_OK || rc == SQLITE_BUSY ||
               rc == SQLITE_LOCKED)
            ;
        rc = sqlite3_backup_finish(b);
    } else if (rc == SQLITE_OK) {
        rc = SQLITE_ERROR;
    }
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : SAE_EDB;
}

static int vacuum_into(const char *from, const char *to)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_open(from, SQLITE_OPEN_READWRITE, 10000, &db);
    if (rc == 0)
        rc = sae_db_prepare(db, "VACUUM INTO ?1", &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, to);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    sae_db_close(db);
    return rc;
}

/* `gzip -6 < from > to`: the baseline's compression of the VACUUM INTO snapshot. */
static int gzip_file(const char *from, const char *to)
{
    static unsigned char buf[1 << 16];
    FILE *in = fopen(from, "rb");
    gzFile out = in ? gzopen(to, "wb6") : NULL;
    int rc = out ? 0 : SAE_EIO;
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        rc = gzwrite(out, buf, (unsigned)n) == (int)n ? 0 : SAE_EIO;
    if (rc == 0 && ferror(in))
        rc = SAE_EIO;
    if (out && gzclose(out) != Z_OK)
        rc = SAE_EIO;
    if (in)
        fclose(in);
    return rc;
}

struct figure {
    const char *name;
    double best;
    uint64_t bytes;
};

/* Each figure is printed as it is measured too: a run cut short still says what it saw. */
static void keep_best(struct figure *f, double seconds, uint64_t bytes)
{
    if (f->best == 0 || seconds < f->best)
        f->best = seconds;
    f->bytes = bytes;
    printf("    %s: %.2f s, %.1f MiB\n", f->name, seconds, (double)bytes / (1024.0 * 1024.0));
}

/* The levels compared: the backup's first, then the fastest and the smallest zlib has. */
static const int levels[] = {SAE_BACKUP_DEFLATE_LEVEL, 1, 9};
#define LEVELS (sizeof levels / sizeof levels[0])

static int compare_levels(const char *snapshot, struct figure *lv)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < LEVELS; i++) {
        uint64_t bytes = 0;
        double t0 = hb_now();
        rc = sae_backup_deflated_size(snapshot, levels[i], &bytes);
        keep_best(&lv[i], hb_now() - t0, bytes);
    }
    return rc;
}

static int round_once(const char dir[256], struct figure *fig, struct figure *lv)
{
    char db[PATH_MAX], copy[PATH_MAX], vac[PATH_MAX], out[PATH_MAX], target[PATH_MAX],
        gz[PATH_MAX];
    struct sae_backup_info info;
    struct sae_message why = {{0}};
    snprintf(db, sizeof db, "%s/hub/%s", dir, HUB_DB_FILE);
    snprintf(copy, sizeof copy, "%s/plain.db", dir);
    snprintf(vac, sizeof vac, "%s/vacuum.db", dir);
    snprintf(out, sizeof out, "%s/hub.saebak", dir);
    snprintf(target, sizeof target, "%s/restored", dir);
    snprintf(gz, sizeof gz, "%s/vacuum.db.gz", dir);
    double t0 = hb_now();
    int rc = online_backup(db, copy);
    keep_best(&fig[0], hb_now() - t0, file_size(copy));
    t0 = hb_now();
    if (rc == 0)
        rc = vacuum_into(db, vac);
    double vacuum_s = hb_now() - t0;
    keep_best(&fig[1], vacuum_s, file_size(vac));
    t0 = hb_now();
    if (rc == 0)
        rc = gzip_file(vac, gz);
    keep_best(&fig[4], vacuum_s + hb_now() - t0, file_size(gz));
    if (rc == 0)
        rc = compare_levels(vac, lv);
    char hub_dir[PATH_MAX];
    snprintf(hub_dir, sizeof hub_dir, "%s/hub", dir);
    t0 = hb_now();
    if (rc == 0)
        rc = sae_backup_write(&spec, hub_dir, out, passphrase, 10000, &info, &why);
    keep_best(&fig[2], hb_now() - t0, file_size(out));
    t0 = hb_now();
    if (rc == 0)
        rc = sae_backup_restore(&spec, out, target, passphrase, HUB_SCHEMA_VERSION, NULL, NULL,
                                &info, &why);
    keep_best(&fig[3], hb_now() - t0, info.db_bytes);
    if (rc != 0 && why.text[0])
        fprintf(stderr, "bench_backup: %s\n", why.text);
    char restored_db[PATH_MAX], restored_key[PATH_MAX];
    snprintf(restored_db, sizeof restored_db, "%s/restored/%s", dir, HUB_DB_FILE);
    snprintf(restored_key, sizeof restored_key, "%s/restored/%s", dir, HUB_KEY_FILE);
    unlink(copy);
    unlink(vac);
    unlink(gz);
    unlink(restored_db);
    unlink(restored_key);
    rmdir(target);
    return rc;
}

static int build(const char dir[256], size_t cases)
{
    char hub_dir[PATH_MAX], path[PATH_MAX];
    uint8_t key[32];
    struct case_world world;
    struct case_world_options options = {.seed = 13, .cases = cases, .posts = 330,
                                         .conflicts = 64, .now_ms = (int64_t)sae_wall_clock_ms()};
    snprintf(hub_dir, sizeof hub_dir, "%s/hub", dir);
    snprintf(path, sizeof path, "%s/hub/%s", dir, HUB_DB_FILE);
    int rc = sae_dir_create_private(hub_dir);
    double t0 = hb_now();
    if (rc == 0)
        rc = case_world_build(path, &options, &world);
    if (rc != 0)
        return rc;
    printf("  case_world: %zu cases, %zu changes from %zu posts, built in %.1f s\n",
           world.cases, world.changes, world.post_count, hb_now() - t0);
    /* A hub's database as it rests: checkpointed into its file. */
    rc = sae_db_exec(world.store->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    case_world_close(&world);
    randombytes_buf(key, sizeof key);
    if (rc == 0)
        rc = sae_file_write_private(hub_dir, HUB_KEY_FILE, key, sizeof key);
    return rc;
}

static void report_levels(const struct figure *lv, uint64_t db_bytes)
{
    for (size_t i = 0; i < LEVELS; i++)
        printf("  %-34s %8.2f s  %8.1f MiB  size x%.3f of hub.db; level %d: time x%.2f, size "
               "x%.3f of level %d\n", lv[i].name, lv[i].best,
               (double)lv[i].bytes / (1024.0 * 1024.0),
               db_bytes ? (double)lv[i].bytes / (double)db_bytes : 0.0, levels[0],
               lv[i].best > 0 ? lv[0].best / lv[i].best : 0.0,
               lv[i].bytes ? (double)lv[0].bytes / (double)lv[i].bytes : 0.0, levels[i]);
}

/* The backup's time and size beside the scripted baseline, VACUUM INTO and gzip -6. */
static void report_against_gzip(const struct figure *fig)
{
    const struct figure *backup = &fig[2], *gz = &fig[4];
    printf("bench_backup: sae-hub backup %.2f s, %.1f MiB = time x%.2f, size x%.3f of VACUUM "
           "INTO + gzip -6 (%.2f s, %.1f MiB)\n", backup->best,
           (double)backup->bytes / (1024.0 * 1024.0), gz->best > 0 ? backup->best / gz->best : 0,
           gz->bytes ? (double)backup->bytes / (double)gz->bytes : 0, gz->best,
           (double)gz->bytes / (1024.0 * 1024.0));
}

static void report(const struct figure *fig, uint64_t db_bytes)
{
    const struct figure *plain = &fig[0];
    printf("  hub.db file: %.1f MiB\n", (double)db_bytes / (1024.0 * 1024.0));
    for (int i = 0; i < 5; i++) {
        printf("  %-34s %8.2f s  %8.1f MiB  time x%.2f of sqlite3 .backup, size x%.3f of "
               "hub.db\n", fig[i].name, fig[i].best, (double)fig[i].bytes / (1024.0 * 1024.0),
               plain->best > 0 ? fig[i].best / plain->best : 0.0,
               db_bytes ? (double)fig[i].bytes / (double)db_bytes : 0.0);
    }
}

int main(void)
{
    char dir[256];
    size_t cases = 0, rounds = 0;
    const char *smoke = getenv("BENCH_SMOKE");
    size_t default_cases = smoke && strcmp(smoke, "1") == 0 ? 300 : 100000;
    if (hb_env_count("BENCH_CASES", default_cases, 1000000, &cases) != 0 ||
        hb_env_count("BENCH_ROUNDS", 3, ROUNDS_MAX, &rounds) != 0) {
        fprintf(stderr, "bench_backup: BENCH_CASES must be 1 to 1000000, BENCH_ROUNDS 1 to "
                "%d\n", ROUNDS_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sodium_init() < 0 || hb_scratch_make("bench-backup", dir, sizeof dir) != 0) {
        fprintf(stderr, "bench_backup: cannot start (libsodium, scratch directory)\n");
        return 1;
    }
    printf("bench_backup: sae-hub backup vs sqlite3 .backup, in %s\n", dir);
    struct figure fig[5] = {{.name = "sqlite3 .backup (baseline)"},
                            {.name = "VACUUM INTO (snapshot only)"},
                            {.name = "sae-hub backup (file)"},
                            {.name = "sae-hub restore (database restored)"},
                            {.name = "VACUUM INTO + gzip -6 (baseline)"}};
    struct figure lv[LEVELS] = {{.name = "snapshot deflated, level used"},
                                {.name = "snapshot deflated, level 1"},
                                {.name = "snapshot deflated, level 9"}};
    int rc = build(dir, cases);
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/hub/%s", dir, HUB_DB_FILE);
    uint64_t db_bytes = file_size(db);
    for (size_t i = 0; rc == 0 && i < rounds; i++)
        rc = round_once(dir, fig, lv);
    if (rc == 0) {
        report(fig, db_bytes);
        report_levels(lv, db_bytes);
        report_against_gzip(fig);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/hub.saebak", dir);
    unlink(path);
    if (hb_scratch_remove(dir) != 0 && rc == 0)
        rc = SAE_EIO;
    if (rc != 0) {
        fprintf(stderr, "bench_backup: %s\n", sae_error_name(rc));
        return 1;
    }
    return 0;
}
