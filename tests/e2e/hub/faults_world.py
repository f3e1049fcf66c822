"""The parts of the fault scenario (test_sync_faults.py) that are not the scenario itself:
its villages and values, the fault plan, the World that drives the posts and keeps the
test's own record, and readers of what the programs hold."""
import collections
import os
import random
import re
import sqlite3
import urllib.parse

import merge_model
import saenode
from faultproxy import Fault

# Villages by their codes in the official list, as the hub stores and filters them.
VILLAGE_A = "35.13.12.2018"  # Sumberanyar, kecamatan Paiton
VILLAGE_B = "35.13.02.2004"  # Wonokerso, kecamatan Sumber
STALL_TIMEOUT_S = "2"  # the node gives up on a stalled link after this (SAE_STALL_TIMEOUT_S)
MAX_ROUNDS = 40        # fault rounds per phase before the test gives up
STATUSES = ("new", "active", "referred", "closed")
VIOLENCE = ("physical", "psychological", "sexual", "exploitation", "trafficking", "neglect",
            "other")
NAMES = ("Siti Aminah", "Nur Hasanah", "Dewi Lestari", "Sri Wahyuni", "Rina Marlina",
         "Ayu Puspita")
NARRATIVE = ("Korban datang ke posko bersama ibunya.\nMenceritakan kekerasan di rumah; "
             "pendamping mencatat dan merujuk ke puskesmas.")


def node_env():
    return saenode.clean_env(SAE_STALL_TIMEOUT_S=STALL_TIMEOUT_S)


def enrolled_through(hub, proxy, tmp_path, name, village=saenode.VILLAGE):
    """An initialised post whose bundle names the proxy's address instead of the hub's
    (enrolment itself happens on its first sync, through the proxy)."""
    post = str(tmp_path / name)
    saenode.init(post, village, author="Staf %s" % name)
    saenode.ok(["enroll", hub.add_node(village, port=proxy.port, name="Laptop %s" % name)],
               dir=post)
    return post


def fault_plan(seed, p_fault):
    """plan(connection index) -> Fault, a pure function of (seed, index)."""
    def plan(index):
        if index == 0:
            return Fault("reset", after=0)  # the very first connection surely fails
        rng = random.Random(seed * 1000003 + index)
        if rng.random() >= p_fault:
            return Fault("pass")
        kind = rng.choice(("cut_up", "cut_down", "reset", "cut_up", "cut_down", "reset",
                           "throttle", "stall"))
        # A sync moves a few KB each way (the TLS handshake about 1.5 KB, a batch of 500
        # changes about 6 KB up): cuts land anywhere from the first byte to the last answer.
        if rng.random() < 0.5:
            after = int(10 ** rng.uniform(0, 4))
        else:
            after = rng.randrange(0, 9000)
        if kind == "stall":
            return Fault("stall", after=after, seconds=rng.choice((0.5, 1.0, 3.0)))
        if kind == "throttle":
            return Fault("throttle", rate=rng.choice((8000, 30000, 120000)))
        return Fault(kind, after=after)
    return plan


class World:
    """The posts, the hub, and what the test did to them (the test's own record, never read
    back from the programs under test)."""

    def __init__(self, hub, proxy, rng, seed):
        self.hub, self.proxy, self.rng, self.seed = hub, proxy, rng, seed
        # The order of syncs in a round has its own generator: how many rounds a phase takes
        # depends on where cuts land, and must not change the edits the scenario makes.
        self.order_rng = random.Random(seed + 1)
        self.posts = {}                     # name -> dir
        self.village = {}                   # name -> village
        self.cases = collections.defaultdict(list)  # village -> case ids
        self.reports = collections.defaultdict(set)  # village -> every report id
        self.district_changes = 0           # changes `reports edit` said it saved
        self.resolutions = {}               # new version -> (report, field, candidate keys)
        self.sync_failures = collections.Counter()
        self.syncs = 0
        # Convergence bookkeeping: a post is caught up when its last successful round came
        # after every round that may have pushed something of its village (a round of a post
        # with local changes, even a failed one, may have had batches acknowledged) and after
        # every district change.
        self.dirty = set()                  # posts with local changes not surely sent
        self.mark = collections.Counter()   # village -> event number that may add changes
        self.last_ok = {}                   # post -> event number of its last good round
        self.events = 0
        self.races = collections.defaultdict(list)  # policy -> [(report, field, must stand)]

    def touch(self, name=None, village=None):
        """Something was written: locally on post name, or at the hub for village."""
        if name is not None:
            self.dirty.add(name)
        else:
            self.events += 1
            self.mark[village] = self.events

    def caught_up(self, name):
        return name not in self.dirty and \
            self.last_ok.get(name, 0) >= self.mark[self.village[name]]

    def post(self, tmp_path, name, village):
        self.posts[name] = enrolled_through(self.hub, self.proxy, tmp_path, name, village)
        self.village[name] = village

    # Recording.
    def add_case(self, name, **extra):
        rng = self.rng
        # closure_reason from the start: any edit may close the case (a rule wants it).
        fields = {"violence_types": rng.choice(VIOLENCE), "victim_sex": rng.choice("FM"),
                  "closure_reason": "other",
                  "intake_date": "2025-%02d-%02d" % (rng.randrange(1, 13),
                                                     rng.randrange(1, 29)),
                  "victim_age": str(rng.randrange(0, 90))}
        if rng.random() < 0.1:
            fields["victim_name"] = rng.choice(NAMES)
        if rng.random() < 0.05:
            fields["narrative"] = NARRATIVE
        fields.update(extra)
        case = saenode.add_case(self.posts[name], **fields)
        self.touch(name)
        self.cases[self.village[name]].append(case)
        self.reports[self.village[name]].add(case)
        return case

    def add_service(self, name, case):
        sid = saenode.add_service(self.posts[name], case)
        self.touch(name)
        self.reports[self.village[name]].add(sid)

    def add_referral(self, name, case):
        rid = saenode.add_referral(self.posts[name], case)
        self.touch(name)
        self.reports[self.village[name]].add(rid)

    def edit(self, name, case, **fields):
        args = ["edit", case] + saenode.set_args(None, fields)
        self.touch(name)
        return saenode.ok(args, dir=self.posts[name])

    def edit_unless_deleted(self, name, case, **fields):
        """An edit a post may find refused because the report is deleted there."""
        args = ["edit", case] + saenode.set_args(None, fields)
        res = saenode.run(args, dir=self.posts[name])
        self.touch(name)
        if res.rc == 2 and b"deleted" in res.err:
            return False
        assert res.rc == 0, res
        return True

    def delete(self, name, case):
        self.touch(name)
        saenode.ok(["delete", case], dir=self.posts[name])

    def district_edit(self, case, **fields):
        args = ["reports", "edit", case] + saenode.set_args(None, fields)
        out = self.hub.ok(*(args + ["--by", "Bu Sari (DP3AP2KB)"])).stdout.decode()
        self.touch(village=self.village_of(case))
        if out.startswith("nothing to change"):  # every value equal to the current one
            return
        saved = re.search(r"saved (\d+) district change", out)
        assert saved, out
        self.district_changes += int(saved.group(1))

    def resolve(self, conflict_id, how):
        """Resolves a conflict; remembers the candidates `conflicts show` listed just before,
        the resolution's extra parents for the model."""
        shown = self.hub.admin_json("conflicts", "show", str(conflict_id))
        assert shown is not None and shown["status"] == "open", shown
        keys = tuple((int(k["version"], 16), int(k["node"], 16)) for k in shown["candidates"])
        out = self.hub.ok("conflicts", "resolve", str(conflict_id), *how,
                          "--by", "Pak Hadi (UPT PPA)").stdout.decode()
        self.touch(village=self.village_of(shown["report"]))
        version = re.search(r"new version ([0-9a-f]{16})", out)
        assert version, out
        self.resolutions[int(version.group(1), 16)] = (shown["report"], shown["field"], keys)
        return shown

    def elements(self, name, case, add=(), remove=()):
        """Adds and removes set elements ("violence_types/sexual") of case on post name, as
        one command of its staff does (sae-node edit --add/--remove SET=CODE)."""
        args = ["edit", case]
        for option, names in (("--add", add), ("--remove", remove)):
            for element in names:
                args += [option, element.replace("/", "=", 1)]
        self.touch(name)
        return saenode.ok(args, dir=self.posts[name])

    def village_of(self, report):
        return next(v for v, ids in self.reports.items() if report in ids)

    # Synchronising.
    def sync(self, name):
        self.events += 1
        if name in self.dirty:
            self.mark[self.village[name]] = self.events
        res = saenode.run(["sync"], dir=self.posts[name], env=node_env(), timeout=120)
        self.syncs += 1
        if res.rc == 0:
            self.dirty.discard(name)
            self.last_ok[name] = self.events
            return True
        # A bad link may only ever look like a missing connection.
        saenode.assert_one_line_error(res, 1, "no connection to the hub", "will be sent later")
        self.sync_failures[name] += 1
        return False

    def sync_until_ok(self, phase, posts=None, edits=None, edit_rounds=0):
        """Rounds of `sae-node sync` through the faulty proxy, each of every post (of posts)
        not caught up, in random order, until all are; for the first edit_rounds rounds,
        edits(round) writes between rounds."""
        posts = sorted(posts or self.posts)
        for rnd in range(MAX_ROUNDS):
            names = [n for n in posts if not self.caught_up(n)]
            if not names and rnd >= edit_rounds:
                return rnd
            self.order_rng.shuffle(names)
            for name in names:
                self.sync(name)
            if rnd < edit_rounds:
                edits(rnd)
        raise AssertionError("seed %d: %s did not converge in %d rounds; failures %r; proxy %r"
                             % (self.seed, phase, MAX_ROUNDS, dict(self.sync_failures),
                                self.proxy.stats()))


# Reading what the programs hold.

def node_db(post):
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.join(post, "node.db"))
    db = sqlite3.connect(uri, uri=True, timeout=30)
    db.execute("PRAGMA query_only = ON")
    return db


def journal_rows(post, sql, params=()):
    db = node_db(post)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def sensitive_fields():
    out = set()
    for kind in saenode.ok(["fields", "--json"]).json():
        out |= {(kind["kind"], f["name"]) for f in kind["fields"] if f["sensitive"]}
    return out


def as_text(value):
    """A value of `show --json`/`list --json` in the hub's stored (canonical) text; a set
    (an array of codes in catalogue order) as its canonical comma list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def set_orders():
    """{set field: [codes in catalogue order]} from the catalogue itself."""
    out = {}
    for kind in saenode.ok(["fields", "--json"]).json():
        for f in kind["fields"]:
            if f["type"] == "set":
                out[f["name"]] = [v["code"] for v in f["values"]]
    return out


def join_sets(fields, orders):
    """Set elements ("violence_types/sexual" = "1") as the set's canonical text, as readers
    show them."""
    codes = {}
    for name in [n for n in fields if "/" in n]:
        base, code = name.split("/", 1)
        if fields.pop(name) == "1":
            codes.setdefault(base, []).append(code)
    for base, listed in codes.items():
        fields[base] = ",".join(c for c in orders[base] if c in listed)
    return fields


def hub_village_state(hub, village):
    """{report id: (kind, deleted, {field: value})} of the hub's current values, sets put
    together from their elements as readers show them (the elements themselves are
    compared as the post's field_shown rows)."""
    state = {rid: (kind, False, {}) for rid, kind in hub.query(
        "SELECT id, kind FROM report WHERE village = ?", (village,))}
    for rid, field, value in hub.query(
            "SELECT s.report_id, s.field, opened(c.seq, c.value) FROM field_state s"
            " JOIN change c ON c.seq = s.change JOIN report r ON r.id = s.report_id"
            " WHERE r.village = ?", (village,)):
        kind, deleted, fields = state[rid]
        if field == merge_model.DELETED:
            state[rid] = (kind, value == "1", fields)
        elif value is not None:
            fields[field] = value
    orders = set_orders()
    for kind, deleted, fields in state.values():
        join_sets(fields, orders)
    return state


def hub_village_versions(hub, village):
    """{(report, field): (value, version, origin)} of the hub's current values of village."""
    return {(r, f): (v, ver, o) for r, f, v, ver, o in hub.query(
        "SELECT s.report_id, s.field, opened(c.seq, c.value), c.version, c.origin"
        " FROM field_state s"
        " JOIN change c ON c.seq = s.change JOIN report r ON r.id = s.report_id"
        " WHERE r.village = ?", (village,))}


def withheld_from(hub, village, origin, sensitive):
    """{(report, field)} of village's current sensitive values the post of origin (its node
    id, signed) holds withheld: a value of another origin the hub made it no copy of, since
    it arrived before the post enrolled (its first request, here through the faults). The
    hub's copies are checked against that rule: a value that arrived after the enrollment
    has a copy, one that arrived before has none (PROTOCOL.md section 3)."""
    enrolled = hub.query("SELECT enrolled_ms FROM node WHERE id = ?", (origin,))[0][0]
    out = set()
    for report, field, kind, received, copy in hub.query(
            "SELECT s.report_id, s.field, r.kind, c.received_ms, EXISTS (SELECT 1 FROM"
            " sealed_value v WHERE v.change = c.seq AND v.holder = ?) FROM field_state s"
            " JOIN change c ON c.seq = s.change JOIN report r ON r.id = s.report_id"
            " WHERE r.village = ? AND c.value IS NOT NULL AND c.origin != ?",
            (origin, village, origin)):
        if (kind, field) not in sensitive:
            continue
        assert (copy and received >= enrolled) or (not copy and received <= enrolled), (
            "hub: %s %s arrived at %d, the post enrolled at %d, copy %r" % (
                report, field, received, enrolled, copy))
        if not copy:
            out.add((report, field))
    return out


def post_reviews(post):
    """{(report, field): (standing, latest)} of the open reviews post keeps."""
    return merge_model.node_reviews(journal_rows(post, merge_model.NODE_REVIEWS_SQL))


def device_state(post, hidden):
    """The same from the post's `list --json --deleted`, without sensitive fields (they are
    compared through `show --json`)."""
    state = {}
    for r in saenode.list_json(post, "--deleted"):
        state[r["id"]] = (r["kind"], r["deleted"],
                          {f: as_text(v) for f, v in r["fields"].items()
                           if (r["kind"], f) not in hidden})
    return state
