"""POST /v1/pull over real HTTPS: a device receives the other devices' changes of its own
village, exactly as they were pushed (a sensitive value sealed to its storage key, schema 4),
none of another village's, page by page with a cursor and `more`."""
import saeproto
from saeproto import PULL_RESPONSE, STATUS

NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}


def pushed(device, changes):
    """Pushes changes; returns them as the other devices of the village pull them (with
    the writer's device name)."""
    answer = device.push(changes)
    assert answer.status == 200 and not answer.message.refusals, answer
    return saeproto.as_pulled(changes, device.name)


def populate(hub, enroll):
    """Village A: a1 writes three cases (one of them edited later), village B: b1 writes two,
    pushed interleaved so that the hub's log mixes the villages."""
    a1 = enroll(hub, "Sumberanyar", "Laptop A1")
    a2 = enroll(hub, "Sumberanyar", "Laptop A2", storage=True)
    b1 = enroll(hub, "Kalibuntu", "Laptop B1")
    mine = []
    cases = [saeproto.new_report_id() for _ in range(3)]
    mine += pushed(a1, a1.write(cases[0], "case", NEW_CASE))
    pushed(b1, b1.write(saeproto.new_report_id(), "case", NEW_CASE))
    mine += pushed(a1, a1.write(cases[1], "case", dict(NEW_CASE, narrative="Kronologi\n—")))
    pushed(b1, b1.write(saeproto.new_report_id(), "case", dict(NEW_CASE, status="active")))
    mine += pushed(a1, a1.write(cases[2], "case", NEW_CASE) +
                   a1.write(cases[0], "case", {"risk_level": "high", "victim_age": None}))
    return a1, a2, b1, mine


def test_pull_pages_through_the_village_changes(hub, enroll):
    a1, a2, b1, mine = populate(hub, enroll)
    got, pages = a2.pull_all(max_changes=3)
    # Every change of a1, exactly as pushed (value, unset value, version, base, seq, the
    # seen_cursor), in the order the hub received them, and nothing of village B; the
    # narrative sealed to a2's storage key.
    assert any(c.sealed_value for c in got)
    assert a2.opened(got) == mine
    assert all(len(p.message.groups) > 0 for p in pages)
    assert [p.message.more for p in pages] == [True] * (len(pages) - 1) + [False]
    assert all(sum(len(g.changes) for g in p.message.groups) <= 3 for p in pages)
    assert len(pages) == -(-len(mine) // 3)
    cursors = [p.message.next_cursor for p in pages]
    assert cursors == sorted(set(cursors)), cursors
    # Caught up: nothing more, and the cursor stays.
    again = a2.pull()
    assert again.status == 200 and list(again.message.groups) == [], again
    assert again.message.more is False
    assert again.message.next_cursor >= cursors[-1]


def test_pull_in_one_page_groups_changes_as_written(hub, enroll):
    a1, a2, b1, mine = populate(hub, enroll)
    got, pages = a2.pull_all()
    assert len(pages) == 1 and a2.opened(got) == mine
    # One group per command written on a1 (same report, kind, version, seen_cursor).
    assert len(pages[0].message.groups) == 4


def test_pulling_twice_from_one_cursor_gives_the_same_changes(hub, enroll):
    a1, a2, b1, mine = populate(hub, enroll)
    first = a2.pull(cursor=0, max_changes=5)
    second = a2.pull(cursor=0, max_changes=5)
    assert a2.opened(saeproto.expand_groups(first.message.groups)) == \
        a2.opened(saeproto.expand_groups(second.message.groups)) == mine[:5]
    assert first.message.next_cursor == second.message.next_cursor
    assert first.message.more and second.message.more


def test_other_village_sees_only_its_own(hub, enroll):
    a1, a2, b1, mine = populate(hub, enroll)
    b2 = enroll(hub, "Kalibuntu", "Laptop B2")
    got, _ = b2.pull_all(max_changes=2)
    assert {c.origin for c in got} == {b1.id}
    assert len(got) == 8
    assert not {c.report_id for c in got} & {c.report_id for c in mine}


def test_pull_is_read_only_and_refuses_an_unknown_cursor(hub, enroll):
    a1, a2, b1, mine = populate(hub, enroll)
    tables = ("change", "report", "field_state", "conflict", "refusal", "push_ack",
              "enroll_token")
    before = hub.snapshot(tables)
    a2.pull_all(max_changes=2)
    assert hub.snapshot(tables) == before
    answer = a2.pull(cursor=(1 << 62) + 7)
    assert answer.status == 400, answer
    assert answer.code == STATUS["DECODE_FAILED"], answer
    assert hub.snapshot(tables) == before
    # The post then pulls from 0 (section 6) and gets everything again.
    a2.cursor = 0
    got, _ = a2.pull_all()
    assert a2.opened(got) == mine


def test_pull_answer_is_sealed_to_the_device(hub, enroll):
    a1, a2, b1, mine = populate(hub, enroll)
    response = a2.post("/v1/pull", a2.seal(saeproto.PULL_REQUEST, a2.pull_request(cursor=0)))
    assert response.headers["Content-Type"] == saeproto.OCTET_STREAM
    assert response.headers["Cache-Control"] == "no-store"
    # Only a2's key opens it: another device of the same village cannot.
    try:
        saeproto.open_envelope(response.content, a1.key,
                               lambda sid: a1.hub_public_key if sid == a1.hub_id else None)
        opened_by_other = True
    except saeproto.EnvelopeError as e:
        opened_by_other = e.kind != "auth_failed"
    assert not opened_by_other
    answer = a2.answer(response)
    assert answer.type == PULL_RESPONSE
    assert a2.opened(saeproto.expand_groups(answer.message.groups)) == mine


def test_pull_splits_large_values_into_pages_that_fit_the_limits(hub, enroll):
    """300 narratives of 32 KiB (9.8 MB of values) cannot travel in one PullResponse of at
    most 8 MiB inflated: the hub pages them by size, and saeproto's bounded inflate checks
    every page against the limit."""
    a1, a2 = enroll(hub, "Sumberanyar"), enroll(hub, "Sumberanyar", storage=True)
    sent = []
    for batch in range(3):
        changes = []
        for i in range(100):
            text = ("%d-%d " % (batch, i)) + "Kronologi kejadian. " * 1640
            text = text[:32768]
            changes += a1.write(saeproto.new_report_id(), "case", {"narrative": text})
        sent += pushed(a1, changes)
    got, pages = a2.pull_all()
    assert a2.opened(got) == sent
    assert len(pages) >= 2
    assert [p.message.more for p in pages] == [True] * (len(pages) - 1) + [False]


def test_pull_never_returns_own_or_held_changes_and_moves_past_them(hub, enroll):
    """PROTOCOL.md section 6: a pull answers only changes of the post's village written by
    others, never one the hub holds for its date; next_cursor then moves past everything
    the hub holds, the skipped changes included, so the next pull starts after them."""
    a1, a2 = enroll(hub, "Sumberanyar", "Laptop A1"), enroll(hub, "Sumberanyar", "Laptop A2")
    b1 = enroll(hub, "Kalibuntu", "Laptop B1")
    shown = pushed(a1, a1.write(saeproto.new_report_id(), "case", NEW_CASE))
    future = (saeproto.wall_ms() + 48 * 3600 * 1000) << 16
    held = a1.push(a1.write(saeproto.new_report_id(), "case", NEW_CASE, hlc=future))
    assert {r.code for r in held.message.refusals} == {STATUS["CLOCK_AHEAD"]}, held
    pushed(b1, b1.write(saeproto.new_report_id(), "case", NEW_CASE))
    last = hub.query("SELECT max(seq) FROM change")[0][0]
    # The writer itself: nothing of its own, and its cursor is past all of it.
    own = a1.pull(cursor=0)
    assert list(own.message.groups) == [] and not own.message.more, own
    assert own.message.next_cursor == last
    # Another device of the village: the applied changes only.
    got, pages = a2.pull_all()
    assert got == shown and pages[-1].message.next_cursor == last
    # Another village: nothing of this one, and past it too.
    other = b1.pull(cursor=0)
    assert list(other.message.groups) == [] and other.message.next_cursor == last, other
    # What comes later is found from there.
    later = pushed(a1, a1.write(saeproto.new_report_id(), "case", NEW_CASE))
    got, _ = a2.pull_all()
    assert got == later
