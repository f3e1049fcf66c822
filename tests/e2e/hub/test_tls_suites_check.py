"""The suites check of the attack tests (tls_suites.py) can fail: against OpenSSL's own test
server it finds a CBC suite, a SHA-1 MAC suite and a CCM suite where the server has them,
none where it has AES-GCM and ChaCha20 only, and it refuses to judge a server that completes
no handshake. And the premise that lets the post app's and the console's scans leave testssl's
-E and -U to the hub's (tls_suites.py says why): every listener is started by web/net/
http_server.c with its one priority string."""
import re

import pytest

import tls_suites
from repotree import REPO
from test_renegotiation_check import s_server  # noqa: F401 (a fixture)

AEAD12 = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305"
AEAD13 = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"


def test_a_server_with_aead_suites_only_passes(s_server):  # noqa: F811
    found = tls_suites.assert_aead_only(s_server("-cipher", AEAD12, "-ciphersuites", AEAD13))
    assert found.tls12 is None and found.tls13 is None, found


@pytest.mark.parametrize("extra, version", [
    ("ECDHE-ECDSA-AES128-SHA", "tls12"),        # CBC with a SHA-1 MAC
    ("ECDHE-ECDSA-AES256-SHA384", "tls12"),     # CBC with SHA-384
    ("ECDHE-ECDSA-AES128-CCM", "tls12"),        # CCM, an AEAD but not ours
])
def test_a_tls12_suite_but_aead_is_found(s_server, extra, version):  # noqa: F811
    port = s_server("-cipher", AEAD12 + ":" + extra + ":@SECLEVEL=0", "-ciphersuites", AEAD13)
    found = tls_suites.other_suites(port)
    assert found.tls12 == extra and found.tls13 is None, found
    with pytest.raises(AssertionError):
        tls_suites.assert_aead_only(port)


def test_a_tls13_ccm_suite_is_found(s_server):  # noqa: F811
    port = s_server("-cipher", AEAD12, "-ciphersuites", AEAD13 + ":TLS_AES_128_CCM_SHA256")
    found = tls_suites.other_suites(port)
    assert found.tls12 is None and found.tls13 == "TLS_AES_128_CCM_SHA256", found
    with pytest.raises(AssertionError):
        tls_suites.assert_aead_only(port)


def test_a_server_completing_no_handshake_is_not_passed(s_server):  # noqa: F811
    # Offers CBC only in TLS 1.2 and no TLS 1.3: the others' handshake in TLS 1.3 fails, and
    # so does the control's in both; the check must say so, not pass.
    port = s_server("-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", "-no_tls1_3")
    with pytest.raises(AssertionError, match="control handshake"):
        tls_suites.assert_aead_only(port)


def test_every_listener_is_made_by_the_one_tls_setup():
    sources = sorted(p for d in ("hub", "node", "web", "proto") for p in (REPO / d).rglob("*.c"))
    tls_options = [str(p.relative_to(REPO)) for p in sources
                   if re.search(r"MHD_USE_TLS|MHD_OPTION_HTTPS_", p.read_text())]
    assert tls_options == ["web/net/http_server.c"], \
        "a listener with a TLS setup of its own needs testssl's -E and -U scan: %s" % tls_options
    server = (REPO / "web/net/http_server.c").read_text()
    assert len(re.findall(r"MHD_OPTION_HTTPS_PRIORITIES, 0,\s*\(void \*\)\(uintptr_t\)"
                          r"TLS_PRIORITIES\}", server)) == 1
    assert len(re.findall(r"\bTLS_PRIORITIES\[\] =", server)) == 1
    starts = {str(p.relative_to(REPO)) for p in sources
              if re.search(r"\bhttp_server_start\(", p.read_text())}
    # The hub's posts listener, its console listener (both hub/cli/cli_serve.c) and the
    # post app (node/cli/cli_serve.c).
    assert {"hub/cli/cli_serve.c", "node/cli/cli_serve.c"} <= starts, starts
