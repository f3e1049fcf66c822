# serial: runs testssl.sh, slowhttptest, wrk and hundreds of slow connections against one
# daemon, and times nothing but needs the machine's cores to itself to stay within bounds.
"""The audit's real tools against the post app on a LAN listen (issue 12: `sae-node serve
--listen https://127.0.0.1:PORT`, TLS with the certificate made on first use), as the
console was attacked (test_console_attack.py, whose helpers in attack.py these reuse), each
bounded in connections and time, on 127.0.0.0/8 only:

- testssl.sh: protocols, cipher categories, BREACH, HSTS, the security headers and the cookie
  of the sign-in page, and a handshake offering every suite but AES-GCM and ChaCha20 refused
  (tls_suites.py: the listener is the hub's TLS stack, whose every suite and vulnerability
  test_hub_attack.py scans);
- slowhttptest's slow headers, slow sign-in bodies and slow reads, beside slow connections
  of our own from more addresses;
- wrk on the sign-in page and on a signed-in page;
- a sign-in brute force from 60 addresses against the head of post, and against a name no
  one has: the throttle answers alike and its memory stays bounded;
- bodies over the limits, 129 form fields, broken multipart uploads of the enroll bundle,
  bad UTF-8 and NUL bytes: each answered with a clear status, nothing changed.
During and after each attack a kader signed in from an address of their own reads pages,
the app's own sync loop keeps syncing with a real hub (a case recorded meanwhile reaches
it), an honest sign-in succeeds, the daemon stays up, and its memory and open descriptors
stay bounded (/proc/PID/status and /proc/PID/fd). The tests assert answers, never speed."""
import re
import signal
import socket
import time

import pytest
import requests
import urllib3

import attack
import node_app
import renegotiation
import saenode
import tls_suites
from console_client import SourceAdapter
from test_console_attack import raw_status, request_head

pytestmark = pytest.mark.serial

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

KADER = "Siti Kader"
KADER_PASSPHRASE = "teh-manis-di-pos-desa"
KADER_ADDRESS = "127.0.9.2"      # the kader's phone on the post's Wi-Fi
FDS_MAX = 512                    # the app's 256 connections and its files
RSS_MAX_KIB = 256 * 1024
WAIT_S = 90


class Kader:
    """A browser-like client (python3-requests) from its own address that never follows
    redirects. It accepts the app's self-signed certificate as a phone whose user compared
    its fingerprint does (OpenSSL takes no self-signed leaf as its own anchor)."""

    def __init__(self, app, source):
        self.base = app.url
        self.http = requests.Session()
        self.http.verify = False
        self.http.mount("https://", SourceAdapter(source))

    def request(self, method, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 60)
        kw.setdefault("verify", False)  # else a CA bundle named in the environment wins
        return self.http.request(method, self.base + path, **kw)

    def csrf(self, path):
        page = self.request("GET", path)
        assert page.status_code == 200, (path, page.status_code)
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    def sign_in(self, name, passphrase):
        return self.request("POST", "/sign-in", data={
            "csrf": self.csrf("/sign-in"), "name": name, "passphrase": passphrase})


def guess(app, source, name, passphrase):
    """One sign-in from source, whose connection the attacker then closes: the answers the
    test keeps would otherwise hold 120 kept-alive connections open until the app's idle
    timeout (60 s, test_http_limits.c's) and assert_recovered would wait for it."""
    attacker = Kader(app, source)
    try:
        return attacker.sign_in(name, passphrase)
    finally:
        attacker.http.close()


class Post:
    """A post enrolled with a real hub, its app on a LAN-style HTTPS listen with its sync
    loop every 2 s, the head of post and a kader signed in from KADER_ADDRESS."""

    def __init__(self, hub, post_app, tmp_path):
        self.hub = hub
        self.dir = saenode.init(str(tmp_path / "post"), saenode.VILLAGE, author="Staf Pos")
        saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop Pos")], dir=self.dir)
        node_app.PostApp(self.dir).add_staff(KADER, KADER_PASSPHRASE)
        self.app = post_app(directory=self.dir, listen="https://127.0.0.1:0", interval=2)
        assert self.app.url.startswith("https://127.0.0.1:")
        self.port = int(self.app.url.rsplit(":", 1)[1])
        self.pid = self.app.proc.pid
        self.kader = Kader(self.app, KADER_ADDRESS)
        assert self.kader.sign_in(KADER, KADER_PASSPHRASE).status_code == 303
        self.wait_synced()
        self.fds_idle = attack.fd_count(self.pid)

    def status(self):
        return saenode.ok(["status", "--json"], dir=self.dir).json()

    def wait_synced(self, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.status()
            if s["enrolled"] and s["pending"] == 0 and s["last_sync"]:
                return s
            time.sleep(0.5)
        raise AssertionError("the app's loop did not sync: %r" % self.status())

    def assert_working(self, source="127.0.9.3"):
        """The daemon is up, the kader reads pages, an honest sign-in from a fresh address
        succeeds, the loop sends a case recorded now, and memory and descriptors are bounded.
        Returns the descriptors open now."""
        assert self.app.proc.poll() is None, self.app.log_text()[-2000:]
        home = self.kader.request("GET", "/")
        assert home.status_code == 200 and KADER in home.text, home.status_code
        assert self.kader.request("GET", "/sync").status_code == 200
        assert Kader(self.app, source).sign_in(KADER, KADER_PASSPHRASE).status_code == 303
        case = saenode.add_case(self.dir, victim_name="Korban saat diserang")
        self.wait_synced()
        assert self.hub.query("SELECT count(*) FROM change WHERE report_id = ?",
                              (case,))[0][0] > 0
        fds = attack.fd_count(self.pid)
        assert fds < FDS_MAX, fds
        assert attack.vm_kib(self.pid, "VmHWM") < RSS_MAX_KIB
        return fds

    def assert_recovered(self, timeout=60):
        deadline = time.monotonic() + timeout
        while attack.fd_count(self.pid) > self.fds_idle + 16 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert attack.fd_count(self.pid) <= self.fds_idle + 16, (attack.fd_count(self.pid),
                                                                 self.fds_idle)
        self.assert_working(source="127.0.9.4")

    def unchanged(self):
        """What a refused request must not change: reports, staff, the bundle."""
        listed = saenode.ok(["list", "--json"], dir=self.dir).json()
        staff = saenode.ok(["users", "list"], dir=self.dir).text
        s = self.status()
        return (sorted(r["id"] for r in listed), staff, s["hub"], s["device_name"])


@pytest.fixture
def post(hub, post_app, tmp_path):
    p = Post(hub, post_app, tmp_path)
    yield p
    for marker in saenode.CRASH_MARKERS:
        assert marker.decode() not in p.app.log_text()


# ---------------------------------------------------------------------------------------
# TLS and headers

def test_testssl_on_the_post_app(post):
    report = attack.testssl(post.port, checks=attack.TESTSSL_PAGE_CHECKS, path="/sign-in")
    attack.assert_testssl_report(report)
    tls_suites.assert_aead_only(post.port)
    # testssl's verdict on client-initiated renegotiation is a race (renegotiation.py):
    # decided here by what the app answers to a second ClientHello.
    renegotiation.assert_refused(post.port)
    post.assert_recovered()


# ---------------------------------------------------------------------------------------
# Slow clients

@pytest.mark.parametrize("mode", ["-H", "-B", "-X"])
def test_slow_clients_on_the_post_app(post, mode):
    ours = None
    if mode != "-X":  # slowhttptest's slow reads need an answer; ours send slowly
        # 150 of ours and slowhttptest's 64 (its one address's share) stay under the 256
        # the app holds: past it a new connection takes the place of one waiting for its
        # headers, ours reopen theirs at once, and slowhttptest's (which do not) were
        # squeezed out; with 200 of ours the clean-root run held only 23 of them.
        ours = attack.SlowClients(post.port, attack.sources(10, third_octet=4), 15,
                                  mode="headers" if mode == "-H" else "body", limit=90,
                                  path="/sign-in").start()
    tool = attack.slowhttptest(post.port, mode, connections=300, seconds=25,
                               path="/console/sign-in")
    # slowhttptest posts a 60,000-byte form to a console path: the app has none, so the
    # body is the post app's to bound; its own path would be the same bytes.
    try:
        with attack.FdPeak(post.pid) as fds:
            if ours:
                # 100 of our 150 at once: with slowhttptest's 300 handshakes at the same
                # time on a one-thread app and two cores, a clean root reached 100 in
                # 60 s; what the attack held in all is the peak checked below.
                assert ours.wait_open(100, timeout=60), (ours.open_now, ours.failed)
            if mode == "-B":
                time.sleep(11)  # past the 10 s after which the slowest body gives its place
            else:
                # Slow headers and slow reads meet no deadline within the attack (the
                # header deadline applies near the connection limit only, the idle one
                # after 60 s): at full strength once slowhttptest says it holds the 50
                # checked below.
                assert attack.wait_slowhttptest_holds(tool, 50), tool.output()[-2000:]
            post.assert_working()
        # The attack held its connections: slowhttptest's from its one address up to the
        # 64 an address may hold, ours beside them.
        assert fds.peak > post.fds_idle + (100 if ours else 50), (fds.peak, post.fds_idle)
    finally:
        if ours:
            ours.stop()
        held, report = attack.slowhttptest_held(tool)
    assert held >= 50, report[-2000:]
    post.assert_recovered()


# ---------------------------------------------------------------------------------------
# Floods

def test_wrk_while_the_loop_syncs_and_a_kader_signs_in(post):
    attacker = Kader(post.app, "127.0.0.1")
    assert attacker.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE).status_code == 303
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in attacker.http.cookies)
    for path, headers in (("/sign-in", ()), ("/cases", ("Cookie: " + cookie,))):
        # Bounded at 30 s, stopped as soon as the honest client has been served: what it
        # proves is that the daemon answers others during a flood and after it.
        flood = attack.Tool(["wrk", "-t2", "-c32", "-d30s"] +
                            [a for h in headers for a in ("-H", h)] + [post.app.url + path],
                            timeout=60)
        try:
            time.sleep(2)
            post.assert_working()
        finally:
            report = flood.finish(signal.SIGINT)  # wrk prints its summary and ends
        done = re.search(r"(\d+) requests in", report)
        assert done and int(done.group(1)) > 500, report
        post.assert_recovered()
    log = post.app.log_text()
    assert " 500 in=" not in log and " 503 in=" not in log


# ---------------------------------------------------------------------------------------
# Sign-in brute force

def test_brute_force_is_throttled_alike_and_bounded(post):
    sources = attack.sources(60, third_octet=5)
    answers = {}
    for name in (node_app.HEAD, "Tidak Ada"):
        answers[name] = [guess(post.app, source, name, "tebakan-ke-%d-dari-banyak" % i)
                         for i, source in enumerate(sources)]
    for name, got in answers.items():
        statuses = [a.status_code for a in got]
        assert statuses == [401] * 5 + [429] * 55, (name, statuses)
        assert all(1 <= int(a.headers["Retry-After"]) <= 900 for a in got[5:])
    for known, unknown in zip(answers[node_app.HEAD], answers["Tidak Ada"]):
        assert known.status_code == unknown.status_code
        assert known.headers.get("Content-Type") == unknown.headers.get("Content-Type")
    # The right passphrase is refused too while the name is locked; another name is not.
    locked = Kader(post.app, "127.0.6.2").sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)
    assert locked.status_code == 429
    # Many names from many addresses: each failure is remembered, in bounded memory.
    before = attack.vm_kib(post.pid, "VmRSS")
    for i in range(100):
        r = guess(post.app, "127.0.20.%d" % (2 + i), "nama-%d" % i, "tebakan-yang-salah")
        assert r.status_code == 401, (i, r.status_code)
    assert attack.vm_kib(post.pid, "VmRSS") - before < 32 * 1024
    assert "tebakan" not in post.app.log_text()
    post.assert_recovered()


# ---------------------------------------------------------------------------------------
# Oversized and malformed requests

def raw_page(port, head, source="127.0.9.5"):
    """The first bytes of the answer to the exact bytes head."""
    context = attack.insecure_context()
    with socket.create_connection(("127.0.0.1", port), timeout=30,
                                  source_address=(source, 0)) as sock:
        with context.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
            tls.sendall(head)
            return tls.recv(65536)


def form_post(kader, path, body, content_type="application/x-www-form-urlencoded"):
    return kader.request("POST", path, data=body, headers={"Content-Type": content_type})


def test_oversized_and_malformed_requests_change_nothing(post):
    k = post.kader
    before = post.unchanged()
    token = k.csrf("/case/new")
    # Bodies: the form limit (64 KiB), the request limit (128 KiB), far past both.
    assert form_post(k, "/case/new", "csrf=%s&narrative=%s" % (token, "a" * 70000)) \
        .status_code == 413
    # Past the request limit the answer comes on the headers, before any body byte is read
    # (a client still sending would see the connection close under it).
    for length in (128 * 1024 + 1, 10 ** 12):
        assert raw_status(post.port, b"POST /case/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\n"
                          b"Content-Length: %d\r\n\r\n" % length, source="127.0.9.5") == 413
    # A chunked body (no Content-Length) is counted as it arrives: past the form's 64 KiB,
    # 413 at its end.
    chunk = b"8000\r\n" + b"a" * 0x8000 + b"\r\n"
    assert raw_status(post.port, b"POST /case/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Transfer-Encoding: chunked\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" +
                      chunk * 7 + b"0\r\n\r\n", source="127.0.9.5") == 413
    # Names no form has, within the route's bound, are refused for their names (400); past
    # the bound (58 for a case's form, counted from the catalogue) the form is not read
    # (413). The bound's exact edge is test_post_app_form_bounds.py's.
    fields = ["csrf=" + token] + ["f%d=x" % i for i in range(9)]
    assert form_post(k, "/case/new", "&".join(fields)).status_code == 400
    fields = ["csrf=" + token] + ["f%d=x" % i for i in range(128)]
    assert form_post(k, "/case/new", "&".join(fields)).status_code == 413
    # Text that is not UTF-8, and NUL bytes, in a form and in a query.
    for bad in ("%FF%FE", "a%00b", "%C0%AF"):
        r = form_post(k, "/case/new", "csrf=%s&victim_name=%s" % (token, bad))
        assert r.status_code == 400, (bad, r.status_code)
        assert k.request("GET", "/cases?q=" + bad).status_code == 400, bad
    # Broken multipart uploads of the enroll bundle.
    token = k.csrf("/sync")
    good, kind = node_app.multipart({"csrf": token}, [("bundle", "b.json", b"{}")])
    broken = {
        "no closing boundary": (good[:-len(b"--\r\n") - 20], kind),
        "no boundary named": (good, "multipart/form-data"),
        "another boundary": (good, "multipart/form-data; boundary=something-else"),
        "two files": node_app.multipart({"csrf": token}, [("bundle", "a.json", b"{}"),
                                                          ("bundle", "b.json", b"{}")]),
        "a file under another name": node_app.multipart({"csrf": token},
                                                        [("other", "x.json", b"{}")]),
        "a NUL in a field's name": node_app.multipart({"csrf": token, "x\x00y": "1"},
                                                      [("bundle", "b.json", b"{}")]),
        "the bundle as a form": ("csrf=%s&bundle=x" % token, "application/x-www-form-urlencoded"),
    }
    for what, (body, content_type) in broken.items():
        r = form_post(k, "/sync/enroll", body, content_type)
        assert r.status_code in (400, 403, 409), (what, r.status_code)
        assert r.status_code != 200 and "Bundel disimpan" not in r.text, what
    # Raw NUL bytes: libmicrohttpd ends the path at a NUL (the page before it answers,
    # nothing after it reaches a handler), and a header holding one is read as absent.
    climb = b"/".join([b"..", b"..", b"node.db"])  # a hostile path, written as a join
    sneaky = raw_page(post.port, b"GET /sign-in\x00/" + climb + b" HTTP/1.1\r\n"
                      b"Host: 127.0.0.1\r\n\r\n")
    assert sneaky.startswith(b"HTTP/1.1 200 ") and b"SQLite format" not in sneaky
    assert raw_page(post.port, b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Cookie: sae_session=a\x00b\r\n\r\n").startswith(b"HTTP/1.1 200 ")
    # Headers and cookies at their edges, as on the console (the same web layer).
    extra = ["X-Pad-%d: v" % i for i in range(47)]
    assert raw_status(post.port, request_head("/sign-in", extra), source="127.0.9.5") == 200
    assert raw_status(post.port, request_head("/sign-in", extra + ["X-One-More: v"]),
                      source="127.0.9.5") == 431
    assert raw_status(post.port, request_head("/", ["X-Big: " + "a" * 70000]),
                      source="127.0.9.5") == 431
    assert post.unchanged() == before
    post.assert_recovered()
