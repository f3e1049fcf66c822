"""Every sae-hub command end to end, on hubs that received real pushes from enrolled devices
over HTTPS: init (self-signed and the district's own certificate), nodes, reports, conflicts
(resolutions reach the posts on their next pull), export, stats, --help and --version.

Bad input is in test_hub_cli_bad_input.py."""
import base64
import csv
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess

import pytest

import hubproc
import saenode
import saeproto
from hubcli_world import (shown, CASE1, CASE2, EDIT_A, EDIT_B, FORMULA_NAME, FORMULA_NAME_2,
                          FORMULA_NOTES, FORMULA_PROVIDER, NO_CONSENT, as_exported, build_world,
                          enrolled,
                          hex_id, pushed)

INIT_OUT_RE = re.compile(r'^initialised hub "(?P<name>[^"]*)" in (?P<dir>.+)\n'
                         r"hub id:  (?P<id>[0-9a-f]{16})\n"
                         r"TLS pin: (?P<pin>sha256//[A-Za-z0-9+/]{43}=)\n"
                         r"district recovery key \(shown once; [^\n]*\n"
                         r"  (?P<recovery>[A-Z2-7]{4}(-[A-Z2-7]{4}){12})\n"
                         r"It opens [^\n]*\n  sae-hub keys recover NAME\n$")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private_dir(directory):
    assert mode(directory) == 0o700
    names = sorted(os.listdir(directory))
    # district.key: the district key's secret until a coordinator holds it (README).
    assert names == ["district.key", "hub.db", "hub.key", "tls-cert.pem", "tls-key.pem"], names
    for name in names:
        assert mode(os.path.join(directory, name)) == 0o600, name


def cert_alt_names(cert_path):
    """The certificate's subject alternative names as {"DNS:x", "IP:y"}, read by openssl
    (scripts/deps.sh installs it)."""
    out = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-ext",
                          "subjectAltName"], capture_output=True, check=True).stdout
    names = set()
    for item in out.decode().split("\n", 1)[1].split(","):
        kind, _, value = item.strip().partition(":")
        names.add(("IP" if kind == "IP Address" else kind) + ":" + value)
    return names


def cert_pin(cert_path):
    """sha256// and the base64 SHA-256 of the certificate's SubjectPublicKeyInfo (the pin
    format of PROTOCOL.md), via openssl."""
    pem = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout.decode()
    der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def init_hub(directory, *args):
    h = hubproc.Hub(directory)
    proc = h.ok("init", *args)
    assert proc.stderr == b""
    match = INIT_OUT_RE.match(proc.stdout.decode())
    assert match, proc
    h.hub_id = int(match.group("id"), 16)
    return h, match


def stop_clean(h):
    rc = h.stop()
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in h.log_text()
    assert rc == 0


# ---------------------------------------------------------------------------------------
# init

def test_init_names_the_hub_and_makes_private_files(tmp_path):
    directory = str(tmp_path / "district" / "hub")
    h, match = init_hub(directory, "--name", "DP3AP2KB Probolinggo", "--host",
                        "hub.probolinggo.example", "--host", "10.20.30.40")
    assert match.group("name") == "DP3AP2KB Probolinggo"
    assert match.group("dir") == directory
    assert_private_dir(directory)
    assert match.group("pin") == cert_pin(h.cert_path)
    # A bundle carries the same identity as init printed.
    h.start()
    try:
        bundle_path = h.add_node("Sumberanyar")
        with open(bundle_path) as f:
            bundle = json.load(f)
        assert bundle["hub_id"] == match.group("id")
        assert bundle["tls_pin"] == match.group("pin")
        with open(h.cert_path) as f:
            assert bundle["tls_certificate"] == f.read()
        device = saeproto.Device(bundle_path)
        assert saeproto.origin_id(device.hub_public_key) == h.hub_id
        assert device.enroll().status == 200
    finally:
        stop_clean(h)


def test_init_certificate_names_the_hosts(tmp_path):
    h, _ = init_hub(str(tmp_path / "hub"), "--host", "hub.probolinggo.example",
                    "--host", "10.20.30.40", "--host", "fd00::7")
    names = cert_alt_names(h.cert_path)
    assert {"DNS:hub.probolinggo.example", "IP:10.20.30.40", "DNS:localhost",
            "IP:127.0.0.1"} <= names, names
    assert {"IP:FD00:0:0:0:0:0:0:7", "IP:fd00::7", "IP:fd00:0:0:0:0:0:0:7"} & names, names


def test_init_with_the_districts_own_certificate(tmp_path):
    other, other_match = init_hub(str(tmp_path / "other"), "--host", "hub.example.org")
    # The district's files, somewhere outside any hub directory.
    cert = str(tmp_path / "district-cert.pem")
    key = str(tmp_path / "district-key.pem")
    shutil.copyfile(other.cert_path, cert)
    shutil.copyfile(os.path.join(other.dir, "tls-key.pem"), key)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)
    directory = str(tmp_path / "hub")
    h, match = init_hub(directory, "--tls-cert", cert, "--tls-key", key)
    assert_private_dir(directory)
    assert match.group("pin") == other_match.group("pin")
    assert match.group("id") != other_match.group("id")  # its own box key pair
    for mine, theirs in (("tls-cert.pem", cert), ("tls-key.pem", key)):
        with open(os.path.join(directory, mine), "rb") as a, open(theirs, "rb") as b:
            assert a.read() == b.read()
    assert "DNS:hub.example.org" in cert_alt_names(h.cert_path)
    # It serves with that certificate: a device that trusts its bundle enrolls and pushes.
    h.start()
    try:
        device = enrolled(h, "Kalibuntu", "Laptop")
        with open(device.cert_path, "rb") as a, open(cert, "rb") as b:
            assert a.read() == b.read()
        pushed(device, device.write(saeproto.new_report_id(), "case", CASE2))
        assert len(json.loads(h.ok("reports", "list", "--json").stdout)) == 1
    finally:
        stop_clean(h)


# ---------------------------------------------------------------------------------------
# nodes

def test_nodes_add_list_revoke(hub):
    bundle_path = str(os.path.join(os.path.dirname(hub.dir), "pos-sumberanyar.json"))
    assert b"no devices yet" in hub.ok("nodes", "list").stderr
    assert json.loads(hub.ok("nodes", "list", "--json").stdout) == []
    proc = hub.ok("nodes", "add", "sumberanyar", "--name", "Laptop Pos Sumberanyar", "--url",
                  hub.url, "-o", bundle_path, "--days", "14")
    out = proc.stdout.decode()
    assert bundle_path in out and "Sumberanyar (Paiton)" in out and "14 day" in out, out
    assert mode(bundle_path) == 0o600
    with open(bundle_path) as f:
        bundle = json.load(f)
    assert bundle["format"] == "sae-enrollment-bundle/1"
    assert (bundle["hub_url"], bundle["village"], bundle["device_name"]) == \
        (hub.url, "35.13.12.2018", "Laptop Pos Sumberanyar")
    assert ("bundle %s" % bundle["bundle"]) in out
    pending = hub.ok("nodes", "list").stdout.decode()
    assert re.search(r"Laptop Pos Sumberanyar\s+Sumberanyar \(Paiton\) 35\.13\.12\.2018\s+"
                     r"pending bundle %s, expires " % bundle["bundle"], pending), pending
    expires = datetime.datetime.fromisoformat(bundle["expires"].replace("Z", "+00:00"))
    days = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 86400
    assert 13.9 < days <= 14.01, bundle["expires"]
    assert bundle["token"] and bundle["token"] not in hub.log_text().decode()

    a1 = saeproto.Device(bundle_path, name="Laptop A")
    assert a1.enroll().status == 200
    b1 = enrolled(hub, "Kalibuntu", "Laptop B")
    report = saeproto.new_report_id()
    batch = a1.write(report, "case", CASE1)
    pushed(a1, batch)

    text = hub.ok("nodes", "list").stdout.decode().splitlines()
    assert len(text) == 3 and text[0].startswith("NAMA / DEVICE"), text
    line_a = [l for l in text if hex_id(a1.id) in l]
    # The bundle named the device: that name, not the one the post sent, is what people see.
    assert len(line_a) == 1 and line_a[0].startswith("Laptop Pos Sumberanyar "), line_a
    assert "Sumberanyar (Paiton) 35.13.12.2018" in line_a[0] and "enrolled" in line_a[0]
    assert "REVOKED" not in line_a[0]
    listed = {n["id"]: n for n in hub.nodes()}
    assert set(listed) == {hex_id(a1.id), hex_id(b1.id)}
    node = listed[hex_id(a1.id)]
    assert (node["village"], node["village_name"], node["name"], node["state"],
            node["acked_seq"], node["revoked"]) == \
        ("35.13.12.2018", "Sumberanyar (Paiton)", "Laptop Pos Sumberanyar", "enrolled",
         batch[-1].seq, False)
    assert node["last_contact"] and node["bundle"] is None
    assert node["enrolled_ms"] > 0 and node["last_seen_ms"] >= node["enrolled_ms"]
    assert node["last_batch_ms"] > 0 and isinstance(node["clock_offset_ms"], int)
    assert abs(node["clock_offset_ms"]) < 60_000
    assert listed[hex_id(b1.id)]["acked_seq"] == 0

    proc = hub.ok("nodes", "revoke", hex_id(a1.id))
    assert proc.stdout.decode().startswith("revoked %s" % hex_id(a1.id)), proc
    text = hub.ok("nodes", "list").stdout.decode()
    assert "REVOKED" in [l for l in text.splitlines() if hex_id(a1.id) in l][0]
    listed = {n["id"]: n for n in hub.nodes()}
    assert listed[hex_id(a1.id)]["revoked"] is True
    assert listed[hex_id(a1.id)]["state"] == "revoked"
    assert listed[hex_id(a1.id)]["revoked_ms"] > 0
    assert listed[hex_id(b1.id)]["revoked"] is False
    # Its next request is refused; what it sent before stays.
    before = hub.snapshot(("report", "change", "field_state"))
    answer = a1.push(a1.write(report, "case", {"status": "closed"}))
    # The revocation notice sealed to this device (PROTOCOL.md section 8).
    assert answer.status == 403 and answer.code == saeproto.STATUS["REVOKED"], answer
    assert hub.snapshot(("report", "change", "field_state")) == before
    reports = json.loads(hub.ok("reports", "list", "--json").stdout)
    assert [r["id"] for r in reports] == [saeproto.report_uuid(report)]


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


# ---------------------------------------------------------------------------------------
# Writing: district edits and resolutions, each on a hub of its own

def hub_changes(device, hub_id):
    """(field, value) of the changes by the hub that device receives on its next pull."""
    got, _ = device.pull_all()
    return [(c.field, c.value) for c in got if c.origin == hub_id]


def test_reports_edit_reaches_the_posts(hub):
    w = build_world(hub)
    for device in (w.a1, w.a2, w.b1):
        device.pull_all()
    proc = hub.ok("reports", "edit", w.case1[:8], "--set", "intake_channel=phone",
                  "--set-file", "victim_name=" + saenode.value_file("Siti Aminah"),
                  "--unset", "narrative",
                  "--by", "Pak Budi (UPT PPA)")
    out = proc.stdout.decode()
    assert out.startswith("saved 3 district change(s) to %s by Pak Budi (UPT PPA)" % w.case1)
    assert "Sumberanyar (Paiton)" in out and proc.stderr == b""
    shown = json.loads(hub.ok("reports", "show", w.case1, "--json").stdout)
    assert shown["fields"]["intake_channel"] == "phone"
    assert shown["fields"]["victim_name"] == "Siti Aminah"
    assert "narrative" not in shown["fields"]
    edit = [v for v in shown["versions"]["intake_channel"] if v["winner"]][0]
    assert (edit["author"], edit["node"]) == ("Pak Budi (UPT PPA)", hex_id(hub.hub_id))
    assert [v["author"] for v in shown["versions"]["narrative"]] == ["Staf Pos",
                                                                      "Pak Budi (UPT PPA)"]
    assert edit["district"] is True and edit["device"] == hub.query(
        "SELECT value FROM meta WHERE key = 'name'")[0][0]
    # The posts of the village receive the correction; another village's post does not.
    expected = sorted([("intake_channel", "phone"), ("victim_name", "Siti Aminah"),
                       ("narrative", None)])
    assert sorted(hub_changes(w.a1, hub.hub_id)) == expected
    assert sorted(hub_changes(w.a2, hub.hub_id)) == expected
    assert hub_changes(w.b1, hub.hub_id) == []
    # The same values again change nothing.
    before = hub.snapshot()
    proc = hub.ok("reports", "edit", w.case1, "--set", "intake_channel=phone", "--by", "Pak Budi")
    assert proc.stdout.decode().startswith("nothing to change")
    assert hub.snapshot() == before
    # A referral (not append-only) is editable too, and a reference may be given by prefix.
    hub.ok("reports", "edit", w.referral, "--set", "referral_status=accepted",
           "--set", "case_id=" + w.case1[:6], "--by", "Pak Budi")
    fields = json.loads(hub.ok("reports", "show", w.referral, "--json").stdout)["fields"]
    assert (fields["referral_status"], fields["case_id"]) == ("accepted", w.case1)


def test_conflicts_resolve_keep_value_unset_reach_the_posts(hub):
    w = build_world(hub)
    for device in (w.a1, w.a2, w.b1):
        device.pull_all()
    conflicts = {c["field"]: c for c in json.loads(hub.ok("conflicts", "list", "--json").stdout)}
    status, risk, age = conflicts["status"], conflicts["risk_level"], conflicts["victim_age"]
    kept = status["candidates"][0]["value"]

    out = hub.ok("conflicts", "resolve", str(status["id"]), "--keep", "1", "--by", "Bu Ani",
                 "--note", "dicek lewat telepon").stdout.decode()
    assert out.startswith("conflict %d resolved by Bu Ani: kept candidate 1; status is now %s"
                          % (status["id"], kept)), out
    out = hub.ok("conflicts", "resolve", str(risk["id"]), "--value", "medium",
                 "--by", "Bu Ani").stdout.decode()
    assert "risk_level is now medium" in out, out
    out = hub.ok("conflicts", "resolve", str(age["id"]), "--unset", "--by", "Pak Budi"
                 ).stdout.decode()
    assert "victim_age is now (unset)" in out, out

    proc = hub.ok("conflicts", "list")
    assert proc.stdout == b"" and b"no open conflicts" in proc.stderr
    assert json.loads(hub.ok("conflicts", "list", "--json").stdout) == []
    resolved = {c["field"]: c for c in
                json.loads(hub.ok("conflicts", "list", "--all", "--json").stdout)}
    assert {f: (c["status"], c["resolved_by"]) for f, c in resolved.items()} == {
        "status": ("resolved", "Bu Ani"), "risk_level": ("resolved", "Bu Ani"),
        "victim_age": ("resolved", "Pak Budi")}
    assert resolved["status"]["note"] == "dicek lewat telepon"
    assert resolved["status"]["resolution"]["value"] == kept
    assert resolved["risk_level"]["resolution"]["value"] == "medium"
    assert resolved["victim_age"]["resolution"]["value"] is None
    lines = hub.ok("conflicts", "list", "--all").stdout.decode().splitlines()
    assert len(lines) == 3 and all(" resolved " in l for l in lines), lines

    shown = json.loads(hub.ok("reports", "show", w.case1, "--json").stdout)
    assert shown["fields"]["status"] == kept and shown["fields"]["risk_level"] == "medium"
    assert "victim_age" not in shown["fields"] and shown["conflicts"] == {}
    # Both posts of the village receive the three resolutions on their next pull.
    expected = sorted([("status", kept), ("risk_level", "medium"), ("victim_age", None)])
    assert sorted(hub_changes(w.a1, hub.hub_id)) == expected
    assert sorted(hub_changes(w.a2, hub.hub_id)) == expected
    assert hub_changes(w.b1, hub.hub_id) == []
    assert json.loads(hub.ok("stats", "--json").stdout)["open_conflicts"] == {}


# ---------------------------------------------------------------------------------------
# --help and --version: no hub needed

HELP = [["--help"], ["-h"], ["init", "--help"], ["serve", "--help"], ["nodes", "--help"],
        ["nodes", "add", "--help"], ["nodes", "list", "--help"], ["nodes", "revoke", "--help"],
        ["reports", "--help"], ["reports", "list", "--help"], ["reports", "show", "--help"],
        ["reports", "edit", "--help"], ["conflicts", "--help"], ["conflicts", "list", "--help"],
        ["conflicts", "show", "--help"], ["conflicts", "resolve", "--help"],
        ["export", "--help"], ["stats", "--help"], ["stats", "-h"], ["backup", "--help"],
        ["restore", "--help"]]


@pytest.mark.parametrize("args", HELP, ids=" ".join)
def test_help(args, tmp_path):
    absent = str(tmp_path / "absent")
    proc = hubproc.Hub(absent).run(*args)
    assert (proc.returncode, proc.stderr) == (0, b""), proc
    out = proc.stdout.decode()
    assert out.startswith("Usage: sae-hub [-d DIR] "), out
    if args[0] != "--help" and args[0] != "-h":
        assert out.splitlines()[0].startswith("Usage: sae-hub [-d DIR] " + args[0]), out
        assert len(out.splitlines()) > 1, out  # the explanation, not just the usage line
    assert not os.path.exists(absent)


def test_program_help_lists_every_command(tmp_path):
    out = hubproc.Hub(str(tmp_path)).ok("--help").stdout.decode()
    for command in ("init", "serve", "nodes add", "nodes list", "nodes revoke", "reports list",
                    "reports show", "reports edit", "conflicts list", "conflicts show",
                    "conflicts resolve", "export", "stats"):
        assert "  " + command in out or "| " + command in out, command


def test_version(tmp_path):
    proc = hubproc.Hub(str(tmp_path / "absent")).run("--version")
    assert proc.returncode == 0 and proc.stderr == b""
    assert re.fullmatch(rb"sae-hub \d+\.\d+\.\d+\n", proc.stdout), proc
