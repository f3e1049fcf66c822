/* hub.db: schema, identity, clock and the enrolled posts. */
#include "store/hub_store.h"
#include "store/hub_meta.h"
#include "store/hub_accounts.h"
#include "store/node_report.h"
#include "store/hub_areas.h"
#include "store/hub_summary.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "sae/sae_envelope.h"

/* Numbered migrations: entry i takes user_version from i to i + 1. Append only. */
static const char *const migrations[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT;"
    /* Enrolled devices. id is the origin id derived from the public key. */
    "CREATE TABLE node("
    "  id INTEGER PRIMARY KEY,"
    "  village TEXT NOT NULL,"
    "  device_name TEXT NOT NULL,"
    "  public_key BLOB NOT NULL UNIQUE,"
    "  enrolled_ms INTEGER NOT NULL,"
    "  last_seen_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_batch_ms INTEGER NOT NULL DEFAULT 0,"
    "  acked_seq INTEGER NOT NULL DEFAULT 0,"
    "  clock_offset_ms INTEGER NOT NULL DEFAULT 0,"
    "  revoked_ms INTEGER NOT NULL DEFAULT 0) STRICT;"
    /* One-time enrollment tokens; only a hash of the token is kept. */
    "CREATE TABLE enroll_token("
    "  token_hash BLOB PRIMARY KEY NOT NULL,"
    "  village TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  used_ms INTEGER NOT NULL DEFAULT 0,"
    "  node_id INTEGER NOT NULL DEFAULT 0) STRICT, WITHOUT ROWID;"
    "CREATE TABLE report("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  village TEXT NOT NULL,"
    "  first_change INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX report_by_village ON report(village, first_change);"
    /* Every change ever accepted, winners and losers alike. seq is the hub's order: pull
     * cursors point into it. */
    "CREATE TABLE change("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  village TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL,"
    "  base_origin INTEGER NOT NULL,"
    "  node_seq INTEGER NOT NULL,"
    "  seen_cursor INTEGER NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  author TEXT,"
    "  held INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(origin, node_seq)) STRICT;"
    "CREATE INDEX change_by_field ON change(report_id, field);"
    "CREATE INDEX change_by_village ON change(village, seq);"
    "CREATE TRIGGER change_no_delete BEFORE DELETE ON change"
    "  BEGIN SELECT RAISE(ABORT, 'changes are never deleted'); END;"
    /* A resolution supersedes every candidate of its conflict: its extra parents. */
    "CREATE TABLE change_parent("
    "  child INTEGER NOT NULL,"
    "  parent INTEGER NOT NULL,"
    "  PRIMARY KEY(child, parent)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX change_parent_by_parent ON change_parent(parent);"
    /* Derived: the winning change of each field. */
    "CREATE TABLE field_state("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  change INTEGER NOT NULL,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE conflict("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  severity TEXT NOT NULL CHECK (severity IN ('hard', 'soft')),"
    "  reason TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),"
    "  opened_ms INTEGER NOT NULL,"
    "  resolved_ms INTEGER NOT NULL DEFAULT 0,"
    "  resolved_by TEXT,"
    "  note TEXT,"
    "  resolution INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE UNIQUE INDEX conflict_open ON conflict(report_id, field) WHERE status = 'open';"
    "CREATE TABLE conflict_candidate("
    "  conflict INTEGER NOT NULL,"
    "  change INTEGER NOT NULL,"
    "  PRIMARY KEY(conflict, change)) STRICT, WITHOUT ROWID;"
    /* What was answered to each batch, so a replay gets the same answer. */
    "CREATE TABLE push_ack("
    "  origin INTEGER NOT NULL,"
    "  last_seq INTEGER NOT NULL,"
    "  ack BLOB NOT NULL,"
    "  PRIMARY KEY(origin, last_seq)) STRICT, WITHOUT ROWID;"
    /* Changes refused for good (unknown field, wrong village...): kept for the operator. */
    "CREATE TABLE refusal("
    "  origin INTEGER NOT NULL,"
    "  node_seq INTEGER NOT NULL,"
    "  code INTEGER NOT NULL,"
    "  message TEXT NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(origin, node_seq)) STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 1;",
    /* 2: a change, once received, is never rewritten either (1 only refused DELETE). */
    "CREATE TRIGGER change_no_update BEFORE UPDATE ON change"
    "  BEGIN SELECT RAISE(ABORT, 'changes are never changed'); END;"
    "PRAGMA user_version = 2;",
    /* 3: merge policies. field_state counts its heads (equal values the hub settled leave
     * several); the review log tells the posts which fields wait for a coordinator and
     * which version stands meanwhile (merge/merge_review.h). The conflicts a hub had open
     * are recomputed under the policies once (merge_refresh, run when the hub opens). */
    "ALTER TABLE field_state ADD COLUMN heads INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE review("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  village TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  open INTEGER NOT NULL,"
    "  standing INTEGER NOT NULL,"
    "  latest INTEGER NOT NULL,"
    "  at_change INTEGER NOT NULL) STRICT;"
    "CREATE INDEX review_by_village ON review(village, seq);"
    "CREATE INDEX review_by_field ON review(report_id, field, seq);"
    "INSERT INTO meta(key, value) VALUES ('merge_refresh', 1);"
    "PRAGMA user_version = 3;",
    /* 4: people and places. The official list of areas (loaded by hub_areas_migrate, the
     * step below, which also turns stored village names into codes); a coordinator's note
     * with the change that carries it; whether a device's clock offset was measured
     * against its wall clock (schema 2 requests; before, the request's clock was its last
     * version, so an idle post showed days of error); and a bundle's device name and its
     * cancellation. */
    "CREATE TABLE area("
    "  code TEXT PRIMARY KEY NOT NULL,"
    "  parent TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX area_by_parent ON area(parent, name);"
    "ALTER TABLE change ADD COLUMN note TEXT;"
    "ALTER TABLE node ADD COLUMN clock_measured INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE enroll_token ADD COLUMN device_name TEXT;"
    "ALTER TABLE enroll_token ADD COLUMN cancelled_ms INTEGER NOT NULL DEFAULT 0;"
    "PRAGMA user_version = 4;",
    /* 5: the district console's accounts, their sessions (stored as hashes of their tokens)
     * and the audit log, append-only like the change table (store/hub_accounts.h). */
    HUB_ACCOUNTS_MIGRATION
    "PRAGMA user_version = 5;",
    /* 6: the district console's reads. report_summary holds what the console's lists filter and
     * sort on, one row per report, rewritten by the merge whenever a winner of the report
     * changes (merge/merge_summary.h); filled here from what the hub holds (the summary's
     * SQL as of this schema). case_review is the district's review state of a case
     * (store/case_review.h). A dismissed conflict is one closed with the standing value
     * kept (merge_dismiss). */
    "CREATE TABLE report_summary("
    "  report_id TEXT PRIMARY KEY NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  day TEXT,"            /* the kind's date: intake, service, referral, admission */
    "  status TEXT,"         /* a case's status, a referral's referral_status */
    "  risk TEXT,"
    "  registration TEXT,"
    "  violence TEXT,"       /* ",physical,sexual,": the set as the view shows it */
    "  updated INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL,"
    "  case_ref TEXT) STRICT, WITHOUT ROWID;" /* an event's case_id */
    "INSERT INTO report_summary " HUB_SUMMARY_SELECT_SQL ";"
    "CREATE INDEX summary_by_day ON report_summary(kind, deleted, day);"
    "CREATE INDEX summary_by_updated ON report_summary(kind, deleted, updated);"
    "CREATE INDEX summary_by_registration ON report_summary(registration);"
    "CREATE TABLE case_review("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  village TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('received', 'has_issues', 'approved')),"
    "  note TEXT,"
    "  reviewer TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  review_seq INTEGER NOT NULL UNIQUE) STRICT;" /* its row in the review log */
    "CREATE INDEX case_review_by_report ON case_review(report_id, seq);"
    "CREATE INDEX case_review_by_village ON case_review(village, seq);"
    "ALTER TABLE conflict ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX conflict_by_age ON conflict(status, opened_ms, id);"
    /* A case file finds its services, stays and referrals by their case_id. (Not a partial
     * index on change: SQLite re-prepares every statement that binds change.field when a
     * partial index on it exists, which cost the merge five times its speed.) */
    "CREATE INDEX summary_by_case ON report_summary(case_ref);"
    "PRAGMA user_version = 6;",
    /* 7: the district console's monitoring data. Facts of monitoring and evaluation, one row per
     * report, rebuilt from field_state for the reports changed since me_cursor
     * (store/me_facts.c); possible duplicates: keyed hashes of names, the pairs proposed,
     * decisions and linked survivors (store/duplicates.c); locked months with the figures
     * as approved (store/month_lock.c); referrals shared without consent by override
     * (store/partner.c). */
    "CREATE TABLE me_case("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  village TEXT NOT NULL,"
    "  kecamatan TEXT NOT NULL,"
    "  live INTEGER NOT NULL,"
    "  intake_date TEXT,"
    "  intake_days INTEGER,"
    "  incident_date TEXT,"
    "  sex TEXT,"
    "  age INTEGER,"
    "  violence INTEGER NOT NULL,"
    "  consent_statistics INTEGER,"
    "  consent_share INTEGER,"
    "  refreshed INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    /* Covering: a period's figures read the index alone. */
    "CREATE INDEX me_case_by_intake ON me_case(intake_date, live, consent_statistics, kecamatan,"
    "  village, sex, age, violence, incident_date);"
    "CREATE INDEX me_case_block ON me_case(kecamatan, sex, age, intake_days);"
    "CREATE INDEX me_case_by_refresh ON me_case(refreshed);"
    "CREATE TABLE me_event("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  case_id TEXT,"
    "  village TEXT NOT NULL,"
    "  live INTEGER NOT NULL,"
    "  date TEXT,"
    "  type TEXT,"
    "  status TEXT,"
    "  end_date TEXT) STRICT, WITHOUT ROWID;"
    /* Covering: a case's first service, and a period's events, from the index alone. */
    "CREATE INDEX me_event_by_case ON me_event(case_id, kind, live, date);"
    "CREATE INDEX me_event_by_date ON me_event(kind, date, live, type, status, case_id,"
    "  end_date);"
    "CREATE INDEX me_event_by_type ON me_event(kind, type, status);"
    "INSERT INTO meta(key, value) VALUES ('me_cursor', 0), ('dup_cursor', 0);"
    "CREATE TABLE dup_name("
    "  case_id TEXT PRIMARY KEY NOT NULL,"
    "  name_hash BLOB NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE dup_pair("
    "  a TEXT NOT NULL,"
    "  b TEXT NOT NULL,"
    "  signals INTEGER NOT NULL,"
    "  grade_plain INTEGER NOT NULL,"
    "  grade_names INTEGER NOT NULL,"
    "  PRIMARY KEY(a, b)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX dup_pair_by_b ON dup_pair(b);"
    "CREATE INDEX dup_pair_plain ON dup_pair(grade_plain DESC, a, b);"
    "CREATE INDEX dup_pair_names ON dup_pair(grade_names DESC, a, b);"
    "CREATE TABLE dup_decision("
    "  a TEXT NOT NULL,"
    "  b TEXT NOT NULL,"
    "  decision TEXT NOT NULL CHECK (decision IN ('same', 'distinct')),"
    "  decided_by TEXT NOT NULL,"
    "  decided_ms INTEGER NOT NULL,"
    "  note TEXT,"
    "  PRIMARY KEY(a, b)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE dup_survivor("
    "  case_id TEXT PRIMARY KEY NOT NULL,"
    "  survivor TEXT NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX dup_survivor_by_survivor ON dup_survivor(survivor);"
    "CREATE TABLE month_lock("
    "  month TEXT PRIMARY KEY NOT NULL,"
    "  locked_by TEXT NOT NULL,"
    "  locked_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE month_figure("
    "  month TEXT NOT NULL,"
    "  figure TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  sub TEXT NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  PRIMARY KEY(month, figure, key, sub)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE referral_override("
    "  referral_id TEXT PRIMARY KEY NOT NULL,"
    "  overridden_by TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  overridden_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 7;",
    /* 8: what posts report of themselves; bundles the console makes, downloaded once. */
    HUB_NODE_REPORT_MIGRATION
    "PRAGMA user_version = 8;",
    /* 9: the reports list filtered by area reads the area's cases only, not every service,
     * stay and referral of its villages (case_list.c joins report on kind and village). */
    ("CREATE INDEX report_by_kind_village ON report(kind, village);"
     "PRAGMA user_version = 9;"), /* in parentheses: one element of two literals, for clang */
    /* 10: the district storage key (store/district_key.h). Each account's wrap of its secret
     * half (NULL: holds none; only coordinators hold one), and each device's storage public
     * key as its enrollment sent it (store/device_keys.h; NULL: a post from before). The
     * pair itself is made by district_key_ensure at the next open: SQL cannot make keys. */
    ("ALTER TABLE account ADD COLUMN key_wrap BLOB;"
     "ALTER TABLE node ADD COLUMN storage_public_key BLOB;"
     "PRAGMA user_version = 10;"),
};

/* Steps in C after a migration's SQL, by the same index (NULL: none). */
static const sae_db_migration_step steps[] = {NULL, NULL, NULL, hub_areas_migrate, NULL, NULL, NULL,
                                               NULL, NULL, NULL};

_Static_assert(sizeof migrations / sizeof migrations[0] == HUB_SCHEMA_VERSION,
               "one migration per schema version");
_Static_assert(sizeof steps / sizeof steps[0] == HUB_SCHEMA_VERSION,
               "one step (or NULL) per migration");

static const struct sae_db_schema hub_db_schema = {migrations, HUB_SCHEMA_VERSION, "sae-hub",
                                                   steps};

struct hub_identity {
    const char *name;
    const uint8_t *public_key;
    uint64_t hub_id;
};

/* Fills a new hub.db's meta table (sae_db_create's populate step). */
static int insert_identity(sqlite3 *db, void *context)
{
    static const char sql[] =
        "INSERT INTO meta(key, value) VALUES ('" HUB_META_NAME "', ?1), ('" HUB_META_HUB_ID
        "', ?2), ('" HUB_META_PUBLIC_KEY "', ?3), ('" HUB_META_CLOCK "', 0),"
        " ('" HUB_META_DISTRICT_SEQ "', 0)";
    const struct hub_identity *identity = context;
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, identity->name);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)identity->hub_id);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 3, identity->public_key, crypto_box_PUBLICKEYBYTES);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    return rc;
}

int hub_store_create(const char *db_path, const char *name, const uint8_t public_key[crypto_box_PUBLICKEYBYTES],
                     struct sae_message *why)
{
    struct hub_identity identity = {name, public_key, 0};
    int rc = sae_origin_from_public_key(public_key, &identity.hub_id);
    if (rc == 0)
        rc = sae_db_create(db_path, true, HUB_BUSY_TIMEOUT_MS_DEFAULT, &hub_db_schema,
                           insert_identity, &identity, why);
    if (rc == SAE_EEXIST)
        sae_message_set(why, "%s already exists; the hub is initialised there", db_path);
    else if (rc != 0 && why && why->text[0] == '\0')
        sae_message_set(why, "cannot create %s: %s", db_path, sae_error_name(rc));
    return rc;
}

static int load_identity(struct hub_store *store)
{
    int64_t id = 0;
    int rc = sae_db_meta_identity(store->db, HUB_META_NAME, HUB_META_HUB_ID, &store->name, &id);
    if (rc == 0)
        store->hub_id = (uint64_t)id;
    return rc;
}

int hub_store_open(const char *db_path, int busy_timeout_ms, struct hub_store **out,
                   struct sae_message *why)
{
    struct stat st;
    if (stat(db_path, &st) != 0) {
        sae_message_set(why, "%s does not exist; initialise the hub with: sae-hub -d DIR init",
                        db_path);
        return SAE_ENOTINIT;
    }
    struct hub_store *store = calloc(1, sizeof *store);
    int rc = store ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &store->db);
    if (rc == 0)
        rc = sae_db_migrate_schema(store->db, &hub_db_schema, why);
    if (rc == 0)
        rc = load_identity(store);
    /* The monitoring counts use the derived figures' one definition (age bands, days). */
    if (rc == 0)
        rc = sae_derived_register(store->db);
    /* A district's hub.db is a few GB read at random (case files, conflicts' candidates):
     * mapped, a page is read from the kernel's cache without a system call and a copy,
     * instead of through SQLite's own 2 MB cache. */
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA mmap_size=" HUB_MMAP_BYTES_TEXT);
    /* Freed content is zeroed: a wrap replaced or removed (store/district_key.h) leaves no
     * copy in a free page. */
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA secure_delete = ON");
    if (rc != 0) {
        if (why && why->text[0] == '\0')
            sae_message_set(why, "cannot open %s: %s", db_path, sae_error_name(rc));
        hub_store_close(store);
        return rc;
    }
    *out = store;
    return 0;
}

void hub_store_close(struct hub_store *store)
{
    if (!store)
        return;
    sae_db_cache_clear(&store->statements);
    sae_db_close(store->db);
    free(store->name);
    free(store);
}

int hub_store_prepare(struct hub_store *store, const char *sql, sqlite3_stmt **out)
{
    return sae_db_prepare_cached(store->db, &store->statements, sql, out);
}

int hub_store_query_int(struct hub_store *store, const char *sql, const int64_t *params,
                        size_t param_count, int64_t *out)
{
    return sae_db_query_int(store->db, &store->statements, sql, params, param_count, out);
}

int hub_store_run(struct hub_store *store, const char *sql, const int64_t *params,
                  size_t param_count)
{
    return sae_db_run(store->db, &store->statements, sql, params, param_count);
}

int hub_store_run_texts(struct hub_store *store, const char *sql, const char *const *texts,
                        size_t count)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, count);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char clock_sql[] = "SELECT value FROM meta WHERE key = '" HUB_META_CLOCK "'";
static const char set_clock_sql[] =
    "UPDATE meta SET value = ?1 WHERE key = '" HUB_META_CLOCK "'";

static int read_clock(struct hub_store *store, int64_t *out)
{
    return hub_store_query_int(store, clock_sql, NULL, 0, out);
}

static int write_clock(struct hub_store *store, int64_t value)
{
    return hub_store_run(store, set_clock_sql, &value, 1);
}

int hub_store_begin(struct hub_store *store) { return sae_db_begin(store->db); }

int hub_store_write(struct hub_store *store, hub_store_write_fn fn, void *context)
{
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = fn(store, context);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}
int hub_store_commit(struct hub_store *store) { return sae_db_commit(store->db); }
void hub_store_rollback(struct hub_store *store) { sae_db_rollback(store->db); }

int hub_store_next_version(struct hub_store *store, int64_t now_ms, sae_hlc *out)
{
    int64_t last = 0;
    sae_hlc next;
    int rc = read_clock(store, &last);
    if (rc == 0 && (last < 0 || now_ms < 0))
        rc = SAE_ECORRUPT;
    if (rc == 0)
        rc = sae_hlc_tick((sae_hlc)last, (uint64_t)now_ms, &next);
    if (rc == 0)
        rc = write_clock(store, (int64_t)next);
    if (rc == 0)
        *out = next;
    return rc;
}

int hub_store_observe_version(struct hub_store *store, sae_hlc seen)
{
    int64_t last = 0;
    int rc = read_clock(store, &last);
    if (rc == 0 && (int64_t)seen > last)
        rc = write_clock(store, (int64_t)seen);
    return rc;
}

int hub_store_clock(struct hub_store *store, int64_t now_ms, sae_hlc *out)
{
    int64_t last = 0;
    sae_hlc wall = 0;
    int rc = read_clock(store, &last);
    if (rc == 0)
        rc = sae_hlc_pack(now_ms > 0 ? (uint64_t)now_ms : 0, 0, &wall);
    if (rc == 0)
        *out = (sae_hlc)last > wall ? (sae_hlc)last : wall;
    return rc;
}

static const char node_add_sql[] =
    "INSERT INTO node(id, village, device_name, public_key, enrolled_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

/* SAE_EEXIST when the id or the public key is enrolled already. */
int hub_store_node_add(struct hub_store *store, const struct hub_node *node)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, node_add_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)node->id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, node->village);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, node->device_name);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 4, node->public_key, crypto_box_PUBLICKEYBYTES);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, node->enrolled_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

#define NODE_COLUMNS                                                                        \
    "id, village, device_name, public_key, enrolled_ms, last_seen_ms, last_batch_ms,"         \
    " acked_seq, clock_offset_ms, revoked_ms, clock_measured"
static const char node_get_sql[] = "SELECT " NODE_COLUMNS " FROM node WHERE id = ?1";
static const char node_list_sql[] =
    "SELECT " NODE_COLUMNS " FROM node ORDER BY village, enrolled_ms";
static const char public_key_sql[] =
    "SELECT value FROM meta WHERE key = '" HUB_META_PUBLIC_KEY "'";

/* A row of NODE_COLUMNS; SAE_ECORRUPT when its public key is not a key. */
static int node_from_row(sqlite3_stmt *stmt, struct hub_node *out)
{
    if (sqlite3_column_bytes(stmt, 3) != crypto_box_PUBLICKEYBYTES)
        return SAE_ECORRUPT;
    struct hub_node node = {.id = (uint64_t)sqlite3_column_int64(stmt, 0)};
    sae_db_column_copy(stmt, 1, node.village, sizeof node.village);
    sae_db_column_copy(stmt, 2, node.device_name, sizeof node.device_name);
    memcpy(node.public_key, sqlite3_column_blob(stmt, 3), crypto_box_PUBLICKEYBYTES);
    node.enrolled_ms = sqlite3_column_int64(stmt, 4);
    node.last_seen_ms = sqlite3_column_int64(stmt, 5);
    node.last_batch_ms = sqlite3_column_int64(stmt, 6);
    node.acked_seq = sqlite3_column_int64(stmt, 7);
    node.clock_offset_ms = sqlite3_column_int64(stmt, 8);
    node.revoked_ms = sqlite3_column_int64(stmt, 9);
    node.clock_measured = sqlite3_column_int(stmt, 10) != 0;
    *out = node;
    return 0;
}

int hub_store_node_get(struct hub_store *store, uint64_t id, struct hub_node *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, node_get_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW)
        rc = node_from_row(stmt, out);
    sae_db_reset(stmt);
    return rc;
}

int hub_store_node_list(struct hub_store *store, hub_node_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, node_list_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_node node;
        rc = node_from_row(stmt, &node);
        if (rc == 0)
            rc = visit(&node, context);
    }
    sae_db_reset(stmt);
    return rc;
}

int hub_store_public_key(struct hub_store *store, uint8_t public_key[crypto_box_PUBLICKEYBYTES])
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, public_key_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW && sqlite3_column_bytes(stmt, 0) == crypto_box_PUBLICKEYBYTES)
        memcpy(public_key, sqlite3_column_blob(stmt, 0), crypto_box_PUBLICKEYBYTES);
    else if (rc >= 0)
        rc = SAE_ECORRUPT;
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc;
}

static const char node_seen_sql[] =
    "UPDATE node SET last_seen_ms = ?2, clock_offset_ms = ?3, clock_measured = ?4"
    " WHERE id = ?1";
static const char node_revoke_sql[] =
    "UPDATE node SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0";

/* Runs an UPDATE of one node; SAE_ENOTFOUND when it changed no row. */
static int update_node(struct hub_store *store, const char *sql, const int64_t *params,
                       size_t count)
{
    int rc = hub_store_run(store, sql, params, count);
    if (rc != 0)
        return rc;
    return sae_db_changes(store->db) ? 0 : SAE_ENOTFOUND;
}

int hub_store_node_seen(struct hub_store *store, uint64_t id, int64_t now_ms,
                        int64_t clock_offset_ms, bool measured)
{
    const int64_t params[] = {(int64_t)id, now_ms, measured ? clock_offset_ms : 0, measured};
    return update_node(store, node_seen_sql, params, 4);
}

int hub_store_node_revoke(struct hub_store *store, uint64_t id, int64_t now_ms)
{
    const int64_t params[] = {(int64_t)id, now_ms};
    return update_node(store, node_revoke_sql, params, 2);
}
