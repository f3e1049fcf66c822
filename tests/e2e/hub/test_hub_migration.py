"""A hub.db written before the list of areas (fixtures/hub-schema-1-villages) is migrated
in place by the current sae-hub: a village typed as a name that matches one village of the
official list becomes its code everywhere (devices, bundles, reports, changes); one that
matches none is kept, shown flagged with the command that fixes it, and that command
(villages assign) gives it its code. The guard an earlier migration (2) put on the change
table (no UPDATE) survives the rewrite, and still refuses an UPDATE."""
import json
import os
import shutil
import sqlite3

import hubproc

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures",
                       "hub-schema-1-villages")


def copy_fixture(tmp_path):
    directory = tmp_path / "hub"
    shutil.copytree(FIXTURE, directory)
    os.chmod(directory, 0o700)
    for name in os.listdir(directory):
        os.chmod(directory / name, 0o600)
    return hubproc.Hub(directory)


def query(hub, sql):
    with sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True) as db:
        return db.execute(sql).fetchall()


def test_villages_become_codes_and_an_unknown_name_is_flagged(tmp_path):
    hub = copy_fixture(tmp_path)
    assert query(hub, "PRAGMA user_version") == [(1,)]
    listed = json.loads(hub.ok("nodes", "list", "--json").stdout)
    assert query(hub, "PRAGMA user_version") == [(hubproc.HUB_SCHEMA_VERSION,)]
    assert sorted((n["name"] or "", n["village"], n["village_listed"], n["state"])
                  for n in listed) == [
        ("", "35.13.12.2018", True, "pending"),  # a bundle from before names
        ("Laptop Lama", "Desa Sumberasri", False, "enrolled"),
        ("Laptop Posko", "35.13.12.2018", True, "enrolled")]
    assert sorted(query(hub, "SELECT DISTINCT village FROM change")) == [
        ("35.13.12.2018",), ("Desa Sumberasri",)]
    assert query(hub, "SELECT count(*) FROM sqlite_schema WHERE name = 'change_no_update'") == \
        [(1,)]
    with sqlite3.connect(hub.db_path) as db:
        try:
            db.execute("UPDATE change SET village = 'x'")
            raise AssertionError("the change table took an UPDATE")
        except sqlite3.IntegrityError as e:
            assert "changes are never changed" in str(e)
    # The flagged village, with the command that fixes it.
    text = hub.ok("nodes", "list")
    assert b'"Desa Sumberasri" (1 device(s), 1 report(s)) is not in the list of areas' in \
        text.stderr
    assert b'sae-hub villages assign "Desa Sumberasri" VILLAGE' in text.stderr
    # Reports of the resolved village are found by its name; those of the old one are kept.
    reports = json.loads(hub.ok("reports", "list", "--village", "sumberanyar",
                                "--json").stdout)
    assert [(r["village"], r["village_name"]) for r in reports] == [
        ("35.13.12.2018", "Sumberanyar (Paiton)")]
    every = json.loads(hub.ok("reports", "list", "--json").stdout)
    assert sorted(r["village_name"] or r["village"] for r in every) == [
        "Desa Sumberasri", "Sumberanyar (Paiton)"]
    # Posts of schema 1 named nobody: their changes show the device.
    shown = json.loads(hub.ok("reports", "show", reports[0]["id"], "--json").stdout)
    first = shown["versions"]["status"][0]
    assert (first["author"], first["device"]) == (None, "Laptop Posko")
    assert first["by"].startswith("Laptop Posko, ")


def test_villages_assign_gives_an_old_name_its_code(tmp_path):
    hub = copy_fixture(tmp_path)
    refused = hub.run("villages", "assign", "Desa Sumberasri", "Sumberanyer")
    assert refused.returncode == 2 and b"nearest" in refused.stderr, refused
    taken = hub.run("villages", "assign", "35.13.12.2018", "Jabungsisir")
    assert taken.returncode == 2 and b"never moves" in taken.stderr, taken
    out = hub.ok("villages", "assign", "Desa Sumberasri", "Jabungsisir").stdout.decode()
    assert "is now village 35.13.12.2001" in out
    assert sorted(query(hub, "SELECT village FROM node")) == [("35.13.12.2001",),
                                                              ("35.13.12.2018",)]
    assert query(hub, "SELECT count(*) FROM change WHERE village = 'Desa Sumberasri'") == [(0,)]
    assert b"not in the list of areas" not in hub.ok("nodes", "list").stderr
    gone = hub.run("villages", "assign", "Desa Sumberasri", "Jabungsisir")
    assert gone.returncode == 2 and b"no device or report" in gone.stderr, gone
