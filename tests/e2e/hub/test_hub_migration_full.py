"""A populated hub.db of schema 16 (fixtures/hub-schema-16-full, made by the sae-hub of its
day through real posts with fixtures/make_hub_schema_16_full.py: cases, a service, a referral,
conflicts open, resolved and settled, a district edit, reviews, a deleted case, summaries)
migrated in place by this sae-hub (migration 17: each report's number local to hub.db)
answers as it did: the command line's reads, the console's API and pages, and what a new post
pulls and shows are those the old sae-hub gave (answers.json). The change rows, their seqs
and AUTOINCREMENT's sequence are kept; every change and winner carries its report's number,
given in the order the reports were first stored; and the schema is a new hub's, word for
word."""
import difflib
import json
import os
import shutil
import sqlite3

import hubproc
import migration_answers
from test_hub_migration_schema import schema_of

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures",
                       "hub-schema-16-full")
COORDINATOR = "Bu Ani"
# The change table's columns before migration 17.
CHANGE_COLUMNS = ("seq, report_id, kind, village, field, value, version, origin, base_version,"
                  " base_origin, node_seq, seen_cursor, received_ms, author, held, note")


def copied_fixture(tmp_path):
    directory = tmp_path / "hub"
    shutil.copytree(FIXTURE, directory, ignore=shutil.ignore_patterns("*.json", "*.txt", "*.md"))
    os.chmod(directory, 0o700)
    for name in os.listdir(directory):
        os.chmod(directory / name, 0o600)
    hub = hubproc.Hub(directory)
    hub.passwords = {COORDINATOR: hubproc.STAFF_PASSWORD}
    return hub


def print_difference(expected, got):
    """Where two answers part, line by line (a page's elements one a line)."""
    if expected != got:
        lines = [json.dumps(a, indent=1).replace("><", ">\n<").splitlines()
                 for a in (expected, got)]
        print("\n".join(difflib.unified_diff(*lines, lineterm="")))


def rows(hub, sql):
    with sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True) as db:
        return db.execute(sql).fetchall()


def test_a_populated_hub_answers_the_same_once_migrated(tmp_path):
    hub = copied_fixture(tmp_path)
    reports = open(os.path.join(FIXTURE, "reports.txt")).read().split()
    expected = migration_answers.timeless(json.load(open(os.path.join(FIXTURE, "answers.json"))))
    assert rows(hub, "PRAGMA user_version") == [(16,)]
    changes = rows(hub, "SELECT %s FROM change ORDER BY seq" % CHANGE_COLUMNS)
    sequence = rows(hub, "SELECT * FROM sqlite_sequence ORDER BY name")
    first_stored = [r for r, in rows(hub, "SELECT id FROM report ORDER BY first_change, id")]
    winners = rows(hub, "SELECT * FROM field_state ORDER BY report_id, field")
    summaries = rows(hub, "SELECT * FROM report_summary ORDER BY report_id")
    got = migration_answers.answers(hub, tmp_path / "reader", reports, COORDINATOR)
    assert rows(hub, "PRAGMA user_version") == [(hubproc.HUB_SCHEMA_VERSION,)]
    for part in ("cli", "console", "pulled"):
        for key in expected[part]:
            print_difference(expected[part][key], got[part][key])
            assert got[part][key] == expected[part][key], (part, key)
    # The reader post enrolled and pulled: one node and its changes more, nothing else.
    assert rows(hub, "SELECT %s FROM change WHERE seq <= %d ORDER BY seq" % (
        CHANGE_COLUMNS, changes[-1][0])) == changes
    assert rows(hub, "SELECT * FROM sqlite_sequence WHERE name <> 'audit' ORDER BY name") == \
        [s for s in sequence if s[0] != "audit"]
    assert [r for r, in rows(hub, "SELECT id FROM report ORDER BY no")] == first_stored
    assert rows(hub, "SELECT count(*) FROM change c JOIN report r ON r.no = c.report_no"
                     " WHERE r.id = c.report_id") == [(len(changes),)]
    assert rows(hub, "SELECT * FROM field_state ORDER BY report_id, field") == winners
    assert rows(hub, "SELECT * FROM report_summary ORDER BY report_id") == summaries
    with sqlite3.connect(hub.db_path) as db:
        try:
            db.execute("UPDATE change SET report_no = 0")
            raise AssertionError("the change table took an UPDATE")
        except sqlite3.IntegrityError as e:
            assert "changes are never changed" in str(e)
    # Sealed at rest still: the coordinator read the name above, no file holds it.
    assert "Siti Penanda" in json.dumps(got["cli"]["reports show"])
    for name in os.listdir(hub.dir):
        assert b"Penanda" not in open(os.path.join(hub.dir, name), "rb").read(), name
    assert schema_of(hub) == schema_of(hubproc.Hub(tmp_path / "fresh").init())
