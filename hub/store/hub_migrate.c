/* hub.db's schema: its numbered migrations (hub_migrate.h). */
#include "store/hub_migrate.h"

#include "store/hub_areas.h"
#include "store/hub_store.h"

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
    "CREATE TABLE account("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('operator', 'coordinator', 'admin', 'partner')),"
    "  agency TEXT,"
    "  password_hash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  conduct_ms INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE session("
    "  token_hash BLOB PRIMARY KEY NOT NULL,"
    "  account TEXT NOT NULL REFERENCES account(name),"
    "  csrf TEXT NOT NULL,"
    "  created_s INTEGER NOT NULL,"
    "  seen_s INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX session_by_account ON session(account);"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  address TEXT NOT NULL) STRICT;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit rows are never changed'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;"
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
    "INSERT INTO report_summary SELECT r.id, r.kind,"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = CASE r.kind WHEN 'case' THEN 'intake_date'"
    " WHEN 'service' THEN 'service_date' WHEN 'referral' THEN 'referral_date'"
    " ELSE 'admission_date' END),"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = CASE r.kind WHEN 'referral'"
    " THEN 'referral_status' ELSE 'status' END),"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = 'risk_level'),"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = 'registration_number'),"
    " coalesce((SELECT ',' || group_concat(substr(s.field, 16), ',') || ',' FROM field_state"
    " s JOIN change c ON c.seq = s.change WHERE s.report_id = r.id AND s.field >"
    " 'violence_types/' AND s.field < 'violence_types0' AND c.value IS NOT NULL),"
    " ',' || (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = 'violence_type') || ','),"
    " coalesce((SELECT max(c.version) FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id), 0),"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = '_deleted') IS NOT NULL,"
    " (SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = r.id AND s.field = 'case_id')"
    " FROM report r;"
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
    "CREATE TABLE node_report("
    "  node INTEGER PRIMARY KEY,"
    "  pending INTEGER NOT NULL,"
    "  reported_ms INTEGER NOT NULL,"
    "  program TEXT NOT NULL) STRICT;"
    "ALTER TABLE enroll_token ADD COLUMN bundle_id TEXT;"
    "ALTER TABLE enroll_token ADD COLUMN device_index INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE enroll_token ADD COLUMN downloaded_ms INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX enroll_token_bundle ON enroll_token(bundle_id)"
    "  WHERE bundle_id IS NOT NULL;"
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
    /* 11: sensitive values kept only sealed (store/sealed_values.h): the copies to the
     * district key and to each device's storage key, and the grants a device is owed. */
    ("CREATE TABLE sealed_value("
     "  change INTEGER NOT NULL,"  /* change.seq */
     "  holder INTEGER NOT NULL,"  /* 0: the district key; else node.id */
     "  sealed BLOB NOT NULL,"     /* sae_sealed bytes, to the holder's key */
     "  PRIMARY KEY(change, holder)) STRICT, WITHOUT ROWID;"
     "CREATE INDEX sealed_value_by_holder ON sealed_value(holder, change);"
     "CREATE TABLE value_grant("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT," /* the grant cursor's order */
     "  node INTEGER NOT NULL,"
     "  change INTEGER NOT NULL,"
     "  granted_by TEXT NOT NULL,"
     "  granted_ms INTEGER NOT NULL,"
     "  UNIQUE(node, change)) STRICT;"
     "CREATE INDEX value_grant_by_node ON value_grant(node, seq);"
     "PRAGMA user_version = 11;"),
    /* 12: the coordinators' blind index of names (store/name_index.h). */
    ("CREATE TABLE name_index("
     "  token BLOB NOT NULL,"    /* keyed BLAKE2b of one prefix of one word of a name */
     "  report_id TEXT NOT NULL,"
     "  PRIMARY KEY(token, report_id)) STRICT, WITHOUT ROWID;"
     "CREATE INDEX name_index_by_report ON name_index(report_id);"
     "INSERT INTO meta(key, value) VALUES ('name_index_cursor', 0);"
     "PRAGMA user_version = 12;"),
    /* 13: the reports erased at the hub, in the order posts will be told (store/erasure.h). */
    ("CREATE TABLE erased_report("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT," /* the order posts will be told in */
     "  report_id TEXT NOT NULL,"
     "  erased_by TEXT NOT NULL,"
     "  erased_ms INTEGER NOT NULL) STRICT;"
     "CREATE INDEX erased_report_by_report ON erased_report(report_id, seq);"
     "PRAGMA user_version = 13;"),
    /* 14: the duplicates' name hashes made at ingest (store/dup_pairs.h): each victim_name
     * change's (change.seq) keyed hash, made while the plain name is in memory; and the mark
     * value_vault_settle reads: the plaintext sensitive values of a hub from before are
     * sealed at its next open, once the district key exists (SQL cannot seal). Written out,
     * as it shipped, as is every migration (hub_migrate.h). */
    ("CREATE TABLE dup_change_name("
     "  change INTEGER PRIMARY KEY,"
     "  name_hash BLOB NOT NULL) STRICT;"
     "INSERT OR REPLACE INTO meta(key, value) VALUES ('values_sealed', 0);"
     "PRAGMA user_version = 14;"),
    /* 15: partner agencies' key pairs (store/agency_key.h); their copies of values are
     * sealed_value rows of negative holders (store/agency_copies.h). */
    ("CREATE TABLE agency_key("
     "  id INTEGER PRIMARY KEY,"       /* the agency's holder is -id (agency_key_holder) */
     "  agency TEXT NOT NULL UNIQUE,"  /* a referred_to code */
     "  public_key BLOB NOT NULL,"
     "  district_seal BLOB NOT NULL,"  /* the secret sealed to the district key */
     "  created_ms INTEGER NOT NULL) STRICT;"
     "CREATE INDEX change_by_case_id ON change(value) WHERE field = 'case_id';"
     "PRAGMA user_version = 15;"),
    /* 16: each erasure's change mark (store/erasure.h), which orders a pull's changes around
     * it. */
    ("ALTER TABLE erased_report ADD COLUMN change_mark INTEGER NOT NULL DEFAULT 0;"
     "UPDATE erased_report SET change_mark = max(coalesce((SELECT max(seq) FROM change), 0),"
     " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change'), 0));"
     "PRAGMA user_version = 16;"),
    /* 17: each report's number local to hub.db (report.no, in the order reports were first
     * stored), so the merge's B-trees are keyed by a small growing integer instead of the
     * 36-character random id: field_winner (field_state's rows; field_state stays, a view
     * naming reports by id for readers) and change_by_field. The id stays the report's name
     * everywhere else: on the wire, on pages, in conflict, review and the summaries. change
     * keeps its rows, its seq and AUTOINCREMENT's sequence: only its never-update trigger is
     * lifted for the number to be written, and put back. */
    ("ALTER TABLE report RENAME TO report_before_17;"
     "CREATE TABLE report("
     "  no INTEGER PRIMARY KEY,"
     "  id TEXT NOT NULL UNIQUE,"
     "  kind TEXT NOT NULL,"
     "  village TEXT NOT NULL,"
     "  first_change INTEGER NOT NULL) STRICT;"
     "INSERT INTO report(id, kind, village, first_change)"
     " SELECT id, kind, village, first_change FROM report_before_17 ORDER BY first_change, id;"
     "DROP TABLE report_before_17;"
     "CREATE INDEX report_by_village ON report(village, first_change);"
     "CREATE INDEX report_by_kind_village ON report(kind, village);"
     "DROP INDEX change_by_field;"
     "DROP TRIGGER change_no_update;"
     "ALTER TABLE change ADD COLUMN report_no INTEGER NOT NULL DEFAULT 0;"
     "UPDATE change SET report_no = (SELECT no FROM report WHERE id = change.report_id);"
     "CREATE TRIGGER change_no_update BEFORE UPDATE ON change"
     "  BEGIN SELECT RAISE(ABORT, 'changes are never changed'); END;"
     "CREATE INDEX change_by_field ON change(report_no, field);"
     "CREATE TABLE field_winner("
     "  report_no INTEGER NOT NULL,"
     "  field TEXT NOT NULL,"
     "  change INTEGER NOT NULL,"
     "  heads INTEGER NOT NULL,"
     "  PRIMARY KEY(report_no, field)) STRICT, WITHOUT ROWID;"
     "INSERT INTO field_winner(report_no, field, change, heads)"
     " SELECT r.no, s.field, s.change, s.heads FROM field_state s"
     " JOIN report r ON r.id = s.report_id"
     " ORDER BY 1, 2;"
     "DROP TABLE field_state;"
     "CREATE VIEW field_state(report_id, field, change, heads) AS"
     " SELECT r.id, w.field, w.change, w.heads FROM field_winner w"
     " JOIN report r ON r.no = w.report_no;"
     "PRAGMA user_version = 17;"),
};

/* Steps in C after a migration's SQL, by the same index (NULL: none). */
static const sae_db_migration_step steps[] = {NULL, NULL, NULL, hub_areas_migrate, NULL, NULL, NULL,
                                               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                               NULL, NULL};

_Static_assert(sizeof migrations / sizeof migrations[0] == HUB_SCHEMA_VERSION,
               "one migration per schema version");
_Static_assert(sizeof steps / sizeof steps[0] == HUB_SCHEMA_VERSION,
               "one step (or NULL) per migration");

const struct sae_db_schema hub_migrate_schema = {migrations, HUB_SCHEMA_VERSION, "sae-hub",
                                                   steps};

