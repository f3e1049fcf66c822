"""The hub's TLS keys over real HTTPS with real processes (issue 9): posts trust the key, not
the certificate, so a renewed certificate, an expired one, a CA-issued one and a post whose
date is years off all work; a key roll is announced before it happens and posts that synced
meanwhile follow it; one that did not is told to enroll again, and does."""
import datetime
import ipaddress
import json
import os
import re
import socket
import sqlite3
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

import hubproc
import saenode
import saeproto
from test_node_clock import VILLAGE, Post


def stored_pins(post):
    """The pins a post keeps in its journal (node.db, read-only)."""
    db = sqlite3.connect("file:%s/node.db?mode=ro" % post.dir, uri=True)
    try:
        return set(db.execute("SELECT pin FROM hub").fetchone()[0].split(";"))
    finally:
        db.close()


def status(hub):
    return json.loads(hub.ok("tls", "status", "--json").stdout)


def served_certificate(hub):
    """The certificate the daemon serves now, as DER, fetched without trusting anything."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with context.wrap_socket(socket.create_connection(("127.0.0.1", hub.port),
                                                      timeout=30)) as sock:
        return x509.load_der_x509_certificate(sock.getpeercert(binary_form=True))


def pin_of(certificate):
    return saeproto.key_pin(certificate.public_bytes(serialization.Encoding.DER))


def test_key_roll_end_to_end(hub, tmp_path):
    """enroll, new-key, sync, roll, SIGHUP and restart serve: the post that synced since
    new-key keeps syncing; the one that did not gets a line saying to enroll again, and after
    enrolling with a new bundle it syncs too."""
    ready, away = Post(hub, tmp_path, "ready"), Post(hub, tmp_path, "away")
    case = ready.add_case()
    assert ready.sync()["ok"] and away.sync()["ok"]
    current = status(hub)["pin"]
    assert stored_pins(ready) == {current}

    out = hub.ok("tls", "new-key").stdout.decode()
    backup = status(hub)["backup_pin"]
    assert backup and backup in out and backup != current
    assert status(hub)["posts_not_synced_since"] == 2
    with open(hub.add_node(VILLAGE)) as f:
        assert json.load(f)["tls_pins"] == [current, backup]
    ready.ok("edit", case, "--set", "status=active")
    assert ready.sync()["pushed"] == 1
    assert stored_pins(ready) == {current, backup}
    assert status(hub)["posts_not_synced_since"] == 1

    # Rolling would strand the post that has not synced: refused, nothing changed.
    before = {name: open(os.path.join(hub.dir, name), "rb").read()
              for name in ("tls-cert.pem", "tls-key.pem", "tls-backup-key.pem")}
    refused = hub.run("tls", "roll")
    assert refused.returncode == 2, refused
    assert b"1 post(s) have not synced" in refused.stderr and b"--force" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    assert before == {name: open(os.path.join(hub.dir, name), "rb").read() for name in before}
    hub.ok("tls", "roll", "--force")
    assert status(hub)["pin"] == backup and status(hub)["backup_pin"] is None
    assert not os.path.exists(os.path.join(hub.dir, "tls-backup-key.pem"))
    # SIGHUP serves the new key at once, and announces it alone from then on.
    hub.reload()
    assert pin_of(served_certificate(hub)) == backup
    ready.ok("edit", case, "--set", "status=referred")
    assert ready.sync()["pushed"] == 1
    assert stored_pins(ready) == {backup}
    # A restart serves it too.
    hub.restart()
    assert pin_of(served_certificate(hub)) == backup
    assert ready.sync()["ok"]
    failed = away.run("sync")
    assert failed.rc == 1, failed
    line = failed.err_text.strip()
    assert len(line.splitlines()) == 1 and "sae-node enroll BUNDLE" in line, line
    assert "nothing was sent" in line
    assert "sae-node enroll BUNDLE" in away.ok("status").text

    # Enrolled already, the post asks the hub at once: the round enrolls it again and syncs.
    again = away.ok("enroll", hub.add_node(VILLAGE)).text
    assert "enrolled with the district hub" in again, again
    assert int(re.search(r"(\d+) received", again).group(1)) >= 2, again
    assert away.fields(case)["status"] == "referred"
    assert stored_pins(away) == {backup}
    assert len(hub.nodes()) == 2


def test_renew_keeps_the_key_and_sighup_serves_it(hub, tmp_path):
    """renew makes a certificate for the same key (hosts kept, or given again); SIGHUP serves
    it without a restart, and posts notice nothing."""
    post = Post(hub, tmp_path, "post")
    assert post.sync()["ok"]
    before = status(hub)
    hub.ok("tls", "renew", "--days", "30", "--host", "hub.example", "--host", "10.1.2.3")
    after = status(hub)
    assert after["pin"] == before["pin"]
    assert after["hosts"] == ["localhost", "127.0.0.1", "::1", "hub.example", "10.1.2.3"]
    ends = datetime.datetime.strptime(after["not_after"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs((ends - datetime.datetime.utcnow()).days - 30) <= 1
    hub.reload()
    served = served_certificate(hub)
    assert served.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ") == after["not_after"]
    post.add_case()
    assert post.sync()["pushed"] == 5
    # Without --host the names stay; the default validity is two years.
    hub.ok("tls", "renew")
    again = status(hub)
    assert again["hosts"] == after["hosts"] and again["pin"] == before["pin"]
    ends = datetime.datetime.strptime(again["not_after"], "%Y-%m-%dT%H:%M:%SZ")
    assert 729 <= (ends - datetime.datetime.utcnow()).days <= 730
    hub.reload()
    assert post.sync()["ok"]


def test_sighup_keeps_serving_when_the_files_do_not_match(hub, tmp_path):
    post = Post(hub, tmp_path, "post")
    other = hubproc.Hub(tmp_path / "other").init()
    cert = os.path.join(hub.dir, "tls-cert.pem")
    good = open(cert, "rb").read()
    with open(os.path.join(other.dir, "tls-cert.pem"), "rb") as f, open(cert, "wb") as out:
        out.write(f.read())
    hub.reload(expect=b"SIGHUP: keeping the certificate served")
    assert post.sync()["ok"]
    # At start, files that do not belong together stop serve, saying how to mend them.
    assert hub.stop() == 0
    refused = hub.run("serve", "--listen", "127.0.0.1:0")
    assert refused.returncode == 1, refused
    assert b"does not belong to the certificate" in refused.stderr
    assert b"run it again" in refused.stderr
    with open(cert, "wb") as out:
        out.write(good)


def test_post_whose_date_is_past_the_certificate_syncs(hub, tmp_path):
    """A post 1,000 days ahead is past the two-year certificate's end: it trusts the key."""
    post = Post(hub, tmp_path, "far", days=1000)
    post.add_case()
    result = post.sync()
    assert result["ok"] and result["pushed"] == 5


def make_ca_issued(tmp_path, server_key=None):
    """A small CA (as a district's IT would have) and a server certificate for 127.0.0.1
    signed by it: (chain path, server key path, CA key, CA certificate)."""
    now = datetime.datetime.utcnow()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dinas Kominfo test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = server_key or ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub.example")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("hub.example"),
                 x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    chain = tmp_path / ("chain-%d.pem" % leaf.serial_number)
    chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) +
                      ca.public_bytes(serialization.Encoding.PEM))
    key_path = tmp_path / "server-key.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(chain), str(key_path), key, leaf


def test_ca_issued_certificate_works_by_its_key(tmp_path):
    """A district's own certificate from its CA: the bundle pins its key, a real post syncs
    (no CA is trusted), and renewing with the next certificate of the CA for the same key
    changes nothing for the post."""
    chain, key_path, key, leaf = make_ca_issued(tmp_path)
    hub = hubproc.Hub(tmp_path / "hub")
    hub.ok("init", "--tls-cert", chain, "--tls-key", key_path)
    hub.start()
    try:
        post = Post(hub, tmp_path, "post")
        post.add_case()
        assert post.sync()["pushed"] == 5
        info = status(hub)
        assert info["self_signed"] is False and info["pin"] == pin_of(leaf)
        assert "hub.example" in info["hosts"]
        renewed, _, _, next_leaf = make_ca_issued(tmp_path, server_key=key)
        hub.ok("tls", "renew", "--tls-cert", renewed)
        hub.reload()
        assert served_certificate(hub).serial_number == next_leaf.serial_number
        post.add_case()
        assert post.sync()["pushed"] == 5
    finally:
        assert hub.stop() == 0


def test_saeproto_follows_announced_pins_and_refuses_other_keys(hub, tmp_path):
    """The independent client: a pull announces the served key and the backup key; a device
    pinned to another key refuses the hub before sending anything."""
    device = saeproto.Device(hub.add_node(VILLAGE))
    assert device.enroll().status == 200
    served = status(hub)["pin"]
    assert device.pull().message.tls_pins == [saeproto.pin_from_text(served)]
    hub.ok("tls", "new-key")
    backup = status(hub)["backup_pin"]
    device.pull()
    assert device.pins == {served, backup}
    stranger = saeproto.Device(hub.add_node(VILLAGE))
    stranger.pins.clear()
    stranger.pins.add(status(hubproc.Hub(tmp_path / "other").init())["pin"])
    with pytest.raises(saeproto.PinMismatch):
        stranger.enroll()
    assert len(hub.nodes()) == 1


def test_tls_commands_refuse_bad_input_and_change_nothing(hub, tmp_path):
    other = hubproc.Hub(tmp_path / "other").init()
    names = ("tls-cert.pem", "tls-key.pem")
    before = {n: open(os.path.join(hub.dir, n), "rb").read() for n in names}
    cases = [(["tls"], "tls needs status, renew, new-key or roll"),
             (["tls", "rotate"], "unknown tls command"),
             (["tls", "renew", "--days", "0"], "--days must be a whole number from 1 to 10000"),
             (["tls", "renew", "--days", "10001"], "from 1 to 10000"),
             (["tls", "renew", "--days", "12x"], "from 1 to 10000"),
             (["tls", "status", "--force"], "--force is for tls roll only"),
             (["tls", "renew", "--json"], "--json is for tls status only"),
             (["tls", "new-key", "--days", "3"], "are for tls renew and tls roll"),
             (["tls", "renew", "--tls-cert", other.cert_path, "--days", "3"],
              "with --tls-cert the certificate brings its own"),
             (["tls", "renew", "--tls-cert", other.cert_path], "does not belong"),
             (["tls", "renew", "--host", "bad host"], "not a valid host name"),
             (["tls", "roll"], "no backup key is prepared"),
             (["tls", "new-key", "--tls-key", other.cert_path], "not a readable unencrypted"),
             (["tls", "new-key", "--tls-key", os.path.join(hub.dir, "tls-key.pem")],
              "is the key served now")]
    for args, words in cases:
        proc = hub.run(*args)
        assert proc.returncode == 2, (args, proc)
        assert words.encode() in proc.stderr and len(proc.stderr.splitlines()) == 1, (args, proc)
    assert before == {n: open(os.path.join(hub.dir, n), "rb").read() for n in names}
    assert not os.path.exists(os.path.join(hub.dir, "tls-backup-key.pem"))
    assert not os.path.exists(os.path.join(hub.dir, "tls-cert.pem.new"))
    # A second new-key while one is prepared.
    hub.ok("tls", "new-key")
    proc = hub.run("tls", "new-key")
    assert proc.returncode == 2 and b"prepared already" in proc.stderr, proc
    for verb in ("status", "renew", "new-key", "roll"):
        assert hub.ok("tls", verb, "--help").stdout.startswith(b"Usage: sae-hub [-d DIR] tls ")


def test_new_key_announces_a_backup_key_left_unannounced(hub, tmp_path):
    """A new-key cut short after writing the key and before announcing it: status says so,
    and new-key run again announces that key instead of refusing or replacing it."""
    other = hubproc.Hub(tmp_path / "other").init()
    backup = os.path.join(hub.dir, "tls-backup-key.pem")
    with open(os.path.join(other.dir, "tls-key.pem"), "rb") as f, open(backup, "wb") as out:
        out.write(f.read())
    os.chmod(backup, 0o600)
    assert status(hub)["backup_announced_since"] is None
    assert b"not announced to posts yet" in hub.ok("tls", "status").stdout
    hub.ok("tls", "new-key")
    info = status(hub)
    assert info["backup_pin"] == status(other)["pin"] and info["backup_announced_since"]
