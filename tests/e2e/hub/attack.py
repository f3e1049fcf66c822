"""Attack clients for the hub's end-to-end tests and benchmark, all against 127.0.0.1 only,
each bounded in connections and time and stopping by itself:

- SlowClients: slow headers (slowloris) or slow bodies (R-U-Dead-Yet) from many source
  addresses of 127.0.0.0/8 (slowhttptest cannot bind a source address), reconnecting when
  the hub cuts them, as a real attacker would;
- upload_mix: many uploads at once, as a post's client sends them (real 2 MiB pushes from
  big_push, Expect: 100-continue) and with absurd Content-Lengths;
- probe_health: a monitor's GET /v1/health on a fresh connection, with its latency;
- the real tools of the audit as processes: slowhttptest (from one address), wrk (a request
  flood, stopped after a number of requests) and testssl.sh.
"""
import asyncio
import base64
import os
import re
import signal
import ssl
import subprocess
import tempfile
import threading
import time

import requests

import saeproto

HERE = os.path.dirname(os.path.abspath(__file__))


def sources(count, first=2, third_octet=0):
    """count loopback addresses 127.0.<third_octet>.<first>..."""
    assert first + count <= 255
    return ["127.0.%d.%d" % (third_octet, first + i) for i in range(count)]


def insecure_context():
    """An attacker checks no certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SlowClients:
    """per_source connections from each source address, each sending its request a few
    bytes every `interval` seconds: header lines that never end ("headers"), or a body that
    never completes ("body"). A connection the hub closes is counted in `cut` and opened
    again. Runs in a thread of its own until stop() or `limit` seconds."""

    def __init__(self, port, source_addresses, per_source, mode="headers", interval=5.0,
                 limit=300, path=None):
        assert mode in ("headers", "body")
        # The posts' endpoints by default; the console's sign-in takes a form of at most
        # 64 KiB (WEB_FORM_BODY_BYTES), so its slow body declares less.
        self.path = (path or ("/v1/health" if mode == "headers" else "/v1/push")).encode()
        self.port = port
        self.sources = list(source_addresses)
        self.per_source = per_source
        self.mode = mode
        self.interval = interval
        self.limit = limit
        self.opened = self.cut = self.failed = self.open_now = 0
        self.answers = []  # status lines the hub sent before closing, if any
        self._stop = None
        self._loop = None
        self._thread = None
        self._started = threading.Event()

    @property
    def total(self):
        return len(self.sources) * self.per_source

    def _head(self):
        if self.mode == "headers":
            return (b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"User-Agent: slow-headers\r\n" % self.path)
        if self.path.startswith(b"/console/"):
            return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 60000\r\n\r\n" % self.path)
        return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/octet-stream\r\nContent-Length: 2000000\r\n\r\n"
                % self.path)

    def _trickle(self, n):
        if self.mode == "headers":
            return b"X-%d: a\r\n" % n
        return b"a" * 16 if self.path.startswith(b"/console/") else b"\xee" * 16

    async def _one(self, source, context):
        n = 0
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, ssl=context, local_addr=(source, 0),
                    server_hostname="127.0.0.1", ssl_handshake_timeout=30)
            except (OSError, ssl.SSLError, asyncio.TimeoutError):
                self.failed += 1
                await self._pause(1.0)
                continue
            self.opened += 1
            self.open_now += 1
            try:
                writer.write(self._head())
                while not self._stop.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(4096), self.interval)
                    except asyncio.TimeoutError:
                        n += 1
                        writer.write(self._trickle(n))
                        await writer.drain()
                        continue
                    if not data:
                        break
                    if data.startswith(b"HTTP/1.1 "):
                        self.answers.append(data.split(b"\r\n", 1)[0].decode())
                if not self._stop.is_set():
                    self.cut += 1
            except (OSError, ssl.SSLError):
                self.cut += 1
            finally:
                self.open_now -= 1
                writer.close()

    async def _pause(self, seconds):
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _main(self):
        self._stop = asyncio.Event()
        self._started.set()
        context = insecure_context()
        tasks = []
        # A ramp, not a single burst: 200 new connections a second, like slowhttptest -r 200.
        for i in range(self.per_source):
            for source in self.sources:
                tasks.append(asyncio.ensure_future(self._one(source, context)))
                if len(tasks) % 20 == 0:
                    await asyncio.sleep(0.1)
        await self._pause(self.limit)
        self._stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self):
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._started.wait(30)
        return self

    def wait_open(self, count, timeout=120):
        """Waits until count connections are open at once; returns whether they were."""
        return self._wait(lambda: self.open_now >= count, timeout)

    def wait_cut(self, count, timeout=120):
        """Waits until the hub has closed count connections; returns whether it has."""
        return self._wait(lambda: self.cut >= count, timeout)

    @staticmethod
    def _wait(condition, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return False

    def stop(self):
        if self._loop and self._stop and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(60)
            assert not self._thread.is_alive(), "slow clients did not stop"


def big_push(device):
    """A real push of 1,000 changes sealed into just under 2 MiB: base64 narratives do not
    compress below 6 bits a character."""
    changes = []
    for _ in range(1000):
        text = base64.b64encode(os.urandom(1950)).decode()
        changes += device.write(saeproto.new_report_id(), "case", {"narrative": text})
    envelope = device.seal(saeproto.PUSH_BATCH, device.push_batch(changes))
    assert 1.8 * 1024 * 1024 < len(envelope) <= saeproto.ENVELOPE_BYTES, len(envelope)
    return envelope


async def read_answer(reader):
    """(status, headers) of one HTTP answer (body skipped)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers


async def upload(port, source, head, body, context):
    """One upload as a post's client sends it: headers with Expect: 100-continue, the body
    only after "100 Continue". Returns (status, headers), or (None, error)."""
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, local_addr=(source, 0),
            server_hostname="127.0.0.1", ssl_handshake_timeout=60)
    except (OSError, ssl.SSLError) as e:
        return None, repr(e)
    try:
        writer.write(head)
        status, headers = await asyncio.wait_for(read_answer(reader), 120)
        if status == 100 and body:
            writer.write(body)
            await writer.drain()
            status, headers = await asyncio.wait_for(read_answer(reader), 120)
        return status, headers
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
        return None, repr(e)
    finally:
        writer.close()


def push_head(length):
    return (b"POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
            b"Expect: 100-continue\r\n\r\n" % length)


async def _upload_mix(port, envelopes, honest, absurd):
    context = insecure_context()
    jobs = []
    for i in range(honest):
        body = envelopes[i % len(envelopes)]
        jobs.append(upload(port, "127.0.1.%d" % (2 + i % 10), push_head(len(body)), body,
                           context))
    for i in range(absurd):
        jobs.append(upload(port, "127.0.2.%d" % (2 + i % 10), push_head(10**12), b"", context))
    results = await asyncio.gather(*jobs)
    return results[:honest], results[honest:]


def upload_mix(port, envelopes, honest, absurd):
    """`honest` uploads of the envelopes (from 10 addresses of 127.0.1.0/24) and `absurd`
    ones declaring 10^12 bytes (from 127.0.2.0/24), all at once. Returns the two lists of
    (status, headers), status None when the connection failed without an answer."""
    return asyncio.run(_upload_mix(port, envelopes, honest, absurd))


def probe_health(hub, timeout=30):
    """(status, seconds) of one GET /v1/health on a new connection, as a monitor does."""
    started = time.monotonic()
    try:
        response = requests.get(hub.url + "/v1/health", verify=hub.cert_path, timeout=timeout)
        status = response.status_code
    except requests.RequestException:
        status = None
    return status, time.monotonic() - started


class Tool:
    """One of the audit's tools as a child process, killed at the end if still running. Its
    output is read as it comes (output() while it runs), so a test can wait on what the tool
    reports of itself."""

    def __init__(self, args, timeout, env=None):
        self.args = args
        self.timeout = timeout
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        self._chunks = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for chunk in iter(lambda: self.proc.stdout.read1(65536), b""):
            self._chunks.append(chunk)

    def output(self):
        return b"".join(self._chunks).decode(errors="replace")

    def finish(self, sig=None):
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(60)
        self.proc.stdout.close()
        return self.output()


def slowhttptest(port, mode="-H", connections=300, seconds=40, interval=5, path=None):
    """slowhttptest against https://127.0.0.1:port (-H slow headers, -B slow body, -X slow
    read: a window of 10 to 20 bytes read 32 bytes every 5 s, three requests pipelined),
    from the one address the kernel picks: 127.0.0.1. path: the posts' endpoints by
    default; a console path posts a form of 60,000 bytes (under its 64 KiB)."""
    path = path or ("/v1/push" if mode == "-B" else "/v1/health")
    console = path.startswith("/console/")
    # Line-buffered (stdbuf), so that its status lines of each second reach the test as they
    # are written (wait_slowhttptest_holds), not in blocks of 4 KiB.
    args = ["stdbuf", "-oL", "slowhttptest", mode, "-c", str(connections), "-r", "200",
            "-l", str(seconds),
            "-p", "3", "-u", "https://127.0.0.1:%d%s" % (port, path)]
    if mode == "-X":
        args += ["-k", "3", "-n", "5", "-w", "10", "-y", "20", "-z", "32"]
    else:
        args += ["-i", str(interval), "-s", "60000" if console else "100000", "-t",
                 "POST" if mode == "-B" else "GET", "-f",
                 "application/x-www-form-urlencoded" if console else "application/octet-stream"]
    return Tool(args, timeout=seconds + 60)


def _most_connected(report):
    report = re.sub(r"\x1b\[[0-9;]*m", "", report)
    return max((int(n) for n in re.findall(r"connected:\s+(\d+)", report)), default=0), report


def slowhttptest_held(tool):
    """Stops slowhttptest (on SIGINT it prints its summary); returns the most connections it
    held open at once, and its report."""
    return _most_connected(tool.finish(signal.SIGINT))


def wait_slowhttptest_holds(tool, count, timeout=60):
    """Waits until slowhttptest's status lines (one a second) say it holds count connections
    at once: its attack is at full strength. Returns whether they did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and tool.proc.poll() is None:
        if _most_connected(tool.output())[0] >= count:
            return True
        time.sleep(0.2)
    return _most_connected(tool.output())[0] >= count


WRK_SCRIPT = """
-- Each thread stops after WRK_REQUESTS_PER_THREAD answers and leaves a mark for the test.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local count = 0
local limit = tonumber(os.getenv("WRK_REQUESTS_PER_THREAD"))
local marks = os.getenv("WRK_MARKS")
function response(status, headers, body)
  count = count + 1
  if count == limit then
    local f = io.open(marks .. "/thread-" .. tostring(id), "w")
    f:close()
    wrk.thread:stop()
  end
end
"""


def wrk_flood(url, requests_total, threads=2, connections=32, seconds=120, headers=()):
    """requests_total GET requests from wrk on `connections` kept-alive connections, with
    headers ("Cookie: ..."); stops wrk as soon as every thread has had its share (or after
    `seconds`). Returns (requests, non_2xx, output)."""
    with tempfile.TemporaryDirectory() as marks:
        script = os.path.join(marks, "stop.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        env = dict(os.environ, WRK_REQUESTS_PER_THREAD=str(requests_total // threads),
                   WRK_MARKS=marks)
        extra = [arg for header in headers for arg in ("-H", header)]
        proc = subprocess.Popen(["wrk", "-t", str(threads), "-c", str(connections), "-d",
                                 "%ds" % seconds, "-s", script] + extra + [url], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and proc.poll() is None:
            if len(os.listdir(marks)) - 1 >= threads:
                break
            time.sleep(0.1)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # wrk prints its summary and ends
        out, _ = proc.communicate(timeout=60)
    text = out.decode(errors="replace")
    done = re.search(r"(\d+) requests in", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return (int(done.group(1)) if done else 0, int(non_2xx.group(1)) if non_2xx else 0, text)


# testssl.sh's checks of a web page on a listener of the one TLS stack (tls_suites.py says why
# the hub's scan alone runs -E and -U): protocols, cipher categories, BREACH and the page's
# headers and cookie.
TESTSSL_PAGE_CHECKS = ("-p", "-s", "-B", "-h")
# The hub's scan: each cipher per protocol and every vulnerability as well, once for the stack.
TESTSSL_FULL_CHECKS = ("-p", "-s", "-E", "-U", "-B", "-h")


def testssl(port, seconds=240, checks=("-p", "-s", "-E", "-U"), path=""):
    """testssl.sh's protocols, cipher categories, each cipher per protocol and the
    vulnerability checks (or the given checks: "-h" reads HSTS, the security headers and
    cookies of path's answer) against 127.0.0.1:port; returns its plain-text report."""
    target = "https://127.0.0.1:%d%s" % (port, path) if path else "127.0.0.1:%d" % port
    # testssl.sh folds its lines at the terminal's width (COLUMNS): in a narrow one the
    # headers the tests look for ("X-Content-Type-Options: nosniff") are cut in two, so it
    # is given a wide one whatever the caller's is.
    env = dict(os.environ, COLUMNS="250", TERM="dumb")
    return Tool(["testssl", "--quiet", "--color", "0", "--warnings", "off"] + list(checks) +
                [target], timeout=seconds, env=env).finish()


def fd_count(pid):
    """Open file descriptors of a process (its sockets included)."""
    return len(os.listdir("/proc/%d/fd" % pid))


class FdPeak:
    """The most descriptors a process held at once while the block ran, sampled every 0.1 s:
    an attack's connections come and go (a slow body gives its place after 10 s), so one
    sample taken after a kader's slow round says little of what the attack held."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, fd_count(self.pid))
            except OSError:
                return
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def vm_kib(pid, field):
    """VmRSS or VmHWM (the peak) of a process, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for pid %d" % (field, pid))


# testssl's verdict on client-initiated renegotiation, the one it reads from a race against
# our listeners (renegotiation.py says how); the tests decide it with renegotiation.py.
CLIENT_RENEGOTIATION_LINE = re.compile(r"^ Secure Client-Initiated Renegotiation .*\n?", re.M)


def assert_testssl_nothing_vulnerable(report, vulnerabilities=True):
    """No line of the report says VULNERABLE or NOT ok, but for its client-initiated
    renegotiation line, which it holds when it ran the vulnerability checks (-U)."""
    if vulnerabilities:
        assert CLIENT_RENEGOTIATION_LINE.search(report), ("no renegotiation line", report)
    others = CLIENT_RENEGOTIATION_LINE.sub("", report)
    assert "VULNERABLE" not in others and "NOT ok" not in others, ("vulnerable", report)


def assert_testssl_report(report, protocols=True):
    """What the audit asks of testssl's report of a web page: with protocols (the scan ran
    -p -s -B -h), TLS 1.3 and 1.2 only, no obsolete CBC suite and no HTTP compression
    (BREACH; the listener's other suites and TLS vulnerabilities are the one TLS stack's, which
    test_hub_attack.py scans with -E and -U, and tls_suites.py checks per listener); always no
    line saying vulnerable, HSTS of a year, the one cookie Secure and HttpOnly, the security
    headers, no Server banner."""
    if protocols:
        assert "TLS 1.3    offered" in report and "TLS 1.2    offered" in report, \
            ("TLS 1.3 and 1.2", report)
        for old in ("SSLv2", "SSLv3", "TLS 1  ", "TLS 1.1"):
            assert re.search(r"^ %s\s+not offered" % re.escape(old.strip()), report, re.M), old
        assert re.search(r"Obsolete CBC ciphers.*not offered", report), ("CBC", report)
        assert re.search(r"^ BREACH \(CVE-2013-3587\)\s+no HTTP compression", report, re.M), \
            ("BREACH", report)
    assert_testssl_nothing_vulnerable(report, vulnerabilities=False)
    assert re.search(r"HTTP Status Code\s+200 OK", report), ("status", report)
    assert re.search(r"Strict Transport Security\s+365 days", report), ("HSTS", report)
    assert re.search(r"Cookie\(s\)\s+1 issued: 1/1 secure, 1/1 HttpOnly", report), \
        ("cookie", report)
    for header in ("X-Frame-Options: DENY", "X-Content-Type-Options: nosniff",
                   "Content-Security-Policy: default-src 'self';",
                   "Referrer-Policy: no-referrer", "Cache-Control: no-store"):
        assert header in report, (header, report)
    assert re.search(r"Server banner\s+\(no \"Server\" line", report), ("banner", report)
