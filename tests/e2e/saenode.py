"""Helpers for the end-to-end tests: run the real sae-node binary on real directories.

Every test drives the binary named by $SAE_NODE_BIN (set by `make e2e`) as a separate
process, with its own temporary node directory, and judges it only by what a user sees:
exit status, stdout, stderr and the bytes of the files it leaves behind.
"""
import atexit
import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid

BIN = os.environ.get("SAE_NODE_BIN", "")

UUID_RE = re.compile(rb"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# What a sanitizer or a crashing runtime writes on stderr; none of it may ever appear.
CRASH_MARKERS = (b"Sanitizer", b"runtime error:", b"Segmentation fault", b"core dumped",
                 b"Assertion", b"==ERROR")

# The three required fields of a case, valid values.
def today_wib_date():
    """Today where the posts and the district are (UTC+7): the day the programs date consents
    and statuses by, and the month they lock by. The machine's own date differs from it
    every day from 17:00 UTC."""
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=7)).date()


def today_wib():
    """today_wib_date() as YYYY-MM-DD."""
    return today_wib_date().isoformat()


CASE_REQUIRED = {"violence_types": "physical", "victim_sex": "F", "intake_date": "2026-01-05"}

# Environment variables that change which directory or timeout sae-node uses.
NODE_ENV_VARS = ("SAE_NODE_DIR", "SAE_BUSY_TIMEOUT_MS", "SAE_STALL_TIMEOUT_S", "XDG_DATA_HOME")


class Result:
    """What one run of sae-node produced."""

    def __init__(self, args, rc, out, err):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err

    @property
    def text(self):
        return self.out.decode("utf-8")

    @property
    def err_text(self):
        return self.err.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "sae-node %r -> exit %s\nstdout: %r\nstderr: %r" % (
            self.args, self.rc, self.out[:2000], self.err[:2000])


def clean_env(**overrides):
    """The test process's environment without the variables sae-node reads, plus overrides."""
    env = {k: v for k, v in os.environ.items() if k not in NODE_ENV_VARS}
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args, *, dir=None, input=None, env=None, timeout=60, wrapper=()):
    """Runs sae-node [-d dir] args; args may mix str and bytes (raw bytes reach argv)."""
    argv = [BIN]
    if dir is not None:
        argv += ["-d", str(dir)]
    argv += list(args)
    proc = subprocess.run(list(wrapper) + argv, input=input, capture_output=True,
                          env=env if env is not None else clean_env(), timeout=timeout)
    res = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
    assert_no_crash(res)
    return res


def ok(args, **kwargs):
    """Runs a command that must succeed, and returns its result."""
    res = run(args, **kwargs)
    assert res.rc == 0, res
    return res


def assert_no_crash(res):
    assert res.rc is not None and res.rc >= 0, "killed by signal %d: %r" % (-res.rc, res)
    for marker in CRASH_MARKERS:
        assert marker not in res.err, res


def assert_one_line_error(res, status, *needles):
    """Exit status, exactly one line on stderr starting "sae-node: error:" holding every
    needle (case-insensitive), and nothing on stdout."""
    assert res.rc == status, res
    assert res.out == b"", res
    assert res.err.endswith(b"\n") and res.err.count(b"\n") == 1, res
    assert res.err.startswith(b"sae-node: error: "), res
    line = res.err.lower()
    for needle in needles:
        if isinstance(needle, str):
            needle = needle.encode("utf-8")
        assert needle.lower() in line, "%r not in the error line: %r" % (needle, res)


def assert_usage_error(res, *needles):
    assert_one_line_error(res, 2, *needles)


def snapshot(directory):
    """Name -> sha256 of every file in directory (recursively), or None when it is absent.
    SQLite's -shm files are left out: the WAL's shared-memory index, not data, which every
    first opener rebuilds (and which stays on disk since a close keeps the WAL, issue 14);
    so is an empty -wal, which holds nothing (what a read leaves where there was none)."""
    if not os.path.exists(directory):
        return None
    files = {}
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for name in sorted(names):
            if name.endswith("-shm"):
                continue
            path = os.path.join(root, name)
            if name.endswith("-wal") and os.path.getsize(path) == 0:
                continue
            with open(path, "rb") as f:
                files[os.path.relpath(path, directory)] = hashlib.sha256(f.read()).hexdigest()
    return files


def settle_wal(directory):
    """Copies node.db's WAL into node.db and removes it (Python's sqlite3 checkpoints at its
    last close), as every sae-node close did before issue 14: for tests that damage the main
    file alone, or whose own connection's close would otherwise do it halfway through."""
    db = sqlite3.connect(os.path.join(directory, "node.db"))
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        db.close()
    assert not os.path.exists(os.path.join(directory, "node.db-wal"))


def journal_files(directory):
    """The directory's file names but SQLite's -wal and -shm, which stay beside node.db."""
    return sorted(n for n in os.listdir(directory) if not n.endswith(("-wal", "-shm")))


def sql(directory, query):
    """The rows of a read-only query on the post's node.db, as tuples."""
    db = sqlite3.connect("file:%s/node.db?mode=ro" % directory, uri=True)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


_SENSITIVE = {}


def sensitive_fields():
    """{kind: [field, ...]} of the fields the catalogue marks sensitive (`fields --json`)."""
    if not _SENSITIVE:
        for kind in ok(["fields", "--json"]).json():
            _SENSITIVE[kind["kind"]] = [f["name"] for f in kind["fields"] if f["sensitive"]]
    return _SENSITIVE


_VALUE_FILES = tempfile.mkdtemp(prefix="sae-values-")
atexit.register(shutil.rmtree, _VALUE_FILES, True)


def value_file(value):
    """A file holding value (str or bytes), for --set-file FIELD=PATH."""
    fd, path = tempfile.mkstemp(dir=_VALUE_FILES)
    with os.fdopen(fd, "wb") as f:
        f.write(value if isinstance(value, bytes) else value.encode())
    return path


def set_args(kind, values):
    """--set FIELD=VALUE for each value; a sensitive field's value (never an argument: it
    would show in ps) as --set-file FIELD=PATH of a file holding it. kind None: a field
    sensitive in any kind (the same names are sensitive wherever they are)."""
    if kind is None:
        secret = {name for names in sensitive_fields().values() for name in names}
    else:
        secret = sensitive_fields().get(kind, ())
    args = []
    for name, value in values.items():
        if value is None:
            continue
        if name in secret:
            args += ["--set-file", "%s=%s" % (name, value_file(value))]
        elif isinstance(value, bytes):
            args += [b"--set", name.encode() + b"=" + value]
        else:
            args += ["--set", "%s=%s" % (name, value)]
    return args


def sets_args(sets):
    """set_args of "FIELD=VALUE" strings, in their order, for sae-node and sae-hub alike."""
    args = []
    for text in sets:
        name, _, value = text.partition("=")
        args += set_args(None, {name: value})
    return args


def case_sets(**fields):
    """--set arguments for a valid case, with fields added, replaced or (value None) left out
    (sensitive ones from files)."""
    values = dict(CASE_REQUIRED)
    values.update(fields)
    return set_args("case", values)


def add_case(dir, **fields):
    """Records a case and returns its id."""
    res = ok(["add", "case"] + case_sets(**fields), dir=dir)
    report_id = res.out.strip()
    assert UUID_RE.match(report_id), res
    return report_id.decode()


def add_service(dir, case_id, **fields):
    values = {"case_id": case_id, "service_type": "counselling", "service_date": "2026-01-06"}
    values.update(fields)
    res = ok(["add", "service"] + set_args("service", values), dir=dir)
    assert UUID_RE.match(res.out.strip()), res
    return res.out.strip().decode()


def add_referral(dir, case_id, **fields):
    values = {"case_id": case_id, "referred_to": "puskesmas", "referral_date": "2026-01-07"}
    values.update(fields)
    res = ok(["add", "referral"] + set_args("referral", values), dir=dir)
    assert UUID_RE.match(res.out.strip()), res
    return res.out.strip().decode()


# The village of the tests' posts (Kemendagri code 35.13.12.2018, kecamatan Paiton) and who
# records on them: every change names a person (sae-node config author).
VILLAGE = "Sumberanyar"
VILLAGE_CODE = "35.13.12.2018"
AUTHOR = "Siti"
# The journal schema this sae-node writes (node/store/node_store.h NODE_SCHEMA_VERSION).
NODE_SCHEMA_VERSION = 17

# The shown values as node.db's readers take them (node/store/journal.h JOURNAL_RESOLVED):
# since node migration 13 a sealed shown value is a reference to its journal entry,
# "sealed:#" and the entry's seq; the journal alone keeps the sealed text.
SHOWN_ROWS_SQL = ("SELECT s.report_id, s.field, iif(substr(s.value, 1, 8) = 'sealed:#',"
                  " (SELECT j.value FROM journal j WHERE j.seq ="
                  " CAST(substr(s.value, 9) AS INTEGER)), s.value), s.version, s.origin"
                  " FROM field_shown s")


def init(dir, village=VILLAGE, author=AUTHOR):
    """An initialised node directory whose changes are by author (None: nobody yet)."""
    ok(["init", "--village", village], dir=dir)
    if author is not None:
        ok(["config", "author", author], dir=dir)
    return dir


def list_json(dir, *extra):
    return ok(["list", "--json"] + list(extra), dir=dir).json()


def show_json(dir, report_id):
    return ok(["show", report_id, "--json"], dir=dir).json()


def unknown_id(existing=()):
    """A random canonical id that shares not even six characters with any existing one."""
    while True:
        candidate = str(uuid.uuid4())
        if all(not e.startswith(candidate[:6]) for e in existing):
            return candidate


def mode(path):
    return os.stat(path).st_mode & 0o777


def open_stored(post, stored):
    """A value node.db keeps sealed to the post's storage key (STORAGE_KEYS.md section 5:
    "sealed:" + URL-safe base64 of a sealed value), opened with the unclaimed secret the
    post keeps in storage.key until a head holds it; a value that is not sealed as it is."""
    import base64
    import nacl.public
    if stored is None or not stored.startswith("sealed:"):
        return stored
    with open(os.path.join(post, "storage.key"), "rb") as f:
        secret = nacl.public.PrivateKey(f.read())
    body = stored[len("sealed:"):]
    sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert sealed[0] in (1, 2)
    if sealed[0] == 1:  # crypto_box_seal after the version and key tag
        return nacl.public.SealedBox(secret).decrypt(sealed[5:]).decode("utf-8")
    # version 2 (a copy the hub sealed): ephemeral key, nonce, crypto_box
    box = nacl.public.Box(secret, nacl.public.PublicKey(sealed[5:37]))
    return box.decrypt(sealed[61:], sealed[37:61]).decode("utf-8")
