/* The journal's numbered schema migrations (node_schema.h). */
#include "store/node_schema.h"

#include "store/hub_copy.h"
#include "store/node_store.h"
#include "store/node_village.h"

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
    /* 17: a report's local number (issue 14: the 36-character id was in every row of the
     * journal, the shown values and their indexes, about 1.0 KB of a report's 3.4 KB). report
     * becomes a rowid table whose INTEGER PRIMARY KEY is the number, given in the order the
     * reports came (first_seq), the id kept once (UNIQUE); the journal's entries
     * (journal_entry) and the shown values (field_shown_row) name the report by it. The
     * views journal and field_shown give the id back to readers under the old names and
     * columns; writers write the tables. Every entry keeps its seq, and the journal's
     * AUTOINCREMENT sequence is carried over: no seq is ever given twice. A row naming a
     * report the table lacks stops the migration (NOT NULL): nothing is dropped unseen. The
     * review log stays keyed by id: it holds only open reviews, and may name a report before
     * its changes come. The old tables' pages go back to the file by the scrub at this open
     * (stage 1, as for migration 13). */
    "DROP VIEW report_field;"
    "DROP TRIGGER journal_no_update;"
    "DROP TRIGGER journal_no_delete;"
    "ALTER TABLE report RENAME TO report_old;"
    "ALTER TABLE journal RENAME TO journal_old;"
    "ALTER TABLE field_shown RENAME TO field_shown_old;"
    "CREATE TABLE report("
    "  num INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL,"
    "  first_seq INTEGER NOT NULL) STRICT;"
    "INSERT INTO report(id, kind, first_seq)"
    "  SELECT id, kind, first_seq FROM report_old ORDER BY first_seq;"
    "CREATE TABLE journal_entry("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  report_num INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL,"
    "  base_origin INTEGER NOT NULL,"
    "  origin_seq INTEGER,"
    "  seen_cursor INTEGER NOT NULL DEFAULT 0,"
    "  restamp_of INTEGER,"
    "  author TEXT,"
    "  note TEXT,"
    "  device TEXT,"
    "  hub_sealed BLOB) STRICT;"
    "INSERT INTO journal_entry SELECT j.seq, (SELECT r.num FROM report r WHERE r.id = j.report_id),"
    "  j.kind, j.field, j.value, j.version, j.origin, j.base_version, j.base_origin,"
    "  j.origin_seq, j.seen_cursor, j.restamp_of, j.author, j.note, j.device, j.hub_sealed"
    "  FROM journal_old j ORDER BY j.seq;"
    "UPDATE sqlite_sequence SET seq = (SELECT o.seq FROM sqlite_sequence o"
    "  WHERE o.name = 'journal_old') WHERE name = 'journal_entry';"
    "CREATE TABLE field_shown_row("
    "  report_num INTEGER NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  version INTEGER NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  under_review INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  state_version INTEGER,"
    "  state_origin INTEGER,"
    "  PRIMARY KEY(report_num, field)) STRICT, WITHOUT ROWID;"
    "INSERT INTO field_shown_row SELECT (SELECT r.num FROM report r WHERE r.id = f.report_id),"
    "  f.field, f.value, f.version, f.origin, f.under_review, f.seq, f.state_version,"
    "  f.state_origin FROM field_shown_old f;"
    "DROP TABLE field_shown_old;"
    "DROP TABLE journal_old;"
    "DROP TABLE report_old;"
    "CREATE INDEX report_by_kind ON report(kind, first_seq);"
    "CREATE INDEX report_by_seq ON report(first_seq);"
    "CREATE INDEX journal_by_report ON journal_entry(report_num);"
    "CREATE UNIQUE INDEX journal_by_origin ON journal_entry(origin, origin_seq)"
    "  WHERE origin_seq IS NOT NULL;"
    "CREATE UNIQUE INDEX journal_restamps ON journal_entry(restamp_of)"
    "  WHERE restamp_of IS NOT NULL;"
    "CREATE TRIGGER journal_no_update BEFORE UPDATE OF seq, report_num, kind, field, value,"
    "  version, origin, base_version, base_origin, origin_seq, seen_cursor, restamp_of,"
    "  author, note, device ON journal_entry"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal_entry"
    "  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE INDEX field_shown_by_value ON field_shown_row(field, value) WHERE"
    "  field = '_deleted' OR field = 'status' OR field = 'risk_level'"
    "  OR field = 'intake_date' OR field = 'registration_number' OR field = 'victim_name'"
    "  OR field = 'narrative' OR field = 'case_id' OR field = 'service_date'"
    "  OR field = 'planned_end_date' OR field = 'referral_status';"
    /* LEFT JOIN: a row whose report is missing still reads, with a NULL id, which check
     * counts. The view looks the report up for every row it gives, even where no id is read
     * (SQLite 3.40 keeps the join): readers that need no id read the tables. */
    "CREATE VIEW journal AS SELECT j.seq, r.id AS report_id, j.kind, j.field, j.value,"
    "  j.version, j.origin, j.base_version, j.base_origin, j.origin_seq, j.seen_cursor,"
    "  j.restamp_of, j.author, j.note, j.device, j.hub_sealed"
    "  FROM journal_entry j LEFT JOIN report r ON r.num = j.report_num;"
    "CREATE VIEW field_shown AS SELECT r.id AS report_id, f.field, f.value, f.version,"
    "  f.origin, f.under_review, f.seq, f.state_version, f.state_origin"
    "  FROM field_shown_row f LEFT JOIN report r ON r.num = f.report_num;"
    "CREATE VIEW report_field(report_id, field, version, origin, seq) AS"
    "  SELECT report_id, field, coalesce(state_version, version),"
    "  coalesce(state_origin, origin), seq FROM field_shown;"
    "UPDATE meta SET value = 1 WHERE key = 'values_sealed' AND value = 2;"
    "PRAGMA user_version = 17;",
};

/* Steps in C after a migration's SQL, by the same index (NULL: none). */
static const sae_db_migration_step steps[] = {NULL, NULL, NULL, NULL, node_village_migrate,
                                              NULL, NULL, NULL, NULL, NULL,
                                              hub_copy_seal_pending, NULL, NULL, NULL, NULL,
                                              NULL, NULL};

_Static_assert(sizeof migrations / sizeof migrations[0] == NODE_SCHEMA_VERSION,
               "one migration per schema version");
_Static_assert(sizeof steps / sizeof steps[0] == NODE_SCHEMA_VERSION,
               "one step (or NULL) per migration");

const struct sae_db_schema node_db_schema = {migrations, NODE_SCHEMA_VERSION, "sae-node", steps};
