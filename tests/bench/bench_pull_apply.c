/* make bench: what applying a pull costs a post. Changes as another post of the village
 * wrote them (10 fields per case, as a pull answer brings them) are applied through
 * journal_apply_remote, one transaction per answer of SAE_WIRE_CHANGES_PER_MESSAGE changes,
 * as sync.c applies them: into the journal, the current state and the shown values. Beside
 * it, in the same run and turn about, the plainest SQLite insert of the same rows into a
 * table shaped like the journal, in the same transactions, with the same durability (WAL,
 * synchronous=FULL). The ratio is the price of the journal's bookkeeping on a pull.
 * Sensitive values come as a hub of schema 4 sends them, sealed to the post's storage key
 * (PROTOCOL.md section 3): the post checks and keeps them; the baseline stores the same
 * sealed bytes.
 * BENCH_REPORTS changes the number of cases (default 5,000); BENCH_SMOKE=1 runs 50. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_hub_support.h"
#include "store/journal.h"
#include "store/node_store.h"
#include "sae/sae_borrow.h"
#include "sae/sae_db.h"
#include "sae/sae_hlc.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wire_limits.h"
#include "sae/sae_wire.h"

#define REPORTS_DEFAULT 5000
#define REPORTS_MAX 100000
#define VILLAGE "35.13.12.2018"
#define REMOTE_ORIGIN UINT64_C(0x1234567890abcdef)

/* One case as another post recorded it: field and value. */
static const char *const case_fields[][2] = {
    {"status", "new"},          {"victim_sex", "F"},         {"intake_date", "2026-11-02"},
    {"victim_age", "15"},       {"risk_level", "high"},      {"victim_name", "Korban Contoh"},
    {"location_type", "household"}, {"perpetrator_relation", "parent"},
    {"consent_share", "true"},
    {"narrative", "Korban datang ke Rumah SAE didampingi ibunya dan menceritakan bahwa pelaku"
                  " sering memukulnya ketika pulang dalam keadaan marah."},
};
#define FIELDS (sizeof case_fields / sizeof case_fields[0])

struct changes {
    struct sae_change *items;
    size_t count;
};

/* A sensitive value as the hub sends it: sealed to the pulling post's storage key. */
static int seal_for_post(const unsigned char storage_public[32], struct sae_change *c)
{
    if (strcmp(c->field, "victim_name") != 0 && strcmp(c->field, "narrative") != 0)
        return 0;
    int rc = sae_sealed_seal(storage_public, c->value, strlen(c->value), &c->sealed_value,
                             &c->sealed_len);
    c->value = NULL;
    return rc;
}

static int make_changes(const unsigned char storage_public[32], size_t reports,
                        struct changes *out)
{
    out->count = reports * FIELDS;
    out->items = calloc(out->count, sizeof *out->items);
    if (!out->items)
        return SAE_ENOMEM;
    uint64_t ms = sae_wall_clock_ms() - 86400000;
    for (size_t r = 0; r < reports; r++) {
        struct sae_id id;
        sae_hlc version = 0;
        sae_id_generate(&id);
        int rc = sae_hlc_pack(ms + r, 0, &version);
        if (rc != 0)
            return rc;
        for (size_t f = 0; f < FIELDS; f++) {
            struct sae_change *c = &out->items[r * FIELDS + f];
            c->report_id = id;
            c->kind = sae_borrow("case");
            c->field = sae_borrow(case_fields[f][0]);
            c->value = sae_borrow(case_fields[f][1]);
            c->version = (struct sae_version){version, REMOTE_ORIGIN};
            c->seq = r * FIELDS + f + 1;
            c->author = sae_borrow("Kader Lain");
            rc = seal_for_post(storage_public, c);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* ---- the node, as sync.c applies an answer ----------------------------------------- */

static int node_apply(struct node_store *store, const struct sae_change *c, size_t n)
{
    int rc = node_store_begin(store);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool applied = false;
        rc = journal_apply_remote(store, &c[i], &applied);
        if (rc == 0 && !applied)
            rc = SAE_EEXIST; /* every change is new here */
    }
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

/* ---- the baseline --------------------------------------------------------------------- */

static const char raw_schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE journal(seq INTEGER PRIMARY KEY AUTOINCREMENT, report_id TEXT NOT NULL,"
    " kind TEXT NOT NULL, field TEXT NOT NULL, value ANY, version INTEGER NOT NULL,"
    " origin INTEGER NOT NULL, origin_seq INTEGER, author TEXT) STRICT;";
static const char raw_insert_sql[] =
    "INSERT INTO journal(report_id, kind, field, value, version, origin, origin_seq, author)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static int raw_apply(sqlite3 *db, sqlite3_stmt *insert, const struct sae_change *c, size_t n)
{
    int rc = sae_db_begin(db);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char id[SAE_ID_TEXT_LEN + 1];
        const int64_t ints[] = {(int64_t)c[i].version.hlc, (int64_t)c[i].version.origin,
                                (int64_t)c[i].seq};
        sae_id_format(&c[i].report_id, id);
        rc = sae_db_bind_texts(insert, 1, (const char *const[]){id, c[i].kind, c[i].field,
                                                                c[i].value}, 4);
        if (rc == 0 && c[i].sealed_value)
            rc = sae_db_bind_blob(insert, 4, c[i].sealed_value, c[i].sealed_len);
        if (rc == 0)
            rc = sae_db_bind_ints(insert, 5, ints, 3);
        if (rc == 0)
            rc = sae_db_bind_text(insert, 8, c[i].author);
        if (rc == 0)
            rc = sae_db_step_done(insert);
        sae_db_reset(insert);
    }
    rc = rc == 0 ? sae_db_commit(db) : rc;
    if (rc != 0)
        sae_db_rollback(db);
    return rc;
}

/* ---- the run -------------------------------------------------------------------------- */

struct sides {
    struct node_store *store;
    sqlite3 *raw;
    sqlite3_stmt *insert;
};

static int open_sides(const char *dir, struct sides *s)
{
    char node_dir[512], raw_path[512];
    struct sae_message why = {{0}};
    snprintf(node_dir, sizeof node_dir, "%s/post", dir);
    snprintf(raw_path, sizeof raw_path, "%s/raw.db", dir);
    int rc = node_store_create(node_dir, VILLAGE, &why);
    if (rc == 0)
        rc = node_store_open(node_dir, NODE_BUSY_TIMEOUT_MS_DEFAULT, &s->store, &why);
    if (rc == 0)
        rc = sae_db_open(raw_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000, &s->raw);
    if (rc == 0)
        rc = sae_db_exec(s->raw, raw_schema);
    if (rc == 0)
        rc = sae_db_prepare(s->raw, raw_insert_sql, &s->insert);
    if (rc != 0)
        fprintf(stderr, "bench_pull_apply: %s %s\n", sae_error_name(rc), why.text);
    return rc;
}

static int run(const struct changes *all, struct sides *s)
{
    const size_t answer = SAE_WIRE_CHANGES_PER_MESSAGE;
    double node_s = 0, raw_s = 0;
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < all->count; at += answer) {
        size_t n = all->count - at < answer ? all->count - at : answer;
        double start = hb_now();
        rc = node_apply(s->store, all->items + at, n);
        double mid = hb_now();
        if (rc == 0)
            rc = raw_apply(s->raw, s->insert, all->items + at, n);
        node_s += mid - start;
        raw_s += hb_now() - mid;
    }
    if (rc != 0) {
        fprintf(stderr, "bench_pull_apply: %s\n", sae_error_name(rc));
        return rc;
    }
    printf("bench_pull_apply: %zu pulled changes (%zu cases) in answers of %d\n"
           "  journal_apply_remote %8.0f changes/s | raw SQLite insert %8.0f changes/s |"
           " ratio %.2f\n", all->count, all->count / FIELDS, SAE_WIRE_CHANGES_PER_MESSAGE,
           (double)all->count / node_s, (double)all->count / raw_s, node_s / raw_s);
    return 0;
}

int main(void)
{
    char dir[256];
    size_t reports = 0;
    struct changes all = {0};
    struct sides s = {0};
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    if (hb_env_count("BENCH_REPORTS", smoke ? 50 : REPORTS_DEFAULT, REPORTS_MAX, &reports) != 0) {
        fprintf(stderr, "bench_pull_apply: BENCH_REPORTS must be 1 to %d\n", REPORTS_MAX);
        return 2;
    }
    if (sodium_init() < 0 || hb_scratch_make("bench-pull-apply", dir, sizeof dir) != 0)
        return 1;
    int rc = open_sides(dir, &s);
    if (rc == 0)
        rc = make_changes(s.store->storage_public, reports, &all);
    if (rc == 0)
        rc = run(&all, &s);
    sae_db_finalize(s.insert);
    sae_db_close(s.raw);
    node_store_close(s.store);
    for (size_t i = 0; i < all.count; i++)
        free(all.items[i].sealed_value);
    free(all.items);
    hb_scratch_remove(dir);
    return rc == 0 ? 0 : 1;
}
