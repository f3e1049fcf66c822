"""What a post shows while the district reviews a field (PROTOCOL.md, "Merge policies"):
real sae-node posts and a real sae-hub over HTTPS on 127.0.0.1. Two posts lower and raise
the risk of a case apart: the higher risk stands at the hub and on both posts, which mark
the field "under review by the district (ditinjau kabupaten)" in show and carry it in
show/list --json; an edit starts from what the post shows; a resolution ends the review."""
import saenode
from posts import enrolled, sync

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
MARK = "under review by the district (ditinjau kabupaten)"


def shown_line(post, case, field):
    lines = saenode.ok(["show", case], dir=post).text.splitlines()
    return next(l for l in lines if l.split()[0] == field)


def raced(hub, tmp_path):
    """a and b hold a case with risk medium; a raises it, b (later) lowers it, apart."""
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    case = saenode.add_case(a, risk_level="medium")
    sync(a)
    sync(b)
    saenode.ok(["edit", case, "--set", "risk_level=high"], dir=a)
    saenode.ok(["edit", case, "--set", "risk_level=low"], dir=b)
    return a, b, case


def test_both_posts_show_the_higher_risk_under_review(hub, tmp_path):
    a, b, case = raced(hub, tmp_path)
    sync(a)
    # b pushes its lowering and, in the same round, learns that the higher risk stands.
    result = sync(b)
    assert result["pushed"] == 1 and result["pulled"] == 1, result
    sync(a)
    assert hub.current_value(case, "risk_level")[0] == "high"
    for post in (a, b):
        shown = saenode.show_json(post, case)
        assert shown["fields"]["risk_level"] == "high" and shown["under_review"] == \
            ["risk_level"], shown
        listed = {r["id"]: r for r in saenode.list_json(post)}[case]
        assert listed["fields"]["risk_level"] == "high"
        assert listed["under_review"] == ["risk_level"]
        line = shown_line(post, case, "risk_level")
        assert "high (Tinggi)" in line and MARK in line, line
        assert MARK not in shown_line(post, case, "status")
        assert "journal ok" in saenode.ok(["check"], dir=post).text
    # The journal keeps b's own lowering, and its history shows it.
    history = saenode.ok(["history", case, "--json"], dir=b).json()
    assert [e["value"] for e in history if e["field"] == "risk_level"][-2:] in (
        ["high", "low"], ["low", "high"])


def test_an_edit_starts_from_what_the_post_shows(hub, tmp_path):
    a, b, case = raced(hub, tmp_path)
    sync(a)
    sync(b)
    # b shows high: setting high again changes nothing (its own low is not what it shows).
    res = saenode.run(["edit", case, "--set", "risk_level=high"], dir=b)
    assert res.rc == 0 and res.text.startswith("no change"), res
    # A new value of b is shown at once (its own edit, not yet judged by the hub), still
    # marked: the district has not decided.
    saenode.ok(["edit", case, "--set", "risk_level=medium"], dir=b)
    shown = saenode.show_json(b, case)
    assert shown["fields"]["risk_level"] == "medium" and shown["under_review"] == \
        ["risk_level"], shown
    # b's medium builds on a's high, which b saw (its edit names it as base), and replaces
    # b's own earlier low: one head is left, medium stands and the review ends.
    sync(b)
    assert hub.current_value(case, "risk_level")[0] == "medium"
    assert hub.admin_json("conflicts", "list") == []
    assert saenode.show_json(b, case)["under_review"] == []
    sync(a)
    assert saenode.show_json(a, case)["fields"]["risk_level"] == "medium"
    assert saenode.show_json(a, case)["under_review"] == []


def test_a_resolution_ends_the_review_on_the_posts(hub, tmp_path):
    a, b, case = raced(hub, tmp_path)
    sync(a)
    sync(b)
    (conflict,) = hub.admin_json("conflicts", "list")
    hub.ok("conflicts", "resolve", str(conflict["id"]), "--value", "medium", "--by", "Bu Sari")
    for post in (a, b):
        sync(post)
        shown = saenode.show_json(post, case)
        assert shown["fields"]["risk_level"] == "medium" and shown["under_review"] == [], shown
        assert MARK not in saenode.ok(["show", case], dir=post).text
