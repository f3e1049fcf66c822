"""The canaries' search (issue 13, "Tests that must exist"): every byte of every file is
searched for every marker in every encoding the programs use, and in every compressed stream
the file holds, inflated.

- Plain (and its lower- and upper-case forms: a name normalised for a search or a hash's
  input is still the name), hex in both cases, base64 standard and URL-safe at each of the
  three alignments a marker can take inside a longer encoded value.
- zlib streams anywhere in a file (every two-byte zlib header whose check bits hold, at every
  offset), gzip members, and raw deflate starting at each page boundary (SQLite's page size
  from the file's header, else 4,096): each inflated as far as it goes and searched in turn,
  down to MAX_DEPTH streams within streams.
- A backup (`SAE-BKUP`, include/sae/sae_backup.h): its deflated database read at the offset
  the header gives, inflated whole and searched as a file of its own.

test_canaries.py proves that each of these finds a marker placed that way, so a scan that
finds nothing has looked."""
import base64
import os
import re
import struct
import zlib

MAX_DEPTH = 2
# Enough for any file the scenario makes; a stream that inflates past it is searched as far.
INFLATE_LIMIT = 64 * 1024 * 1024
FEED_BYTES = 512  # raw deflate is fed in pieces so what inflated before an error is kept
SQLITE_MAGIC = b"SQLite format 3\0"
BACKUP_MAGIC = b"SAE-BKUP"
BACKUP_HEADER_BYTES = 136
DEFAULT_PAGE = 4096
GZIP_MAGIC = b"\x1f\x8b\x08"


def _zlib_headers():
    """Every zlib header (RFC 1950) with deflate, any window, no preset dictionary."""
    heads = set()
    for cinfo in range(8):
        cmf = cinfo << 4 | 8
        for flg in range(256):
            if (cmf << 8 | flg) % 31 == 0 and not flg & 0x20:
                heads.add(bytes((cmf, flg)))
    return heads


ZLIB_HEAD_RE = re.compile(b"|".join(re.escape(h) for h in sorted(_zlib_headers())))


def encodings(marker):
    """{name: bytes} of the marker in every encoding searched. Base64 at shift s is the
    marker after s bytes of something else: the characters that only the marker decides
    (those of the groups it fills alone)."""
    raw = marker.encode() if isinstance(marker, str) else marker
    out = {"plain": raw, "lower": raw.lower(), "upper": raw.upper(),
           "hex": raw.hex().encode(), "HEX": raw.hex().upper().encode()}
    for shift in range(3):
        coded = base64.b64encode(b"\0" * shift + raw)
        inner = coded[4 if shift else 0:]
        tail = (len(raw) + shift) % 3
        inner = inner[:len(inner) - 4] if tail else inner
        out["base64+%d" % shift] = inner
        out["base64url+%d" % shift] = inner.replace(b"+", b"-").replace(b"/", b"_")
    return out


class Needles:
    """The markers' encodings, found in one pass of a regular expression over the bytes."""

    def __init__(self, markers):
        self.by_bytes = {}
        for marker in markers:
            for how, coded in encodings(marker).items():
                self.by_bytes.setdefault(coded, []).append((marker, how))
        self.pattern = re.compile(b"|".join(re.escape(c) for c in
                                            sorted(self.by_bytes, key=len, reverse=True)))

    def find(self, data):
        found = set()
        for m in self.pattern.finditer(data):
            found.update(self.by_bytes[m.group(0)])
        return found


def _inflate_all(data, wbits):
    """What a stream of the given format starting at data[0] inflates to, as far as it goes
    before an error or its end (b"" when nothing inflates)."""
    out = []
    size = 0
    d = zlib.decompressobj(wbits)
    for at in range(0, len(data), FEED_BYTES):
        try:
            piece = d.decompress(data[at:at + FEED_BYTES], INFLATE_LIMIT - size)
        except zlib.error:
            break
        out.append(piece)
        size += len(piece)
        if d.eof or size >= INFLATE_LIMIT or d.unconsumed_tail:
            break
    return b"".join(out)


def page_size(data):
    if data.startswith(SQLITE_MAGIC) and len(data) >= 18:
        size = struct.unpack(">H", data[16:18])[0]
        return 65536 if size == 1 else size
    return DEFAULT_PAGE


def backup_body(data):
    """The deflated database of a backup file, inflated; None if data is not one."""
    if not data.startswith(BACKUP_MAGIC) or len(data) < BACKUP_HEADER_BYTES:
        return None
    sealed, deflated = struct.unpack("<QQ", data[48:64])
    start = BACKUP_HEADER_BYTES + sealed
    return _inflate_all(data[start:start + deflated], zlib.MAX_WBITS)


def streams(data):
    """(where, inflated bytes) of every compressed stream found in data."""
    view = memoryview(data)
    body = backup_body(data)
    if body:
        yield "backup database", body
    for m in ZLIB_HEAD_RE.finditer(data):
        out = _inflate_all(view[m.start():], zlib.MAX_WBITS)
        if out:
            yield "zlib at %d" % m.start(), out
    at = data.find(GZIP_MAGIC)
    while at >= 0:
        out = _inflate_all(view[at:], 16 + zlib.MAX_WBITS)
        if out:
            yield "gzip at %d" % at, out
        at = data.find(GZIP_MAGIC, at + 1)
    page = page_size(data)
    for at in range(0, len(data), page):
        out = _inflate_all(view[at:], -zlib.MAX_WBITS)
        # A few bytes of junk inflate from almost anything; a marker needs more.
        if len(out) >= 8:
            yield "raw deflate at page %d" % (at // page), out


def search_bytes(data, needles, depth=0, where=""):
    """[(marker, how, where)] for every marker found in data or in a stream within it."""
    found = [(marker, how, where or "bytes") for marker, how in needles.find(data)]
    if depth < MAX_DEPTH:
        for place, inflated in streams(data):
            inner = "%s%s" % (where + " > " if where else "", place)
            found += [(marker, "inflated " + how, at) for marker, how, at in
                      search_bytes(inflated, needles, depth + 1, inner)]
    return found


def files_under(*roots):
    """Every file under each root (a file is itself), sorted."""
    out = []
    for root in roots:
        if os.path.isfile(root):
            out.append(str(root))
            continue
        for top, _, names in os.walk(root):
            out += [os.path.join(top, n) for n in names]
    return sorted(out)


def search(roots, markers):
    """{path: [(marker, how, where)]} of every file under roots that holds a marker in any
    encoding, directly or within a compressed stream; {} when none does."""
    needles = Needles(markers)
    hits = {}
    for path in files_under(*roots):
        with open(path, "rb") as f:
            data = f.read()
        found = search_bytes(data, needles)
        if found:
            hits[path] = sorted(set(found))
    return hits


def describe(hits, labels=None):
    """One line per file and marker, for an assertion's message."""
    lines = []
    for path, found in sorted(hits.items()):
        for marker, how, where in found:
            label = (labels or {}).get(marker, "")
            lines.append("%s: %s (%s) as %s in %s" % (path, marker, label, how, where))
    return "\n".join(lines)
