"""Value boxes (issue 14, bytes on the wire; PROTOCOL.md section 3, "Value boxes";
STORAGE_KEYS.md section 3a): once its hub has answered in schema 6, a real sae-node seals the
sensitive values one command writes for one report together, deflated, in one box to the
hub's key (node.db hub_box and hub_box_slot), pushes it once in the ChangeGroup
(sealed_values) with each change naming its slot (box_slot), and drops it once the hub
acknowledges the changes; the real sae-hub opens the box once at ingest. Copies made before
the hub declared schema 6 still travel one by one. The hub's side is also spoken by the
independent Python client: a box that does not open, inflates past its limit, is no zlib
stream, names a slot it lacks, or comes in a batch of schema 5, refuses the batch whole."""
import os
import sqlite3
import zlib

import nacl.public

import saenode
import test_post_erasure
import saeproto
from saeproto import ERROR_STATUS, STATUS

VILLAGE = "Sumberanyar"
SENSITIVE = {"victim_name", "victim_contact", "narrative"}
MARKER = "Penanda Kotak 5b2d"
NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}


def hub_secret(hub):
    with open(os.path.join(hub.dir, "hub.key"), "rb") as f:
        return nacl.public.PrivateKey(f.read())


def boxes(post):
    return saenode.sql(post, "SELECT id, sealed FROM hub_box ORDER BY id")


def slots(post):
    return saenode.sql(post, "SELECT j.field, j.value, s.box, s.slot FROM hub_box_slot s"
                             " JOIN journal j ON j.seq = s.seq ORDER BY s.seq")


def per_value_copies(post):
    return saenode.sql(post, "SELECT field FROM journal WHERE hub_sealed IS NOT NULL")


def add_marked_case(post, tag):
    return saenode.add_case(post, victim_name="%s nama %s" % (MARKER, tag),
                            victim_contact="%s kontak %s" % (MARKER, tag),
                            narrative="%s kisah %s" % (MARKER, tag))


def enrolled_post(hub, tmp_path, name="a"):
    post = saenode.init(str(tmp_path / name), VILLAGE, author="Staf " + name)
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop " + name)], dir=post)
    return post


def test_a_command_seals_its_values_in_one_box_once_the_hub_reads_schema_6(hub, tmp_path):
    post = enrolled_post(hub, tmp_path)
    # Before any answer the post does not know the hub reads boxes: one copy per value.
    first = add_marked_case(post, "satu")
    assert sorted(f for (f,) in per_value_copies(post)) == sorted(SENSITIVE)
    assert boxes(post) == []
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    assert saenode.sql(post, "SELECT value FROM meta WHERE key = 'hub_schema'") == [(6,)]
    # Now one box for the command's three values, and no copy of its own for any.
    second = add_marked_case(post, "dua")
    assert per_value_copies(post) == []
    [(box_id, sealed)] = boxes(post)
    rows = slots(post)
    assert sorted(r[0] for r in rows) == sorted(SENSITIVE)
    assert [r[2:] for r in rows] == [(box_id, i) for i in range(1, 4)]
    opened = saeproto.open_value_box(hub_secret(hub), bytes(sealed))
    assert opened == [saenode.open_stored(post, r[1]) for r in rows]
    assert MARKER.encode() not in bytes(sealed)
    # One seal's overhead for the three, where per-value copies cost 77 bytes each.
    assert len(sealed) < sum(len(v.encode()) for v in opened) + 77
    result = saenode.run(["sync", "--json"], dir=post)
    assert result.rc == 0, result
    assert boxes(post) == [] and slots(post) == []
    for case, tag in ((first, "satu"), (second, "dua")):
        fields = hub.admin_json("reports", "show", case)["fields"]
        assert fields["victim_name"] == "%s nama %s" % (MARKER, tag)
        assert fields["narrative"] == "%s kisah %s" % (MARKER, tag)


def count_hub_schema_writes(post):
    """Triggers of this test's own in the post's journal: every write of the row hub_schema
    (INSERT OR REPLACE is an insert, an upsert an update) counts one in hub_schema_writes."""
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        db.executescript(
            "CREATE TABLE hub_schema_writes(n INTEGER);"
            "CREATE TRIGGER hub_schema_inserted AFTER INSERT ON meta"
            " WHEN new.key = 'hub_schema' BEGIN INSERT INTO hub_schema_writes VALUES (1); END;"
            "CREATE TRIGGER hub_schema_updated AFTER UPDATE ON meta"
            " WHEN new.key = 'hub_schema' BEGIN INSERT INTO hub_schema_writes VALUES (1); END;")


def hub_schema_writes(post):
    [(n,)] = saenode.sql(post, "SELECT count(*) FROM hub_schema_writes")
    return n


def test_a_round_records_the_hubs_schema_once_for_all_its_answers(hub, tmp_path):
    """Every answer of a round is in the schema of its requests (PROTOCOL.md section 7, rule
    4): a round of several answers (a pull, the push's acknowledgements, the pull after it)
    writes the post's hub_schema once, and a round of one answer once."""
    post = enrolled_post(hub, tmp_path)
    count_hub_schema_writes(post)
    for tag in ("satu", "dua"):
        add_marked_case(post, tag)
    result = saenode.run(["sync", "--json"], dir=post)
    assert result.rc == 0 and result.json()["pushed"] > 0, result
    assert hub_schema_writes(post) == 1
    assert saenode.sql(post, "SELECT value FROM meta WHERE key = 'hub_schema'") == [(6,)]
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    assert hub_schema_writes(post) == 2


def test_per_value_copies_from_before_and_boxes_travel_in_one_push(hub, tmp_path):
    post = enrolled_post(hub, tmp_path)
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    # Offline: a value written when the hub had not yet declared schema 6 (as a journal
    # from before this version holds), then edits boxed.
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        db.execute("UPDATE meta SET value = 5 WHERE key = 'hub_schema'")
    old = add_marked_case(post, "lama")
    assert len(per_value_copies(post)) == 3 and boxes(post) == []
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        db.execute("UPDATE meta SET value = 6 WHERE key = 'hub_schema'")
    new = add_marked_case(post, "baru")
    saenode.ok(["edit", new, "--set", "status=active"], dir=post)  # nothing sensitive: no box
    assert len(boxes(post)) == 1
    result = saenode.run(["sync", "--json"], dir=post)
    assert result.rc == 0, result
    assert per_value_copies(post) == [] and boxes(post) == []
    assert hub.admin_json("reports", "show", old)["fields"]["victim_contact"] == \
        "%s kontak lama" % MARKER
    shown = hub.admin_json("reports", "show", new)["fields"]
    assert shown["victim_contact"] == "%s kontak baru" % MARKER
    assert shown["status"] == "active"


def test_an_erasure_drops_the_boxes_of_the_report(hub, tmp_path):
    post = enrolled_post(hub, tmp_path)
    case = add_marked_case(post, "hapus")
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    saenode.ok(["edit", case, "--set-file", "victim_name=-"], dir=post,
               input=("%s nama baru" % MARKER).encode())
    assert len(boxes(post)) == 1
    test_post_erasure.erase(hub, case, test_post_erasure.coordinator(hub))
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    assert boxes(post) == [] and slots(post) == []


def push_boxed(device, key=None, packed=None, slots_of=None, schema=None):
    """A new case with its name and narrative in one box, as a post of schema 6 sends it;
    key: seal the box to this key instead of the hub's; packed: seal these bytes as the
    box's plaintext; slots_of: field -> slot, overriding the slots."""
    changes = saeproto.box_group(
        device.write(saeproto.new_report_id(), "case",
                     dict(NEW_CASE, victim_name="Siti Berkotak", narrative="Kisah berkotak")),
        device.hub_public_key, SENSITIVE)
    if key is not None or packed is not None:
        changes[0] = saeproto.replace(changes[0], group_box=saeproto.seal_value_box(
            key or device.hub_public_key, ["Siti Berkotak", "Kisah berkotak"], packed=packed))
    changes = [saeproto.replace(c, box_slot=slots_of[c.field])
               if slots_of and c.field in slots_of else c for c in changes]
    return device.push(changes, **({"schema_version": schema} if schema else {}))


def test_the_hub_opens_a_box_once_and_refuses_a_bad_one_whole(hub, enroll):
    device = enroll(hub, VILLAGE)
    answer = push_boxed(device)
    assert answer.status == 200 and not answer.message.refusals, answer
    [(name,)] = hub.query("SELECT value FROM change WHERE field = 'victim_name'")
    assert name.startswith("keyed:")
    before = hub.snapshot(("change", "refusal"))
    other = bytes(nacl.public.PrivateKey.generate().public_key)
    # One value of 256 KiB - 2 bytes plus its 3-byte length: one byte past the limit.
    over = zlib.compress(b"\xfe\xff\x0f" + b"a" * (saeproto.VALUE_BOX_PLAIN_MAX - 2), 9)
    bad = [
        ("sealed to another key", dict(key=other)),
        ("not a zlib stream", dict(packed=b"\x05Siti")),
        ("bytes after the zlib stream", dict(packed=saeproto.pack_values(["Siti"]) + b"\0")),
        ("inflates past 256 KiB", dict(packed=over)),
        ("an empty value", dict(packed=zlib.compress(b"\x00", 9))),
        ("a length past the end", dict(packed=zlib.compress(b"\x09Siti", 9))),
        ("a slot the box lacks", dict(slots_of={"narrative": 3})),
        ("a box in a batch of schema 5", dict(schema=5)),
    ]
    for what, options in bad:
        answer = push_boxed(device, **options)
        assert answer.status == 400 and answer.type == ERROR_STATUS, (what, answer)
        assert answer.code == STATUS["DECODE_FAILED"], (what, answer)
    assert hub.snapshot(("change", "refusal")) == before
