"""POST /v1/push over real HTTPS: batches applied once, replays, revoked and unknown posts,
tampered envelopes, and batches that break a rule of PROTOCOL.md section 4. A refused
request changes nothing in hub.db."""
import zlib

import pytest

import saeproto
from saeproto import ERROR_STATUS, PUSH_ACK, PUSH_BATCH, STATUS

NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}


def stored(hub, device):
    """{seq: (report uuid, field, value, version)} of what the hub holds from device."""
    return {r[7]: (r[0], r[1], r[2], r[3]) for r in hub.changes(origin=device.id)}


def expected(changes):
    return {c.seq: (saeproto.report_uuid(c.report_id), c.field, c.value, c.hlc)
            for c in changes}


def test_push_is_applied_and_acknowledged(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    changes = device.write(case, "case", dict(NEW_CASE, narrative="Baris satu\nBaris dua"))
    answer = device.push(changes)
    assert answer.status == 200 and answer.type == PUSH_ACK, answer
    ack = answer.message
    assert (ack.origin, ack.acked_seq, list(ack.refusals)) == (device.id, 5, [])
    assert ack.hub_clock >= changes[0].hlc  # the hub's clock caught up with the version
    assert stored(hub, device) == expected(changes)
    assert hub.current_value(saeproto.report_uuid(case), "narrative")[0] == \
        "Baris satu\nBaris dua"
    node = hub.nodes()[0]
    assert node["acked_seq"] == 5 and node["last_batch_ms"] > 0


def test_duplicate_push_gets_the_same_ack_and_applies_nothing_twice(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    changes = device.write(saeproto.new_report_id(), "case", NEW_CASE)
    body = device.seal(PUSH_BATCH, device.push_batch(changes))
    first = device.answer(device.post("/v1/push", body))
    assert first.status == 200, first
    before = hub.snapshot(("change", "report", "field_state", "conflict", "refusal",
                           "push_ack"))
    # The very same bytes again (a post whose answer was lost), then a new envelope of
    # the same batch.
    again = device.answer(device.post("/v1/push", body))
    resent = device.push(changes)
    for answer in (again, resent):
        assert answer.status == 200 and answer.type == PUSH_ACK, answer
        # The stored acknowledgement is sent again; only hub_clock is the current one.
        assert (answer.message.origin, answer.message.acked_seq,
                list(answer.message.refusals)) == \
            (first.message.origin, first.message.acked_seq, list(first.message.refusals))
    assert hub.snapshot(tuple(before)) == before
    assert len(hub.changes(origin=device.id)) == len(changes)


def test_overlapping_batch_applies_only_the_new_changes(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    first = device.write(case, "case", NEW_CASE)
    assert device.push(first).status == 200
    second = device.write(case, "case", {"risk_level": "high", "victim_age": "14"},
                          bases={})
    answer = device.push(first[2:] + second)
    assert answer.status == 200, answer
    assert answer.message.acked_seq == second[-1].seq
    assert stored(hub, device) == expected(first + second)


def test_batch_of_one_group_per_change_is_accepted(hub, enroll):
    """PROTOCOL.md section 3: an encoder MAY put each change in its own group (every seq
    then explicit)."""
    device = enroll(hub, "Sumberanyar")
    changes = device.write(saeproto.new_report_id(), "case", NEW_CASE)
    batch = device.push_batch([])
    for c in changes:
        batch.groups.extend(saeproto.group_changes([c]))
    assert len(batch.groups) == len(changes)
    answer = device.send(PUSH_BATCH, batch)
    assert answer.status == 200 and answer.message.acked_seq == changes[-1].seq, answer
    assert stored(hub, device) == expected(changes)


def test_revoked_device_is_refused_and_what_it_sent_stays(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    other = enroll(hub, "Sumberanyar")
    before_revoke = device.write(saeproto.new_report_id(), "case", NEW_CASE)
    assert device.push(before_revoke).status == 200
    out = hub.revoke(device.id)
    assert b"revoked" in out.stdout
    snapshot = hub.snapshot()
    push = device.push(device.write(saeproto.new_report_id(), "case", NEW_CASE))
    pull = device.pull()
    for answer in (push, pull):
        # The revocation notice (PROTOCOL.md section 8): still 403 for posts that only read
        # the status, and an ErrorStatus REVOKED sealed by the hub to this device's own key,
        # which no other device opens.
        assert answer.status == 403, answer
        assert answer.type == saeproto.ERROR_STATUS, answer
        assert answer.code == saeproto.STATUS["REVOKED"], answer
        with pytest.raises(saeproto.EnvelopeError):
            saeproto.open_envelope(answer.body, other.key, lambda sid: other.hub_public_key)
    assert hub.snapshot() == snapshot
    assert stored(hub, device) == expected(before_revoke)
    # Another device of the village still receives what the revoked one sent before.
    got, _ = other.pull_all()
    assert {c.key for c in got} == {c.key for c in before_revoke}
    assert [n["revoked"] for n in hub.nodes() if n["id"] == "%016x" % device.id] == [True]


def test_unknown_post_is_refused(hub, enroll):
    enroll(hub, "Sumberanyar")
    stranger = saeproto.Device(hub.add_node("Sumberanyar"))  # a bundle, never enrolled
    before = hub.snapshot()
    push = stranger.push(stranger.write(saeproto.new_report_id(), "case", NEW_CASE))
    pull = stranger.pull()
    for answer in (push, pull):
        assert answer.status == 401, answer
        assert answer.text is not None, answer
    assert hub.snapshot() == before


def flip(data, index, mask=0x01):
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def tampered_envelopes(device, victim):
    """(name, body, statuses allowed by PROTOCOL.md) of one push envelope changed."""
    body = device.seal(PUSH_BATCH, device.push_batch(
        device.write(saeproto.new_report_id(), "case", NEW_CASE)))
    head = saeproto.HEADER_BYTES
    pull_head = saeproto.header(saeproto.PULL_REQUEST, device.id)
    return [
        ("magic", flip(body, 0), {400}),
        ("format version", flip(body, 4, 0x02), {400}),
        ("type unknown", flip(body, 5, 0x08), {400}),
        # 1 -> 3, a pull: the clear type is not covered by the MAC, its copy inside the box
        # is (section 2, step 5), so the envelope fails to open as the post's.
        ("type of another message", flip(body, 5, 0x02), {401}),
        ("sender id", flip(body, 13), {401}),
        ("sender of another post", body[:6] + victim.id.to_bytes(8, "big") + body[14:], {401}),
        ("nonce", flip(body, head + 3), {401}),
        ("mac", flip(body, head + 24 + 5), {401}),
        ("ciphertext", flip(body, len(body) - 1), {401}),
        ("truncated", body[:-1], {401}),
        ("too short", body[:53], {400}),
        ("empty", b"", {400}),
        # A valid box whose inner header copy says "pull": the clear header is not covered
        # by the MAC, its copy is (section 2, step 5).
        ("header copy differs", device.seal(PUSH_BATCH, device.push_batch([]),
                                            inner_head=pull_head), {401}),
    ]


def test_tampered_envelopes_are_refused_and_change_nothing(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    victim = enroll(hub, "Sumberanyar")
    before = hub.snapshot()
    failures = []
    for name, body, allowed in tampered_envelopes(device, victim):
        answer = device.answer(device.post("/v1/push", body))
        if answer.status not in allowed or answer.type is not None:
            failures.append((name, answer))
    assert failures == []
    assert hub.snapshot() == before


def sealed_raw(device, message_bytes, **kwargs):
    return device.seal(PUSH_BATCH, message_bytes, **kwargs)


def rule_breaking_batches(device):
    """(name, envelope body, status, ErrorStatus code or None for a text answer)."""
    case = saeproto.new_report_id()
    good = device.write(case, "case", NEW_CASE)
    batch = lambda changes, **kw: device.push_batch(changes, **kw)
    newer = saeproto.SCHEMA_VERSION + 1
    out = [("a newer schema version", batch(good, schema_version=newer), 400,
            STATUS["UNSUPPORTED_SCHEMA"]),
           ("schema version absent", batch(good, schema_version=0), 400,
            STATUS["UNSUPPORTED_SCHEMA"]),
           ("origin is not the sender", batch(good, origin=device.id ^ 1), 400,
            STATUS["DECODE_FAILED"])]
    # seq not rising strictly through the batch.
    backwards = [good[1], good[0]]
    out.append(("seq not rising", batch(backwards), 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].report_id = b.groups[0].report_id[:15]
    out.append(("15-byte report id", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].ClearField("hlc")
    out.append(("version 0", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].changes[0].ClearField("seq")
    out.append(("first change without seq", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    del b.groups[0].changes[:]
    out.append(("empty group", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].kind = b"Case"
    out.append(("kind not a name", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].changes[0].value = b"new\x00"
    out.append(("NUL in a value", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].changes[0].value = b"\xc0\xae"
    out.append(("overlong UTF-8", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].origin = device.id ^ 2
    out.append(("a group of another origin", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].changes[0].seq = 1 << 63
    out.append(("seq of 2^63", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].hlc = 1 << 63
    out.append(("hlc of 2^63", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].changes[0].base_origin = 5
    out.append(("base origin without base hlc", b, 400, STATUS["DECODE_FAILED"]))
    b = batch(good)
    b.groups[0].changes[0].value = b"x" * 32769
    out.append(("value over 32 KiB", b, 400, STATUS["LIMIT_EXCEEDED"]))
    many = device.write(case, "case", {"narrative": "x"})[0]
    b = batch([saeproto.Change(**dict(many.__dict__, seq=many.seq + i)) for i in range(1001)])
    out.append(("1001 changes", b, 400, STATUS["LIMIT_EXCEEDED"]))
    return out


def test_batches_breaking_a_rule_are_refused_whole(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    before = hub.snapshot()
    failures = []
    for name, message, status, code in rule_breaking_batches(device):
        answer = device.send(PUSH_BATCH, message)
        if answer.status != status or answer.type != ERROR_STATUS or answer.code != code:
            failures.append((name, answer))
    assert failures == []
    assert hub.snapshot() == before


def test_zlib_stream_faults_are_refused(hub, enroll):
    """Section 2, step 6: a stream inflating past 8 MiB is too large (413), one exactly at
    the limit inflates and then fails to decode (400), a broken stream or bytes after its
    end fail to inflate (400)."""
    device = enroll(hub, "Sumberanyar")
    message = device.push_batch(device.write(saeproto.new_report_id(), "case", NEW_CASE))
    good = zlib.compress(message.SerializeToString())
    cases = [("inflates past the limit", zlib.compress(b"\0" * (saeproto.INFLATED_BYTES + 1)),
              413),
             ("inflates to exactly the limit", zlib.compress(b"\0" * saeproto.INFLATED_BYTES),
              400),
             ("bytes after the stream", good + b"\0", 400),
             ("truncated stream", good[:-3], 400),
             ("not zlib", b"\x1f\x8b" + good, 400)]
    before = hub.snapshot()
    failures = []
    for name, stream, status in cases:
        answer = device.answer(device.post("/v1/push", device.seal(PUSH_BATCH, b"",
                                                                   stream=stream)))
        if answer.status != status:
            failures.append((name, answer))
        # An ErrorStatus, when sealed, names the failure: too large, bad envelope (inflate)
        # or decode failed.
        if answer.type is not None and answer.code not in (STATUS["TOO_LARGE"],
                                                             STATUS["BAD_ENVELOPE"],
                                                             STATUS["DECODE_FAILED"]):
            failures.append((name, answer))
    assert failures == []
    assert hub.snapshot() == before


def test_invalid_change_is_set_aside_without_blocking_the_batch(hub, enroll):
    """PROTOCOL.md section 6: a change the catalogue refuses is named in the ack with code
    INVALID_CHANGE and set aside for good; the rest of its batch is applied (one poison
    record never blocks a post's queue)."""
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    changes = device.write(case, "case", dict(NEW_CASE, violence_type="slapping"))
    bad = [c for c in changes if c.field == "violence_type"]
    answer = device.push(changes)
    assert answer.status == 200, answer
    assert [(r.seq, r.code) for r in answer.message.refusals] == \
        [(bad[0].seq, STATUS["INVALID_CHANGE"])]
    assert answer.message.acked_seq == changes[-1].seq
    assert hub.current_value(saeproto.report_uuid(case), "violence_type") is None
    assert hub.current_value(saeproto.report_uuid(case), "status")[0] == NEW_CASE["status"]


@pytest.mark.parametrize("field,value", [("victim_age", "014"), ("intake_date", "5/1/2026"),
                                         ("no_such_field", "x"), ("_deleted", "0")])
def test_non_canonical_values_never_reach_the_state(hub, enroll, field, value):
    """A value that is not canonical for the catalogue is set aside, never applied."""
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    assert device.push(device.write(case, "case", NEW_CASE)).status == 200
    answer = device.push(device.write(case, "case", {field: value}))
    assert answer.status == 200, answer
    assert [(r.seq, r.code) for r in answer.message.refusals] == \
        [(device.seq, STATUS["INVALID_CHANGE"])]
    current = hub.current_value(saeproto.report_uuid(case), field)
    assert current is None or current[0] == NEW_CASE.get(field), current
    assert all((r[1], r[2]) != (field, value) for r in hub.changes(origin=device.id))


def test_replay_of_an_older_batch_gets_its_own_ack(hub, enroll):
    device = enroll(hub, "Sumberanyar")
    case = saeproto.new_report_id()
    first = device.write(case, "case", NEW_CASE)
    second = device.write(case, "case", {"risk_level": "low"})
    first_body = device.seal(PUSH_BATCH, device.push_batch(first))
    a1 = device.answer(device.post("/v1/push", first_body))
    a2 = device.push(second)
    assert (a1.message.acked_seq, a2.message.acked_seq) == (4, 5), (a1, a2)
    before = hub.snapshot(("change", "field_state", "push_ack", "refusal"))
    replay = device.answer(device.post("/v1/push", first_body))
    assert replay.status == 200 and replay.message.acked_seq == 4, replay
    assert hub.snapshot(tuple(before)) == before
    assert hub.current_value(saeproto.report_uuid(case), "risk_level")[0] == "low"


def test_ack_names_the_highest_seq_stored(hub, enroll):
    """PROTOCOL.md section 6: acked_seq is the highest seq the hub holds for the post, at
    least the batch's highest. A post that re-splits already acknowledged changes (seq 2..3
    after 1..8) changes nothing and learns that everything up to 8 is stored."""
    device = enroll(hub, "Sumberanyar")
    changes = device.write(saeproto.new_report_id(), "case", NEW_CASE) + \
        device.write(saeproto.new_report_id(), "case", NEW_CASE)
    assert device.push(changes).message.acked_seq == 8
    before = hub.snapshot(("change", "field_state", "refusal"))
    answer = device.push(changes[1:3])
    assert answer.status == 200, answer
    assert hub.snapshot(tuple(before)) == before
    assert answer.message.acked_seq == 8, answer


@pytest.mark.parametrize("count", [4, 7, 13])
def test_batch_creating_several_reports_is_applied(hub, enroll, count):
    """count new cases of four fields in one batch: every field of every case becomes
    current. These counts make the hub's list of touched fields fill up exactly while it
    adds each report's tombstone; run against a sanitizer build of sae-hub (SAE_HUB_BIN),
    the log must then hold no sanitizer report when the daemon stops."""
    device = enroll(hub, "Sumberanyar")
    cases = [saeproto.new_report_id() for _ in range(count)]
    changes = []
    for i, case in enumerate(cases):
        changes += device.write(case, "case", dict(NEW_CASE, intake_date="2026-01-%02d" % (i + 1)))
    answer = device.push(changes)
    assert answer.status == 200 and answer.message.acked_seq == changes[-1].seq, answer
    for i, case in enumerate(cases):
        assert hub.current_value(saeproto.report_uuid(case), "intake_date")[0] == \
            "2026-01-%02d" % (i + 1)
    assert hub.stop() == 0
    assert b"Sanitizer" not in hub.log_text(), hub.log_text()[-3000:].decode(errors="replace")


def test_change_inside_a_gap_below_acked_seq_is_applied(hub, enroll):
    """PROTOCOL.md section 6: (origin, seq) names a change, not its place below acked_seq.
    A change never sent before whose seq lies in a gap below acked_seq is new to the hub and
    applied, alone or in a batch that ends with a seq acknowledged before; that batch is not
    a replay and is not answered with the stored acknowledgement."""
    device = enroll(hub, "Sumberanyar")
    changes = device.write(saeproto.new_report_id(), "case", NEW_CASE) + \
        device.write(saeproto.new_report_id(), "case", {"status": "new"})
    first, second, third, fourth, fifth = changes
    assert device.push([first, second, fifth]).message.acked_seq == fifth.seq
    answer = device.push([third, fifth])
    assert answer.status == 200 and answer.message.acked_seq == fifth.seq, answer
    answer = device.push([fourth])
    assert answer.status == 200 and answer.message.acked_seq == fifth.seq, answer
    assert sorted(stored(hub, device)) == [c.seq for c in changes]
