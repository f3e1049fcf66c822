"""The audit's attacks, run with real tools against a real `sae-hub serve` on 127.0.0.1
(issue 9, section 3), and what must hold during each:

- 1,000 slow-header connections from 40 addresses plus slowhttptest -H from 127.0.0.1, and
  the same with slow bodies (slowhttptest -B): health answers within 1 s and a post's
  `sae-node sync` from 127.0.0.1 (the attacker's own address, as behind a carrier-grade NAT)
  succeeds; slow headers are left alone while the hub is far from its connection limit
  (cutting them there would also cut honest posts queued behind a busy hub's handshakes);
- 500 uploads at once (2 MiB pushes, slow bodies, absurd Content-Lengths): the hub's peak
  memory stays under 256 MiB and every honest upload gets an answer it can act on;
- wrk's 100,000 refused requests write under 1 MB of log;
- testssl.sh finds no CBC suite, no SHA-1 MAC, nothing vulnerable, and the console's page on
  this shared listener has its headers and cookie.
Every attack is bounded in connections and time. The tests assert answers, success, bytes
and memory, never speed; `make bench` (bench_hub_attack.py) measures the latencies."""
import re
import signal
import time

import pytest

import attack
import renegotiation
import saenode
import tls_suites

# Serial (make e2e runs it alone; tests/e2e/conftest.py says why): attack tools (slowhttptest,
# wrk, testssl.sh), floods, memory ceilings and deadlines of seconds.
pytestmark = pytest.mark.serial

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
HEALTH_SECONDS = 1.0
# serve --header-timeout for the slow headers: a deadline of seconds (the default is 20 s)
# that they outlast in seconds (test_server_deadlines.py shows it cutting near the limit).
HEADER_TIMEOUT_S = 2


def enrolled_post(hub, tmp_path, name="post"):
    post = str(tmp_path / name)
    saenode.init(post, VILLAGE)
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop %s" % name)], dir=post)
    return post


def log_bytes(hub):
    return len(hub.log_text())


def assert_available(hub, post, probes=6):
    """Health answers fast on new connections, and a post syncs its pending case."""
    for _ in range(probes):
        status, seconds = attack.probe_health(hub)
        assert status == 200 and seconds < HEALTH_SECONDS, (status, seconds)
    saenode.add_case(post)
    result = saenode.run(["sync", "--json"], dir=post)
    assert result.rc == 0, result
    assert result.json()["ok"] and result.json()["pushed"] >= 1, result
    assert saenode.ok(["status", "--json"], dir=post).json()["pending"] == 0


@pytest.mark.parametrize("mode", ["headers", "body"])
def test_slow_connections_do_not_take_the_hub_down(hub, tmp_path, mode):
    if mode == "headers":
        assert hub.stop() == 0
        hub.start(args=["--header-timeout", str(HEADER_TIMEOUT_S)])
    post = enrolled_post(hub, tmp_path)
    assert saenode.run(["sync"], dir=post).rc == 0
    before = log_bytes(hub)
    slow = attack.SlowClients(hub.port, attack.sources(40), 25, mode=mode, limit=120).start()
    tool = attack.slowhttptest(hub.port, "-H" if mode == "headers" else "-B", seconds=30)
    try:
        assert slow.wait_open(1000, timeout=60), (slow.open_now, slow.failed)
        if mode == "body":
            # slowhttptest's bodies fill 127.0.0.1's 256 places, and a connection from there
            # is refused until one of them has come slowly for 10 s: from then on the
            # slowest gives its place to a new connection, such as the post's.
            time.sleep(11)
        assert_available(hub, post)
        assert slow.open_now >= 900  # the attack was still on
        if mode == "headers":
            # Far from its 4,096 connections, the hub lets slow senders hold their slots
            # (the header deadline applies from 7/8 of them on: test_http_guard.c,
            # test_conn_guard.c and test_server_deadlines.py): none is cut, and the hub
            # still answers everyone else.
            time.sleep(HEADER_TIMEOUT_S + 3)  # past the deadline
            assert slow.cut == 0, slow.cut
            assert_available(hub, post, probes=2)
    finally:
        slow.stop()
        report = tool.finish(signal.SIGINT)
    report = re.sub(r"\x1b\[[0-9;]*m", "", report)  # its colours
    connected = [int(n) for n in re.findall(r"connected:\s+(\d+)", report)]
    assert connected and max(connected) >= 200, report[-2000:]  # it held its connections
    assert_available(hub, post, probes=1)
    log = hub.log_text()[before:]
    assert len(log) < 200 * 1024, len(log)
    if mode == "headers":
        assert b"cut: no complete request headers" not in log


# ---------------------------------------------------------------------------------------
# 500 uploads at once

def test_500_uploads_stay_under_256_mib(hub, enroll):
    envelopes = [attack.big_push(enroll(hub, VILLAGE, name="Laptop %d" % i))
                 for i in range(4)]
    idle_kib = attack.vm_kib(hub.proc.pid, "VmRSS")
    slow = attack.SlowClients(hub.port, attack.sources(10, third_octet=3), 15, mode="body",
                              interval=2, limit=300).start()
    try:
        assert slow.wait_open(150, timeout=60)
        honest, absurd = attack.upload_mix(hub.port, envelopes, honest=250, absurd=100)
    finally:
        slow.stop()
    peak_kib = attack.vm_kib(hub.proc.pid, "VmHWM")
    assert peak_kib < 256 * 1024, (idle_kib, peak_kib)
    for status, headers in honest:
        assert status in (200, 429, 503), (status, headers)
        if status != 200:
            assert int(headers["Retry-After"]) >= 1, headers
    for status, headers in absurd:
        assert status == 413, (status, headers)
    assert sum(1 for status, _ in honest if status == 200) >= 4
    # Every change of the four pushes is in, once.
    assert len(hub.changes()) == 4000


# ---------------------------------------------------------------------------------------
# Floods of refused requests, and TLS

def test_100000_refused_requests_write_under_1_mib_of_log(hub):
    before = log_bytes(hub)
    done, refused, report = attack.wrk_flood(hub.url + "/v1/health", 100000)
    assert done >= 100000, report
    assert refused >= 99000, report  # 429 past the address's burst of 600
    # Every refusal has its line or is counted in the summary of its window, written when
    # the window ends (10 s); a few more than wrk counted: those in flight when it stopped.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and accounted(hub.log_text()[before:]) < refused:
        time.sleep(0.5)
    log = hub.log_text()[before:]
    assert accounted(log) >= refused, (accounted(log), refused)
    assert len(log) < 1024 * 1024, len(log)


def accounted(log):
    """Refused requests in a log: their own lines and the summaries' counts."""
    counts = re.findall(rb"http: ([0-9,]+) more refused requests", log)
    return sum(int(n.replace(b",", b"")) for n in counts) + log.count(b" 429 in=")


def test_a_post_over_its_address_rate_is_told_to_wait(hub, tmp_path):
    """A flood from the post's own address (a NAT it shares) uses every token: the post's
    sync says so in one line with the wait, keeps its changes, and goes through later."""
    post = enrolled_post(hub, tmp_path)
    saenode.add_case(post)  # 5 changes: its 3 fields, the default status, its number
    flood = attack.Tool(["wrk", "-t1", "-c4", "-d30s", hub.url + "/v1/health"], timeout=60)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and b" 429 in=" not in hub.log_text():
            time.sleep(0.1)
        result = saenode.run(["sync"], dir=post)
    finally:
        flood.finish(signal.SIGINT)
    assert result.rc == 1, result
    assert ("the hub gets too many requests from this network; 5 change(s) wait, try again "
            "in 1 s") in result.err_text, result
    status = saenode.ok(["status", "--json"], dir=post).json()
    assert status["pending"] == 5 and "too many requests" in status["last_error"]
    time.sleep(1)  # 20 tokens come back each second
    assert saenode.run(["sync"], dir=post).rc == 0


def test_testssl_finds_no_cbc_no_sha1_nothing_vulnerable(hub):
    """The full scan of the one TLS stack, on the hub's listener, which also serves the
    console's pages (no --console): the same run reads BREACH, HSTS, the security headers and
    the cookie of the console's sign-in page on this shared listener (test_console_attack.py
    scans the console's own listener)."""
    report = attack.testssl(hub.port, checks=attack.TESTSSL_FULL_CHECKS,
                            path="/console/sign-in")
    attack.assert_testssl_report(report)
    assert attack.probe_health(hub)[0] == 200
    assert "TLS 1.3    offered" in report and "TLS 1.2    offered" in report, report
    for old in ("SSLv2", "SSLv3", "TLS 1  ", "TLS 1.1"):
        assert re.search(r"^ %s\s+not offered" % re.escape(old.strip()), report, re.M), old
    assert re.search(r"Obsolete CBC ciphers.*not offered", report), report
    assert re.search(r"LUCKY13.*not vulnerable", report), report
    attack.assert_testssl_nothing_vulnerable(report)
    # testssl's verdict on client-initiated renegotiation is a race (renegotiation.py):
    # decided here by what the hub answers to a second ClientHello.
    renegotiation.assert_refused(hub.port)
    # The quick check the post app's and the console's scans rely on agrees with -E here.
    tls_suites.assert_aead_only(hub.port)
    suites = re.findall(r"^ x[0-9a-f]{4}\s+(\S+)", report, re.M)
    assert suites, report
    for suite in suites:
        assert re.search(r"GCM|CHACHA20", suite), suite
        assert not re.search(r"CBC|-SHA$|CCM", suite), suite
