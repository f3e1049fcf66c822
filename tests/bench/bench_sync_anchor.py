#!/usr/bin/python3
"""bench_sync_anchor: our sync beside its anchor, CouchDB's replication protocol, on the same
generated reports (issue 14's table).

Ours: the real sae-node syncing to the real sae-hub over HTTPS. The anchor: a PouchDB
database (the post) replicating to an express-pouchdb server (the hub) over plain HTTP, both
in Node.js with their databases in memory (tests/bench/couch_anchor/; npm packages pinned by
its package-lock.json, installed by `npm ci` into build/couch-anchor/). Each side talks
through its own byte-counting TCP proxy on 127.0.0.1 (tests/e2e/hub/faultproxy.py with its
trace, no fault and no delay, as bench_sync_link.py measures our wire): the bytes are
everything the proxy forwarded (TLS records for ours, HTTP for the anchor), a round trip is a
change of direction from post->hub data to hub->post data on a connection, and a round's
connections are those that carried its bytes. No link is shaped: times are loopback times
on this machine.

The reports are bench_sync_link.py's (same generator, same seed), written into the post's
journal before the clock by journal_fill (bench/journal_fill beside --node, or --fill), after
the check that it writes what `sae-node add` writes (post_fill.py). The post records the first
min(1,000, N) and pushes them (the initial push), then runs an idle round (nothing to send);
with N > 1,000 (`make bench`: 10,000) it records the rest, pushes them and runs an idle round
again, so the idle round is measured at 1,000 reports and at N. Each step runs ours, then the
anchor, in turn. Our round is one `sae-node sync` process (pull and push); the anchor's push
is PouchDB.replicate(post, hub), and its idle round is shown both one way (replicate) and
both ways (PouchDB.sync, what a post app would run, and what our round does), after a first
sync both ways that is shown apart: its pull reads the post's own new documents back from
the hub's changes feed.

Usage (`make bench`; `make bench-smoke` at BENCH_SMOKE=1, 30 reports):
  /usr/bin/python3 tests/bench/bench_sync_anchor.py [--node BIN] [--hub BIN] [--reports N]
      [--anchor DIR] [--nodejs PROGRAM] [--fill BIN]
"""
import argparse
import gzip
import json
import os
import random
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import post_fill

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(REPO, "tests", "e2e", "hub"), os.path.join(REPO, "tests", "e2e")]

NAME = "bench_sync_anchor"
FIRST_STAGE = 1000      # reports of the first push; the idle round is measured here and at N
MAX_REPORTS = 100000    # bound on --reports
SMOKE_REPORTS = 30
ANCHOR_START_S = 60     # how long the anchor's hub may take to listen
ANCHOR_STEP_S = 1800    # how long one anchor command (load or push) may take
HUB_DB = "hub"
BUSY_RE = re.compile(r"the hub is busy; .* try again in (\d+) s")
BUSY_TRIES = 100


def say(line):
    print(line, flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def wire(proxy, started, ended):
    """What the proxy forwarded between two moments: bytes up and down, round trips, the
    connections that carried any of it, and how many of them opened in the window."""
    up = down = trips = carried = opened = 0
    for row in proxy.connection_log():
        events = [e for e in row["trace"]
                  if e[2] == "sent" and started <= row["started"] + e[0] <= ended]
        if not events:
            continue
        carried += 1
        opened += started <= row["started"] <= ended
        last = None
        for _, direction, _, n in events:
            if direction == "up":
                up += n
            else:
                down += n
                trips += last == "up"
            last = direction
    return {"up": up, "down": down, "bytes": up + down, "trips": trips, "conns": carried,
            "opened": opened}


def settle(proxy, timeout=30):
    """Waits until the side's connections have closed (its round is over on the wire)."""
    deadline = time.monotonic() + timeout
    while proxy.stats()["active"] and time.monotonic() < deadline:
        time.sleep(0.02)


def timed(proxy, step):
    """Runs step(), then returns (its result, its wire figures with "wall" in seconds)."""
    started = time.monotonic()
    result = step()
    ended = time.monotonic()
    settle(proxy)
    figures = wire(proxy, started, ended)
    figures["wall"] = ended - started
    return result, figures


class Ours:
    """sae-node and sae-hub through a proxy: the post records with journal_fill (what
    `sae-node add` writes, in one process) and every round is one `sae-node sync --json`
    process."""

    label = "ours (sae-node -> sae-hub, HTTPS)"

    def __init__(self, work, fill_program):
        import hubproc
        import saenode
        from faultproxy import FaultProxy
        self.saenode = saenode
        self.work = work
        self.fill_program = fill_program
        self.proxy = None
        self.hub = hubproc.Hub(os.path.join(work, "hub")).init()
        self.hub.start()
        try:
            self.proxy = FaultProxy(self.hub.port, trace=True).start()
            self.post = self.enrolled_post("post", "Laptop Pos Sumberanyar", self.proxy.port)
            self.round()  # enrollment's first round, as bench_sync_link runs it: not measured
        except BaseException:
            self.stop()
            raise

    def record(self, reports):
        post_fill.fill(self.fill_program, self.post, reports)

    def enrolled_post(self, name, device, port):
        """A post of the bench's village in work/name, enrolled as device with the hub
        reached at port (the proxy's, or the hub's own)."""
        from bench_sync_link import VILLAGE
        return post_fill.enrolled_post(self.hub, os.path.join(self.work, name), VILLAGE,
                                       device, port)

    def check_fill(self, reports):
        """post_fill.check_fill, in two posts enrolled with the hub itself, not through the
        proxy, and never synced after: only their journals are looked at."""
        posts = [self.enrolled_post(name, "Laptop " + name, self.hub.port)
                 for name in ("by-add", "by-fill")]
        post_fill.check_fill(self.fill_program, posts[0], posts[1], reports)

    def round(self):
        res = self.saenode.run(["sync", "--json"], dir=self.post, timeout=3600)
        assert res.rc == 0, res
        return res.json()

    def push(self, expected):
        self.busy_waits = []
        answer, figures = timed(self.proxy, self.rounds_until_pushed)
        status = self.saenode.ok(["status", "--json"], dir=self.post).json()
        assert status["pending"] == 0 and answer["pushed"] > 0, (answer, status)
        figures["docs"] = expected
        figures["busy"] = self.busy_waits
        return figures

    def rounds_until_pushed(self):
        """Rounds until everything is pushed: when the hub answers that it is busy (its
        queue of changes to merge is full), the post waits the time the hub asked for and
        syncs again, as `sae-node run` does; the wait counts in the push's time."""
        pushed = 0
        for _ in range(BUSY_TRIES):
            res = self.saenode.run(["sync", "--json"], dir=self.post, timeout=3600)
            answer = res.json() if res.out.strip() else {}
            pushed += answer.get("pushed", 0)
            wait = BUSY_RE.search(answer.get("error") or "")
            if res.rc == 0 or wait is None:
                assert res.rc == 0, res
                answer["pushed"] = pushed
                return answer
            self.busy_waits.append(int(wait.group(1)))
            time.sleep(int(wait.group(1)))
        raise AssertionError("the hub was still busy after %d rounds" % BUSY_TRIES)

    def idle(self):
        answer, figures = timed(self.proxy, self.round)
        assert answer["pushed"] == 0, answer
        return figures

    def stop(self):
        if self.proxy is not None:
            self.proxy.stop()
        self.hub.stop()


class Anchor:
    """couch_hub.js (express-pouchdb) behind a proxy, and couch_post.js (PouchDB) driven one
    command a line."""

    label = "anchor (PouchDB -> express-pouchdb, HTTP)"

    def __init__(self, work, nodejs, modules):
        from faultproxy import FaultProxy
        self.work = work
        os.makedirs(work)
        env = dict(os.environ, NODE_PATH=modules)
        script = os.path.join(HERE, "couch_anchor")
        # Their standard error goes to files: a pipe nobody reads could stop them.
        self.logs = {side: os.path.join(work, side + ".log") for side in ("hub", "post")}
        self.client = None
        self.proxy = None
        with open(self.logs["hub"], "w") as log:
            self.server = subprocess.Popen([nodejs, os.path.join(script, "couch_hub.js"), "0"],
                                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=log, env=env, text=True,
                                           start_new_session=True)
        try:
            self.proxy = FaultProxy(self._listening(), trace=True).start()
            with open(self.logs["post"], "w") as log:
                self.client = subprocess.Popen(
                    [nodejs, os.path.join(script, "couch_post.js"),
                     "http://127.0.0.1:%d/%s" % (self.proxy.port, HUB_DB)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                    text=True, start_new_session=True)
        except BaseException:
            self.stop()
            raise
        self.batch = 0

    def log_tail(self, side):
        with open(self.logs[side], errors="replace") as f:
            return f.read()[-2000:]

    def _listening(self):
        with selectors.DefaultSelector() as sel:
            sel.register(self.server.stdout, selectors.EVENT_READ)
            if not sel.select(ANCHOR_START_S):
                raise RuntimeError("the anchor's hub did not listen within %d s"
                                   % ANCHOR_START_S)
        line = self.server.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError("the anchor's hub did not start: %s%s"
                               % (line, self.log_tail("hub")))
        return int(line.split()[1])

    def command(self, line):
        self.client.stdin.write(line + "\n")
        self.client.stdin.flush()
        with selectors.DefaultSelector() as sel:
            sel.register(self.client.stdout, selectors.EVENT_READ)
            if not sel.select(ANCHOR_STEP_S):
                raise RuntimeError("couch_post.js: %s: no answer within %d s"
                                   % (line, ANCHOR_STEP_S))
        answer = self.client.stdout.readline()
        if not answer:
            raise RuntimeError("couch_post.js ended: %s" % self.log_tail("post"))
        answer = json.loads(answer)
        if "error" in answer:
            raise RuntimeError("couch_post.js: %s: %s" % (line, answer["error"]))
        return answer

    def record(self, reports):
        self.batch += 1
        path = os.path.join(self.work, "reports-%d.ndjson" % self.batch)
        with open(path, "w", encoding="utf-8") as f:
            for fields in reports:
                f.write(json.dumps(fields, ensure_ascii=False) + "\n")
        assert self.command("load " + path)["docs"] == len(reports)

    def push(self, expected):
        answer, figures = timed(self.proxy, lambda: self.command("push"))
        assert answer["docs_written"] == expected, answer
        figures["docs"] = expected
        return figures

    def idle(self, both_ways=False):
        answer, figures = timed(self.proxy, lambda: self.command("sync" if both_ways
                                                                 else "push"))
        assert answer["docs_written"] == 0, answer
        return figures

    def stop(self):
        for proc in (self.client, self.server):
            if proc is None or proc.poll() is not None:
                continue
            if proc is self.client:
                proc.stdin.close()
            else:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.proxy is not None:
            self.proxy.stop()


def gzip9_per_report(reports):
    """gzip -9 of the reports' raw JSON in one piece, per report (bench_sync_link's floor)."""
    raw = b"\n".join(json.dumps(f, ensure_ascii=False, sort_keys=True).encode()
                     for f in reports)
    return len(gzip.compress(raw, compresslevel=9, mtime=0)) / len(reports), \
        len(raw) / len(reports)


def show_push(name, f):
    say("    %-44s %9d B up + %9d B down = %7.1f B per new report, %4d round trips,"
        " %3d connection(s), %7.2f s = %7.0f reports/s"
        % (name, f["up"], f["down"], f["bytes"] / f["docs"], f["trips"], f["conns"],
           f["wall"], f["docs"] / f["wall"]))
    if f.get("busy"):
        say("      the hub answered busy %d time(s): the post waited %d s as asked, counted"
            " above" % (len(f["busy"]), sum(f["busy"])))


def show_idle(name, f):
    say("    %-44s %6d B (%d up, %d down), %d round trip(s), %d connection(s), %.0f ms"
        % (name, f["bytes"], f["up"], f["down"], f["trips"], f["conns"], 1000 * f["wall"]))


def ratio(a, b):
    return a / b if b else float("nan")


def stages_of(n):
    return [min(FIRST_STAGE, n)] + ([n] if n > FIRST_STAGE else [])


def run(args, work):
    from bench_sync_link import SEED, report
    rng = random.Random(SEED)
    reports = [report(rng, k) for k in range(args.reports)]
    floor, raw = gzip9_per_report(reports[:stages_of(args.reports)[0]])
    say("%s: %d generated reports (bench_sync_link's, seed %#x), synced by ours and by the"
        " anchor, each through its own byte-counting proxy on 127.0.0.1 (no shaping);"
        " load average %s" % (NAME, args.reports, SEED, load_average()))
    say("  what differs: ours is HTTPS (TLS 1.3 records counted), the anchor plain HTTP"
        " (express-pouchdb answers gzip when asked); ours seals every sensitive value to the"
        " hub's key and journals versioned changes in SQLite on disk with durable commits,"
        " the anchor sends JSON documents with revision trees, nothing sealed, both databases"
        " in memory (no durable write); each of our rounds starts a `sae-node` process and"
        " a TLS session, the anchor's rounds are calls in one running Node.js process")
    say("  per report of the first push: raw JSON %.1f B, gzip -9 in one piece %.1f B (the"
        " floor)" % (raw, floor))
    ours = anchor = None
    figures = {}
    try:
        ours = Ours(os.path.join(work, "ours"), args.fill)
        ours.check_fill(reports[:post_fill.FILL_CHECK_REPORTS])
        say("  the post's reports are written by journal_fill, one process for all: its"
            " journal of the first %d reports was checked equal to one written by `sae-node"
            " add` a report (fields, history, stored values' sizes, copies for the hub)"
            % min(post_fill.FILL_CHECK_REPORTS, args.reports))
        anchor = Anchor(os.path.join(work, "anchor"), args.nodejs, args.anchor)
        held = 0
        for size in stages_of(args.reports):
            new = reports[held:size]
            started = time.monotonic()
            ours.record(new)
            recorded = time.monotonic() - started
            anchor.record(new)
            say("  %d new reports onto %d already synced (recorded before the clock: ours %.1f"
                " s by journal_fill; load average %s)"
                % (len(new), held, recorded, load_average()))
            push = (ours.push(len(new)), anchor.push(len(new)))
            show_push(ours.label, push[0])
            show_push(anchor.label, push[1])
            echo = anchor.idle(both_ways=True)
            show_idle("anchor: first sync both ways after it", echo)
            say("      (its pull reads the hub's changes feed, the post's own %d documents"
                " among them, and checks their revisions: ours pulls nothing of its own)"
                % len(new))
            idle = (ours.idle(), anchor.idle(), anchor.idle(both_ways=True))
            say("    idle round at %d reports:" % size)
            show_idle(ours.label + ": sync", idle[0])
            show_idle("anchor: replicate (one way)", idle[1])
            show_idle("anchor: sync (both ways, as ours)", idle[2])
            figures[size] = push + idle + (gzip9_per_report(new)[0],)
            held = size
    finally:
        for side in (anchor, ours):
            if side is not None:
                side.stop()
    summary(figures)
    return 0


def summary(figures):
    """The headline lines: each stage's figures as ratios of the anchor's, its floor being
    gzip -9 of that stage's new reports in one piece."""
    sizes = sorted(figures)
    first = figures[sizes[0]]
    floor = first[5]
    per_ours = first[0]["bytes"] / first[0]["docs"]
    per_anchor = first[1]["bytes"] / first[1]["docs"]
    rate_ours = first[0]["docs"] / first[0]["wall"]
    rate_anchor = first[1]["docs"] / first[1]["wall"]
    say("%s: initial push of %d reports: ours %.1f B per report = %.2f x CouchDB's %.1f B"
        " (%.2f x the gzip -9 floor of %.1f B; CouchDB %.2f x); ours %.0f reports/s = %.2f x"
        " CouchDB's %.0f" % (NAME, sizes[0], per_ours, ratio(per_ours, per_anchor), per_anchor,
                            ratio(per_ours, floor), floor, ratio(per_anchor, floor), rate_ours,
                            ratio(rate_ours, rate_anchor), rate_anchor))
    if len(sizes) > 1:
        last = figures[sizes[-1]]
        say("%s: push of the next %d reports: ours %.1f B per report = %.2f x CouchDB's %.1f B"
            " (gzip -9 floor of these reports %.1f B); ours %.0f reports/s = %.2f x CouchDB's"
            " %.0f"
            % (NAME, last[0]["docs"], last[0]["bytes"] / last[0]["docs"],
               ratio(last[0]["bytes"], last[1]["bytes"]), last[1]["bytes"] / last[1]["docs"],
               last[5],
               last[0]["docs"] / last[0]["wall"],
               ratio(last[0]["docs"] / last[0]["wall"], last[1]["docs"] / last[1]["wall"]),
               last[1]["docs"] / last[1]["wall"]))
    for size in sizes:
        o, one_way, both = figures[size][2:5]
        say("%s: idle round at %d reports: ours %d B, %d round trips, %d connection(s), %.0f ms"
            " = %.2f x the bytes and %.2f x the time of CouchDB's both-ways sync (%d B, %d round"
            " trips, %d connection(s), %.0f ms; one way %d B, %d round trips, %d connection(s),"
            " %.0f ms)"
            % (NAME, size, o["bytes"], o["trips"], o["conns"], 1000 * o["wall"],
               ratio(o["bytes"], both["bytes"]), ratio(o["wall"], both["wall"]), both["bytes"],
               both["trips"], both["conns"], 1000 * both["wall"], one_way["bytes"],
               one_way["trips"], one_way["conns"], 1000 * one_way["wall"]))
    if len(sizes) > 1:
        a, b = figures[sizes[0]], figures[sizes[-1]]
        say("%s: idle round's time from %d to %d reports: ours x %.2f, CouchDB's sync x %.2f;"
            " load average %s" % (NAME, sizes[0], sizes[-1], ratio(b[2]["wall"], a[2]["wall"]),
                                  ratio(b[4]["wall"], a[4]["wall"]), load_average()))


def check(args):
    """None when everything the run needs is there, or the line saying what to do."""
    for binary in (args.node, args.hub):
        if not os.access(binary, os.X_OK):
            return "no program at %s (run make first)" % binary
    if post_fill.missing(args.fill):
        return post_fill.missing(args.fill)
    if shutil.which(args.nodejs) is None:
        return "no %s (Debian's nodejs): run make deps" % args.nodejs
    for package in ("express", "express-pouchdb", "pouchdb-core", "pouchdb-adapter-memory",
                    "pouchdb-adapter-http", "pouchdb-replication"):
        if not os.path.isfile(os.path.join(args.anchor, package, "package.json")):
            return ("no %s under %s: install the anchor with make bench-anchor (npm ci)"
                    % (package, args.anchor))
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--node", default=os.environ.get("SAE_NODE_BIN") or
                        os.path.join(REPO, "build", "sae-node"))
    parser.add_argument("--hub", default=os.environ.get("SAE_HUB_BIN") or
                        os.path.join(REPO, "build", "sae-hub"))
    parser.add_argument("--reports", type=int,
                        default=SMOKE_REPORTS if os.environ.get("BENCH_SMOKE") else FIRST_STAGE)
    parser.add_argument("--anchor", default=os.path.join(REPO, "build", "couch-anchor",
                                                         "node_modules"),
                        help="the anchor's node_modules (npm ci's)")
    parser.add_argument("--nodejs", default="node", help="the Node.js program")
    parser.add_argument("--fill", help="journal_fill of the same build as --node (default:"
                        " bench/journal_fill beside it)")
    args = parser.parse_args(argv)
    if not 1 <= args.reports <= MAX_REPORTS:
        parser.error("--reports must be 1 to %d" % MAX_REPORTS)
    args.node, args.hub = os.path.abspath(args.node), os.path.abspath(args.hub)
    args.fill = os.path.abspath(args.fill or post_fill.default_program(args.node))
    args.anchor = os.path.abspath(args.anchor)
    why = check(args)
    if why:
        say("%s: error: %s" % (NAME, why))
        return 1
    os.environ["SAE_NODE_BIN"], os.environ["SAE_HUB_BIN"] = args.node, args.hub
    for var in ("SAE_NODE_DIR", "SAE_BUSY_TIMEOUT_MS", "XDG_DATA_HOME", "SAE_HUB_DIR",
                "SAE_STALL_TIMEOUT_S"):
        os.environ.pop(var, None)
    work = tempfile.mkdtemp(prefix="sae-bench-anchor-", dir="/var/tmp")
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
