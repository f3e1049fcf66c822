"""Crash test: SIGKILL sae-node while it writes, many times. After every kill the journal
passes check; at the end every report whose id was printed is there, and every report that
is there was written whole (all its fields, one version), never half."""
import os
import re
import random
import signal
import subprocess
import time

import pytest

import saenode
from saenode import case_sets, list_json, ok, run

# Serial (make e2e runs it alone; tests/e2e/conftest.py says why): SIGKILL at moments sized
# from a measured time of one add.
pytestmark = pytest.mark.serial

TRIALS = int(os.environ.get("SAE_CRASH_TRIALS", "150"))


def start_add(dir, trial):
    # The victim name tags each report with the trial that wrote it.
    argv = [saenode.BIN, "-d", dir, "add", "case"] + case_sets(
        victim_name="trial-%d" % trial, victim_age=str(trial % 121))
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=saenode.clean_env())


def typical_run_seconds(dir):
    """Median wall time of an add, from spawn to exit, as the kills will see it."""
    times = []
    for trial in range(-7, 0):
        start = time.monotonic()
        proc = start_add(dir, trial)
        out, err = proc.communicate(timeout=60)
        times.append(time.monotonic() - start)
        assert proc.returncode == 0, (out, err)
    return sorted(times)[len(times) // 2]


def printed_ids(out):
    """Ids on complete lines only: a line cut by the kill proves nothing."""
    lines = out.split(b"\n")[:-1]
    return [line.decode() for line in lines if saenode.UUID_RE.match(line)]


def test_sigkill_during_writes_loses_nothing(node_dir, capsys):
    seed = int(os.environ.get("SAE_CRASH_SEED", random.randrange(2 ** 32)))
    rng = random.Random(seed)
    typical = typical_run_seconds(node_dir)
    with capsys.disabled():
        print("\ncrash test: seed %d (SAE_CRASH_SEED), %d trials, typical add %.1f ms"
              % (seed, TRIALS, typical * 1000))
    where = "seed %d" % seed
    before = {r["id"] for r in list_json(node_dir)}
    printed = {}  # id -> trial
    killed = 0
    for trial in range(TRIALS):
        proc = start_add(node_dir, trial)
        time.sleep(rng.uniform(0, typical))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), (where, trial, proc.returncode, err)
        saenode.assert_no_crash(saenode.Result(["add"], max(proc.returncode, 0), out, err))
        ids = printed_ids(out)
        if proc.returncode == 0:
            assert len(ids) == 1 and err == b"", (where, trial, out, err)
        else:
            killed += 1
        for report_id in ids:
            printed[report_id] = trial
        # Whatever the kill left behind (WAL, shared memory) is private too.
        for name in os.listdir(node_dir):
            assert saenode.mode(os.path.join(node_dir, name)) == 0o600, (where, trial, name)
        res = run(["check"], dir=node_dir)
        assert res.rc == 0, (where, trial, res)

    reports = {r["id"]: r for r in list_json(node_dir) if r["id"] not in before}
    missing = set(printed) - set(reports)
    assert not missing, (where, "printed but lost", missing)
    assert len(reports) >= len(printed)
    assert len(reports) <= TRIALS
    committed_silently = len(reports) - len(printed)
    assert committed_silently <= killed, where
    trials_seen = set()
    for report_id, report in reports.items():
        fields = report["fields"]
        trial = int(fields["victim_name"].split("-")[1])
        assert trial not in trials_seen, (where, "two reports from one add", trial)
        trials_seen.add(trial)
        if report_id in printed:
            assert printed[report_id] == trial, where
        number = fields.pop("registration_number")
        assert re.fullmatch(r"3513122018-2026-\d{4}", number), (where, number)
        assert fields == {"status": "new", "violence_types": ["physical"], "victim_sex": "F",
                          "intake_date": "2026-01-05", "victim_name": "trial-%d" % trial,
                          "victim_age": trial % 121}, (where, "half-written report", report)
    for report_id in list(reports)[:: max(1, len(reports) // 10)]:
        history = ok(["history", report_id, "--json"], dir=node_dir).json()
        assert len(history) == 7 and len({e["version"] for e in history}) == 1, where
    status = ok(["status", "--json"], dir=node_dir).json()
    assert status["reports"] == len(before) + len(reports)
    assert status["pending"] == status["changes"] == 7 * (len(before) + len(reports))
    ok(["check"], dir=node_dir)
    with capsys.disabled():
        print("crash test: %d killed, %d ids printed, %d committed without printing"
              % (killed, len(printed), committed_silently))


def test_sigkill_the_moment_add_prints_its_id_loses_nothing(node_dir):
    """The id is printed after the commit's durable sync and before the journal is closed:
    killed as soon as the line arrives, each add has left its whole report, which the next
    process finds (since issue 14, through the WAL a close no longer copies into node.db)."""
    printed = {}
    for trial in range(12):
        proc = start_add(node_dir, 1000 + trial)
        line = proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert saenode.UUID_RE.match(line.rstrip(b"\n")), (trial, line, out, err)
        printed[line.decode().strip()] = 1000 + trial
    ok(["check"], dir=node_dir)
    for report_id, trial in printed.items():
        fields = saenode.show_json(node_dir, report_id)["fields"]
        assert fields["victim_name"] == "trial-%d" % trial, (report_id, fields)
        assert fields["victim_age"] == trial % 121
