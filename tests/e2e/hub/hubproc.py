"""The real sae-hub binary as a test sees it: a hub directory made by `sae-hub init`, a
`sae-hub serve` process on 127.0.0.1 with a port the system picked, the admin command line,
and hub.db read with Python's sqlite3 in read-only mode (never written, except where a test
says why)."""
import hashlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import nacl.public

import saeproto

REPO = Path(__file__).resolve().parents[3]
BIN = os.environ.get("SAE_HUB_BIN") or str(REPO / "build" / "sae-hub")

LISTENING_RE = re.compile(rb"listening on https://127\.0\.0\.1:(\d+)/")
CRASH_MARKERS = (b"Sanitizer", b"runtime error:", b"Segmentation fault", b"core dumped",
                 b"Assertion", b"==ERROR")

# Every table of hub.db whose content a refused request must leave alone.
TABLES = ("meta", "node", "enroll_token", "report", "change", "change_parent", "field_state",
          "conflict", "conflict_candidate", "push_ack", "refusal", "review")

# The meta rows a thread of serve keeps at moments of its own: the possible duplicates'
# index (hub/store/dup_pairs.c) and the monitoring facts it brings up to date first
# (hub/store/me_facts.c, me_facts_refresh).
BACKGROUND_META = ("dup_key_id", "dup_cursor", "me_cursor", "me_version")


def hub_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("SAE_HUB_DIR", "SAE_BUSY_TIMEOUT_MS", "XDG_DATA_HOME")}
    return env



def reserved_port():
    """A port of 127.0.0.1 for a `serve` whose port must be known before it starts (--url,
    --console). Binding port 0 and closing is racy when tests run in parallel: the next
    bind(0) or connect() of another process may take the port first. Here a connection to
    it is closed from the listening side, which leaves the port in TIME_WAIT for 60 s: the
    kernel then hands it to no bind(0) and no connect(), while a server setting SO_REUSEADDR
    (libmicrohttpd does) may still listen on it."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = listener.accept()
            accepted.close()
    return port

# The commands whose --by must name an enabled account.
ACCOUNT_COMMANDS = {("reports", "edit"), ("reports", "review"), ("conflicts", "resolve"),
                    ("conflicts", "dismiss"), ("months", "lock"), ("duplicates", "link"),
                    ("duplicates", "distinct"), ("referrals", "answer"),
                    ("referrals", "override")}

# The hub.db schema this sae-hub writes (hub/store/hub_store.h HUB_SCHEMA_VERSION).
HUB_SCHEMA_VERSION = 17

# The password of the staff accounts made for --by (Hub._staff_for): coordinators, so the
# first of them claims the district key (district.key is retired) and reads need --as.
STAFF_PASSWORD = "staff-password-for-tests"

# The passphrase the tests' backups are sealed under.
BACKUP_PASSPHRASE = "kunci cadangan kabupaten"


def restore(backup, target, passphrase=BACKUP_PASSPHRASE):
    """`sae-hub restore BACKUP TARGET`, the passphrase on standard input."""
    return subprocess.run([BIN, "restore", str(backup), str(target)],
                          input=(passphrase + "\n").encode(), capture_output=True,
                          env=hub_env(), timeout=300)


class Hub:
    def __init__(self, directory):
        self.dir = str(directory)
        self.db_path = os.path.join(self.dir, "hub.db")
        self.cert_path = os.path.join(self.dir, "tls-cert.pem")
        self.proc = None
        self.port = None
        self.log = []  # stderr lines of every serve run, bytes
        self._drain = None
        self._bundles = 0

    # The command line.
    def run(self, *args, timeout=60):
        self._staff_for(args)
        proc = subprocess.run([BIN, "-d", self.dir] + [str(a) for a in args],
                              capture_output=True, env=hub_env(), timeout=timeout)
        for marker in CRASH_MARKERS:
            assert marker not in proc.stderr, proc
        return proc

    def ok(self, *args):
        proc = self.run(*args)
        assert proc.returncode == 0, proc
        return proc

    def init(self):
        out = self.ok("init").stdout.decode()
        self.hub_id = int(re.search(r"hub id:\s+([0-9a-f]{16})", out).group(1), 16)
        self._district_secret()  # kept: the first coordinator named by --by retires the file
        return self

    def _staff_for(self, args):
        """The district's staff that tests name with --by in edits and resolutions have
        accounts (--by must name one), made on first use as an admin would make them; an
        invalid name is left for the command to refuse."""
        args = [a if isinstance(a, (str, bytes)) else str(a) for a in args]
        if len(args) < 2 or (args[0], args[1]) not in ACCOUNT_COMMANDS:
            return
        if "--by" not in args or args.index("--by") + 1 >= len(args):
            return
        name = args[args.index("--by") + 1]
        staff = self.__dict__.setdefault("_staff", set())
        if not isinstance(name, str) or name in staff or not os.path.exists(self.db_path):
            return
        staff.add(name)
        subprocess.run([BIN, "-d", self.dir, "users", "add", name, "--role", "coordinator",
                        "--password-stdin"], input=(STAFF_PASSWORD + "\n").encode(),
                       capture_output=True, env=hub_env(), timeout=60)

    def add_account(self, name, role="coordinator", password=None, agency=None):
        """Adds a console account (sae-hub users add) with password read from standard
        input; returns the password."""
        password = password or "pw-%s-long-enough" % name
        args = [BIN, "-d", self.dir, "users", "add", name, "--role", role, "--password-stdin"]
        if agency:
            args += ["--agency", agency]
        proc = subprocess.run(args, input=(password + "\n").encode(), capture_output=True,
                              env=hub_env(), timeout=60)
        assert proc.returncode == 0, proc
        return password

    def add_node(self, village, out=None, days=None, port=None, name=None):
        """Writes an enrollment bundle for a device of village (a code or a name of the list
        of areas) called name (default "Laptop Pos N"); returns its path. port: the port the
        bundle's URL names instead of the daemon's (a proxy in front of it)."""
        self._bundles += 1
        out = out or os.path.join(os.path.dirname(self.dir), "bundle-%d.json" % self._bundles)
        url = self.url if port is None else "https://127.0.0.1:%d" % port
        name = name or "Laptop Pos %d" % self._bundles
        args = ["nodes", "add", village, "--name", name, "--url", url, "-o", out]
        if days is not None:
            args += ["--days", str(days)]
        self.ok(*args)
        return out

    def devices_and_bundles(self):
        """Everything nodes list --json shows: devices, and bundles not used."""
        return json.loads(self.ok("nodes", "list", "--json").stdout)

    def nodes(self):
        """The enrolled devices (revoked ones too), as nodes list --json gives them."""
        return [n for n in self.devices_and_bundles() if n["state"] in ("enrolled", "revoked")]

    def revoke(self, node_id):
        return self.ok("nodes", "revoke", "%016x" % node_id)

    def admin_json(self, *args):
        """Runs an admin command with --json and returns its parsed output; fails the test
        when the command fails or prints anything but JSON."""
        proc = self.ok(*(list(args) + ["--json"]))
        try:
            return json.loads(proc.stdout)
        except ValueError as e:
            raise AssertionError("%s --json printed no JSON (%s): %r" % (args, e, proc))

    def read_as(self, name, password, *args):
        """Runs a reading command with --as name, its password on standard input (sensitive
        values are sealed to the district key: only a coordinator's password opens them);
        returns the finished process."""
        proc = subprocess.run([BIN, "-d", self.dir] + [str(a) for a in args] + ["--as", name],
                              input=(password + "\n").encode(), capture_output=True,
                              env=hub_env(), timeout=60)
        for marker in CRASH_MARKERS:
            assert marker not in proc.stderr, proc
        return proc

    def admin_json_as(self, name, password, *args):
        """admin_json with --as name (read_as)."""
        proc = self.read_as(name, password, *(list(args) + ["--json"]))
        assert proc.returncode == 0, proc
        return json.loads(proc.stdout)

    # The daemon.
    @property
    def url(self):
        assert self.port, "the hub is not serving"
        return "https://127.0.0.1:%d" % self.port

    def start(self, port=0, env=None, args=(), preexec=None):
        """Starts `serve --listen 127.0.0.1:PORT` (0: a free one) and waits for its
        "listening on" line. env: variables added to the daemon's environment (the
        test-only session limits); args: more options of serve; preexec: run in the child
        before serve starts (a lower open-file limit, say)."""
        assert self.proc is None
        self.proc = subprocess.Popen([BIN, "-d", self.dir, "serve", "--listen",
                                      "127.0.0.1:%d" % port] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=dict(hub_env(), **(env or {})),
                                     preexec_fn=preexec)
        while True:
            line = self.proc.stderr.readline()
            if not line:
                rc = self.proc.wait()
                raise AssertionError("sae-hub serve ended (exit %s) before listening: %r"
                                     % (rc, b"".join(self.log[-20:])))
            self.log.append(line)
            match = LISTENING_RE.search(line)
            if match:
                self.port = int(match.group(1))
                break
        # The daemon logs a line per request: keep its pipe drained.
        self._drain = threading.Thread(target=self._read_log, args=(self.proc,), daemon=True)
        self._drain.start()
        return self

    def _read_log(self, proc):
        for line in proc.stderr:
            self.log.append(line)

    def stop(self, sig=signal.SIGTERM):
        """Sends sig, waits for the daemon to end and returns its exit status."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        proc.send_signal(sig)
        rc = proc.wait(timeout=60)
        self._drain.join(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
        self.port = None
        return rc

    def restart(self):
        """Stops the daemon (SIGTERM, exit 0) and serves again on the same port."""
        port = self.port
        assert self.stop() == 0
        return self.start(port=port)

    def reload(self, expect=b"SIGHUP: serving", timeout=60):
        """Sends SIGHUP and waits for the daemon's log line that starts with expect."""
        seen = len(self.log)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.split(b"sae-hub: ", 1)[-1].startswith(expect)
                   for line in self.log[seen:]):
                return self
            time.sleep(0.05)
        raise AssertionError("no %r after SIGHUP: %r" % (expect, b"".join(self.log[seen:])))

    def log_text(self):
        return b"".join(self.log)

    # Backups.
    def backup(self, path, passphrase=BACKUP_PASSPHRASE):
        """`sae-hub backup PATH`, the passphrase on standard input; returns the process."""
        return subprocess.run([BIN, "-d", self.dir, "backup", str(path)],
                              input=(passphrase + "\n").encode(), capture_output=True,
                              env=hub_env(), timeout=300)

    def restore_in_place(self, backup, passphrase=BACKUP_PASSPHRASE):
        """The hub's disk is lost (SIGKILL, its directory gone: kept as DIR.lost) and the
        district restores backup into a fresh directory of the same name, served at the
        same address."""
        port = self.port
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self._drain.join(timeout=60)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.proc = None
        os.rename(self.dir, self.dir + ".lost")
        res = restore(backup, self.dir, passphrase)
        assert res.returncode == 0 and b"restored into" in res.stdout, res
        return self.start(port=port)

    # hub.db, read-only. The SQL function opened(seq, value) gives a change's value as the
    # district reads it: a sensitive value (change.value holds its keyed token) opened from
    # its copy sealed to the district key, with the secret the hub keeps unclaimed in
    # district.key until a coordinator holds it (a hub made by init in a test); any other
    # value as it is. Tests compare what posts hold with what the hub holds through it.
    def connect_ro(self):
        uri = "file:%s?mode=ro" % urllib.parse.quote(self.db_path)
        db = sqlite3.connect(uri, uri=True, timeout=30)
        db.execute("PRAGMA query_only = ON")
        db.create_function("opened", 2, lambda seq, value: self._opened(db, seq, value))
        return db

    def _opened(self, db, seq, value):
        if not isinstance(value, str) or not value.startswith("keyed:"):
            return value
        row = db.execute("SELECT sealed FROM sealed_value WHERE change = ? AND holder = 0",
                         (seq,)).fetchone()
        secret = nacl.public.PrivateKey(self._district_secret())
        # sealed format version 1 or 2 (STORAGE_KEYS.md section 3)
        return saeproto.open_value(secret, bytes(row[0]))

    def _district_secret(self):
        """The district secret from the unclaimed district.key, remembered from the last
        time the test saw it: a coordinator's account (made on first use of --by, with a
        recovery key made) retires the file, and the test still reads as the district."""
        path = os.path.join(self.dir, "district.key")
        if os.path.exists(path):
            with open(path, "rb") as f:
                self.__dict__["_district_key"] = f.read()
        assert self.__dict__.get("_district_key"), "no district.key seen in %s" % self.dir
        return self.__dict__["_district_key"]

    def query(self, sql, params=()):
        db = self.connect_ro()
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def snapshot(self, tables=TABLES):
        """{table: (row count, sha256 of its rows in a fixed order)}, read in one
        transaction. Leaves out the meta rows a thread of serve keeps at moments of its own
        (BACKGROUND_META), as TABLES leaves out their tables."""
        db = self.connect_ro()
        out = {}
        try:
            db.execute("BEGIN")
            for table in tables:
                sql = "SELECT * FROM %s" % table
                if table == "meta":
                    sql += " WHERE key NOT IN (%s)" % ", ".join(
                        "'%s'" % k for k in BACKGROUND_META)
                rows = sorted(repr(r) for r in db.execute(sql))
                out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
            db.execute("COMMIT")
        finally:
            db.close()
        return out

    def write_db(self, sql, params=()):
        """Writes hub.db directly. Only for what a test cannot wait for (a token that
        expires in days); each use says why."""
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            with db:
                db.execute(sql, params)
        finally:
            db.close()

    # What the hub holds, in the tests' own terms.
    def changes(self, origin=None):
        sql = ("SELECT report_id, field, opened(seq, value), version, origin, base_version,"
               " base_origin, node_seq, held, village FROM change")
        rows = self.query(sql + (" WHERE origin = ?" if origin is not None else "") +
                          " ORDER BY seq", (origin,) if origin is not None else ())
        return rows

    def current_value(self, report_uuid, field):
        """(value, version, origin) of the field's winner, or None."""
        rows = self.query("SELECT opened(c.seq, c.value), c.version, c.origin FROM field_state s"
                          " JOIN change c ON c.seq = s.change"
                          " WHERE s.report_id = ? AND s.field = ?", (report_uuid, field))
        return rows[0] if rows else None

    def conflicts(self):
        """Every conflict with its candidates' values and origins, who resolved it and the
        note."""
        out = []
        for cid, report, field, severity, reason, status, by, note in self.query(
                "SELECT id, report_id, field, severity, reason, status, resolved_by, note"
                " FROM conflict ORDER BY id"):
            candidates = self.query(
                "SELECT opened(c.seq, c.value), c.origin, c.version FROM conflict_candidate k"
                " JOIN change c ON c.seq = k.change WHERE k.conflict = ?"
                " ORDER BY c.version, c.origin", (cid,))
            out.append({"id": cid, "report": report, "field": field, "severity": severity,
                        "reason": reason, "status": status, "candidates": candidates,
                        "resolved_by": by, "note": note})
        return out


def serve_under_valgrind(hub, log, port=0, args=()):
    """Starts `serve` of hub under valgrind (leaks and bad accesses are errors, exit 99) on
    port (0: a free one) with more options args, logging to log; sets hub.port and returns
    the process once it listens."""
    proc = subprocess.Popen(["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                             "--show-leak-kinds=definite,indirect",
                             "--errors-for-leak-kinds=definite,indirect",
                             "--log-file=%s" % log, BIN, "-d", hub.dir, "serve",
                             "--listen", "127.0.0.1:%d" % port] + list(args),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=hub_env())
    while True:
        line = proc.stderr.readline()
        if not line:
            proc.wait(timeout=60)
            raise AssertionError("serve ended before listening")
        match = LISTENING_RE.search(line)
        if match:
            hub.port = int(match.group(1))
            return proc


def stop_valgrind(proc, log):
    """SIGTERM; asserts a clean exit without leaks or invalid accesses in log."""
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=300)
    proc.stderr.close()
    report = log.read_text()
    assert rc == 0, report
    assert not re.search(r"definitely lost|indirectly lost|Invalid (read|write)", report), report
