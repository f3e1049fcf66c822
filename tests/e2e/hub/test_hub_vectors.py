"""saeproto against the committed test vectors (tests/vectors): the Python implementation,
written from PROTOCOL.md, and the C one must agree byte for byte before the end-to-end
tests mean anything. No hub runs here."""
import re

import nacl.public
import pytest

import hubproc
import saeproto

VECTORS = hubproc.REPO / "tests" / "vectors"
# The seven messages in nonce order (README.md of tests/vectors).
MESSAGES = [("push_batch", 1, "post", "hub"), ("push_ack", 2, "hub", "post"),
            ("pull_request", 3, "post", "hub"), ("pull_response", 4, "hub", "post"),
            ("enroll_request", 5, "post", "hub"), ("enroll_response", 6, "hub", "post"),
            ("error_status", 7, "hub", "post")]


def read_hex(name):
    return bytes.fromhex("".join((VECTORS / name).read_text().split()))


@pytest.fixture(scope="module")
def keys():
    out = {}
    for line in (VECTORS / "keys.txt").read_text().splitlines():
        m = re.match(r"(\w+)\.(secret_key|public_key|id) (\S+)", line)
        if m:
            value = int(m.group(3)) if m.group(2) == "id" else bytes.fromhex(m.group(3))
            out.setdefault(m.group(1), {})[m.group(2)] = value
    return out


def test_origin_ids_are_derived_as_the_spec_says(keys):
    for party in ("post", "hub", "stranger"):
        assert saeproto.origin_id(keys[party]["public_key"]) == keys[party]["id"], party
        sk = nacl.public.PrivateKey(keys[party]["secret_key"])
        assert bytes(sk.public_key) == keys[party]["public_key"]


@pytest.mark.parametrize("name,n,sender,recipient", MESSAGES)
def test_vector_opens_decodes_and_reseals_identically(keys, name, n, sender, recipient):
    envelope = read_hex(name + ".envelope.hex")
    message = read_hex(name + ".message.hex")
    sk = nacl.public.PrivateKey(keys[recipient]["secret_key"])
    by_id = {keys[p]["id"]: keys[p]["public_key"] for p in keys}
    msg_type, sender_id, plain = saeproto.open_envelope(envelope, sk, by_id.get)
    assert (msg_type, sender_id, plain) == (n, keys[sender]["id"], message)
    decoded = saeproto.decode(msg_type, plain)
    assert decoded.schema_version == saeproto.SCHEMA_VERSION == 6
    # Re-encoding the decoded message gives the C encoder's bytes (fields in number order,
    # zero numbers omitted), and sealing them at zlib level 9 with the vector's nonce gives
    # the committed envelope.
    assert decoded.SerializeToString() == message
    nonce = bytes((16 * n + i) & 0xff for i in range(24))
    resealed = saeproto.seal(n, message, nacl.public.PrivateKey(keys[sender]["secret_key"]),
                             keys[recipient]["public_key"], nonce=nonce, level=9)
    assert resealed == envelope


def test_push_batch_vector_groups_like_the_spec(keys):
    batch = saeproto.decode(1, read_hex("push_batch.message.hex"))
    changes = saeproto.expand_groups(batch.groups)
    # Changes 41..48 with seq 45 skipped (tests/vectors/README.md).
    assert [c.seq for c in changes] == [41, 42, 43, 44, 46, 47, 48]
    assert all(c.origin == batch.origin == keys["post"]["id"] for c in changes)
    regrouped = saeproto.group_changes(changes)
    assert [g.SerializeToString() for g in regrouped] == \
        [g.SerializeToString() for g in batch.groups]


def manifest():
    rows = []
    for line in (VECTORS / "MANIFEST").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            parts = line.split()
            rows.append((parts[0], parts[2], parts[3], parts[4:]))
    return rows


OPEN_ERRORS = {"SAE_WIRE_EFORMAT": "bad_envelope", "SAE_WIRE_EAUTH": "auth_failed",
               "SAE_WIRE_EUNKNOWN_SENDER": "unknown_sender", "SAE_WIRE_ETOOLARGE": "too_large",
               "SAE_WIRE_EINFLATE": "inflate_failed"}


@pytest.mark.parametrize("name,stage,error,extra", manifest())
def test_malformed_vector_is_refused(keys, name, stage, error, extra):
    envelope = read_hex(name + ".hex")
    hub_sk = nacl.public.PrivateKey(keys["hub"]["secret_key"])
    # The hub of the vectors knows the post only.
    lookup = {keys["post"]["id"]: keys["post"]["public_key"]}.get
    limits = {}
    for item in extra:
        key, value = item.split("=")
        limits[key] = int(value)
    if stage == "open":
        with pytest.raises(saeproto.EnvelopeError) as e:
            saeproto.open_envelope(envelope, hub_sk, lookup, limits)
        assert e.value.kind == OPEN_ERRORS[error]
        return
    msg_type, _, plain = saeproto.open_envelope(envelope, hub_sk, lookup, limits)
    decoded = saeproto.decode(msg_type, plain)
    if error == "SAE_WIRE_ESCHEMA":
        assert decoded.schema_version > saeproto.SCHEMA_VERSION
    elif name.endswith("short_report_id"):
        assert any(len(g.report_id) != 16 for g in decoded.groups)
    elif name.endswith("foreign_origin"):
        assert any(g.origin != decoded.origin for g in decoded.groups)
    else:
        pytest.fail("no check for %s" % name)
