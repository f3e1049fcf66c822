"""The district console's commands end to end, on hubs that received real pushes over
HTTPS: conflicts dismiss (the standing value stays; the posts receive a version only when
they would otherwise show another value), and its refusals (exit status 2, one line,
nothing changed)."""
import csv
import io
import json
import os
import re

import hubproc

from hubcli_world import FORMULA_NAME, NARRATIVE, NO_CONSENT, as_exported, build_world, hex_id


TABLES = hubproc.TABLES + ("case_review", "report_summary")


def hub_changes(device, hub_id):
    """(field, value) of the changes by the hub that device receives on its next pull."""
    got, _ = device.pull_all()
    return [(c.field, c.value) for c in got if c.origin == hub_id]


def newest_candidate_stands(conflict):
    newest = max(conflict["candidates"], key=lambda c: (int(c["version"], 16), c["node"]))
    return newest["value"] == conflict["winner"]["value"]


def test_conflicts_dismiss_keeps_the_standing_value(hub):
    w = build_world(hub)
    for device in (w.a1, w.a2, w.b1):
        device.pull_all()
    conflicts = {c["field"]: c for c in json.loads(hub.ok("conflicts", "list", "--json").stdout)}
    expected = []
    for field in ("victim_age", "risk_level", "status"):
        conflict = conflicts[field]
        standing = conflict["winner"]["value"]
        out = hub.ok("conflicts", "dismiss", str(conflict["id"]), "--by", "Bu Ani",
                     "--note", "nilai sekarang benar").stdout.decode()
        assert out.startswith("conflict %d dismissed by Bu Ani: %s stays %s"
                              % (conflict["id"], field, standing)), out
        if newest_candidate_stands(conflict):
            assert "no new version" in out, out
        else:
            assert "written again as a new version" in out, out
            expected.append((field, str(standing)))
    # The policies of the world's fields: latest for the age, safest for risk and status,
    # whose older value stood for at least one of them (high over a later low).
    assert ("risk_level", "high") in expected
    assert json.loads(hub.ok("conflicts", "list", "--json").stdout) == []
    resolved = json.loads(hub.ok("conflicts", "list", "--all", "--json").stdout)
    assert {(c["field"], c["resolved_by"], c["note"]) for c in resolved} == {
        (f, "Bu Ani", "nilai sekarang benar") for f in ("victim_age", "risk_level", "status")}
    assert hub.query("SELECT count(*) FROM conflict WHERE dismissed = 1") == [(3,)]
    shown = json.loads(hub.ok("reports", "show", w.case1, "--json").stdout)
    for field in ("victim_age", "risk_level", "status"):
        value = shown["fields"][field]
        assert str(value) == str(conflicts[field]["winner"]["value"]), (field, value)
    # Both posts of the village receive exactly the versions written; the other village none.
    assert sorted(hub_changes(w.a1, hub.hub_id)) == sorted(expected)
    assert sorted(hub_changes(w.a2, hub.hub_id)) == sorted(expected)
    assert hub_changes(w.b1, hub.hub_id) == []


def test_conflicts_dismiss_refusals_change_nothing(hub):
    w = build_world(hub)
    conflict = json.loads(hub.ok("conflicts", "list", "--json").stdout)[0]
    before = hub.snapshot(TABLES)
    cases = [
        (["conflicts", "dismiss", str(conflict["id"])], "needs --by NAME"),
        (["conflicts", "dismiss", "--by", "Bu Ani"], "takes one conflict id"),
        (["conflicts", "dismiss", "x1", "--by", "Bu Ani"], "is not a conflict id"),
        (["conflicts", "dismiss", "99999", "--by", "Bu Ani"], "no conflict has id 99999"),
        (["conflicts", "dismiss", str(conflict["id"]), "--by", "x" * 101], "--by must be"),
        (["conflicts", "dismiss", str(conflict["id"]), "--by", "Bu Ani", "--note", "n" * 1001],
         "--note must be"),
        (["conflicts", "frobnicate"], "resolve or dismiss"),
    ]
    for args, says in cases:
        proc = hub.run(*args)
        assert proc.returncode == 2, (args, proc)
        lines = proc.stderr.decode().splitlines()
        assert len(lines) == 1 and says in lines[0], (args, lines)
        assert proc.stdout == b""
    assert hub.snapshot(TABLES) == before
    # The limits themselves are accepted.
    hub.ok("conflicts", "dismiss", str(conflict["id"]), "--by", "x" * 100, "--note", "n" * 1000)
    proc = hub.run("conflicts", "dismiss", str(conflict["id"]), "--by", "Bu Ani")
    assert proc.returncode == 2 and b"already resolved by " + b"x" * 100 in proc.stderr, proc
    assert w.case1 and hex_id(hub.hub_id)


def test_export_variants(hub):
    w = build_world(hub)
    deid = hub.ok("export", "--format", "csv", "--variant", "deidentified").stdout
    assert deid.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(deid[3:].decode("utf-8"), newline="")))
    header = rows[0]
    assert header[:6] == ["id", "kind", "village", "village_name", "deleted", "updated"]
    for gone in ("victim_name", "narrative", "notes", "provider", "victim_contact"):
        assert gone not in header, gone
    by_id = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert w.deleted not in by_id and w.case1 in by_id and w.service in by_id
    assert re.fullmatch(r"\d{4}-\d\d", by_id[w.case1]["intake_date"])
    assert re.fullmatch(r"\d{4}-\d\d", by_id[w.case1]["updated"])
    assert FORMULA_NAME.encode() not in deid and NARRATIVE.encode() not in deid
    # Full: every field; --kind and the list's filters narrow it.
    full = hub.ok("export", "--format", "json", "--variant", "full", "--kind", "case").stdout
    cases = {r["id"]: r for r in json.loads(full)}
    assert set(cases) == {w.case1, w.case2}
    # No consent to share recorded: the name is withheld, visibly (test_hub_consent.py).
    assert cases[w.case1]["fields"]["victim_name"] == NO_CONSENT
    high = json.loads(hub.ok("export", "--format", "json", "--variant", "full", "--kind", "case",
                             "--status", "baru").stdout)
    assert [r["id"] for r in high] == [c for c in (w.case1, w.case2)
                                       if cases[c]["fields"]["status"] == "new"]
    # --outside, which once asked for the withholding every export does now, is refused
    # with a line saying so, and writes nothing.
    out = os.path.join(str(hub.dir), "outside.json")
    for variant in ([], ["--variant", "full"]):
        res = hub.run("export", "--format", "json", *variant, "--outside", "-o", out)
        assert res.returncode == 2 and res.stdout == b"", res
        line = res.stderr.decode()
        assert line.count("\n") == 1 and "--outside" in line and "consent" in line, line
        assert not os.path.exists(out)
    assert FORMULA_NAME.encode() not in full
    # The export of today stays as it was.
    assert json.loads(hub.ok("export", "--format", "json").stdout) == \
        as_exported(json.loads(hub.ok("reports", "list", "--json").stdout))


def test_export_variant_refusals(hub):
    build_world(hub)
    cases = [
        (["export", "--format", "csv", "--risk", "high"], "add --variant"),
        (["export", "--format", "csv", "--variant", "secret"], "--variant is deidentified or full"),
        (["export", "--format", "csv", "--variant", "full", "--risk", "enormous"], "risk_level"),
        (["export", "--format", "csv", "--variant", "full", "--from", "31-02-2026"],
         "intake_date"),
        (["export", "--format", "csv", "--variant", "full", "--kecamatan", "35.13.12.2018"],
         "kecamatan"),
    ]
    for args, says in cases:
        proc = hub.run(*args)
        assert proc.returncode == 2 and proc.stdout == b"", (args, proc)
        lines = proc.stderr.decode().splitlines()
        assert len(lines) == 1 and says in lines[0], (args, lines)
