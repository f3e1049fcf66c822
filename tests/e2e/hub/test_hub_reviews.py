"""The review log in pull (PROTOCOL.md section 6, "Reviews"), over real HTTPS through the
Python client: which fields of a village wait for a coordinator, and which version stands
meanwhile, in order, page by page with their own cursor, never ahead of the changes they
name; nothing for a post that does not ask (an older post), nothing of another village."""
import saeproto
from saeproto import STATUS

NEW_CASE = {"status": "new", "violence_types/physical": "1", "victim_sex": "F",
            "intake_date": "2026-01-05", "risk_level": "medium", "consent_share": "true"}


def pushed(device, changes):
    answer = device.push(changes)
    assert answer.status == 200 and not answer.message.refusals, answer
    return changes


def versions(changes):
    return {c.field: c.version for c in changes}


def disputed_case(hub, enroll):
    """a1 records a case; a1 and a2 pulled it; a1 raises the risk and withdraws the consent
    to share, a2 lowers the risk and adds an element of the set, apart."""
    a1, a2 = enroll(hub, "Sumberanyar", "Laptop A1"), enroll(hub, "Sumberanyar", "Laptop A2")
    case = saeproto.new_report_id()
    seen = versions(pushed(a1, a1.write(case, "case", NEW_CASE)))
    a1.pull_all()
    a2.pull_all()
    up = pushed(a1, a1.write(case, "case", {"risk_level": "high", "consent_share": "false"},
                             bases=seen))
    down = pushed(a2, a2.write(case, "case", {"risk_level": "low", "consent_share": "true",
                                              "violence_types/sexual": "1"}, bases=seen))
    return a1, a2, case, versions(up), versions(down)


def review_of(device, case, field):
    return device.reviews.get((saeproto.report_uuid(case), field))


def test_reviews_name_the_standing_and_the_latest_version(hub, enroll):
    a1, a2, case, up, down = disputed_case(hub, enroll)
    a3 = enroll(hub, "Sumberanyar", "Laptop A3")
    got, pages = a3.pull_all(reviews=True)
    assert {(c.field, c.value) for c in got} >= {("risk_level", "low"), ("risk_level", "high")}
    assert sorted(a3.reviews) == sorted([(saeproto.report_uuid(case), "risk_level"),
                                         (saeproto.report_uuid(case), "consent_share")])
    risk = review_of(a3, case, "risk_level")
    # The higher risk stands though the lowering came later; the lowering is the latest.
    assert risk.open and (risk.standing_hlc, risk.standing_origin) == up["risk_level"]
    assert (risk.latest_hlc, risk.latest_origin) == down["risk_level"]
    consent = review_of(a3, case, "consent_share")
    assert (consent.standing_hlc, consent.standing_origin) == up["consent_share"]
    # Different elements of a set do not conflict: no review of the element.
    assert review_of(a3, case, "violence_types/sexual") is None
    assert hub.current_value(saeproto.report_uuid(case), "risk_level")[0] == "high"
    assert hub.current_value(saeproto.report_uuid(case), "violence_types/sexual")[0] == "1"
    # Caught up: nothing more, and the cursor stays where it was.
    again = a3.pull(reviews=True)
    assert list(again.message.reviews) == [] and not again.message.more
    assert again.message.next_review_cursor == a3.review_cursor


def test_a_resolution_closes_the_review(hub, enroll):
    a1, a2, case, up, down = disputed_case(hub, enroll)
    a1.pull_all(reviews=True)
    assert review_of(a1, case, "risk_level").open
    (conflict,) = [c for c in hub.admin_json("conflicts", "list") if c["field"] == "risk_level"]
    hub.ok("conflicts", "resolve", str(conflict["id"]), "--value", "medium", "--by", "Bu Sari")
    got, pages = a1.pull_all(reviews=True)
    closed = [r for p in pages for r in p.message.reviews]
    assert [(r.field.decode(), r.open) for r in closed] == [("risk_level", False)]
    # The resolution is the latest version: it stands, and plain last-writer-wins agrees.
    (resolution,) = [c for c in got if c.field == "risk_level"]
    assert (closed[0].standing_hlc, closed[0].standing_origin) == resolution.version
    assert review_of(a1, case, "risk_level") is None
    assert review_of(a1, case, "consent_share").open


def test_a_post_that_does_not_ask_gets_no_reviews(hub, enroll):
    """A post of the previous protocol sends no with_reviews: its pulls are as before, and
    `more` never waits on reviews it would not read."""
    a1, a2, case, up, down = disputed_case(hub, enroll)
    old = enroll(hub, "Sumberanyar", "Laptop lama")
    got, pages = old.pull_all(max_changes=1)
    assert all(list(p.message.reviews) == [] and p.message.next_review_cursor == 0
               for p in pages)
    assert len(pages) == len(got)


def test_reviews_page_with_their_cursor_and_never_ahead_of_their_changes(hub, enroll):
    a1, a2, case, up, down = disputed_case(hub, enroll)
    a3 = enroll(hub, "Sumberanyar", "Laptop A3")
    held = set()
    for _ in range(100):
        answer = a3.pull(max_changes=1, reviews=True)
        assert answer.status == 200, answer
        assert len(answer.message.reviews) <= 1
        held |= {c.version for c in saeproto.expand_groups(answer.message.groups)}
        for r in answer.message.reviews:
            # Every version a review names came in this answer or an earlier one.
            assert (r.standing_hlc, r.standing_origin) in held
            assert (r.latest_hlc, r.latest_origin) in held
        a3.cursor = answer.message.next_cursor
        a3.keep_reviews(answer.message)
        if not answer.message.more:
            break
    assert len(a3.reviews) == 2 and a3.cursor > 0


def test_other_village_gets_none_and_bad_review_cursors_are_refused(hub, enroll):
    a1, a2, case, up, down = disputed_case(hub, enroll)
    b1 = enroll(hub, "Kalibuntu", "Laptop B1")
    got, pages = b1.pull_all(reviews=True)
    assert got == [] and b1.reviews == {}
    # Caught up on a village without reviews, the cursor still moves past the others'.
    assert b1.review_cursor > 0
    answer = a1.pull(reviews=True, review_cursor=b1.review_cursor + 1)
    assert answer.status == 400 and answer.code == STATUS["DECODE_FAILED"], answer
    # Without with_reviews the review cursor is not looked at.
    assert a1.pull(review_cursor=b1.review_cursor + 1).status == 200
