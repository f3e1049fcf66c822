"""Fixtures of the sae-hub end-to-end tests: a hub directory made by the real binary, its
daemon serving HTTPS on 127.0.0.1, enrollment bundles, and devices speaking the protocol
through saeproto (an implementation written from proto/PROTOCOL.md, not from the C code)."""
import os
import signal

import pytest

import hubproc
import saenode
import saeproto


@pytest.fixture(scope="session", autouse=True)
def sae_node_binary():
    """Overrides tests/e2e/conftest.py's check: these tests do not run sae-node, so they
    also run without SAE_NODE_BIN."""
    return None


@pytest.fixture(scope="session", autouse=True)
def sae_hub_binary():
    """Every hub test errors (loudly, without stopping the node tests) when there is no
    binary to test."""
    path = hubproc.BIN
    if not os.path.isabs(path) or not os.access(path, os.X_OK):
        pytest.fail("SAE_HUB_BIN must name the sae-hub binary by absolute path (default: "
                    "build/sae-hub of the repository, made by `make`); got %r" % path,
                    pytrace=False)
    return path


@pytest.fixture(scope="session", autouse=True)
def protocol_messages(tmp_path_factory):
    """proto/sae.proto compiled by protoc into a temporary directory, never into the tree."""
    return saeproto.load_schema(hubproc.REPO / "proto" / "sae.proto",
                                tmp_path_factory.mktemp("sae_pb2"))


def _serving_hub(directory):
    hub = hubproc.Hub(directory).init().start()
    return hub


def _stop_clean(hub):
    """Stops the daemon if the test left it running (exit 0 required) and checks that no
    run of it crashed or reported a sanitizer error."""
    rc = hub.stop(signal.SIGTERM) if hub.proc is not None else 0
    log = hub.log_text()
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in log, log[-4000:].decode(errors="replace")
    assert rc == 0, "sae-hub serve exited %s on SIGTERM; log:\n%s" % (rc, log[-4000:].decode(
        errors="replace"))


@pytest.fixture
def hub(tmp_path):
    """A fresh hub, serving; stopped with SIGTERM at teardown, which must exit 0."""
    h = _serving_hub(tmp_path / "hub")
    yield h
    _stop_clean(h)


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory):
    """One hub for a module whose tests only send refused requests (each still compares
    hub.db before and after itself)."""
    h = _serving_hub(tmp_path_factory.mktemp("shared") / "hub")
    yield h
    _stop_clean(h)


@pytest.fixture
def console_hub(tmp_path):
    """A serving hub with console accounts siti (coordinator), budi (operator) and rina
    (admin); hub.passwords maps each name to its password."""
    h = hubproc.Hub(tmp_path / "hub").init()
    h.passwords = {name: h.add_account(name, role) for name, role in
                   (("siti", "coordinator"), ("budi", "operator"), ("rina", "admin"))}
    h.start()
    yield h
    _stop_clean(h)


@pytest.fixture
def browser(tmp_path):
    """browser(hub) -> a headless Chromium (browser.Browser) on the hub's console, with a
    fresh profile; quit at teardown."""
    import browser as chromium
    made = []

    def make(hub):
        b = chromium.Browser(tmp_path / ("chromium-profile-%d" % len(made)), hub.url)
        made.append(b)
        return b
    yield make
    for b in made:
        b.quit()


@pytest.fixture
def post_app(tmp_path):
    """post_app(**start options) -> a node directory with its head of post (node_app.HEAD)
    and `sae-node serve` on it (node_app.PostApp); stopped at teardown with SIGTERM, which
    must exit 0 without a crash."""
    import node_app
    made = []

    def make(directory=None, **start_options):
        app = node_app.PostApp(directory or tmp_path / ("post-%d" % len(made)))
        app.add_staff(node_app.HEAD, node_app.HEAD_PASSPHRASE, role="head")
        made.append(app)
        return app.start(**start_options)
    yield make
    for app in made:
        rc = app.stop()
        log = app.log_text()
        for marker in saenode.CRASH_MARKERS:
            assert marker.decode() not in log, log[-4000:]
        assert rc in (None, 0), "sae-node serve exited %s; log:\n%s" % (rc, log[-4000:])


@pytest.fixture
def enroll():
    """enroll(hub, village, name=...) -> an enrolled saeproto.Device."""
    def make(hub, village, name="Laptop Posko", **device_options):
        device = saeproto.Device(hub.add_node(village, name=name), name=name, **device_options)
        answer = device.enroll()
        assert answer.status == 200 and answer.type == saeproto.ENROLL_RESPONSE, answer
        return device
    return make


@pytest.fixture(scope="module")
def shared_devices(shared_hub):
    """Two enrolled devices of one village on the shared hub."""
    devices = []
    for name in ("Laptop A", "Laptop B"):
        device = saeproto.Device(shared_hub.add_node("Sumberanyar", name=name), name=name)
        answer = device.enroll()
        assert answer.status == 200, answer
        devices.append(device)
    return devices
