"""Issue 5's fault scenario: several hundred reports from three devices in two villages plus
district edits and resolutions, synced through a fault-injecting proxy (random cuts in either
direction at random byte counts, resets, short stalls, throttling) until every device
reports ok. Then: nothing lost, nothing duplicated, every device equal to the hub for its
village and blind to the other one, the hub's current values and open conflicts exactly
those of an independent reference model (merge_model.py), every journal checks.

Real sae-node and sae-hub processes, real HTTPS on 127.0.0.1, real SQLite files. The seed is
printed; SAE_FAULT_SEED=N replays the same plan of faults and edits (where in the bytes a
cut lands can still differ slightly, the plan does not). SAE_FAULT_LOG=1 prints the proxy's
log of every connection."""
import collections
import os
import random
import re
import sqlite3
import time
import urllib.parse

import saenode
from faultproxy import Fault, FaultProxy
import merge_model
from merge_model import MergeModel

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


def enrolled_via(hub, proxy, tmp_path, name, village):
    """An initialised post whose bundle names the proxy's address (enrolment itself happens
    on its first sync, through the faults)."""
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
        self.posts[name] = enrolled_via(self.hub, self.proxy, tmp_path, name, village)
        self.village[name] = village

    # Recording.
    def add_case(self, name, **extra):
        rng = self.rng
        fields = {"violence_type": rng.choice(VIOLENCE), "victim_sex": rng.choice("FM"),
                  "intake_date": "2026-%02d-%02d" % (rng.randrange(1, 13),
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
        args = ["edit", case]
        for field, value in fields.items():
            args += ["--set", "%s=%s" % (field, value)]
        self.touch(name)
        return saenode.ok(args, dir=self.posts[name])

    def edit_unless_deleted(self, name, case, **fields):
        """An edit a post may find refused because the report is deleted there."""
        args = ["edit", case]
        for field, value in fields.items():
            args += ["--set", "%s=%s" % (field, value)]
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
        args = ["reports", "edit", case]
        for field, value in fields.items():
            args += ["--set", "%s=%s" % (field, value)]
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
    """A value of `show --json`/`list --json` in the hub's stored (canonical) text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def hub_village_state(hub, village):
    """{report id: (kind, deleted, {field: value})} of the hub's current values."""
    state = {rid: (kind, False, {}) for rid, kind in hub.query(
        "SELECT id, kind FROM report WHERE village = ?", (village,))}
    for rid, field, value in hub.query(
            "SELECT s.report_id, s.field, c.value FROM field_state s"
            " JOIN change c ON c.seq = s.change JOIN report r ON r.id = s.report_id"
            " WHERE r.village = ?", (village,)):
        kind, deleted, fields = state[rid]
        if field == merge_model.DELETED:
            state[rid] = (kind, value == "1", fields)
        elif value is not None:
            fields[field] = value
    return state


def device_state(post, hidden):
    """The same from the post's `list --json --deleted`, without sensitive fields (they are
    compared through `show --json`)."""
    state = {}
    for r in saenode.list_json(post, "--deleted"):
        state[r["id"]] = (r["kind"], r["deleted"],
                          {f: as_text(v) for f, v in r["fields"].items()
                           if (r["kind"], f) not in hidden})
    return state


def test_sync_through_faults_converges_to_the_model(hub, tmp_path):
    seed = int(os.environ.get("SAE_FAULT_SEED", random.randrange(1 << 30)))
    print("sync fault test: seed %d (SAE_FAULT_SEED)" % seed)
    rng = random.Random(seed)
    started = time.monotonic()
    proxy = FaultProxy(hub.port, plan=fault_plan(seed, p_fault=0.6)).start()
    try:
        w = World(hub, proxy, rng, seed)
        run_scenario(w, tmp_path, rng)
        proxy.set_plan(None)
        stats = proxy.stats()
        # A final clean pass: nothing was left to send, and every post pulls the rest.
        for name in sorted(w.posts):
            res = saenode.run(["sync", "--json"], dir=w.posts[name], env=node_env())
            assert res.rc == 0, (seed, res)
            assert (res.json()["pushed"], res.json()["pulled"]) == (0, 0), (seed, name, res)
        check_everything(w, seed)
    finally:
        final = proxy.stop()
        if os.environ.get("SAE_FAULT_LOG"):
            for row in proxy.connection_log():
                print(row)
    print("sync fault test: %d syncs, %d failed %r; proxy: %d connections, faults %r, "
          "planned %r, %d bytes up, %d down, %d round trips; %.1f s"
          % (w.syncs, sum(w.sync_failures.values()), dict(w.sync_failures),
             final["connections"], final["faults"], final["planned"], final["bytes_up"],
             final["bytes_down"], final["round_trips"], time.monotonic() - started))
    assert final["errors"] == []
    # The faults did happen, and the posts lived through them.
    assert sum(w.sync_failures.values()) > 0 and stats["faults"], (seed, stats)


def run_scenario(w, tmp_path, rng):
    w.post(tmp_path, "a1", VILLAGE_A)
    w.post(tmp_path, "a2", VILLAGE_A)
    w.post(tmp_path, "b1", VILLAGE_B)
    hub = w.hub

    # Phase 1: several hundred reports recorded offline, then synced through the faults.
    for _ in range(140):  # more than one batch of 500 changes
        w.add_case("a1")
    for _ in range(45):
        w.add_case("a2", intake_channel=rng.choice(("walk_in", "phone", "whatsapp")))
    for case in rng.sample(w.cases[VILLAGE_A][:140], 12):
        w.add_referral("a1", case)
    for case in w.cases[VILLAGE_A][140:155]:
        w.add_service("a2", case)
    for _ in range(105):
        w.add_case("b1")
    w.sync_until_ok("phase 1")

    # Phase 2: both posts of village A change the same cases while apart, a delete races
    # an edit, the district corrects some reports (some that posts are editing too).
    shared = list(w.cases[VILLAGE_A])
    rng.shuffle(shared)
    groups = iter(shared)

    def take(n):
        return [next(groups) for _ in range(n)]

    for case in take(8):    # hard: different values of one field
        first, second = rng.sample(STATUSES, 2)
        w.edit("a1", case, status=first)
        w.edit("a2", case, status=second)
    for case in take(5):    # soft: the same value
        w.edit("a1", case, risk_level="high")
        w.edit("a2", case, risk_level="high")
    for case in take(5):    # different fields: no conflict
        w.edit("a1", case, risk_level="low")
        w.edit("a2", case, victim_age=str(rng.randrange(0, 18)))
    for case in take(4):    # a delete races an edit
        w.delete("a1", case)
        w.edit("a2", case, status="active", risk_level="medium")
    for case in take(2):    # a delete races a district correction
        w.district_edit(case, risk_level="high")
        w.delete("a2", case)
    for case in take(4):    # the district and a post change one field
        w.district_edit(case, status="referred")
        w.edit("a1", case, status="closed")
    for case in take(3):    # a post edits twice: the second builds on the first
        w.edit("a2", case, status="active")
        w.edit("a2", case, status="closed")
    for case in take(2):    # a post deletes what it edited itself: it had seen its edit
        w.edit("a1", case, risk_level="medium")
        w.delete("a1", case)
    for case in take(3):    # district corrections nobody races
        w.district_edit(case, intake_channel="outreach", victim_name=rng.choice(NAMES))
    b_cases = list(w.cases[VILLAGE_B])
    rng.shuffle(b_cases)
    for case in b_cases[:3]:
        w.district_edit(case, status="closed")
        w.edit("b1", case, status="active")
    for case in b_cases[3:6]:
        w.district_edit(case, location_type="household")
    for case in b_cases[6:9]:
        w.edit("b1", case, status="referred")
    w.sync_until_ok("phase 2")
    # A delete that saw an edit as the very last change it pulled (its cursor is exactly
    # that edit's place in the hub's log): no conflict.
    last_seen = next(groups)
    w.edit("a2", last_seen, status="referred")
    w.sync_until_ok("phase 2, edit before a delete", posts=["a2", "a1"])
    w.delete("a1", last_seen)
    w.sync_until_ok("phase 2, the delete")

    # Phase 3: coordinators resolve most open conflicts (keeping a candidate, a new value,
    # a delete kept or undone); a post edits resolved fields before it pulls the
    # resolution; the district edits a field still in conflict; more reports; posts keep
    # editing between faulty rounds.
    open_conflicts = sorted(hub.admin_json("conflicts", "list"),
                            key=lambda c: (c["report"], c["field"]))
    assert open_conflicts, "seed %d: phase 2 made no conflict" % w.seed
    rng.shuffle(open_conflicts)
    resolved_status = []
    kept_open = []
    sorts = set()
    for c in open_conflicts:
        # The first conflict of each sort (delete, hard, soft) stays open, and a few more.
        sort = "delete" if c["field"] == merge_model.DELETED else c["severity"]
        if sort not in sorts or rng.random() < 0.2:
            sorts.add(sort)
            kept_open.append(c)
            continue
        n = len(c["candidates"])
        if c["field"] == "status" and rng.random() < 0.4:
            how = ("--value", rng.choice(STATUSES))
        else:
            how = ("--keep", str(rng.randrange(1, n + 1)))
        w.resolve(c["id"], how)
        if c["field"] == "status" and c["village"] == VILLAGE_A:
            resolved_status.append(c["report"])
    for case in resolved_status[:3]:
        w.edit_unless_deleted("a2", case, status=rng.choice(STATUSES))
    for c in kept_open:     # the district edits a field still in conflict
        if c["field"] == "status":
            w.district_edit(c["report"], status=rng.choice(STATUSES))
    known = {v: list(ids) for v, ids in w.cases.items()}  # every post of v has these
    for _ in range(15):
        w.add_case("a1")
    for _ in range(15):
        w.add_case("b1")

    def edits_between(rnd, posts=sorted(w.posts)):
        """Posts keep working between faulty rounds, each knowing what it pulled so far:
        edits of shared cases, and now and then a delete."""
        for name in posts:
            roll = rng.random()
            case = rng.choice(known[w.village[name]])
            if roll < 0.5:
                w.edit_unless_deleted(name, case, status=rng.choice(STATUSES))
            elif roll < 0.6:
                w.touch(name)
                res = saenode.run(["delete", case], dir=w.posts[name])
                assert res.rc == 0 or (res.rc == 2 and b"deleted" in res.err), res

    w.sync_until_ok("phase 3", edits=edits_between, edit_rounds=10)

    # Phase 4: a2 is offline for a week: it records and edits alone, while a1 keeps editing
    # and syncing through the faults, the district corrects and coordinators resolve; then
    # a2 comes back with its old cursor and everything meets.
    known = {v: list(ids) for v, ids in w.cases.items()}
    for _ in range(30):
        w.add_case("a2", intake_channel="outreach")
    for case in rng.sample(known[VILLAGE_A], 12):
        w.edit_unless_deleted("a2", case, status=rng.choice(STATUSES),
                              risk_level=rng.choice(("low", "medium", "high")))
    for case in rng.sample(known[VILLAGE_A], 6):  # a1 changes the same fields meanwhile
        w.edit_unless_deleted("a2", case, status="closed", perpetrator_relation="parent")
        w.edit_unless_deleted("a1", case, status="active", perpetrator_relation="parent")
    w.sync_until_ok("phase 4, a2 offline", posts=["a1", "b1"],
                    edits=lambda rnd: edits_between(rnd, ["a1", "b1"]), edit_rounds=6)
    for case in rng.sample(known[VILLAGE_A], 4):
        if hub.query("SELECT 1 FROM field_state s JOIN change c ON c.seq = s.change"
                     " WHERE s.report_id = ? AND s.field = '_deleted' AND c.value = '1'",
                     (case,)) == []:
            w.district_edit(case, status="referred")
    for c in sorted(hub.admin_json("conflicts", "list"),
                    key=lambda c: (c["report"], c["field"]))[:4]:
        w.resolve(c["id"], ("--keep", "1"))
    w.sync_until_ok("phase 4, a2 back")


def check_everything(w, seed):
    hub = w.hub
    hub_id = hub.hub_id
    hidden = sensitive_fields()
    total_reports = sum(len(r) for r in w.reports.values())
    assert total_reports >= 300, total_reports

    # (1) Nothing lost, nothing twice: each post's own changes at the hub are exactly its
    # journal's own changes, each once, with the same content.
    at_hub_all = hub.query("SELECT origin, node_seq, report_id, field, value, version,"
                           " base_version, base_origin, seen_cursor FROM change")
    counted = collections.Counter((o, s) for o, s, *_ in at_hub_all)
    assert max(counted.values()) == 1, "seed %d: a change stored twice" % seed
    origins = {}
    for name, post in sorted(w.posts.items()):
        status = saenode.ok(["status", "--json"], dir=post).json()
        assert status["pending"] == 0 and status["set_aside"] == 0, (seed, name, status)
        assert status["last_error"] is None, (seed, name, status)
        origin = int(status["origin"], 16)
        origins[name] = origin
        own = journal_rows(post, "SELECT coalesce(origin_seq, seq), report_id, field, value,"
                           " version, base_version, base_origin, seen_cursor FROM journal"
                           " WHERE origin = ?", (origin,))
        assert journal_rows(post, "SELECT count(*) FROM journal") == [(status["changes"],)]
        mine = [tuple(r[1:]) for r in at_hub_all if r[0] == origin]
        assert sorted(mine) == sorted(own), "seed %d: %s wrote %d changes, the hub holds " \
            "%d of its own" % (seed, name, len(own), len(mine))
    district = [r for r in at_hub_all if r[0] == hub_id]
    assert len(district) == w.district_changes + len(w.resolutions), (
        seed, len(district), w.district_changes, len(w.resolutions))
    assert len(at_hub_all) == sum(len([r for r in at_hub_all if r[0] == o])
                                  for o in origins.values()) + len(district)

    # Every post holds every change of its village the hub holds (and nothing else), once.
    for name, post in sorted(w.posts.items()):
        village = w.village[name]
        at_hub = hub.query("SELECT origin, node_seq FROM change WHERE village = ? AND held = 0",
                           (village,))
        kept = journal_rows(post, "SELECT origin, coalesce(origin_seq, seq) FROM journal")
        assert len(kept) == len(set(kept)), (seed, name)
        assert set(kept) == set(at_hub), "seed %d: %s holds %d changes, the hub %d of %s" % (
            seed, name, len(kept), len(at_hub), village)

    # (2) Every post equals the hub for its village, and sees nothing of the other one.
    for name, post in sorted(w.posts.items()):
        village = w.village[name]
        expected = hub_village_state(hub, village)
        assert set(expected) == w.reports[village], (seed, village)
        listed_expected = {rid: (kind, deleted, {f: v for f, v in fields.items()
                                                 if (kind, f) not in hidden})
                           for rid, (kind, deleted, fields) in expected.items()}
        got = device_state(post, hidden)
        diff = merge_model.describe_difference(got, listed_expected)
        assert got == listed_expected, "seed %d: %s differs from the hub:\n%s" % (
            seed, name, diff)
        # Sensitive fields and every detail: show --json of the reports touched by more
        # than one writer, and a sample of the others.
        touched = {rid for (rid,) in hub.query(
            "SELECT report_id FROM change WHERE village = ? GROUP BY report_id"
            " HAVING count(DISTINCT origin) > 1", (village,))}
        sample = sorted(touched) + w.rng.sample(sorted(expected), 10)
        for rid in sample:
            shown = saenode.show_json(post, rid)
            kind, deleted, fields = expected[rid]
            assert (shown["kind"], shown["deleted"],
                    {f: as_text(v) for f, v in shown["fields"].items()}) == \
                (kind, deleted, fields), (seed, name, rid, shown, expected[rid])
        other = w.reports[VILLAGE_B if village == VILLAGE_A else VILLAGE_A]
        assert not other & set(got)
        assert journal_rows(post, "SELECT count(*) FROM journal WHERE report_id IN (%s)"
                            % ",".join("?" * len(other)), tuple(other)) == [(0,)]

    # (3) The hub's current values and open conflicts are those of the reference model,
    # fed with every change the hub holds and, for resolutions, the candidates the test saw
    # in `conflicts show --json` before resolving (not hub.db's change_parent).
    changes = merge_model.hub_changes(hub, parents=None)
    recorded = {(c.version, c.origin): c.parents
                for c in merge_model.hub_changes(hub) if c.parents}
    model = MergeModel()
    found = 0
    for c in changes:
        if c.origin == hub_id and c.version in w.resolutions:
            report, field, keys = w.resolutions[c.version]
            assert (c.report, c.field) == (report, field), (seed, c, report, field)
            # hub.db's change_parent names candidates that were shown, nothing else.
            assert set(recorded.get((c.version, c.origin), ())) <= set(keys), (seed, c, keys)
            c = c._replace(parents=keys)
            found += 1
        model.add(c)
    assert found == len(w.resolutions), seed
    assert all(k[0] in w.resolutions for k in recorded), (seed, recorded)
    hub_current = merge_model.hub_current(hub)
    model_current = model.current()
    assert hub_current == model_current, "seed %d: current values differ:\n%s" % (
        seed, merge_model.describe_difference(model_current, hub_current))
    hub_conflicts = merge_model.hub_open_conflicts(hub)
    model_conflicts = model.conflicts()
    print("sync fault test: %d reports, %d changes, %d district changes, %d resolutions, "
          "%d open conflicts (%s)" % (
              total_reports, len(changes), w.district_changes, len(w.resolutions),
              len(hub_conflicts),
              dict(collections.Counter((f if f == merge_model.DELETED else "field", s)
                                       for (_, f), (s, _) in hub_conflicts.items()))))
    assert hub_conflicts == model_conflicts, "seed %d: open conflicts differ:\n%s" % (
        seed, merge_model.describe_difference(model_conflicts, hub_conflicts))
    # Real conflicts of each sort arose.
    severities = {s for s, _ in model_conflicts.values()} | {
        c["severity"] for c in hub.conflicts()}
    assert {"hard", "soft"} <= severities, (seed, severities)
    assert any(c["field"] == merge_model.DELETED for c in hub.conflicts()), seed

    # (4) Every journal checks.
    for name, post in sorted(w.posts.items()):
        assert "journal ok" in saenode.ok(["check"], dir=post).text, (seed, name)
