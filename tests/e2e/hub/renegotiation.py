"""Does a TLS 1.2 server accept a renegotiation its client starts (CVE-2011-1473: each one
costs the server a full handshake, a denial of service an attacker repeats on one
connection)? Decided by what the server does, never by how long it takes.

Why not testssl.sh's verdict: testssl 3.0.8 (Debian 12) pipes "R" into `openssl s_client`
and judges by s_client's exit status. Our listeners (libmicrohttpd on GnuTLS) answer the
new ClientHello with close_notify and close the connection; OpenSSL 3.0's s_client then
prints "closed" and exits 0. testssl's first try (`echo R | s_client`) reads that "closed"
only when the server's close arrives before s_client has read the end of its input, a race;
when it loses (3 of 30 tries against the post app here: "RENEGOTIATING", "DONE"),
testssl retries with four "R" lines one second apart and counts exit status 0
as success of renegotiation: "Secure Client-Initiated Renegotiation VULNERABLE (NOT ok)",
for a server that refused.

Here s_client runs with -msg and its input stays open: the check waits for the first
handshake's session, sends "R", waits for s_client's RENEGOTIATING, then for what the server
answers: a ServerHello and Finished of a second handshake (accepted: then one HTTP request
on the renegotiated connection must be answered), or an alert or the end of the connection
(refused). tests/e2e/hub/test_renegotiation_check.py proves the check on `openssl s_server`
with and without -client_renegotiation."""
import queue
import re
import subprocess
import threading
from types import SimpleNamespace

# Only a bound on a server that never answers: every verdict comes from an event.
ANSWER_S = 30


class _Client:
    """openssl s_client -tls1_2 -msg on 127.0.0.1:port, its output lines in a queue."""

    def __init__(self, port):
        self.proc = subprocess.Popen(
            ["openssl", "s_client", "-tls1_2", "-msg", "-connect", "127.0.0.1:%d" % port],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.transcript = []
        self.timed_out = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode(errors="replace").rstrip("\r\n"))
        self.lines.put(None)  # the end of s_client's output: the connection is over

    def next_line(self):
        """The next line, None at the end of the output or after ANSWER_S without one
        (timed_out)."""
        try:
            line = self.lines.get(timeout=ANSWER_S)
        except queue.Empty:
            self.timed_out = True
            return None
        if line is not None:
            self.transcript.append(line)
        return line

    def wait_for(self, pattern):
        """Reads up to the first line matching pattern; returns it, or None at the end."""
        while True:
            line = self.next_line()
            if line is None or re.search(pattern, line):
                return line

    def send(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        # The reader ends at the dead process's end of output; closing the pipe under it
        # would raise in its thread.
        self._reader.join()
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.stdout.close()


def _second_handshake(client):
    """After RENEGOTIATING: "done" when the server completed a new handshake, else how it
    refused ("alert: ...", "closed", or "no answer" for ANSWER_S)."""
    server_hello = False
    while True:
        line = client.next_line()
        if line is None:
            return "no answer" if client.timed_out else "closed"
        alert = re.search(r"^<<< .*Alert .*\], (.*)$", line)
        if alert:
            return "alert: " + alert.group(1)
        if re.search(r"^<<< .*Handshake .*ServerHello$", line):
            server_hello = True
        elif server_hello and re.search(r"^<<< .*Handshake .*Finished$", line):
            return "done"
        elif line == "closed":
            return "closed"


def client_renegotiation(port):
    """Tries one client-initiated renegotiation over TLS 1.2 on 127.0.0.1:port. Returns
    accepted (a second handshake completed and a request was then answered), how (the
    server's answer to the new ClientHello: "done", "alert: ...", "closed", "no answer"),
    answered (the status line of the request after a completed renegotiation) and the
    s_client transcript."""
    client = _Client(port)
    try:
        assert client.wait_for(r"^SSL-Session:") and client.wait_for(r"^---$"), \
            ("no TLS 1.2 handshake", client.transcript[-30:])
        assert client.send(b"R\n") and client.wait_for(r"^RENEGOTIATING$"), \
            ("s_client did not renegotiate", client.transcript[-30:])
        how = _second_handshake(client)
        answered = None
        if how == "done" and client.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         b"Connection: close\r\n\r\n"):
            answered = client.wait_for(r"^HTTP/1\.[01] \d{3}")
        return SimpleNamespace(accepted=how == "done" and answered is not None, how=how,
                               answered=answered, transcript="\n".join(client.transcript))
    finally:
        client.close()


def assert_refused(port):
    """The server on port refuses a client-initiated renegotiation: it never completes a
    second handshake."""
    result = client_renegotiation(port)
    assert not result.accepted and result.how != "done", (result.how, result.transcript)
    return result
