"""The renegotiation check of the attack tests (renegotiation.py) can fail: against OpenSSL's
own test server it reports "accepted" when that server allows client-initiated
renegotiation (-client_renegotiation) and "refused" when it does not (OpenSSL 3.0's
default, which answers with a no_renegotiation alert, where our listeners close)."""
import re
import subprocess

import pytest

import renegotiation


@pytest.fixture
def s_server(tmp_path):
    """Starts `openssl s_server -www` with a fresh certificate on a port it picks; yields a
    function of its extra options that returns the port."""
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = []

    def start(*options):
        proc = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                 cert, "-key", key, "-www"] + list(options),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        servers.append(proc)
        for line in proc.stdout:
            accept = re.match(rb"ACCEPT 127\.0\.0\.1:(\d+)$", line.strip())
            if accept:
                return int(accept.group(1))
        raise AssertionError("openssl s_server did not listen (exit %s)" % proc.wait())

    yield start
    for proc in servers:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_a_server_allowing_client_renegotiation_is_reported_accepted(s_server):
    result = renegotiation.client_renegotiation(s_server("-client_renegotiation"))
    assert result.accepted and result.how == "done", result.transcript
    assert result.answered.startswith("HTTP/1.0 200"), result.answered
    with pytest.raises(AssertionError):
        renegotiation.assert_refused(s_server("-client_renegotiation"))


def test_a_server_refusing_client_renegotiation_is_reported_refused(s_server):
    result = renegotiation.assert_refused(s_server())
    assert result.how == "alert: warning no_renegotiation", result.transcript
    assert result.answered is None
