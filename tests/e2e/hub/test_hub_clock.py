"""Clocks (PROTOCOL.md section 6, docs/DESIGN.md, "Clocks"): every request
measures the post's clock offset, a change dated within the allowed drift (24 h) is applied,
one dated past it is held. Margins are an hour wide, so no assertion depends on how fast
the machine runs."""
import dataclasses

import saeproto
from saeproto import STATUS

HOUR_MS = 3600 * 1000
NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}


def ahead(ms):
    return (saeproto.wall_ms() + ms) << 16


def test_clock_offset_of_each_request_is_measured(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    changes = device.write(saeproto.new_report_id(), "case", NEW_CASE)
    batch = device.push_batch(changes)
    batch.clock = ahead(2 * HOUR_MS)
    assert device.send(saeproto.PUSH_BATCH, batch).status == 200
    offset = hub.nodes()[0]["clock_offset_ms"]
    assert HOUR_MS < offset < 3 * HOUR_MS, offset
    # A pull measures it again.
    request = device.pull_request()
    request.clock = ahead(-5 * HOUR_MS)
    assert device.send(saeproto.PULL_REQUEST, request).status == 200
    offset = hub.nodes()[0]["clock_offset_ms"]
    assert -6 * HOUR_MS < offset < -4 * HOUR_MS, offset


def test_change_within_the_drift_is_applied(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    changes = device.write(case, "case", NEW_CASE, hlc=ahead(23 * HOUR_MS))
    answer = device.push(changes)
    assert answer.status == 200 and list(answer.message.refusals) == [], answer
    assert hub.current_value(saeproto.report_uuid(case), "status")[0] == "new"
    # The hub's clock caught up with it, so the post's next versions order after it.
    assert answer.message.hub_clock >= changes[0].hlc
    assert device.clock >= changes[0].hlc
    assert hub.conflicts() == []


def test_change_past_the_drift_is_held(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    changes = device.write(case, "case", NEW_CASE, hlc=ahead(25 * HOUR_MS))
    answer = device.push(changes)
    assert answer.status == 200 and answer.message.acked_seq == changes[-1].seq, answer
    assert sorted((r.seq, r.code) for r in answer.message.refusals) == \
        [(c.seq, STATUS["CLOCK_AHEAD"]) for c in changes]
    assert all(r.message for r in answer.message.refusals)
    assert saeproto.hlc_ms(answer.message.hub_clock) < saeproto.wall_ms() + 2 * HOUR_MS
    assert hub.query("SELECT count(*), sum(held) FROM change") == [(4, 4)]
    assert hub.current_value(saeproto.report_uuid(case), "status") is None
    # Shown to the operator.
    assert {c["field"] for c in hub.conflicts() if c["status"] == "open"} == set(NEW_CASE)


def test_redated_version_settles_the_held_one(hub, enroll):
    """A post that finds its clock was wrong sends its held change again with a corrected
    version and `supersedes` naming the held one: the held change is settled (no clock
    conflict left), the re-dated value is current, and both stay stored."""
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    held = device.write(case, "case", NEW_CASE, hlc=ahead(365 * 24 * HOUR_MS))
    assert device.push(held).status == 200
    assert len([c for c in hub.conflicts() if c["status"] == "open"]) == 4
    redated = [dataclasses.replace(new, supersedes=old.hlc)
               for new, old in zip(device.write(case, "case", NEW_CASE), held)]
    answer = device.push(redated)
    assert answer.status == 200 and list(answer.message.refusals) == [], answer
    assert hub.current_value(saeproto.report_uuid(case), "status")[0] == "new"
    assert [c for c in hub.conflicts() if c["status"] == "open"] == []
    assert hub.query("SELECT count(*), sum(held) FROM change") == [(8, 4)]


def test_supersedes_names_only_the_posts_own_version(hub, enroll):
    """`supersedes` cannot settle another post's held change: it names a version of the
    sender's own, and one that matches nothing links nothing."""
    a, b = enroll(hub, "Sumberanyar", name="A"), enroll(hub, "Sumberanyar", name="B")
    case = saeproto.new_report_id()
    held = a.write(case, "case", NEW_CASE, hlc=ahead(365 * 24 * HOUR_MS))
    assert a.push(held).status == 200
    forged = [dataclasses.replace(new, supersedes=old.hlc)
              for new, old in zip(b.write(case, "case", NEW_CASE), held)]
    assert b.push(forged).status == 200
    assert len([c for c in hub.conflicts() if c["status"] == "open"]) == 4
    assert hub.query("SELECT count(*) FROM change_parent") == [(0,)]


def test_every_answer_carries_the_hubs_wall_time(hub, enroll):
    """PROTOCOL.md section 6: hub_clock follows the versions the hub accepted (here one a
    day less an hour ahead); hub_time is the hub's wall clock, what posts measure their
    offset against. Every answer carries both: EnrollResponse, PushAck, PullResponse,
    ErrorStatus."""
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    answers = [device.enroll()]
    answers.append(device.push(device.write(saeproto.new_report_id(), "case", NEW_CASE,
                                            hlc=ahead(23 * HOUR_MS))))
    answers.append(device.pull())
    answers.append(device.pull(cursor=1 << 60))
    assert [a.type for a in answers] == [saeproto.ENROLL_RESPONSE, saeproto.PUSH_ACK,
                                         saeproto.PULL_RESPONSE, saeproto.ERROR_STATUS]
    for answer in answers:
        assert abs(answer.message.hub_time - saeproto.wall_ms()) < HOUR_MS, answer
    for answer in answers[1:]:
        assert saeproto.hlc_ms(answer.message.hub_clock) > saeproto.wall_ms() + 22 * HOUR_MS
