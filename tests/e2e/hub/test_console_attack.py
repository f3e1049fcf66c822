"""The audit's real tools against the district console (issue 11, Security), on its own
listener (`serve --console`) and on the console's paths of the shared listener, each
bounded in connections and time, on 127.0.0.1 only:

- testssl.sh on the console's own listener: protocols, cipher categories, BREACH, HSTS, the
  security headers and the cookie of /console/ pages, and a handshake offering every suite
  but AES-GCM and ChaCha20 refused (tls_suites.py); on the shared listener the hub's scan
  (test_hub_attack.py) reads the same page;
- slowhttptest: slow headers, slow bodies of the sign-in POST, slow reads of the sign-in
  page, with 500 slow connections of our own from 20 more addresses;
- wrk on the sign-in page and on a signed-in page (a session cookie);
- sign-in brute force against one account from 60 addresses of 127.0.0.0/8: the
  per-account throttle holds, and an account that does not exist gets the same answers;
- oversized and too many cookies and headers, at their edges;
- sessions of one account, at their bound (HUB_SESSIONS_PER_ACCOUNT).
During and after each attack a signed-in office user (from an address of its own) reads a
page, a post (through a proxy on an address of its own) syncs, the daemon stays up, and
its memory and open file descriptors stay bounded (/proc/PID/status and /proc/PID/fd).
The tests assert answers, never speed; `make bench` (bench_hub_attack.py) prints wrk's
requests a second on the console beside the posts' endpoint, and the sign-in's time for an
unknown name beside a known one."""
import re
import signal
import socket
import ssl
import time

import pytest

import attack
import hubproc
import renegotiation
import saenode
import tls_suites
from console_client import Console
from faultproxy import FaultProxy

# Serial (make e2e runs it alone; tests/e2e/conftest.py says why): attack tools, floods sized
# from a measured hash time, open-file counts and deadlines of seconds.
pytestmark = pytest.mark.serial

VILLAGE = "Sumberanyar"
OFFICE_ADDRESS = "127.0.8.2"   # the office user's browser
POST_ADDRESS = "127.0.8.3"     # the post, through the proxy
FDS_MAX = 2048                 # well under the hub's 4,096 connections
RSS_MAX_KIB = 256 * 1024       # the hub's memory aim (README, "Limits of the hub's server")
SESSIONS_PER_ACCOUNT = 16      # HUB_SESSIONS_PER_ACCOUNT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Office:
    """A hub with accounts siti (coordinator, the attacked account) and budi (operator, the
    office user signed in from OFFICE_ADDRESS), a post syncing through a proxy from
    POST_ADDRESS, and the console on its own listener (own=True) or the shared one."""

    def __init__(self, tmp_path, own):
        self.hub = hubproc.Hub(tmp_path / "hub").init()
        self.passwords = {name: self.hub.add_account(name, role) for name, role in
                          (("siti", "coordinator"), ("budi", "operator"))}
        self.console_port = free_port() if own else None
        self.hub.start(args=["--console", "127.0.0.1:%d" % self.console_port] if own else ())
        self.console_port = self.console_port or self.hub.port
        self.url = "https://127.0.0.1:%d" % self.console_port
        self.proxy = FaultProxy(self.hub.port, source_address=POST_ADDRESS).start()
        self.post = str(tmp_path / "post")
        saenode.init(self.post, VILLAGE)
        saenode.ok(["enroll", self.hub.add_node(VILLAGE, port=self.proxy.port)], dir=self.post)
        self.user = self.sign_in("budi", OFFICE_ADDRESS)
        self.pid = self.hub.proc.pid
        self.fds_idle = attack.fd_count(self.pid)

    def sign_in(self, name, source):
        user = Console(self.hub, base=self.url, source=source)
        user.sign_in(name, self.passwords[name])
        user.accept_conduct()
        return user

    def query_sessions(self, name):
        return self.hub.query("SELECT count(*) FROM session WHERE account = ?", (name,))[0][0]

    def assert_working(self):
        """The daemon is up, the office user reads a page, the post syncs a new case, and
        memory and descriptors are bounded. Returns the descriptors open now."""
        assert self.hub.proc.poll() is None, self.hub.log_text()[-2000:]
        page = self.user.get("/console/")
        assert page.status_code == 200 and "Selamat datang, budi" in page.text, page
        saenode.add_case(self.post)
        result = saenode.run(["sync", "--json"], dir=self.post)
        assert result.rc == 0 and result.json()["pushed"] >= 1, result
        fds = attack.fd_count(self.pid)
        assert fds < FDS_MAX, fds
        assert attack.vm_kib(self.pid, "VmHWM") < RSS_MAX_KIB
        return fds

    def assert_recovered(self, timeout=60):
        """After an attack: working, and the descriptors back near where they were idle
        (the attack's connections closed, none leaked)."""
        deadline = time.monotonic() + timeout
        while attack.fd_count(self.pid) > self.fds_idle + 16 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert attack.fd_count(self.pid) <= self.fds_idle + 16, (attack.fd_count(self.pid),
                                                                 self.fds_idle)
        self.assert_working()

    def close(self):
        self.proxy.stop()
        rc = self.hub.stop()
        for marker in hubproc.CRASH_MARKERS:
            assert marker not in self.hub.log_text()
        assert rc == 0


@pytest.fixture(params=["own", "shared"])
def office(request, tmp_path):
    o = Office(tmp_path, own=request.param == "own")
    yield o
    o.close()


@pytest.fixture
def own_office(tmp_path):
    o = Office(tmp_path, own=True)
    yield o
    o.close()


# ---------------------------------------------------------------------------------------
# TLS and headers

def test_testssl_on_the_console(own_office):
    """The page's scan on the console's own listener. The shared listener is the hub's, whose
    scan in test_hub_attack.py reads the same page's HSTS, security headers and cookie beside
    the full -E and -U scan of the TLS stack both use."""
    office = own_office
    report = attack.testssl(office.console_port, checks=attack.TESTSSL_PAGE_CHECKS,
                            path="/console/sign-in")
    office.assert_working()
    attack.assert_testssl_report(report)
    tls_suites.assert_aead_only(office.console_port)
    # testssl's verdict on client-initiated renegotiation is a race (renegotiation.py):
    # decided here by what the listener answers to a second ClientHello.
    renegotiation.assert_refused(office.console_port)
    office.assert_recovered()


# ---------------------------------------------------------------------------------------
# Slow clients

@pytest.mark.parametrize("mode", ["-H", "-B", "-X"])
def test_slow_clients_on_the_console(office, mode):
    path = "/console/sign-in"
    ours = None
    if mode != "-X":  # slowhttptest's slow reads need an answer; ours send slowly
        ours = attack.SlowClients(office.console_port, attack.sources(20, third_octet=4), 25,
                                  mode="headers" if mode == "-H" else "body", limit=90,
                                  path=path).start()
    tool = attack.slowhttptest(office.console_port, mode, connections=300, seconds=25,
                               path=path)
    try:
        if ours:
            assert ours.wait_open(500, timeout=60), (ours.open_now, ours.failed)
        if mode == "-B":
            time.sleep(11)  # past the 10 s after which the slowest body gives its place
        else:
            # Slow headers and slow reads meet no deadline within the attack (the header
            # deadline applies near the connection limit only, the idle one after 60 s):
            # it is at full strength once slowhttptest says it holds the 200 checked below.
            assert attack.wait_slowhttptest_holds(tool, 200), tool.output()[-2000:]
        fds = office.assert_working()
        assert fds > office.fds_idle + 200, fds  # the attack held its connections
        if ours:
            assert ours.open_now >= 450
    finally:
        if ours:
            ours.stop()
        held, report = attack.slowhttptest_held(tool)
    assert held >= 200, report[-2000:]
    office.assert_recovered()


# ---------------------------------------------------------------------------------------
# Floods

def test_wrk_on_the_sign_in_page_and_a_signed_in_page(office):
    attacker = office.sign_in("siti", "127.0.0.1")
    cookie = "sae_session=%s" % attacker.http.cookies["sae_session"]
    for path, headers in (("/console/sign-in", ()), ("/console/reports", ("Cookie: " + cookie,))):
        # Bounded at 30 s, stopped as soon as the honest client has been served: what it
        # proves is that the daemon answers others during a flood and after it.
        flood = attack.Tool(["wrk", "-t2", "-c32", "-d30s"] +
                            [a for h in headers for a in ("-H", h)] + [office.url + path],
                            timeout=60)
        try:
            time.sleep(2)
            office.assert_working()
        finally:
            report = flood.finish(signal.SIGINT)  # wrk prints its summary and ends
        done = re.search(r"(\d+) requests in", report)
        assert done and int(done.group(1)) > 1000, report
        office.assert_recovered()
    log = office.hub.log_text()
    assert b" 500 in=" not in log and b" 503 in=" not in log
    # The attacker's own session still works once its address has tokens again.
    time.sleep(2)
    assert attacker.get("/console/reports").status_code == 200


# ---------------------------------------------------------------------------------------
# Sign-in brute force

def attempt(office, name, password, source):
    """One sign-in from source, whose connection the attacker then closes: the answers the
    test keeps would otherwise hold 120 kept-alive connections open until the hub's idle
    timeout (60 s, test_http_limits.c's) and assert_recovered would wait for it."""
    attacker = Console(office.hub, base=office.url, source=source)
    try:
        return attacker.api("POST", "/session", {"name": name, "password": password},
                            csrf=False)
    finally:
        attacker.http.close()


def test_brute_force_from_60_addresses_against_one_account(own_office):
    o = own_office
    sources = attack.sources(60, third_octet=5)
    answers = {}
    for name in ("siti", "tidak-ada"):  # an account, and a name no account has
        answers[name] = [attempt(o, name, "guess-%d-of-many" % i, source)
                         for i, source in enumerate(sources)]
    for name, got in answers.items():
        statuses = [a.status_code for a in got]
        assert statuses == [401] * 5 + [429] * 55, (name, statuses)
        assert all(1 <= int(a.headers["Retry-After"]) <= 900 for a in got[5:])
    # The answers do not tell the names apart: same status, same body, in the same order.
    for known, unknown in zip(answers["siti"], answers["tidak-ada"]):
        assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
        assert known.headers.get("Content-Type") == unknown.headers.get("Content-Type")
    # The right password from a fresh address is refused too while the account is locked,
    # and the office user's own account is not.
    assert attempt(o, "siti", o.passwords["siti"], "127.0.6.2").status_code == 429
    assert attempt(o, "budi", o.passwords["budi"], "127.0.6.3").status_code == 200
    assert o.query_sessions("siti") == 0
    audit = o.hub.query("SELECT action, count(*) FROM audit WHERE action LIKE 'sign-in%' "
                        "GROUP BY action ORDER BY action")
    assert dict(audit)["sign-in-failed"] == 10 and dict(audit)["sign-in-throttled"] == 111
    text = repr(o.hub.query("SELECT * FROM audit"))
    assert "guess-" not in text and "tidak-ada" not in text
    o.assert_recovered()


# ---------------------------------------------------------------------------------------
# Oversized and too many cookies and headers

def raw_status(port, head, source=OFFICE_ADDRESS):
    """The status of one request sent as the exact bytes head, from source."""
    context = attack.insecure_context()
    with socket.create_connection(("127.0.0.1", port), timeout=30,
                                  source_address=(source, 0)) as sock:
        with context.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
            tls.sendall(head)
            answer = b""
            while b"\r\n" not in answer:
                try:
                    chunk = tls.recv(4096)
                except (ssl.SSLError, OSError):
                    break
                if not chunk:
                    break
                answer += chunk
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None


def request_head(path, headers):
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1"] + headers
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_oversized_and_too_many_cookies_and_headers(own_office):
    o = own_office
    port = o.console_port
    extra = ["X-Pad-%d: v" % i for i in range(47)]  # with Host: 48 headers, the limit
    assert raw_status(port, request_head("/console/sign-in", extra)) == 200
    assert raw_status(port, request_head("/console/sign-in", extra + ["X-One-More: v"])) == 431
    cookies = "; ".join("c%d=v" % i for i in range(16))
    assert raw_status(port, request_head("/console/sign-in", ["Cookie: " + cookies])) == 200
    assert raw_status(port, request_head("/console/sign-in",
                                         ["Cookie: " + cookies + "; c16=v"])) == 431
    # A session cookie longer than any token is no session: the sign-in page, never a 500.
    token = o.user.http.cookies["sae_session"]
    for value in (token + "A" * (256 - len(token)), "A" * 5000):
        status = raw_status(port, request_head("/console/", ["Cookie: sae_session=" + value]))
        assert status == 303, (len(value), status)
    # One header past the connection's 64 KiB: libmicrohttpd's own 431, the daemon fine.
    assert raw_status(port, request_head("/console/", ["X-Big: " + "a" * 70000])) == 431
    assert raw_status(port, request_head("/console/", ["Cookie: s=" + "a" * 70000])) == 431
    o.assert_recovered()


# ---------------------------------------------------------------------------------------
# Sessions of one account

def test_sessions_of_one_account_are_bounded(own_office):
    o = own_office
    users = [o.sign_in("siti", "127.0.7.%d" % (2 + i)) for i in range(SESSIONS_PER_ACCOUNT)]
    assert o.query_sessions("siti") == SESSIONS_PER_ACCOUNT
    time.sleep(1.1)  # a second later, so "least recently used" is not a tie
    for user in users[1:]:
        assert user.get("/console/").status_code == 200
    newest = o.sign_in("siti", "127.0.7.200")
    assert o.query_sessions("siti") == SESSIONS_PER_ACCOUNT
    assert users[0].get("/console/").status_code == 303  # the least recently used ended
    for user in users[1:] + [newest]:
        assert user.get("/console/").status_code == 200
    assert o.user.get("/console/").status_code == 200  # another account's: untouched
    for user in users + [newest]:  # their 17 connections, else closed by the idle timeout
        user.http.close()
    o.assert_recovered()


# ---------------------------------------------------------------------------------------
# A sign-in queued behind a flood of hashes

def timed_wrong_sign_in(hub, source):
    """Seconds one refused sign-in takes alone (one Argon2id hash, for a name with no
    account as for a real one)."""
    started = time.monotonic()
    r = Console(hub, source=source).api("POST", "/session", {"name": "nobody-here",
                                        "password": "a-wrong-guess"}, csrf=False)
    assert r.status_code == 401
    return time.monotonic() - started


FLOOD_FIRST_MAX = 400
FLOOD_TRIES = 3


def sign_in_behind_a_flood(h, pw, count, attempt):
    """Seconds siti's sign-in took while count wrong guesses from as many addresses were
    hashed; her session must be live right after it and every guess refused."""
    import concurrent.futures
    flood = [("127.%d.%d.%d" % (10 + attempt, i // 250, 2 + i % 250), "guess-%d" % i)
             for i in range(count)]
    with concurrent.futures.ThreadPoolExecutor(len(flood)) as pool:
        guesses = [pool.submit(lambda s=s, n=n: Console(h, source=s).api(
            "POST", "/session", {"name": n, "password": "a-wrong-guess"}, csrf=False))
            for s, n in flood]
        time.sleep(0.3)  # the guesses are queued for the hashing first
        user = Console(h, source="127.0.9.%d" % (100 + attempt))
        started = time.monotonic()
        user.sign_in("siti", pw)
        waited = time.monotonic() - started
        assert user.api("GET", "/session").status_code == 200, waited
        assert [g.result().status_code for g in guesses] == [401] * len(flood)
    return waited


def test_a_sign_in_queued_behind_a_flood_starts_its_session_when_it_ends(tmp_path):
    """Argon2id runs 2 at once, so under a flood of guesses an honest sign-in waits its
    turn. Its session's idle time must start when it is signed in, not when its request was
    read: with a 2 s idle limit and 80 guesses queued ahead, the session is live right after
    the answer. Before the fix the session was stamped before the hashing wait; on this
    machine under load (hashes of a second each) it was born expired. The wait after the
    request is read is bounded by the pool's 4 threads (at most 2 hashes ahead), so on an
    idle machine the old code passes too: this test catches it only under load. The flood is
    sized from one hash's time on this machine, so that the honest sign-in waits past the
    idle limit on a fast machine too (a fixed 80 waited only 1.9 s in a clean root)."""
    h = hubproc.Hub(tmp_path / "hub").init()
    pw = h.add_account("siti")
    idle = 2
    h.start(env={"SAE_TEST_SESSION_IDLE_S": str(idle)})
    try:
        one_hash = min(timed_wrong_sign_in(h, "127.0.8.%d" % (2 + i)) for i in range(3))
        # Two hashes at a time: this many guesses queue about 3x the idle limit of hashing.
        # How far ahead of the honest sign-in they get is the scheduler's (a quiet clean root
        # once let it through after 1.6 s behind 129), so a flood that did not hold it past
        # the limit is sent again twice as large, at most FLOOD_TRIES times.
        count = max(80, min(FLOOD_FIRST_MAX, int(2 * 3 * idle / one_hash)))
        for attempt in range(FLOOD_TRIES):
            if attempt:
                count *= 2
            waited = sign_in_behind_a_flood(h, pw, count, attempt)
            print("waited %.2f s behind %d guesses of %.3f s" % (waited, count, one_hash))
            if waited > idle:
                break
        assert waited > idle, (waited, count, one_hash)  # the premise: it waited past the limit
    finally:
        assert h.stop() == 0
