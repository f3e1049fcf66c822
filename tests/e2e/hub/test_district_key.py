"""The district storage key (issue 13, P3's foundation; docs/DESIGN.md "Data at rest") through
real sae-hub processes over real HTTPS: made at init with a recovery key printed once, its
secret unclaimed in district.key until a coordinator holds a wrap; each wrap (and the
recovery key's) read here by an independent reader of the format (PyNaCl), never through
sae-hub; a coordinator's sign-in holds the key, an operator's never; sign-out wipes it from
the serving process; a password change re-wraps the same key; an admin's reset (no key)
drops the wrap, a coordinator's reset gives a new one from their own key; the recovery key
gives it back after every coordinator lost their password; a hub from before migration 10
gets its pair at the next open and its recovery key from `keys init-recovery`; and no file
of the hub's directory ever holds the recovery key, a password or the district secret."""
import base64
import json
import os
import re
import sqlite3
import struct
import subprocess
import time

import nacl.bindings
import nacl.exceptions
import nacl.pwhash
import pytest

import hubproc
import saeproto
from console_client import Console
from test_post_storage_key import encodings, files_holding, readable_memory_holds

SARI, ANI, BUDI, RINA = "Bu Sari", "Bu Ani", "Pak Budi", "Bu Rina"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def recovery_bytes(text):
    """The 32 bytes of a recovery key's text (RFC 4648 base32, 52 characters)."""
    letters = text.replace("-", "").replace(" ", "").upper()
    assert len(letters) == 52
    return base64.b32decode(letters + "====")[:32]


def query(hub, sql, args=()):
    db = sqlite3.connect("file:%s?mode=ro" % hub.db_path, uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def meta(hub, key):
    rows = query(hub, "SELECT value FROM meta WHERE key = ?", (key,))
    return rows[0][0] if rows else None


def wrap_of(hub, name):
    return query(hub, "SELECT key_wrap FROM account WHERE name = ?", (name,))[0][0]


def unwrap(wrap, secret_text, params=(3, 32 * 1024)):
    """proto/STORAGE_KEYS.md section 2 (version 1 or 2), read without sae-hub's code."""
    assert struct.unpack(">II", wrap[8:16]) == params
    return saeproto.unwrap_key(wrap, secret_text)


def opens_with(wrap, password):
    try:
        unwrap(wrap, password.encode())
        return True
    except nacl.exceptions.CryptoError:
        return False


def memory_holds(pid, needle):
    """Whether needle is anywhere in the process's memory, its no-access pages too."""
    return readable_memory_holds(pid, needle, every=True)


def init(tmp_path):
    hub = hubproc.Hub(tmp_path / "hub")
    out = hub.ok("init").stdout.decode()
    text = re.search(r"^  ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){12})$", out, re.M).group(1)
    with open(os.path.join(hub.dir, "district.key"), "rb") as f:
        secret = f.read()
    assert len(secret) == 32
    assert os.stat(os.path.join(hub.dir, "district.key")).st_mode & 0o777 == 0o600
    assert nacl.bindings.crypto_scalarmult_base(secret) == meta(hub, "district_public_key")
    # The recovery wrap: the format's cheapest parameters, opened by the key's 32 bytes.
    assert unwrap(meta(hub, "district_recovery_wrap"), recovery_bytes(text), (1, 8)) == secret
    return hub, text, secret


def status(hub):
    return json.loads(hub.ok("keys", "status", "--json").stdout)


def recover(hub, name, text, password, expect=0):
    key_file = os.path.join(os.path.dirname(hub.dir), "recovery.txt")
    with open(key_file, "w") as f:
        f.write(text.lower().replace("-", " ") + "\n")  # as typed from paper
    proc = subprocess.run([hubproc.BIN, "-d", hub.dir, "keys", "recover", name,
                           "--recovery-file", key_file, "--password-stdin"],
                          input=(password + "\n").encode(), capture_output=True,
                          env=hubproc.hub_env(), timeout=60)
    os.unlink(key_file)
    assert proc.returncode == expect, proc
    return proc


def test_init_claim_and_recovery_from_the_command_line(tmp_path):
    hub, text, secret = init(tmp_path)
    assert status(hub)["unclaimed"] and status(hub)["recovery_key"]
    assert status(hub)["holders"] == 0
    pw = {SARI: hub.add_account(SARI), BUDI: hub.add_account(BUDI, "operator")}
    assert unwrap(wrap_of(hub, SARI), pw[SARI].encode()) == secret
    assert wrap_of(hub, BUDI) is None  # an operator never holds it
    # Retired: a coordinator holds it and the recovery key exists.
    assert not os.path.exists(os.path.join(hub.dir, "district.key"))
    assert status(hub) == {"fingerprint": status(hub)["fingerprint"], "unclaimed": False,
                           "recovery_key": True, "holders": 1}
    pw[ANI] = hub.add_account(ANI)  # no key at hand on the command line now
    assert wrap_of(hub, ANI) is None
    assert re.search(rb"Bu Ani +holds no key", hub.ok("keys", "status").stdout)
    # Every coordinator loses their password: an admin's reset keeps no wrap.
    proc = subprocess.run([hubproc.BIN, "-d", hub.dir, "users", "reset-password", SARI,
                           "--password-stdin"], input=b"a-new-password-for-sari\n",
                          capture_output=True, env=hubproc.hub_env(), timeout=60)
    assert proc.returncode == 0 and b"Bu Sari holds no district key" in proc.stdout, proc
    assert wrap_of(hub, SARI) is None and status(hub)["holders"] == 0
    # Refusals change nothing: not a key, the wrong key, not a coordinator.
    before = query(hub, "SELECT name, password_hash, key_wrap FROM account ORDER BY name")
    assert b"not a recovery key" in recover(hub, SARI, "not-a-key", "x" * 16, 2).stderr
    wrong = ("A" if text[0] != "A" else "B") + text[1:]
    assert b"does not open" in recover(hub, SARI, wrong, "an-unused-password", 1).stderr
    assert b"not an enabled coordinator" in recover(hub, BUDI, text, "another-pass", 2).stderr
    assert query(hub, "SELECT name, password_hash, key_wrap FROM account ORDER BY name") == before
    # The recovery key gives it back, with a new password.
    out = recover(hub, ANI, text, "ani-recovered-password").stdout
    assert b"Bu Ani holds the district key" in out
    assert unwrap(wrap_of(hub, ANI), b"ani-recovered-password") == secret
    assert query(hub, "SELECT actor, action, target, address FROM audit WHERE action = "
                 "'key-recover'")[0][1:] == ("key-recover", ANI, "cli")
    hub.ok("keys", "--help")
    assert hub.run("keys", "recover", ANI, "--recovery-file", "-", "--password-stdin") \
        .returncode == 2
    secrets = encodings(secret) + encodings(recovery_bytes(text)) + [
        text.encode(), text.replace("-", "").encode(), text.lower().encode(),
        b"ani-recovered-password", b"a-new-password-for-sari"] + [p.encode() for p in
                                                                   pw.values()]
    assert files_holding(hub.dir, secrets) == []


def test_console_sessions_hold_the_key_and_lose_it(tmp_path):
    hub, text, secret = init(tmp_path)
    pw = {SARI: hub.add_account(SARI), ANI: hub.add_account(ANI),
          BUDI: hub.add_account(BUDI, "operator"), RINA: hub.add_account(RINA, "admin")}
    hub.start()
    try:
        sari = Console(hub)
        assert sari.sign_in(SARI, pw[SARI]).json()["district_key"] is True
        sari.accept_conduct()
        assert sari.api("GET", "/session").json()["district_key"] is True
        budi = Console(hub)
        assert budi.sign_in(BUDI, pw[BUDI]).json()["district_key"] is False
        budi.accept_conduct()
        # The posts page says who holds it, in Indonesian first; operators see no reset.
        page = budi.get("/console/posts").text
        assert "Kunci data" in page and status(hub)["fingerprint"] in page
        assert "key-reset" not in page
        assert budi.request("POST", "/console/posts/key-reset",
                            data={"csrf": budi.csrf, "name": ANI}).status_code == 403
        page = sari.get("/console/posts", cookies={"sae_lang": "en"}).text
        assert "Data key" in page and "Reset password and give the key" in page
        # Ani forgets her password: Sari resets it and gives her the key from her session.
        r = sari.request("POST", "/console/posts/key-reset", data={"csrf": sari.csrf,
                                                                  "name": ANI})
        assert r.status_code == 200, r.text[:300]
        ani_pw = re.search(r'id="one-time"[^>]*>([^<]+)<', r.text).group(1)
        assert unwrap(wrap_of(hub, ANI), ani_pw.encode()) == secret
        assert not opens_with(wrap_of(hub, ANI), pw[ANI])
        ani = Console(hub)
        assert ani.sign_in(ANI, ani_pw).json()["district_key"] is True
        ani.accept_conduct()
        # A password change wraps the same key under the new password; the old one fails.
        old_wrap = wrap_of(hub, ANI)
        assert ani.api("POST", "/password", {"current": ani_pw,
                                             "new": "ani-changed-password"}).status_code == 200
        assert unwrap(wrap_of(hub, ANI), b"ani-changed-password") == secret
        assert not opens_with(wrap_of(hub, ANI), ani_pw)
        assert files_holding(hub.dir, [old_wrap[56:]]) == []  # scrubbed, WAL too
        # An admin holds no key: their reset of a coordinator drops the wrap.
        rina = Console(hub)
        assert rina.sign_in(RINA, pw[RINA]).json()["district_key"] is False
        rina.accept_conduct()
        assert "Kunci data" in rina.get("/console/accounts").text
        r = rina.request("POST", "/console/accounts/reset", data={"csrf": rina.csrf,
                                                                 "name": ANI})
        assert r.status_code == 200
        rina_set = re.search(r'id="one-time"[^>]*>([^<]+)<', r.text).group(1)
        assert wrap_of(hub, ANI) is None
        ani = Console(hub)
        assert ani.sign_in(ANI, rina_set).json()["district_key"] is False
        # Held by Sari's session alone, in the serving process; sign-out wipes it.
        assert memory_holds(hub.proc.pid, secret)
        assert sari.api("DELETE", "/session").status_code == 200
        assert not memory_holds(hub.proc.pid, secret)
        # A disabled coordinator loses their wrap.
        assert rina.request("POST", "/console/accounts/disable",
                            data={"csrf": rina.csrf, "name": SARI}).status_code == 303
        assert wrap_of(hub, SARI) is None
        assert status(hub)["holders"] == 0
        # Every coordinator without the key: the recovery key gives it back.
        recover(hub, ANI, text, "ani-after-recovery-pass")
        ani = Console(hub)
        assert ani.sign_in(ANI, "ani-after-recovery-pass").json()["district_key"] is True
        secrets = encodings(secret) + encodings(recovery_bytes(text)) + [
            text.encode(), text.replace("-", "").encode(), ani_pw.encode(), rina_set.encode(),
            b"ani-changed-password", b"ani-after-recovery-pass"] + [
            p.encode() for p in pw.values()]
        assert files_holding(hub.dir, secrets) == []
        assert not any(s in hub.log_text() for s in secrets)
    finally:
        assert hub.stop() == 0


def add_in_console(hub, admin, admin_pw, name):
    """name added as a coordinator on the console's Accounts page by the admin; returns the
    one-time password the page shows."""
    console = Console(hub)
    console.sign_in(admin, admin_pw)
    console.accept_conduct()
    r = console.request("POST", "/console/accounts/add",
                        data={"csrf": console.csrf, "name": name, "role": "coordinator",
                              "agency": ""})
    assert r.status_code == 200, r.text[:300]
    return re.search(r'id="one-time"[^>]*>([^<]+)<', r.text).group(1)


# Hub migration 17 undone (tests/support/merge_support.h's UNDO_HUB_MIGRATION_17_SQL, the
# same statements): reports keyed by id again, the winners a table by id, no report number
# on the change rows.
UNDO_HUB_MIGRATION_17 = (
    "DROP VIEW field_state",
    "CREATE TABLE field_state(report_id TEXT NOT NULL, field TEXT NOT NULL,"
    " change INTEGER NOT NULL, heads INTEGER NOT NULL DEFAULT 1,"
    " PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID",
    "INSERT INTO field_state SELECT r.id, w.field, w.change, w.heads FROM field_winner w"
    " JOIN report r ON r.no = w.report_no",
    "DROP TABLE field_winner",
    "DROP INDEX change_by_field",
    "CREATE INDEX change_by_field ON change(report_id, field)",
    "ALTER TABLE change DROP COLUMN report_no",
    "ALTER TABLE report RENAME TO report_17",
    "CREATE TABLE report(id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL,"
    " village TEXT NOT NULL, first_change INTEGER NOT NULL) STRICT, WITHOUT ROWID",
    "INSERT INTO report SELECT id, kind, village, first_change FROM report_17",
    "DROP TABLE report_17",
    "CREATE INDEX report_by_village ON report(village, first_change)",
    "CREATE INDEX report_by_kind_village ON report(kind, village)",
)


def test_hub_from_before_migration_10_gets_its_key(tmp_path):
    hub, _, _ = init(tmp_path)
    pw = hub.add_account(SARI)
    # Back to schema 9: no key anywhere, as a hub upgraded from the last release.
    assert not os.path.exists(os.path.join(hub.dir, "district.key"))
    hub.write_db("DELETE FROM meta WHERE key IN ('district_public_key', "
                 "'district_recovery_wrap')")
    hub.write_db("ALTER TABLE account DROP COLUMN key_wrap")
    hub.write_db("ALTER TABLE node DROP COLUMN storage_public_key")
    hub.write_db("DROP TABLE sealed_value")  # migration 11
    hub.write_db("DROP TABLE value_grant")
    hub.write_db("DROP TABLE name_index")  # migration 12
    hub.write_db("DROP TABLE erased_report")  # migration 13
    hub.write_db("DELETE FROM meta WHERE key = 'name_index_cursor'")
    hub.write_db("DROP TABLE dup_change_name")  # migration 14
    hub.write_db("DROP TABLE agency_key")  # migration 15
    hub.write_db("DROP INDEX change_by_case_id")
    for sql in UNDO_HUB_MIGRATION_17:
        hub.write_db(sql)
    hub.write_db("PRAGMA user_version = 9")
    st = status(hub)  # the next open migrates and makes the pair
    assert query(hub, "PRAGMA user_version") == [(hubproc.HUB_SCHEMA_VERSION,)]
    assert st["unclaimed"] and not st["recovery_key"] and st["holders"] == 0
    with open(os.path.join(hub.dir, "district.key"), "rb") as f:
        secret = f.read()
    assert b"keys init-recovery" in hub.ok("keys", "status").stdout
    rina_pw = hub.add_account(RINA, "admin")
    # The coordinator's next sign-in gives her a wrap; the file waits for the recovery key.
    hub.start()
    try:
        sari = Console(hub)
        assert sari.sign_in(SARI, pw).json()["district_key"] is True
        assert unwrap(wrap_of(hub, SARI), pw.encode()) == secret
        # ... and moves her to one Argon2id's verifier and wrap (STORAGE_KEYS.md 2a), so
        # that her next sign-in checks the password and opens the key with one Argon2id.
        hashed = query(hub, "SELECT password_hash FROM account WHERE name = ?", (SARI,))[0][0]
        assert saeproto.passkey_matches(hashed, pw.encode(), wrap_of(hub, SARI))
        assert Console(hub).sign_in(SARI, pw).json()["district_key"] is True
        assert query(hub, "SELECT password_hash FROM account WHERE name = ?",
                     (SARI,))[0][0] == hashed
        assert os.path.exists(os.path.join(hub.dir, "district.key"))
        # Meanwhile a coordinator an admin adds in the console gets it from the file.
        ani_pw = add_in_console(hub, RINA, rina_pw, ANI)
        assert unwrap(wrap_of(hub, ANI), ani_pw.encode()) == secret
        out = hub.ok("keys", "init-recovery").stdout.decode()
        text = re.search(r"^  ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){12})$", out, re.M).group(1)
        assert unwrap(meta(hub, "district_recovery_wrap"), recovery_bytes(text),
                      (1, 8)) == secret
        assert not os.path.exists(os.path.join(hub.dir, "district.key"))
        assert hub.run("keys", "init-recovery").returncode == 2
    finally:
        assert hub.stop() == 0


def hash_of(hub, name):
    return query(hub, "SELECT password_hash FROM account WHERE name = ?", (name,))[0][0]


def test_coordinators_are_written_in_the_form_of_one_argon2id(tmp_path):
    """A coordinator added by `users add` while the key waits unclaimed, one an admin adds in
    the console (no key at hand) and one a holder gives the key on the Posts page hold a
    verifier (and the wrap paired with it) of one Argon2id (STORAGE_KEYS.md 2a) from the
    start: signing in opens the key and rewrites nothing. Others keep Argon2id hashes."""
    hub, _, secret = init(tmp_path)
    rina_pw = hub.add_account(RINA, "admin")
    pw = hub.add_account(SARI)
    assert saeproto.passkey_matches(hash_of(hub, SARI), pw.encode(), wrap_of(hub, SARI))
    assert unwrap(wrap_of(hub, SARI), pw.encode()) == secret
    assert hash_of(hub, RINA).startswith("$argon2id$")
    hub.start()
    try:
        add_in_console(hub, RINA, rina_pw, ANI)
        assert hash_of(hub, ANI).startswith("$sae-passkey$v=1$") and wrap_of(hub, ANI) is None
        sari = Console(hub)
        written = hash_of(hub, SARI), wrap_of(hub, SARI)
        assert sari.sign_in(SARI, pw).json()["district_key"] is True
        assert (hash_of(hub, SARI), wrap_of(hub, SARI)) == written
        sari.accept_conduct()
        r = sari.request("POST", "/console/posts/key-reset",
                         data={"csrf": sari.csrf, "name": ANI})
        assert r.status_code == 200, r.text[:300]
        ani_pw = re.search(r'id="one-time"[^>]*>([^<]+)<', r.text).group(1)
        assert saeproto.passkey_matches(hash_of(hub, ANI), ani_pw.encode(), wrap_of(hub, ANI))
        written = hash_of(hub, ANI), wrap_of(hub, ANI)
        assert Console(hub).sign_in(ANI, ani_pw).json()["district_key"] is True
        assert (hash_of(hub, ANI), wrap_of(hub, ANI)) == written
    finally:
        assert hub.stop() == 0


@pytest.mark.serial  # an idle limit of seconds
def test_an_expired_session_loses_the_key_without_a_request(tmp_path):
    hub, _, secret = init(tmp_path)
    pw = hub.add_account(SARI)
    # Long enough for the first scan of the daemon's memory (every page, its mmap of hub.db
    # too) to end before the session does: with 2 s the sweep could wipe the key mid-scan.
    hub.start(env={"SAE_TEST_SESSION_IDLE_S": "8"})
    try:
        sari = Console(hub)
        assert sari.sign_in(SARI, pw).json()["district_key"] is True
        assert memory_holds(hub.proc.pid, secret)
        # The sweep runs once a second: no request is needed for the key to go.
        deadline = time.monotonic() + 30
        while memory_holds(hub.proc.pid, secret) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not memory_holds(hub.proc.pid, secret)
        assert sari.api("GET", "/session").status_code == 401
    finally:
        assert hub.stop() == 0


def test_a_session_from_before_a_restart_holds_no_key_and_a_password_change_keeps_it(tmp_path):
    hub, _, secret = init(tmp_path)
    pw = hub.add_account(SARI)
    hub.start()
    try:
        sari = Console(hub)
        assert sari.sign_in(SARI, pw).json()["district_key"] is True
        sari.accept_conduct()
        hub.restart()  # the key lived in the old process only
        assert sari.api("GET", "/session").json()["district_key"] is False
        assert not memory_holds(hub.proc.pid, secret)
        # The change opens the key with the current password to wrap it under the new one.
        assert sari.api("POST", "/password", {"current": pw, "new": "sari-new-password-1"}) \
            .status_code == 200
        assert unwrap(wrap_of(hub, SARI), b"sari-new-password-1") == secret
        assert not memory_holds(hub.proc.pid, secret)  # opened for the change, then wiped
        sari = Console(hub)
        assert sari.sign_in(SARI, "sari-new-password-1").json()["district_key"] is True
    finally:
        assert hub.stop() == 0
