"""The fault proxy itself: every fault kind proven with plain sockets against a small echo
server of this file, then the real sae-node syncing to the real sae-hub through it. Nothing
here asserts on time: the figures a test measures (a delay, a throttle) are printed."""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import saenode
from faultproxy import Fault, FaultProxy
from faults_world import enrolled_through

HERE = os.path.dirname(os.path.abspath(__file__))
WAIT = 30  # seconds granted to an event that must happen (never a measured limit)


class EchoServer:
    """Echoes every byte back, one thread per connection; records per connection what it
    received and how the connection ended ("eof" or "reset")."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.conns = []  # dicts: received (bytearray), end (None until it ended), done Event
        self.lock = threading.Lock()
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            record = {"received": bytearray(), "end": None, "done": threading.Event()}
            with self.lock:
                self.conns.append(record)
            t = threading.Thread(target=self._serve, args=(conn, record), daemon=True)
            self.threads.append(t)
            t.start()

    @staticmethod
    def _serve(conn, record):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    record["end"] = "eof"
                    break
                record["received"] += data
                conn.sendall(data)
        except ConnectionResetError:
            record["end"] = "reset"
        except OSError as e:
            record["end"] = "error %s" % e
        finally:
            conn.close()
            record["done"].set()

    def connection(self, i):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.conns) > i:
                    return self.conns[i]
            time.sleep(0.01)
        raise AssertionError("the echo server never saw connection %d" % i)

    def ended(self, i):
        record = self.connection(i)
        assert record["done"].wait(WAIT), "connection %d never ended at the server" % i
        return record

    def close(self):
        if self.sock.fileno() < 0:
            return
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.acceptor.join(WAIT)
        for t in self.threads:
            t.join(WAIT)


@pytest.fixture
def echo():
    server = EchoServer()
    yield server
    server.close()


def open_fds():
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture
def proxy_of(echo):
    """proxy_of(plan=None, delay_ms=0) -> a started proxy in front of the echo server;
    stopped at teardown, which must leave no socket and no thread behind."""
    made = []
    threads_before = set(threading.enumerate())
    fds_before = open_fds()

    def make(plan=None, delay_ms=0, **options):
        proxy = FaultProxy(echo.port, plan=plan, delay_ms=delay_ms, **options).start()
        made.append(proxy)
        return proxy
    yield make
    for proxy in made:
        proxy.stop()
        assert proxy.stats()["errors"] == []
    echo.close()
    leaked = [t for t in threading.enumerate() if t not in threads_before
              and t.name.startswith("faultproxy")]
    assert leaked == []
    assert open_fds() <= fds_before, "sockets left open: %r" % (
        open_fds() - fds_before)


def connect(proxy):
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=WAIT)
    return s


def recv_exactly(s, n):
    out = bytearray()
    while len(out) < n:
        data = s.recv(n - len(out))
        if not data:
            break
        out += data
    return bytes(out)


def recv_until_end(s):
    """Everything until the peer closes; ("eof"|"reset", bytes)."""
    out = bytearray()
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return "eof", bytes(out)
            out += data
    except ConnectionResetError:
        return "reset", bytes(out)


def payload(n, seed=0):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def test_pass_forwards_every_byte_and_counts_round_trips(echo, proxy_of):
    proxy = proxy_of()
    sizes = (1, 100, 1000)
    with connect(proxy) as s:
        for k, n in enumerate(sizes):
            data = payload(n, k)
            s.sendall(data)
            assert recv_exactly(s, n) == data
        s.shutdown(socket.SHUT_WR)
        assert recv_until_end(s) == ("eof", b"")
    assert echo.ended(0)["end"] == "eof"
    stats = proxy.stats()
    total = sum(sizes)
    assert (stats["connections"], stats["bytes_up"], stats["bytes_down"]) == (1, total, total)
    # Each exchange waits for its echo before the next: three changes of direction.
    assert stats["round_trips"] == 3
    assert stats["faults"] == {} and stats["planned"] == {"pass": 1}


@pytest.mark.parametrize("after", [0, 1, 999, 5000])
def test_cut_up_forwards_exactly_after_bytes_then_closes_both_sides(echo, proxy_of, after):
    proxy = proxy_of(lambda i: Fault("cut_up", after=after))
    data = payload(20000)
    with connect(proxy) as s:
        s.sendall(data)
        end, got = recv_until_end(s)
    server = echo.ended(0)
    assert bytes(server["received"]) == data[:after] and server["end"] == "eof"
    assert end == "eof" and got == data[:len(got)] and len(got) <= after
    stats = proxy.stats()
    assert stats["faults"] == {"cut_up": 1} and stats["bytes_up"] == after


@pytest.mark.parametrize("after", [0, 10, 4096])
def test_cut_down_forwards_exactly_after_bytes_then_closes_both_sides(echo, proxy_of, after):
    proxy = proxy_of(lambda i: Fault("cut_down", after=after))
    data = payload(10000)
    with connect(proxy) as s:
        s.sendall(data)
        end, got = recv_until_end(s)
    assert (end, got) == ("eof", data[:after])
    server = echo.ended(0)
    assert bytes(server["received"]) == data[:len(server["received"])]
    assert proxy.stats()["faults"] == {"cut_down": 1}
    assert proxy.stats()["bytes_down"] == after


def test_a_connection_under_the_limit_is_never_cut(echo, proxy_of):
    proxy = proxy_of(lambda i: Fault("cut_down", after=100))
    with connect(proxy) as s:
        s.sendall(b"x" * 100)
        assert recv_exactly(s, 100) == b"x" * 100
        s.shutdown(socket.SHUT_WR)
        assert recv_until_end(s) == ("eof", b"")
    assert echo.ended(0)["end"] == "eof"
    assert proxy.stats()["faults"] == {}


def test_reset_sends_rst_to_both_sides_after_bytes_either_way(echo, proxy_of):
    # 5 bytes up and their 5 back are 10: the 11th byte, in either direction, resets.
    proxy = proxy_of(lambda i: Fault("reset", after=10))
    with connect(proxy) as s:
        s.sendall(b"hello")
        assert recv_exactly(s, 5) == b"hello"
        s.sendall(b"world")
        assert recv_until_end(s) == ("reset", b"")
    server = echo.ended(0)
    assert server["end"] == "reset" and bytes(server["received"]) == b"hello"
    assert proxy.stats()["faults"] == {"reset": 1}


def test_stall_for_ever_holds_until_the_client_gives_up(echo, proxy_of):
    proxy = proxy_of(lambda i: Fault("stall", after=6))
    with connect(proxy) as s:
        s.sendall(b"abc")
        assert recv_exactly(s, 3) == b"abc"  # 6 bytes counted both ways: the stall begins
        s.sendall(b"held back")
        # Both sockets stay open: the client sees neither an end nor data...
        s.settimeout(0.5)
        with pytest.raises(socket.timeout):
            s.recv(100)
        assert echo.connection(0)["end"] is None
    # ...until it gives up: then the hub's side is closed too, having seen only 3 bytes.
    server = echo.ended(0)
    assert server["end"] == "eof" and bytes(server["received"]) == b"abc"
    stats = proxy.stats()
    assert stats["faults"] == {"stall": 1} and stats["active"] == 0
    assert proxy.connection_log()[0]["held"] == len(b"held back")


def test_stall_for_seconds_then_delivers_everything_in_order(echo, proxy_of):
    proxy = proxy_of(lambda i: Fault("stall", after=1000, seconds=0.4))
    data = payload(50000)
    started = time.monotonic()
    with connect(proxy) as s:
        s.sendall(data)
        assert recv_exactly(s, len(data)) == data
    print("stall of 0.4 s: the echo of 50000 bytes took %.3f s" % (time.monotonic() - started))
    assert echo.ended(0)["end"] == "eof"
    row = proxy.connection_log()[0]
    assert row["fault_done"] and row["held"] > 0
    assert (row["bytes_up"], row["bytes_down"]) == (len(data), len(data))


def test_throttle_paces_in_small_pieces_and_keeps_every_byte(echo, proxy_of):
    rate = 40000  # pieces of 2000 bytes, one every 50 ms
    proxy = proxy_of(lambda i: Fault("throttle", rate=rate), trace=True)
    data = payload(30000)
    started = time.monotonic()
    with connect(proxy) as s:
        s.sendall(data)
        assert recv_exactly(s, len(data)) == data
    elapsed = time.monotonic() - started
    print("throttle at %d B/s: 30000 bytes up and back in %.3f s (a floor of %.3f s per "
          "direction)" % (rate, elapsed, len(data) / rate))
    sends = [e for e in proxy.connection_log()[0]["trace"] if e[2] == "sent"]
    assert sum(e[3] for e in sends if e[1] == "up") == len(data)
    assert max(e[3] for e in sends) <= 2000  # the proxy never sent more than a piece at once
    assert proxy.stats()["faults"] == {"throttle": 1}


def test_delay_keeps_bytes_and_order(echo, proxy_of):
    proxy = proxy_of(delay_ms=40)
    started = time.monotonic()
    with connect(proxy) as s:
        for k in range(5):
            data = payload(3000, k)
            s.sendall(data)
            assert recv_exactly(s, len(data)) == data
    print("5 round trips with 2 x 40 ms of added delay: %.3f s" % (time.monotonic() - started))
    assert proxy.stats()["round_trips"] == 5


def test_plan_is_per_connection_index_and_can_change(echo, proxy_of):
    proxy = proxy_of(lambda i: Fault("cut_down", after=2) if i % 2 else Fault("pass"))
    results = []
    for i in range(4):
        with connect(proxy) as s:
            s.sendall(b"abcdef")
            s.shutdown(socket.SHUT_WR)
            results.append(recv_until_end(s))
    assert results == [("eof", b"abcdef"), ("eof", b"ab")] * 2
    proxy.set_plan(None)
    with connect(proxy) as s:
        s.sendall(b"abcdef")
        s.shutdown(socket.SHUT_WR)
        assert recv_until_end(s) == ("eof", b"abcdef")
    stats = proxy.stats()
    assert stats["connections"] == 5 and stats["faults"] == {"cut_down": 2}
    assert stats["planned"] == {"pass": 3, "cut_down": 2}
    assert [r["index"] for r in proxy.connection_log()] == [0, 1, 2, 3, 4]


def test_many_concurrent_connections(echo, proxy_of):
    proxy = proxy_of(delay_ms=5)
    failures = []

    def client(k):
        try:
            with connect(proxy) as s:
                data = payload(20000 + k, k)
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                end, got = recv_until_end(s)
                if (end, got) != ("eof", data):
                    failures.append((k, end, len(got)))
        except Exception as e:  # reported below
            failures.append((k, repr(e)))
    threads = [threading.Thread(target=client, args=(k,)) for k in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert failures == []
    stats = proxy.stats()
    assert stats["connections"] == 60 and stats["bytes_up"] == stats["bytes_down"] == \
        sum(20000 + k for k in range(60))


def test_stop_closes_open_connections(echo, proxy_of):
    proxy = proxy_of(lambda i: Fault("stall", after=0))
    clients = [connect(proxy) for _ in range(3)]
    for s in clients:
        s.sendall(b"never")
    echo.connection(2)
    proxy.stop()
    for s in clients:
        assert recv_until_end(s)[1] == b""
        s.close()
    for i in range(3):
        assert echo.ended(i)["received"] == bytearray()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=WAIT).close()


def test_target_down_closes_the_client():
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()  # nobody listens there
    proxy = FaultProxy(port).start()
    try:
        with connect(proxy) as s:
            assert recv_until_end(s) == ("eof", b"")
        assert proxy.stats()["refused"] == 1
    finally:
        proxy.stop()


def test_bad_faults_are_refused():
    for args in (("explode",), ("throttle",), ("cut_up", -1), ("stall", 0, -1.0)):
        with pytest.raises(ValueError):
            Fault(*args)


def test_command_line_proxy_writes_stats_on_sigterm(echo, tmp_path):
    stats_file = tmp_path / "stats.json"
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "faultproxy.py"),
                             "--listen-port", "0", "--target-port", str(echo.port),
                             "--delay-ms", "10", "--stats-file", str(stats_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = int(proc.stdout.readline())
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
            s.sendall(b"ping")
            assert recv_exactly(s, 4) == b"ping"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    stats = json.loads(stats_file.read_text())
    assert (stats["connections"], stats["bytes_up"], stats["bytes_down"],
            stats["round_trips"]) == (1, 4, 4, 1)
    assert stats["log"][0]["bytes_up"] == 4


# The real sae-node and sae-hub through the proxy (posts of saenode.VILLAGE).

def assert_exactly_once(hub, post):
    status = saenode.ok(["status", "--json"], dir=post).json()
    origin, own = int(status["origin"], 16), status["changes"]
    assert status["pending"] == 0
    duplicates = hub.query("SELECT origin, node_seq, count(*) FROM change"
                           " GROUP BY origin, node_seq HAVING count(*) > 1")
    assert duplicates == []
    assert hub.query("SELECT count(*), count(DISTINCT node_seq) FROM change WHERE origin = ?",
                     (origin,))[0] == (own, own)


def test_sync_cut_anywhere_in_the_answer_then_a_clean_round(hub, tmp_path):
    """Rounds whose every connection is cut after N bytes from the hub, N growing: each round
    fails with "no connection to the hub" and keeps the changes, until N is large enough
    for the round to finish. Some cut falls inside the acknowledgement of a batch the hub
    had merged: that round either fails, or survives because libcurl sends the request
    again on a new connection and the hub answers the replayed batch with the same ack. A
    clean round then leaves every change at the hub exactly once."""
    proxy = FaultProxy(hub.port).start()
    try:
        post = enrolled_through(hub, proxy, tmp_path, "a")
        assert saenode.run(["sync"], dir=post).rc == 0  # enrolls
        for _ in range(40):
            saenode.add_case(post)
        origin = int(saenode.ok(["status", "--json"], dir=post).json()["origin"], 16)
        failed = acks_lost = 0
        for after in range(0, 40000, 61):
            proxy.set_plan(lambda i, after=after: Fault("cut_down", after=after))
            connections_before = proxy.stats()["connections"]
            res = saenode.run(["sync"], dir=post)
            if res.rc == 0:
                round_log = proxy.connection_log()[connections_before:]
                acks_lost += len(round_log) > 1 and round_log[0]["fault_done"]
                break
            failed += 1
            saenode.assert_one_line_error(res, 1, "no connection to the hub",
                                          "200 change(s) wait")
            assert saenode.ok(["status", "--json"], dir=post).json()["pending"] == 200
            if hub.query("SELECT count(*) FROM change WHERE origin = ?", (origin,)) != [(0,)]:
                acks_lost += 1
        print("cut rounds: %d failed, %d of them after the hub merged the batch; %r"
              % (failed, acks_lost, proxy.stats()))
        assert failed > 5 and acks_lost > 0, "the sweep never cut inside the answer"
        proxy.set_plan(None)
        assert saenode.run(["sync"], dir=post).rc == 0
        assert_exactly_once(hub, post)
    finally:
        proxy.stop()


def test_sync_through_reset_and_stall_then_a_clean_round(hub, tmp_path):
    """A reset in the middle of the upload, then a stall that never ends (the post gives up
    after SAE_STALL_TIMEOUT_S): both rounds fail with "no connection", nothing is lost,
    and a clean round brings every change to the hub exactly once."""
    proxy = FaultProxy(hub.port).start()
    try:
        post = enrolled_through(hub, proxy, tmp_path, "a")
        rng = random.Random(5)
        for k in range(60):  # varied text, so that the batch does not compress to nothing
            saenode.add_case(post, victim_name="Korban %d %x" % (k, rng.getrandbits(64)),
                             narrative=" ".join("%x" % rng.getrandbits(32) for _ in range(8)))
        proxy.set_plan(lambda i: Fault("reset", after=4000))
        saenode.assert_one_line_error(saenode.run(["sync"], dir=post), 1,
                                      "no connection to the hub")
        proxy.set_plan(lambda i: Fault("stall", after=3500))
        env = saenode.clean_env(SAE_STALL_TIMEOUT_S="1")
        saenode.assert_one_line_error(saenode.run(["sync"], dir=post, env=env), 1,
                                      "no connection to the hub")
        stats = proxy.stats_when_idle()
        # libcurl may send a request again once on a new connection (a reused one died
        # before any answer): the reset plan hits that one too.
        assert stats["faults"].get("reset", 0) >= 1 and stats["faults"].get("stall") == 1
        assert stats["active"] == 0  # the post's giving up closed the stalled connection
        proxy.set_plan(None)
        assert saenode.run(["sync"], dir=post).rc == 0
        assert_exactly_once(hub, post)
    finally:
        proxy.stop()
