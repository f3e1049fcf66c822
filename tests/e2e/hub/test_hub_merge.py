"""The merge seen from the wire: devices of one village editing the same report apart from
each other, a device of another village, and a clock a year ahead. Conflicts are read from
hub.db (read-only) and from `sae-hub conflicts list --json`."""

import re

import saeproto
from saeproto import STATUS

NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}
YEAR_MS = 365 * 24 * 3600 * 1000


def pushed(device, changes):
    answer = device.push(changes)
    assert answer.status == 200 and answer.message.acked_seq == changes[-1].seq, answer
    return answer


def versions(changes):
    """{field: version} of the latest change of each field in changes."""
    out = {}
    for c in changes:
        out[c.field] = c.version
    return out


def shared_case(hub, enroll):
    """Two devices of one village that both know a new case."""
    a1, a2 = enroll(hub, "Sumberanyar", "Laptop 1"), enroll(hub, "Sumberanyar", "Laptop 2")
    case = saeproto.new_report_id()
    pushed(a1, a1.write(case, "case", NEW_CASE))
    got, _ = a2.pull_all()
    assert {c.field for c in got} == set(NEW_CASE)
    a1.pull_all()  # a1 is as up to date as a2
    return a1, a2, case, versions(got)


def concurrent_status_edits(hub, enroll):
    a1, a2, case, seen = shared_case(hub, enroll)
    e1 = a1.write(case, "case", {"status": "active"}, bases=seen)
    e2 = a2.write(case, "case", {"status": "closed"}, bases=seen)
    assert not pushed(a1, e1).message.refusals
    assert not pushed(a2, e2).message.refusals
    return a1, a2, case, e1[0], e2[0]


def test_concurrent_edits_of_one_field_make_one_hard_conflict(hub, enroll):
    a1, a2, case, e1, e2 = concurrent_status_edits(hub, enroll)
    conflicts = hub.conflicts()
    assert len(conflicts) == 1, conflicts
    c = conflicts[0]
    assert (c["report"], c["field"], c["severity"], c["status"]) == \
        (saeproto.report_uuid(case), "status", "hard", "open")
    assert sorted((v, o) for v, o, _ in c["candidates"]) == \
        sorted([("active", a1.id), ("closed", a2.id)])
    # The open status stands over closed whichever came later (PROTOCOL.md section 12);
    # nothing is lost.
    opened = e1 if e1.value == "active" else e2
    assert hub.current_value(saeproto.report_uuid(case), "status") == \
        ("active", opened.hlc, opened.origin)
    # A third device of the village receives both values.
    a3 = saeproto.Device(hub.add_node("Sumberanyar"))
    assert a3.enroll().status == 200
    got, _ = a3.pull_all()
    assert {(c.field, c.value, c.origin) for c in got if c.field == "status"} == \
        {("status", "new", a1.id), ("status", "active", a1.id), ("status", "closed", a2.id)}


def test_conflict_is_listed_by_the_admin_command(hub, enroll):
    a1, a2, case, e1, e2 = concurrent_status_edits(hub, enroll)
    listed = hub.admin_json("conflicts", "list")
    assert len(listed) == 1, listed
    c = listed[0]
    assert (c["report"], c["field"], c["severity"], c["status"]) == \
        (saeproto.report_uuid(case), "status", "hard", "open")
    assert sorted(k["value"] for k in c["candidates"]) == ["active", "closed"]
    assert {k["village"] for k in c["candidates"]} == {"35.13.12.2018"}
    assert c["village_name"] == "Sumberanyar (Paiton)"
    # Each candidate names the person and the device, and reads as people say it.
    assert {(k["author"], k["device"]) for k in c["candidates"]} == \
        {(a1.author, a1.name), (a2.author, a2.name)}
    for k in c["candidates"]:
        assert k["by"].startswith("%s, %s, " % (k["author"], k["device"])), k
    nodes = {str(k["node"]).lower() for k in c["candidates"]}
    assert nodes in ({"%016x" % a1.id, "%016x" % a2.id}, {str(a1.id), str(a2.id)}), nodes
    assert c["winner"]["value"] == hub.current_value(saeproto.report_uuid(case), "status")[0]


def test_concurrent_edits_of_different_fields_make_no_conflict(hub, enroll):
    a1, a2, case, seen = shared_case(hub, enroll)
    e1 = a1.write(case, "case", {"violence_type": "psychological"}, bases=seen)
    e2 = a2.write(case, "case", {"victim_sex": "M", "victim_age": "12"}, bases=seen)
    pushed(a1, e1)
    pushed(a2, e2)
    assert hub.conflicts() == []
    uuid = saeproto.report_uuid(case)
    assert hub.current_value(uuid, "violence_type")[0] == "psychological"
    assert hub.current_value(uuid, "victim_sex")[0] == "M"
    assert hub.current_value(uuid, "victim_age")[0] == "12"


def test_concurrent_equal_values_are_settled_by_the_hub(hub, enroll):
    """Two posts set the same value apart: nothing for a coordinator to decide. The hub
    settles it at once and records it (conflicts list --all), and tells no post to review."""
    a1, a2, case, seen = shared_case(hub, enroll)
    pushed(a1, a1.write(case, "case", {"status": "referred"}, bases=seen))
    pushed(a2, a2.write(case, "case", {"status": "referred"}, bases=seen))
    conflicts = hub.conflicts()
    assert len(conflicts) == 1, conflicts
    c = conflicts[0]
    assert (c["report"], c["field"], c["severity"], c["status"]) == \
        (saeproto.report_uuid(case), "status", "soft", "resolved")
    assert sorted((v, o) for v, o, _ in c["candidates"]) == \
        sorted([("referred", a1.id), ("referred", a2.id)])
    assert hub.admin_json("conflicts", "list") == []
    (settled,) = hub.admin_json("conflicts", "list", "--all")
    assert (settled["resolved_by"], settled["note"]) == \
        ("sae-hub", "concurrent equal values: settled by the hub"), settled
    line = hub.ok("conflicts", "list", "--all").stdout.decode()
    assert re.match(r"\s*%d\s+settled\s+soft\s+%s\s+case\s+status\s" % (
        settled["id"], saeproto.report_uuid(case)[:8]), line), line
    assert hub.current_value(saeproto.report_uuid(case), "status")[0] == "referred"
    _, pages = a1.pull_all(reviews=True)
    assert [r for p in pages for r in p.message.reviews] == []


def test_sequential_edits_are_clean(hub, enroll):
    """a2 edits after it pulled a1's edit: its base is a1's version, no conflict."""
    a1, a2, case, seen = shared_case(hub, enroll)
    e1 = a1.write(case, "case", {"status": "active"}, bases=seen)
    pushed(a1, e1)
    got, _ = a2.pull_all()
    assert [(c.field, c.value) for c in got] == [("status", "active")]
    e2 = a2.write(case, "case", {"status": "closed"}, bases=versions(got))
    pushed(a2, e2)
    assert hub.conflicts() == []
    assert hub.current_value(saeproto.report_uuid(case), "status")[0] == "closed"


def test_edit_concurrent_with_a_delete_is_flagged(hub, enroll):
    a1, a2, case, seen = shared_case(hub, enroll)
    pushed(a1, a1.write(case, "case", {"_deleted": "1"}))
    pushed(a2, a2.write(case, "case", {"risk_level": "high"}, bases=seen))
    flagged = [c for c in hub.conflicts() if c["severity"] == "hard"]
    assert len(flagged) == 1, hub.conflicts()
    assert flagged[0]["report"] == saeproto.report_uuid(case)


def test_delete_conflict_names_only_edits_still_current_in_their_field(hub, enroll):
    """A post edits a field twice without having seen a delete: its second edit replaced its
    first, so the delete conflict offers the delete and the second edit, and a third post's
    concurrent edit of that field. A coordinator's resolution of the field (made after the
    delete) replaces both edits: nothing the delete had not seen is left, and the delete
    conflict is settled."""
    a1, a2, case, seen = shared_case(hub, enroll)
    a3 = enroll(hub, "Sumberanyar", "Laptop 3")
    a3.pull_all()
    pushed(a1, a1.write(case, "case", {"_deleted": "1"}))
    first = a2.write(case, "case", {"status": "active"}, bases=seen)
    second = a2.write(case, "case", {"status": "closed"}, bases=versions(first))
    pushed(a2, first + second)
    pushed(a3, a3.write(case, "case", {"status": "referred"}, bases=seen))
    report = saeproto.report_uuid(case)
    open_ = {c["field"]: c for c in hub.conflicts() if c["status"] == "open"}
    assert set(open_) == {"_deleted", "status"}, hub.conflicts()
    assert sorted(v for v, _, _ in open_["_deleted"]["candidates"]) == ["1", "closed",
                                                                        "referred"]
    hub.ok("conflicts", "resolve", str(open_["status"]["id"]), "--value", "referred",
           "--by", "Bu Sari")
    settled = [c for c in hub.conflicts() if c["id"] == open_["_deleted"]["id"]][0]
    assert settled["status"] == "resolved", hub.conflicts()
    assert hub.current_value(report, "_deleted")[0] == "1"


def test_device_of_another_village_cannot_change_a_report(hub, enroll):
    a1, a2, case, seen = shared_case(hub, enroll)
    b1 = enroll(hub, "Kalibuntu")
    before = hub.snapshot(("change", "field_state", "conflict", "report"))
    own_case = saeproto.new_report_id()
    intrusion = b1.write(case, "case", {"status": "closed"}, bases=seen)
    own = b1.write(own_case, "case", NEW_CASE)
    answer = pushed(b1, intrusion + own)
    # The foreign change is refused in the ack (acknowledged, never applied); the rest of
    # the batch is applied.
    assert [(r.seq, r.code) for r in answer.message.refusals] == \
        [(intrusion[0].seq, STATUS["WRONG_VILLAGE"])], answer
    assert answer.message.refusals[0].message
    uuid = saeproto.report_uuid(case)
    assert hub.current_value(uuid, "status")[0] == "new"
    assert [r for r in hub.changes(origin=b1.id) if r[0] == uuid] == []
    assert hub.query("SELECT node_seq, code FROM refusal WHERE origin = ?", (b1.id,)) == \
        [(intrusion[0].seq, STATUS["WRONG_VILLAGE"])]
    assert hub.conflicts() == []
    after = hub.snapshot(("change", "field_state", "conflict", "report"))
    assert after["change"][0] == before["change"][0] + len(own)
    # Village A does not see village B's report, and B's device sees nothing of A's.
    got, _ = a2.pull_all()
    assert got == []
    got_b, _ = b1.pull_all()
    assert got_b == []
    # The same batch again: the same refusal, still nothing applied.
    again = b1.push(intrusion + own)
    assert [(r.seq, r.code) for r in again.message.refusals] == \
        [(intrusion[0].seq, STATUS["WRONG_VILLAGE"])]
    assert hub.snapshot(("change", "field_state", "conflict", "report")) == after


def test_change_dated_a_year_ahead_is_held_and_never_wins(hub, enroll):
    a1, a2, case, seen = shared_case(hub, enroll)
    uuid = saeproto.report_uuid(case)
    ahead = (saeproto.wall_ms() + YEAR_MS) << 16
    wrong = a1.write(case, "case", {"status": "closed"}, bases=seen, hlc=ahead)
    answer = pushed(a1, wrong)
    # Acknowledged (stored, not to be sent again) but refused as CLOCK_AHEAD, with a
    # message for the post's staff.
    assert [(r.seq, r.code) for r in answer.message.refusals] == \
        [(wrong[0].seq, STATUS["CLOCK_AHEAD"])], answer
    assert answer.message.refusals[0].message
    # The hub's clock did not jump a year.
    assert saeproto.hlc_ms(answer.message.hub_clock) < saeproto.wall_ms() + 24 * 3600 * 1000
    # Kept, held, not current.
    assert hub.query("SELECT value, held FROM change WHERE origin = ? AND node_seq = ?",
                     (a1.id, wrong[0].seq)) == [("closed", 1)]
    assert hub.current_value(uuid, "status")[0] == "new"
    # The other device is not sent the held change.
    got, _ = a2.pull_all()
    assert got == []
    # A later edit with a right clock wins over the held one, whose HLC is larger.
    fix = a2.write(case, "case", {"status": "active"}, bases=seen)
    pushed(a2, fix)
    assert hub.current_value(uuid, "status")[:2] == ("active", fix[0].hlc)
    # It is shown to the operator: an open hard conflict on the field.
    held = [c for c in hub.conflicts() if c["field"] == "status" and c["status"] == "open"]
    assert len(held) == 1 and held[0]["severity"] == "hard", hub.conflicts()
