"""Values still to be sent travel sealed to the hub (issue 13, step 1; PROTOCOL.md section 3,
"Sealed values"; docs/DESIGN.md "Data at rest"): a real sae-node writes each sensitive value
a second time, sealed to the hub's key from its bundle (journal.hub_sealed), pushes that
copy as FieldChange.sealed_value (schema 3), and drops it once the hub acknowledges the
change; the real sae-hub opens it with hub.key at ingest. Values written before the bundle
get their copies when it is saved; a journal from before migration 11 gets them when it
migrates. The hub's side is also spoken by the independent Python client: a value sealed to
another key, or a sealed value in a schema-2 batch, refuses the batch whole."""
import os
import random
import shutil
import sqlite3
import string
import uuid

import nacl.public
import pytest

import saenode
import saeproto
from saeproto import ERROR_STATUS, STATUS

VILLAGE = "Sumberanyar"
SENSITIVE = {"victim_name", "victim_contact", "narrative"}
MARKER = "Penanda Rahasia 7c1e"
NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}


def journal(post):
    with sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True) as db:
        return db.execute("SELECT seq, field, value, hub_sealed FROM journal"
                          " ORDER BY seq").fetchall()


def open_copy(hub_dir, sealed):
    """A hub copy opened as the hub does (STORAGE_KEYS.md section 3): version 2 as a post of
    schema 5 seals it (one ephemeral key per change set), or version 1 (older posts), the
    key's tag, then the box to hub.key's public half."""
    with open(os.path.join(hub_dir, "hub.key"), "rb") as f:
        secret = nacl.public.PrivateKey(f.read())
    assert sealed[0] in (1, 2)
    return saeproto.open_value(secret, bytes(sealed))


def add_marked_case(post):
    return saenode.add_case(post, victim_name=MARKER + " nama",
                            victim_contact=MARKER + " kontak", narrative=MARKER + " kisah")


def assert_copies_of_sensitive_values(hub, post):
    rows = journal(post)
    sensitive = [r for r in rows if r[1] in SENSITIVE]
    assert {r[1] for r in sensitive} == SENSITIVE, rows
    for _, field, value, sealed in rows:
        if field in SENSITIVE:
            assert value.startswith("sealed:"), field  # kept sealed to the storage key
            assert sealed is not None and open_copy(hub.dir, sealed) == \
                saenode.open_stored(post, value), field
            assert MARKER.encode() not in sealed
        else:
            assert sealed is None, field


def hub_values(hub, case):
    """The case's values as the hub shows them (its district key, unclaimed in a hub without
    coordinators, opens the sealed ones); each sensitive one is stored as its keyed token."""
    for field, value in hub.query("SELECT field, value FROM change WHERE report_id = ?",
                                  (case,)):
        assert value.startswith("keyed:") == (field in SENSITIVE), (field, value)
    return hub.admin_json("reports", "show", case)["fields"]


def test_sensitive_values_travel_sealed_and_copies_go_once_acknowledged(hub, tmp_path):
    post = saenode.init(str(tmp_path / "a"), VILLAGE, author="Staf a")
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop a")], dir=post)
    case = add_marked_case(post)
    assert_copies_of_sensitive_values(hub, post)
    result = saenode.run(["sync", "--json"], dir=post)
    assert result.rc == 0, result
    assert all(r[3] is None for r in journal(post))
    # The hub opened them at ingest and keeps them sealed again (to the district key and the
    # village's other devices; what a second post pulls is the pull's: test_hub_pull).
    values = hub_values(hub, case)
    assert values["victim_name"] == MARKER + " nama"
    assert values["narrative"] == MARKER + " kisah"
    # An edit after the sync makes a copy of the new value only.
    saenode.ok(["edit", case, "--set", "status=active"], dir=post)
    assert journal(post)[-1][1:] == ("status", "active", None)


def test_values_written_before_the_bundle_get_copies_when_it_is_saved(hub, tmp_path):
    post = saenode.init(str(tmp_path / "a"), VILLAGE, author="Staf a")
    case = add_marked_case(post)
    assert all(r[3] is None for r in journal(post))  # no hub key yet
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop a")], dir=post)
    assert_copies_of_sensitive_values(hub, post)
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    assert all(r[3] is None for r in journal(post))
    assert hub_values(hub, case)["victim_name"] == MARKER + " nama"


SCHEMA_8 = os.path.join(os.path.dirname(__file__), "..", "fixtures", "node-schema-8")


def test_a_journal_from_before_migration_11_gets_copies_of_its_unsent_values(tmp_path):
    """The schema-8 fixture (unsent changes, sensitive values among them), given a bundle's
    hub row as `enroll` writes it, migrates: every unsent sensitive value gets its copy."""
    post = str(tmp_path / "post")
    os.makedirs(post, mode=0o700)
    for name in ("node.db", "node.key"):
        shutil.copy(os.path.join(SCHEMA_8, name), os.path.join(post, name))
        os.chmod(os.path.join(post, name), 0o600)
    hub_key = nacl.public.PrivateKey.generate()
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8
        db.execute("INSERT INTO hub(id, url, public_key, hub_id, certificate, pin)"
                   " VALUES (1, 'https://127.0.0.1:1', ?, ?, '', '')",
                   (bytes(hub_key.public_key), saeproto.origin_id(bytes(hub_key.public_key))))
    case_id = open(os.path.join(SCHEMA_8, "case-id.txt")).read().strip()
    assert saenode.show_json(post, case_id)["fields"]["victim_name"] == "Siti Rahma Contoh"
    rows = journal(post)
    box = nacl.public.SealedBox(hub_key)
    sensitive = [r for r in rows if r[1] in SENSITIVE]
    # Migration 11 made the copies from the plaintext; migration 12 then sealed the values.
    assert sensitive and all(box.decrypt(bytes(r[3][5:])).decode() ==
                             saenode.open_stored(post, r[2]) for r in sensitive)
    assert all(r[2].startswith("sealed:") for r in sensitive)
    assert all(r[3] is None for r in rows if r[1] not in SENSITIVE)
    # The journal stays append-only in all it records: only the copy may change in place.
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        for column in ("value", "field", "author"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute("UPDATE journal_entry SET %s = 'x' WHERE seq = 1" % column)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM journal_entry WHERE seq = 1")


def test_the_hub_opens_sealed_values_and_refuses_what_does_not_open(hub, enroll):
    device = enroll(hub, VILLAGE)
    case = saeproto.new_report_id()

    def sealed(changes, key):
        return [saeproto.replace(c, value=None, sealed_value=saeproto.seal_value(key, c.value))
                if c.field == "victim_name" else c for c in changes]
    values = dict(NEW_CASE, victim_name="Siti Tersegel")
    answer = device.push(sealed(device.write(case, "case", values), device.hub_public_key))
    assert answer.status == 200 and not answer.message.refusals, answer
    [(stored,)] = hub.query("SELECT value FROM change WHERE field = 'victim_name'")
    assert stored.startswith("keyed:")
    shown = hub.admin_json("reports", "show", str(uuid.UUID(bytes=case)))
    assert shown["fields"]["victim_name"] == "Siti Tersegel"
    before = hub.snapshot(("change", "refusal"))
    other = bytes(nacl.public.PrivateKey.generate().public_key)
    for changes, schema in ((sealed(device.write(saeproto.new_report_id(), "case", values),
                                    other), 3),
                            (sealed(device.write(saeproto.new_report_id(), "case", values),
                                    device.hub_public_key), 2)):
        answer = device.push(changes, schema_version=schema)
        assert answer.status == 400 and answer.type == ERROR_STATUS, answer
        assert answer.code == STATUS["DECODE_FAILED"], answer
    assert hub.snapshot(("change", "refusal")) == before


def test_a_backlog_of_long_sealed_narratives_fits_the_envelope(hub, tmp_path):
    """Sealed values do not compress: a post holding 70 narratives of 30,000 bytes (2.1 MB
    sealed, over the 2 MiB envelope) sends them in batches that each fit (a batch counts a
    sealed value at 4 times its bytes), and the hub takes every one."""
    post = saenode.init(str(tmp_path / "a"), VILLAGE, author="Staf a")
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop a")], dir=post)
    rng = random.Random(13)
    written = 0
    for _ in range(70):
        words = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(7))
                         for _ in range(3750))
        narrative = words[:29999].strip() + "z"
        written += len(narrative)
        saenode.add_case(post, narrative=narrative)
    result = saenode.run(["sync", "--json"], dir=post)
    assert result.rc == 0, result
    assert result.json()["pushed"] == len(journal(post))
    assert all(r[3] is None for r in journal(post))
    # Each kept sealed to the district key in version 2: version, key tag, ephemeral key,
    # nonce, crypto_box (77 bytes more).
    assert hub.query("SELECT count(*), sum(length(s.sealed)) FROM change c JOIN sealed_value s"
                     " ON s.change = c.seq AND s.holder = 0 WHERE c.field = 'narrative'") == \
        [(70, written + 70 * 77)]
    assert written > 70 * 29990
