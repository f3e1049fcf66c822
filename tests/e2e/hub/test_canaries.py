"""Canaries (issue 13, "Tests that must exist"): after a district's life through the real
programs (canary_world.py: posts and the post app, the console, district edits, a conflict
and its resolution, a revocation, backups and restores, an existing plaintext journal and
hub migrated), no file of any post or hub directory, no backup and no log the programs wrote
holds any marker, in any encoding the programs use, directly or in a compressed stream
(canary_search.py). The search is first shown to find a marker in each of those encodings,
in files built for it and in a real backup, so that finding nothing means something.

The posts' side and the hub's side are checked apart, so a failure says which one leaks."""
import base64
import gzip
import os
import secrets
import sqlite3
import struct
import zlib

import pytest

import canary_search
import canary_world
import saenode
from canary_search import describe, encodings, search

class MarkerFound(AssertionError):
    """A marker in a file."""


def junk(n):
    return os.urandom(n)


def written(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def sqlite_holding(path, value):
    db = sqlite3.connect(str(path))
    with db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 200,)] * 50 + [(value,)])
    db.close()
    with open(str(path), "rb") as f:
        return f.read()


def backup_like(body_db, sealed=b""):
    """A file laid out as include/sae/sae_backup.h says: header, sealed files, the
    database deflated (zlib)."""
    deflated = zlib.compress(body_db, 6)
    header = bytearray(canary_search.BACKUP_HEADER_BYTES)
    header[0:8] = canary_search.BACKUP_MAGIC
    header[48:64] = struct.pack("<QQ", len(sealed), len(deflated))
    return bytes(header) + sealed + deflated


def found_as(tmp_path, name, data, marker):
    hits = search([written(tmp_path, name, data)], [marker, "KANARI-other-000000000000"])
    return {(how, where) for m, how, where in next(iter(hits.values()), [])
            if m == marker}, {m for found in hits.values() for m, _, _ in found}


def test_the_search_finds_a_marker_in_every_encoding(tmp_path):
    marker = "KANARI-7-%s" % secrets.token_hex(6)
    raw = marker.encode()
    placed = {"plain": raw, "lower": raw.lower(), "upper": raw.upper(),
              "hex": raw.hex().encode(), "HEX": raw.hex().upper().encode()}
    for shift in range(3):
        coded = base64.b64encode(junk(shift) + raw + junk(5))
        placed["base64+%d" % shift] = coded
        placed["base64url+%d" % shift] = base64.urlsafe_b64encode(junk(shift) + raw + junk(4))
    assert set(placed) == set(encodings(marker))
    for how, data in placed.items():
        hows, markers = found_as(tmp_path, how, junk(333) + data + junk(77), marker)
        assert how in {h for h, _ in hows} and markers == {marker}, (how, hows)
    # Compressed streams anywhere: zlib at any window size, gzip, and raw deflate at a page
    # boundary (here the third page of a file of 4,096-byte pages).
    inner = junk(100) + b"text " + raw + b" more"
    streams = {"zlib": zlib.compress(inner, 9), "gzip": gzip.compress(inner)}
    small = zlib.compressobj(6, zlib.DEFLATED, 9)
    streams["zlib window 512"] = small.compress(inner) + small.flush()
    for name, stream in streams.items():
        hows, markers = found_as(tmp_path, name, junk(1001) + stream + junk(50), marker)
        assert "inflated plain" in {h for h, _ in hows} and markers == {marker}, name
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = raw_deflate.compress(inner) + raw_deflate.flush()
    page = junk(8192) + stream + junk(4096 - len(stream) % 4096)
    hows, _ = found_as(tmp_path, "raw-deflate", page, marker)
    assert ("inflated plain", "raw deflate at page 2") in hows, hows
    # A stream within a stream, the marker base64'd inside it.
    nested = zlib.compress(junk(10) + zlib.compress(b"x" + base64.b64encode(raw) + b"y"))
    hows, _ = found_as(tmp_path, "nested", junk(20) + nested, marker)
    assert "inflated inflated base64+0" in {h for h, _ in hows}, hows
    # A SQLite page, and a backup's deflated database.
    db = sqlite_holding(tmp_path / "t.db", marker)
    assert ("plain", "bytes") in found_as(tmp_path, "db", db, marker)[0]
    hows, _ = found_as(tmp_path, "backup", backup_like(db, junk(300)), marker)
    assert ("inflated plain", "backup database") in hows, hows
    # Nothing where there is no marker.
    clean = junk(20000) + zlib.compress(junk(3000)) + backup_like(sqlite_holding(
        tmp_path / "u.db", "tak ada tanda"))
    assert search([written(tmp_path, "clean", clean)], [marker]) == {}


def test_the_search_reads_a_real_backup(tmp_path):
    """A post's author is not sensitive, so a real `sae-node backup` holds it in plain text
    in its deflated database: the search finds it there, in the format as written."""
    author = "KANARI-author-%s" % secrets.token_hex(6)
    post = saenode.init(str(tmp_path / "post"), author=author)
    saenode.add_case(post)
    path = canary_world.backup(post, tmp_path / "post.saebak")
    with open(path, "rb") as f:
        assert author.encode() not in f.read()  # deflated: not in the file as it is
    hits = search([path], [author])
    assert ("inflated plain", "backup database") in {(h, w) for _, h, w in hits[path]}, hits


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return canary_world.build(tmp_path_factory.mktemp("canaries"))


def test_no_marker_in_any_post_directory_backup_or_log(world):
    canaries = world.canaries
    # Seven writers and moments mark every sensitive field of every kind.
    fields = sum(len(f) for f in saenode.sensitive_fields().values())
    assert len(canaries.markers()) > 7 * fields
    for post in (world.a1, world.b1, world.b1r, world.m):
        assert not os.path.exists(os.path.join(post, "storage.key")), post  # P1's premise
    hits = search(world.post_roots, canaries.markers())
    assert hits == {}, describe(hits, canaries.labels)


def test_no_marker_in_the_hub_its_backup_restore_or_log(world):
    canaries = world.canaries
    hits = search(world.hub_roots, canaries.markers())
    if hits:
        raise MarkerFound(describe(hits, canaries.labels))
