"""sae-node enroll and sync against a real sae-hub over HTTPS on 127.0.0.1: the post's side
of issue 5 as far as it is on main. Two devices of one village and one of another, real
processes, real files."""
import json
import os

import pytest

import hubproc
import saenode
from posts import enrolled, node, sync

VILLAGE = "Sumberanyar"


def test_enroll_push_pull_between_two_devices(hub, tmp_path):
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    # b enrolls first: the hub seals the name a sends to b's storage key too (a device
    # enrolled later receives it only once a coordinator grants it: test_sealed_pull.py).
    assert sync(b, check=False).json()["pulled"] == 0
    case = saenode.add_case(a, victim_name="Siti Contoh")
    first = sync(a, check=False)
    assert first.rc == 0, first
    result = first.json()
    assert result["ok"] and result["enrolled_now"] and result["pushed"] == 6
    assert saenode.ok(["status", "--json"], dir=a).json()["pending"] == 0
    second = sync(b, check=False).json()
    assert second["pulled"] == 6
    assert saenode.show_json(b, case)["fields"] == saenode.show_json(a, case)["fields"]
    for post in (a, b):
        assert "journal ok" in saenode.ok(["check"], dir=post).text
    status = saenode.ok(["status", "--json"], dir=b).json()
    assert status["enrolled"] and status["last_sync"] and status["last_error"] is None


def test_another_village_sees_nothing(hub, tmp_path):
    a = enrolled(hub, tmp_path, "a")
    other = enrolled(hub, tmp_path, "other", village="Wonokerso")
    saenode.add_case(a)
    assert sync(a, check=False).rc == 0
    assert sync(other, check=False).json()["pulled"] == 0
    assert saenode.list_json(other) == []


def test_concurrent_edits_conflict_and_resolution_flows_back(hub, tmp_path):
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    case = saenode.add_case(a)
    assert sync(a, check=False).rc == 0 and sync(b, check=False).rc == 0
    saenode.ok(["edit", case, "--set", "status=active"], dir=a)
    saenode.ok(["edit", case, "--set", "status=closed", "--set", "closure_reason=relocated"],
               dir=b)
    assert sync(a, check=False).rc == 0 and sync(b, check=False).rc == 0
    conflicts = hub.admin_json("conflicts", "list")
    assert len(conflicts) == 1 and conflicts[0]["severity"] == "hard"
    assert {c["value"] for c in conflicts[0]["candidates"]} == {"active", "closed"}
    # The candidates name the people and devices that wrote them.
    assert sorted(c["by"].rsplit(", ", 1)[0] for c in conflicts[0]["candidates"]) == [
        "Staf a, Laptop a", "Staf b, Laptop b"]
    hub.ok("conflicts", "resolve", str(conflicts[0]["id"]), "--value", "referred",
           "--by", "Bu Sari", "--note", "ditelepon: dirujuk ke UPTD PPA")
    assert sync(a, check=False).rc == 0 and sync(b, check=False).rc == 0
    hub_name = hub.query("SELECT value FROM meta WHERE key = 'name'")[0][0]
    for post in (a, b):
        assert saenode.show_json(post, case)["fields"]["status"] == "referred"
        assert "journal ok" in saenode.ok(["check"], dir=post).text
        # Each post's history: its own, the other post's and the coordinator's changes, each
        # by a person on a named device; the resolution with its note.
        history = saenode.ok(["history", case, "--json"], dir=post).json()
        people = [(e["author"], e["device"], e["note"]) for e in history
                  if e["field"] == "status"]
        assert people[-1] == ("Bu Sari", hub_name, "ditelepon: dirujuk ke UPTD PPA"), people
        assert {("Staf a", "Laptop a", None), ("Staf b", "Laptop b", None)} <= set(people)
        text = saenode.ok(["history", case], dir=post).text
        assert ("Bu Sari, %s, " % hub_name) in text
        assert "note: ditelepon: dirujuk ke UPTD PPA" in text
    # A post knows its own name once enrolled.
    assert saenode.ok(["config", "--json"], dir=a).json()["device_name"] == "Laptop a"


def test_no_connection_keeps_changes_and_says_so(hub, tmp_path):
    a = enrolled(hub, tmp_path, "a")
    saenode.add_case(a)
    assert sync(a, check=False).rc == 0
    saenode.add_case(a)
    port = hub.port
    hub.stop()
    res = saenode.run(["sync"], dir=a)
    saenode.assert_one_line_error(res, 1, "no connection to the hub", "5 change(s) wait")
    status = saenode.ok(["status", "--json"], dir=a).json()
    assert status["pending"] == 5 and "no connection" in status["last_error"]
    hub.start(port=port)  # the bundle names this address
    assert sync(a, check=False).json()["pushed"] == 5
    assert saenode.ok(["status", "--json"], dir=a).json()["last_error"] is None


def test_revoked_device_is_told(hub, tmp_path):
    a = enrolled(hub, tmp_path, "a")
    assert sync(a, check=False).rc == 0
    hub.revoke(int(hub.nodes()[0]["id"], 16))
    saenode.add_case(a)
    res = saenode.run(["sync"], dir=a)
    # The hub's sealed notice: the post wipes and says so (test_post_revocation has the rest).
    saenode.assert_one_line_error(res, 3, "revoked by the district on", "was wiped")


def test_revoked_device_cannot_enroll_again(hub, tmp_path):
    """A device the district revoked brings a fresh bundle: an enrolled post asks the hub
    before it keeps a new bundle, the hub answers the revoked key with its sealed notice
    (PROTOCOL.md section 8), and the post wipes its survivors' data as on any other contact
    and says so (exit 3); the new bundle is not kept: not its link, not its name."""
    a = enrolled(hub, tmp_path, "a")
    assert sync(a, check=False).rc == 0
    hub.revoke(int(hub.nodes()[0]["id"], 16))
    hub_row = "SELECT url, public_key, hub_id, pin, token FROM hub"
    name_row = "SELECT value FROM meta WHERE key = 'device_name'"
    link_before = saenode.sql(a, hub_row)
    res = saenode.run(["enroll", hub.add_node(VILLAGE, name="Laptop Baru")], dir=a)
    saenode.assert_one_line_error(res, 3, "revoked by the district on", "was wiped")
    assert saenode.sql(a, hub_row) == link_before
    assert saenode.sql(a, name_row) == [("Laptop a",)]
    # Wiped: every later command says so.
    saenode.assert_one_line_error(saenode.run(["status"], dir=a), 3, "was wiped")


def test_enrolling_again_without_a_connection_waits_for_the_next_sync(hub, tmp_path):
    """The hub out of reach, an enrolled post keeps the new bundle as a first enrollment
    would, and the next sync enrolls it again."""
    a = enrolled(hub, tmp_path, "a")
    assert sync(a, check=False).rc == 0
    bundle = hub.add_node(VILLAGE, name="Laptop a")
    port = hub.port
    hub.stop()
    assert "completes on the next sync" in saenode.ok(["enroll", bundle], dir=a).text
    hub.start(port=port)  # the bundle names this address
    again = sync(a, check=False)
    assert again.rc == 0 and again.json()["enrolled_now"], again


def test_enroll_refusals_change_nothing(hub, tmp_path):
    a = node(tmp_path, "a")
    bad = tmp_path / "bad.json"
    bad.write_text("{\"format\": \"something else\"}")
    before = saenode.snapshot(a)
    saenode.assert_one_line_error(saenode.run(["enroll", str(bad)], dir=a), 2,
                                  "not an enrollment bundle")
    other = hub.add_node("Wonokerso")
    saenode.assert_one_line_error(saenode.run(["enroll", other], dir=a), 2,
                                  "bundle is for Wonokerso")
    saenode.assert_one_line_error(saenode.run(["enroll", str(tmp_path / "missing.json")],
                                              dir=a), 2, "cannot read the bundle")
    with open(hub.add_node(VILLAGE)) as f:
        edited = json.load(f)
    for index in (-1, "B", 1 << 40):
        edited["device_index"] = index
        bad.write_text(json.dumps(edited))
        saenode.assert_one_line_error(saenode.run(["enroll", str(bad)], dir=a), 2,
                                      "device_index is not a device's number")
    assert saenode.snapshot(a) == before
    saenode.assert_one_line_error(saenode.run(["sync"], dir=a), 2, "not enrolled")
    bundle = hub.add_node(VILLAGE)
    saenode.ok(["enroll", bundle], dir=a)
    assert sync(a, check=False).rc == 0
    # A bundle of another hub is refused; one of the same hub enrolls the post again.
    other_hub = hubproc.Hub(tmp_path / "other-hub").init()
    before = saenode.snapshot(a)
    foreign = other_hub.add_node(VILLAGE, out=str(tmp_path / "other-hub.json"), port=1)
    saenode.assert_one_line_error(saenode.run(["enroll", foreign],
                                              dir=a), 2, "enrolled with another hub")
    assert saenode.snapshot(a) == before
    # An enrolled post asks the hub at once: the round enrolls it again and syncs.
    again = saenode.ok(["enroll", hub.add_node(VILLAGE)], dir=a)
    assert "enrolled with the district hub" in again.text, again
    assert sync(a, check=False).rc == 0


def test_reused_bundle_is_refused_on_the_second_device(hub, tmp_path):
    a, b = node(tmp_path, "a"), node(tmp_path, "b")
    bundle = hub.add_node(VILLAGE)
    saenode.ok(["enroll", bundle], dir=a)
    saenode.ok(["enroll", bundle], dir=b)
    assert sync(a, check=False).rc == 0
    res = saenode.run(["sync"], dir=b)
    saenode.assert_one_line_error(res, 1, "expired or already used")


def test_pull_is_paged_and_delete_reaches_the_other_device(hub, tmp_path):
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    cases = [saenode.add_case(a) for _ in range(260)]
    saenode.ok(["delete", cases[0]], dir=a)
    result = sync(a, check=False).json()
    assert result["pushed"] == 260 * 5 + 1 and result["batches"] == 2
    assert sync(b, check=False).json()["pulled"] == 260 * 5 + 1
    assert len(saenode.list_json(b)) == 259
    assert saenode.show_json(b, cases[0])["deleted"] is True


def wait_for(predicate, seconds=30):
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.serial  # a runner's 1 s interval against 40 s to catch up
def test_run_keeps_syncing_and_stops_cleanly(hub, tmp_path):
    import signal
    import subprocess
    a = enrolled(hub, tmp_path, "a")
    runner = subprocess.Popen([saenode.BIN, "-d", a, "run", "--interval", "1"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        case = saenode.add_case(a)
        assert wait_for(lambda: hub.query("SELECT count(*) FROM report WHERE id = ?",
                                          (case,)) == [(1,)]), "the runner never sent the case"
        port = hub.port
        hub.stop()
        saenode.add_case(a)
        assert wait_for(lambda: "no connection" in (saenode.ok(["status", "--json"], dir=a)
                                                    .json()["last_error"] or ""))
        hub.start(port=port)
        assert wait_for(lambda: saenode.ok(["status", "--json"], dir=a).json()["pending"] == 0,
                        seconds=40), "the runner did not catch up after the hub came back"
    finally:
        runner.send_signal(signal.SIGTERM)
        out, err = runner.communicate(timeout=90)
    assert runner.returncode == 0, err
    log = err.decode()
    assert "sync ok" in log and "sync failed: no connection" in log and "next try in" in log
    assert log.strip().splitlines()[-1].endswith("the round in progress finished")


@pytest.mark.serial  # SIGKILL at random moments of a sync
def test_sigkill_during_sync_loses_and_repeats_nothing(hub, tmp_path):
    """sae-node sync killed with SIGKILL at random points, many times: after a final round
    every change the post wrote is at the hub exactly once, both sides' checks pass, and a
    second device ends equal to the first. The seed is printed for replay."""
    import random
    import signal
    import subprocess
    import time
    seed = int(os.environ.get("SAE_SYNC_KILL_SEED", random.randrange(1 << 30)))
    trials = int(os.environ.get("SAE_SYNC_KILL_TRIALS", "40"))
    print("sync kill test: seed %d (SAE_SYNC_KILL_SEED), %d trials" % (seed, trials))
    rng = random.Random(seed)
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    killed = 0
    for trial in range(trials):
        for _ in range(rng.randrange(1, 40)):
            saenode.add_case(a)
        proc = subprocess.Popen([saenode.BIN, "-d", a, "sync"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 0.08))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        assert "journal ok" in saenode.ok(["check"], dir=a).text, "seed %d trial %d" % (seed, trial)
    print("sync kill test: %d of %d rounds killed" % (killed, trials))
    assert sync(a, check=False).rc == 0 and sync(b, check=False).rc == 0
    origin = int(saenode.ok(["status", "--json"], dir=a).json()["origin"], 16)
    own = saenode.ok(["status", "--json"], dir=a).json()["changes"]
    at_hub = hub.query("SELECT count(*), count(DISTINCT node_seq) FROM change WHERE origin = ?",
                       (origin,))[0]
    assert at_hub == (own, own), "seed %d: the post wrote %d changes, the hub holds %r" % (
        seed, own, at_hub)
    assert saenode.ok(["status", "--json"], dir=a).json()["pending"] == 0
    listed_a = {r["id"]: r["fields"] for r in saenode.list_json(a)}
    listed_b = {r["id"]: r["fields"] for r in saenode.list_json(b)}
    assert listed_a == listed_b
    assert "journal ok" in saenode.ok(["check"], dir=b).text


# A case with most of its fields: 12 changes, so that SEVERAL_BATCHES_REPORTS of them make
# three batches of at most 1,000 changes.
FULL_CASE = {"intake_date": "2026-01-05", "incident_date": "2026-01-01",
             "victim_name": "Siti Rahayu", "victim_age": "34", "intake_channel": "walk_in",
             "location_type": "household", "perpetrator_relation": "spouse",
             "risk_level": "high", "narrative": "Korban datang didampingi ibunya."}
SEVERAL_BATCHES_REPORTS = 180


@pytest.mark.serial  # SIGKILL at random moments of a push of several batches
def test_sigkill_during_a_push_of_several_batches_loses_and_repeats_nothing(hub, tmp_path):
    """A push of several batches of at most 1,000 changes (the other kill tests rarely make
    more than one) killed with SIGKILL at random moments, many times: the post never counts
    as acknowledged more than the hub holds, after a final round every change is at the hub
    exactly once and in the post's seq order (one batch on the wire at a time), and nothing
    waits. The seed is printed for replay."""
    import random
    import signal
    import subprocess
    import time
    seed = int(os.environ.get("SAE_BATCHES_KILL_SEED", random.randrange(1 << 30)))
    print("push of several batches kill test: seed %d (SAE_BATCHES_KILL_SEED)" % seed)
    rng = random.Random(seed)
    a = enrolled(hub, tmp_path, "a")
    for _ in range(SEVERAL_BATCHES_REPORTS):
        saenode.add_case(a, **FULL_CASE)
    status = saenode.ok(["status", "--json"], dir=a).json()
    origin, own = int(status["origin"], 16), status["changes"]
    assert own > 2 * 1000, own
    held = "SELECT count(*), count(DISTINCT node_seq) FROM change WHERE origin = ?"
    for trial in range(10):
        proc = subprocess.Popen([saenode.BIN, "-d", a, "sync"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert "journal ok" in saenode.ok(["check"], dir=a).text, "seed %d trial %d" % (seed, trial)
        count, distinct = hub.query(held, (origin,))[0]
        assert count == distinct, "seed %d trial %d: a change stored twice" % (seed, trial)
        pending = saenode.ok(["status", "--json"], dir=a).json()["pending"]
        assert own - pending <= count, "seed %d trial %d: the post counts as acknowledged " \
            "%d changes, the hub holds %d" % (seed, trial, own - pending, count)
    res = sync(a, check=False)
    assert res.rc == 0, res
    assert hub.query(held, (origin,))[0] == (own, own), "seed %d" % seed
    assert saenode.ok(["status", "--json"], dir=a).json()["pending"] == 0
    order = [row[0] for row in hub.query("SELECT node_seq FROM change WHERE origin = ? ORDER BY"
                                         " seq", (origin,))]
    assert order == sorted(order), "seed %d: the hub stored changes out of the post's order" % seed


@pytest.mark.serial  # SIGKILL at random moments of the merges
def test_sigkill_of_the_hub_during_merges_loses_and_repeats_nothing(hub, tmp_path):
    """The hub killed with SIGKILL while posts push, then restarted: after a final round every
    change is at the hub exactly once and both devices agree."""
    import random
    import signal
    import subprocess
    import time
    seed = int(os.environ.get("SAE_HUB_KILL_SEED", random.randrange(1 << 30)))
    print("hub kill test: seed %d (SAE_HUB_KILL_SEED)" % seed)
    rng = random.Random(seed)
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    port = hub.port
    for trial in range(12):
        for _ in range(rng.randrange(20, 120)):
            saenode.add_case(a)
        proc = subprocess.Popen([saenode.BIN, "-d", a, "sync"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 0.15))
        hub.stop(sig=signal.SIGKILL)
        proc.wait(timeout=120)
        hub.start(port=port)
    assert sync(a, check=False).rc == 0 and sync(b, check=False).rc == 0
    status = saenode.ok(["status", "--json"], dir=a).json()
    origin, own = int(status["origin"], 16), status["changes"]
    at_hub = hub.query("SELECT count(*), count(DISTINCT node_seq) FROM change WHERE origin = ?",
                       (origin,))[0]
    assert at_hub == (own, own), "seed %d: the post wrote %d changes, the hub holds %r" % (
        seed, own, at_hub)
    assert {r["id"]: r["fields"] for r in saenode.list_json(a)} == \
        {r["id"]: r["fields"] for r in saenode.list_json(b)}
    for post in (a, b):
        assert "journal ok" in saenode.ok(["check"], dir=post).text


def test_progress_on_a_terminal_only(hub, tmp_path):
    """A round longer than one batch shows progress when stderr is a terminal; a script
    (stderr a pipe) sees only the result line."""
    import pty
    import subprocess
    a = enrolled(hub, tmp_path, "a")
    for _ in range(260):  # 1,300 changes: two batches
        saenode.add_case(a)
    master, slave = pty.openpty()
    proc = subprocess.Popen([saenode.BIN, "-d", a, "sync"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0
    assert b"sending: 1000 of 1300 changes" in shown and b"sending: 1300 of 1300 changes" in shown
    for _ in range(260):
        saenode.add_case(a)
    quiet = saenode.run(["sync"], dir=a)
    assert quiet.rc == 0 and b"sending:" not in quiet.err


@pytest.mark.parametrize("args,needle", [
    (["run", "--interval", "0"], "from 1 to 86400"),
    (["run", "--interval", "86401"], "from 1 to 86400"),
    (["run", "--interval", "5m"], "from 1 to 86400"),
    (["run", "extra"], "options only"),
    (["sync", "extra"], "no arguments"),
    (["enroll"], "one bundle file"),
])
def test_sync_commands_refuse_bad_arguments(hub, tmp_path, args, needle):
    a = enrolled(hub, tmp_path, "a")
    before = saenode.snapshot(a)
    saenode.assert_one_line_error(saenode.run(args, dir=a), 2, needle)
    assert saenode.snapshot(a) == before


@pytest.mark.parametrize("interval", ["1", "86400"])
def test_run_interval_edges_are_accepted(hub, tmp_path, interval):
    import signal
    import subprocess
    a = enrolled(hub, tmp_path, "a")
    runner = subprocess.Popen([saenode.BIN, "-d", a, "run", "--interval", interval],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    assert wait_for(lambda: saenode.ok(["status", "--json"], dir=a).json()["enrolled"])
    runner.send_signal(signal.SIGTERM)
    _, err = runner.communicate(timeout=90)
    assert runner.returncode == 0, err
    assert ("a round every %s s" % interval) in err.decode()


@pytest.mark.parametrize("extra,batches", [(0, 1), (1, 2)])
def test_push_batches_hold_at_most_1000_changes(hub, tmp_path, extra, batches):
    """SYNC_BATCH_CHANGES at its edge: 1,000 pending changes go in one batch, 1,001 in two."""
    a = enrolled(hub, tmp_path, "a")
    assert sync(a, check=False).rc == 0
    cases = [saenode.add_case(a) for _ in range(200)]  # 5 changes each
    for case in cases[:extra]:
        saenode.ok(["edit", case, "--set", "status=active"], dir=a)
    result = sync(a, check=False).json()
    assert (result["pushed"], result["batches"]) == (1000 + extra, batches)


def test_enrollment_answer_for_another_village_stops_the_post(hub, tmp_path):
    """PROTOCOL.md section 6: the hub enrolls a device in its token's village, whatever the
    request says; a post whose bundle was edited to name its own village learns the truth
    from the answer and stops, sending nothing, with a line for its staff."""
    post = node(tmp_path, "a")
    path = hub.add_node("Wonokerso")
    with open(path) as f:
        bundle = json.load(f)
    bundle["village"] = VILLAGE
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(bundle))
    os.chmod(edited, 0o600)
    saenode.ok(["enroll", str(edited)], dir=post)
    saenode.add_case(post)
    result = sync(post, check=False)
    assert result.rc == 1, result
    assert "enrolled this device for 35.13.02.2004" in result.json()["error"]
    assert hub.query("SELECT count(*) FROM change") == [(0,)]
    assert saenode.ok(["status", "--json"], dir=post).json()["enrolled"] is False
