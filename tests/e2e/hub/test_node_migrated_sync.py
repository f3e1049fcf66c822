"""A journal written by an older sae-node (the node-schema-15 and -16 fixtures), migrated at
its first open (node migration 16: the index of a report's entries by its id's prefix; 17:
each report named by a local number in the journal and the shown values), enrolls and syncs
with a real sae-hub over HTTPS on 127.0.0.1: the hub receives every change once, by the
reports' ids, and another device of the village pulls them and shows the same reports."""
import os
import shutil

import pytest

import saenode
from posts import enrolled, enroll, sync

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


@pytest.mark.parametrize("schema", [15, 16])
def test_a_migrated_journal_pushes_everything_once(hub, tmp_path, schema):
    fixture = os.path.join(FIXTURES, "node-schema-%d" % schema)
    post = str(tmp_path / "old")
    os.makedirs(post, mode=0o700)
    for name in ("node.db", "node.key", "storage.key"):
        shutil.copy(os.path.join(fixture, name), os.path.join(post, name))
        os.chmod(os.path.join(post, name), 0o600)
    case_id = open(os.path.join(fixture, "case-id.txt")).read().strip()
    other = enrolled(hub, tmp_path, "b")
    assert sync(other)["pulled"] == 0
    enroll(hub, post, "lama")
    pushed = sync(post)
    assert pushed["pushed"] == 24  # every entry of the fixture's journal
    assert len(hub.changes()) == 24
    assert sync(post)["pushed"] == 0  # and none again
    assert sync(other)["pulled"] == 24
    for report in saenode.list_json(post):
        assert saenode.show_json(other, report["id"])["fields"] == \
            saenode.show_json(post, report["id"])["fields"]
    assert saenode.show_json(other, case_id)["fields"]["risk_level"] == "high"
    history = saenode.ok(["history", case_id, "--json"], dir=other).json()
    assert [e["value"] for e in history if e["field"] == "risk_level"] == \
        ["high", "medium", "high"]
    # An edit after the sync goes to the other device too.
    saenode.ok(["--by", "Siti", "edit", case_id, "--set", "risk_level=low"], dir=post)
    assert sync(post)["pushed"] == 1 and sync(other)["pulled"] == 1
    assert saenode.show_json(other, case_id)["fields"]["risk_level"] == "low"
    for device in (post, other):
        assert "journal ok" in saenode.ok(["check"], dir=device).text
