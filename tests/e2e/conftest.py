"""Fixtures: fresh node directories made by the real binary."""
import os
import shutil
from types import SimpleNamespace

import pytest

import saenode

# make e2e runs the tests in two pytest runs: first every test not marked serial, spread over
# workers (pytest-xdist, -n 2), then the serial ones alone. A test is parallel unless marked:
# each test makes its own directories (tmp_path), its own daemons on ports the system picks
# (or hubproc.reserved_port()) and its own browsers, so two at once only share the cores.
# Mark serial (a module's `pytestmark = pytest.mark.serial`, or one test's decorator) what
# that sharing would change: tests that time something or wait for a deadline of a few
# seconds, run attack tools and floods, count the daemon's open files, kill processes at
# random moments, or run programs under valgrind (tests/e2e/test_serial.py checks the
# clearest signs of these).
SERIAL_MARKER = ("serial: timing- or load-sensitive; make e2e runs it alone, after the tests "
                 "that run in parallel")


# pytest-xdist hands the workers tests in the order collected, so a test that waits minutes
# (test_sync_keepalive's two rounds 125 s apart) collected near the end would run alone on
# one worker after the other had finished everything else. Marked starts_first, it is moved
# to the front of the run (the same order on every worker) and its wait overlaps the rest.
STARTS_FIRST_MARKER = ("starts_first: a long wait; make e2e starts it before the other tests, "
                       "so that its wait overlaps theirs")


def pytest_configure(config):
    config.addinivalue_line("markers", SERIAL_MARKER)
    config.addinivalue_line("markers", STARTS_FIRST_MARKER)


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.get_closest_marker("starts_first") is None)


@pytest.fixture(scope="session", autouse=True)
def sae_node_binary():
    path = saenode.BIN
    if not path or not os.path.isabs(path) or not os.access(path, os.X_OK):
        pytest.exit("SAE_NODE_BIN must name the sae-node binary by absolute path "
                    "(run: make e2e); got %r" % path, returncode=2)
    return path


@pytest.fixture
def node_dir(tmp_path):
    """An initialised, empty node directory."""
    return saenode.init(str(tmp_path / "node"))


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """A node directory holding one open case, one deleted case, a service and a referral."""
    dir = str(tmp_path_factory.mktemp("template") / "node")
    saenode.init(dir)
    case = saenode.add_case(dir, victim_name="Siti Aminah", victim_age="14",
                            narrative="Pertama\nKedua")
    deleted = saenode.add_case(dir, violence_types="neglect")
    saenode.ok(["delete", deleted], dir=dir)
    service = saenode.add_service(dir, case)
    referral = saenode.add_referral(dir, case)
    return SimpleNamespace(dir=dir, case=case, deleted=deleted, service=service,
                           referral=referral)


@pytest.fixture
def populated(template, tmp_path):
    """A private copy of the template directory (modes kept), so a test may change it."""
    dir = str(tmp_path / "node")
    shutil.copytree(template.dir, dir)
    os.chmod(dir, 0o700)
    return SimpleNamespace(dir=dir, case=template.case, deleted=template.deleted,
                           service=template.service, referral=template.referral,
                           ids=[template.case, template.deleted, template.service,
                                template.referral])
