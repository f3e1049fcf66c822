"""A fault-injecting TCP proxy on 127.0.0.1, for putting a bad link between sae-node and
sae-hub. It moves bytes opaquely (TLS passes through untouched) and, per connection, can cut
the connection after N bytes in either direction, reset it, stall it, throttle it, and add a
one-way delay to every chunk in each direction.

    proxy = FaultProxy(target_port, plan=None, delay_ms=0).start()
    proxy.port                        # where clients connect
    proxy.set_plan(plan)              # between rounds
    proxy.stats()                     # figures, see below
    proxy.stop()                      # closes every socket, ends the thread

plan: None (every connection passes) or a callable(connection_index) -> Fault, called once
per accepted connection with 0, 1, 2, ... in accept order.

Fault(kind, after=0, seconds=0.0, rate=0), kind one of:
  "pass"      forward everything.
  "cut_up"    forward the first `after` bytes client->hub; when more arrive, close both
              sides (FIN; the rest is dropped). A connection that never sends more than
              `after` bytes up is never cut.
  "cut_down"  the same for hub->client bytes (after=0: the hub's first byte closes both
              sides, so the hub has the request and the client never sees the answer).
  "reset"     forward the first `after` bytes counted over both directions; when more arrive,
              reset both sides (SO_LINGER 0: RST, no FIN).
  "stall"     forward the first `after` bytes counted over both directions, then forward
              nothing more for `seconds` (0: for ever) while keeping both sockets open; what
              arrives meanwhile is held and delivered, in order, when the stall ends. If
              either side closes during the stall (the client gave up), both sides are
              closed.
  "throttle"  forward at most `rate` bytes per second in each direction (paced in pieces of
              a twentieth of a second); the proxy buffers about a second of data per
              direction, so a fast sender is slowed the way a slow link slows it.
delay_ms is added to every chunk in each direction, on top of any fault (RTT += 2*delay).
Bytes are forwarded in order; a direction's end of stream (FIN) is forwarded after its data.

stats() -> {
  "connections": connections accepted,
  "active":      connections still open,
  "refused":     connections closed because the target did not accept,
  "bytes_up":    bytes forwarded client->hub,   "bytes_down": bytes forwarded hub->client,
  "round_trips": changes of direction from client->hub data to hub->client data, summed
                 over connections (counted as data is forwarded),
  "faults":      {kind: connections on which that fault took effect}: cut_up/cut_down/reset
                 when the connection was cut or reset, stall when the stall began, throttle
                 when the connection was accepted with it,
  "planned":     {kind: connections the plan gave that kind, "pass" included},
  "errors":      [text of exceptions the plan raised (such a connection is closed)],
}
connection_log() -> one dict per connection, in accept order: index, kind, bytes_up,
bytes_down, round_trips, held (bytes a stall held back), fault_done, open, started (its
time.monotonic() when accepted), seconds (open so far, or until closed); with
FaultProxy(..., trace=True) also "trace": [seconds since the connection opened, "up"|"down",
"read"|"sent", bytes] for every chunk read and every send, for working out where time went.

All sockets are non-blocking and served by one thread with a selector: no thread per
connection, nothing left behind after stop(). Run as a program, it serves until SIGTERM or
SIGINT, then writes stats() (plus "log": connection_log()) as JSON to --stats-file:
    faultproxy.py --listen-port 0 --target-port P [--delay-ms D] [--stats-file F]
It prints the port it listens on, alone on the first line of stdout.
"""
import argparse
import collections
import json
import math
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time

KINDS = ("pass", "cut_up", "cut_down", "reset", "stall", "throttle")

# Bytes read from a socket at once, and queued per direction before the proxy stops reading
# (backpressure) when the direction is neither stalled nor throttled.
CHUNK = 65536
QUEUE_LIMIT = 4 * 1024 * 1024


class Fault:
    """What the proxy does to one connection."""
    __slots__ = ("kind", "after", "seconds", "rate")

    def __init__(self, kind, after=0, seconds=0.0, rate=0):
        if kind not in KINDS:
            raise ValueError("unknown fault kind %r (one of %s)" % (kind, ", ".join(KINDS)))
        if int(after) != after or after < 0:
            raise ValueError("after must be a whole number of bytes >= 0, got %r" % (after,))
        if seconds < 0 or math.isnan(seconds):
            raise ValueError("seconds must be >= 0, got %r" % (seconds,))
        if kind == "throttle" and not rate > 0:
            raise ValueError("a throttle needs a rate > 0 bytes per second")
        if rate < 0:
            raise ValueError("rate must be >= 0, got %r" % (rate,))
        self.kind = kind
        self.after = int(after)
        self.seconds = float(seconds)
        self.rate = rate

    def __eq__(self, other):
        return isinstance(other, Fault) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self):
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self):
        return "Fault(%r, after=%d, seconds=%g, rate=%g)" % (self.kind, self.after,
                                                             self.seconds, self.rate)


PASS = Fault("pass")

# Markers queued behind data: end of stream, cut (FIN both sides), reset (RST both sides).
class _Marker:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "<%s>" % self.name


_EOF = _Marker("eof")
_CUT = _Marker("cut")
_RESET = _Marker("reset")



class _Direction:
    def __init__(self, name, src, dst):
        self.name = name
        self.src = src
        self.dst = dst
        self.queue = collections.deque()  # [due (monotonic s), bytes or marker]
        self.queued = 0                   # data bytes in the queue
        self.received = 0                 # data bytes read from src
        self.forwarded = 0                # data bytes written to dst
        self.src_done = False             # src ended (EOF), or reading stopped for good
        self.blocked = False              # dst's send buffer is full: wait for writable
        self.shut = False                 # the end of stream was delivered to dst
        self.next_slot = 0.0              # throttle pacing


class _Connection:
    def __init__(self, index, fault, client, upstream, now):
        self.index = index
        self.fault = fault
        self.client = client
        self.upstream = upstream
        self.up = _Direction("up", client, upstream)
        self.down = _Direction("down", upstream, client)
        self.total = 0             # bytes read over both directions
        self.stall_until = None    # set when a stall begins (math.inf: for ever)
        self.held = 0              # bytes that arrived during a stall
        self.last = None           # direction of the last data forwarded
        self.round_trips = 0
        self.fault_done = False
        self.closed = False
        self.opened = now
        self.ended = None
        self.masks = {client: 0, upstream: 0}
        self.trace = None  # [seconds since opened, "up"|"down", "read"|"sent", bytes]

    def stalled(self, now):
        return self.stall_until is not None and now < self.stall_until

    def record(self, now):
        row = {"index": self.index, "kind": self.fault.kind, "bytes_up": self.up.forwarded,
               "bytes_down": self.down.forwarded, "round_trips": self.round_trips,
               "held": self.held, "fault_done": self.fault_done, "open": not self.closed,
               "started": self.opened,
               "seconds": round((self.ended if self.ended is not None else now) - self.opened,
                                6)}
        if self.trace is not None:
            row["trace"] = list(self.trace)
        return row


class FaultProxy:
    def __init__(self, target_port, plan=None, delay_ms=0, listen_port=0,
                 target_host="127.0.0.1", trace=False, source_address=None):
        self.target = (target_host, int(target_port))
        # The address the proxy connects to the target from (a post on an address of its
        # own, apart from an attacker's); None: the kernel's choice.
        self.source = (source_address, 0) if source_address else None
        self.trace = trace
        self.listen_port = int(listen_port)
        self.delay_ms = delay_ms
        self.port = None
        self._plan = plan
        self._lock = threading.RLock()
        self._thread = None
        self._listener = None
        self._selector = None
        self._wake_r = self._wake_w = None
        self._running = False
        self._conns = []           # open connections
        self._log = []             # records of closed connections
        self._accepted = 0
        self._stats = {"connections": 0, "refused": 0, "bytes_up": 0, "bytes_down": 0,
                       "round_trips": 0, "faults": collections.Counter(),
                       "planned": collections.Counter(), "errors": []}

    # The caller's side.
    def start(self):
        assert self._thread is None, "the proxy runs already"
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.listen_port))
            listener.listen(256)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(listener, selectors.EVENT_READ, None)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="faultproxy:%d" % self.port,
                                        daemon=True)
        self._thread.start()
        return self

    def set_plan(self, plan):
        """Plan for connections accepted from now on (open ones keep theirs)."""
        with self._lock:
            self._plan = plan

    def stats(self):
        with self._lock:
            out = dict(self._stats)
            out["faults"] = dict(self._stats["faults"])
            out["planned"] = dict(self._stats["planned"])
            out["errors"] = list(self._stats["errors"])
            out["active"] = len(self._conns)
            return out

    def stats_when_idle(self, timeout=30.0):
        """stats() once every connection has closed, or after timeout seconds: a peer that
        exits has closed its sockets, but the proxy's loop sees the end of each one a moment
        later."""
        deadline = time.monotonic() + timeout
        out = self.stats()
        while out["active"] and time.monotonic() < deadline:
            time.sleep(0.02)
            out = self.stats()
        return out

    def connection_log(self):
        now = time.monotonic()
        with self._lock:
            rows = self._log + [c.record(now) for c in self._conns]
        return sorted(rows, key=lambda r: r["index"])

    def stop(self):
        """Closes the listener and every connection, ends the thread; returns stats()."""
        thread, self._thread = self._thread, None
        if thread is None:
            return self.stats()
        self._running = False
        self._wake()
        thread.join(timeout=30)
        if thread.is_alive():
            raise RuntimeError("the fault proxy's thread did not end")
        for sock in (self._wake_r, self._wake_w):
            sock.close()
        self._selector.close()
        return self.stats()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _wake(self):
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass

    # The thread.
    def _loop(self):
        try:
            while self._running:
                timeout = self._next_timeout()
                events = self._selector.select(timeout)
                with self._lock:
                    now = time.monotonic()
                    for key, mask in events:
                        if key.fileobj is self._listener:
                            self._accept(now)
                        elif key.fileobj is self._wake_r:
                            try:
                                while self._wake_r.recv(4096):
                                    pass
                            except (BlockingIOError, OSError):
                                pass
                        else:
                            self._ready(key.data, key.fileobj, mask, now)
                    now = time.monotonic()
                    for conn in list(self._conns):
                        self._pump(conn, now)
        finally:
            with self._lock:
                for conn in list(self._conns):
                    self._close(conn, rst=False, fault=False)
                try:
                    self._selector.unregister(self._listener)
                except (KeyError, ValueError):
                    pass
                self._listener.close()

    def _next_timeout(self):
        with self._lock:
            soonest = math.inf
            for conn in self._conns:
                for d in (conn.up, conn.down):
                    if d.queue and not d.blocked:
                        soonest = min(soonest, d.queue[0][0])
            if soonest == math.inf:
                return None
            return max(0.0, soonest - time.monotonic())

    def _accept(self, now):
        while True:
            try:
                client, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            index = self._accepted
            self._accepted += 1
            self._stats["connections"] += 1
            try:
                fault = self._plan(index) if self._plan is not None else PASS
                if not isinstance(fault, Fault):
                    raise TypeError("the plan gave %r for connection %d, not a Fault"
                                    % (fault, index))
            except Exception as e:  # the plan is the test's code: report, do not die
                self._stats["errors"].append("connection %d: %r" % (index, e))
                client.close()
                continue
            self._stats["planned"][fault.kind] += 1
            try:
                upstream = socket.create_connection(self.target, timeout=10,
                                                    source_address=self.source)
            except OSError:
                self._stats["refused"] += 1
                client.close()
                continue
            for sock in (client, upstream):
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(index, fault, client, upstream, now)
            if self.trace:
                conn.trace = []
            if fault.kind == "throttle":
                self._stats["faults"]["throttle"] += 1
                conn.fault_done = True
            self._conns.append(conn)
            self._update(conn)

    def _ready(self, conn, sock, mask, now):
        if conn.closed:
            return
        if mask & selectors.EVENT_WRITE:
            (conn.up if sock is conn.upstream else conn.down).blocked = False
        if mask & selectors.EVENT_READ and not conn.closed:
            self._read(conn, conn.up if sock is conn.client else conn.down, now)

    def _read(self, conn, d, now):
        try:
            data = d.src.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # reset by the peer: pass the reset on
            self._close(conn, rst=True, fault=False)
            return
        if not data:
            d.src_done = True
            if conn.stalled(now):  # the other side gave up during a stall
                self._close(conn, rst=False, fault=False)
                return
            self._enqueue(conn, d, _EOF, now)
            return
        if conn.trace is not None:
            conn.trace.append([round(now - conn.opened, 6), d.name, "read", len(data)])
        f = conn.fault
        n = len(data)
        if f.kind in ("cut_up", "cut_down") and f.kind[4:] == d.name:
            allowed = f.after - d.received
            if n > allowed:
                self._take(conn, d, data[:allowed], now)
                self._enqueue(conn, d, _CUT, now)
                d.src_done = True
                return
        elif f.kind == "reset":
            allowed = f.after - conn.total
            if n > allowed:
                self._take(conn, d, data[:allowed], now)
                self._enqueue(conn, d, _RESET, now)
                conn.up.src_done = conn.down.src_done = True
                return
        elif f.kind == "stall" and conn.stall_until is None:
            allowed = f.after - conn.total
            if n > allowed:
                self._take(conn, d, data[:allowed], now)
                conn.stall_until = now + f.seconds if f.seconds > 0 else math.inf
                conn.fault_done = True
                self._stats["faults"]["stall"] += 1
                data = data[allowed:]
        self._take(conn, d, data, now)

    def _take(self, conn, d, data, now):
        if not data:
            return
        d.received += len(data)
        conn.total += len(data)
        if conn.stalled(now):
            conn.held += len(data)
        self._enqueue(conn, d, data, now)

    def _enqueue(self, conn, d, payload, now):
        due = now + self.delay_ms / 1000.0
        if conn.stall_until is not None:
            due = max(due, conn.stall_until)
        f = conn.fault
        if f.kind != "throttle":
            d.queue.append([due, payload])
            if not isinstance(payload, _Marker):
                d.queued += len(payload)
            return
        if isinstance(payload, _Marker):
            d.queue.append([max(due, d.next_slot), payload])
            return
        piece = max(1, int(f.rate / 20))
        for start in range(0, len(payload), piece):
            part = payload[start:start + piece]
            slot = max(due, d.next_slot)
            d.queue.append([slot, part])
            d.queued += len(part)
            d.next_slot = slot + len(part) / f.rate

    def _pump(self, conn, now):
        for d in (conn.up, conn.down):
            if conn.closed:
                return
            self._flush(conn, d, now)
        if not conn.closed:
            self._update(conn)

    def _flush(self, conn, d, now):
        while d.queue and not d.blocked and not conn.closed:
            due, payload = d.queue[0]
            if due > now:
                return
            if payload is _EOF:
                d.queue.popleft()
                try:
                    d.dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                d.shut = True
                if conn.up.shut and conn.down.shut:
                    self._close(conn, rst=False, fault=False)
                continue
            if payload is _CUT or payload is _RESET:
                self._close(conn, rst=payload is _RESET, fault=True)
                return
            try:
                sent = d.dst.send(payload)
            except (BlockingIOError, InterruptedError):
                d.blocked = True
                return
            except OSError:  # the receiving side is gone
                self._close(conn, rst=True, fault=False)
                return
            d.forwarded += sent
            if conn.trace is not None:
                conn.trace.append([round(now - conn.opened, 6), d.name, "sent", sent])
            d.queued -= sent
            self._stats["bytes_" + d.name] += sent
            if d.name == "down" and conn.last == "up":
                conn.round_trips += 1
                self._stats["round_trips"] += 1
            conn.last = d.name
            if sent < len(payload):
                d.queue[0][1] = payload[sent:]
                d.blocked = True
                return
            d.queue.popleft()

    def _limit(self, conn):
        if conn.fault.kind == "throttle":
            return max(4096, int(conn.fault.rate))
        return QUEUE_LIMIT

    def _update(self, conn):
        """Registers each socket for what its connection waits for: reading while its
        direction still reads and has room (always during a stall, to see a side give up),
        writing while a send would block."""
        now = time.monotonic()
        for sock, rd, wr in ((conn.client, conn.up, conn.down),
                             (conn.upstream, conn.down, conn.up)):
            mask = 0
            if not rd.src_done and (rd.queued < self._limit(conn) or conn.stalled(now)):
                mask |= selectors.EVENT_READ
            if wr.blocked:
                mask |= selectors.EVENT_WRITE
            old = conn.masks[sock]
            if mask == old:
                continue
            if old == 0:
                self._selector.register(sock, mask, conn)
            elif mask == 0:
                self._selector.unregister(sock)
            else:
                self._selector.modify(sock, mask, conn)
            conn.masks[sock] = mask

    def _close(self, conn, rst, fault):
        if conn.closed:
            return
        conn.closed = True
        conn.ended = time.monotonic()
        if fault:
            conn.fault_done = True
            self._stats["faults"][conn.fault.kind] += 1
        for sock in (conn.client, conn.upstream):
            if conn.masks[sock]:
                try:
                    self._selector.unregister(sock)
                except (KeyError, ValueError):
                    pass
                conn.masks[sock] = 0
            try:
                if rst:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
                else:
                    # Read what is waiting, so that closing sends FIN and not RST.
                    try:
                        for _ in range(64):
                            if not sock.recv(CHUNK):
                                break
                    except OSError:
                        pass
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._conns.remove(conn)
        self._log.append(conn.record(conn.ended))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fault-injecting TCP proxy on 127.0.0.1 "
                                     "(passes everything; adds --delay-ms each way).")
    parser.add_argument("--listen-port", type=int, default=0)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--target-host", default="127.0.0.1")
    parser.add_argument("--delay-ms", type=float, default=0)
    parser.add_argument("--stats-file")
    args = parser.parse_args(argv)
    # The thread inherits the blocked signals; the main thread waits for them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    proxy = FaultProxy(args.target_port, delay_ms=args.delay_ms, listen_port=args.listen_port,
                       target_host=args.target_host).start()
    print(proxy.port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    stats = proxy.stop()
    stats["log"] = proxy.connection_log()
    if args.stats_file:
        with open(args.stats_file + ".tmp", "w") as f:
            json.dump(stats, f, indent=1, sort_keys=True)
        os.replace(args.stats_file + ".tmp", args.stats_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
