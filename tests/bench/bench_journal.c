/* make bench: how fast a post records case reports through journal_add, with the node's
 * real durability (WAL, synchronous=FULL, one transaction per report), beside the plainest
 * way to put the same rows into SQLite with the same durability. The ratio is the price of
 * the journal's bookkeeping (versions, base versions, the derived state, the clock).
 *
 * Both writers get the same deterministic reports (fixed seed, fictional names, Indonesian
 * narratives of about 300 bytes) in a fresh directory under $TMPDIR (else /var/tmp, which
 * unlike a tmpfs /tmp is on disk, so fsync costs what it costs a post). They take turns in
 * chunks of reports, so that a disk or a machine that gets busier halfway through slows
 * both alike. A time budget stops the run early on a slow disk so that the whole benchmark
 * stays under half a minute; both writers then have written the same reports.
 * BENCH_REPORTS overrides the number of reports (1 to 100000). */
#define _XOPEN_SOURCE 700 /* nftw */

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>

#include "bench_hub_support.h"
#include "bench_post.h"
#include "store/journal.h"
#include "store/node_store.h"
#include "store/value_seal.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_envelope.h"
#include "sae/sae_error.h"
#include "sae/sae_id.h"
#include "sae/sae_validate.h"

#define REPORTS_DEFAULT 2000
#define REPORTS_MAX 100000
/* Measured time (both writers together) after which no new chunk starts. */
#define BUDGET_SECONDS 20.0
/* Reports written by one writer before the other takes its turn. */
#define CHUNK_REPORTS 50
#define SEED UINT64_C(0x5ae20240b0b0)
#define VILLAGE "Wonokerso, Sumber" /* 35.13.02.2004 in the official list */
#define TMPFS_MAGIC_NUMBER 0x01021994

/* The fields a post fills in for a typical intake, in the order they are recorded. */
static const char *const report_fields[] = {
    "status",     "violence_types", "victim_sex",           "intake_date", "victim_age",
    "victim_name", "location_type", "perpetrator_relation", "narrative",
};
#define FIELD_COUNT (sizeof report_fields / sizeof report_fields[0])
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct report_rows {
    struct journal_change changes[FIELD_COUNT]; /* canonical values, validated */
    /* The case registration number journal_add assigns at the post (its own row); the
     * baseline writes one of the same shape so that both write the same rows. */
    struct journal_change registration;
    char registration_text[40];
};
/* Rows one report becomes in either journal: its fields and its registration number. */
#define ROWS_PER_REPORT (FIELD_COUNT + 1)

/* What one run measured. */
struct run_result {
    size_t reports;
    double seconds;
    uint64_t bytes_written;
};

struct dataset {
    const struct sae_kind *kind;
    struct report_rows *reports;
    size_t count;
    size_t value_bytes; /* total bytes of values, for the per-report average */
};

/* ---- deterministic generator ------------------------------------------------------ */

/* splitmix64: small and the same on every machine, so every run records the same data. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *state, unsigned n) { return (unsigned)(rng_next(state) % n); }

#define PICK(state, table) ((table)[rng_below((state), COUNT(table))])

/* One type of violence with how often posts see it (percent) and what such reports say. */
struct violence_profile {
    const char *code;
    unsigned percent;
    const char *const *events;
    size_t event_count;
};

static const char *const physical_events[] = {
    "korban sering dipukul dan ditendang oleh pelaku ketika pelaku pulang dalam keadaan marah",
    "pelaku melempar korban dengan piring dan mendorongnya hingga terjatuh di dapur",
};
static const char *const psychological_events[] = {
    "pelaku terus memaki dan mengancam akan mengusir korban dari rumah jika ia bercerita",
    "korban dilarang keluar rumah dan telepon genggamnya diperiksa setiap hari oleh pelaku",
};
static const char *const sexual_events[] = {
    "pelaku menyentuh korban secara tidak pantas ketika rumah dalam keadaan sepi",
    "korban dipaksa melakukan hubungan seksual dan diancam agar tidak memberi tahu siapa pun",
};
static const char *const exploitation_events[] = {
    "korban dipaksa bekerja tanpa upah di warung milik keluarga pelaku sejak putus sekolah",
};
static const char *const trafficking_events[] = {
    "korban dijanjikan pekerjaan di luar kota, tetapi dokumennya ditahan oleh perekrut",
};
static const char *const neglect_events[] = {
    "korban dan anak-anaknya tidak diberi nafkah selama beberapa bulan oleh suaminya",
};

static const struct violence_profile violence_profiles[] = {
    {"psychological", 30, psychological_events, COUNT(psychological_events)},
    {"physical", 28, physical_events, COUNT(physical_events)},
    {"sexual", 24, sexual_events, COUNT(sexual_events)},
    {"neglect", 10, neglect_events, COUNT(neglect_events)},
    {"exploitation", 5, exploitation_events, COUNT(exploitation_events)},
    {"trafficking", 3, trafficking_events, COUNT(trafficking_events)},
};

static const char *const openers[] = {
    "Korban datang ke Rumah SAE didampingi ibunya dan menceritakan bahwa",
    "Pelapor adalah tetangga korban yang menghubungi posko melalui WhatsApp karena",
    "Kader desa menemukan korban saat kunjungan rumah dan melaporkan bahwa",
    "Korban datang sendiri ke balai desa pada sore hari dan menyampaikan bahwa",
};
static const char *const details[] = {
    "Kejadian terakhir terjadi tiga hari lalu; korban mengalami memar di lengan.",
    "Korban tampak ketakutan, sulit tidur, dan tidak mau keluar rumah.",
    "Keluarga korban belum tahu dan korban meminta agar identitasnya dirahasiakan.",
    "Korban pernah melapor ke kepala dusun, tetapi belum ada tindak lanjut.",
};
static const char *const follow_ups[] = {
    "Petugas mencatat pengaduan, menjelaskan hak korban, dan menawarkan pendampingan ke Puskesmas.",
    "Petugas menyusun rencana keselamatan bersama korban dan akan berkunjung lagi minggu depan.",
    "Korban setuju dirujuk ke UPT PPA Kabupaten Probolinggo untuk konseling psikologis.",
};
/* Fictional names: given and family names combined at random. */
static const char *const female_names[] = {"Siti", "Nur", "Dewi", "Ayu", "Rina", "Fitri",
                                           "Lailatul", "Indah", "Wulan", "Maya"};
static const char *const male_names[] = {"Ahmad", "Rizki", "Bagus", "Dimas", "Fajar"};
static const char *const family_names[] = {"Rahmawati", "Hasanah", "Safitri", "Lestari",
                                           "Maulida", "Anggraini", "Wahyuni", "Prasetyo"};
static const char *const locations[] = {"household", "household", "household", "household",
                                        "school", "public_facility", "workplace", "online"};
static const char *const relations[] = {"spouse", "spouse", "parent", "step_parent", "relative",
                                        "neighbour", "partner", "teacher", "employer",
                                        "stranger"};

static const struct violence_profile *pick_violence(uint64_t *rng)
{
    unsigned roll = rng_below(rng, 100), acc = 0;
    for (size_t i = 0; i < COUNT(violence_profiles); i++) {
        acc += violence_profiles[i].percent;
        if (roll < acc)
            return &violence_profiles[i];
    }
    return &violence_profiles[0];
}

/* The raw text of each field of one report, before validation. */
static void generate_report(uint64_t *rng, char text[FIELD_COUNT][512])
{
    const struct violence_profile *v = pick_violence(rng);
    int female = rng_below(rng, 100) < 85;
    /* About half of the survivors posts see are children. */
    unsigned age = rng_below(rng, 2) ? 4 + rng_below(rng, 14) : 18 + rng_below(rng, 45);
    snprintf(text[0], 512, "new");
    snprintf(text[1], 512, "%s", v->code);
    snprintf(text[2], 512, "%s", female ? "F" : "M");
    snprintf(text[3], 512, "2024-%02u-%02u", 1 + rng_below(rng, 12), 1 + rng_below(rng, 28));
    snprintf(text[4], 512, "%u", age);
    snprintf(text[5], 512, "%s %s", female ? PICK(rng, female_names) : PICK(rng, male_names),
             PICK(rng, family_names));
    snprintf(text[6], 512, "%s", PICK(rng, locations));
    snprintf(text[7], 512, "%s", PICK(rng, relations));
    snprintf(text[8], 512, "%s %s. %s %s", PICK(rng, openers),
             v->events[rng_below(rng, (unsigned)v->event_count)], PICK(rng, details),
             PICK(rng, follow_ups));
}

/* ---- dataset ------------------------------------------------------------------------ */

static void dataset_free(struct dataset *d)
{
    for (size_t r = 0; d->reports && r < d->count; r++)
        for (size_t f = 0; f < FIELD_COUNT; f++)
            free(d->reports[r].changes[f].value);
    free(d->reports);
    d->reports = NULL;
}

static int registration_row(const struct sae_kind *kind, size_t index, struct report_rows *row,
                            struct sae_message *why)
{
    int rc = sae_catalogue_find_field(kind, "registration_number", &row->registration.field);
    if (rc != 0) {
        sae_message_set(why, "the catalogue has no case field registration_number");
        return rc;
    }
    snprintf(row->registration_text, sizeof row->registration_text, "3513022004-2024-%04zu",
             index + 1);
    row->registration.value = row->registration_text;
    return 0;
}

/* Validates every value as `sae-node add` would, so the journal receives canonical rows. */
static int dataset_build(size_t count, struct dataset *out, struct sae_message *why)
{
    struct dataset d = {.count = count};
    char text[FIELD_COUNT][512], message[SAE_VALIDATE_MESSAGE_BYTES];
    uint64_t rng = SEED;
    int rc = sae_catalogue_find_kind("case", &d.kind);
    if (rc != 0) {
        sae_message_set(why, "the catalogue has no kind \"case\"");
        return rc;
    }
    d.reports = calloc(count, sizeof *d.reports);
    if (!d.reports)
        return SAE_ENOMEM;
    for (size_t r = 0; rc == 0 && r < count; r++) {
        generate_report(&rng, text);
        for (size_t f = 0; rc == 0 && f < FIELD_COUNT; f++) {
            struct journal_change *c = &d.reports[r].changes[f];
            rc = sae_catalogue_find_field(d.kind, report_fields[f], &c->field);
            if (rc != 0) {
                sae_message_set(why, "the catalogue has no case field %s", report_fields[f]);
                break;
            }
            rc = sae_validate_value(c->field, text[f], strlen(text[f]), &c->value, message);
            if (rc != 0)
                sae_message_set(why, "generated value refused: %s", message);
            else
                d.value_bytes += strlen(c->value);
        }
        if (rc == 0)
            rc = registration_row(d.kind, r, &d.reports[r], why);
    }
    if (rc != 0) {
        dataset_free(&d);
        return rc;
    }
    *out = d;
    return 0;
}

/* ---- timing and files ----------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes this process has handed to write() so far (Linux /proc/self/io "wchar"): WAL
 * frames and checkpoints, the main cost beside fsync. 0 when the file is not there. */
static uint64_t bytes_written(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    unsigned long long value = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "wchar: %llu", &value) == 1)
            break;
    fclose(f);
    return (uint64_t)value;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

static int remove_tree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : SAE_EIO;
}

static int count_rows(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : SAE_EDB;
}

/* ---- the two writers ---------------------------------------------------------------- */

/* The node's journal table, columns and all, and nothing else: no derived state, index,
 * clock or triggers. */
static const char raw_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE journal("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL,"
    "  base_origin INTEGER NOT NULL) STRICT;";

/* The plainest writer of the journal's rows; with seal_to, sensitive values are sealed to
 * that key as the node stores them (value_seal.c), so the two raw writers differ by the
 * sealing alone. */
struct raw_writer {
    sqlite3 *db;
    sqlite3_stmt *begin, *insert, *commit;
    bool sealed;
    unsigned char seal_to[32];
};

struct writers {
    struct node_store *store; /* the node, as sae-node opens it */
    struct node_store *enrolled; /* the same with a bundle: sensitive values get hub copies */
    struct raw_writer raw;       /* the baseline */
    struct raw_writer raw_sealed; /* the baseline sealing sensitive values */
};

static void raw_close(struct raw_writer *r)
{
    sqlite3_finalize(r->begin);
    sqlite3_finalize(r->insert);
    sqlite3_finalize(r->commit);
    sqlite3_close(r->db);
}

static void writers_close(struct writers *w)
{
    raw_close(&w->raw);
    raw_close(&w->raw_sealed);
    node_store_close(w->store);
    node_store_close(w->enrolled);
}

/* dir-hub: a node holding a bundle's hub key, so that journal_add seals the hub's copy of
 * every sensitive value (node/store/hub_copy.c). */
static int enrolled_open(const char *node_dir, struct writers *w, struct sae_message *why)
{
    char dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s-hub", node_dir);
    return bench_post_open(dir, VILLAGE, "Siti Rahayu", true, &w->enrolled, why);
}

static int raw_open(const char *path, struct raw_writer *w, struct sae_message *why)
{
    static const char insert_sql[] =
        "INSERT INTO journal(report_id, kind, field, value, version, origin, base_version,"
        " base_origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)";
    int rc = sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(w->db, raw_schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(w->db, "BEGIN IMMEDIATE", -1, &w->begin, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(w->db, insert_sql, -1, &w->insert, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(w->db, "COMMIT", -1, &w->commit, NULL);
    if (rc != SQLITE_OK) {
        sae_message_set(why, "raw sqlite: %s", sqlite3_errmsg(w->db));
        return SAE_EDB;
    }
    return 0;
}

static int writers_open(const char *node_dir, const char *raw_path, struct writers *out,
                        struct sae_message *why)
{
    struct writers w = {0};
    int rc = node_store_create(node_dir, VILLAGE, why);
    if (rc == 0)
        rc = node_store_open(node_dir, NODE_BUSY_TIMEOUT_MS_DEFAULT, &w.store, why);
    if (rc == 0) /* every change names the person who made it */
        rc = node_store_set_author(w.store, "Siti Rahayu");
    if (rc == 0)
        rc = raw_open(raw_path, &w.raw, why);
    char sealed_path[PATH_MAX + 32];
    snprintf(sealed_path, sizeof sealed_path, "%s-sealed", raw_path);
    if (rc == 0)
        rc = raw_open(sealed_path, &w.raw_sealed, why);
    if (rc == 0) {
        w.raw_sealed.sealed = true;
        memcpy(w.raw_sealed.seal_to, w.store->storage_public, sizeof w.raw_sealed.seal_to);
        rc = enrolled_open(node_dir, &w, why);
    }
    if (rc != 0) {
        writers_close(&w);
        return rc;
    }
    *out = w;
    return 0;
}

static int step_reset(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* value: the change's value as this writer stores it (sealed or not), alive until the step. */
static int raw_bind_row(sqlite3_stmt *insert, const char *id, const struct journal_change *c,
                        const char *value, int64_t version)
{
    int rc = sqlite3_bind_text(insert, 1, id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(insert, 2, "case", -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(insert, 3, c->field->name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(insert, 4, value, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(insert, 5, version);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(insert, 6, INT64_C(0x1234567890abcdef));
    return rc;
}

/* One row, its value sealed first when the writer seals. */
static int raw_insert_row(struct raw_writer *w, const char *id, const struct journal_change *c,
                          int64_t version)
{
    char *sealed = NULL;
    if (w->sealed && value_seal(w->seal_to, "case", c->field->name, c->value, &sealed) != 0)
        return SQLITE_NOMEM;
    int rc = raw_bind_row(w->insert, id, c, w->sealed ? sealed : c->value, version);
    if (rc == SQLITE_OK)
        rc = step_reset(w->insert);
    free(sealed);
    return rc;
}

/* One report as the baseline writes it: its rows in one transaction, like journal_add. */
static int raw_insert_report(struct raw_writer *w, const struct report_rows *r, int64_t version,
                             struct sae_message *why)
{
    struct sae_id id;
    char id_text[SAE_ID_TEXT_LEN + 1];
    sae_id_generate(&id);
    sae_id_format(&id, id_text);
    int rc = step_reset(w->begin);
    for (size_t f = 0; rc == SQLITE_OK && f < FIELD_COUNT; f++)
        rc = raw_insert_row(w, id_text, &r->changes[f], version);
    if (rc == SQLITE_OK)
        rc = raw_insert_row(w, id_text, &r->registration, version);
    if (rc == SQLITE_OK)
        rc = step_reset(w->commit);
    if (rc == SQLITE_OK)
        return 0;
    sae_message_set(why, "raw sqlite: %s", sqlite3_errmsg(w->db));
    sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    return SAE_EDB;
}

/* ---- the measurement ------------------------------------------------------------------ */

/* Reports [from, to) through journal_add into store, timed. */
static int journal_chunk(struct node_store *store, const struct dataset *d, size_t from,
                         size_t to, struct run_result *result, struct sae_message *why)
{
    char id[SAE_ID_TEXT_LEN + 1];
    uint64_t written = bytes_written();
    double start = now_seconds();
    int rc = 0;
    for (size_t r = from; rc == 0 && r < to; r++)
        rc = journal_add(store, d->kind, d->reports[r].changes, FIELD_COUNT, id, why);
    result->seconds += now_seconds() - start;
    result->bytes_written += bytes_written() - written;
    result->reports += rc == 0 ? to - from : 0;
    return rc;
}

/* The same reports into the baseline, timed. */
static int raw_chunk(struct raw_writer *w, const struct dataset *d, size_t from, size_t to,
                     struct run_result *result, struct sae_message *why)
{
    uint64_t written = bytes_written();
    double start = now_seconds();
    int rc = 0;
    for (size_t r = from; rc == 0 && r < to; r++)
        rc = raw_insert_report(w, &d->reports[r], (int64_t)(r + 1) << 16, why);
    result->seconds += now_seconds() - start;
    result->bytes_written += bytes_written() - written;
    result->reports += rc == 0 ? to - from : 0;
    return rc;
}

/* A benchmark of writes that were not all there would measure nothing. */
static int check_rows(sqlite3 *db, const char *what, size_t reports, struct sae_message *why)
{
    int64_t rows = 0;
    int rc = count_rows(db, "SELECT count(*) FROM journal", &rows);
    if (rc == 0 && rows != (int64_t)(reports * ROWS_PER_REPORT)) {
        sae_message_set(why, "%s holds %lld rows, expected %zu", what, (long long)rows,
                        reports * ROWS_PER_REPORT);
        rc = SAE_ECORRUPT;
    }
    return rc;
}

/* Alternates chunks of reports between the two writers, so that both see the same disk
 * and the same load from other programs, until every report is in or the budget is spent. */
static int run_both(const char *node_dir, const char *raw_path, const struct dataset *d,
                    struct run_result *journal, struct run_result *raw,
                    struct run_result *enrolled, struct run_result *raw_sealed,
                    struct sae_message *why)
{
    struct writers w;
    int rc = writers_open(node_dir, raw_path, &w, why);
    if (rc != 0)
        return rc;
    for (size_t from = 0; rc == 0 && from < d->count; from += CHUNK_REPORTS) {
        size_t to = from + CHUNK_REPORTS < d->count ? from + CHUNK_REPORTS : d->count;
        if (journal->seconds + raw->seconds > BUDGET_SECONDS)
            break;
        rc = journal_chunk(w.store, d, from, to, journal, why);
        if (rc == 0)
            rc = raw_chunk(&w.raw, d, from, to, raw, why);
        if (rc == 0)
            rc = raw_chunk(&w.raw_sealed, d, from, to, raw_sealed, why);
        if (rc == 0)
            rc = journal_chunk(w.enrolled, d, from, to, enrolled, why);
    }
    if (rc == 0)
        rc = check_rows(w.store->db, "the node's journal", journal->reports, why);
    if (rc == 0)
        rc = check_rows(w.raw.db, "the raw table", raw->reports, why);
    if (rc == 0)
        rc = check_rows(w.raw_sealed.db, "the sealed raw table", raw_sealed->reports, why);
    if (rc == 0)
        rc = check_rows(w.enrolled->db, "the enrolled node's journal", enrolled->reports, why);
    writers_close(&w);
    return rc;
}

/* ---- main ----------------------------------------------------------------------------- */

static int make_scratch_dir(char *path, size_t size)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/var/tmp";
    if (snprintf(path, size, "%s/sae-bench-journal-XXXXXX", base) >= (int)size)
        return SAE_EINVAL;
    return mkdtemp(path) ? 0 : SAE_EIO;
}

static int fail(const char *what, int rc, const struct sae_message *why)
{
    fprintf(stderr, "bench_journal: %s: %s%s%s\n", what, sae_error_name(rc),
            why->text[0] ? ": " : "", why->text);
    return 1;
}

static void print_results(size_t wanted, const struct run_result *journal,
                          const struct run_result *raw, const struct run_result *enrolled,
                          const struct run_result *raw_sealed)
{
    if (journal->reports < wanted)
        printf("bench_journal: time budget reached after %zu reports\n", journal->reports);
    if (journal->bytes_written && raw->bytes_written)
        printf("written per report: journal %.1f KiB, raw sqlite %.1f KiB\n",
               (double)journal->bytes_written / 1024.0 / (double)journal->reports,
               (double)raw->bytes_written / 1024.0 / (double)raw->reports);
    double journal_rate = (double)journal->reports / journal->seconds;
    double raw_rate = (double)raw->reports / raw->seconds;
    printf("journal add: %.0f reports/s; raw sqlite insert: %.0f reports/s; ratio %.2f\n",
           journal_rate, raw_rate, journal_rate / raw_rate);
    double enrolled_rate = (double)enrolled->reports / enrolled->seconds;
    printf("journal add with the hub's sealed copies (a post with a bundle): %.0f reports/s; "
           "without: %.0f; ratio %.2f\n", enrolled_rate, journal_rate,
           enrolled_rate / journal_rate);
    double sealed_rate = (double)raw_sealed->reports / raw_sealed->seconds;
    printf("the same writes with the sensitive values sealed to the storage key (as the "
           "journal stores them): %.0f reports/s; unsealed: %.0f; ratio %.2f\n", sealed_rate,
           raw_rate, sealed_rate / raw_rate);
}

int main(void)
{
    struct sae_message why = {{0}};
    struct dataset d = {0};
    char scratch[PATH_MAX], node_dir[PATH_MAX + 16], raw_path[PATH_MAX + 16];
    struct statfs fs;
    struct run_result journal = {0}, raw = {0}, enrolled = {0}, raw_sealed = {0};
    size_t wanted = 0;
    if (hb_env_count("BENCH_REPORTS", REPORTS_DEFAULT, REPORTS_MAX, &wanted) != 0) {
        fprintf(stderr, "bench_journal: BENCH_REPORTS must be a number from 1 to %d\n",
                REPORTS_MAX);
        return 2;
    }
    if (sodium_init() < 0)
        return fail("libsodium", SAE_ECRYPTO, &why);
    int rc = dataset_build(wanted, &d, &why);
    if (rc != 0)
        return fail("generating reports", rc, &why);
    rc = make_scratch_dir(scratch, sizeof scratch);
    if (rc != 0) {
        dataset_free(&d);
        return fail("creating a scratch directory", rc, &why);
    }
    snprintf(node_dir, sizeof node_dir, "%s/node", scratch);
    snprintf(raw_path, sizeof raw_path, "%s/raw.db", scratch);
    printf("bench_journal: %zu case reports of %zu fields (%zu bytes of values each on "
           "average), WAL + synchronous=FULL, one transaction per report, in %s%s\n",
           wanted, FIELD_COUNT, d.value_bytes / wanted, scratch,
           statfs(scratch, &fs) == 0 && fs.f_type == TMPFS_MAGIC_NUMBER
               ? " (tmpfs: fsync is free here, set TMPDIR to a disk)"
               : "");
    fflush(stdout);
    rc = run_both(node_dir, raw_path, &d, &journal, &raw, &enrolled, &raw_sealed, &why);
    dataset_free(&d);
    if (remove_tree(scratch) != 0 && rc == 0) {
        sae_message_set(&why, "cannot remove %s", scratch);
        rc = SAE_EIO;
    }
    if (rc != 0)
        return fail("benchmark", rc, &why);
    print_results(wanted, &journal, &raw, &enrolled, &raw_sealed);
    return 0;
}
