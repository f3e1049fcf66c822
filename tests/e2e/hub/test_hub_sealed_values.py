"""Sensitive values kept only sealed at the hub (issue 13, P3; docs/DESIGN.md "Sealed values at
the hub"): a real post pushes a case with a unique name; no byte of hub.db or its WAL holds
it, in any encoding; change.value holds its keyed token and the district's copy and a copy
for each other device of the village that has a storage key sit in sealed_value; the console
shows it to a coordinator (whose session holds the district key) and masks it for an
operator; `reports show` opens it only with --as COORDINATOR and a password; two posts
writing the same name at once settle as before, different names conflict as before."""
import base64
import os
import shutil
import subprocess
import uuid

import hubproc
import posts
import saenode
from console_client import Console, signed_in

VILLAGE = saenode.VILLAGE


def encodings(text):
    """text as the program could have written it: plain, hex, base64 (both alphabets, at
    every alignment, without the partial edges)."""
    raw = text.encode()
    found = {raw, raw.hex().encode(), raw.hex().upper().encode()}
    for shift in range(3):
        padded = b"\0" * shift + raw
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            body = enc(padded).rstrip(b"=")
            found.add(body[(shift * 4 + 2) // 3 + 1:-2])
    return found


def hub_files(hub):
    return [os.path.join(hub.dir, n) for n in os.listdir(hub.dir)
            if n.startswith("hub.db")]


def assert_nowhere(paths, text):
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        for form in encodings(text):
            assert form not in data, (path, form)


def form_post(c, path, fields):
    data = dict(fields)
    data.setdefault("csrf", c.csrf)
    return c.request("POST", path, data=data)


def name_of(prefix):
    return "%s %s" % (prefix, uuid.uuid4().hex[:10])


def test_a_name_is_kept_sealed_and_shown_to_coordinators_only(console_hub, tmp_path):
    hub = console_hub
    name = name_of("Ratna Sealtest")
    a = posts.enrolled(hub, tmp_path, "A")
    b = posts.enrolled(hub, tmp_path, "B")
    posts.sync(b)  # B's storage key is recorded at its enrollment
    case = saenode.add_case(a, victim_name=name, narrative="Kisah " + name)
    posts.sync(a)
    assert_nowhere(hub_files(hub), name)
    values = hub.query("SELECT seq, field, value, origin FROM change WHERE report_id = ?"
                       " AND field IN ('victim_name', 'narrative')", (case,))
    assert len(values) == 2 and all(v[2].startswith("keyed:") for v in values), values
    nodes = dict(hub.query("SELECT device_name, id FROM node"))
    for seq, _, _, origin in values:
        holders = {h for (h,) in hub.query("SELECT holder FROM sealed_value WHERE change = ?",
                                           (seq,))}
        assert holders == {0, nodes["Laptop B"]}, holders  # the district's and B's, not A's
        assert origin == nodes["Laptop A"]

    siti = signed_in(hub, "siti")  # coordinator: her session holds the district key
    page = form_post(siti, "/console/case/reveal", {"id": case}).text
    assert name in page and "Kisah " + name in page
    budi = signed_in(hub, "budi")  # operator: no key, masked as before
    assert name not in budi.get("/console/case?id=" + case).text
    assert name not in form_post(budi, "/console/case/reveal", {"id": case}).text

    shown = hub.run("reports", "show", case)
    assert shown.returncode == 0 and name.encode() not in shown.stdout, shown
    proc = subprocess.run([hubproc.BIN, "-d", hub.dir, "reports", "show", case, "--as", "siti"],
                          input=(hub.passwords["siti"] + "\n").encode(), capture_output=True,
                          env=hubproc.hub_env(), timeout=60)
    assert proc.returncode == 0 and name.encode() in proc.stdout, proc
    wrong = subprocess.run([hubproc.BIN, "-d", hub.dir, "reports", "show", case, "--as",
                            "siti"], input=b"not her password\n", capture_output=True,
                           env=hubproc.hub_env(), timeout=60)
    assert wrong.returncode != 0 and name.encode() not in wrong.stdout, wrong
    assert len(wrong.stderr.strip().splitlines()) == 1, wrong
    operator = subprocess.run([hubproc.BIN, "-d", hub.dir, "reports", "show", case, "--as",
                               "budi"], input=(hub.passwords["budi"] + "\n").encode(),
                              capture_output=True, env=hubproc.hub_env(), timeout=60)
    assert operator.returncode != 0 and name.encode() not in operator.stdout, operator
    assert_nowhere(hub_files(hub), name)


def test_equal_names_settle_and_different_names_conflict(hub, tmp_path):
    a = posts.enrolled(hub, tmp_path, "A")
    b = posts.enrolled(hub, tmp_path, "B")
    first = name_of("Sari")
    case = saenode.add_case(a, victim_name=first)
    posts.sync(a)
    posts.sync(b)
    same, other_a, other_b = name_of("Sari W."), name_of("Sari A."), name_of("Sari B.")
    for post in (a, b):  # both while apart: the same new name
        saenode.ok(["edit", case, "--set-file", "victim_name=-"], dir=post,
                   input=same.encode())
    posts.sync(a)
    posts.sync(b)
    assert hub.query("SELECT count(*) FROM conflict WHERE status = 'open'") == [(0,)]
    for post, value in ((a, other_a), (b, other_b)):  # apart again: different names
        saenode.ok(["edit", case, "--set-file", "victim_name=-"], dir=post,
                   input=value.encode())
    posts.sync(a)
    posts.sync(b)
    assert hub.query("SELECT field FROM conflict WHERE status = 'open'") == [("victim_name",)]
    for text in (first, same, other_a, other_b):
        assert_nowhere(hub_files(hub), text)


def test_a_session_from_before_a_restart_sees_the_mask_and_why(console_hub, tmp_path):
    """The district key lives in the daemon's memory only: a coordinator's session that
    began before a restart holds none until she signs in again, and the case page says so."""
    hub = console_hub
    name = name_of("Wulan Restart")
    a = posts.enrolled(hub, tmp_path, "A")
    case = saenode.add_case(a, victim_name=name)
    posts.sync(a)
    siti = signed_in(hub, "siti")
    assert name in form_post(siti, "/console/case/reveal", {"id": case}).text
    port = hub.port
    assert hub.stop() == 0
    hub.start(port=port)
    page = form_post(siti, "/console/case/reveal", {"id": case}).text
    assert name not in page and 'id="no-key"' in page and "masuk lagi" in page
    again = signed_in(hub, "siti")
    page = form_post(again, "/console/case/reveal", {"id": case}).text
    assert name in page and 'id="no-key"' not in page


FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "hub-schema-2")


def test_an_upgraded_hub_keeps_no_name_and_shows_it_to_a_coordinator(tmp_path):
    """A hub.db of schema 2 holding "Siti Contoh" in plain text, opened by this sae-hub:
    sealed in place at its first open (hub.db and its WAL keep no byte of it, in any
    encoding), and the console shows it to a coordinator signed in."""
    directory = tmp_path / "hub"
    directory.mkdir(mode=0o700)
    for name in ("hub.db", "hub.key", "tls-cert.pem", "tls-key.pem"):
        shutil.copy(os.path.join(FIXTURE, name), directory / name)
        os.chmod(directory / name, 0o600)
    case = open(os.path.join(FIXTURE, "case-id.txt")).read().strip()
    hub = hubproc.Hub(directory)
    password = hub.add_account("siti", "coordinator")
    assert_nowhere(hub_files(hub), "Siti Contoh")
    hub.start()
    try:
        siti = Console(hub)
        siti.sign_in("siti", password)
        siti.accept_conduct()
        assert "Siti Contoh" in form_post(siti, "/console/case/reveal", {"id": case}).text
        assert_nowhere(hub_files(hub), "Siti Contoh")
    finally:
        assert hub.stop() == 0


def test_exports_and_conflicts_open_values_only_with_a_coordinators_password(console_hub,
                                                                             tmp_path):
    hub = console_hub
    name = name_of("Lestari Ekspor")
    a = posts.enrolled(hub, tmp_path, "A")
    b = posts.enrolled(hub, tmp_path, "B")
    case = saenode.add_case(a, victim_name=name, consent_share="ya", narrative="Cerita awal")
    posts.sync(a)
    posts.sync(b)
    for post, story in ((a, "Versi A " + name), (b, "Versi B " + name)):
        saenode.ok(["edit", case, "--set-file", "narrative=-"], dir=post, input=story.encode())
    posts.sync(a)
    posts.sync(b)
    masked = hub.ok("export", "--format", "csv").stdout
    assert name.encode() not in masked and "\u2022\u2022\u2022\u2022".encode() in masked
    opened = hub.read_as("siti", hub.passwords["siti"], "export", "--format", "csv")
    assert opened.returncode == 0 and name.encode() in opened.stdout, opened
    [(conflict,)] = hub.query("SELECT id FROM conflict WHERE status = 'open'")
    shown = hub.ok("conflicts", "show", conflict).stdout
    assert name.encode() not in shown
    opened = hub.read_as("siti", hub.passwords["siti"], "conflicts", "show", conflict)
    assert opened.returncode == 0 and ("Versi A " + name).encode() in opened.stdout, opened
    listed = hub.read_as("siti", hub.passwords["siti"], "reports", "list")
    assert listed.returncode == 2 and b"--as is an option of reports show" in listed.stderr
