"""Two processes on one journal: a writer that holds the lock too long gets a clear error
and nothing is written; a short hold is waited for; parallel writers all succeed."""
import os
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import saenode
from saenode import assert_one_line_error, case_sets, list_json, ok, run, snapshot

# Serial (make e2e runs it alone; tests/e2e/conftest.py says why): a lock held for 0.3 s
# against the journal's busy timeout.
pytestmark = pytest.mark.serial


def hold_write_lock(dir):
    db = sqlite3.connect(os.path.join(dir, "node.db"), isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    return db


def release(db):
    db.execute("ROLLBACK")
    db.close()


def test_busy_journal_fails_clearly_and_writes_nothing(populated):
    # The lock's holder checkpoints at its close: the WAL is settled first, so that the
    # snapshots compare what sae-node wrote.
    saenode.settle_wal(populated.dir)
    before = snapshot(populated.dir)
    reports = list_json(populated.dir, "--deleted")
    env = saenode.clean_env(SAE_BUSY_TIMEOUT_MS="200")
    lock = hold_write_lock(populated.dir)
    try:
        for args in (["add", "case"] + case_sets(),
                     ["edit", populated.case, "--set", "status=closed"],
                     ["delete", populated.case]):
            res = run(args, dir=populated.dir, env=env)
            assert_one_line_error(res, 1, "in use")
        # WAL: readers never wait for a writer, and see the last committed state.
        assert [r["id"] for r in run(["list", "--json", "--deleted"], dir=populated.dir,
                                     env=env).json()] == [r["id"] for r in reports]
        for args in (["list"], ["status", "--json"], ["show", populated.case],
                     ["history", populated.case, "--json"], ["check"], ["fields"]):
            res = run(args, dir=populated.dir, env=env)
            assert res.rc == 0, res
    finally:
        release(lock)
    assert snapshot(populated.dir) == before
    assert list_json(populated.dir, "--deleted") == reports
    ok(["check"], dir=populated.dir)


def test_short_lock_is_waited_for(populated):
    count = len(list_json(populated.dir))
    lock = hold_write_lock(populated.dir)
    try:
        proc = subprocess.Popen([saenode.BIN, "-d", populated.dir, "add", "case"] + case_sets(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=saenode.clean_env())
        time.sleep(0.3)
    finally:
        release(lock)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, (out, err)
    report_id = out.strip().decode()
    assert saenode.UUID_RE.match(out.strip()), out
    ids = [r["id"] for r in list_json(populated.dir)]
    assert len(ids) == count + 1 and ids[-1] == report_id
    ok(["check"], dir=populated.dir)


def test_parallel_writers_all_succeed(node_dir):
    def add(i):
        return run(["add", "case"] + case_sets(victim_age=str(i % 121)), dir=node_dir)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(add, range(40)))
    for res in results:
        assert res.rc == 0, res
    ids = {res.out.strip().decode() for res in results}
    assert len(ids) == 40
    assert {r["id"] for r in list_json(node_dir)} == ids
    ok(["check"], dir=node_dir)
    status = ok(["status", "--json"], dir=node_dir).json()
    assert status["reports"] == 40 and status["pending"] == status["changes"] == 40 * 6
    # Forty writers at once, forty distinct registration numbers in one sequence.
    numbers = sorted(r["fields"]["registration_number"] for r in list_json(node_dir))
    assert numbers == ["3513122018-2026-%04d" % n for n in range(1, 41)]
