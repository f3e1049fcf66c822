"""Backups and restore (README "Backups and restore"; PROTOCOL.md section 6, "Restored from a
backup"): real sae-hub and sae-node processes over real HTTPS on 127.0.0.1, real
SQLite files, SIGKILL.

- A hub restored from an older backup while posts synced since: the posts notice (the pull's
  held_seq is below what the hub had acknowledged), send again what it lacks and pull what
  they lack; the hub then holds each post's own changes exactly once, each post every change
  of its village, and new district edits reach the posts.
- A post restored from its backup continues: its new changes never take the (origin, seq)
  of a change it sent after the backup, so the hub keeps them.
- A new device of a village enrolled on a hub receives every report of its village.
- A backup taken while a post's `run` loop syncs and the console serves restores to a
  database that passes PRAGMA integrity_check and `sae-node check`-like reads; SIGKILL of a
  backup in progress leaves the previous FILE as it was, never part of a new one.
- Every bad input: one line, its exit status, nothing changed."""
import pytest
import hashlib
import os
import signal
import sqlite3
import struct
import subprocess
import threading
import time

import hubproc
import saenode
from console_client import Console
from posts import enrolled, sync

VILLAGE = "Sumberanyar"  # 35.13.12.2018
PASSPHRASE = hubproc.BACKUP_PASSPHRASE


def hub_cli(hub_dir, *args, passphrase=PASSPHRASE, timeout=120):
    return subprocess.run([hubproc.BIN, "-d", str(hub_dir)] + [str(a) for a in args],
                          input=(passphrase + "\n").encode() if passphrase is not None else b"",
                          capture_output=True, env=hubproc.hub_env(), timeout=timeout)


hub_restore = hubproc.restore


def node_backup(post, backup):
    return saenode.ok(["backup", str(backup)], dir=post, input=(PASSPHRASE + "\n").encode())


def origin_of(post):
    return int(saenode.ok(["status", "--json"], dir=post).json()["origin"], 16)


def own_changes(post):
    """(seq, report, field, value, version) of every change post wrote itself."""
    origin = origin_of(post)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(post, "node.db"), uri=True)
    try:
        return sorted(db.execute(
            "SELECT seq, report_id, field, value, version FROM journal"
            " WHERE origin = ? AND origin_seq IS NULL", (origin,)).fetchall())
    finally:
        db.close()


def held_at_hub(hub, origin):
    return sorted(hub.query("SELECT node_seq, report_id, field, value, version FROM change"
                            " WHERE origin = ?", (origin,)))


def assert_hub_holds_each_change_once(hub, posts):
    counted = hub.query("SELECT origin, node_seq, count(*) FROM change GROUP BY 1, 2"
                        " HAVING count(*) > 1")
    assert counted == [], counted
    for post in posts:
        assert held_at_hub(hub, origin_of(post)) == own_changes(post), post


def village_pairs(hub):
    return set(hub.query("SELECT origin, node_seq FROM change WHERE village = ? AND held = 0",
                         (saenode.VILLAGE_CODE,)))


def post_pairs(post):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(post, "node.db"), uri=True)
    try:
        return set(db.execute("SELECT origin, coalesce(origin_seq, seq) FROM journal"))
    finally:
        db.close()


def test_hub_restored_from_an_older_backup_gets_back_what_posts_sent(hub, tmp_path):
    a1, a2 = enrolled(hub, tmp_path, "a1"), enrolled(hub, tmp_path, "a2")
    early = [saenode.add_case(a1) for _ in range(3)] + [saenode.add_case(a2)]
    for post in (a1, a2, a1):
        sync(post)
    backup = tmp_path / "kemarin.saebak"
    res = hub_cli(hub.dir, "backup", backup)
    assert res.returncode == 0 and b"backup written" in res.stdout, res
    assert oct(os.stat(backup).st_mode & 0o777) == "0o600"
    # After yesterday's backup: both posts record, edit and sync; the hub acknowledges all.
    late = [saenode.add_case(a1) for _ in range(4)] + [saenode.add_case(a2) for _ in range(2)]
    saenode.ok(["edit", early[0], "--set", "status=active"], dir=a2)
    saenode.ok(["edit", early[3], "--set", "risk_level=high"], dir=a1)
    for post in (a1, a2, a1):
        sync(post)
    assert saenode.ok(["status", "--json"], dir=a1).json()["pending"] == 0
    lost_positions = hub.query("SELECT max(seq) FROM change")[0][0]

    hub.restore_in_place(backup)
    listed = {r["id"] for r in hub.admin_json("reports", "list")}
    assert set(early) <= listed and not set(late) & listed  # it is yesterday's hub

    first = sync(a1)
    assert first["hub_restored"] is True and first["pushed"] > 0, first
    assert sync(a2)["hub_restored"] is True
    sync(a1)  # pulls what a2 sent again
    again = sync(a1)
    assert (again["pushed"], again["pulled"], again["hub_restored"]) == (0, 0, False), again
    assert_hub_holds_each_change_once(hub, (a1, a2))
    for post in (a1, a2):
        assert post_pairs(post) == village_pairs(hub), post
        assert "journal ok" in saenode.ok(["check"], dir=post).text
    listed = {r["id"] for r in hub.admin_json("reports", "list")}
    assert set(early + late) == listed
    assert hub.current_value(early[0], "status")[0] == "active"
    # New positions lie past every one the lost hub gave: old cursors skip nothing.
    assert hub.query("SELECT min(seq) FROM change WHERE received_ms > 0 AND seq > ?",
                     (lost_positions,))[0][0] > 1 << 40
    # A district edit after the restore reaches both posts (its seq is past the lost ones).
    hub.ok("reports", "edit", late[0], "--set", "risk_level=high", "--by", "Bu Sari")
    for post in (a1, a2):
        sync(post)
        assert saenode.show_json(post, late[0])["fields"]["risk_level"] == "high"


def test_post_restored_from_its_backup_continues(hub, tmp_path):
    a1 = enrolled(hub, tmp_path, "a1")
    first = saenode.add_case(a1)
    sync(a1)
    backup = tmp_path / "pos.saebak"
    out = node_backup(a1, backup).text
    assert "backup written" in out and "1 other file(s)" in out, out
    # After the backup the post records more and sends it; then its laptop is lost.
    after = saenode.add_case(a1)
    sync(a1)
    origin = origin_of(a1)
    sent_after = [r for r in held_at_hub(hub, origin) if r[1] == after]
    assert sent_after
    restored = str(tmp_path / "a1-restored")
    res = saenode.run(["restore", str(backup), restored], input=(PASSPHRASE + "\n").encode())
    assert res.rc == 0 and b"restored into" in res.out, res
    assert oct(os.stat(restored).st_mode & 0o777) == "0o700"
    for name in ("node.db", "node.key"):
        assert oct(os.stat(os.path.join(restored, name)).st_mode & 0o777) == "0o600"
    assert origin_of(restored) == origin  # the same device, known to the hub
    new = saenode.add_case(restored)
    result = sync(restored)
    assert result["pushed"] > 0 and result["hub_restored"] is False, result
    held = held_at_hub(hub, origin)
    assert [r for r in held if r[1] == new], "the restored post's new case was skipped"
    assert [r for r in held if r[1] == after] == sent_after  # what it sent before: untouched
    assert len({r[0] for r in held}) == len(held)
    assert {r["id"] for r in hub.admin_json("reports", "list")} == {first, after, new}
    assert "journal ok" in saenode.ok(["check"], dir=restored).text


def test_a_new_device_receives_every_report_of_its_village(hub, tmp_path):
    a1 = enrolled(hub, tmp_path, "a1")
    other = enrolled(hub, tmp_path, "k1", "Kalibuntu")
    cases = [saenode.add_case(a1) for _ in range(5)]
    saenode.add_service(a1, cases[0])
    saenode.ok(["delete", cases[1]], dir=a1)
    saenode.add_case(other)
    for post in (a1, other):
        sync(post)
    hub.ok("reports", "edit", cases[2], "--set", "status=referred", "--by", "Bu Sari")
    fresh = enrolled(hub, tmp_path, "a1-new")
    sync(fresh)
    got = {r["id"]: r for r in saenode.list_json(fresh, "--deleted")}
    want = {r["id"]: r for r in saenode.list_json(a1, "--deleted")}
    sync(a1)
    want = {r["id"]: r for r in saenode.list_json(a1, "--deleted")}
    assert set(got) == set(want)
    for rid in want:
        assert (got[rid]["fields"], got[rid]["deleted"]) == (want[rid]["fields"],
                                                             want[rid]["deleted"]), rid
    assert got[cases[2]]["fields"]["status"] == "referred"


def integrity(db_path):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()


def console_while(hub, stop, answers):
    """A coordinator signs in and keeps reading the console until stop is set."""
    console = Console(hub)
    answers.append(console.sign_in("siti", hub.passwords["siti"]).status_code)
    while not stop.wait(0.2):  # an office's pace: the hub's rate limit stays out of it
        answers.append(console.api("GET", "/session").status_code)
        answers.append(console.get("/v1/health").status_code)


# Serial: the post's loop rounds every second and the console is read at an office's pace
# while the backups run; beside another test the rounds could fall behind the minute given.
@pytest.mark.serial
def test_backup_under_a_running_post_and_console_restores_consistent(console_hub, tmp_path):
    hub = console_hub
    a1 = enrolled(hub, tmp_path, "a1")
    for _ in range(20):
        saenode.add_case(a1)
    sync(a1)
    loop = subprocess.Popen([saenode.BIN, "-d", a1, "run", "--interval", "1"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=saenode.clean_env())
    stop, answers = threading.Event(), []
    reader = threading.Thread(target=console_while, args=(hub, stop, answers))
    reader.start()
    try:
        for round_ in range(4):
            for _ in range(10):
                saenode.add_case(a1)
            backup = tmp_path / ("b%d.saebak" % round_)
            res = hub_cli(hub.dir, "backup", backup)
            assert res.returncode == 0, res
            target = tmp_path / ("r%d" % round_)
            res = hub_restore(backup, target)
            assert res.returncode == 0, res
            assert integrity(target / "hub.db") == [("ok",)]
            listed = hubproc.Hub(target).admin_json("reports", "list")
            assert len(listed) >= 20
            assert not os.path.exists(str(target / "hub.db.restore"))
        # The loop's rounds are its own (interval 1 s): give it up to a minute to send what
        # was written during the backups (a clean root finished the four rounds before its
        # loop had pushed any of it), rather than assume it already has.
        deadline = time.monotonic() + 60
        while len(hub.query("SELECT DISTINCT report_id FROM change")) <= 20 and \
                time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        reader.join(timeout=60)
        loop.send_signal(signal.SIGTERM)
        assert loop.wait(timeout=60) == 0
    # The console answered throughout, and the post's loop kept sending to the hub.
    assert len(answers) > 4 and set(answers) == {200}, answers
    assert len(hub.query("SELECT DISTINCT report_id FROM change")) > 20
    # Every backup file left is whole: no temporary file beside them.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# Serial: SIGKILL lands in a backup a few milliseconds after it starts (a loaded machine only
# makes the backup longer, so the kills still land mid-way, but it is timed). The other tests
# of this file wait on nothing but the commands they run, and run in parallel.
@pytest.mark.serial
def test_sigkill_during_backup_leaves_no_partial_file(hub, tmp_path):
    a1 = enrolled(hub, tmp_path, "a1")
    for _ in range(60):
        saenode.add_case(a1, narrative="x" * 2000)
    sync(a1)
    backup = tmp_path / "hub.saebak"
    assert hub_cli(hub.dir, "backup", backup).returncode == 0
    before = hashlib.sha256(backup.read_bytes()).hexdigest()
    killed = 0
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.2):
        proc = subprocess.Popen([hubproc.BIN, "-d", hub.dir, "backup", str(backup)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=hubproc.hub_env())
        proc.stdin.write((PASSPHRASE + "\n").encode())
        proc.stdin.close()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(timeout=60) == -signal.SIGKILL
        now = hashlib.sha256(backup.read_bytes()).hexdigest()
        target = tmp_path / ("after-kill-%d" % int(delay * 1000))
        res = hub_restore(backup, target)
        assert res.returncode == 0, (delay, now == before, res)
    assert killed >= 3  # most were killed mid-way, not after they finished


def refused(res, program, status, *needles):
    assert res.returncode == status, res
    assert res.stdout == b"", res
    err = res.stderr
    assert err.count(b"\n") == 1 and err.startswith(program + b": error: "), res
    for needle in needles:
        assert needle.lower() in err.lower(), (needle, res)


def rewrite_header(data, schema=None, side=None, db_bytes=None):
    """A backup whose header says another schema, side or database size, with a checksum
    that matches (as a newer program would write it): BLAKE2b-256(header[0:104] ||
    BLAKE2b-256(body))."""
    header = bytearray(data[:136])
    if db_bytes is not None:
        header[40:48] = struct.pack("<Q", db_bytes(struct.unpack("<Q", header[40:48])[0]))
    if schema is not None:
        header[16:20] = struct.pack("<I", schema)
    if side is not None:
        header[12:16] = struct.pack("<I", side)
    body = hashlib.blake2b(data[136:], digest_size=32).digest()
    header[104:136] = hashlib.blake2b(bytes(header[:104]) + body, digest_size=32).digest()
    return bytes(header) + data[136:]


def test_bad_backups_and_restores_are_refused_and_change_nothing(hub, tmp_path):
    a1 = enrolled(hub, tmp_path, "a1")
    saenode.add_case(a1)
    hub_file, node_file = tmp_path / "hub.saebak", tmp_path / "node.saebak"
    assert hub_cli(hub.dir, "backup", hub_file).returncode == 0
    node_backup(a1, node_file)
    data = hub_file.read_bytes()
    cases = {
        "wrong side": (node_file, b"not of a hub"),
        "damaged": (data[:3000] + bytes([data[3000] ^ 1]) + data[3001:], b"damaged"),
        "cut short": (data[:len(data) // 2], b"cut short"),
        "not a backup": (b"SQLite format 3\0" + bytes(200), b"not a rumah sae backup"),
        "newer schema": (rewrite_header(data, schema=hubproc.HUB_SCHEMA_VERSION + 1),
                         b"newer sae-hub"),
        # A database that inflates past (or short of) the size its header declares: named
        # as such, not as a database that fails SQLite's integrity check.
        "inflates past": (rewrite_header(data, db_bytes=lambda n: n - 4096),
                          b"inflates past the"),
        "inflates short": (rewrite_header(data, db_bytes=lambda n: n + 4096),
                           b"does not inflate to the"),
    }
    for name, (content, needle) in cases.items():
        path = content if isinstance(content, os.PathLike) else tmp_path / (name + ".bak")
        if not isinstance(content, os.PathLike):
            path.write_bytes(content)
        target = tmp_path / ("t-" + name.replace(" ", "-"))
        refused(hub_restore(path, target), b"sae-hub", 2, needle)
        assert not target.exists(), name
    target = tmp_path / "wrong-pass"
    refused(hub_restore(hub_file, target, passphrase="not the passphrase"), b"sae-hub", 2,
            b"wrong passphrase")
    assert not target.exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    refused(hub_restore(hub_file, busy), b"sae-hub", 2, b"not an empty directory")
    assert os.listdir(busy) == ["keep.txt"]
    missing = tmp_path / "missing.saebak"
    refused(hub_restore(missing, tmp_path / "t-missing"), b"sae-hub", 2, b"cannot read")
    # Backups: a short passphrase, no passphrase, FILE a directory, no hub there.
    before = hub_file.read_bytes()
    refused(hub_cli(hub.dir, "backup", hub_file, passphrase="short"), b"sae-hub", 2,
            b"12 to 256 bytes")
    refused(hub_cli(hub.dir, "backup", hub_file, passphrase=None), b"sae-hub", 2,
            b"no backup passphrase")
    refused(hub_cli(hub.dir, "backup", tmp_path), b"sae-hub", 2, b"is not a file")
    refused(hub_cli(tmp_path / "nohub", "backup", tmp_path / "x.saebak"), b"sae-hub", 2,
            b"holds no hub.db")
    refused(hub_cli(hub.dir, "backup"), b"sae-hub", 2, b"usage: sae-hub backup FILE")
    refused(hub_cli(hub.dir, "restore", hub_file), b"sae-hub", 2,
            b"usage: sae-hub restore FILE DIR")
    assert hub_file.read_bytes() == before and not (tmp_path / "x.saebak").exists()
    res = saenode.run(["restore", str(hub_file), str(tmp_path / "n")],
                      input=(PASSPHRASE + "\n").encode())
    saenode.assert_usage_error(res, "not of a post")
    assert not (tmp_path / "n").exists()
    for program in (hubproc.BIN, saenode.BIN):
        for command in ("backup", "restore"):
            out = subprocess.run([program, command, "--help"], capture_output=True,
                                 timeout=30)
            assert out.returncode == 0 and b"passphrase" in out.stdout, out


def test_a_cursor_the_hub_does_not_recognise_is_pulled_again_from_0(hub, tmp_path):
    """PROTOCOL.md section 6: the hub answers an unknown cursor with 400 DECODE_FAILED and
    the post pulls from 0. A hub whose files were put back by hand (not `sae-hub restore`)
    has no restart floor, and every post that synced since holds a cursor past its log."""
    a1, a2 = enrolled(hub, tmp_path, "a1"), enrolled(hub, tmp_path, "a2")
    case = saenode.add_case(a2)
    sync(a2)
    sync(a1)
    # Tampering, as a copy of an older hub.db would leave it: cursors past the hub's log.
    db = sqlite3.connect(os.path.join(a1, "node.db"))
    with db:
        db.execute("UPDATE meta SET value = 1 << 40 WHERE key IN ('pull_cursor',"
                   " 'review_cursor')")
    db.close()
    saenode.ok(["edit", case, "--set", "status=active"], dir=a2)
    sync(a2)
    result = sync(a1)
    assert result["ok"] and result["pulled"] >= 1, result
    assert saenode.show_json(a1, case)["fields"]["status"] == "active"
    assert post_pairs(a1) == village_pairs(hub)
    assert sync(a1)["pulled"] == 0


def test_a_restored_hub_opens_its_sealed_values(console_hub, tmp_path):
    """A hub's backup holds sensitive values as hub.db does, only sealed (and as tokens), and
    values.key beside the other keys: the restored hub's coordinator opens them with her
    password, no byte of the restored hub.db holds them, and the tokens stay the same."""
    hub = console_hub
    name = "Dewi Cadangan %d" % os.getpid()
    a1 = enrolled(hub, tmp_path, "a1")
    case = saenode.add_case(a1, victim_name=name)
    sync(a1)
    backup = tmp_path / "tersegel.saebak"
    assert hub_cli(hub.dir, "backup", backup).returncode == 0
    target = tmp_path / "restored"
    res = hub_restore(backup, target)
    assert res.returncode == 0, res
    with open(os.path.join(hub.dir, "values.key"), "rb") as f:
        key = f.read()
    with open(str(target / "values.key"), "rb") as f:
        assert f.read() == key and len(key) == 32
    assert oct(os.stat(str(target / "values.key")).st_mode & 0o777) == "0o600"
    for path in target.iterdir():
        if path.name.startswith("hub.db"):
            assert name.encode() not in path.read_bytes(), path
    restored = hubproc.Hub(target)
    token = hub.query("SELECT value FROM change WHERE field = 'victim_name'")
    assert restored.query("SELECT value FROM change WHERE field = 'victim_name'") == token
    masked = restored.admin_json("reports", "show", case)["fields"]["victim_name"]
    assert masked == "\u2022" * 4
    shown = restored.admin_json_as("siti", hub.passwords["siti"], "reports", "show", case)
    assert shown["fields"]["victim_name"] == name
