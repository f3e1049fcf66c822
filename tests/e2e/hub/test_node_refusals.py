"""sae-node shows a hub's sealed refusals plainly (PROTOCOL.md sections 7 and 8). A hub that
does not take this sae-node's protocol is played by a small HTTPS server holding the real
hub's TLS key and X25519 key (so the post trusts it and opens its answers), answering every
request with an ErrorStatus UNSUPPORTED_SCHEMA as a hub of another schema would: sync says
which side to update, and nothing is lost."""
import http.server
import os
import sqlite3
import ssl
import threading

import nacl.public
import pytest

import saenode
import saeproto


class RefusingHub:
    """Answers every POST with a sealed ErrorStatus of schema `schema`, code 12; with answer
    (msg_type, bytes), with a 200 sealing those bytes as that type instead."""

    def __init__(self, hub, port, schema, message, answer=None):
        with open(os.path.join(hub.dir, "hub.key"), "rb") as f:
            key = nacl.public.PrivateKey(f.read())
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(self.path)
                post_key = outer.post_key(body)
                status = saeproto.pb.ErrorStatus(schema_version=schema,
                                                 code=saeproto.STATUS["UNSUPPORTED_SCHEMA"],
                                                 message=message.encode(),
                                                 hub_clock=saeproto.wall_ms() << 16)
                msg_type, plain, code = (saeproto.ERROR_STATUS, status.SerializeToString(), 400)
                if answer:
                    msg_type, plain, code = answer + (200,)
                sealed = saeproto.seal(msg_type, plain, key, post_key)
                self.send_response(code)
                self.send_header("Content-Type", saeproto.OCTET_STREAM)
                self.send_header("Content-Length", str(len(sealed)))
                self.end_headers()
                self.wfile.write(sealed)

            def log_message(self, *args):
                pass

        self.requests = []
        self.node_key = None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(hub.cert_path, os.path.join(hub.dir, "tls-key.pem"))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def post_key(self, body):
        """The post's public key: in the header of an enrollment, else from its journal."""
        if body[5] == saeproto.ENROLL_REQUEST:
            return bytes(body[14:46])
        return self.node_key

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("schema,words", [
    # Hubs of schema 1, 2 (before sealed values), 3 (before a post's sealed copies in pulls)
    # and 4 (before sealed-format version 2) refusing this schema-6 post, answering in their
    # newest version (PROTOCOL.md section 7, rule 5): all older than this post.
    (1, ["is older than this sae-node", "protocol schema 1", "ask the district to update "
         "sae-hub", "nothing was lost"]),
    (2, ["is older than this sae-node", "protocol schema 2", "ask the district to update "
         "sae-hub", "nothing was lost"]),
    (3, ["is older than this sae-node", "protocol schema 3", "ask the district to update "
         "sae-hub", "nothing was lost"]),
    (4, ["is older than this sae-node", "protocol schema 4", "ask the district to update "
         "sae-hub", "nothing was lost"]),
    # And 5 (before value boxes) refusing this schema-6 post.
    (5, ["is older than this sae-node", "protocol schema 5", "ask the district to update "
         "sae-hub", "nothing was lost"]),
    # A hub that takes schema 6 no more for this request, answering in it (rule 4, as this
    # hub answers a schema-4 pull), and one whose answer is of a schema this post cannot read.
    (6, ["update sae-node", "needs a newer one", "schema version not supported"]),
    (7, ["update sae-node", "speaks a newer protocol", "5 change(s) wait"]),
])
def test_sync_says_which_side_to_update(hub, tmp_path, schema, words):
    post = saenode.init(str(tmp_path / "post"))
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE)], dir=post)
    saenode.add_case(post)  # 5 changes: its 3 fields, the default status, its number
    port = hub.port
    assert hub.stop() == 0
    refusing = RefusingHub(hub, port, schema, "schema version not supported")
    try:
        res = saenode.run(["sync", "--json"], dir=post)
    finally:
        refusing.close()
    assert res.rc == 1, res
    error = res.json()["error"]
    for word in words:
        assert word in error, error
    assert refusing.requests == ["/v1/enroll"]
    status = saenode.ok(["status", "--json"], dir=post).json()
    assert status["pending"] == 5 and status["last_error"] == error
    # A pull refused the same way, once enrolled.
    with sqlite3.connect(os.path.join(post, "node.db")) as db:
        db.execute("UPDATE hub SET token = NULL, enrolled_ms = 1")
        public = db.execute("SELECT value FROM meta WHERE key = 'public_key'").fetchone()[0]
    refusing = RefusingHub(hub, port, schema, "schema version not supported")
    refusing.node_key = bytes(public)
    try:
        res = saenode.run(["sync", "--json"], dir=post)
    finally:
        refusing.close()
    assert res.rc == 1 and refusing.requests == ["/v1/pull"], res
    assert words[0] in res.json()["error"], res


def test_sync_names_a_wire_error(hub, tmp_path):
    """A hub's answer that opens but does not decode is a wire error (sae_wire_error.h): the
    line names it ("malformed message"), not "unknown error" (sae_error_name knows only the
    general codes)."""
    post = saenode.init(str(tmp_path / "post"))
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE)], dir=post)
    port = hub.port
    assert hub.stop() == 0
    # Field 1 as a length-delimited field running past the end: no protobuf decodes it.
    broken = RefusingHub(hub, port, 3, "", answer=(saeproto.ENROLL_RESPONSE, b"\x0a\x7f"))
    try:
        res = saenode.run(["sync", "--json"], dir=post)
    finally:
        broken.close()
    assert res.rc == 1, res
    error = res.json()["error"]
    assert "malformed message" in error and "unknown error" not in error, error
    assert broken.requests == ["/v1/enroll"]
