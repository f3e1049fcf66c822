/* The node directory and journal database: creation, opening, migrations, identity. */
#include "store/node_meta.h"
#include "store/node_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/hub_copy.h"
#include "store/journal.h"
#include "store/opened_cache.h"
#include "store/node_store_internal.h"
#include "store/storage_key.h"
#include "store/value_seal.h"
#include "store/node_village.h"
#include "sae/sae_cli.h"
#include "sae/sae_db.h"
#include "sae/sae_sealed.h"
#include "sae/sae_db_wal.h"
#include "sae/sae_files.h"
#include "sae/sae_limits.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_validate.h"

/* Numbered schema migrations: entry i takes user_version from i to i + 1. Append only. Each
 * is written out as it shipped, never built from a definition that live code also uses: a
 * later change to that code must not change what an old journal becomes
 * (tests/e2e/test_migration_schema.py). */
static const char *const migrations[] = {
    /* 1: the journal of field changes and the state derived from it. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT;"
    "CREATE TABLE journal("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL,"
    "  base_origin INTEGER NOT NULL) STRICT;"
    "CREATE INDEX journal_by_report ON journal(report_id, seq);"
    "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE TABLE report("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  first_seq INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX report_by_kind ON report(kind, first_seq);"
    "CREATE INDEX report_by_seq ON report(first_seq);"
    "CREATE TABLE report_field("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 1;",
    /* 2: synchronisation with the district hub. Changes pulled from the hub join the journal
     * under their writer's (origin, origin_seq); every change remembers the hub cursor its
     * writer had pulled to. */
    "ALTER TABLE journal ADD COLUMN origin_seq INTEGER;"
    "ALTER TABLE journal ADD COLUMN seen_cursor INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX journal_by_origin ON journal(origin, origin_seq)"
    "  WHERE origin_seq IS NOT NULL;"
    "CREATE TABLE hub("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  url TEXT NOT NULL,"
    "  public_key BLOB NOT NULL,"
    "  hub_id INTEGER NOT NULL,"
    "  certificate TEXT NOT NULL,"
    "  pin TEXT NOT NULL,"
    "  token TEXT,"
    "  enrolled_ms INTEGER NOT NULL DEFAULT 0) STRICT;"
    /* Own changes the hub refused for good or holds for review: kept, shown, not resent. */
    "CREATE TABLE set_aside("
    "  seq INTEGER PRIMARY KEY,"
    "  code INTEGER NOT NULL,"
    "  message TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL) STRICT;"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('pull_cursor', 0), ('last_sync_ms', 0),"
    "  ('last_error', ''), ('clock_offset_ms', 0);"
    "PRAGMA user_version = 2;",
    /* 3: re-dated versions. When this computer's clock was found wrong, an own change the hub
     * has not taken (or holds for its date) is written again with a corrected version; the
     * new entry names the one it re-dates, which then no longer counts nor is sent. */
    "ALTER TABLE journal ADD COLUMN restamp_of INTEGER;"
    "CREATE UNIQUE INDEX journal_restamps ON journal(restamp_of) WHERE restamp_of IS NOT NULL;"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('restamp_below_seq', 0);"
    "PRAGMA user_version = 3;",
    /* 4: merge policies. The hub's open reviews of this village's fields (a hard conflict
     * a coordinator has yet to decide): which version stands meanwhile, and the latest one.
     * field_shown is what the post shows and edits from: the standing version's value while
     * the field holds the latest version the hub knew of; the post's own field otherwise
     * (its newer edit, not yet judged by the hub). */
    "CREATE TABLE review("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  standing_version INTEGER NOT NULL,"
    "  standing_origin INTEGER NOT NULL,"
    "  latest_version INTEGER NOT NULL,"
    "  latest_origin INTEGER NOT NULL,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "CREATE VIEW field_shown(report_id, field, value, version, origin, under_review) AS"
    "  SELECT f.report_id, f.field, iif(s.seq IS NULL, f.value, s.value),"
    "    iif(s.seq IS NULL, f.version, s.version), iif(s.seq IS NULL, f.origin, s.origin),"
    "    r.report_id IS NOT NULL"
    "  FROM report_field f"
    "  LEFT JOIN review r ON r.report_id = f.report_id AND r.field = f.field"
    "  LEFT JOIN journal s ON s.seq = (SELECT j.seq FROM journal j"
    "    WHERE r.latest_version = f.version AND r.latest_origin = f.origin"
    "    AND j.report_id = r.report_id AND j.field = r.field"
    "    AND j.version = r.standing_version AND j.origin = r.standing_origin"
    "    ORDER BY j.seq LIMIT 1);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('review_cursor', 0);"
    "PRAGMA user_version = 4;",
    /* 5: people and places. Every change set names the person who made it (NULL: written
     * before authors existed), a coordinator's note, and for pulled changes the writing
     * device's name as the hub knows it. The village becomes its code in the official list
     * (node_village.c, the step below). */
    "ALTER TABLE journal ADD COLUMN author TEXT;"
    "ALTER TABLE journal ADD COLUMN note TEXT;"
    "ALTER TABLE journal ADD COLUMN device TEXT;"
    "PRAGMA user_version = 5;",
    /* 6: the district's review of a case travels as the review of the reserved field
     * "_review" (PROTOCOL.md section 6), kept while the case has issues: the district's
     * note and who wrote it. */
    "ALTER TABLE review ADD COLUMN note TEXT;"
    "ALTER TABLE review ADD COLUMN reviewer TEXT;"
    "PRAGMA user_version = 6;",
    /* 7: the post app's staff and their sessions (node_staff.c owns the tables). */
    "CREATE TABLE staff("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('head', 'staff')),"
    "  passphrase_hash TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE staff_session("
    "  token_hash BLOB PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL REFERENCES staff(name),"
    "  csrf TEXT NOT NULL,"
    "  created_s INTEGER NOT NULL,"
    "  seen_s INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX staff_session_by_name ON staff_session(name);"
    "PRAGMA user_version = 7;",
    /* 8: reports found by a field's value without reading every field of every report: a
     * case file lists the case's services, stays and referrals by their case_id
     * (report_list_of_case); the case list (case_search.c) finds cases by a status, a risk, a
     * period or a term. SQLite keeps the index with report_field itself, for own and pulled
     * changes alike. */
    "CREATE INDEX report_field_by_value ON report_field(field, value); PRAGMA user_version = 8;",
    /* 9: the shown values become a table kept current on write (journal.c, the one writer:
     * journal_refresh_shown after every change of a field's state, its review or its
     * journal), filled here from the view it replaces. Computed per read, the view made
     * Beranda's checks and the search scan it for every case (bench_post_app). The index of
     * values moves with it: the reads that find reports by a value (a case's events, the
     * case list, Beranda) now read shown values, so report_field needs none. */
    "CREATE TABLE field_shown_table("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  under_review INTEGER NOT NULL,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "INSERT INTO field_shown_table SELECT * FROM field_shown;"
    "DROP VIEW field_shown;"
    "ALTER TABLE field_shown_table RENAME TO field_shown;"
    "CREATE INDEX field_shown_by_value ON field_shown(field, value);"
    "DROP INDEX report_field_by_value;"
    "PRAGMA user_version = 9;",
    /* 10: the post's storage key (store/storage_key.c): each staff member's wrap of its
     * secret half (node_staff.c owns the column). The key pair itself is made by
     * storage_key_ensure when the journal is next opened: a migration step has no directory
     * to write the unclaimed secret into. */
    "ALTER TABLE staff ADD COLUMN key_wrap BLOB;"
    "PRAGMA user_version = 10;",
    /* 11: the hub's copy of unsent sensitive values (store/hub_copy.c), made for the changes
     * not yet acknowledged by the step when the post has a bundle. The journal stays
     * append-only in all it records: the trigger of migration 1 is narrowed to every column
     * but the copy, which is made and dropped in place. */
    "ALTER TABLE journal ADD COLUMN hub_sealed BLOB;"
    "DROP TRIGGER journal_no_update;"
    "CREATE TRIGGER journal_no_update BEFORE UPDATE OF seq, report_id, kind, field, value,"
    "  version, origin, base_version, base_origin, origin_seq, seen_cursor, restamp_of,"
    "  author, note, device ON journal"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "PRAGMA user_version = 11;",
    /* 12: sensitive values sealed to the storage key at rest (store/value_seal.c); the
     * plaintext already written is sealed in place by value_seal_settle at this open, once
     * the key pair exists, and the file scrubbed. */
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('values_sealed', 0);"
    "PRAGMA user_version = 12;",
    /* 13: a value is kept once (issue 14: the journal took 16 times a report's JSON on
     * disk). The state's value was its journal entry's (seq) word for word: dropped, read
     * there. A shown value that is sealed becomes a reference to its entry
     * (JOURNAL_ENTRY_REF): the sealed text was in the shown values and their index too.
     * The file gives the freed pages back by the scrub of value_seal_settle at this open
     * (stage 1: sealed, scrub owed; crash-safe, as for migration 12). */
    "ALTER TABLE report_field DROP COLUMN value;"
    "DELETE FROM field_shown;"
    /* Written out, not JOURNAL_SHOWN_SELECT: a migration must not change when the live query
     * does (its text before migration 16 changed the query's index). */
    "INSERT INTO field_shown SELECT f.report_id, f.field,"
    "  iif(s.seq IS NULL,"
    "      iif(substr(v.value, 1, 7) = 'sealed:', 'sealed:#' || v.seq, v.value),"
    "      iif(substr(s.value, 1, 7) = 'sealed:', 'sealed:#' || s.seq, s.value)),"
    "  iif(s.seq IS NULL, f.version, s.version), iif(s.seq IS NULL, f.origin, s.origin),"
    "  r.report_id IS NOT NULL"
    "  FROM report_field f CROSS JOIN journal v ON v.seq = f.seq"
    "  LEFT JOIN review r ON r.report_id = f.report_id AND r.field = f.field"
    "  LEFT JOIN journal s ON s.seq = (SELECT j.seq FROM journal j"
    "   WHERE r.latest_version = f.version AND r.latest_origin = f.origin"
    "   AND j.report_id = r.report_id AND j.field = r.field"
    "   AND j.version = r.standing_version AND j.origin = r.standing_origin"
    "   ORDER BY j.seq LIMIT 1);"
    "UPDATE meta SET value = 1 WHERE key = 'values_sealed' AND value = 2;"
    "PRAGMA user_version = 13;",
    /* 14: a change group's copies for the hub in one value box (store/hub_copy.c), once the
     * hub declared it reads them (wire schema 6). hub_box is the sealed box; hub_box_slot
     * says which of its values a journal entry's is. Both are dropped once the hub
     * acknowledges the entries, like hub_sealed. */
    "CREATE TABLE hub_box(id INTEGER PRIMARY KEY, sealed BLOB NOT NULL) STRICT;"
    "CREATE TABLE hub_box_slot(seq INTEGER PRIMARY KEY, box INTEGER NOT NULL,"
    "  slot INTEGER NOT NULL) STRICT;"
    "CREATE INDEX hub_box_slot_by_box ON hub_box_slot(box);"
    "PRAGMA user_version = 14;",
    /* 15: one row per field (issue 14: the state repeated each field's report id and name in
     * a table of its own, 942 B a report). The state moves into the shown values' row: its
     * entry (seq), and its version only where the shown one is another (a field under
     * review). report_field becomes a view of it; the rows are taken again from the journal,
     * the state and the reviews, as journal_refresh_shown takes them. The index of values
     * keeps the fields a query finds by value, and no others (a value of any other field was
     * indexed for nothing): the case list's filters and term (case_search.c), Beranda's
     * checks (attention.c), a case's events (case_events.c), a registration number and the
     * deleted (report_read.c). A query names its field as field = 'NAME' for SQLite to read
     * the index (a term implies the index's condition only so); a field added here needs a
     * migration of its own. The two tables' pages go back to the file by the scrub at this
     * open (stage 1, as for migration 13). */
    "CREATE TABLE field_shown_new("
    "  report_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  under_review INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  state_version INTEGER,"
    "  state_origin INTEGER,"
    "  PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    /* Written out, not JOURNAL_SHOWN_ROW_SELECT: a migration must not change when the live
     * query does (this is its text as of migration 15). */
    "INSERT INTO field_shown_new SELECT f.report_id, f.field,"
    "  iif(s.seq IS NULL,"
    "      iif(substr(v.value, 1, 7) = 'sealed:', 'sealed:#' || v.seq, v.value),"
    "      iif(substr(s.value, 1, 7) = 'sealed:', 'sealed:#' || s.seq, s.value)),"
    "  iif(s.seq IS NULL, f.version, s.version), iif(s.seq IS NULL, f.origin, s.origin),"
    "  r.report_id IS NOT NULL, f.seq, iif(s.seq IS NULL, NULL, f.version),"
    "  iif(s.seq IS NULL, NULL, f.origin)"
    "  FROM report_field f CROSS JOIN journal v ON v.seq = f.seq"
    "  LEFT JOIN review r ON r.report_id = f.report_id AND r.field = f.field"
    "  LEFT JOIN journal s ON s.seq = (SELECT j.seq FROM journal j"
    "   WHERE r.latest_version = f.version AND r.latest_origin = f.origin"
    "   AND j.report_id = r.report_id AND j.field = r.field"
    "   AND j.version = r.standing_version AND j.origin = r.standing_origin"
    "   ORDER BY j.seq LIMIT 1);"
    "DROP TABLE field_shown;"
    "DROP TABLE report_field;"
    "ALTER TABLE field_shown_new RENAME TO field_shown;"
    "CREATE INDEX field_shown_by_value ON field_shown(field, value) WHERE"
    "  field = '_deleted' OR field = 'status' OR field = 'risk_level'"
    "  OR field = 'intake_date' OR field = 'registration_number' OR field = 'victim_name'"
    "  OR field = 'narrative' OR field = 'case_id' OR field = 'service_date'"
    "  OR field = 'planned_end_date' OR field = 'referral_status';"
    "CREATE VIEW report_field(report_id, field, version, origin, seq) AS"
    "  SELECT report_id, field, coalesce(state_version, version),"
    "  coalesce(state_origin, origin), seq FROM field_shown;"
    "UPDATE meta SET value = 1 WHERE key = 'values_sealed' AND value = 2;"
    "PRAGMA user_version = 15;",
    /* 16: the index of a report's entries keeps the id's first 8 characters (issue 14: the
     * whole id and seq took 573 B a report, a seventh of the file). Readers name a report's
     * entries through JOURNAL_OF_REPORT, which compares the whole id after. The dropped
     * index's pages go back to the file by the scrub at this open (stage 1, as for
     * migration 13). */
    "DROP INDEX journal_by_report;"
    "CREATE INDEX journal_by_report_prefix ON journal(substr(report_id, 1, 8));"
    "UPDATE meta SET value = 1 WHERE key = 'values_sealed' AND value = 2;"
    "PRAGMA user_version = 16;",
};

/* Steps in C after a migration's SQL, by the same index (NULL: none). */
static const sae_db_migration_step steps[] = {NULL, NULL, NULL, NULL, node_village_migrate,
                                              NULL, NULL, NULL, NULL, NULL,
                                              hub_copy_seal_pending, NULL, NULL, NULL, NULL,
                                              NULL};

_Static_assert(sizeof migrations / sizeof migrations[0] == NODE_SCHEMA_VERSION,
               "one migration per schema version");
_Static_assert(sizeof steps / sizeof steps[0] == NODE_SCHEMA_VERSION,
               "one step (or NULL) per migration");

const struct sae_db_schema node_db_schema = {migrations, NODE_SCHEMA_VERSION, "sae-node", steps};

/* Reads the village; SAE_ENOTINIT when the journal exists but init never finished. */
int node_db_load_identity(sqlite3 *db, char **village, uint64_t *origin)
{
    int64_t id = 0;
    int rc = sae_db_meta_identity(db, NODE_META_VILLAGE, NODE_META_ORIGIN, village, &id);
    if (rc == 0)
        *origin = (uint64_t)id;
    return rc;
}

/* Survivors' data: refuse a directory or journal other users could read. */
static int check_permissions(const char *dir, const char *db_path, struct sae_message *why)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sae_message_set(why, "%s is not an initialised sae-node directory; run: sae-node -d %s "
                        "init --village NAME", dir, dir);
        return SAE_ENOTINIT;
    }
    if (st.st_mode & 077) {
        sae_message_set(why, "%s can be read by other users; run: chmod 700 %s", dir, dir);
        return SAE_EPERM;
    }
    if (stat(db_path, &st) != 0) {
        sae_message_set(why, "%s is not an initialised sae-node directory; run: sae-node -d %s "
                        "init --village NAME", dir, dir);
        return SAE_ENOTINIT;
    }
    if (st.st_mode & 077) {
        sae_message_set(why, "%s can be read by other users; run: chmod 600 %s", db_path, db_path);
        return SAE_EPERM;
    }
    return 0;
}

static void explain_open_failure(int rc, const char *dir, const char *db_path,
                                 struct sae_message *why)
{
    if (why && why->text[0] != '\0')
        return;
    switch (rc) {
    case SAE_ECORRUPT:
        sae_message_set(why, "the journal %s is damaged (not a valid database); restore it "
                        "from a backup", db_path);
        break;
    case SAE_EBUSY:
        sae_message_set(why, "the journal in %s is in use by another sae-node process; try "
                        "again when it has finished", dir);
        break;
    case SAE_ENOTINIT:
        sae_message_set(why, "%s is not an initialised sae-node directory; run: sae-node -d %s "
                        "init --village NAME", dir, dir);
        break;
    default:
        sae_message_set(why, "cannot open the journal %s: %s", db_path, sae_error_name(rc));
    }
}

static const char author_sql[] = "SELECT value FROM meta WHERE key = '" NODE_META_AUTHOR "'";

/* The device's default author, if one was set. */
static int load_author(struct node_store *store)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, author_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        rc = sae_db_column_is_text(stmt, 0) ? sae_db_column_dup(stmt, 0, &store->author) : 0;
    sae_db_reset(stmt);
    return rc;
}

int node_store_set_author(struct node_store *store, const char *author)
{
    char *copy = NULL;
    if (!author || sae_validate_name(author, SAE_LIMIT_PERSON_BYTES) != 0)
        return SAE_EINVAL;
    if (!(copy = strdup(author)))
        return SAE_ENOMEM;
    free(store->author);
    store->author = copy;
    return 0;
}

static int set_page_cache(sqlite3 *db)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", NODE_PAGE_CACHE_KIB);
    return sae_db_exec(db, sql);
}

int node_store_open(const char *dir, int busy_timeout_ms, struct node_store **out,
                    struct sae_message *why)
{
    struct node_store *store = calloc(1, sizeof *store);
    char *db_path = sae_path_join(dir, NODE_DB_FILE);
    int rc = store && db_path ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = check_permissions(dir, db_path, why);
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &store->db);
    /* `sae-node add` is a process per change set: its commit's one sync is what makes the
     * report durable; a checkpoint at every close would add two more and a directory sync. */
    if (rc == 0)
        rc = sae_db_keep_wal_on_close(store->db, NODE_WAL_CHECKPOINT_PAGES);
    /* What is deleted is overwritten: an old staff wrap, and later survivors' values
     * superseded or erased, must not stay readable in free pages. */
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA secure_delete = ON");
    if (rc == 0)
        rc = set_page_cache(store->db);
    /* The state's upsert and the shown values' refresh compare field_shown.field with a bound
     * parameter once per field of every change; the partial index field_shown_by_value
     * (migration 15) would have them planned again at each binding, doubling an add's work. */
    if (rc == 0)
        rc = sae_db_plan_once(store->db);
    if (rc == 0)
        rc = sae_db_migrate_schema(store->db, &node_db_schema, why);
    if (rc == 0)
        rc = node_db_load_identity(store->db, &store->village, &store->origin);
    if (rc == 0)
        rc = load_author(store);
    if (rc == 0 && !(store->dir = strdup(dir)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = storage_key_ensure(store);
    if (rc == 0)
        rc = storage_key_public(store, store->storage_public);
    if (rc == 0)
        rc = value_seal_register_sql(store);
    if (rc == 0)
        rc = value_seal_settle(store);
    if (rc == 0) {
        rc = sae_db_wal_scrub_settle(store->db);
        rc = rc == SAE_EBUSY ? 0 : rc; /* still owed: for the next close or open */
    }
    if (rc != 0) {
        explain_open_failure(rc, dir, db_path, why);
        node_store_close(store);
    } else {
        *out = store;
    }
    free(db_path);
    return rc;
}

/* No shared key outlives the values it sealed together. */
static void sealers_end(struct node_store *store)
{
    sae_sealer_free(store->storage_sealer);
    sae_sealer_free(store->hub_sealer);
    store->storage_sealer = store->hub_sealer = NULL;
}

void node_store_close(struct node_store *store)
{
    if (!store)
        return;
    sae_db_cache_clear(&store->statements);
    sealers_end(store);
    /* Nothing to report from a close: a scrub still owed stays recorded for the next open. */
    if (store->db)
        (void)sae_db_wal_scrub_settle(store->db);
    if (store->db && store->empty_wal_at_close)
        (void)sae_db_wal_truncate(store->db); /* a reader keeping it back: it stays sealed */
    sae_db_close(store->db);
    sae_secure_free(store->unclaimed_secret);
    opened_cache_destroy(store->opened);
    free(store->dir);
    free(store->village);
    free(store->author);
    free(store);
}

int node_store_forget_device_key(struct node_store *store)
{
    int rc = sae_file_remove_scrubbed(store->dir, NODE_KEY_FILE);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

void node_store_lend_secret(struct node_store *store, const unsigned char *secret)
{
    store->lent_secret = secret;
}

int node_store_keep_opened(struct node_store *store)
{
    return store->opened ? 0 : opened_cache_create(&store->opened);
}

void node_store_forget_opened(struct node_store *store)
{
    if (store->opened)
        opened_cache_clear(store->opened);
}

int node_store_reset_wal(struct node_store *store)
{
    return sae_db_wal_truncate(store->db);
}

int node_store_wal_scrub_owed(struct node_store *store, bool *out)
{
    return sae_db_wal_scrub_owed(store->db, out);
}

/* secure_delete zeroed what was freed; VACUUM then rewrites the file whole, so no page keeps
 * a value from before (an overflow page, a cell moved in a split). */
int node_store_scrub(struct node_store *store)
{
    int64_t secure = 0;
    int rc = sae_db_query_int(store->db, NULL, "PRAGMA secure_delete", NULL, 0, &secure);
    if (rc == 0 && secure != 1)
        rc = SAE_EDB; /* node_store_open turned it on: something else turned it off */
    if (rc == 0)
        rc = node_store_reset_wal(store);
    if (rc == 0)
        rc = sae_db_exec(store->db, "VACUUM");
    if (rc == 0)
        rc = node_store_reset_wal(store);
    store->empty_wal_at_close = true;
    return rc;
}

int node_store_begin(struct node_store *store) { return sae_db_begin(store->db); }
int node_store_sealer(struct node_store *store, bool to_hub,
                      const unsigned char public_key[32], const struct sae_sealer **out)
{
    struct sae_sealer **slot = to_hub ? &store->hub_sealer : &store->storage_sealer;
    if (*slot && !sae_sealer_is_for(*slot, public_key)) {
        sae_sealer_free(*slot);
        *slot = NULL;
    }
    int rc = *slot ? 0 : sae_sealer_new(public_key, slot);
    if (rc == 0)
        *out = *slot;
    return rc;
}

int node_store_commit(struct node_store *store)
{
    sealers_end(store);
    return sae_db_commit(store->db);
}

void node_store_rollback(struct node_store *store)
{
    sealers_end(store);
    sae_db_rollback(store->db);
}

static const char clock_sql[] =
    "SELECT max(coalesce((SELECT value FROM meta WHERE key = '" NODE_META_CLOCK "'), 0),"
    " coalesce((SELECT version FROM journal ORDER BY seq DESC LIMIT 1), 0)),"
    " coalesce((SELECT value FROM meta WHERE key = '" NODE_META_CLOCK_OFFSET_MS "'), 0)";
static const char set_clock_sql[] =
    "UPDATE meta SET value = ?1 WHERE key = '" NODE_META_CLOCK "'";

/* The stored clock (the newest version issued) and the measured offset (hub minus ours). */
static int read_clock(struct node_store *store, int64_t *clock, int64_t *offset_ms)
{
    sqlite3_stmt *read = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, clock_sql, &read);
    if (rc == 0)
        rc = sae_db_step(read);
    if (rc == 0)
        rc = SAE_EDB; /* the query always returns a row */
    if (rc == SAE_DB_ROW) {
        *clock = sqlite3_column_int64(read, 0);
        *offset_ms = sqlite3_column_int64(read, 1);
        rc = 0;
    }
    sae_db_reset(read);
    return rc;
}

uint64_t node_store_corrected_ms(int64_t offset_ms)
{
    int64_t wall = (int64_t)sae_wall_clock_ms();
    if (offset_ms > NODE_CLOCK_TOLERANCE_MS || offset_ms < -NODE_CLOCK_TOLERANCE_MS)
        wall += offset_ms;
    return wall > 0 ? (uint64_t)wall : 0;
}

int node_store_next_version(struct node_store *store, sae_hlc *out)
{
    int64_t last = 0, offset_ms = 0;
    sae_hlc next;
    /* Never issue a version below the newest one written: were the stored clock ever behind
     * (a file restored by hand), last-writer-wins would silently drop the new change. */
    int rc = read_clock(store, &last, &offset_ms);
    if (rc == 0 && last < 0)
        rc = SAE_ECORRUPT;
    /* The hub's clock as measured at the last sync, when ours is known to be off. */
    if (rc == 0)
        rc = sae_hlc_tick((sae_hlc)last, node_store_corrected_ms(offset_ms), &next);
    if (rc == 0) {
        const int64_t value = (int64_t)next;
        rc = sae_db_run(store->db, &store->statements, set_clock_sql, &value, 1);
    }
    if (rc == 0)
        *out = next;
    return rc;
}

int node_store_default_dir(char **out)
{
    return sae_cli_default_dir("SAE_NODE_DIR", "sae-node", out);
}
