"""Does a TLS server accept any cipher suite but AES-GCM and ChaCha20-Poly1305 (PROTOCOL.md
section 8)? Decided by two handshakes of `openssl s_client`, each offering every other suite
the local OpenSSL has, at security level 0: one in TLS 1.2 (CBC, SHA-1 MACs, CCM, ARIA,
Camellia, NULL, RSA key transport...) and one in TLS 1.3 (the two CCM suites). A server that
has any of them picks it and the handshake completes; one that has none ends it with an
alert. One handshake each, so a check takes a fraction of a second where testssl.sh's -E
tries each suite of each protocol.

Why this beside testssl.sh: the three daemons' listeners are one TLS stack (web/net/
http_server.c, one priority string; test_tls_suites_check.py keeps that true), so
test_hub_attack.py runs testssl's full cipher-per-protocol scan (-E) and every vulnerability
check (-U) once, on the hub's listener, and the post app's and the console's own listener
get this check, testssl's protocols (-p), cipher categories (-s), BREACH (-B) and headers
(-h). tests/e2e/hub/test_tls_suites_check.py proves the check on `openssl s_server`."""
import re
import subprocess
from types import SimpleNamespace

# Only a bound on a server that never answers: the verdict is what the handshake did.
HANDSHAKE_S = 30

TLS12_OTHERS = "ALL:COMPLEMENTOFALL:!AESGCM:!CHACHA20:@SECLEVEL=0"
TLS13_OTHERS = "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
# The control: the same handshakes offering the AEAD suites the listeners have must complete,
# so that a server closing every connection is never read as one refusing the others.
TLS12_AEAD = "AESGCM:CHACHA20"
TLS13_AEAD = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"


def _handshake(port, args):
    proc = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + args,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=HANDSHAKE_S)
    text = proc.stdout.decode(errors="replace")
    # s_client prints "Cipher is NAME" (and "Cipher    : NAME") once a handshake completed,
    # "Cipher is (NONE)" when it did not.
    chosen = re.search(r"Cipher is (\S+)", text)
    suite = chosen.group(1) if chosen and chosen.group(1) != "(NONE)" else None
    return suite, text


def other_suites(port):
    """The suites the server at 127.0.0.1:port picked when offered only the others:
    SimpleNamespace(tls12, tls13) (None where the handshake failed) and both transcripts."""
    tls12, text12 = _handshake(port, ["-tls1_2", "-cipher", TLS12_OTHERS])
    tls13, text13 = _handshake(port, ["-tls1_3", "-ciphersuites", TLS13_OTHERS])
    return SimpleNamespace(tls12=tls12, tls13=tls13, transcript=text12 + text13)


def assert_aead_only(port):
    """No suite but AES-GCM and ChaCha20-Poly1305 is accepted in TLS 1.2 or 1.3, where a
    handshake offering those completes in both."""
    for version, option, suites in (("-tls1_2", "-cipher", TLS12_AEAD),
                                    ("-tls1_3", "-ciphersuites", TLS13_AEAD)):
        chosen, text = _handshake(port, [version, option, suites])
        assert chosen is not None, ("the control handshake failed", version, text)
    found = other_suites(port)
    assert found.tls12 is None and found.tls13 is None, found
    return found
