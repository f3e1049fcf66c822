"""Schema 2 to 5 and the posts still on schema 1 (PROTOCOL.md section 7), spoken by the Python
client of the protocol: a schema-1 post's push is taken (its changes name nobody: shown by
its device) and answered in schema 1, so nothing it wrote is lost; its pull is refused with
UNSUPPORTED_SCHEMA, sealed in schema 1, telling it to update sae-node. Schema 2 carries each
change's author, a coordinator's note and the writing device's name to the other posts."""
import json

import pytest

import saeproto
from saeproto import ERROR_STATUS, PULL_RESPONSE, PUSH_ACK, STATUS

NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}


def enrolled_pair(hub, name):
    """The same post's key twice: as it speaks schema 2 (to enroll) and as an older sae-node
    still on schema 1 would."""
    path = hub.add_node("Sumberanyar", name=name)
    new = saeproto.Device(path, name=name)
    assert new.enroll().status == 200
    return new, saeproto.Device(path, name=name, key=new.key, schema=1)


def test_schema_1_push_is_taken_and_answered_in_schema_1(hub):
    _, old = enrolled_pair(hub, "Laptop Lama")
    case = saeproto.new_report_id()
    changes = old.write(case, "case", NEW_CASE)
    assert all(c.author is None for c in changes)
    answer = old.push(changes)
    assert answer.status == 200 and answer.type == PUSH_ACK, answer
    assert answer.message.schema_version == 1
    assert answer.message.acked_seq == changes[-1].seq and not answer.message.refusals
    # The same batch again: the stored answer, still in the version of the request.
    again = old.push(changes)
    assert again.status == 200 and again.message.schema_version == 1, again
    shown = hub.admin_json("reports", "show", saeproto.report_uuid(case))
    status = shown["versions"]["status"][0]
    assert (status["value"], status["author"], status["device"]) == ("new", None, "Laptop Lama")
    assert status["by"].startswith("Laptop Lama, ")
    # A schema-1 request's clock is no wall clock: the offset stays unknown.
    assert [n["clock_offset_ms"] for n in hub.nodes()] == [None]


def test_schema_1_pull_is_told_to_update_sae_node(hub):
    new, old = enrolled_pair(hub, "Laptop Lama")
    before = hub.snapshot(("change", "enroll_token", "refusal"))
    answer = old.pull()
    assert answer.status == 400 and answer.type == ERROR_STATUS, answer
    assert answer.code == STATUS["UNSUPPORTED_SCHEMA"] and answer.message.schema_version == 1
    assert b"update sae-node" in answer.message.message
    assert hub.snapshot(("change", "enroll_token", "refusal")) == before
    # Updated, the same post pulls.
    assert new.pull().status == 200


@pytest.mark.parametrize("old_schema", [3, 4])
def test_schema_3_and_4_pull_and_enrollment_are_refused_and_their_push_taken(hub, old_schema):
    """Schema 4 (section 7): a post on schema 3 would read a sealed or withheld value as
    unset; schema 5: a post on schema 4 could not open a value sealed in version 2. So their
    pull and enrollment are refused with UNSUPPORTED_SCHEMA in their schema, telling them to
    update sae-node and leaving the token unspent; their push is still taken."""
    path = hub.add_node("Sumberanyar", name="Laptop Tiga")
    old = saeproto.Device(path, name="Laptop Tiga", schema=old_schema)
    answer = old.enroll()
    assert answer.status == 400 and answer.code == STATUS["UNSUPPORTED_SCHEMA"], answer
    assert answer.message.schema_version == old_schema
    assert answer.message.message.startswith(b"update sae-node: this hub enrolls only posts "
                                             b"on protocol schema 5 or later")
    new = saeproto.Device(path, name="Laptop Tiga", key=old.key)
    assert new.enroll().status == 200
    before = hub.snapshot(("change", "enroll_token", "refusal"))
    answer = old.pull()
    assert answer.status == 400 and answer.code == STATUS["UNSUPPORTED_SCHEMA"], answer
    assert answer.message.schema_version == old_schema
    assert b"update sae-node" in answer.message.message
    assert hub.snapshot(("change", "enroll_token", "refusal")) == before
    changes = old.write(saeproto.new_report_id(), "case", NEW_CASE)
    answer = old.push(changes)
    assert answer.status == 200 and answer.message.schema_version == old_schema, answer
    assert answer.message.acked_seq == changes[-1].seq
    assert new.pull().status == 200


def test_schema_2_pull_carries_authors_devices_and_a_coordinators_note(hub, enroll):
    siti = enroll(hub, "Sumberanyar", "Laptop Pos Sumberanyar", author="Siti")
    reader = enroll(hub, "Sumberanyar", "HP Bidan", author="Rahma")
    case = saeproto.new_report_id()
    assert siti.push(siti.write(case, "case", NEW_CASE)).status == 200
    got, _ = reader.pull_all()
    assert {(c.author, c.device, c.note) for c in got} == {("Siti", "Laptop Pos Sumberanyar",
                                                            None)}
    # Two posts apart: a conflict, which a coordinator settles with a note.
    version = got[0].hlc, got[0].origin
    assert siti.push(siti.write(case, "case", {"status": "active"},
                                bases={"status": version})).status == 200
    assert reader.push(reader.write(case, "case", {"status": "closed"},
                                    bases={"status": version})).status == 200
    conflict = hub.admin_json("conflicts", "list")[0]
    assert sorted(k["by"].split(", ")[0] for k in conflict["candidates"]) == ["Rahma", "Siti"]
    hub.ok("conflicts", "resolve", str(conflict["id"]), "--keep", "1", "--by", "Bu Ani",
           "--note", "ditelepon: kasus masih aktif")
    hub_name = hub.query("SELECT value FROM meta WHERE key = 'name'")[0][0]
    got, pages = reader.pull_all()
    assert pages[-1].type == PULL_RESPONSE
    assert pages[-1].message.schema_version == saeproto.SCHEMA_VERSION
    resolution = [c for c in got if c.origin == hub.hub_id]
    assert [(c.author, c.note, c.device) for c in resolution] == [
        ("Bu Ani", "ditelepon: kasus masih aktif", hub_name)]
    shown = json.loads(hub.ok("conflicts", "show", str(conflict["id"]), "--json").stdout)
    assert (shown["resolved_by"], shown["note"]) == ("Bu Ani", "ditelepon: kasus masih aktif")


def test_author_and_note_at_their_limits(hub, enroll):
    """ChangeGroup.author 1..100 bytes and note 1..1000 bytes of UTF-8 on one line (section
    5): at the limit the batch is taken and the text kept whole; one byte more, an empty
    one, or a line break, and the batch is refused whole."""
    device = enroll(hub, "Sumberanyar", author="é" * 50)
    case = saeproto.new_report_id()
    changes = device.write(case, "case", NEW_CASE)
    changes = [saeproto.replace(c, note="n" * 1000) for c in changes]
    answer = device.push(changes)
    assert answer.status == 200 and not answer.message.refusals, answer
    assert hub.query("SELECT DISTINCT author, length(note) FROM change") == [("é" * 50, 1000)]
    before = hub.snapshot(("change", "refusal"))
    for bad in ({"author": "é" * 50 + "x"}, {"note": "n" * 1001}, {"author": ""},
                {"author": "Siti\nAni"}, {"note": "satu\ndua"}):
        more = [saeproto.replace(c, **bad) for c in device.write(saeproto.new_report_id(),
                                                                  "case", NEW_CASE)]
        answer = device.push(more)
        assert answer.status == 400 and answer.type == ERROR_STATUS, (bad, answer)
        assert answer.code in (STATUS["DECODE_FAILED"], STATUS["LIMIT_EXCEEDED"]), answer
    assert hub.snapshot(("change", "refusal")) == before


def test_a_newer_post_is_answered_in_the_hubs_newest_version(hub, enroll):
    """Section 7, rule 5: a request of a version the hub does not read is refused in the
    nearest version it does (its newest for a newer post), naming what it speaks."""
    device = enroll(hub, "Sumberanyar")
    changes = device.write(saeproto.new_report_id(), "case", NEW_CASE)
    answer = device.push(changes, schema_version=saeproto.SCHEMA_VERSION + 1)
    assert answer.status == 400 and answer.type == ERROR_STATUS, answer
    assert answer.code == STATUS["UNSUPPORTED_SCHEMA"]
    assert answer.message.schema_version == saeproto.SCHEMA_VERSION
    assert b"this hub speaks protocol schema 1 to 6" in answer.message.message, answer
