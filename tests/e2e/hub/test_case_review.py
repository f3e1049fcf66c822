"""The district's review of a case reaches the posts (PROTOCOL.md section 6, "Reviews"):
real sae-node posts and a real sae-hub over HTTPS on 127.0.0.1. `sae-hub reports review`
marks a case received, has-issues (with a note) or approved; the village's posts receive the
state on their next sync, and `sae-node show` and `list` mark a case that has issues, with the
note and who wrote it, until a later review clears it. Another village's post learns nothing.
Bad input changes nothing."""
import hubproc
import saenode
from posts import enrolled, sync

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
OTHER = "Kalibuntu"
NOTE = "Usia korban tidak cocok dengan tanggal lahir; mohon dicek"
ISSUES = "[ada masalah / has issues]"
TABLES = hubproc.TABLES + ("case_review", "report_summary")


def listed_line(post, case):
    return next(l for l in saenode.ok(["list"], dir=post).text.splitlines()
                if l.startswith(case))


def test_has_issues_and_its_note_reach_the_posts(hub, tmp_path):
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    elsewhere = enrolled(hub, tmp_path, "c", OTHER)
    case = saenode.add_case(a)
    other_case = saenode.add_case(a)
    for post in (a, b, elsewhere):
        sync(post)
    out = hub.ok("reports", "review", case[:8], "has-issues", "--note", NOTE,
                 "--by", "Bu Ani (UPT PPA)").stdout.decode()
    assert out == "case %s reviewed by Bu Ani (UPT PPA): has_issues; the village's posts see " \
        "the note on their next sync\n" % case
    hub.ok("reports", "review", other_case, "received", "--by", "Bu Ani")
    for post in (a, b, elsewhere):
        sync(post)
    for post in (a, b):
        shown = saenode.show_json(post, case)
        assert shown["issues"] == {"note": NOTE, "reviewer": "Bu Ani (UPT PPA)"}, shown
        text = saenode.ok(["show", case], dir=post).text
        assert "ADA MASALAH / ISSUES" in text and NOTE in text and "Bu Ani (UPT PPA)" in text
        assert ISSUES in listed_line(post, case)
        assert ISSUES not in listed_line(post, other_case)
        assert saenode.show_json(post, other_case)["issues"] is None
        listed = {r["id"]: r for r in saenode.list_json(post)}
        assert listed[case]["issues"]["note"] == NOTE
        assert "journal ok" in saenode.ok(["check"], dir=post).text
    assert saenode.ok(["list"], dir=elsewhere).text == ""
    # The post fixes the case; the district approves: the mark goes on the next sync.
    saenode.ok(["edit", case, "--set", "victim_age=14"], dir=a)
    sync(a)
    hub.ok("reports", "review", case, "approved", "--by", "Bu Ani")
    for post in (a, b):
        sync(post)
        assert saenode.show_json(post, case)["issues"] is None
        assert ISSUES not in listed_line(post, case)
        assert "ADA MASALAH" not in saenode.ok(["show", case], dir=post).text
    states = hub.query("SELECT state, note, reviewer FROM case_review ORDER BY seq")
    assert states == [("has_issues", NOTE, "Bu Ani (UPT PPA)"), ("received", None, "Bu Ani"),
                      ("approved", None, "Bu Ani")]


def test_review_refusals_change_nothing(hub, tmp_path):
    a = enrolled(hub, tmp_path, "a")
    case = saenode.add_case(a)
    service = saenode.add_service(a, case)
    sync(a)
    before = hub.snapshot(TABLES)
    cases = [
        (["reports", "review", case, "has-issues", "--by", "Bu Ani"], "needs --note"),
        (["reports", "review", case, "approved"], "needs --by NAME"),
        (["reports", "review", case, "fine", "--by", "Bu Ani"], "received, has-issues or approved"),
        (["reports", "review", case, "--by", "Bu Ani"], "takes a case and a state"),
        (["reports", "review", service, "approved", "--by", "Bu Ani"], "only cases are reviewed"),
        (["reports", "review", "ffffffff", "approved", "--by", "Bu Ani"], "ffffffff"),
        (["reports", "review", case, "has-issues", "--note", "x" * 1001, "--by", "Bu Ani"],
         "--note must be"),
        (["reports", "review", case, "has-issues", "--note", "a\nb", "--by", "Bu Ani"],
         "--note must be"),
        (["reports", "review", case, "approved", "--by", "x" * 101], "--by must be"),
    ]
    for args, says in cases:
        proc = hub.run(*args)
        assert proc.returncode == 2, (args, proc)
        lines = proc.stderr.decode().splitlines()
        assert len(lines) == 1 and says in lines[0], (args, lines)
    assert hub.snapshot(TABLES) == before
    # At the limits: a note of 1000 bytes and a name of 100.
    hub.ok("reports", "review", case, "has-issues", "--note", "n" * 1000, "--by", "b" * 100)
    sync(a)
    assert saenode.show_json(a, case)["issues"] == {"note": "n" * 1000, "reviewer": "b" * 100}
