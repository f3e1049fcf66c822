"""Devices' storage public keys (issue 13): a post's enrollment carries its storage public key
(EnrollRequest field 7, PROTOCOL.md), the hub records it per device and shows its fingerprint
on the console's posts page and in GET /api/v1/posts; a repeated enrollment replaces it; a key
of another length is refused with nothing changed; an enrollment without one (an older
post) is taken and shows none."""
import hashlib
import sqlite3

import saenode
import saeproto
from console_client import signed_in
from saeproto import ENROLL_RESPONSE


def fingerprint(key):
    digest = hashlib.blake2b(key, digest_size=32).hexdigest()[:16]
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def post_storage_key(post):
    db = sqlite3.connect("file:%s/node.db?mode=ro" % post, uri=True)
    try:
        return db.execute("SELECT value FROM meta WHERE key = 'storage_public_key'").fetchone()[0]
    finally:
        db.close()


def test_a_post_sends_its_storage_key_and_the_console_shows_it(console_hub, tmp_path):
    post = saenode.init(str(tmp_path / "post"), "Sumberanyar", author="Staf Pos")
    saenode.ok(["enroll", console_hub.add_node("Sumberanyar", name="Laptop Pos")], dir=post)
    assert saenode.run(["sync", "--json"], dir=post).rc == 0
    key = post_storage_key(post)
    assert len(key) == 32
    assert console_hub.query("SELECT storage_public_key FROM node") == [(key,)]
    budi = signed_in(console_hub, "budi")  # an operator reads the posts page too
    page = budi.get("/console/posts").text
    assert "Kunci penyimpanan" in page and fingerprint(key) in page
    devices = budi.api("GET", "/posts").json()["devices"]
    assert [d["storage_key"] for d in devices] == [fingerprint(key)]


def test_re_enrollment_replaces_the_key_and_a_bad_one_is_refused(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    first, second = bytes(range(32)), bytes(range(32, 64))
    request = device.enroll_request()
    request.storage_public_key = first
    answer = device.send(saeproto.ENROLL_REQUEST, request)
    assert answer.status == 200 and answer.type == ENROLL_RESPONSE, answer
    assert hub.query("SELECT storage_public_key FROM node") == [(first,)]
    before = hub.snapshot()
    for bad in (first[:31], first + b"\0"):
        request.storage_public_key = bad
        answer = device.send(saeproto.ENROLL_REQUEST, request)
        assert answer.status == 400, answer
        assert hub.snapshot() == before
        assert hub.query("SELECT storage_public_key FROM node") == [(first,)]
    request.storage_public_key = second  # the post enrolls again (its answer was lost)
    answer = device.send(saeproto.ENROLL_REQUEST, request)
    assert answer.status == 200, answer
    assert hub.query("SELECT storage_public_key FROM node") == [(second,)]


def test_an_older_post_enrolls_without_a_key(hub):
    device = saeproto.Device(hub.add_node("Sumberanyar"))
    answer = device.enroll()  # no field 7, as a post from before it
    assert answer.status == 200 and answer.type == ENROLL_RESPONSE, answer
    assert hub.query("SELECT storage_public_key FROM node") == [(None,)]
