"""Survivors' values sealed at rest on the post (issue 13, P1 with P2; docs/DESIGN.md "Data at
rest", STORAGE_KEYS.md section 5). Real posts, a real hub over HTTPS, the post app: a unique
marker in every sensitive field of every kind, own and pulled from another post; after
`sync` both ways with no passphrase anywhere, no byte of any file of the post's directory
(node.db, its WAL and shared memory, keys) holds a marker in plain, hex or base64. Signed
out, `show`, `list`, `history` and the app mask them; `show --as STAFF` and a signed-in
session open them. A plaintext journal (the schema-8 fixture) migrates with no plaintext
left."""
import os
import shutil

import node_app
import saenode
from test_post_app_staff import Client
from test_post_revocation import (HEAD, HEAD_PASS, all_markers, enrolled_post, files_holding,
                                  markers, write_everything)

MASK = "\u2022\u2022\u2022\u2022"
SCHEMA_8 = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "node-schema-8")


def add_head(post):
    saenode.ok(["users", "add", HEAD, "--role", "head"], dir=post,
               input=(HEAD_PASS + "\n").encode())
    assert not os.path.exists(os.path.join(post, "storage.key"))  # claimed: P1 holds


def show_as(post, case, passphrase=HEAD_PASS):
    return saenode.ok(["show", case, "--json", "--as", HEAD], dir=post,
                      input=(passphrase + "\n").encode()).json()


def test_no_marker_on_disk_and_sync_needs_no_passphrase(hub, tmp_path):
    a, b = enrolled_post(hub, tmp_path, "a"), enrolled_post(hub, tmp_path, "b")
    add_head(a)
    own, pulled = markers("a"), markers("b")
    case = write_everything(a, own)
    theirs = write_everything(b, pulled)
    # Unattended: no passphrase given, standard input closed, both ways.
    for post in (a, b, a):
        res = saenode.run(["sync"], dir=post, input=b"")
        assert res.rc == 0, res
    assert files_holding(a, all_markers(own, pulled)) == []
    # Signed out: masked, in JSON as null and named.
    for report, marks in ((case, own), (theirs, pulled)):
        shown = saenode.show_json(a, report)
        for field in marks["case"]:
            assert shown["fields"][field] is None and field in shown["masked"], field
        text = saenode.ok(["show", report], dir=a).text
        assert MASK in text and all(m not in text for m in all_markers(own, pulled))
        history = saenode.ok(["history", report], dir=a).text
        assert all(m not in history for m in all_markers(own, pulled))
    # With a staff member's passphrase: the values, own and pulled.
    for report, marks in ((case, own), (theirs, pulled)):
        shown = show_as(a, report)
        assert shown["masked"] == []
        for field, marker in marks["case"].items():
            assert shown["fields"][field] == marker
    wrong = saenode.run(["show", case, "--as", HEAD], dir=a, input=b"not-the-passphrase\n")
    saenode.assert_one_line_error(wrong, 2, "passphrase opens the post's key")
    assert files_holding(a, all_markers(own, pulled)) == []


def test_the_app_opens_values_for_a_signed_in_session_only(tmp_path):
    app = node_app.PostApp(str(tmp_path / "a")).add_staff(HEAD, HEAD_PASS, role="head")
    saenode.ok(["config", "author", "Staf a"], dir=app.dir)
    own = markers("a")
    case = write_everything(app.dir, own)
    assert files_holding(app.dir, all_markers(own)) == []
    app.start(interval=60)
    try:
        head = Client(app.url)
        assert head.sign_in(HEAD, HEAD_PASS)[0] == 303
        status, page = head.request("/case?id=" + case)
        assert status == 200 and own["case"]["victim_name"] in page, page[:400]
        assert own["case"]["narrative"] in page
        status, page = head.request("/cases?q=" + own["case"]["victim_name"][6:])
        assert status == 200 and own["case"]["victim_name"] in page
        status, page = Client(app.url).request("/case?id=" + case)
        assert status in (302, 303) and own["case"]["victim_name"] not in page
        # A staff member added without the head's key signs in but reads no value.
        app.add_staff("Staf Tanpa Kunci", "frasa-sandi-staf-1")
        keyless = Client(app.url)
        assert keyless.sign_in("Staf Tanpa Kunci", "frasa-sandi-staf-1")[0] == 303
        status, page = keyless.request("/case?id=" + case)
        assert status == 200 and MASK + " (masuk untuk melihat)" in page, page[:400]
        assert all(m not in page for m in all_markers(own))
    finally:
        assert app.stop() == 0
    assert files_holding(app.dir, all_markers(own)) == []


def test_a_plaintext_journal_migrates_with_no_plaintext_left(tmp_path):
    post = str(tmp_path / "post")
    os.makedirs(post, mode=0o700)
    for name in ("node.db", "node.key"):
        shutil.copy(os.path.join(SCHEMA_8, name), os.path.join(post, name))
        os.chmod(os.path.join(post, name), 0o600)
    case = open(os.path.join(SCHEMA_8, "case-id.txt")).read().strip()
    plain = [b"Siti Rahma Contoh", b"Dewi Contoh"]
    with open(os.path.join(post, "node.db"), "rb") as f:
        data = f.read()
    assert all(p in data for p in plain)  # the test can fail: the fixture holds them
    assert "journal ok" in saenode.ok(["check"], dir=post).text
    for name in os.listdir(post):
        with open(os.path.join(post, name), "rb") as f:
            data = f.read()
        assert all(p not in data for p in plain), name
    # The unclaimed key (no head yet) still reads them on the command line.
    assert saenode.show_json(post, case)["fields"]["victim_name"] == "Siti Rahma Contoh"


def test_changes_written_before_the_bundle_wait_for_a_passphrase(hub, tmp_path):
    """Their copy for the hub is made from the sealed value: with the key claimed by a head,
    `sync` sends what comes before the first of them and stops; `sync --as` sends the rest."""
    post = saenode.init(str(tmp_path / "post"), author="Staf")
    add_head(post)
    own = markers("a")
    case = write_everything(post, own)
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop")], dir=post)
    assert saenode.run(["sync"], dir=post, input=b"").rc == 0
    status = saenode.ok(["status", "--json"], dir=post).json()
    assert status["pending"] > 0 and status["waiting_for_key"] > 0
    assert "wait for a staff member's passphrase: run sae-node sync --as STAFF" in \
        saenode.ok(["status"], dir=post).text
    assert hub.query("SELECT count(*) FROM change WHERE report_id = ? AND field ="
                     " 'victim_name'", (case,)) == [(0,)]
    saenode.ok(["sync", "--as", HEAD], dir=post, input=(HEAD_PASS + "\n").encode())
    status = saenode.ok(["status", "--json"], dir=post).json()
    assert status["pending"] == 0 and status["waiting_for_key"] == 0
    # The hub keeps it only sealed: change.value holds its keyed token, the district's copy
    # opens to what the post wrote.
    rows = hub.query("SELECT value, opened(seq, value) FROM change WHERE report_id = ? AND"
                     " field = 'victim_name'", (case,))
    assert [opened for _, opened in rows] == [own["case"]["victim_name"]]
    assert rows[0][0].startswith("keyed:"), rows
    assert files_holding(post, all_markers(own)) == []
