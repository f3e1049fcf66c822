"""The real binary under valgrind: no memory error and no definite or indirect leak on the
commands' ordinary paths and on their error paths. valgrind is installed by `make deps`, so
a machine without it fails these tests rather than skipping them."""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

import saenode
from saenode import case_sets, run

# Serial (make e2e runs it alone; tests/e2e/conftest.py says why): every command under
# valgrind, whose slowness under load meets the commands' timeouts.
pytestmark = pytest.mark.serial

VALGRIND = shutil.which("valgrind")
VALGRIND_ERROR = 99
# --trace-children: sae-node hands enroll, sync, run and serve to sae-node-net by exec.
WRAPPER = [VALGRIND or "valgrind", "-q", "--error-exitcode=%d" % VALGRIND_ERROR,
           "--trace-children=yes", "--leak-check=full",
           "--errors-for-leak-kinds=definite,indirect"]


def _asan_build():
    with open(saenode.BIN, "rb") as f:
        return b"__asan_init" in f.read()


def vg(args, dir, status=0, **kwargs):
    assert VALGRIND, "valgrind is not installed (make deps installs it)"
    res = run(args, dir=dir, wrapper=WRAPPER, timeout=120, **kwargs)
    assert res.rc != VALGRIND_ERROR, res
    assert res.rc == status, res
    return res


def test_commands_under_valgrind(tmp_path):
    if _asan_build():
        pytest.skip("SAE_NODE_BIN is built with AddressSanitizer, which valgrind cannot run")
    dir = str(tmp_path / "node")
    narrative = tmp_path / "narrative.txt"
    narrative.write_bytes("Kronologi\nbaris dua – ü\n".encode())
    vg(["init", "--village", "Sumberanyar"], dir)
    vg(["config", "author", "Siti"], dir)
    case = vg(["add", "case", "--set-file", "narrative=%s" % narrative, "--set",
               "victim_age=9", "--set", "consent_share=ya"] + case_sets(),
              dir).out.strip().decode()
    vg(["edit", case[:8], "--set", "status=active", "--unset", "victim_age"], dir)
    saenode.add_service(dir, case)
    deleted = saenode.add_case(dir)
    vg(["delete", deleted[:6]], dir)
    damaged = str(tmp_path / "damaged")
    shutil.copytree(dir, damaged)
    with open(os.path.join(damaged, "node.db"), "r+b") as f:
        f.write(os.urandom(4096))

    # Read-only runs and error paths are independent: two at a time.
    runs = [
        (["show", case, "--json"], dir, 0),
        (["list", "--json", "--deleted"], dir, 0),
        (["history", case], dir, 0),
        (["check"], dir, 0),
        (["status"], dir, 0),
        (["status", "--json"], dir, 0),
        (["add", "case"] + case_sets(violence_types="punching"), dir, 2),
        (["edit", deleted, "--set", "status=closed"], dir, 2),
        (["show", "0123456789"], dir, 2),
        (["add", "service", "--set", "case_id=" + saenode.unknown_id([case, deleted]),
          "--set", "service_type=other", "--set", "service_date=2026-01-01"], dir, 2),
        (["list"], str(tmp_path / "absent"), 2),
        (["list"], damaged, 1),
        (["init", "--village", "Lain"], dir, 2),
        (["init", "--village", "Sumberanyer "], str(tmp_path / "typo"), 2),
        (["config", "--json"], dir, 0),
        (["--by", "x" * 101, "delete", case], dir, 2),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda r: vg(r[0], r[1], r[2]), runs))
    assert results[0].json()["fields"]["status"] == "active"
