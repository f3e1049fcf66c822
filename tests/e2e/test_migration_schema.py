"""A migration stays what it was when it shipped. A journal written by an older sae-node (the
fixtures node-schema-12, -14, -15 and -16, each made by main's sae-node of its day) and
migrated in place by this one ends with the same schema, word for word, as a journal this
sae-node makes anew: had the text of a shipped migration changed since (a definition it was
built from edited for live code), the fresh journal would take the new text and the old one
would keep what it got, and the two would differ here."""
import os
import sqlite3

import saenode
from saenode import ok
from test_migration import SCHEMA_12, SCHEMA_14, SCHEMA_15, SCHEMA_16, private_copy


def schema_of(post):
    """Every table, index, view and trigger of the journal with its SQL, in name order (the
    order they were made in differs by the path taken)."""
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == saenode.NODE_SCHEMA_VERSION
        return sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"))


def test_old_journals_migrate_to_the_schema_of_a_new_one(tmp_path):
    fresh = schema_of(saenode.init(str(tmp_path / "fresh"), saenode.VILLAGE))
    assert {name for kind, name, _, _ in fresh if kind == "table"} >= \
        {"journal_entry", "field_shown_row", "report", "hub_box", "hub_box_slot"}
    for fixture in (SCHEMA_12, SCHEMA_14, SCHEMA_15, SCHEMA_16):
        post = private_copy(fixture, str(tmp_path / os.path.basename(fixture)),
                            ["node.db", "node.key", "storage.key"])
        assert "journal ok" in ok(["check"], dir=post).text
        migrated = schema_of(post)
        assert migrated == fresh, (fixture, sorted(set(migrated) ^ set(fresh)))
