"""The post's storage key (issue 13, docs/DESIGN.md "Data at rest"): made at init with its
secret half unclaimed in storage.key until the first head holds it; each staff member's wrap
(Argon2id + XChaCha20-Poly1305, proto/STORAGE_KEYS.md) checked here by an independent reader
of the format (PyNaCl), never through sae-node itself; no passphrase nor the secret key in
any file of the post's directory (node.db, its WAL, anything else), in raw, hex or base64;
a reset wraps the same key under the new passphrase and scrubs the old wrap; a removed staff
member's wrap is gone from every byte on disk; the key is wiped from the serving process at
sign-out; a journal from before node migration 10 gets its key at its first open and its
staff their wraps at their next sign-in."""
import base64
import os
import re
import sqlite3
import struct

import nacl.bindings
import nacl.pwhash

import node_app
import saenode
import saeproto
from test_post_app_staff import Client

WRAP_BYTES = 104
HEAD, HEAD_PASS = "Bu Sari", "kopi-pahit-di-pagi-hari"
BUDI, BUDI_PASS = "Pak Budi", "teh-manis-sore-hari"


def read_secret(post_dir):
    with open(os.path.join(post_dir, "storage.key"), "rb") as f:
        secret = f.read()
    assert len(secret) == 32
    assert os.stat(os.path.join(post_dir, "storage.key")).st_mode & 0o777 == 0o600
    return secret


def query(post_dir, sql, args=()):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(post_dir, "node.db"), uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def public_key(post_dir):
    return query(post_dir, "SELECT value FROM meta WHERE key = 'storage_public_key'")[0][0]


def wrap_of(post_dir, name):
    rows = query(post_dir, "SELECT key_wrap FROM staff WHERE name = ?", (name,))
    return rows[0][0] if rows else None


def unwrap(wrap, passphrase):
    """The format of proto/STORAGE_KEYS.md (version 1 or 2), read without sae-node's code."""
    assert struct.unpack(">II", wrap[8:16]) == (3, 32 * 1024)  # the programs' parameters
    return saeproto.unwrap_key(wrap, passphrase.encode())


def verifier_matches(text, passphrase, wrap):
    return saeproto.passkey_matches(text, passphrase.encode(), wrap)


def old_form(passphrase, secret):
    """A hash and wrap as sae-node wrote them from node migration 10 (two Argon2id)."""
    ops, mem = 3, 32 * 1024 * 1024
    hashed = nacl.pwhash.argon2id.str(passphrase.encode(), opslimit=ops, memlimit=mem)
    salt, nonce = os.urandom(16), os.urandom(24)
    header = b"SAEK\x01\x01\x00\x00" + struct.pack(">II", ops, mem // 1024) + salt + nonce
    key = nacl.pwhash.argon2id.kdf(32, passphrase.encode(), salt, opslimit=ops, memlimit=mem)
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, header, nonce, key)
    return hashed.decode(), header + sealed


def opens_with(wrap, passphrase):
    try:
        unwrap(wrap, passphrase)
        return True
    except nacl.exceptions.CryptoError:
        return False


def encodings(secret):
    return [secret, secret.hex().encode(), secret.hex().upper().encode(),
            base64.b64encode(secret), base64.b64encode(secret).rstrip(b"="),
            base64.urlsafe_b64encode(secret).rstrip(b"=")]


def files_holding(post_dir, needles):
    """Every file of the directory (node.db, -wal, -shm, keys, certificates) holding one."""
    found = []
    for name in sorted(os.listdir(post_dir)):
        with open(os.path.join(post_dir, name), "rb") as f:
            data = f.read()
        found += [(name, n[:12]) for n in needles if n in data]
    return found


def users(post_dir, *args, lines=(), expect=0):
    result = saenode.run(["users", *args], dir=post_dir,
                         input="".join(line + "\n" for line in lines).encode())
    assert result.rc == expect, result
    return result


def test_key_made_at_init_claimed_by_first_head_and_never_on_disk_in_clear(tmp_path):
    post = str(tmp_path / "post")
    said = saenode.ok(["init", "--village", saenode.VILLAGE], dir=post).text
    assert "add the post's head" in said
    secret = read_secret(post)
    assert nacl.bindings.crypto_scalarmult_base(secret) == public_key(post)
    status = saenode.ok(["status", "--json"], dir=post).json()
    assert (status["storage_key"], status["key_holders"]) == ("unclaimed", 0)
    assert "add the head" in saenode.ok(["status"], dir=post).text
    users(post, "add", HEAD, "--role", "head", lines=[HEAD_PASS])
    status = saenode.ok(["status", "--json"], dir=post).json()
    assert (status["storage_key"], status["key_holders"]) == ("wrapped", 1)
    # The first head holds it: the unclaimed copy is gone, the wrap opens to the same key.
    assert not os.path.exists(os.path.join(post, "storage.key"))
    assert unwrap(wrap_of(post, HEAD), HEAD_PASS) == secret
    users(post, "add", BUDI, "--head", HEAD, lines=[HEAD_PASS, BUDI_PASS])
    assert unwrap(wrap_of(post, BUDI), BUDI_PASS) == secret
    # A wrong head passphrase: one line, exit 2, nothing added.
    refused = users(post, "add", "Bu Ani", "--head", HEAD, lines=["bukan-kunci-kepala",
                                                                   "frasa-sandi-bu-ani"],
                    expect=2)
    assert b"does not open the post's storage key" in refused.err
    assert query(post, "SELECT count(*) FROM staff WHERE name = 'Bu Ani'") == [(0,)]
    staff_before = query(post, "SELECT * FROM staff ORDER BY name")
    not_head = users(post, "add", "Bu Ani", "--head", BUDI, lines=[BUDI_PASS, "frasa-bu-ani-1"],
                     expect=2)
    assert b"is not one" in not_head.err
    assert b"--head and --one-time go with" in users(post, "list", "--head", HEAD, expect=2).err
    assert query(post, "SELECT * FROM staff ORDER BY name") == staff_before
    # Without --head once a head holds the key: added, told there is no key for her.
    added = users(post, "add", "Bu Ani", lines=["frasa-sandi-bu-ani"])
    assert b"holds no key" in added.out and wrap_of(post, "Bu Ani") is None
    needles = encodings(secret) + [p.encode() for p in (HEAD_PASS, BUDI_PASS,
                                                          "frasa-sandi-bu-ani")]
    assert files_holding(post, needles) == []


def test_reset_rewraps_same_key_and_remove_scrubs_the_wrap(tmp_path):
    post = str(tmp_path / "post")
    saenode.init(post)
    secret = read_secret(post)
    users(post, "add", HEAD, "--role", "head", lines=[HEAD_PASS])
    users(post, "add", BUDI, "--head", HEAD, lines=[HEAD_PASS, BUDI_PASS])
    old_wrap = wrap_of(post, BUDI)
    users(post, "reset", BUDI, "--head", HEAD, lines=[HEAD_PASS, "teh-tawar-malam-hari"])
    new_wrap = wrap_of(post, BUDI)
    assert unwrap(new_wrap, "teh-tawar-malam-hari") == secret
    assert not opens_with(new_wrap, BUDI_PASS)
    # The old wrap, which the old passphrase opens, is on no byte of the directory.
    assert files_holding(post, [old_wrap, old_wrap[56:]]) == []
    # A reset without the key leaves no wrap at all (never the old one).
    users(post, "reset", BUDI, lines=["teh-susu-tengah-hari"])
    assert wrap_of(post, BUDI) is None
    assert files_holding(post, [new_wrap[56:]]) == []
    users(post, "reset", BUDI, "--head", HEAD, lines=[HEAD_PASS, "teh-susu-tengah-hari"])
    last_wrap = wrap_of(post, BUDI)
    users(post, "remove", BUDI)
    assert query(post, "SELECT count(*) FROM staff WHERE name = ?", (BUDI,)) == [(0,)]
    assert files_holding(post, [last_wrap, last_wrap[56:]]) == []
    # The last one holding the key cannot be removed: the data would be lost for good.
    refused = users(post, "remove", HEAD, expect=2)
    assert b"only one whose passphrase opens" in refused.err
    assert wrap_of(post, HEAD) is not None
    users(post, "remove", "Nobody", expect=2)


def test_remove_under_another_reader_is_scrubbed_at_the_next_open(tmp_path):
    """`users remove` while another process is in the middle of reading the journal: the
    removal stands and the command says the old wrap is scrubbed later (the WAL could not be
    emptied); once the reader is done, the next command's open scrubs it from every file."""
    post = str(tmp_path / "post")
    saenode.init(post)
    users(post, "add", HEAD, "--role", "head", lines=[HEAD_PASS])
    users(post, "add", BUDI, "--head", HEAD, lines=[HEAD_PASS, BUDI_PASS])
    wrap = wrap_of(post, BUDI)
    reader = sqlite3.connect(os.path.join(post, "node.db"), isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM staff").fetchall() == [(2,)]
        removed = saenode.run(["users", "remove", BUDI], dir=post,
                              env=saenode.clean_env(SAE_BUSY_TIMEOUT_MS="200"))
        assert removed.rc == 0, removed
        assert b"is scrubbed when the journal is next closed or opened" in removed.err
        assert query(post, "SELECT count(*) FROM staff WHERE name = ?", (BUDI,)) == [(0,)]
        assert files_holding(post, [wrap[56:]]) != []
        reader.execute("COMMIT")
        listed = users(post, "list")  # its open scrubs; the reader's connection stays open
        assert BUDI.encode() not in listed.out
        assert files_holding(post, [wrap, wrap[56:]]) == []
        assert query(post, "SELECT count(*) FROM meta WHERE key = 'wal_scrub_pending'") == \
            [(0,)]
    finally:
        reader.close()


def readable_memory_holds(pid, needle, every=False):
    """Whether needle is in any readable mapping of the process (root reads /proc/PID/mem);
    every: in any mapping, no-access pages too (root reads past their protection), where a
    key held between uses is found."""
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if (not every and "r" not in fields[1]) or (
                    len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    return True
            except (OSError, ValueError, OverflowError):
                continue
    return False


def key_cell(page, name):
    """The class of the "Kunci data" cell in name's row of the Petugas table."""
    row = next(r for r in page.split("<tr") if ">%s</td>" % name in r)
    return re.search(r'class="(key-[a-z]+)"', row).group(1)


def test_app_signs_in_with_key_head_wraps_for_staff_and_sign_out_wipes(tmp_path):
    post = str(tmp_path / "post")
    saenode.init(post)
    secret = read_secret(post)
    app = node_app.PostApp(post).add_staff(HEAD, HEAD_PASS, role="head").start()
    try:
        with open("/proc/%d/limits" % app.proc.pid) as f:
            assert re.search(r"^Max core file size\s+0\s+0\s", f.read(), re.M)
        head = Client(app.url)
        assert head.sign_in(HEAD, HEAD_PASS)[0] == 303
        # While signed in, the key is in the process (between uses in no-access pages).
        status, page = head.request("/staff/add", {"csrf": head.csrf("/staff"), "name": BUDI,
                                                   "role": "staff"})
        assert status == 200, page[:300]
        one_time = re.search(r'id="one-time">([^<]+)<', page).group(1)
        first_wrap = wrap_of(post, BUDI)
        assert unwrap(first_wrap, one_time) == secret
        # Written in the form of one Argon2id (STORAGE_KEYS.md 2a), not moved at sign-in.
        assert verifier_matches(hash_of(post, BUDI), one_time, first_wrap)
        status, page = head.request("/staff/reset", {"csrf": head.csrf("/staff"), "name": BUDI})
        assert status == 200
        second = re.search(r'id="one-time">([^<]+)<', page).group(1)
        assert unwrap(wrap_of(post, BUDI), second) == secret
        assert verifier_matches(hash_of(post, BUDI), second, wrap_of(post, BUDI))
        written = hash_of(post, BUDI), wrap_of(post, BUDI)
        assert not opens_with(wrap_of(post, BUDI), one_time)
        # Scrubbed while serve (and its sync loop's connection) has the journal open too.
        assert files_holding(post, [first_wrap[56:]]) == []
        users(post, "add", "Bu Ani", lines=["frasa-sandi-bu-ani"])  # no --head: no key
        page = head.request("/staff")[1]
        assert (key_cell(page, HEAD), key_cell(page, BUDI), key_cell(page, "Bu Ani")) == \
            ("key-held", "key-held", "key-none")
        assert "Belum: kepala pos mengatur ulang frasa sandinya" in page
        budi = Client(app.url)
        assert budi.sign_in(BUDI, second)[0] == 303
        assert (hash_of(post, BUDI), wrap_of(post, BUDI)) == written
        assert head.request("/sign-out", {"csrf": head.csrf("/")})[0] == 303
        assert budi.request("/sign-out", {"csrf": budi.csrf("/")})[0] == 303
        # The scan reads the process (it finds the directory's path the store keeps), and the
        # key is in none of its readable memory once both sessions ended.
        assert readable_memory_holds(app.proc.pid, post.encode())
        assert not readable_memory_holds(app.proc.pid, secret)
        assert files_holding(post, encodings(secret) + [HEAD_PASS.encode(), second.encode(),
                                                         one_time.encode()]) == []
    finally:
        assert app.stop() == 0


# Node migration 17 undone: the tables name reports by id again, as at schema 16.
UNDO_MIGRATION_17 = (
    "DROP VIEW report_field; DROP VIEW field_shown; DROP VIEW journal;"
    "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;"
    "CREATE TABLE journal(seq INTEGER PRIMARY KEY AUTOINCREMENT, report_id TEXT NOT NULL,"
    " kind TEXT NOT NULL, field TEXT NOT NULL, value TEXT, version INTEGER NOT NULL,"
    " origin INTEGER NOT NULL, base_version INTEGER NOT NULL, base_origin INTEGER NOT NULL,"
    " origin_seq INTEGER, seen_cursor INTEGER NOT NULL DEFAULT 0, restamp_of INTEGER,"
    " author TEXT, note TEXT, device TEXT, hub_sealed BLOB) STRICT;"
    "INSERT INTO journal SELECT j.seq, r.id, j.kind, j.field, j.value, j.version, j.origin,"
    " j.base_version, j.base_origin, j.origin_seq, j.seen_cursor, j.restamp_of, j.author,"
    " j.note, j.device, j.hub_sealed FROM journal_entry j JOIN report r ON r.num = j.report_num;"
    "CREATE TABLE field_shown(report_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT,"
    " version INTEGER NOT NULL, origin INTEGER NOT NULL, under_review INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, state_version INTEGER, state_origin INTEGER,"
    " PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
    "INSERT INTO field_shown SELECT r.id, f.field, f.value, f.version, f.origin,"
    " f.under_review, f.seq, f.state_version, f.state_origin"
    " FROM field_shown_row f JOIN report r ON r.num = f.report_num;"
    "CREATE TABLE report_16(id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL,"
    " first_seq INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "INSERT INTO report_16 SELECT id, kind, first_seq FROM report;"
    "DROP TABLE journal_entry; DROP TABLE field_shown_row; DROP TABLE report;"
    "ALTER TABLE report_16 RENAME TO report;"
    "CREATE INDEX report_by_kind ON report(kind, first_seq);"
    "CREATE INDEX report_by_seq ON report(first_seq);"
    "CREATE INDEX journal_by_report_prefix ON journal(substr(report_id, 1, 8));"
    "CREATE UNIQUE INDEX journal_by_origin ON journal(origin, origin_seq)"
    " WHERE origin_seq IS NOT NULL;"
    "CREATE UNIQUE INDEX journal_restamps ON journal(restamp_of) WHERE restamp_of IS NOT NULL;"
    "CREATE TRIGGER journal_no_update BEFORE UPDATE OF seq, report_id, kind, field, value,"
    " version, origin, base_version, base_origin, origin_seq, seen_cursor, restamp_of,"
    " author, note, device ON journal"
    " BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal"
    " BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
    "CREATE INDEX field_shown_by_value ON field_shown(field, value) WHERE"
    " field = '_deleted' OR field = 'status' OR field = 'risk_level'"
    " OR field = 'intake_date' OR field = 'registration_number' OR field = 'victim_name'"
    " OR field = 'narrative' OR field = 'case_id' OR field = 'service_date'"
    " OR field = 'planned_end_date' OR field = 'referral_status';"
    "CREATE VIEW report_field(report_id, field, version, origin, seq) AS"
    " SELECT report_id, field, coalesce(state_version, version),"
    " coalesce(state_origin, origin), seq FROM field_shown;")


def make_pre_migration_10(post):
    """A journal as sae-node before node migration 10 left it: staff with hashes, no key."""
    db = sqlite3.connect(os.path.join(post, "node.db"))
    db.executescript(UNDO_MIGRATION_17 +
                     "DROP INDEX journal_by_report_prefix;"  # 16 narrowed the index
                     "CREATE INDEX journal_by_report ON journal(report_id, seq);"
                     "DROP VIEW report_field;"  # 15 folded the state into field_shown
                     "CREATE TABLE report_field(report_id TEXT NOT NULL, field TEXT NOT NULL,"
                     " version INTEGER NOT NULL, origin INTEGER NOT NULL, seq INTEGER NOT NULL,"
                     " PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"
                     "INSERT INTO report_field SELECT report_id, field, coalesce(state_version,"
                     " version), coalesce(state_origin, origin), seq FROM field_shown;"
                     "ALTER TABLE field_shown DROP COLUMN seq;"
                     "ALTER TABLE field_shown DROP COLUMN state_version;"
                     "ALTER TABLE field_shown DROP COLUMN state_origin;"
                     "DROP TABLE hub_box_slot; DROP TABLE hub_box;"  # migration 14's
                     "ALTER TABLE report_field ADD COLUMN value TEXT;"  # 13 dropped it
                     "ALTER TABLE journal DROP COLUMN hub_sealed;"  # migration 11's
                     "ALTER TABLE staff DROP COLUMN key_wrap;"
                     "DELETE FROM meta WHERE key = 'storage_public_key';"
                     "PRAGMA user_version = 9;")
    db.close()
    assert not os.path.exists(os.path.join(post, "storage.key"))  # the head claimed it


def test_journal_from_before_migration_10_gets_key_and_wraps_at_sign_in(tmp_path):
    post = str(tmp_path / "post")
    saenode.init(post)
    users(post, "add", BUDI, lines=[BUDI_PASS])
    users(post, "add", HEAD, "--role", "head", lines=[HEAD_PASS])
    make_pre_migration_10(post)
    saenode.ok(["users", "list"], dir=post)
    assert query(post, "PRAGMA user_version") == [(saenode.NODE_SCHEMA_VERSION,)]
    secret = read_secret(post)
    assert nacl.bindings.crypto_scalarmult_base(secret) == public_key(post)
    assert wrap_of(post, BUDI) is None and wrap_of(post, HEAD) is None
    app = node_app.PostApp(post).start()
    try:
        assert Client(app.url).sign_in(BUDI, BUDI_PASS)[0] == 303
        assert unwrap(wrap_of(post, BUDI), BUDI_PASS) == secret
        assert os.path.exists(os.path.join(post, "storage.key"))  # no head holds it yet
        assert Client(app.url).sign_in(HEAD, HEAD_PASS)[0] == 303
        assert unwrap(wrap_of(post, HEAD), HEAD_PASS) == secret
        assert not os.path.exists(os.path.join(post, "storage.key"))
    finally:
        assert app.stop() == 0
    assert files_holding(post, encodings(secret) + [BUDI_PASS.encode(),
                                                     HEAD_PASS.encode()]) == []


def hash_of(post_dir, name):
    return query(post_dir, "SELECT passphrase_hash FROM staff WHERE name = ?", (name,))[0][0]


def test_staff_of_the_old_form_sign_in_and_move_to_one_argon2id(tmp_path):
    """Staff made by `users add` hold a verifier and wrap of one Argon2id; a head and a
    member of the old form (a crypto_pwhash_str hash and a version-1 wrap, as node migration
    10 left them) sign in as before and leave with the new form, their key the same; a wrong
    passphrase still signs in no one and changes nothing; reset and remove still behave."""
    post = str(tmp_path / "post")
    saenode.init(post)
    users(post, "add", HEAD, "--role", "head", lines=[HEAD_PASS])
    users(post, "add", BUDI, "--head", HEAD, lines=[HEAD_PASS, BUDI_PASS])
    for name, passphrase in ((HEAD, HEAD_PASS), (BUDI, BUDI_PASS)):
        assert verifier_matches(hash_of(post, name), passphrase, wrap_of(post, name))
    secret = unwrap(wrap_of(post, HEAD), HEAD_PASS)
    assert nacl.bindings.crypto_scalarmult_base(secret) == public_key(post)
    db = sqlite3.connect(os.path.join(post, "node.db"))
    with db:
        for name, passphrase in ((HEAD, HEAD_PASS), (BUDI, BUDI_PASS)):
            hashed, wrap = old_form(passphrase, secret)
            db.execute("UPDATE staff SET passphrase_hash = ?, key_wrap = ? WHERE name = ?",
                       (hashed, wrap, name))
    db.close()
    app = node_app.PostApp(post).start()
    try:
        before = hash_of(post, BUDI)
        assert Client(app.url).sign_in(BUDI, "bukan-frasa-budi")[0] == 401
        assert hash_of(post, BUDI) == before
        for name, passphrase in ((HEAD, HEAD_PASS), (BUDI, BUDI_PASS)):
            assert Client(app.url).sign_in(name, passphrase)[0] == 303
            assert verifier_matches(hash_of(post, name), passphrase, wrap_of(post, name))
            assert unwrap(wrap_of(post, name), passphrase) == secret
            moved = hash_of(post, name)
            assert Client(app.url).sign_in(name, passphrase)[0] == 303
            assert hash_of(post, name) == moved  # moved once
    finally:
        assert app.stop() == 0
    new_pass = "kopi-susu-di-sore-hari"
    users(post, "reset", BUDI, "--head", HEAD, lines=[HEAD_PASS, new_pass])
    assert verifier_matches(hash_of(post, BUDI), new_pass, wrap_of(post, BUDI))
    assert unwrap(wrap_of(post, BUDI), new_pass) == secret
    users(post, "remove", BUDI)
    assert query(post, "SELECT count(*) FROM staff WHERE name = ?", (BUDI,)) == [(0,)]
    assert files_holding(post, encodings(secret) + [HEAD_PASS.encode(), BUDI_PASS.encode(),
                                                     new_pass.encode()]) == []


def test_hub_daemon_writes_no_core(hub):
    """sae-hub serve runs with no core file allowed, soft and hard (proto/harden.c)."""
    with open("/proc/%d/limits" % hub.proc.pid) as f:
        assert re.search(r"^Max core file size\s+0\s+0\s", f.read(), re.M)
