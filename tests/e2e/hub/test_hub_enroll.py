"""Enrollment over real HTTPS: bundles from `sae-hub nodes add`, POST /v1/enroll, tokens that
expire or were used, replays. Every refused request must leave hub.db as it was."""
import os
import re
import stat

import saeproto
from saeproto import ENROLL_RESPONSE, ERROR_STATUS, STATUS


def test_bundle_is_private_and_names_this_hub(hub):
    path = hub.add_node("Sumberanyar")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    device = saeproto.Device(path)
    assert device.url == hub.url
    assert device.hub_id == hub.hub_id
    # The village travels as its code in the official list; the bundle names the device.
    assert device.village == "35.13.12.2018"
    assert device.bundle["device_name"].startswith("Laptop Pos ")
    assert re.fullmatch(r"[0-9a-f]{8}", device.bundle["bundle"])
    with open(hub.cert_path) as f:
        assert device.bundle["tls_certificate"] == f.read()
    # Each device of a village has its place among the village's bundles (the letter of its
    # registration numbers); another village counts its own.
    assert device.bundle["device_index"] == 0
    assert saeproto.Device(hub.add_node("Sumberanyar")).bundle["device_index"] == 1
    assert saeproto.Device(hub.add_node("Kalibuntu")).bundle["device_index"] == 0


def test_enroll_records_the_device_under_its_derived_id(hub):
    """The device is recorded under the name its bundle was made for (what the post sends
    is for the log), and the answer tells the post its village's code and its name."""
    path = hub.add_node("Sumberanyar", name="Laptop Pos Sumberanyar")
    device = saeproto.Device(path, name="what the post calls itself")
    answer = device.enroll()
    assert answer.status == 200 and answer.type == ENROLL_RESPONSE, answer
    assert answer.message.node_id == saeproto.origin_id(device.public_key) == device.id
    assert answer.message.village == b"35.13.12.2018"
    assert answer.message.device_name == b"Laptop Pos Sumberanyar"
    assert answer.message.hub_clock > 0
    assert answer.headers["Cache-Control"] == "no-store"
    nodes = hub.nodes()
    assert [(n["id"], n["village"], n["village_name"], n["device_name"], n["state"],
             n["revoked"]) for n in nodes] == \
        [("%016x" % device.id, "35.13.12.2018", "Sumberanyar (Paiton)", "Laptop Pos Sumberanyar",
          "enrolled", False)]


def test_device_name_at_the_wire_limit_is_kept_whole(hub):
    """A request's device name may be SAE_WIRE_TEXT_BYTES (1 KiB) long; for a token made
    before bundles named their device, the hub keeps every byte of it (it used to keep the
    first 127, silently). One byte more is refused."""
    name = ("Laptop " + "Posko Sumberanyar ü " * 60)[:1023]
    name = name.encode()[:1022].decode("utf-8", "ignore")
    name += "x" * (1024 - len(name.encode()))
    assert len(name.encode()) == 1024
    device = saeproto.Device(hub.add_node("Sumberanyar"), name=name)
    hub.write_db("UPDATE enroll_token SET device_name = NULL")
    answer = device.enroll()
    assert answer.status == 200 and answer.type == ENROLL_RESPONSE, answer
    assert [n["device_name"] for n in hub.nodes()] == [name]
    assert hub.query("SELECT device_name FROM node") == [(name,)]
    over = saeproto.Device(hub.add_node("Sumberanyar"), name=name + "x")
    before = hub.snapshot()
    answer = over.enroll()
    assert answer.status == 400, answer
    assert hub.snapshot() == before


def test_village_comes_from_the_bundle_not_from_the_request(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    request = device.enroll_request()
    request.village = b"35.13.14.2016"
    answer = device.send(saeproto.ENROLL_REQUEST, request)
    assert answer.status == 200, answer
    assert answer.message.village == b"35.13.12.2018"
    assert hub.query("SELECT village FROM node") == [("35.13.12.2018",)]


def test_replayed_enroll_of_the_same_device_succeeds_again(hub):
    """A post whose answer was lost sends the same envelope again: the same answer, and
    still one device. (PROTOCOL.md section 11 says an enrollment replay "meets a used token
    (409)"; the hub, per enroll.h, answers the same key again; see the report.)"""
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    body = device.seal(saeproto.ENROLL_REQUEST, device.enroll_request())
    first = device.answer(device.post("/v1/enroll", body))
    before = hub.snapshot(("node", "enroll_token", "change", "refusal"))
    again = device.answer(device.post("/v1/enroll", body))
    assert first.status == again.status == 200, (first, again)
    assert again.message.node_id == first.message.node_id == device.id
    assert again.message.village == first.message.village
    after = hub.snapshot(("node", "enroll_token", "change", "refusal"))
    assert after["node"][0] == 1
    assert after["enroll_token"] == before["enroll_token"]


def test_reused_token_is_refused_and_changes_nothing(hub):
    path = hub.add_node("Sumberanyar")
    first = saeproto.Device(path, name="Laptop 1")
    assert first.enroll().status == 200
    second = saeproto.Device(path, name="Laptop 2")
    before = hub.snapshot()
    answer = second.enroll()
    assert answer.status == 409, answer
    # The envelope opened (its key is in its header): the refusal is sealed to it.
    assert answer.type == ERROR_STATUS and answer.code == STATUS["TOKEN_REUSED"], answer
    assert hub.snapshot() == before
    assert [n["id"] for n in hub.nodes()] == ["%016x" % first.id]


def test_expired_token_is_refused_and_changes_nothing(hub):
    path = hub.add_node("Kalibuntu", days=1)
    device = saeproto.Device(path)
    # A test cannot wait a day: the token is made to expire by moving its expiry into the
    # past in hub.db, with the daemon running (it reads the token per request).
    hub.write_db("UPDATE enroll_token SET expires_ms = ? WHERE village = ? AND used_ms = 0",
                 (saeproto.wall_ms() - 1000, "35.13.14.2016"))
    before = hub.snapshot()
    answer = device.enroll()
    assert answer.status == 409, answer
    assert answer.type == ERROR_STATUS and answer.code == STATUS["TOKEN_EXPIRED"], answer
    assert hub.snapshot() == before
    assert hub.nodes() == []


def test_unknown_token_is_refused_as_expired(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    before = hub.snapshot()
    answer = device.enroll(token="not-a-token-the-hub-made")
    assert answer.status == 409 and answer.code == STATUS["TOKEN_EXPIRED"], answer
    assert hub.snapshot() == before


def test_enroll_key_must_match_the_header(hub):
    """The message's public_key differs from the header's: refused, nothing recorded."""
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    other = saeproto.Device(hub.add_node("Sumberanyar"))
    before = hub.snapshot()
    answer = device.send(saeproto.ENROLL_REQUEST,
                         device.enroll_request(public_key=other.public_key))
    assert answer.status == 400, answer
    assert answer.type == ERROR_STATUS and answer.code == STATUS["DECODE_FAILED"], answer
    assert hub.snapshot() == before


def test_enroll_header_key_must_give_the_sender_id(hub):
    """The header's key does not derive to the header's sender id: authentication fails
    (401), whatever the token."""
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    other = saeproto.Device(hub.add_node("Sumberanyar"))
    head = saeproto.header(saeproto.ENROLL_REQUEST, other.id, device.public_key)
    before = hub.snapshot()
    body = device.seal(saeproto.ENROLL_REQUEST, device.enroll_request(), head=head)
    answer = device.answer(device.post("/v1/enroll", body))
    assert answer.status == 401, answer
    assert answer.text is not None
    assert hub.snapshot() == before


def test_revoked_key_stays_revoked_even_with_a_new_bundle(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    assert device.enroll().status == 200
    hub.revoke(device.id)
    # The same key comes back with a fresh, valid token.
    fresh = saeproto.Device(hub.add_node("Sumberanyar"), key=device.key)
    answer = fresh.enroll()
    assert answer.status == 403, answer
    assert answer.code == STATUS["REVOKED"], answer
    assert hub.nodes()[0]["revoked"] is True
    assert fresh.push(fresh.write(saeproto.new_report_id(), "case",
                                  {"status": "new"})).status == 403
    # The fresh token was not spent on the refused request.
    assert hub.query("SELECT count(*) FROM enroll_token WHERE used_ms = 0") == [(1,)]


def test_enrolled_key_with_a_fresh_bundle_gets_its_enrollment_back(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    first = device.enroll()
    assert first.status == 200
    again = saeproto.Device(hub.add_node("Sumberanyar"), key=device.key).enroll()
    assert again.status == 200, again
    assert again.message.node_id == first.message.node_id
    assert len(hub.nodes()) == 1


def test_log_reveals_no_token_and_no_report_contents(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    assert device.enroll().status == 200
    secret = "Siti Rahasia Korban"
    case = saeproto.new_report_id()
    answer = device.push(device.write(case, "case", {"status": "new", "victim_name": secret,
                                                     "narrative": "Kronologi rahasia"}))
    assert answer.status == 200, answer
    stranger = saeproto.Device(hub.add_node("Sumberanyar"))
    assert stranger.push(stranger.write(case, "case", {"victim_name": secret})).status == 401
    # A request's log line is written after its answer: read the log once the daemon ended.
    assert hub.stop() == 0
    log = hub.log_text()
    assert b"POST /v1/push 200" in log and b"POST /v1/push 401" in log
    for needle in (device.token, stranger.token, secret, "Kronologi rahasia",
                   device.bundle["hub_public_key"]):
        assert needle.encode() not in log, needle


def test_malformed_enroll_requests_leave_the_token_usable(hub):
    """Section 4 rules of EnrollRequest: each breach is a 400 that records nothing and does
    not spend the token; the correct request then enrolls."""
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    bad = []
    for name, change in [("empty device name", {"device_name": b""}),
                         ("control character", {"device_name": b"Laptop\x07"}),
                         ("device name over 1024 bytes", {"device_name": b"x" * 1025}),
                         ("token over 1024 bytes", {"token": b"t" * 1025}),
                         ("31-byte key", {"public_key": device.public_key[:31]}),
                         ("a newer schema version", {"schema_version":
                                                     saeproto.SCHEMA_VERSION + 1})]:
        request = device.enroll_request()
        for field, value in change.items():
            setattr(request, field, value)
        bad.append((name, request))
    before = hub.snapshot()
    failures = []
    for name, request in bad:
        answer = device.send(saeproto.ENROLL_REQUEST, request)
        if answer.status != 400 or answer.type != ERROR_STATUS:
            failures.append((name, answer))
    assert failures == []
    assert hub.snapshot() == before
    assert device.enroll().status == 200


def test_enrolled_key_with_another_villages_token_is_refused_and_the_token_kept(hub):
    """A key enrolled for one village that presents a token made for another village is
    refused (409 WRONG_VILLAGE): a device never moves between villages. The token is not
    spent, so the device it was made for still enrolls with it, in its village."""
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    assert device.enroll().status == 200
    other_bundle = hub.add_node("Kalibuntu")
    wrong = saeproto.Device(other_bundle, key=device.key)
    before = hub.snapshot()
    answer = wrong.enroll()
    assert answer.status == 409, answer
    assert answer.type == ERROR_STATUS and answer.code == STATUS["WRONG_VILLAGE"], answer
    assert b"Sumberanyar" in answer.message.message, answer
    assert hub.snapshot() == before
    genuine = saeproto.Device(other_bundle, name="Laptop Kalibuntu")
    answer = genuine.enroll()
    assert answer.status == 200 and answer.message.village == b"35.13.14.2016", answer
    assert sorted((n["id"], n["village"]) for n in hub.nodes()) == sorted(
        [("%016x" % device.id, "35.13.12.2018"), ("%016x" % genuine.id, "35.13.14.2016")])


def test_cancelled_bundle_is_refused_and_changes_nothing(hub):
    """`sae-hub nodes cancel BUNDLE` (the id nodes list shows): the bundle's token is refused
    from then on, as an expired one, and nodes list shows the bundle cancelled."""
    path = hub.add_node("Kalibuntu", name="Laptop Pos Kalibuntu")
    device = saeproto.Device(path)
    pending = [b for b in hub.devices_and_bundles() if b["state"] == "pending"]
    assert [(b["bundle"], b["name"], b["village"], b["village_name"]) for b in pending] == \
        [(device.bundle["bundle"], "Laptop Pos Kalibuntu", "35.13.14.2016",
          "Kalibuntu (Kraksaan)")]
    assert pending[0]["expires"] == device.bundle["expires"]
    out = hub.ok("nodes", "cancel", device.bundle["bundle"]).stdout.decode()
    assert "cancelled bundle %s" % device.bundle["bundle"] in out
    before = hub.snapshot()
    answer = device.enroll()
    assert answer.status == 409, answer
    assert answer.type == ERROR_STATUS and answer.code == STATUS["TOKEN_EXPIRED"], answer
    assert b"cancelled" in answer.message.message
    assert hub.snapshot() == before
    assert [b["state"] for b in hub.devices_and_bundles()] == ["cancelled"]


def test_schema_1_post_is_told_to_update_before_it_enrolls(hub):
    """PROTOCOL.md section 7: a post on schema 1 cannot enroll; the refusal is sealed in
    schema 1 (which it reads), says to update sae-node, and leaves the token unspent."""
    path = hub.add_node("Sumberanyar")
    old = saeproto.Device(path, schema=1)
    before = hub.snapshot()
    answer = old.enroll()
    assert answer.status == 400 and answer.type == ERROR_STATUS, answer
    assert answer.code == STATUS["UNSUPPORTED_SCHEMA"] and answer.message.schema_version == 1
    assert b"update sae-node" in answer.message.message
    assert hub.snapshot() == before
    updated = saeproto.Device(path, key=old.key)
    answer = updated.enroll()
    assert answer.status == 200 and answer.message.schema_version == saeproto.SCHEMA_VERSION, answer
