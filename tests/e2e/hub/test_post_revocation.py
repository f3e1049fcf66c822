"""A revoked device wipes its survivors' data on its next contact with the hub (issue 13, P4;
PROTOCOL.md section 8, "Revocation notice"; docs/DESIGN.md "Data at rest"). Real posts and a
real hub over HTTPS: a unique marker in every sensitive field of every kind, own and pulled;
after `sae-node nodes revoke` the post's next `sync`, `run` round or app loop says it was
wiped, and no byte of any file in its directory holds a marker in plain, hex or base64,
while the non-sensitive values stay. A 403 that is not the hub's sealed notice (plain text,
sealed by another key, made for another device, or from a server the pins refuse) wipes
nothing. A wipe SIGKILLed half-way is completed by the next command."""
import base64
import http.server
import os
import re
import secrets
import shutil
import signal
import sqlite3
import ssl
import subprocess
import threading
import time

import nacl.public
import pytest

import node_app
import saenode
import saeproto
from test_post_app_staff import Client
from test_post_storage_key import query

HEAD, HEAD_PASS = "Bu Sari", "kopi-pahit-di-pagi-hari"
REVOKED_EXIT = 3


def markers(tag):
    """{kind: {field: marker}} for every sensitive field of every kind."""
    return {kind: {field: "TANDA-%s-%s-%s-%s" % (tag, kind, field, secrets.token_hex(6))
                   for field in fields}
            for kind, fields in saenode.sensitive_fields().items()}


def write_everything(post, marks):
    """A case, a service, a referral and a shelter stay, every sensitive field marked."""
    case = saenode.add_case(post, **marks["case"])
    saenode.add_service(post, case, **marks["service"])
    saenode.add_referral(post, case, **marks["referral"])
    values = {"case_id": case, "admission_date": "2026-01-08"}
    values.update(marks["shelter_stay"])
    saenode.ok(["add", "shelter_stay"] + saenode.set_args("shelter_stay", values), dir=post)
    return case


def encodings(marker):
    """The marker as plain bytes, hex, and base64 at each of the three alignments it can
    take inside a longer encoded value (the characters only the marker decides)."""
    raw = marker.encode()
    out = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    for shift in range(3):
        coded = base64.b64encode(b"\0" * shift + raw)[4 if shift else 0:-4]
        out += [coded, coded.replace(b"+", b"-").replace(b"/", b"_")]
    return out


def all_markers(*mark_sets):
    return [m for marks in mark_sets for fields in marks.values() for m in fields.values()]


def files_holding(post_dir, found_markers):
    """(file, marker) for every file under post_dir holding a marker in any encoding."""
    found = []
    for root, _, names in os.walk(post_dir):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            found += [(name, m) for m in found_markers
                      if any(e in data for e in encodings(m))]
    return found


def sealed_values(post):
    """How many values node.db keeps sealed to the post's storage key (value_seal.h): what a
    wipe destroys. Each marked field is written once, so one per marker."""
    return query(post, "SELECT count(*) FROM journal WHERE value LIKE 'sealed:%'")[0][0]


def enrolled_post(hub, tmp_path, name):
    post = saenode.init(str(tmp_path / name), author="Staf %s" % name)
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop %s" % name)], dir=post)
    return post


def origin(post):
    return int(saenode.ok(["status", "--json"], dir=post).json()["origin"], 16)


def assert_wiped_line(res):
    saenode.assert_one_line_error(res, REVOKED_EXIT, "revoked by the district on %s (WIB)"
                                  % saenode.today_wib_date(), "survivors' data on it was wiped",
                                  "contact the district")


def assert_wiped(post, case, *mark_sets, wal_reset=True):
    """wal_reset: nothing was written since the wipe (a serving app writes on: its WAL holds
    new pages, and the markers' search above covers it)."""
    assert files_holding(post, all_markers(*mark_sets)) == []
    # What is not sensitive stays: the post's own record of what it did.
    assert query(post, "SELECT value FROM field_shown WHERE report_id = ? AND field = ?",
                 (case, "intake_date")) == [("2026-01-05",)]
    assert query(post, "SELECT count(*) FROM report")[0][0] >= 4
    sensitive = [f for fields in saenode.sensitive_fields().values() for f in fields]
    marks = ",".join("?" * len(sensitive))
    for table in ("journal", "field_shown"):  # the state keeps no value (node migration 13)
        assert query(post, "SELECT count(*) FROM %s WHERE value IS NOT NULL AND field IN (%s)"
                     % (table, marks), sensitive) == [(0,)], table
    assert query(post, "SELECT count(*) FROM staff WHERE key_wrap IS NOT NULL") == [(0,)]
    assert query(post, "SELECT count(*) FROM staff_session") == [(0,)]
    assert query(post, "SELECT count(*) FROM hub WHERE token IS NOT NULL") == [(0,)]
    for name in ("storage.key", "node.key"):
        assert not os.path.exists(os.path.join(post, name)), name
    wal = os.path.join(post, "node.db-wal")
    assert not wal_reset or not os.path.exists(wal) or os.path.getsize(wal) == 0
    assert query(post, "SELECT value FROM meta WHERE key = 'wipe_done'") == [(1,)]


def contents(post):
    """Every row of node.db, and the names of the directory's files but SQLite's own -wal
    and -shm (which opening and closing make and remove)."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(post, "node.db"), uri=True)
    try:
        rows = list(db.iterdump())
    finally:
        db.close()
    return rows, sorted(n for n in os.listdir(post) if not n.endswith(("-wal", "-shm")))


def assert_every_command_refuses(post, case, bundle):
    for args in (["status"], ["status", "--json"], ["show", case], ["list"], ["sync"],
                 ["run", "--interval", "1"], ["serve"], ["add", "case"] + saenode.case_sets(),
                 ["users", "list"], ["check"], ["history", case], ["config", "author", "X"],
                 ["enroll", bundle], ["backup", "/tmp/never-written.sae"]):
        before = contents(post)
        assert_wiped_line(saenode.run(args, dir=post))
        assert contents(post) == before, args


def test_sync_after_revoke_wipes_own_and_pulled_values(hub, tmp_path):
    a, b = enrolled_post(hub, tmp_path, "a"), enrolled_post(hub, tmp_path, "b")
    # Both enrolled before any value comes: the hub seals each post's values to the other's
    # storage key (a device enrolled later would receive them withheld).
    for post in (a, b):
        assert saenode.run(["sync"], dir=post).rc == 0
    own, pulled = markers("a"), markers("b")
    case = write_everything(a, own)
    write_everything(b, pulled)
    for post in (a, b, a):
        assert saenode.run(["sync"], dir=post).rc == 0
    # The test can fail: before the revocation every value is on the post's disk, sealed
    # (own values, pulled ones; storage.key still unclaimed: no staff was added, so the
    # command line reads them), and no marker is there in the clear (P1).
    assert sealed_values(a) == len(all_markers(own, pulled))
    assert files_holding(a, all_markers(own, pulled)) == []
    assert saenode.show_json(a, case)["fields"]["victim_name"] == own["case"]["victim_name"]
    assert os.path.exists(os.path.join(a, "storage.key"))
    hub.revoke(origin(a))
    assert_wiped_line(saenode.run(["sync"], dir=a))
    assert_wiped(a, case, own, pulled)
    assert_every_command_refuses(a, case, hub.add_node(saenode.VILLAGE))
    # The other post of the village goes on, and the hub keeps what the revoked one sent.
    assert saenode.run(["sync"], dir=b).rc == 0
    assert saenode.show_json(b, case)["fields"]["victim_name"] == own["case"]["victim_name"]


class ForgingServer:
    """An HTTPS server on the hub's port answering every POST 403 with body_for(request
    body) as application/octet-stream (bytes) or text/plain (str). It serves the hub's own
    TLS key (so the post's pins let it through: the second line breached) unless cert and
    key name others."""

    def __init__(self, hub, port, body_for, cert=None, key=None):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                request = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(self.path)
                body = body_for(request)
                binary = isinstance(body, bytes)
                data = body if binary else body.encode()
                self.send_response(403)
                self.send_header("Content-Type", saeproto.OCTET_STREAM if binary
                                 else "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert or hub.cert_path, key or os.path.join(hub.dir,
                                                                           "tls-key.pem"))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def notice(sender_key, recipient_public_key):
    """An ErrorStatus REVOKED as the hub seals it, here sealed by sender_key."""
    status = saeproto.pb.ErrorStatus(schema_version=2, code=saeproto.STATUS["REVOKED"],
                                     message=b"this device was revoked by the district",
                                     hub_clock=saeproto.wall_ms() << 16,
                                     hub_time=saeproto.wall_ms())
    return saeproto.seal(saeproto.ERROR_STATUS, status.SerializeToString(), sender_key,
                         recipient_public_key)


def test_a_403_that_is_not_the_hubs_notice_wipes_nothing(hub, tmp_path):
    a = enrolled_post(hub, tmp_path, "a")
    own = markers("a")
    case = write_everything(a, own)
    assert saenode.run(["sync"], dir=a).rc == 0
    post_public = query(a, "SELECT value FROM meta WHERE key = 'public_key'")[0][0]
    with open(os.path.join(hub.dir, "hub.key"), "rb") as f:
        hub_key = nacl.public.PrivateKey(f.read())
    stranger = nacl.public.PrivateKey.generate()
    hub_id = saeproto.origin_id(bytes(hub_key.public_key))
    # A stranger's key claiming the hub's id: the header says "hub", the box does not open.
    forged_header = notice(stranger, post_public)
    forged_header = forged_header[:6] + hub_id.to_bytes(8, "big") + forged_header[14:]
    other_cert, other_key = str(tmp_path / "other-cert.pem"), str(tmp_path / "other-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", other_key, "-out", other_cert], check=True, capture_output=True)
    forgeries = [
        ("plain text", lambda req: "this device was revoked by the district\n", {},
         "without the district hub's sealed notice"),
        ("sealed by a stranger", lambda req: notice(stranger, post_public), {},
         "without the district hub's sealed notice"),
        ("the hub's id on a stranger's box", lambda req: forged_header, {},
         "without the district hub's sealed notice"),
        ("the hub's notice made for another device",
         lambda req: notice(hub_key, bytes(stranger.public_key)), {},
         "without the district hub's sealed notice"),
        ("the hub's notice from a server the pins refuse", lambda req: notice(hub_key, post_public),
         {"cert": other_cert, "key": other_key}, "does not hold a key this post trusts"),
    ]
    port = hub.port
    assert hub.stop() == 0
    for what, body_for, tls, words in forgeries:
        forger = ForgingServer(hub, port, body_for, **tls)
        before = contents(a)
        try:
            res = saenode.run(["sync"], dir=a)
        finally:
            forger.close()
        saenode.assert_one_line_error(res, 1, words)
        assert sealed_values(a) == len(all_markers(own)), what
        assert query(a, "SELECT count(*) FROM meta WHERE key = 'revoked_ms'") == [(0,)], what
        assert os.path.exists(os.path.join(a, "node.key")), what
        assert contents(a)[1] == before[1], what
    hub.start(port=port)
    assert saenode.run(["sync"], dir=a).rc == 0
    assert saenode.show_json(a, case)["fields"]["narrative"] == own["case"]["narrative"]


def wipe_pending(post):
    try:
        return query(post, "SELECT value FROM meta WHERE key = 'wipe_done'") == [(0,)]
    except sqlite3.Error:
        return False


def test_sigkill_in_the_middle_of_the_wipe_is_completed_by_the_next_command(hub, tmp_path):
    a = enrolled_post(hub, tmp_path, "a")
    saenode.ok(["users", "add", HEAD, "--role", "head"], dir=a,
               input=(HEAD_PASS + "\n").encode())
    own = markers("a")
    case = write_everything(a, own)
    assert saenode.run(["sync"], dir=a).rc == 0
    hub.revoke(origin(a))
    proc = subprocess.Popen([saenode.BIN, "-d", a, "sync"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE,
                            env=saenode.clean_env(SAE_TEST_WIPE_PAUSE_S="30"))
    deadline = time.monotonic() + 30
    while not wipe_pending(a) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wipe_pending(a), proc.stderr.read() if proc.poll() is not None else "no pending"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    # Killed after "wipe pending" was recorded and before anything was destroyed.
    assert sealed_values(a) == len(all_markers(own))
    assert query(a, "SELECT count(*) FROM staff WHERE key_wrap IS NOT NULL") == [(1,)]
    # Any next command completes the wipe first, then refuses.
    assert_wiped_line(saenode.run(["status"], dir=a))
    assert_wiped(a, case, own)


def test_run_stops_wipes_and_says_so(hub, tmp_path):
    a = enrolled_post(hub, tmp_path, "a")
    own = markers("a")
    case = write_everything(a, own)
    assert saenode.run(["sync"], dir=a).rc == 0
    hub.revoke(origin(a))
    res = saenode.run(["run", "--interval", "1"], dir=a, timeout=60)
    assert res.rc == REVOKED_EXIT, res
    assert re.search(rb"sae-node: stopped syncing: this device was revoked by the district on",
                     res.err), res
    assert res.err.rstrip(b"\n").split(b"\n")[-1].startswith(b"sae-node: error: this device "
                                                              b"was revoked"), res
    assert_wiped(a, case, own)


def test_post_app_loop_wipes_and_every_page_says_so(hub, tmp_path):
    app = node_app.PostApp(str(tmp_path / "a")).add_staff(HEAD, HEAD_PASS, role="head")
    saenode.ok(["config", "author", "Staf a"], dir=app.dir)
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop a")], dir=app.dir)
    own = markers("a")
    case = write_everything(app.dir, own)
    assert saenode.run(["sync"], dir=app.dir).rc == 0
    app.start(interval=1)
    try:
        head = Client(app.url)
        assert head.sign_in(HEAD, HEAD_PASS)[0] == 303
        assert head.request("/")[0] == 200
        hub.revoke(origin(app.dir))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and b"stopped syncing" not in b"".join(app.log):
            time.sleep(0.2)
        assert b"stopped syncing: this device was revoked" in b"".join(app.log), app.log
        for path in ("/", "/sync", "/cases", "/case?id=" + case):
            status, page = head.request(path)
            assert status == 403 and "Perangkat ini dicabut oleh kabupaten" in page, page[:400]
            assert 'id="revoked-on">%s<' % saenode.today_wib_date() in page
            assert all(m not in page for m in all_markers(own))
        # A sign-in is refused the same way: the session keys are gone with the data.
        status, page = Client(app.url).request("/sign-in")
        assert status == 403 and "dicabut" in page
        status, _ = head.request("/lang?to=en&back=/")
        status, page = head.request("/")
        assert status == 403 and "This device was revoked by the district" in page, page[:400]
        assert_wiped(app.dir, case, own, wal_reset=False)
    finally:
        assert app.stop() == 0
    assert_wiped_line(saenode.run(["serve"], dir=app.dir))


def test_revoked_page_in_chromium_in_both_languages(hub, post_app, browser, tmp_path):
    post = enrolled_post(hub, tmp_path, "a")
    own = markers("a")
    case = write_everything(post, own)
    app = post_app(directory=post, interval=1)
    b = browser(app)
    node_app.sign_in(b)
    deadline = time.monotonic() + 60
    while saenode.ok(["status", "--json"], dir=app.dir).json()["pending"] and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    hub.revoke(origin(app.dir))
    while time.monotonic() < deadline and b"stopped syncing" not in b"".join(app.log):
        time.sleep(0.2)
    for path in ("/", "/sync"):
        b.open(path)
        assert "Perangkat ini dicabut oleh kabupaten" in b.text("#alert"), path
        assert b.text("#revoked-on") == str(saenode.today_wib_date())
    b.click("#lang-switch")
    assert b.path == "/sync"
    assert "This device was revoked by the district" in b.text("#alert")
    b.open("/")
    assert "survivors' data on it was wiped" in b.text("#alert")
    assert not [m for m in b.console_messages() if "Content Security Policy" in m]
    assert_wiped(app.dir, case, own, wal_reset=False)


@pytest.mark.serial  # valgrind
def test_wipe_and_refusal_under_valgrind(hub, tmp_path):
    """The wipe (sync that receives the notice) and a later refusal: no memory error, no
    definite or indirect leak."""
    if not shutil.which("valgrind"):
        pytest.skip("needs valgrind (scripts/deps.sh installs it)")
    with open(saenode.BIN, "rb") as f:
        if b"__asan_init" in f.read():
            pytest.skip("SAE_NODE_BIN is built with AddressSanitizer, which valgrind cannot run")
    # --trace-children: sae-node runs sync in sae-node-net, by exec.
    wrapper = ["valgrind", "-q", "--error-exitcode=99", "--trace-children=yes",
               "--leak-check=full", "--errors-for-leak-kinds=definite,indirect"]
    a = enrolled_post(hub, tmp_path, "a")
    own = markers("a")
    case = write_everything(a, own)
    assert saenode.run(["sync"], dir=a).rc == 0
    hub.revoke(origin(a))
    for args in (["sync"], ["status"]):
        res = saenode.run(args, dir=a, wrapper=wrapper, timeout=300)
        assert res.rc == REVOKED_EXIT, res
    assert_wiped(a, case, own)


def test_a_revoked_post_that_enrolls_again_is_wiped_at_its_enrollment(hub, tmp_path):
    """A new bundle of the same hub, saved after the revocation (enrolled_ms starts again
    from 0): the hub's key proved itself at the first enrollment, so its sealed REVOKED on
    /v1/enroll wipes too."""
    a = enrolled_post(hub, tmp_path, "a")
    own = markers("a")
    case = write_everything(a, own)
    assert saenode.run(["sync"], dir=a).rc == 0
    hub.revoke(origin(a))
    # enroll asks the hub before it keeps the bundle of an enrolled post: the round's
    # notice wipes there and then.
    assert_wiped_line(saenode.run(["enroll", hub.add_node(saenode.VILLAGE,
                                                           name="Laptop a lagi")], dir=a))
    assert_wiped(a, case, own)
    assert_wiped_line(saenode.run(["sync"], dir=a))


def test_a_notice_before_the_first_enrollment_completed_wipes_nothing(hub, tmp_path):
    """Any bundle can name any key: until the hub it names has answered an enrollment of
    this post, a notice sealed by that key (here by the real hub's key, from a server
    holding the hub's TLS key too) is not enough to wipe."""
    a = saenode.init(str(tmp_path / "a"), author="Staf a")
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop a")], dir=a)
    own = markers("a")
    write_everything(a, own)
    with open(os.path.join(hub.dir, "hub.key"), "rb") as f:
        hub_key = nacl.public.PrivateKey(f.read())
    port = hub.port
    assert hub.stop() == 0
    forger = ForgingServer(hub, port, lambda request: notice(hub_key, request[14:46]))
    try:
        res = saenode.run(["sync"], dir=a)
    finally:
        forger.close()
    saenode.assert_one_line_error(res, 1, "without the district hub's sealed notice")
    assert forger.requests == ["/v1/enroll"]
    assert sealed_values(a) == len(all_markers(own))
    assert query(a, "SELECT count(*) FROM meta WHERE key = 'revoked_ms'") == [(0,)]
    hub.start(port=port)
    assert saenode.run(["sync"], dir=a).rc == 0
