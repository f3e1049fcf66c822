"""The repository as the tests about its own files see it: its root, the Debian packages
scripts/deps.sh installs, and the built programs."""
import functools
import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPS_SH = REPO / "scripts" / "deps.sh"

# The interpreter the project's Python tests run under (README, Makefile: `make e2e`).
DEBIAN_PYTHON = "/usr/bin/python3"


def deps_packages(text=None):
    """The package names of deps.sh's PACKAGES="..." list, in order."""
    if text is None:
        text = DEPS_SH.read_text()
    match = re.search(r'^PACKAGES="([^"]*)"', text, re.M)
    assert match, "scripts/deps.sh has no PACKAGES=\"...\" list"
    return match.group(1).split()


def programs():
    """The absolute paths of the built sae-node and sae-hub (make e2e sets both)."""
    node = os.environ.get("SAE_NODE_BIN") or str(REPO / "build" / "sae-node")
    hub = os.environ.get("SAE_HUB_BIN") or str(REPO / "build" / "sae-hub")
    for path in (node, hub):
        assert os.path.isabs(path) and os.access(path, os.X_OK), (
            "%s is not an executable; build it with: make" % path)
    return node, hub


def bin_dir(tmp_path):
    """A directory holding sae-node and sae-hub (links to the programs under test), for PATH."""
    directory = tmp_path / "bin"
    directory.mkdir()
    node, hub = programs()
    os.symlink(node, directory / "sae-node")
    os.symlink(hub, directory / "sae-hub")
    return directory


def user_env(home, path_first):
    """A fresh user's environment: HOME, PATH with path_first in front, and none of the
    variables that move the programs' directories or timeouts."""
    drop = ("SAE_NODE_DIR", "SAE_HUB_DIR", "XDG_DATA_HOME", "SAE_BUSY_TIMEOUT_MS",
            "SAE_STALL_TIMEOUT_S", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "KEEP", "DEMO_NO_WAIT")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["HOME"] = str(home)
    env["PATH"] = str(path_first) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return env


@functools.lru_cache(maxsize=None)
def isolation():
    """The command prefix that gives a process a network namespace of its own, with only
    loopback (down until isolated() brings it up), or () where the machine allows none
    (neither root nor unprivileged user namespaces). Ports then meet no other process."""
    for prefix in (["unshare", "--net"], ["unshare", "--map-root-user", "--net"]):
        try:
            proc = subprocess.run(prefix + ["ip", "link", "set", "dev", "lo", "up"],
                                  capture_output=True, timeout=60)
        except FileNotFoundError:
            return ()
        if proc.returncode == 0:
            return tuple(prefix)
    return ()


def isolated(prefix, argv):
    """argv run in a new network namespace with loopback up (prefix from isolation()), or
    as it is when prefix is ()."""
    if not prefix:
        return list(argv)
    return list(prefix) + ["sh", "-c", 'ip link set dev lo up && exec "$@"', "sh"] + list(argv)
