"""A hub migration stays what it was when it shipped. A hub.db written by an older sae-hub
(fixtures/hub-schema-16, made by main's sae-hub of its day) and opened, so migrated in
place, by this one ends with the same schema, word for word, as a hub this sae-hub makes
anew: had the text of a shipped migration changed since (a definition it was built from
edited for live code), the new hub would take the new text and the old one would keep what
it got, and the two would differ here."""
import os
import shutil
import sqlite3

import hubproc

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures",
                       "hub-schema-16")


def schema_of(hub):
    """Every table, index, view and trigger of hub.db with its SQL, in name order (the
    order they were made in differs by the path taken)."""
    with sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == hubproc.HUB_SCHEMA_VERSION
        return sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"))


def test_an_old_hub_migrates_to_the_schema_of_a_new_one(tmp_path):
    fresh = schema_of(hubproc.Hub(tmp_path / "fresh").init())
    assert {name for kind, name, _, _ in fresh if kind == "table"} >= \
        {"change", "report_summary", "dup_change_name", "erased_report"}
    directory = tmp_path / "old"
    shutil.copytree(FIXTURE, directory)
    os.chmod(directory, 0o700)
    for name in os.listdir(directory):
        os.chmod(directory / name, 0o600)
    old = hubproc.Hub(directory)
    old.ok("nodes", "list")
    migrated = schema_of(old)
    assert migrated == fresh, sorted(set(migrated) ^ set(fresh))
