"""A client of the Rumah SAE Sync wire protocol, written from proto/PROTOCOL.md alone.

It shares no code with the C implementation: PyNaCl does the X25519 box, hashlib the BLAKE2b
origin ids, zlib the compression, protobuf messages are generated from proto/sae.proto at
test time (load_schema), requests speaks HTTPS, and the hub is trusted by its key pins alone
(section 8), checked with python3-cryptography. The end-to-end tests drive sae-hub with
it, so a disagreement between the spec and the hub shows up as a failing test, not as two
copies of one mistake.

Section numbers in comments are those of PROTOCOL.md.
"""
import base64
import hashlib
import importlib.util
import json
import os
import struct
import subprocess
import time
import zlib
from dataclasses import dataclass, replace

import nacl.public
import nacl.utils
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool


# Section 2: envelope layout.
MAGIC = b"SAE1"
FORMAT_VERSION = 1
HEADER_BYTES = 14
ENROLL_HEADER_BYTES = 46
NONCE_BYTES = 24
MAC_BYTES = 16
MIN_ENVELOPE_BYTES = HEADER_BYTES + NONCE_BYTES + MAC_BYTES        # 54
MIN_ENROLL_ENVELOPE_BYTES = ENROLL_HEADER_BYTES + NONCE_BYTES + MAC_BYTES  # 86

PUSH_BATCH, PUSH_ACK, PULL_REQUEST, PULL_RESPONSE = 1, 2, 3, 4
ENROLL_REQUEST, ENROLL_RESPONSE, ERROR_STATUS = 5, 6, 7
MESSAGE_NAMES = {PUSH_BATCH: "PushBatch", PUSH_ACK: "PushAck", PULL_REQUEST: "PullRequest",
                 PULL_RESPONSE: "PullResponse", ENROLL_REQUEST: "EnrollRequest",
                 ENROLL_RESPONSE: "EnrollResponse", ERROR_STATUS: "ErrorStatus"}
ENDPOINTS = {PUSH_BATCH: "/v1/push", PULL_REQUEST: "/v1/pull", ENROLL_REQUEST: "/v1/enroll"}
ANSWER_TYPES = {PUSH_BATCH: PUSH_ACK, PULL_REQUEST: PULL_RESPONSE,
                ENROLL_REQUEST: ENROLL_RESPONSE}

# Section 5: limits (defaults).
ENVELOPE_BYTES = 2 * 1024 * 1024
INFLATED_BYTES = 8 * 1024 * 1024
CHANGES_PER_MESSAGE = 1000

# Section 7: the schema this client speaks, and the oldest the hub still takes (pushes only).
SCHEMA_VERSION = 6
SCHEMA_VERSION_MIN = 1
# Section 5: a change group's author and a coordinator's note, bytes of UTF-8 on one line.
AUTHOR_BYTES = 100
NOTE_BYTES = 1000
TEXT_BYTES = 1024
OCTET_STREAM = "application/octet-stream"
ID_MASK = (1 << 63) - 1

# Section 3: StatusCode.
STATUS = {"UNSPECIFIED": 0, "BAD_ENVELOPE": 1, "UNKNOWN_SENDER": 2, "AUTH_FAILED": 3,
          "REVOKED": 4, "TOKEN_EXPIRED": 5, "TOKEN_REUSED": 6, "TOO_LARGE": 7,
          "WRONG_CONTENT_TYPE": 8, "RATE_LIMITED": 9, "UNAVAILABLE": 10, "INTERNAL": 11,
          "UNSUPPORTED_SCHEMA": 12, "DECODE_FAILED": 13, "LIMIT_EXCEEDED": 14,
          "INVALID_CHANGE": 15, "CLOCK_AHEAD": 16, "WRONG_MESSAGE": 17,
          "WRONG_VILLAGE": 18}

# The generated protobuf module (sae_pb2), set by load_schema.
pb = None


def load_schema(proto_file, out_dir):
    """Compiles proto_file with protoc into out_dir and imports the result as saeproto.pb."""
    global pb
    proto_file = os.path.abspath(proto_file)
    subprocess.run(["protoc", "-I", os.path.dirname(proto_file), "--python_out=" + str(out_dir),
                    proto_file], check=True, capture_output=True)
    name = os.path.splitext(os.path.basename(proto_file))[0] + "_pb2"
    spec = importlib.util.spec_from_file_location(name, os.path.join(str(out_dir), name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pb = module
    return module


# ---------------------------------------------------------------------------------------
# Section 1: identities, clocks.

def origin_id(public_key):
    """First 8 bytes of the unkeyed 16-byte BLAKE2b of the key, big-endian, top bit cleared."""
    digest = hashlib.blake2b(bytes(public_key), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big") & ID_MASK


def wall_ms():
    return time.time_ns() // 1_000_000


def hlc_ms(hlc):
    return hlc >> 16


def hlc_next(last, received, wall):
    """The smallest clock above last and received whose millisecond part is at least wall."""
    candidate = max(last, received) + 1
    if hlc_ms(candidate) < wall:
        candidate = wall << 16
    return candidate


# ---------------------------------------------------------------------------------------
# Section 2: envelopes.

class EnvelopeError(Exception):
    """An envelope refused while opening; kind names the error of section 2."""

    def __init__(self, kind, detail=""):
        super().__init__("%s%s" % (kind, ": " + detail if detail else ""))
        self.kind = kind


def header(msg_type, sender_id, sender_public_key=None):
    head = MAGIC + bytes([FORMAT_VERSION, msg_type]) + sender_id.to_bytes(8, "big")
    if msg_type == ENROLL_REQUEST:
        assert sender_public_key is not None and len(sender_public_key) == 32
        head += bytes(sender_public_key)
    return head


def seal(msg_type, message, sender_key, recipient_public_key, nonce=None, level=9,
         head=None, inner_head=None, stream=None):
    """Envelope of message from sender_key (nacl PrivateKey) to recipient_public_key (bytes).

    head, inner_head and stream replace the clear header, the header copy inside the box and
    the zlib stream: they exist to build envelopes that must be refused."""
    sender_pk = bytes(sender_key.public_key)
    if head is None:
        head = header(msg_type, origin_id(sender_pk), sender_pk)
    if inner_head is None:
        inner_head = head
    if stream is None:
        stream = zlib.compress(message, level)
    if nonce is None:
        nonce = os.urandom(NONCE_BYTES)
    box = nacl.public.Box(sender_key, nacl.public.PublicKey(bytes(recipient_public_key)))
    sealed = box.encrypt(inner_head + stream, nonce)
    # PyNaCl's ciphertext is MAC then ciphertext, as crypto_box_easy writes it.
    return head + nonce + sealed.ciphertext


def parse_header(envelope, limit=ENVELOPE_BYTES):
    """(type, sender id, header length, public key or None); steps 1 and 2 of opening."""
    if len(envelope) > limit:
        raise EnvelopeError("too_large")
    if (len(envelope) < MIN_ENVELOPE_BYTES or envelope[:4] != MAGIC
            or envelope[4] != FORMAT_VERSION or not 1 <= envelope[5] <= 7):
        raise EnvelopeError("bad_envelope")
    msg_type = envelope[5]
    sender = int.from_bytes(envelope[6:14], "big")
    if msg_type == ENROLL_REQUEST:
        if len(envelope) < MIN_ENROLL_ENVELOPE_BYTES:
            raise EnvelopeError("bad_envelope")
        return msg_type, sender, ENROLL_HEADER_BYTES, bytes(envelope[14:46])
    return msg_type, sender, HEADER_BYTES, None


def inflate(stream, limit=INFLATED_BYTES):
    """Bounded inflate: never more than limit + 1 bytes of output are produced."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(stream, limit + 1)
    except zlib.error as e:  # a broken stream, or one that wants a preset dictionary
        raise EnvelopeError("inflate_failed", str(e))
    if len(out) > limit:
        raise EnvelopeError("too_large", "inflates past %d bytes" % limit)
    if not d.eof:
        raise EnvelopeError("inflate_failed", "truncated stream")
    if d.unused_data:
        raise EnvelopeError("inflate_failed", "bytes after the end of the stream")
    return out


def open_envelope(envelope, recipient_key, lookup, limits=None):
    """Opens an envelope addressed to recipient_key: (type, sender id, message bytes).

    lookup(sender_id) gives the sender's public key, or None when unknown; an enroll
    request carries its own key instead."""
    limits = limits or {}
    envelope = bytes(envelope)
    msg_type, sender, head_len, enroll_key = parse_header(
        envelope, limits.get("envelope_bytes", ENVELOPE_BYTES))
    if enroll_key is not None:
        if origin_id(enroll_key) != sender:
            raise EnvelopeError("auth_failed", "the enroll key does not match the sender id")
        sender_pk = enroll_key
    else:
        sender_pk = lookup(sender)
        if sender_pk is None:
            raise EnvelopeError("unknown_sender")
    nonce = envelope[head_len:head_len + NONCE_BYTES]
    box = nacl.public.Box(recipient_key, nacl.public.PublicKey(bytes(sender_pk)))
    try:
        plain = box.decrypt(envelope[head_len + NONCE_BYTES:], nonce)
    except Exception as e:  # nacl.exceptions.CryptoError and short ciphertexts
        raise EnvelopeError("auth_failed", type(e).__name__)
    if plain[:head_len] != envelope[:head_len]:
        raise EnvelopeError("auth_failed", "the header copy inside the box differs")
    message = inflate(plain[head_len:], limits.get("inflated_bytes", INFLATED_BYTES))
    return msg_type, sender, message


def decode(msg_type, message):
    """Parses message bytes as the protobuf message of msg_type (section 3)."""
    cls = getattr(pb, MESSAGE_NAMES[msg_type])
    out = cls()
    out.ParseFromString(message)
    return out


# ---------------------------------------------------------------------------------------
# Section 3: changes and their groups.

@dataclass(frozen=True)
class Change:
    report_id: bytes
    kind: str
    field: str
    value: object  # str, or None for "unset"
    hlc: int
    origin: int
    seq: int
    base_hlc: int = 0
    base_origin: int = 0
    seen_cursor: int = 0
    supersedes: int = 0
    author: object = None  # str, or None (schema 1: unknown)
    note: object = None    # a coordinator's note on a resolution
    device: object = None  # the writing device's name, as the hub sends it in a pull
    sealed_value: object = None  # schema 3: bytes, the value sealed to the hub's key (value
                                 # then None; seal_value); schema 4, in a pull: sealed to
                                 # the pulling device's storage key
    withheld: bool = False       # schema 4, in a pull: a value this device is not given
    box_slot: int = 0            # schema 6, in a push: the value is this slot (1-based) of
                                 # its group's value box (value then None; box_values)
    group_box: object = None     # schema 6: bytes, the group's value box, on the group's
                                 # first change (which then always starts a group)

    @property
    def version(self):
        return (self.hlc, self.origin)

    @property
    def key(self):
        return (self.origin, self.seq)


def group_changes(changes):
    """ChangeGroups: every run of changes with one report, kind, version, seen_cursor,
    supersedes, author, note and device shares a group, and a value box (group_box) goes on
    its change's group, unless that group has one already; a seq is written only where it is
    not the previous seq + 1."""
    groups, key, previous_seq = [], None, None
    for c in changes:
        this = (c.report_id, c.kind, c.hlc, c.origin, c.seen_cursor, c.supersedes, c.author,
                c.note, c.device)
        if key is not None and this == key and c.group_box is not None and \
                not groups[-1].HasField("sealed_values"):
            groups[-1].sealed_values = c.group_box  # a box goes on its change's group
        elif this != key or c.group_box is not None:
            group = pb.ChangeGroup(report_id=c.report_id, kind=c.kind.encode(), hlc=c.hlc,
                                   origin=c.origin)
            if c.seen_cursor:
                group.seen_cursor = c.seen_cursor
            if c.supersedes:
                group.supersedes = c.supersedes
            for name in ("author", "note", "device"):
                if getattr(c, name) is not None:
                    setattr(group, name, getattr(c, name).encode("utf-8"))
            if c.group_box is not None:
                group.sealed_values = c.group_box
            groups.append(group)
            key, first = this, True
        fc = groups[-1].changes.add(field=c.field.encode())
        if c.value is not None:
            fc.value = c.value.encode("utf-8")
        if c.sealed_value is not None:
            fc.sealed_value = c.sealed_value
        if c.withheld:
            fc.withheld = True
        if c.box_slot:
            fc.box_slot = c.box_slot
        if c.base_hlc:
            fc.base_hlc = c.base_hlc
        if c.base_origin:
            fc.base_origin = c.base_origin
        if first or c.seq != previous_seq + 1:
            fc.seq = c.seq
        previous_seq, first = c.seq, False
    return groups


def seal_value(public_key, text):
    """A value sealed to a public key (STORAGE_KEYS.md section 3): version 1, the first 4
    bytes of BLAKE2b-256 of the key, then crypto_box_seal of the UTF-8 bytes."""
    tag = hashlib.blake2b(public_key, digest_size=32).digest()[:4]
    sealed = nacl.public.SealedBox(nacl.public.PublicKey(public_key)).encrypt(
        text.encode("utf-8"))
    return bytes([1]) + tag + sealed


def seal_values_shared(public_key, texts):
    """Values sealed to a public key in version 2 (STORAGE_KEYS.md section 3), as the hub
    seals them: one ephemeral key for all, a random 24-byte nonce each, crypto_box of the
    UTF-8 bytes (MAC first) under the ephemeral secret and the recipient's key."""
    tag = hashlib.blake2b(public_key, digest_size=32).digest()[:4]
    ephemeral = nacl.public.PrivateKey.generate()
    box = nacl.public.Box(ephemeral, nacl.public.PublicKey(public_key))
    out = []
    for text in texts:
        nonce = nacl.utils.random(24)
        out.append(bytes([2]) + tag + bytes(ephemeral.public_key) + nonce +
                   box.encrypt(text.encode("utf-8"), nonce).ciphertext)
    return out


def open_value(private_key, sealed):
    """A value sealed to private_key's public half, version 1 (seal_value's form) or 2
    (seal_values_shared's), as text; checks the version and the key tag first."""
    public_key = bytes(private_key.public_key)
    if sealed[0] not in (1, 2) or \
            sealed[1:5] != hashlib.blake2b(public_key, digest_size=32).digest()[:4]:
        raise ValueError("not sealed to this key")
    if sealed[0] == 1:
        return nacl.public.SealedBox(private_key).decrypt(sealed[5:]).decode("utf-8")
    box = nacl.public.Box(private_key, nacl.public.PublicKey(sealed[5:37]))
    return box.decrypt(sealed[61:], sealed[37:61]).decode("utf-8")


# Value boxes (schema 6; STORAGE_KEYS.md section 3a).
VALUE_BOX_VALUES_MAX = 64
VALUE_BOX_PLAIN_MAX = 256 * 1024


def pack_values(texts):
    """A box's plaintext: each value's UTF-8 length as an unsigned LEB128 varint, then its
    bytes, one after another, the whole deflated as one zlib stream (level 9)."""
    framed = bytearray()
    for text in texts:
        data = text.encode("utf-8")
        n = len(data)
        while True:
            byte, n = n & 0x7F, n >> 7
            framed.append(byte | (0x80 if n else 0))
            if not n:
                break
        framed += data
    return zlib.compress(bytes(framed), 9)


def seal_value_box(public_key, texts, packed=None):
    """A value box: the packed values (pack_values, or packed as given) sealed once in
    version 2."""
    tag = hashlib.blake2b(public_key, digest_size=32).digest()[:4]
    ephemeral = nacl.public.PrivateKey.generate()
    box = nacl.public.Box(ephemeral, nacl.public.PublicKey(public_key))
    nonce = nacl.utils.random(24)
    plain = pack_values(texts) if packed is None else packed
    return (bytes([2]) + tag + bytes(ephemeral.public_key) + nonce +
            box.encrypt(plain, nonce).ciphertext)


def unpack_values(packed):
    """The values of a box's plaintext, inflating at most VALUE_BOX_PLAIN_MAX bytes."""
    z = zlib.decompressobj()
    framed = z.decompress(packed, VALUE_BOX_PLAIN_MAX + 1)
    if len(framed) > VALUE_BOX_PLAIN_MAX or not z.eof or z.unused_data:
        raise ValueError("not one whole zlib stream within the limit")
    values, pos = [], 0
    while pos < len(framed):
        n, shift = 0, 0
        while True:
            byte = framed[pos]
            pos += 1
            n |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if n == 0 or pos + n > len(framed):
            raise ValueError("a value's length runs past the box")
        values.append(framed[pos:pos + n].decode("utf-8"))
        pos += n
    return values


def open_value_box(private_key, sealed):
    """The values of a value box sealed to private_key's public half."""
    public_key = bytes(private_key.public_key)
    if sealed[0] != 2 or \
            sealed[1:5] != hashlib.blake2b(public_key, digest_size=32).digest()[:4]:
        raise ValueError("not a version-2 seal to this key")
    box = nacl.public.Box(private_key, nacl.public.PublicKey(sealed[5:37]))
    return unpack_values(box.decrypt(sealed[61:], sealed[37:61]))


def box_group(changes, public_key, sensitive):
    """changes (one group) with the values of the fields in sensitive moved into one value
    box, as a post of schema 6 sends them."""
    boxed = [c for c in changes if c.field in sensitive and c.value is not None]
    box = seal_value_box(public_key, [c.value for c in boxed])
    slots = {id(c): slot for slot, c in enumerate(boxed, 1)}
    out = [replace(c, value=None, box_slot=slots[id(c)]) if id(c) in slots else c
           for c in changes]
    out[0] = replace(out[0], group_box=box)
    return out


def unwrap_key(wrap, passphrase):
    """A wrapped key (STORAGE_KEYS.md section 2): Argon2id of the passphrase (bytes) under the
    wrap's salt and parameters keys XChaCha20-Poly1305 over the key, the 56-byte header being
    the associated data; version 2 (section 2a) takes crypto_kdf's subkey 2 of it."""
    import nacl.bindings
    import nacl.pwhash
    assert len(wrap) == 104 and wrap[:8] in (b"SAEK\x01\x01\x00\x00", b"SAEK\x02\x02\x00\x00")
    ops, mem_kib = struct.unpack(">II", wrap[8:16])
    key = nacl.pwhash.argon2id.kdf(32, passphrase, wrap[16:32], opslimit=ops,
                                   memlimit=mem_kib * 1024)
    if wrap[4] == 2:
        key = passkey_subkey(key, 2)
    return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(wrap[56:], wrap[:56],
                                                                    wrap[32:56], key)


def passkey_subkey(master, number):
    """crypto_kdf's subkey number of master, context "SAEpass1" (STORAGE_KEYS.md 2a)."""
    return hashlib.blake2b(b"", digest_size=32, key=master,
                           salt=struct.pack("<Q", number) + bytes(8),
                           person=b"SAEpass1" + bytes(8)).digest()


def passkey_matches(text, passphrase, wrap):
    """A verifier of STORAGE_KEYS.md section 2a: subkey 1 of Argon2id under its salt, and the
    salt and parameters of the version-2 wrap it pairs with."""
    import re
    import nacl.pwhash
    m = re.fullmatch(r"\$sae-passkey\$v=1\$t=(\d+),m=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)",
                     text)
    assert m, text
    ops, mem_kib = int(m.group(1)), int(m.group(2))
    salt = base64.b64decode(m.group(3) + "==")
    verifier = base64.b64decode(m.group(4) + "=")
    assert wrap[:6] == b"SAEK\x02\x02" and wrap[16:32] == salt
    assert struct.unpack(">II", wrap[8:16]) == (ops, mem_kib)
    master = nacl.pwhash.argon2id.kdf(32, passphrase, salt, opslimit=ops,
                                      memlimit=mem_kib * 1024)
    return passkey_subkey(master, 1) == verifier


def expand_groups(groups):
    """The list of changes of a message's groups, applying the implied-seq rule."""
    out, previous_seq = [], None
    for g in groups:
        if len(g.report_id) != 16 or not g.changes:
            raise ValueError("a group without a 16-byte report id or without changes")
        for i, fc in enumerate(g.changes):
            if fc.HasField("seq"):
                seq = fc.seq
            elif i == 0:
                raise ValueError("the first change of a group carries no seq")
            else:
                seq = previous_seq + 1
            out.append(Change(report_id=bytes(g.report_id), kind=g.kind.decode(),
                              field=fc.field.decode(),
                              value=fc.value.decode("utf-8") if fc.HasField("value") else None,
                              hlc=g.hlc, origin=g.origin, seq=seq, base_hlc=fc.base_hlc,
                              base_origin=fc.base_origin, seen_cursor=g.seen_cursor,
                              supersedes=g.supersedes, author=_text_of(g, "author"),
                              note=_text_of(g, "note"), device=_text_of(g, "device"),
                              sealed_value=(bytes(fc.sealed_value)
                                            if fc.HasField("sealed_value") else None),
                              withheld=fc.withheld, box_slot=fc.box_slot,
                              group_box=(bytes(g.sealed_values) if i == 0 and
                                         g.HasField("sealed_values") else None)))
            previous_seq = seq
    return out


def as_pulled(changes, device_name):
    """The changes as another device pulls them: the hub adds the writer's device name."""
    return [replace(c, device=device_name) for c in changes]


def _text_of(group, name):
    return getattr(group, name).decode("utf-8") if group.HasField(name) else None


def report_uuid(report_id):
    h = report_id.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def new_report_id():
    return os.urandom(16)


# ---------------------------------------------------------------------------------------
# Section 8: HTTP, and the hub trusted by its key pins.

def key_pin(der_certificate):
    """The pin of a certificate's key: "sha256//" + base64 of the SHA-256 of its DER
    SubjectPublicKeyInfo."""
    spki = x509.load_der_x509_certificate(der_certificate).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256//" + base64.b64encode(hashlib.sha256(spki).digest()).decode()


def pin_text(digest):
    """The text form of a pin announced on the wire (32 bytes)."""
    assert len(digest) == 32
    return "sha256//" + base64.b64encode(bytes(digest)).decode()


def pin_from_text(text):
    """The 32 bytes a pin names, as announced on the wire."""
    assert text.startswith("sha256//")
    digest = base64.b64decode(text[8:], validate=True)
    assert len(digest) == 32
    return digest


class PinMismatch(Exception):
    """The server's key is none of the pins."""


class _PinnedConnection(HTTPSConnection):
    pins = frozenset()

    def connect(self):
        super().connect()
        pin = key_pin(self.sock.getpeercert(binary_form=True))
        if pin not in self.pins:
            self.sock.close()
            raise PinMismatch("the server's key %s is not pinned" % pin)
        self.is_verified = True  # by its key, which is what counts here


class PinnedAdapter(HTTPAdapter):
    """HTTPS trusting the keys in pins (a set the caller may change: new connections check
    it) and nothing else: no CA, no dates, no names."""

    def __init__(self, pins):
        self.pins = pins
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        connection = type("PinnedConnection", (_PinnedConnection,), {"pins": self.pins})
        pool = type("PinnedPool", (HTTPSConnectionPool,), {"ConnectionCls": connection})
        self.poolmanager.pool_classes_by_scheme = dict(
            self.poolmanager.pool_classes_by_scheme, https=pool)


def pinned_session(pins):
    session = requests.Session()
    session.mount("https://", PinnedAdapter(pins))
    return session


@dataclass
class Answer:
    """What the hub answered: status, headers, and either a plain text or an opened
    envelope (its type and decoded message)."""
    status: int
    headers: dict
    body: bytes
    text: str = None
    type: int = None
    message: object = None

    @property
    def code(self):
        """The ErrorStatus code, or None when the answer is not an ErrorStatus."""
        return self.message.code if self.type == ERROR_STATUS else None

    def __repr__(self):
        what = self.text if self.type is None else "%s %s" % (
            MESSAGE_NAMES.get(self.type), str(self.message).replace("\n", " ")[:600])
        return "<Answer %d %r>" % (self.status, what)


class Device:
    """One post's device: its own key pair, journal sequence, clock and pull cursor, and
    the hub it knows from its enrollment bundle."""

    def __init__(self, bundle_path, name="Laptop Posko", key=None, author="Staf Pos",
                 schema=SCHEMA_VERSION, storage=False):
        """author: who writes this device's changes (None: nobody, as on schema 1); schema:
        the schema version its messages carry and its answers must come in."""
        with open(bundle_path, "rb") as f:
            bundle = json.load(f)
        if bundle.get("format") != "sae-enrollment-bundle/1":
            raise ValueError("not an enrollment bundle: %r" % bundle.get("format"))
        self.bundle = bundle
        self.url = bundle["hub_url"].rstrip("/")
        self.hub_public_key = base64.b64decode(bundle["hub_public_key"], validate=True)
        self.hub_id = int(bundle["hub_id"], 16)
        if len(self.hub_public_key) != 32 or origin_id(self.hub_public_key) != self.hub_id:
            raise ValueError("the bundle's hub key does not give its hub id")
        self.village = bundle["village"]
        self.token = bundle["token"]
        # The post trusts the keys pinned in its bundle (and, later, those the hub announces).
        self.pins = set(bundle.get("tls_pins") or [bundle["tls_pin"]])
        # The certificate the hub served when the bundle was made, for tests that look at it.
        self.cert_path = os.path.join(os.path.dirname(os.path.abspath(bundle_path)),
                                      os.path.basename(bundle_path) + ".cert.pem")
        with open(self.cert_path, "w") as f:
            f.write(bundle["tls_certificate"])
        self.name = name
        self.author = author if schema >= 2 else None
        self.schema = schema
        # How far this device's wall clock is off (ms), as a request's clock says it.
        self.clock_skew_ms = 0
        self.key = key or nacl.public.PrivateKey.generate()
        # storage=True: a storage key pair (STORAGE_KEYS.md section 1) whose public half the
        # enrollment sends, so the hub seals this device's copies of sensitive values to it.
        self.storage_key = nacl.public.PrivateKey.generate() if storage else None
        self.public_key = bytes(self.key.public_key)
        self.id = origin_id(self.public_key)
        self.seq = 0
        self.clock = 0
        self.cursor = 0
        # The review log (section 6, "Reviews"): where the next pull starts, and the open
        # reviews kept, {(report uuid, field): FieldReview}.
        self.review_cursor = 0
        self.reviews = {}
        # Grants (section 6, "Grants", schema 4): where the next pull's start, and those
        # received, as changes with their sealed_value.
        self.grant_cursor = 0
        self.grants = []
        # Erasures (section 6, "Erasures"): where the next pull's start, and the uuids of
        # the reports the district erased, in the order told.
        self.erasure_cursor = 0
        self.erased = []
        self.session = None
        self._pinned = pinned_session(self.pins)

    # Clock.
    def observe(self, hub_clock):
        self.clock = max(self.clock, hub_clock)

    def next_version(self):
        self.clock = hlc_next(self.clock, 0, wall_ms() + self.clock_skew_ms)
        return self.clock

    def request_clock(self):
        """A request's clock (section 6): schema 2 sends this computer's wall clock, schema 1
        the device's newest version."""
        if self.schema >= 2:
            return (wall_ms() + self.clock_skew_ms) << 16
        return self.clock or self.next_version()

    # Writing changes (as one command on a post would: one version for all fields).
    def write(self, report_id, kind, values, bases=None, hlc=None):
        """Changes of report_id setting values {field: value or None}; bases gives
        {field: (hlc, origin)} of what the writer had seen. Returns the list of Change."""
        version = hlc if hlc is not None else self.next_version()
        out = []
        for field, value in values.items():
            self.seq += 1
            base = (bases or {}).get(field, (0, 0))
            out.append(Change(report_id=report_id, kind=kind, field=field, value=value,
                              hlc=version, origin=self.id, seq=self.seq, base_hlc=base[0],
                              base_origin=base[1], seen_cursor=self.cursor,
                              author=self.author))
        return out

    # Messages.
    def push_batch(self, changes, schema_version=None, origin=None, erasure_cursor=None):
        """erasure_cursor None: the field absent, as from a post that predates it; else the
        erasure cursor the batch names (PROTOCOL.md section 6, Erasures)."""
        batch = pb.PushBatch(schema_version=self.schema if schema_version is None
                             else schema_version, origin=self.id if origin is None else origin,
                             clock=self.request_clock())
        batch.groups.extend(group_changes(changes))
        if erasure_cursor is not None:
            batch.erasure_cursor = erasure_cursor
        return batch

    def pull_request(self, cursor=None, max_changes=0, reviews=False, review_cursor=None,
                     grant_cursor=None, erasure_cursor=None):
        """A PullRequest; reviews=True asks for review states after review_cursor (by
        default this device's; a review_cursor given without reviews is sent alone);
        grant_cursor and erasure_cursor by default this device's."""
        request = pb.PullRequest(schema_version=self.schema, clock=self.request_clock())
        erasure_cursor = self.erasure_cursor if erasure_cursor is None else erasure_cursor
        if erasure_cursor:
            request.erasure_cursor = erasure_cursor
        grant_cursor = self.grant_cursor if grant_cursor is None else grant_cursor
        if grant_cursor:
            request.grant_cursor = grant_cursor
        cursor = self.cursor if cursor is None else cursor
        if cursor:
            request.cursor = cursor
        if max_changes:
            request.max_changes = max_changes
        if reviews:
            request.with_reviews = True
            if review_cursor is None:
                review_cursor = self.review_cursor
        if review_cursor:
            request.review_cursor = review_cursor
        return request

    def enroll_request(self, token=None, public_key=None):
        request = pb.EnrollRequest(schema_version=self.schema,
                                   token=(token or self.token).encode(),
                                   public_key=public_key or self.public_key,
                                   village=self.village.encode(),
                                   device_name=self.name.encode(), clock=self.request_clock())
        if self.storage_key:
            request.storage_public_key = bytes(self.storage_key.public_key)
        return request

    def opened(self, changes):
        """Pulled changes with every sealed_value opened with this device's storage key into
        value (section 3, "Sealed and withheld values in a pull"); withheld ones as they are."""
        return [replace(c, value=open_value(self.storage_key, c.sealed_value), sealed_value=None)
                if c.sealed_value is not None else c for c in changes]

    def seal(self, msg_type, message, **kwargs):
        if not isinstance(message, bytes):
            message = message.SerializeToString()
        return seal(msg_type, message, self.key, self.hub_public_key, **kwargs)

    # HTTP.
    def new_session(self):
        """A session of its own (its own kept-alive connections) trusting this device's pins."""
        return pinned_session(self.pins)

    def post(self, path, body, content_type=OCTET_STREAM, headers=None, timeout=30):
        h = {"Content-Type": content_type} if content_type is not None else {}
        h.update(headers or {})
        http = self.session or self._pinned
        return http.post(self.url + path, data=body, headers=h, verify=False, timeout=timeout)

    def answer(self, response):
        """Decodes the hub's answer: a sealed envelope from the hub, or plain text."""
        ctype = response.headers.get("Content-Type", "")
        answer = Answer(status=response.status_code, headers=dict(response.headers),
                        body=response.content)
        if ctype.split(";")[0].strip() != OCTET_STREAM:
            answer.text = response.content.decode("utf-8")
            return answer
        msg_type, sender, message = open_envelope(
            response.content, self.key,
            lambda sid: self.hub_public_key if sid == self.hub_id else None)
        if msg_type not in (PUSH_ACK, PULL_RESPONSE, ENROLL_RESPONSE, ERROR_STATUS):
            raise EnvelopeError("wrong_message", "type %d from the hub" % msg_type)
        answer.type, answer.message = msg_type, decode(msg_type, message)
        # Section 7: answers come in the request's version (a refusal of one the hub does not
        # take, in the nearest one it does).
        if not SCHEMA_VERSION_MIN <= answer.message.schema_version <= SCHEMA_VERSION:
            raise ValueError("answer in schema version %d" % answer.message.schema_version)
        self.observe(answer.message.hub_clock)
        if msg_type == PULL_RESPONSE and answer.message.tls_pins:
            # The hub's announcement replaces the pins (section 6, key pins).
            announced = {pin_text(p) for p in answer.message.tls_pins}
            self.pins.clear()
            self.pins.update(announced)
        return answer

    def send(self, msg_type, message, path=None, **seal_kwargs):
        """Seals message, posts it to its endpoint and decodes the answer."""
        body = self.seal(msg_type, message, **seal_kwargs)
        return self.answer(self.post(path or ENDPOINTS[msg_type], body))

    def enroll(self, **kwargs):
        return self.send(ENROLL_REQUEST, self.enroll_request(**kwargs))

    def push(self, changes, **kwargs):
        return self.send(PUSH_BATCH, self.push_batch(changes, **kwargs))

    def pull(self, cursor=None, max_changes=0, reviews=False, review_cursor=None,
             grant_cursor=None, erasure_cursor=None):
        return self.send(PULL_REQUEST, self.pull_request(cursor, max_changes, reviews,
                                                         review_cursor, grant_cursor,
                                                         erasure_cursor))

    def keep_reviews(self, message):
        """Applies a PullResponse's reviews in order: an open one replaces the field's, a
        closed one removes it; moves self.review_cursor."""
        for review in message.reviews:
            key = (report_uuid(review.report_id), review.field.decode())
            if review.open:
                self.reviews[key] = review
            else:
                self.reviews.pop(key, None)
        self.review_cursor = message.next_review_cursor

    def pull_all(self, max_changes=0, pages_max=1000, reviews=False):
        """Pulls from self.cursor while `more`; returns (changes, pages), pages being the
        answers in order. Moves self.cursor; with reviews, keeps them (keep_reviews)."""
        changes, pages = [], []
        for _ in range(pages_max):
            answer = self.pull(max_changes=max_changes, reviews=reviews)
            if answer.status != 200 or answer.type != PULL_RESPONSE:
                raise AssertionError("pull failed: %r" % answer)
            pages.append(answer)
            changes += expand_groups(answer.message.groups)
            self.grants += expand_groups(answer.message.grants)
            self.cursor = answer.message.next_cursor
            self.grant_cursor = answer.message.next_grant_cursor
            self.erased += [report_uuid(i) for i in answer.message.erased]
            self.erasure_cursor = answer.message.next_erasure_cursor
            if reviews:
                self.keep_reviews(answer.message)
            if not answer.message.more:
                return changes, pages
        raise AssertionError("pull never ended")

