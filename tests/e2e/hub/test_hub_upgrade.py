"""A hub.db written before the merge policies (schema 1, fixtures/hub-schema-1-conflicts)
opened by the current sae-hub: migrated in place, and its open conflicts recomputed once
under the policies, before anything reads them: the higher risk stands where the later
lowering stood, the equal values are settled by the hub, a latest-policy field keeps the
latest; the review log names what is open; nothing else changes, and running it again
changes nothing. A hub.db of schema 2 (fixtures/hub-schema-2, main before issue 10) takes
every later migration in one go."""
import os
import shutil
import sqlite3

import pytest

import hubproc
import saenode

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "hub-schema-1-conflicts")


def old_hub(tmp_path):
    directory = tmp_path / "hub"
    directory.mkdir(mode=0o700)
    shutil.copy(os.path.join(FIXTURE, "hub.db"), directory / "hub.db")
    os.chmod(directory / "hub.db", 0o600)
    return hubproc.Hub(directory)


def rows(hub, sql):
    db = sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_schema_1_hub_takes_the_merge_policies(tmp_path):
    hub = old_hub(tmp_path)
    case = open(os.path.join(FIXTURE, "case-id.txt")).read().strip()
    assert rows(hub, "PRAGMA user_version") == [(1,)]
    # The columns of schema 1 (later migrations add columns, empty for what was stored).
    columns = ", ".join(r[1] for r in rows(hub, "PRAGMA table_info(change)"))
    changes = rows(hub, "SELECT %s FROM change ORDER BY seq" % columns)
    listed = hub.admin_json("conflicts", "list", "--all")
    assert rows(hub, "PRAGMA user_version") == [(hubproc.HUB_SCHEMA_VERSION,)]
    by_field = {c["field"]: c for c in listed}
    assert sorted(by_field) == ["risk_level", "status", "victim_age"]
    risk, status, age = by_field["risk_level"], by_field["status"], by_field["victim_age"]
    assert (risk["status"], risk["winner"]["value"], risk["policy"]) == ("open", "high", "safest")
    assert (status["status"], status["severity"], status["resolved_by"], status["note"]) == \
        ("resolved", "soft", "sae-hub", "concurrent equal values: settled by the hub")
    assert (age["status"], age["winner"]["value"], age["policy"]) == ("open", 13, "latest")
    shown = hub.admin_json("reports", "show", case)
    assert shown["fields"]["risk_level"] == "high" and shown["fields"]["status"] == "referred"
    # The review log tells the posts what is open, and which version stands.
    assert sorted(f for f, in rows(hub, "SELECT field FROM review WHERE open = 1")) == \
        ["risk_level", "victim_age"]
    assert rows(hub, "SELECT value FROM meta WHERE key = 'merge_refresh'") == [(0,)]
    # Nothing a post sent changed, and a second run changes nothing more.
    assert rows(hub, "SELECT %s FROM change ORDER BY seq" % columns) == changes
    assert rows(hub, "SELECT count(*) FROM change WHERE note IS NOT NULL") == [(0,)]
    before = {t: rows(hub, "SELECT * FROM %s" % t) for t in ("conflict", "review", "field_state")}
    assert hub.admin_json("conflicts", "list", "--all") == listed
    assert {t: rows(hub, "SELECT * FROM %s" % t) for t in before} == before


MAIN_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "hub-schema-2")


def test_schema_2_hub_takes_reviews_and_villages_in_one_go(tmp_path):
    """A hub of schema 2 (changes refuse UPDATE; before the merge policies and the list of
    areas) is migrated in one go: its village name becomes its code everywhere, the guard on
    the change table stays, its open conflict is recomputed (the higher risk stands where
    the later lowering stood), and a post of this version enrolls and shows the case of
    catalogue 1 through the set, the risk under review."""
    directory = tmp_path / "hub"
    directory.mkdir(mode=0o700)
    for name in ("hub.db", "hub.key", "tls-cert.pem", "tls-key.pem"):
        shutil.copy(os.path.join(MAIN_FIXTURE, name), directory / name)
        os.chmod(directory / name, 0o600)
    hub = hubproc.Hub(directory)
    case = open(os.path.join(MAIN_FIXTURE, "case-id.txt")).read().strip()
    assert rows(hub, "PRAGMA user_version") == [(2,)]
    columns = [r[1] for r in rows(hub, "PRAGMA table_info(change)") if r[1] != "village"]
    changes = rows(hub, "SELECT %s FROM change ORDER BY seq" % ", ".join(columns))
    listed = hub.admin_json("conflicts", "list")
    assert rows(hub, "PRAGMA user_version") == [(hubproc.HUB_SCHEMA_VERSION,)]
    assert [(c["field"], c["winner"]["value"], c["policy"]) for c in listed] == \
        [("risk_level", "high", "safest")]
    assert rows(hub, "SELECT field FROM review WHERE open = 1") == [("risk_level",)]
    for table in ("change", "report", "node", "enroll_token", "review"):
        assert rows(hub, "SELECT DISTINCT village FROM %s" % table) == [("35.13.12.2018",)]
    # Nothing changed but the one sensitive value, now its keyed token (sealed to the
    # district key beside), which the district key opens as it was.
    after = rows(hub, "SELECT %s FROM change ORDER BY seq" % ", ".join(columns))
    field, value = columns.index("field"), columns.index("value")
    for old, new in zip(changes, after):
        if old[field] == "victim_name":
            assert new[value].startswith("keyed:") and old[value] == "Siti Contoh"
            assert new[:value] + new[value + 1:] == old[:value] + old[value + 1:]
        else:
            assert new == old
    assert len(after) == len(changes)
    assert hub.admin_json("reports", "show", case)["fields"]["victim_name"] == "Siti Contoh"
    assert rows(hub, "SELECT value FROM meta WHERE key = 'values_sealed'") == [(2,)]
    for name in os.listdir(directory):
        if name.startswith("hub.db"):
            assert b"Siti Contoh" not in open(os.path.join(directory, name), "rb").read()
    db = sqlite3.connect(hub.db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="changes are never changed"):
            with db:
                db.execute("UPDATE change SET value = 'tampered'")
    finally:
        db.close()
    hub.start()
    try:
        post = saenode.init(str(tmp_path / "post"))
        saenode.ok(["enroll", hub.add_node("Sumberanyar", name="Laptop Pos Baru")], dir=post)
        assert saenode.run(["sync"], dir=post).rc == 0
        shown = saenode.show_json(post, case)
        assert shown["fields"]["violence_types"] == ["sexual"]
        assert shown["fields"]["risk_level"] == "high" and "risk_level" in shown["under_review"]
        assert "journal ok" in saenode.ok(["check"], dir=post).text
    finally:
        assert hub.stop() == 0
