"""sae-hub's read-only commands end to end (reports list and show, conflicts list and show,
export, stats) on one hub that received real pushes from enrolled devices over HTTPS and
that only these tests read (hubcli_world.py builds it). The other commands are in
test_hub_cli.py, bad input in test_hub_cli_bad_input.py."""
import csv
import io
import json
import os
import re
import stat

import pytest

from hubcli_world import (shown, CASE1, CASE2, EDIT_A, EDIT_B, FORMULA_NAME, FORMULA_NAME_2,
                          FORMULA_NOTES, FORMULA_PROVIDER, NO_CONSENT, as_exported, build_world,
                          hex_id)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------------------------------
# reports, conflicts, export, stats on one hub that only these read-only tests use

@pytest.fixture(scope="module")
def world(shared_hub):
    return build_world(shared_hub)


def merged_case1(world):
    """CASE1 after the concurrent edits: the winner of each conflicting field is the larger
    (version, device id)."""
    edits = {world.a1.id: EDIT_A, world.a2.id: EDIT_B}
    nodes = {c["field"]: c["winner"]["node"]
             for c in json.loads(world.hub.ok("conflicts", "list", "--json").stdout)}
    fields = shown(CASE1)
    for field in EDIT_A:
        winner = [e for n, e in edits.items() if hex_id(n) == nodes[field]]
        assert len(winner) == 1, nodes
        fields[field] = winner[0][field]
    fields["victim_age"] = int(fields["victim_age"])
    return fields


def test_reports_list_json(world):
    listed = json.loads(world.hub.ok("reports", "list", "--json").stdout)
    assert [r["id"] for r in listed] == world.ids
    for r in listed:
        assert set(r) == {"id", "kind", "village", "village_name", "fields", "deleted",
                          "updated"}, r
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["updated"]), r
    by_id = {r["id"]: r for r in listed}
    assert by_id[world.case1]["fields"] == merged_case1(world)
    assert (by_id[world.case1]["kind"], by_id[world.case1]["village"],
            by_id[world.case1]["village_name"]) == ("case", "35.13.12.2018",
                                                    "Sumberanyar (Paiton)")
    assert by_id[world.case2]["fields"] == dict(shown(CASE2), victim_age=9)
    assert by_id[world.service]["fields"] == {
        "case_id": world.case1, "service_type": "counselling", "service_date": "2026-02-01",
        "provider": FORMULA_PROVIDER}
    assert by_id[world.referral]["kind"] == "referral"
    assert by_id[world.referral]["fields"]["notes"] == FORMULA_NOTES
    assert [r["id"] for r in listed if r["deleted"]] == [world.deleted]
    assert by_id[world.case2]["village"] == "35.13.14.2016"


@pytest.mark.parametrize("filters, expected", [
    (["--village", "Sumberanyar"], ["case1", "service", "referral", "deleted"]),
    (["--village", "Kalibuntu"], ["case2"]),
    (["--kind", "case"], ["case1", "deleted", "case2"]),
    (["--kind", "service"], ["service"]),
    (["--village", "Kalibuntu", "--kind", "referral"], []),
    (["--village", "Sumberanyar", "--kind", "referral"], ["referral"]),
    (["--village", "35.13.12.2018"], ["case1", "service", "referral", "deleted"]),
    (["--village", "  KALIBUNTU "], ["case2"]),
    (["--village", "3513142016"], ["case2"]),
    (["--village", "Jabungsisir, Paiton"], []),
])
def test_reports_list_filters(world, filters, expected):
    listed = json.loads(world.hub.ok("reports", "list", "--json", *filters).stdout)
    assert [r["id"] for r in listed] == [getattr(world, name) for name in expected]
    text = world.hub.ok("reports", "list", *filters)
    lines = text.stdout.decode().splitlines()
    assert [l[:36] for l in lines] == [getattr(world, name) for name in expected]
    if not expected:
        assert b"no reports match" in text.stderr


def test_reports_list_text_hides_sensitive_fields(world):
    proc = world.hub.ok("reports", "list")
    lines = proc.stdout.decode().splitlines()
    assert [l[:36] for l in lines] == world.ids
    by_id = {l[:36]: l for l in lines}
    assert re.match(r"\S+\s+case\s+Sumberanyar \(Paiton\)\s", by_id[world.case1])
    assert "violence_types=physical,psychological" in by_id[world.case1]
    assert "(deleted)" in by_id[world.deleted] and "(deleted)" not in by_id[world.case1]
    for secret in (FORMULA_NAME, FORMULA_NAME_2, "Kronologi", FORMULA_NOTES, FORMULA_PROVIDER):
        assert secret not in proc.stdout.decode()


def test_reports_show_json_by_prefix(world):
    for arg in (world.case1, world.case1[:6], world.case1[:13].upper()):
        shown = json.loads(world.hub.ok("reports", "show", arg, "--json").stdout)
        assert shown["id"] == world.case1
    assert set(shown) >= {"id", "kind", "village", "fields", "versions", "conflicts"}
    assert (shown["kind"], shown["village"]) == ("case", "35.13.12.2018")
    assert shown["fields"] == merged_case1(world)
    versions = shown["versions"]
    assert set(versions) == set(CASE1) | set(EDIT_A)
    status = versions["status"]
    assert sorted((v["value"], v["node"]) for v in status) == sorted([
        ("new", hex_id(world.a1.id)), ("active", hex_id(world.a1.id)),
        ("closed", hex_id(world.a2.id))])
    assert [v["value"] for v in status if v["winner"]] == [shown["fields"]["status"]]
    names = {hex_id(world.a1.id): world.a1.name, hex_id(world.a2.id): world.a2.name}
    for v in status:
        assert v["village"] == "35.13.12.2018" and v["held"] is False and v["district"] is False
        assert (v["author"], v["device"], v["note"]) == ("Staf Pos", names[v["node"]], None)
        assert v["by"].startswith("Staf Pos, %s, " % names[v["node"]]), v
        assert re.fullmatch(r"[0-9a-f]{16}", v["version"])
    assert sorted(v["value"] for v in versions["victim_age"]) == [12, 13]
    conflict_ids = {c["field"]: c["id"] for c in
                    json.loads(world.hub.ok("conflicts", "list", "--json").stdout)}
    assert shown["conflicts"] == {f: [conflict_ids[f]] for f in EDIT_A}


def test_reports_show_text_has_every_field_and_version(world):
    out = world.hub.ok("reports", "show", world.case1[:8]).stdout.decode()
    assert out.startswith(world.case1 + "  case")
    assert FORMULA_NAME in out  # sensitive fields are shown in full by show
    assert "Kronologi" in out and "lari ke rumah tetangga" in out
    assert hex_id(world.a1.id) in out and hex_id(world.a2.id) in out
    assert "village                 Sumberanyar (Paiton), 35.13.12.2018" in out
    # Each version: who, on which device, when.
    assert re.search(r"^\s+\*? Staf Pos, Laptop A, \d+ \w{3} \d\d:\d\d  ", out, re.M), out
    for field in EDIT_A:
        assert re.search(r"open conflict \d+ on %s" % field, out), out
    deleted = world.hub.ok("reports", "show", world.deleted).stdout.decode()
    assert "DELETED" in deleted.splitlines()[0]


def test_conflicts_list_and_show(world):
    listed = json.loads(world.hub.ok("conflicts", "list", "--json").stdout)
    assert sorted(c["field"] for c in listed) == sorted(EDIT_A)
    for c in listed:
        assert (c["report"], c["severity"], c["status"], c["village"], c["village_name"]) == \
            (world.case1, "hard", "open", "35.13.12.2018", "Sumberanyar (Paiton)")
        assert {"id", "report", "field", "severity", "status", "winner", "candidates"} <= set(c)
        # str(): victim_age candidates are JSON numbers.
        assert sorted((str(k["value"]), k["node"]) for k in c["candidates"]) == sorted([
            (EDIT_A[c["field"]], hex_id(world.a1.id)), (EDIT_B[c["field"]], hex_id(world.a2.id))])
        assert [k["number"] for k in c["candidates"]] == [1, 2]
        for k in c["candidates"]:
            assert k["village"] == "35.13.12.2018" and re.fullmatch(r"[0-9a-f]{16}", k["version"])
            assert k["by"].startswith("Staf Pos, Laptop "), k
        assert str(c["winner"]["value"]) in (EDIT_A[c["field"]], EDIT_B[c["field"]])
        shown = json.loads(world.hub.ok("conflicts", "show", str(c["id"]), "--json").stdout)
        assert shown == c
    text = world.hub.ok("conflicts", "list").stdout.decode().splitlines()
    assert len(text) == 3
    for line in text:
        assert re.match(r"\s*\d+\s+open\s+hard\s+%s\s+case\s" % world.case1[:8], line), line
    # --all adds nothing while none is resolved.
    assert json.loads(world.hub.ok("conflicts", "list", "--all", "--json").stdout) == listed
    status = [c for c in listed if c["field"] == "status"][0]
    out = world.hub.ok("conflicts", "show", str(status["id"])).stdout.decode()
    assert "hard, open" in out and world.case1 in out
    assert "[1] %s" % status["candidates"][0]["value"] in out
    assert "[2] %s" % status["candidates"][1]["value"] in out
    assert "      Staf Pos, Laptop A, " in out and "      Staf Pos, Laptop B, " in out


def test_conflicts_say_what_stands_and_why(world):
    """Each open conflict names the value that stands until a coordinator decides and the
    policy that chose it: the higher risk and the open status whichever came later, the
    latest version of a field without a safety order."""
    listed = {c["field"]: c for c in
              json.loads(world.hub.ok("conflicts", "list", "--json").stdout)}
    assert (listed["risk_level"]["winner"]["value"], listed["risk_level"]["policy"]) == \
        ("high", "safest")
    assert "high > medium > low > (unset)" in listed["risk_level"]["policy_text"]
    assert (listed["status"]["winner"]["value"], listed["status"]["policy"]) == \
        ("active", "safest")
    assert "new = active = referred > closed = (unset)" in listed["status"]["policy_text"]
    age = listed["victim_age"]
    assert age["policy"] == "latest" and "latest version" in age["policy_text"]
    latest = max(age["candidates"], key=lambda k: (k["version"], k["node"]))
    assert age["winner"]["value"] == latest["value"]
    lines = {l.split()[5]: l for l in
             world.hub.ok("conflicts", "list").stdout.decode().splitlines()}
    assert lines["risk_level"].endswith("stands: high (Tinggi) (safest)"), lines
    assert lines["status"].endswith("stands: active (Ditangani) (safest)"), lines
    assert "(latest)" in lines["victim_age"], lines
    out = world.hub.ok("conflicts", "show", str(listed["risk_level"]["id"])).stdout.decode()
    assert re.search(r"current\s+high \(Tinggi\)\n\s+why\s+the safest value stands until a "
                     r"coordinator decides \(high > medium > low > \(unset\); the latest "
                     r"among equals\)", out), out


def test_export_csv(world):
    proc = world.hub.ok("export", "--format", "csv")
    raw = proc.stdout
    assert raw.endswith(b"\r\n") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header = rows[0]
    assert header[:6] == ["id", "kind", "village", "village_name", "deleted", "updated"]
    for field in list(shown(CASE1)) + list(EDIT_A) + ["case_id", "provider", "referred_to",
                                                      "notes"]:
        assert header.count(field) == 1, field
    by_id = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert list(by_id) == world.ids and all(len(r) == len(header) for r in rows)
    case1 = by_id[world.case1]
    assert (case1["kind"], case1["village"], case1["village_name"], case1["deleted"]) == \
        ("case", "35.13.12.2018", "Sumberanyar (Paiton)", "false")
    # No consent to share in this world: sensitive values withheld, visibly (the consent's
    # own test: test_hub_consent.py).
    assert case1["narrative"] == NO_CONSENT
    assert case1["status"] == merged_case1(world)["status"]
    assert case1["case_id"] == "" and case1["referred_to"] == ""
    # A set's codes joined by ';', an old single type through the set.
    assert case1["violence_types"] == "physical;psychological"
    assert by_id[world.case2]["violence_types"] == "sexual"
    # Values a spreadsheet would run get a leading quote.
    assert by_id[world.service]["provider"] == "'" + FORMULA_PROVIDER
    assert case1["victim_name"] == by_id[world.referral]["notes"] == NO_CONSENT
    assert FORMULA_NAME.encode() not in raw and FORMULA_NOTES.encode() not in raw
    assert by_id[world.service]["case_id"] == world.case1
    assert by_id[world.deleted]["deleted"] == "true"
    # --kind: only that kind's rows and columns.
    rows = list(csv.reader(io.StringIO(
        world.hub.ok("export", "--format", "csv", "--kind", "referral").stdout.decode(),
        newline="")))
    assert rows[0] == ["id", "kind", "village", "village_name", "deleted", "updated", "case_id",
                       "referred_to", "referral_reason", "referral_date", "referral_status",
                       "status_date", "decline_reason", "service_note", "referral_result",
                       "notes"]
    assert [r[0] for r in rows[1:]] == [world.referral]


def test_export_json_is_the_report_list(world):
    """The list, but every sensitive value withheld: no survivor here consented to share."""
    exported = json.loads(world.hub.ok("export", "--format", "json").stdout)
    assert exported == as_exported(json.loads(world.hub.ok("reports", "list", "--json").stdout))
    cases = json.loads(world.hub.ok("export", "--format", "json", "--kind", "case").stdout)
    assert [r["id"] for r in cases] == [world.case1, world.deleted, world.case2]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_to_file(world, tmp_path, fmt):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    path = str(out_dir / ("laporan." + fmt))
    proc = world.hub.ok("export", "--format", fmt, "-o", path)
    assert proc.stdout.decode().startswith("wrote %d report(s) to %s" % (len(world.ids), path))
    assert mode(path) == 0o600
    assert os.listdir(str(out_dir)) == ["laporan." + fmt]  # no temporary file left
    with open(path, "rb") as f:
        written = f.read()
    assert written == world.hub.ok("export", "--format", fmt).stdout
    # Never over an existing file: refused, the file untouched.
    again = world.hub.run("export", "--format", fmt, "--kind", "case", "-o", path)
    assert again.returncode == 2 and again.stdout == b"", again
    assert b"already exists" in again.stderr
    with open(path, "rb") as f:
        assert f.read() == written
    assert os.listdir(str(out_dir)) == ["laporan." + fmt]


def expected_stats(world):
    return {
        "reports": 4, "deleted": 1,
        "village": {"35.13.14.2016": 1, "35.13.12.2001": 0, "35.13.12.2018": 3},
        "village_names": {"35.13.14.2016": "Kalibuntu (Kraksaan)",
                          "35.13.12.2001": "Jabungsisir (Paiton)",
                          "35.13.12.2018": "Sumberanyar (Paiton)"},
        "kind": {"case": 2, "service": 1, "referral": 1, "shelter_stay": 0},
        "month": {"2026-01": {"case": 1, "service": 0, "referral": 0, "shelter_stay": 0,
                              "total": 1},
                  "2026-02": {"case": 0, "service": 1, "referral": 1, "shelter_stay": 0,
                              "total": 2},
                  "2026-03": {"case": 1, "service": 0, "referral": 0, "shelter_stay": 0,
                              "total": 1}},
        # CASE1 has two types and counts under both; CASE2's old single type counts too.
        "violence_type": {"physical": 1, "psychological": 1, "sexual": 1, "exploitation": 0,
                          "trafficking": 0, "neglect": 0, "other": 0},
        "open_conflicts": {"35.13.12.2018": 3},
        "held_changes": {},
        "duplicate_registration_numbers": {},
    }


def test_stats_json_counts_what_was_pushed(world):
    got = json.loads(world.hub.ok("stats", "--json").stdout)
    # The monitoring figures of every month ride along (test_console_data.py tests them):
    # here only that both live cases are in them, counted or left out.
    me = got.pop("me")
    assert me["counted"] + me["left_out"] + me["linked"] == 2
    assert got == expected_stats(world)


def test_stats_text(world):
    out = world.hub.ok("stats").stdout.decode()
    assert "reports: 4 (not counting 1 deleted)" in out
    assert re.search(r"Sumberanyar \(Paiton\) 35\.13\.12\.2018\s+3 reports", out), out
    assert re.search(r"Kalibuntu \(Kraksaan\) 35\.13\.14\.2016\s+1 reports", out), out
    assert re.search(r"case\s+2 reports", out) and re.search(r"referral\s+1 reports", out)
    assert re.search(r"2026-02\s+0\s+1\s+1\s+0\s+2", out), out
    assert "a case of two types counts under both" in out
    assert re.search(r"physical\s+1 cases", out) and re.search(r"neglect\s+0 cases", out)
    assert re.search(r"Sumberanyar \(Paiton\) 35\.13\.12\.2018\s+3 conflicts", out)
