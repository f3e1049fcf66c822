"""An erased report is gone everywhere (issue 13; PROTOCOL.md section 6, "Erasures";
docs/DESIGN.md "Erasure on the posts"), with real posts and a real hub over HTTPS: two posts
of a village hold a case whose sensitive fields carry unique markers, each post's copies
sealed to its own storage key; a coordinator erases it at the hub (`sae-hub reports erase
--as`); after each post's next sync no byte of any file of its directory (node.db, -wal,
-shm, keys) holds a marker (plain, hex, base64, inflated) nor any of the sealed copies it
held, `show`, `list` and `history` (text and --json) say "dihapus / erased", the case page
of the post app says "dihapus", and `check` passes; the other case keeps its values. The
cursor survives: a value written after the erasure is a new value no later round wipes. A
device enrolled after the erasure never receives the values; an own value not sent before
the erasure is never sent; more erasures than one answer may carry arrive over several
pulls, in order."""
import base64
import os
import subprocess

import canary_search
import hubproc
import posts
import saenode
import saeproto
from test_post_sealed_values import add_head, show_as

SENSITIVE = ("victim_name", "victim_contact", "narrative")
ERASED_WORDS = "dihapus / erased"


def markers(tag):
    return {"victim_name": "Penanda%sNama" % tag, "victim_contact": "0812%s77" % tag,
            "narrative": "Penanda%sKisah dipukul di rumah" % tag}


def erase(hub, case, password):
    proc = subprocess.run([hubproc.BIN, "-d", hub.dir, "reports", "erase", case, "--as",
                           "siti", "--reason", "permintaan korban"],
                          input=(password + "\n").encode(), capture_output=True,
                          env=hubproc.hub_env(), timeout=60)
    assert proc.returncode == 0, proc
    return proc


def coordinator(hub):
    return hub.add_account("siti", "coordinator")


def stored_values(post, case):
    """{(seq, field): stored text} of the case's sensitive entries in the post's journal."""
    rows = saenode.sql(post, "SELECT seq, field, value FROM journal WHERE report_id = '%s'"
                       " AND field IN ('victim_name', 'victim_contact', 'narrative')" % case)
    return {(r[0], r[1]): r[2] for r in rows}


def sealed_needles(stored):
    """The armoured sealed values and their raw bytes: what a post held of the values."""
    out = []
    for text in stored.values():
        if text and text.startswith("sealed:"):
            body = text[len("sealed:"):]
            out += [text, base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).hex()]
    return out


def assert_no_trace(post, marks, sealed):
    hits = canary_search.search([post], list(marks.values()))
    assert hits == {}, canary_search.describe(hits)
    for path in canary_search.files_under(post):
        with open(path, "rb") as f:
            data = f.read()
        for needle in sealed:
            assert needle.encode() not in data, (path, needle[:20])
            if not needle.startswith("sealed:"):
                assert bytes.fromhex(needle) not in data, (path, "raw sealed bytes")


def assert_shown_erased(post, case):
    shown = saenode.show_json(post, case)
    assert sorted(shown["erased"]) == sorted(SENSITIVE)
    assert all(shown["fields"][f] is None for f in SENSITIVE)
    text = saenode.ok(["show", case], dir=post).text
    assert text.count(ERASED_WORDS) == len(SENSITIVE), text
    listed = {r["id"]: r for r in saenode.list_json(post)}
    assert sorted(listed[case]["erased"]) == sorted(SENSITIVE)
    history = saenode.ok(["history", case, "--json"], dir=post).json()
    sensitive = [e for e in history if e["field"] in SENSITIVE]
    assert sensitive and all(e["erased"] and e["value"] is None for e in sensitive)
    assert ERASED_WORDS in saenode.ok(["history", case], dir=post).text
    assert saenode.ok(["check"], dir=post).rc == 0


def village_of_two(hub, tmp_path):
    """Posts a and b enrolled; a wrote the case (markers "A") and a control case (markers
    "K"); both synced, so b holds both cases sealed to its own key."""
    a, b = posts.enrolled(hub, tmp_path, "a"), posts.enrolled(hub, tmp_path, "b")
    posts.sync(b)  # the hub knows b's storage key before a's values come
    case = saenode.add_case(a, **markers("A"))
    control = saenode.add_case(a, **markers("K"))
    posts.sync(a)
    posts.sync(b)
    return a, b, case, control


def test_an_erased_case_is_gone_from_every_post_that_held_it(hub, tmp_path):
    password = coordinator(hub)
    a, b, case, control = village_of_two(hub, tmp_path)
    held = {}
    for post in (a, b):
        held[post] = stored_values(post, case)
        # Before: the post's own key opens its copy of every marker.
        opened = {f: saenode.open_stored(post, v) for (_, f), v in held[post].items()}
        assert opened == markers("A")
    erase(hub, case, password)
    for post in (a, b):
        result = posts.sync(post)
        assert result["erased"] == len(SENSITIVE), result
        assert set(stored_values(post, case).values()) == {"erased:"}
        assert saenode.sql(post, "SELECT count(*) FROM journal WHERE report_id = '%s'"
                                 " AND hub_sealed IS NOT NULL" % case) == [(0,)]
        assert_no_trace(post, markers("A"), sealed_needles(held[post]))
        assert_shown_erased(post, case)
        # The other case keeps its values, opened with the post's key.
        kept = {f: saenode.open_stored(post, v) for (_, f), v in
                stored_values(post, control).items()}
        assert kept == markers("K")
        assert saenode.sql(post, "SELECT value FROM meta WHERE key = 'erasure_cursor'")[0][0] > 0


def test_the_cursor_survives_and_a_later_value_is_new(hub, tmp_path):
    password = coordinator(hub)
    a, b, case, _ = village_of_two(hub, tmp_path)
    erase(hub, case, password)
    posts.sync(a)
    posts.sync(b)
    cursor = saenode.sql(b, "SELECT value FROM meta WHERE key = 'erasure_cursor'")
    # Written after the erasure: a new value, sent, pulled, and kept by both posts.
    saenode.ok(["edit", case] + saenode.set_args("case", {"victim_name": "Nama Baru Penanda"}),
               dir=a)
    assert posts.sync(a)["erased"] == 0
    assert posts.sync(b)["erased"] == 0
    assert saenode.sql(b, "SELECT value FROM meta WHERE key = 'erasure_cursor'") == cursor
    add_head(b)
    shown = show_as(b, case)
    assert shown["fields"]["victim_name"] == "Nama Baru Penanda"
    assert sorted(shown["erased"]) == ["narrative", "victim_contact"]
    assert saenode.ok(["check"], dir=b).rc == 0
    assert posts.sync(b)["erased"] == 0
    assert show_as(b, case)["fields"]["victim_name"] == "Nama Baru Penanda"


def test_a_device_enrolled_after_the_erasure_never_receives_the_values(hub, tmp_path):
    password = coordinator(hub)
    a, _, case, control = village_of_two(hub, tmp_path)
    erase(hub, case, password)
    c = posts.enrolled(hub, tmp_path, "c")
    result = posts.sync(c)
    assert result["erased"] == len(SENSITIVE), result  # its withheld marks become erased
    assert set(stored_values(c, case).values()) == {"erased:"}
    assert_no_trace(c, markers("A"), [])
    assert_shown_erased(c, case)
    # The control case came withheld (a later device waits for a grant), not erased.
    assert set(stored_values(c, control).values()) == {"withheld:"}
    assert saenode.show_json(c, control)["erased"] == []


def test_an_own_value_not_sent_before_the_erasure_is_never_sent(hub, tmp_path):
    password = coordinator(hub)
    a, _, case, _ = village_of_two(hub, tmp_path)
    saenode.ok(["edit", case] + saenode.set_args("case", {"narrative": "PenandaBelumTerkirim"}),
               dir=a)
    # Its copy for the hub waits: in a value box, as the hub answered a's pulls in schema 6.
    pending = saenode.sql(a, "SELECT count(*) FROM journal WHERE hub_sealed IS NOT NULL")
    assert pending == [(0,)]
    assert saenode.sql(a, "SELECT count(*) FROM hub_box_slot") == [(1,)]
    erase(hub, case, password)
    before = hub.query("SELECT count(*) FROM change WHERE report_id = ?", (case,))
    result = posts.sync(a)
    assert result["erased"] == len(SENSITIVE) + 1 and result["pushed"] == 0, result
    assert hub.query("SELECT count(*) FROM change WHERE report_id = ?", (case,)) == before
    assert_no_trace(a, {"n": "PenandaBelumTerkirim"}, [])
    assert saenode.sql(a, "SELECT (SELECT count(*) FROM hub_box) +"
                          " (SELECT count(*) FROM hub_box_slot)") == [(0,)]
    status = saenode.ok(["status", "--json"], dir=a).json()
    assert status["pending"] == 0, status
    assert saenode.ok(["check"], dir=a).rc == 0


def test_more_erasures_than_one_answer_carries_arrive_over_several_pulls(hub, tmp_path, enroll):
    """With max_changes 2 an answer carries at most 2 erasures: 5 come in 3 answers, in the
    order they were made, `more` set until the last; a pull from the last cursor gets none."""
    password = coordinator(hub)
    a = posts.enrolled(hub, tmp_path, "a")
    cases = [saenode.add_case(a, victim_name="Nama %d" % i) for i in range(5)]
    posts.sync(a)
    for case in cases:
        erase(hub, case, password)
    device = enroll(hub, saenode.VILLAGE, name="Laptop Klien")
    _, pages = device.pull_all(max_changes=2)
    with_erasures = [p for p in pages if p.message.erased]
    assert [len(p.message.erased) for p in with_erasures] == [2, 2, 1]
    assert [p.message.more for p in with_erasures] == [True, True, False]
    assert device.erased == cases
    cursor = device.erasure_cursor
    answer = device.pull()
    assert list(answer.message.erased) == []
    assert answer.message.next_erasure_cursor == cursor
    # A cursor the hub never issued is refused like the other cursors.
    bad = device.pull(erasure_cursor=cursor + 1)
    assert bad.status == 400 and bad.code == saeproto.STATUS["DECODE_FAILED"], bad


def test_the_post_apps_case_page_says_erased(hub, tmp_path, browser):
    """In headless Chromium, a signed-in head (who holds the key) reads the case's name on
    its page; after the erasure and a round started from the Sinkronisasi page, the page
    says "dihapus" where the values were, and in English "erased"."""
    from test_post_case_pages import app_for, sync_now, synced_once, wait_for
    import node_app
    password = coordinator(hub)
    a = posts.enrolled(hub, tmp_path, "a")
    app = app_for(hub, tmp_path)
    try:
        b = browser(app)
        node_app.sign_in(b)
        sync_now(b)  # enrolled: the hub knows its storage key before a's values come
        wait_for(lambda: synced_once(b), "the app's first round")
        case = saenode.add_case(a, **markers("A"))
        posts.sync(a)
        sync_now(b)
        wait_for(lambda: b.open("/case?id=" + case) and b.finds("#case-victim_name .value")
                 and b.text("#case-victim_name .value") == markers("A")["victim_name"],
                 "the case pulled and opened")
        erase(hub, case, password)
        sync_now(b)
        wait_for(lambda: b.open("/case?id=" + case)
                 and b.text("#case-victim_name .value") == "dihapus", "the erasure applied")
        assert b.text("#case-narrative .value") == "dihapus"
        assert all(m not in b.driver.page_source for m in markers("A").values())
        b.click("#lang-switch")
        b.open("/case?id=" + case)
        assert b.text("#case-victim_name .value") == "erased"
    finally:
        assert app.stop() == 0
    assert_no_trace(app.dir, markers("A"), [])
