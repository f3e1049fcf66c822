"""After an erasure the posts and the hub hold the same thing (issue 13; PROTOCOL.md section
6, "Erasures"; docs/DESIGN.md "Erasure on the posts"), with real posts and a real hub over
HTTPS:
- a value written at another post after the erasure is kept by a post that pulls it in the
  round that brings the erasure (the hub never sends it before the erasure's mark is
  passed), also when a second erasure came after it;
- a post's own value pushed after the hub erased, but built before the post pulled the
  erasure (its batch names the post's erasure cursor), is stored erased at the hub, as the
  post wipes it;
- a hub restored from a backup numbers its new erasures past those the lost hub issued, so
  a post that applied those still applies a new one."""
import json
import os
import subprocess
import time
import uuid

import posts
import saenode
import saeproto
from test_post_erasure import SENSITIVE, coordinator, erase, markers, village_of_two
from test_post_sealed_values import add_head, show_as

LATER = "Nama Sesudah Penghapusan"


def edit_name(post, case, name):
    saenode.ok(["edit", case] + saenode.set_args("case", {"victim_name": name}), dir=post)


def hub_newest(hub, case, field):
    """The hub's newest change of the field: (seq, stored value, opened value)."""
    return hub.query("SELECT seq, value, opened(seq, value) FROM change WHERE report_id = ?"
                     " AND field = ? ORDER BY seq DESC LIMIT 1", (case, field))[0]


def meta(post, key):
    rows = saenode.sql(post, "SELECT value FROM meta WHERE key = '%s'" % key)
    return rows[0][0] if rows else None


def test_a_value_written_after_the_erasure_survives_the_round_that_brings_it(hub, tmp_path):
    """b has not synced since the erasure; a applied it, then wrote a new name, which the
    hub keeps. A second case is erased after that. b's round brings both erasures and the
    new name: b wipes both cases' old values and keeps the new name, as the hub does."""
    password = coordinator(hub)
    a, b, case, control = village_of_two(hub, tmp_path)
    erase(hub, case, password)
    assert posts.sync(a)["erased"] == len(SENSITIVE)
    edit_name(a, case, LATER)
    assert posts.sync(a)["pushed"] == 1
    erase(hub, control, password)
    assert hub_newest(hub, case, "victim_name")[2] == LATER
    result = posts.sync(b)
    assert result["erased"] == 2 * len(SENSITIVE), result
    add_head(b)
    shown = show_as(b, case)
    assert shown["fields"]["victim_name"] == LATER, shown
    assert sorted(shown["erased"]) == ["narrative", "victim_contact"]
    assert sorted(show_as(b, control)["erased"]) == sorted(SENSITIVE)
    assert saenode.ok(["check"], dir=b).rc == 0
    # A later round changes nothing: b and the hub agree.
    assert posts.sync(b)["erased"] == 0
    assert show_as(b, case)["fields"]["victim_name"] == LATER


def test_an_own_value_pushed_after_the_erasure_is_erased_at_the_hub_too(hub, tmp_path):
    """a wrote a new name before it knew of the erasure. Its round pulls (nothing erased
    yet), the hub erases, then a pushes the name with its erasure cursor from before the
    erasure: the hub stores it erased and keeps no copy; a's second pull of the round
    brings the erasure, which wipes the name at a. Both say erased; b never receives it."""
    password = coordinator(hub)
    a, b, case, control = village_of_two(hub, tmp_path)
    # Something for a's first pull to bring, so the test sees that pull end.
    saenode.ok(["edit", control, "--set", "victim_age=30"], dir=b)
    posts.sync(b)
    edit_name(a, case, "Nama Sebelum Tahu")
    cursor = meta(a, "pull_cursor")
    gate = str(tmp_path / "push-gate")
    open(gate, "w").close()
    proc = subprocess.Popen([saenode.BIN, "-d", a, "sync", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            env=saenode.clean_env(SAE_TEST_PUSH_GATE=gate))
    try:
        deadline = time.monotonic() + 60
        while meta(a, "pull_cursor") == cursor and proc.poll() is None:
            assert time.monotonic() < deadline, "a's first pull never ended"
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        assert meta(a, "erasure_cursor") in (None, 0)  # a has not heard of the erasure
        erase(hub, case, password)
    finally:
        os.unlink(gate)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, (out, err)
    result = json.loads(out)
    assert result["pushed"] == 1 and result["erased"] == len(SENSITIVE) + 1, result
    seq, stored, _ = hub_newest(hub, case, "victim_name")
    assert stored == "erased", stored
    assert hub.query("SELECT count(*) FROM sealed_value WHERE change = ?", (seq,)) == [(0,)]
    add_head(a)
    assert sorted(show_as(a, case)["erased"]) == sorted(SENSITIVE)
    posts.sync(b)
    add_head(b)
    shown = show_as(b, case)
    assert shown["fields"]["victim_name"] is None, shown
    assert "Nama Sebelum Tahu" not in str(shown)


def test_a_restored_hub_numbers_new_erasures_past_the_lost_ones(hub, tmp_path):
    """The hub erases one case, a applies it, the hub's disk is lost and restored from a
    backup taken before that erasure; the district erases the other case at once. a's next
    round wipes it: the new erasure is numbered past every one the lost hub issued."""
    password = coordinator(hub)
    a, _, case, control = village_of_two(hub, tmp_path)
    backup = tmp_path / "hub.backup"
    assert hub.backup(backup).returncode == 0
    erase(hub, case, password)
    assert posts.sync(a)["erased"] == len(SENSITIVE)
    lost = meta(a, "erasure_cursor")
    hub.restore_in_place(backup)
    erase(hub, control, password)
    assert hub.query("SELECT min(seq) FROM erased_report WHERE report_id = ?",
                     (control,))[0][0] > lost
    result = posts.sync(a)
    assert result["erased"] == len(SENSITIVE), result
    assert set(v for (_, f), v in stored(a, control).items()) == {"erased:"}
    assert meta(a, "erasure_cursor") > lost


def test_the_push_names_the_erasure_cursor_it_was_built_at(hub, tmp_path, enroll):
    """Through the independent client: after an erasure, a push without the field (a post
    from before it) is kept as it comes; one naming a cursor below the erasure is stored
    erased with no copy; one naming a cursor past it is kept. A cursor past 2^63 - 1 is
    refused whole and changes nothing."""
    password = coordinator(hub)
    a = posts.enrolled(hub, tmp_path, "a")
    case = saenode.add_case(a, **markers("A"))
    posts.sync(a)
    device = enroll(hub, saenode.VILLAGE, name="Laptop Klien")
    device.pull_all()
    erase(hub, case, password)

    def name_changes(name):
        return [saeproto.replace(c, value=None,
                                 sealed_value=saeproto.seal_value(device.hub_public_key, c.value))
                for c in device.write(uuid.UUID(case).bytes, "case", {"victim_name": name})]

    def push_name(name, **kwargs):
        answer = device.push(name_changes(name), **kwargs)
        assert answer.status == 200 and not answer.message.refusals, answer
        return hub_newest(hub, case, "victim_name")

    assert push_name("Nama Klien Lama")[2] == "Nama Klien Lama"
    below = device.erasure_cursor
    seq, value, _ = push_name("Nama Klien Dihapus", erasure_cursor=below)
    assert value == "erased"
    assert hub.query("SELECT count(*) FROM sealed_value WHERE change = ?", (seq,)) == [(0,)]
    device.pull_all()
    assert device.erasure_cursor > below
    assert push_name("Nama Klien Baru", erasure_cursor=device.erasure_cursor)[2] == \
        "Nama Klien Baru"
    before = hub.snapshot()
    bad = device.push(name_changes("Nama Klien Ditolak"), erasure_cursor=2 ** 63)
    assert bad.status == 400 and bad.code == saeproto.STATUS["DECODE_FAILED"], bad
    assert hub.snapshot() == before


def stored(post, case):
    rows = saenode.sql(post, "SELECT seq, field, value FROM journal WHERE report_id = '%s'"
                       " AND field IN ('victim_name', 'victim_contact', 'narrative')" % case)
    return {(r[0], r[1]): r[2] for r in rows}
