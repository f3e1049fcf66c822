#!/usr/bin/python3
"""bench_node_add: what one `sae-node add` costs a post, beside its anchor in the same run.

The figures (issue 14, the post's rows):
  - wall time per `sae-node add` of one case report (a process started, the journal opened,
    the report written, the process gone), beside the anchor: the sqlite3 command-line
    program writing the same report's rows into a plain table in one transaction, WAL with
    synchronous=FULL (one durable sync), also a process per report. The two take turns,
    report by report, so a machine that gets busier slows both alike. Median and ratio.
  - durable syncs (fsync + fdatasync) per add and per anchor insert, counted by strace -f
    on a few calls after the timed ones (skipped, said so, without strace).
  - shared objects the loader maps for one add and the loader's own time
    (LD_DEBUG=statistics).
  - bytes on disk per report after the N reports: how much node.db grew with the WAL copied
    in (on a copy), beside the report's JSON (the fields and values as given, compact) and
    beside the anchor table's growth; and the WAL's size left beside it.
  - CPU time (user + system) per call beside the anchor's: on a machine other work keeps
    busy, wall time also counts the waits for a core.
  - process start alone (CPU): `sae-node --help` beside `sqlite3 -version`.

The directory is under $TMPDIR, else /var/tmp (a disk: a tmpfs /tmp would make fsync free).
Usage: /usr/bin/python3 tests/bench/bench_node_add.py [--node BIN] [--reports N] [--before BIN]
BENCH_SMOKE=1 runs 5 reports (make bench-smoke: only the exit status counts).
"""
import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

NAME = "bench_node_add"
REPORTS_DEFAULT = 300
REPORTS_MAX = 5000
SMOKE_REPORTS = 5
STRACE_CALLS = 5
SEED = 0x5AE14
WAL_PAGES = 256  # NODE_WAL_CHECKPOINT_PAGES (node/store/node_store.h)

OPENERS = [
    "Korban datang ke Rumah SAE didampingi ibunya dan menceritakan bahwa",
    "Pelapor adalah tetangga korban yang menghubungi posko melalui WhatsApp karena",
    "Kader desa menemukan korban saat kunjungan rumah dan melaporkan bahwa",
]
EVENTS = [
    "pelaku terus memaki dan mengancam akan mengusir korban dari rumah jika ia bercerita",
    "korban sering dipukul dan ditendang oleh pelaku ketika pelaku pulang dalam keadaan marah",
    "korban dan anak-anaknya tidak diberi nafkah selama beberapa bulan oleh suaminya",
]
DETAILS = [
    "Kejadian terakhir terjadi tiga hari lalu; korban mengalami memar di lengan.",
    "Korban tampak ketakutan, sulit tidur, dan tidak mau keluar rumah.",
    "Keluarga korban belum tahu dan korban meminta agar identitasnya dirahasiakan.",
]
GIVEN = ["Siti", "Nur", "Dewi", "Ayu", "Rina", "Fitri", "Indah", "Wulan"]
FAMILY = ["Rahmawati", "Hasanah", "Safitri", "Lestari", "Maulida", "Wahyuni"]
TYPES = ["psikis", "fisik", "seksual", "penelantaran"]
RELATIONS = ["spouse", "parent", "relative", "neighbour", "partner"]


def say(line):
    print(line, flush=True)


def report(rng):
    """One case report: plain fields for --set, sensitive ones for --set-file."""
    plain = {
        "violence_types": rng.choice(TYPES),
        "victim_sex": rng.choice(["perempuan", "perempuan", "laki-laki"]),
        "intake_date": "%02d-%02d-2026" % (rng.randint(1, 28), rng.randint(1, 11)),
        "victim_age": str(rng.randint(4, 60)),
        "location_type": "household",
        "perpetrator_relation": rng.choice(RELATIONS),
    }
    secret = {
        "victim_name": "%s %s" % (rng.choice(GIVEN), rng.choice(FAMILY)),
        "narrative": "%s %s. %s" % (rng.choice(OPENERS), rng.choice(EVENTS),
                                    rng.choice(DETAILS)),
    }
    return plain, secret


def add_argv(node, work, plain, secret):
    argv = [node, "add", "kasus"]
    for field, value in plain.items():
        argv += ["--set", "%s=%s" % (field, value)]
    for field, value in secret.items():
        path = os.path.join(work, field + ".txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(value)
        argv += ["--set-file", "%s=%s" % (field, path)]
    return argv


def anchor_sql(plain, secret):
    """The report's rows in one transaction, as journal rows of the plainest kind."""
    rows = []
    rid = "%032x" % random.getrandbits(128)
    for field, value in list(plain.items()) + list(secret.items()):
        rows.append("INSERT INTO journal(report_id, kind, field, value) VALUES "
                    "('%s', 'case', '%s', '%s');" % (rid, field, value.replace("'", "''")))
    return "PRAGMA synchronous=FULL; BEGIN IMMEDIATE; %s COMMIT;" % " ".join(rows)


ANCHOR_SCHEMA = ("PRAGMA journal_mode=WAL; CREATE TABLE journal(seq INTEGER PRIMARY KEY, "
                 "report_id TEXT NOT NULL, kind TEXT NOT NULL, field TEXT NOT NULL, value TEXT)"
                 " STRICT;")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, env, stdin=None, cpu=None):
    """Wall seconds of one run of argv; its CPU seconds appended to cpu when given."""
    cpu_before = children_cpu()
    start = time.perf_counter()
    out = subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(children_cpu() - cpu_before)
    if out.returncode != 0:
        raise SystemExit("%s: %s exited %d: %s" % (NAME, argv[0], out.returncode,
                                                     out.stderr.strip()))
    return seconds, out.stdout


def syncs(argv, env, stdin=None):
    """fsync + fdatasync calls of one run of argv, every thread and child (strace -c -f)."""
    trace = subprocess.run(["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,sync_file_range"]
                           + argv, env=env, input=stdin, capture_output=True, text=True)
    if trace.returncode != 0:
        raise SystemExit("%s: strace of %s failed: %s" % (NAME, argv[0], trace.stderr[-300:]))
    calls = 0
    for line in trace.stderr.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
        if m and m.group(2) in ("fsync", "fdatasync", "sync_file_range"):
            calls += int(m.group(1))
    return calls


def loader_statistics(argv, env):
    """(objects loaded, loader time in ms) of one run, from the loader's own statistics."""
    listed = subprocess.run(argv, env=dict(env, LD_TRACE_LOADED_OBJECTS="1"),
                            capture_output=True, text=True)
    out = subprocess.run(argv, env=dict(env, LD_DEBUG="statistics"), capture_output=True,
                         text=True)
    cycles = re.search(r"total startup time in dynamic loader:\s+([\d,]+) cycles", out.stderr)
    return (len([line for line in listed.stdout.splitlines() if "=>" in line or "/" in line]),
            int(cycles.group(1).replace(",", "")) if cycles else 0)


def settled_bytes(db, scratch, by_table=None):
    """Size of a copy of db with its WAL copied in: what the rows take, the WAL apart; with
    by_table (a dict), also the bytes of each table and index's pages (SQLite's dbstat)."""
    copy = os.path.join(scratch, "settled.db")
    for suffix in ("", "-wal"):
        if os.path.exists(db + suffix):
            shutil.copyfile(db + suffix, copy + suffix)
    subprocess.run(["sqlite3", copy, "PRAGMA wal_checkpoint(TRUNCATE)"], check=True,
                   capture_output=True)
    size = os.path.getsize(copy)
    if by_table is not None:
        out = subprocess.run(["sqlite3", "-separator", " ", copy, "SELECT name, sum(pgsize) "
                              "FROM dbstat GROUP BY name"], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            name, pages = line.rsplit(" ", 1)
            by_table[name] = int(pages)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
    return size


def node_init(node, env):
    timed([node, "init", "--village", "Sumberanyar"], env)
    timed([node, "config", "author", "Siti"], env)


def before_figures(args, scratch, env, adds, anchor_ms, json_bytes, last, disk):
    """The same adds by the build given with --before, run turn about with the others; its
    bytes per report beside this build's (disk, the same reports) as a ratio, table by
    table."""
    node_dir = env["SAE_NODE_DIR"]
    wal = os.path.join(node_dir, "node.db-wal")
    tables = {}
    before_disk = (settled_bytes(os.path.join(node_dir, "node.db"), scratch, tables)
                   - adds["empty"])
    say("on disk per report: this build %.0f B, --before %.0f B, ratio %.2f"
        % (disk / args.reports, before_disk / args.reports, disk / before_disk))
    say("where --before's bytes are (pages of each table and index, per report): %s"
        % ", ".join("%s %.0f B" % (name, size / args.reports) for name, size in
                    sorted(tables.items(), key=lambda t: -t[1])[:8]))
    say("--before %s: add median %.2f ms, ratio to the anchor %.2f; CPU median %.2f ms; on "
        "disk per report %.0f B (ratio to the JSON %.2f); WAL left %d B; durable syncs %s"
        % (args.before, statistics.median(adds["wall"]) * 1e3,
           statistics.median(adds["wall"]) * 1e3 / anchor_ms,
           statistics.median(adds["cpu"]) * 1e3,
           (settled_bytes(os.path.join(node_dir, "node.db"), scratch) - adds["empty"])
           / args.reports,
           (settled_bytes(os.path.join(node_dir, "node.db"), scratch) - adds["empty"])
           / json_bytes, os.path.getsize(wal) if os.path.exists(wal) else 0,
           [syncs(add_argv(args.before, scratch, *last), env) for _ in range(STRACE_CALLS)]
           if shutil.which("strace") else "not counted"))


def run(args, scratch):
    env = dict(os.environ, SAE_NODE_DIR=os.path.join(scratch, "node"), LC_ALL="C")
    before_env = dict(env, SAE_NODE_DIR=os.path.join(scratch, "before"))
    raw = os.path.join(scratch, "raw.db")
    node_init(args.node, env)
    before = {"wall": [], "cpu": []}
    if args.before:
        node_init(args.before, before_env)
        before["empty"] = settled_bytes(os.path.join(scratch, "before", "node.db"), scratch)
    timed(["sqlite3", raw], env, ANCHOR_SCHEMA)
    node_dir = env["SAE_NODE_DIR"]
    empty = settled_bytes(os.path.join(node_dir, "node.db"), scratch)
    raw_empty = settled_bytes(raw, scratch)
    rng = random.Random(SEED)
    add_times, anchor_times, json_bytes, add_cpu, anchor_cpu = [], [], 0, [], []
    for _ in range(args.reports):
        plain, secret = report(rng)
        json_bytes += len(json.dumps(dict(plain, **secret), ensure_ascii=False,
                                     separators=(",", ":")).encode())
        seconds, out = timed(add_argv(args.node, scratch, plain, secret), env, cpu=add_cpu)
        if not re.fullmatch(r"[0-9a-f-]{36}\n", out):
            raise SystemExit("%s: add printed %r, not an id" % (NAME, out))
        add_times.append(seconds)
        anchor_times.append(timed(["sqlite3", raw], env, anchor_sql(plain, secret),
                                  cpu=anchor_cpu)[0])
        if args.before:
            before["wall"].append(timed(add_argv(args.before, scratch, plain, secret),
                                        before_env, cpu=before["cpu"])[0])
    wal = os.path.getsize(os.path.join(node_dir, "node.db-wal"))
    tables = {}
    disk = settled_bytes(os.path.join(node_dir, "node.db"), scratch, tables) - empty
    raw_disk = settled_bytes(raw, scratch) - raw_empty
    add_ms, anchor_ms = statistics.median(add_times) * 1e3, statistics.median(anchor_times) * 1e3
    say("%s: %d case reports, one process each, in %s" % (NAME, args.reports, scratch))
    say("sae-node add: median %.2f ms; sqlite3 CLI, same rows, WAL + FULL: %.2f ms; ratio %.2f"
        % (add_ms, anchor_ms, add_ms / anchor_ms))
    say("CPU per call (user + system): sae-node add median %.2f ms; sqlite3 CLI %.2f ms; "
        "ratio %.2f" % (statistics.median(add_cpu) * 1e3, statistics.median(anchor_cpu) * 1e3,
                        statistics.median(add_cpu) / max(statistics.median(anchor_cpu), 1e-6)))
    say("on disk per report (node.db's growth, WAL copied in): journal %.0f B; the report's "
        "JSON %.0f B, ratio %.2f; the anchor's table %.0f B, ratio %s; the WAL left beside "
        "it: %d B (at most about %d pages)"
        % (disk / args.reports, json_bytes / args.reports, disk / json_bytes,
           raw_disk / args.reports, "%.2f" % (disk / raw_disk) if raw_disk > 0 else "-", wal,
           WAL_PAGES))
    say("where the journal's bytes are (pages of each table and index, per report): %s"
        % ", ".join("%s %.0f B" % (name, size / args.reports) for name, size in
                    sorted(tables.items(), key=lambda t: -t[1])[:8]))
    start_cpu, anchor_start_cpu = [], []
    for _ in range(20):
        timed([args.node, "--help"], env, cpu=start_cpu)
        timed(["sqlite3", "-version"], env, cpu=anchor_start_cpu)
    say("process start alone, CPU: sae-node --help median %.2f ms; sqlite3 -version %.2f ms; "
        "ratio %.2f" % (statistics.median(start_cpu) * 1e3,
                        statistics.median(anchor_start_cpu) * 1e3,
                        statistics.median(start_cpu) / max(statistics.median(anchor_start_cpu),
                                                           1e-6)))
    objects, cycles = loader_statistics(add_argv(args.node, scratch, plain, secret), env)
    anchor_objects, anchor_cycles = loader_statistics(["sqlite3", raw, "SELECT 1"], env)
    say("shared objects loaded: sae-node add %d (loader %.1f Mcycles); sqlite3 CLI %d "
        "(%.1f Mcycles)" % (objects, cycles / 1e6, anchor_objects, anchor_cycles / 1e6))
    if args.before:
        before_figures(args, scratch, before_env, before, anchor_ms, json_bytes,
                       (plain, secret), disk)
    if not shutil.which("strace"):
        say("durable syncs: not counted (no strace)")
        return
    add_syncs = [syncs(add_argv(args.node, scratch, plain, secret), env)
                 for _ in range(STRACE_CALLS)]
    anchor_syncs = [syncs(["sqlite3", raw], env, anchor_sql(plain, secret))
                    for _ in range(STRACE_CALLS)]
    say("durable syncs (fsync + fdatasync) per call over %d calls: sae-node add %s; sqlite3 "
        "CLI %s" % (STRACE_CALLS, add_syncs, anchor_syncs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", default=os.environ.get("SAE_NODE_BIN", "build/sae-node"))
    parser.add_argument("--reports", type=int, default=REPORTS_DEFAULT)
    parser.add_argument("--before", help="another build of sae-node (an earlier commit's) to "
                        "run turn about with the others, its figures printed beside them")
    args = parser.parse_args()
    if os.environ.get("BENCH_SMOKE") == "1":
        args.reports = SMOKE_REPORTS
    if not 1 <= args.reports <= REPORTS_MAX:
        raise SystemExit("%s: --reports must be from 1 to %d" % (NAME, REPORTS_MAX))
    if not shutil.which("sqlite3"):
        raise SystemExit("%s: the sqlite3 program (the anchor) is missing; install the "
                         "Debian package sqlite3" % NAME)
    scratch = tempfile.mkdtemp(prefix="sae-bench-add-", dir=os.environ.get("TMPDIR") or
                               "/var/tmp")
    try:
        run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
