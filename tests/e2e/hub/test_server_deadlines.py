"""The connection deadlines both daemons take as options (`serve --idle-timeout SEC
--header-timeout SEC`, README "Limits of the hub's server"), shown at work with values of
seconds on real daemons: a connection that sends nothing is closed after the idle timeout,
on the hub's listener, the console's own and the post app's; and near the connection limit
a client that never finishes its request headers is cut after the header timeout. The
defaults (60 s and 20 s) would let none of this happen within the bounds waited here, so
each test fails when its option is not passed through to the server. The attack tests
(test_hub_attack.py) lean on these options to wait seconds instead of tens of seconds."""
import resource
import socket
import ssl
import time

import pytest

import attack
import hubproc

# Serial (tests/e2e/conftest.py): each waits for a deadline of a few seconds.
pytestmark = pytest.mark.serial

# What a test waits at most for a deadline of a few seconds; the defaults are longer.
WAIT_S = 15
# An open-file limit that leaves the hub 64 connections (192 less the 128 it keeps for
# everything else): the header deadline applies from 56 of them, which a test can open.
HUB_FILES = 192
HUB_CONNECTIONS = HUB_FILES - 128
HEADER_DEADLINE_FROM = HUB_CONNECTIONS - HUB_CONNECTIONS // 8


def seconds_until_closed(port, tls=True, source="127.0.0.1"):
    """Opens a connection (its TLS handshake done), sends nothing and returns the seconds
    until the server closes it, or None when it is still open after WAIT_S."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S,
                                    source_address=(source, 0))
    if tls:
        sock = attack.insecure_context().wrap_socket(sock, server_hostname="127.0.0.1")
    started = time.monotonic()
    try:
        with sock:
            while sock.recv(4096):
                pass
    except socket.timeout:
        return None
    except (ssl.SSLError, OSError):
        pass
    return time.monotonic() - started


def test_hub_idle_timeout_closes_idle_connections_on_both_listeners(tmp_path):
    hub = hubproc.Hub(tmp_path / "hub").init()
    console_port = hubproc.reserved_port()
    hub.start(args=["--idle-timeout", "2", "--console", "127.0.0.1:%d" % console_port])
    try:
        assert b"idle timeout 2 s" in hub.log_text()
        for port in (hub.port, console_port):
            waited = seconds_until_closed(port)
            assert waited is not None and waited >= 1, (port, waited)
    finally:
        assert hub.stop() == 0


def test_post_app_idle_timeout_closes_idle_connections(post_app):
    app = post_app(args=["--idle-timeout", "2"])
    assert app.url.startswith("http://127.0.0.1:")
    waited = seconds_until_closed(int(app.url.rsplit(":", 1)[1]), tls=False)
    assert waited is not None and waited >= 1, waited


def fewer_files():
    resource.setrlimit(resource.RLIMIT_NOFILE, (HUB_FILES, HUB_FILES))


def test_hub_header_timeout_cuts_slow_headers_near_the_limit(tmp_path):
    """At 7/8 of its connections the hub cuts a connection without complete request headers
    after --header-timeout (the guard's rule, test_conn_guard.c at its edges); health still
    answers meanwhile."""
    hub = hubproc.Hub(tmp_path / "hub").init()
    hub.start(args=["--header-timeout", "2"], preexec=fewer_files)
    slow = None
    try:
        assert (b"connections: %d in all" % HUB_CONNECTIONS) in hub.log_text()
        assert (b"header timeout 2 s from %d open" % HEADER_DEADLINE_FROM) in hub.log_text()
        # 8 addresses (an address may hold a quarter of the 64), interval 1 s: each sends a
        # header line a second, so only the header deadline can cut them, never idleness.
        slow = attack.SlowClients(hub.port, attack.sources(8, third_octet=11),
                                  HEADER_DEADLINE_FROM // 8, interval=1, limit=60).start()
        assert slow.wait_open(HEADER_DEADLINE_FROM, timeout=30), (slow.open_now, slow.failed)
        opened = time.monotonic()
        cut = b"cut: no complete request headers"
        while cut not in hub.log_text() and time.monotonic() - opened < WAIT_S:
            time.sleep(0.2)
        assert cut in hub.log_text(), hub.log_text()[-2000:]
        status, _ = attack.probe_health(hub)
        assert status == 200
    finally:
        if slow:
            slow.stop()
        assert hub.stop() == 0


# The post app's fixed connection limit (node/cli/cli_serve.c) and the 7/8 of it from which
# the header deadline applies.
APP_CONNECTIONS = 256
APP_DEADLINE_FROM = APP_CONNECTIONS - APP_CONNECTIONS // 8


def test_post_app_header_timeout_cuts_slow_headers_near_the_limit(post_app):
    app = post_app(listen="https://127.0.0.1:0", args=["--header-timeout", "2"])
    port = int(app.url.rsplit(":", 1)[1])
    # 4 addresses of the 64 connections an address may hold, each line 1 s apart.
    slow = attack.SlowClients(port, attack.sources(4, third_octet=12), APP_DEADLINE_FROM // 4,
                              interval=1, limit=90, path="/sign-in").start()
    try:
        assert slow.wait_open(APP_DEADLINE_FROM, timeout=60), (slow.open_now, slow.failed)
        opened = time.monotonic()
        cut = "cut: no complete request headers"
        while cut not in app.log_text() and time.monotonic() - opened < WAIT_S:
            time.sleep(0.2)
        assert cut in app.log_text(), app.log_text()[-2000:]
    finally:
        slow.stop()
