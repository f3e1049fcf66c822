"""The post's two executables (issue 14): sae-node runs the journal's commands with SQLite,
libsodium and zlib alone, and hands enroll, sync, run and serve to sae-node-net beside it;
one `add` costs one durable sync once the WAL's directory entry is known to be on disk."""
import os
import re
import shutil
import subprocess

import pytest

import saenode
from saenode import add_case, assert_one_line_error, case_sets, ok, run

NET_COMMANDS = ("enroll", "sync", "run", "serve")
# What libcurl and libmicrohttpd bring: none of it may be mapped by sae-node itself.
NETWORK_LIBRARIES = ("libcurl", "libmicrohttpd", "libgnutls", "libnghttp2", "libssl",
                     "libkrb5", "libldap")


def loaded_objects(binary, args):
    """The shared objects the loader maps for one run of binary (no code of it runs)."""
    out = subprocess.run([binary] + args, env=dict(saenode.clean_env(),
                                                    LD_TRACE_LOADED_OBJECTS="1"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def test_add_maps_no_network_library(node_dir):
    objects = loaded_objects(saenode.BIN, ["-d", node_dir, "add", "case"] + case_sets())
    assert not [o for o in objects if o.startswith(NETWORK_LIBRARIES)], objects
    assert any(o.startswith("libsqlite3") for o in objects), objects
    net = os.path.join(os.path.dirname(saenode.BIN), "sae-node-net")
    assert any(o.startswith("libcurl") for o in loaded_objects(net, ["--help"]))


def test_network_commands_run_in_sae_node_net(node_dir):
    """sync reaches the code only sae-node-net has (its own refusal of a post not enrolled),
    and each network command's --help is its own usage."""
    assert_one_line_error(run(["sync"], dir=node_dir), 2, "not enrolled", "enroll")
    for command in NET_COMMANDS:
        res = ok([command, "--help"], dir=node_dir)
        assert re.match(rb"Usage: sae-node (\[-d DIR\] )?%s\b" % command.encode(), res.out), res


def journal_bytes(dir):
    return {name: open(os.path.join(dir, name), "rb").read() for name in sorted(os.listdir(dir))
            if not name.endswith("-shm")}


def test_sae_node_without_sae_node_net(tmp_path):
    """Installed alone, sae-node still keeps the journal; each network command refuses in
    one line that names the missing program and changes nothing."""
    alone = tmp_path / "bin" / "sae-node"
    alone.parent.mkdir()
    shutil.copy2(saenode.BIN, alone)
    dir = str(tmp_path / "node")
    env = saenode.clean_env()
    for args in (["init", "--village", saenode.VILLAGE], ["config", "author", "Siti"],
                 ["add", "case"] + case_sets()):
        res = subprocess.run([str(alone), "-d", dir] + args, capture_output=True, env=env,
                             timeout=60)
        assert res.returncode == 0, res
    before = journal_bytes(dir)
    for command in NET_COMMANDS:
        proc = subprocess.run([str(alone), "-d", dir, command], capture_output=True, env=env,
                              timeout=60)
        res = saenode.Result([command], proc.returncode, proc.stdout, proc.stderr)
        assert_one_line_error(res, 1, command, "sae-node-net", "beside sae-node", "install")
    assert journal_bytes(dir) == before


def durable_syncs(argv):
    """fsync + fdatasync calls of one run, by name and file (strace -f -y)."""
    env = saenode.clean_env()
    # LeakSanitizer cannot run under ptrace: a sanitizer build's leaks are other tests' work.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    trace = subprocess.run(["strace", "-f", "-y", "-e", "trace=fsync,fdatasync"] + argv,
                           capture_output=True, text=True, env=env, timeout=120)
    assert trace.returncode == 0, trace.stderr[-2000:]
    return re.findall(r"(fsync|fdatasync)\(\d+<([^>]*)>\) = 0", trace.stderr)


def test_one_durable_sync_per_add_once_the_wal_entry_is_on_disk(node_dir, tmp_path):
    if not shutil.which("strace"):
        pytest.fail("strace is not installed (make deps installs it)")
    add = [saenode.BIN, "-d", node_dir, "add", "case"] + case_sets()
    add_case(node_dir)
    add_case(node_dir)
    wal = os.path.join(node_dir, "node.db-wal")
    for _ in range(3):
        assert durable_syncs(add) == [("fdatasync", wal)]
    # A copy of the directory (attributes copied, cp -a) has a WAL of a new inode whose
    # entry nobody synced: its first add syncs the directory too, the next ones do not.
    copy = str(tmp_path / "copy")
    subprocess.run(["cp", "-a", node_dir, copy], check=True)
    add_copy = [saenode.BIN, "-d", copy, "add", "case"] + case_sets()
    first = durable_syncs(add_copy)
    assert ("fsync", copy) in first and ("fdatasync", os.path.join(copy, "node.db-wal")) in first
    assert durable_syncs(add_copy) == [("fdatasync", os.path.join(copy, "node.db-wal"))]
    assert len(saenode.list_json(copy)) == 7  # the 5 copied and its own 2
