"""Every sae-hub command end to end, on hubs that received real pushes from enrolled devices
over HTTPS: init (self-signed and the district's own certificate), nodes, district edits and
conflict resolutions (they reach the posts on their next pull), --help and --version.

The read-only commands (reports, conflicts, export, stats) are in test_hub_cli_reads.py,
bad input in test_hub_cli_bad_input.py."""
import base64
import datetime
import hashlib
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
from hubcli_world import CASE1, CASE2, build_world, enrolled, hex_id, pushed

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
# Writing: district edits and resolutions, each on a hub of its own

# What hub_changes gives for a sensitive value the device is not given (PROTOCOL.md
# section 3, "Sealed and withheld values in a pull"): it has no copy, e.g. no storage key.
WITHHELD = "<withheld>"


def hub_changes(device, hub_id):
    """(field, value) of the changes by the hub that device receives on its next pull, a
    sensitive value opened with the device's storage key as the post would open it."""
    got, _ = device.pull_all()
    return [(c.field, WITHHELD if c.withheld else c.value) for c in device.opened(got)
            if c.origin == hub_id]


def test_reports_edit_reaches_the_posts(hub):
    w = build_world(hub)
    # A third device of Sumberanyar with a storage key: the hub seals it a copy of each
    # sensitive value (build_world's devices have none, and are given none).
    a3 = saeproto.Device(hub.add_node("Sumberanyar", name="Laptop C"), name="Laptop C",
                         storage=True)
    assert a3.enroll().status == 200
    for device in (w.a1, w.a2, w.b1, a3):
        device.pull_all()
    proc = hub.ok("reports", "edit", w.case1[:8], "--set", "intake_channel=phone",
                  "--set-file", "victim_name=" + saenode.value_file("Siti Aminah"),
                  "--unset", "narrative",
                  "--by", "Pak Budi (UPT PPA)")
    out = proc.stdout.decode()
    assert out.startswith("saved 3 district change(s) to %s by Pak Budi (UPT PPA)" % w.case1)
    assert "Sumberanyar (Paiton)" in out and proc.stderr == b""
    # --by made Pak Budi a coordinator, who claimed the district key: without --as the
    # district's name is masked, with his password it opens.
    masked = json.loads(hub.ok("reports", "show", w.case1, "--json").stdout)
    assert masked["fields"]["victim_name"] == "\u2022\u2022\u2022\u2022"
    assert not os.path.exists(os.path.join(hub.dir, "district.key"))
    shown = hub.admin_json_as("Pak Budi (UPT PPA)", hubproc.STAFF_PASSWORD, "reports", "show",
                              w.case1)
    assert shown["fields"]["intake_channel"] == "phone"
    assert shown["fields"]["victim_name"] == "Siti Aminah"
    assert "narrative" not in shown["fields"]
    edit = [v for v in shown["versions"]["intake_channel"] if v["winner"]][0]
    assert (edit["author"], edit["node"]) == ("Pak Budi (UPT PPA)", hex_id(hub.hub_id))
    assert [v["author"] for v in shown["versions"]["narrative"]] == ["Staf Pos",
                                                                      "Pak Budi (UPT PPA)"]
    assert edit["district"] is True and edit["device"] == hub.query(
        "SELECT value FROM meta WHERE key = 'name'")[0][0]
    # The posts of the village receive the correction, the name sealed to the device's
    # storage key (withheld from those without one); another village's post does not.
    expected = sorted([("intake_channel", "phone"), ("victim_name", "Siti Aminah"),
                       ("narrative", None)])
    assert sorted(hub_changes(a3, hub.hub_id)) == expected
    keyless = sorted([("intake_channel", "phone"), ("victim_name", WITHHELD),
                      ("narrative", None)])
    assert sorted(hub_changes(w.a1, hub.hub_id)) == keyless
    assert sorted(hub_changes(w.a2, hub.hub_id)) == keyless
    assert hub_changes(w.b1, hub.hub_id) == []
    # The same values again change nothing.
    before = hub.snapshot()
    proc = hub.ok("reports", "edit", w.case1, "--set", "intake_channel=phone", "--by", "Pak Budi")
    assert proc.stdout.decode().startswith("nothing to change")
    assert hub.snapshot() == before
    # So does a sensitive value equal to the current one, which the command cannot read
    # without a coordinator's password: the hub compares the keyed tokens.
    proc = hub.ok("reports", "edit", w.case1,
                  "--set-file", "victim_name=" + saenode.value_file("Siti Aminah"),
                  "--by", "Pak Budi")
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
