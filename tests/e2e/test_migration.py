"""A journal written by an older sae-node is migrated in place when opened: nothing lost,
check passes, and the new schema is recorded; its village becomes a code of the official
list where its name matches one village. The fixture was written by sae-node at schema 1
(tests/e2e/fixtures/node-schema-1)."""
import json
import os
import shutil
import sqlite3
import subprocess

import saenode
from saenode import ok

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-1")


def copy_fixture(tmp_path):
    post = tmp_path / "post"
    post.mkdir(mode=0o700)
    for name in ("node.db", "node.key"):
        shutil.copy(os.path.join(FIXTURE, name), post / name)
        os.chmod(post / name, 0o600)
    os.chmod(post, 0o700)
    return str(post)


def schema_version(post):
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_schema_1_journal_is_migrated_and_keeps_everything(tmp_path):
    post = copy_fixture(tmp_path)
    case_id = open(os.path.join(FIXTURE, "case-id.txt")).read().strip()
    assert schema_version(post) == 1
    shown = saenode.show_json(post, case_id)
    assert schema_version(post) == saenode.NODE_SCHEMA_VERSION
    assert shown["fields"]["status"] == "active"
    assert shown["fields"]["victim_name"] == "Siti Contoh"
    assert len(saenode.list_json(post)) == 2
    assert "journal ok" in ok(["check"], dir=post).text
    history = ok(["history", case_id, "--json"], dir=post).json()
    assert [e["field"] for e in history][-1] == "status"
    # Changes from before authors existed name nobody; the history says so plainly.
    assert {(e["author"], e["by"].split(",")[0]) for e in history} == {(None, "unknown")}
    # New writes work on the migrated journal once someone is named, and pending counts
    # both old and new changes.
    before = ok(["status", "--json"], dir=post).json()["pending"]
    ok(["--by", "Siti", "edit", case_id, "--set", "risk_level=high"], dir=post)
    assert ok(["status", "--json"], dir=post).json()["pending"] == before + 1
    assert ok(["history", case_id, "--json"], dir=post).json()[-1]["author"] == "Siti"


def test_village_name_not_in_the_list_is_kept_flagged_until_fixed(tmp_path):
    """The fixture's village, "Desa Sumberasri", is no village of the official list: the
    migration keeps it, status flags it with the command that fixes it, and that command
    (once, while it is flagged) gives the post its code."""
    post = copy_fixture(tmp_path)
    status = ok(["status", "--json"], dir=post).json()
    assert (status["village"], status["village_name"], status["village_listed"]) == \
        ("Desa Sumberasri", None, False)
    assert "not in the list of areas; fix it with: sae-node config village" in \
        ok(["status"], dir=post).text
    saenode.assert_usage_error(saenode.run(["config", "village", "Sumberasri"], dir=post),
                               "nearest")
    ok(["config", "village", "sumberanyar, paiton"], dir=post)
    status = ok(["status", "--json"], dir=post).json()
    assert (status["village"], status["village_name"]) == ("35.13.12.2018",
                                                          "Sumberanyar (Paiton)")
    saenode.assert_usage_error(saenode.run(["config", "village", "Kalibuntu"], dir=post),
                               "never moves")


def test_village_name_that_matches_one_village_becomes_its_code(tmp_path):
    """A journal whose village was typed as a name of the list (any case, "desa" before
    it) is given that village's code by the migration."""
    post = copy_fixture(tmp_path)
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        db.execute("UPDATE meta SET value = ' desa  SUMBERANYAR' WHERE key = 'village'")
    status = ok(["status", "--json"], dir=post).json()
    assert (status["village"], status["village_listed"]) == ("35.13.12.2018", True)
    assert schema_version(post) == saenode.NODE_SCHEMA_VERSION


OLD = os.path.join(os.path.dirname(__file__), "fixtures", "catalogue-1")


def private_copy(src, dst, names):
    os.makedirs(dst, mode=0o700)
    for name in names:
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
        os.chmod(os.path.join(dst, name), 0o600)
    os.chmod(dst, 0o700)
    return dst


def journal_rows(post, field):
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        return db.execute("SELECT value FROM journal WHERE field = ?", (field,)).fetchall()


def test_catalogue_1_case_keeps_its_type_and_edits_write_the_set(tmp_path):
    """A case recorded before sets (one violence_type, a disability flag) shows its type
    through the set; an edit of the set records the elements, the old one included, and
    rewrites nothing."""
    post = private_copy(os.path.join(OLD, "node"), str(tmp_path / "post"),
                        ["node.db", "node.key"])
    case_id = open(os.path.join(OLD, "case-id.txt")).read().strip()
    fields = saenode.show_json(post, case_id)["fields"]
    assert fields["violence_types"] == ["sexual"]
    assert "violence_type" not in fields and fields["victim_disability"] is True
    assert "registration_number" not in fields  # old cases keep their id only
    assert "sexual (Seksual)" in ok(["show", case_id], dir=post).text
    assert schema_version(post) == saenode.NODE_SCHEMA_VERSION
    ok(["config", "author", "Siti"], dir=post)  # changes from catalogue 1 named nobody
    ok(["edit", case_id, "--add", "violence_types=fisik"], dir=post)
    assert saenode.show_json(post, case_id)["fields"]["violence_types"] == ["physical", "sexual"]
    assert journal_rows(post, "violence_type") == [("sexual",)]  # never rewritten
    assert sorted(journal_rows(post, "violence_types/sexual") +
                  journal_rows(post, "violence_types/physical")) == [("1",), ("1",)]
    assert "journal ok" in ok(["check"], dir=post).text
    # A new case on the old journal gets the first number of this post's sequence.
    new = saenode.add_case(post)
    assert saenode.show_json(post, new)["fields"]["registration_number"] == \
        "3513122018-2026-0001"


def test_catalogue_1_hub_shows_old_cases_through_the_set(tmp_path):
    hub_dir = private_copy(os.path.join(OLD, "hub"), str(tmp_path / "hub"), ["hub.db"])
    case_id = open(os.path.join(OLD, "case-id.txt")).read().strip()
    hub = os.environ["SAE_HUB_BIN"]
    shown = subprocess.run([hub, "-d", hub_dir, "reports", "show", case_id, "--json"],
                           capture_output=True, check=True)
    fields = json.loads(shown.stdout)["fields"]
    assert fields["violence_types"] == ["sexual"] and fields["status"] == "active"
    stats = json.loads(subprocess.run([hub, "-d", hub_dir, "stats", "--json"],
                                      capture_output=True, check=True).stdout)
    assert stats["violence_type"]["sexual"] == 1
    # --by names an account of the hub (sae-hub users).
    subprocess.run([hub, "-d", hub_dir, "users", "add", "Bu Sari", "--role", "coordinator"],
                   capture_output=True, check=True)
    edited = subprocess.run([hub, "-d", hub_dir, "reports", "edit", case_id, "--add",
                             "violence_types=physical", "--by", "Bu Sari"], capture_output=True)
    assert edited.returncode == 0, edited
    shown = subprocess.run([hub, "-d", hub_dir, "reports", "show", case_id, "--json"],
                           capture_output=True, check=True)
    assert json.loads(shown.stdout)["fields"]["violence_types"] == ["physical", "sexual"]


SCHEMA_8 = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-8")
SHOWN_COLUMNS = "report_id, field, value, version, origin, under_review"


def test_schema_8_shown_values_become_a_table_equal_to_the_view(tmp_path):
    """Migration 9 turns the view of shown values into a table, filled in place from the
    view: every (report, field) keeps what the post showed, a field under the district's
    review included (added here as a pull stores one: the risk first raised stands while
    the district reviews the post's later edits)."""
    post = private_copy(SCHEMA_8, str(tmp_path / "post"), ["node.db", "node.key"])
    case_id = open(os.path.join(SCHEMA_8, "case-id.txt")).read().strip()
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8
        risks = db.execute("SELECT value, version, origin FROM journal WHERE report_id = ?"
                           " AND field = 'risk_level' ORDER BY seq", (case_id,)).fetchall()
        assert [r[0] for r in risks] == ["high", "medium", "high"]
        db.execute("INSERT INTO review(report_id, field, standing_version, standing_origin,"
                   " latest_version, latest_origin) VALUES (?, 'risk_level', ?, ?, ?, ?)",
                   (case_id, risks[1][1], risks[1][2], risks[2][1], risks[2][2]))
        before = sorted(db.execute("SELECT %s FROM field_shown" % SHOWN_COLUMNS).fetchall())
    assert ("medium", 1) in [(r[2], r[5]) for r in before if r[:2] == (case_id, "risk_level")]
    shown = saenode.show_json(post, case_id)
    assert shown["fields"]["risk_level"] == "medium"
    assert shown["fields"]["victim_name"] == "Siti Rahma Contoh"
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        kinds = dict(db.execute("SELECT name, type FROM sqlite_schema WHERE name IN"
                                " ('field_shown', 'field_shown_row', 'field_shown_by_value',"
                                " 'report_field_by_value')").fetchall())
        after = sorted(db.execute("SELECT %s FROM field_shown" % SHOWN_COLUMNS).fetchall())
    # A table since migration 9; named field_shown_row since 17, whose view keeps the name.
    assert kinds == {"field_shown": "view", "field_shown_row": "table",
                     "field_shown_by_value": "index"}
    # Migration 12 then seals the sensitive values in place (each seal differs).
    sensitive = {f for fields in saenode.sensitive_fields().values() for f in fields}
    assert all(r[2].startswith("sealed:") for r in after if r[1] in sensitive and r[2])
    assert any(r[1] in sensitive and r[2] for r in after)
    def unsealed(rows):
        return [r[:2] + ("(sealed)" if r[1] in sensitive and r[2] else r[2],) + r[3:]
                for r in rows]
    assert unsealed(after) == unsealed(before) and len(after) == 36 - 3  # 36 changes, three re-writes
    assert "journal ok" in ok(["check"], dir=post).text
    # Writes keep it current: an edit of the reviewed risk shows at once, still marked.
    ok(["--by", "Siti", "edit", case_id, "--set", "risk_level=low"], dir=post)
    assert saenode.show_json(post, case_id)["fields"]["risk_level"] == "low"
    deleted = [r for r in saenode.list_json(post, "--deleted") if r.get("deleted")]
    assert len(deleted) == 1


SCHEMA_12 = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-12")


def assert_marker_in_no_file(post):
    """Nothing in the post's files but sealed text: the fixture's marker in no file."""
    for name in os.listdir(post):
        with open(os.path.join(post, name), "rb") as f:
            data = f.read()
        assert b"Penanda" not in data and b"penanda" not in data, name


def add_case_checked(post):
    """A case added after the migration is stored and shown like the old ones: its id."""
    new_id = ok(["--by", "Siti", "add", "kasus", "--set", "intake_date=2026-12-01",
                 "--set", "violence_types=fisik", "--set", "victim_sex=perempuan",
                 "--set", "victim_age=41"], dir=post).text.strip()
    assert saenode.show_json(post, new_id)["fields"]["victim_age"] == 41
    return new_id


def shown_opened(post):
    """{(report, field): (value opened, version, origin)} as the post's readers take them."""
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        rows = db.execute(saenode.SHOWN_ROWS_SQL).fetchall()
    return {(r, f): (saenode.open_stored(post, v), ver, o) for r, f, v, ver, o in rows}


def pages_of_data(db):
    """The file's pages but the schema's text and migration 14's tables (dbstat)."""
    return db.execute("SELECT count(*) FROM dbstat WHERE name <> 'sqlite_schema' AND"
                      " name NOT LIKE 'hub_box%'").fetchone()[0]


def assert_fixture_case_shown(post, case_id):
    """What the post shows of the fixture's case once put_under_review has reviewed its risk
    and name: the standing versions, both fields marked, the story word for word."""
    shown = saenode.show_json(post, case_id)
    assert shown["fields"]["victim_name"] == "Siti Rahma Penanda"  # the standing version
    assert shown["fields"]["risk_level"] == "medium"
    assert sorted(shown["under_review"]) == ["risk_level", "victim_name"]
    assert shown["fields"]["narrative"] == "Kronologi penanda: korban datang bersama ibunya."

def put_under_review(db, case_id, fields):
    """The district reviews each field: its next-to-last version stands, its last is the
    post's latest (as a pulled review leaves a field the post changed since)."""
    for field in fields:
        seen = db.execute("SELECT version, origin FROM journal WHERE report_id = ? AND"
                          " field = ? ORDER BY seq", (case_id, field)).fetchall()
        db.execute("INSERT INTO review(report_id, field, standing_version,"
                   " standing_origin, latest_version, latest_origin)"
                   " VALUES (?, ?, ?, ?, ?, ?)", (case_id, field) + seen[-2] + seen[-1])

def reviewed_fixture(fixture, tmp_path, schema):
    """A private copy of fixture's post, its journal still at schema, with the district's
    reviews of the case's risk and name (put_under_review); (post, case id)."""
    post = private_copy(fixture, str(tmp_path / "post"), ["node.db", "node.key",
                                                           "storage.key"])
    case_id = open(os.path.join(fixture, "case-id.txt")).read().strip()
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema
        put_under_review(db, case_id, ("risk_level", "victim_name"))
    db.close()
    return post, case_id


def test_schema_12_keeps_each_value_once(tmp_path):
    """Migration 13 (a journal written by main's sae-node at schema 12): the state keeps no
    value of its own and a sealed shown value becomes a reference to its journal entry, so a
    sealed text is in the journal alone; what the post shows, a field under the district's
    review included (its standing version, an older entry), stays word for word, and the
    file gives the pages back (scrubbed and vacuumed at the same open)."""
    post, case_id = reviewed_fixture(SCHEMA_12, tmp_path, 12)
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        sealed_before = {v for (v,) in db.execute(
            "SELECT value FROM field_shown WHERE value LIKE 'sealed:%'")}
        journal_before = db.execute("SELECT * FROM journal ORDER BY seq").fetchall()
        pages_before = pages_of_data(db)
    assert len(sealed_before) == 4  # two names, a narrative, a service's notes
    assert_fixture_case_shown(post, case_id)
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        columns = [r[1] for r in db.execute("PRAGMA table_info(report_field)")]
        assert columns == ["report_id", "field", "version", "origin", "seq"]
        stored = [v for (v,) in db.execute("SELECT value FROM field_shown WHERE value LIKE"
                                           " 'sealed:%'")]
        assert len(stored) == 4 and all(v.startswith("sealed:#") for v in stored)
        assert db.execute("SELECT * FROM journal ORDER BY seq").fetchall() == journal_before
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        # Later migrations' empty tables of value boxes and their longer schema text aside.
        # (Every table here is one page: test_schema_12_gives_its_copies_pages_back is where
        # a migration that kept the pages it freed would fail.)
        assert pages_of_data(db) <= pages_before
        assert db.execute("SELECT value FROM meta WHERE key = 'values_sealed'").fetchone() \
            == (2,)
    opened = shown_opened(post)
    assert opened[(case_id, "victim_name")][0] == "Siti Rahma Penanda"
    assert sorted(v for (_, f), (v, _, _) in opened.items() if f == "notes") == \
        ["Catatan layanan penanda"]
    assert "journal ok" in ok(["check"], dir=post).text
    history = ok(["history", case_id, "--json"], dir=post).json()
    assert [e["value"] for e in history if e["field"] == "victim_name"] == \
        ["Siti Rahma Penanda", "Siti Rahmawati Penanda"]
    assert_marker_in_no_file(post)
    # An edit compares with the shown value through its entry: the same narrative is no
    # change; a new one is, and shows at once.
    story = tmp_path / "story.txt"
    story.write_text("Kronologi penanda: korban datang bersama ibunya.")
    same = ok(["--by", "Siti", "edit", case_id, "--set-file", "narrative=%s" % story],
              dir=post)
    assert "0 change" in same.text or "no change" in same.text.lower(), same.text
    story.write_text("Kronologi baru.")
    ok(["--by", "Siti", "edit", case_id, "--set-file", "narrative=%s" % story], dir=post)
    assert saenode.show_json(post, case_id)["fields"]["narrative"] == "Kronologi baru."
    assert "journal ok" in ok(["check"], dir=post).text


SCHEMA_12_MANY = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-12-many")
COPIES = ("report_field", "field_shown", "field_shown_by_value")


def test_schema_12_gives_its_copies_pages_back(tmp_path):
    """Migration 13 on 30 cases with long sealed stories (fixture node-schema-12-many): the
    state and the shown values held a sealed copy of every value, most of the file; the
    migration drops them, and the file must come out with at least half of their pages given
    back and none left free. A migration that dropped the copies but kept their pages (no
    scrub: freed pages stay in the file) fails here, where the one-case fixture cannot tell."""
    post = private_copy(SCHEMA_12_MANY, str(tmp_path / "post"), ["node.db", "node.key",
                                                                  "storage.key"])
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 12
        file_before = db.execute("PRAGMA page_count").fetchone()[0]
        copies = db.execute("SELECT count(*) FROM dbstat WHERE name IN (?, ?, ?)",
                            COPIES).fetchone()[0]
        sealed = db.execute("SELECT count(*) FROM field_shown WHERE value LIKE 'sealed:%'"
                            ).fetchone()[0]
    assert sealed == 60 and copies > file_before // 2  # the copies are most of the file
    assert "journal ok" in ok(["check"], dir=post).text
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        file_after = db.execute("PRAGMA page_count").fetchone()[0]
    assert file_after <= file_before - copies // 2, (file_before, copies, file_after)
    assert len(saenode.list_json(post)) == 30


SCHEMA_14 = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-14")
STATE_COLUMNS = "report_id, field, version, origin, seq"


def test_schema_14_keeps_the_state_in_the_shown_rows(tmp_path):
    """Migration 15 (a journal written by main's sae-node at schema 14): the state moves into
    its field's row of shown values, one row per field, and report_field is a view of it.
    Every journal entry, every field's state (its entry and version) and what the post
    shows stay as they were, a field under the district's review included (its standing
    version shown, the post's own kept as the state); the dropped table's pages go back to
    the file at the same open, and the post writes, shows and checks as before."""
    post, case_id = reviewed_fixture(SCHEMA_14, tmp_path, 14)
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        state_before = sorted(db.execute("SELECT %s FROM report_field" % STATE_COLUMNS))
        journal_before = db.execute("SELECT * FROM journal ORDER BY seq").fetchall()
        pages_before = db.execute("PRAGMA page_count").fetchone()[0]
    assert len(state_before) == 9 + 8 + 4  # two cases (one deleted) and a service
    assert_fixture_case_shown(post, case_id)
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        kinds = dict(db.execute("SELECT name, type FROM sqlite_schema WHERE name IN"
                                " ('field_shown', 'field_shown_row', 'report_field',"
                                " 'field_shown_new')"))
        assert kinds == {"field_shown": "view", "field_shown_row": "table",
                         "report_field": "view"}
        assert sorted(db.execute("SELECT %s FROM report_field" % STATE_COLUMNS)) == \
            state_before
        assert db.execute("SELECT * FROM journal ORDER BY seq").fetchall() == journal_before
        # The state's version is kept apart only where the shown one is another.
        apart = db.execute("SELECT field FROM field_shown WHERE state_version IS NOT NULL"
                           " OR state_origin IS NOT NULL ORDER BY field").fetchall()
        assert apart == [("risk_level",), ("victim_name",)]
        assert db.execute("SELECT count(*) FROM field_shown").fetchone()[0] == len(state_before)
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        # The page migration 15 gave back, less the one of migration 17's index of report
        # ids (a table of three reports takes a page whatever it holds).
        assert db.execute("PRAGMA page_count").fetchone()[0] <= pages_before
        assert db.execute("SELECT value FROM meta WHERE key = 'values_sealed'").fetchone() \
            == (2,)
    opened = shown_opened(post)
    assert opened[(case_id, "victim_name")][0] == "Siti Rahma Penanda"
    assert "journal ok" in ok(["check"], dir=post).text
    history = ok(["history", case_id, "--json"], dir=post).json()
    assert [e["value"] for e in history if e["field"] == "risk_level"] == \
        ["high", "medium", "high"]
    assert [r["id"] for r in saenode.list_json(post) if r["id"] == case_id] == [case_id]
    assert_marker_in_no_file(post)
    # Writes after the fold: an edit of the reviewed risk is the post's newer state, shown at
    # once; a new case is stored and checked like the old ones.
    ok(["--by", "Siti", "edit", case_id, "--set", "risk_level=low"], dir=post)
    assert saenode.show_json(post, case_id)["fields"]["risk_level"] == "low"
    add_case_checked(post)
    assert "journal ok" in ok(["check"], dir=post).text


def assert_reviewed_case_reads_as_before(post, case_id):
    """The reviewed fixture's case after a migration: its sealed name opens, the journal
    checks, its history tells the risk's and the name's values in order, the list shows it
    (the deleted report aside), and no sensitive value is in plain text in any file."""
    opened = shown_opened(post)
    assert opened[(case_id, "victim_name")][0] == "Siti Rahma Penanda"
    assert "journal ok" in ok(["check"], dir=post).text
    history = ok(["history", case_id, "--json"], dir=post).json()
    assert [e["value"] for e in history if e["field"] == "risk_level"] == \
        ["high", "medium", "high"]
    assert [e["value"] for e in history if e["field"] == "victim_name"] == \
        ["Siti Rahma Penanda", "Siti Rahmawati Penanda"]
    listed = saenode.list_json(post)
    assert len(listed) == 2 and case_id in [r["id"] for r in listed]  # the deleted one aside
    assert_marker_in_no_file(post)


def edit_reviewed_risk(post, case_id):
    """An edit of the reviewed risk after a migration is the post's newer state: shown at
    once, and last in the history."""
    ok(["--by", "Siti", "edit", case_id, "--set", "risk_level=low"], dir=post)
    assert saenode.show_json(post, case_id)["fields"]["risk_level"] == "low"
    history = ok(["history", case_id, "--json"], dir=post).json()
    assert [e["value"] for e in history if e["field"] == "risk_level"] == \
        ["high", "medium", "high", "low"]


SCHEMA_15 = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-15")
# What each kept table holds as readers see it (report's local number aside: node migration
# 17 gave it, and journal and field_shown became views that name the report by its id).
KEPT_TABLES = {"journal": "*", "field_shown": "*", "report": "id, kind, first_seq",
               "review": "*", "meta": "*"}


# journal_refresh_shown's statement at schema 15 (main at 9966c1a, node/store/journal_shown.c),
# which a pulled review runs after storing the review: a field's shown row taken again.
REFRESH_SHOWN_15 = (
    "UPDATE field_shown AS f SET (value, version, origin, under_review, state_version,"
    " state_origin) = (SELECT"
    "  iif(s.seq IS NULL, iif(substr(v.value, 1, 7) = 'sealed:', 'sealed:#' || v.seq, v.value),"
    "      iif(substr(s.value, 1, 7) = 'sealed:', 'sealed:#' || s.seq, s.value)),"
    "  iif(s.seq IS NULL, coalesce(f.state_version, f.version), s.version),"
    "  iif(s.seq IS NULL, coalesce(f.state_origin, f.origin), s.origin),"
    "  r.report_id IS NOT NULL,"
    "  iif(s.seq IS NULL, NULL, coalesce(f.state_version, f.version)),"
    "  iif(s.seq IS NULL, NULL, coalesce(f.state_origin, f.origin))"
    "  FROM journal v"
    "  LEFT JOIN review r ON r.report_id = f.report_id AND r.field = f.field"
    "  LEFT JOIN journal s ON s.seq = (SELECT j.seq FROM journal j"
    "   WHERE r.latest_version = coalesce(f.state_version, f.version)"
    "   AND r.latest_origin = coalesce(f.state_origin, f.origin)"
    "   AND j.report_id = r.report_id AND j.field = r.field"
    "   AND j.version = r.standing_version AND j.origin = r.standing_origin"
    "   ORDER BY j.seq LIMIT 1)"
    "  WHERE v.seq = f.seq)"
    " WHERE f.report_id = ?1 AND f.field = ?2")


def kept_rows(db):
    return {t: sorted(db.execute("SELECT %s FROM %s" % (c, t)).fetchall(), key=repr)
            for t, c in KEPT_TABLES.items()}


def assert_reads_a_reports_entries_by_its_number(db, case_id):
    """One report's entries are read through the report's id (its unique index) and then the
    index of its number in the journal's entries: no other report's entry is read."""
    plan = db.execute("EXPLAIN QUERY PLAN SELECT seq FROM journal WHERE report_id = ?1"
                      " ORDER BY seq", (case_id,)).fetchall()
    assert sorted(p[3] for p in plan) == [
        "SEARCH j USING COVERING INDEX journal_by_report (report_num=?)",
        "SEARCH r USING COVERING INDEX sqlite_autoindex_report_1 (id=?)"], plan


def test_schema_15_finds_a_reports_entries_by_its_ids_prefix(tmp_path):
    """Migration 16 (a journal written by main's sae-node at schema 15): the index of a
    report's journal entries keeps the first 8 characters of its id instead of the whole id
    and seq. Every row of every table stays as it was (the index is all that changes); the
    post shows, reviews, checks, tells the history, edits and adds as before, and its
    readers of one report's entries go through the new index."""
    post = private_copy(SCHEMA_15, str(tmp_path / "post"), ["node.db", "node.key",
                                                             "storage.key"])
    case_id = open(os.path.join(SCHEMA_15, "case-id.txt")).read().strip()
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 15
        put_under_review(db, case_id, ("risk_level", "victim_name"))
        for field in ("risk_level", "victim_name"):
            db.execute(REFRESH_SHOWN_15, (case_id, field))
        rows_before = kept_rows(db)
    assert len(rows_before["journal"]) == 24
    assert_fixture_case_shown(post, case_id)
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        rows_after = kept_rows(db)
        assert rows_after == rows_before
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        # Migration 17 followed: the prefix index went with the id in the journal's rows.
        assert_reads_a_reports_entries_by_its_number(db, case_id)
    assert_reviewed_case_reads_as_before(post, case_id)
    # Writes after the migration: an edit of the reviewed risk is the post's newer state,
    # shown at once, and in the history; a new case is stored and checked like the old ones.
    edit_reviewed_risk(post, case_id)
    new_id = add_case_checked(post)
    assert len(ok(["history", new_id, "--json"], dir=post).json()) >= 5
    assert "journal ok" in ok(["check"], dir=post).text


SCHEMA_16 = os.path.join(os.path.dirname(__file__), "fixtures", "node-schema-16")


def test_schema_16_names_each_report_by_its_local_number(tmp_path):
    """Migration 17 (a journal at schema 16 as main's sae-node left it): the report table
    gives each report a local number, in the order the reports came, and the journal's
    entries and the shown values name the report by it; journal and field_shown are views
    that give the id back. Every entry keeps its seq and the journal's sequence goes on from
    where it was; every row reads as it did (reviews included); the post shows, checks, tells
    the history, edits and adds as before, reads one report's entries by its number, and
    leaves no sensitive value in plain text in any file."""
    post, case_id = reviewed_fixture(SCHEMA_16, tmp_path, 16)
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        for field in ("risk_level", "victim_name"):
            db.execute(REFRESH_SHOWN_15, (case_id, field))
        rows_before = kept_rows(db)
        sequence_before = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'"
                                     ).fetchone()[0]
    db.close()
    assert len(rows_before["journal"]) == 24 and sequence_before == 24
    assert len(rows_before["review"]) == 2
    assert_fixture_case_shown(post, case_id)
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        kinds = dict(db.execute("SELECT name, type FROM sqlite_schema WHERE name IN"
                                " ('journal', 'journal_entry', 'field_shown', 'field_shown_row',"
                                " 'report', 'report_field', 'report_old', 'journal_old',"
                                " 'field_shown_old', 'journal_by_report_prefix')"))
        assert kinds == {"journal": "view", "journal_entry": "table", "field_shown": "view",
                         "field_shown_row": "table", "report": "table",
                         "report_field": "view"}
        assert kept_rows(db) == rows_before
        # Numbers in the order the reports came; no id in the journal's or shown rows.
        numbered = db.execute("SELECT num, first_seq FROM report ORDER BY num").fetchall()
        assert [n for n, _ in numbered] == [1, 2, 3]
        assert [s for _, s in numbered] == sorted(s for _, s in numbered)
        columns = [c[1] for c in db.execute("PRAGMA table_info(journal_entry)")]
        assert "report_id" not in columns and columns[1] == "report_num"
        assert "report_id" not in [c[1] for c in db.execute("PRAGMA table_info(field_shown_row)")]
        assert db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal_entry'"
                          ).fetchone()[0] == sequence_before
        assert db.execute("SELECT count(*) FROM sqlite_sequence WHERE name <> 'journal_entry'"
                          ).fetchone()[0] == 0
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert_reads_a_reports_entries_by_its_number(db, case_id)
    db.close()
    assert_reviewed_case_reads_as_before(post, case_id)
    # Writes after the migration: the entry appended takes the next seq of the old sequence,
    # the reviewed risk's edit is shown at once and in the history, the journal stays
    # append-only, and a new case is numbered after the old reports.
    edit_reviewed_risk(post, case_id)
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        assert db.execute("SELECT max(seq) FROM journal WHERE report_id = ?", (case_id,)
                          ).fetchone()[0] == sequence_before + 1
        for refused in ("UPDATE journal_entry SET value = 'x'", "DELETE FROM journal_entry",
                        "UPDATE journal SET value = 'x'"):
            try:
                db.execute(refused)
                assert False, refused
            except sqlite3.DatabaseError:
                pass
    db.close()
    new_id = add_case_checked(post)
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("SELECT num FROM report WHERE id = ?", (new_id,)).fetchone() == (4,)
    db.close()
    assert len(ok(["history", new_id, "--json"], dir=post).json()) >= 5
    assert "journal ok" in ok(["check"], dir=post).text
    assert_marker_in_no_file(post)
