"""A journal written by an older sae-node is migrated in place when opened: nothing lost,
check passes, and the new schema is recorded. The fixture was written by sae-node at
schema 1 (tests/e2e/fixtures/node-schema-1)."""
import os
import shutil
import sqlite3

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
    assert schema_version(post) == 4  # the current schema
    assert shown["fields"]["status"] == "active"
    assert shown["fields"]["victim_name"] == "Siti Contoh"
    assert len(saenode.list_json(post)) == 2
    assert "journal ok" in ok(["check"], dir=post).text
    history = ok(["history", case_id, "--json"], dir=post).json()
    assert [e["field"] for e in history][-1] == "status"
    # New writes work on the migrated journal, and pending counts both old and new changes.
    before = ok(["status", "--json"], dir=post).json()["pending"]
    ok(["edit", case_id, "--set", "risk_level=high"], dir=post)
    assert ok(["status", "--json"], dir=post).json()["pending"] == before + 1
