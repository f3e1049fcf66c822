"""Issue 5's fault scenario: several hundred reports from three devices in two villages plus
district edits and resolutions, synced through a fault-injecting proxy (random cuts in either
direction at random byte counts, resets, short stalls, throttling) until every device
reports ok. Then: nothing lost, nothing duplicated, every device equal to the hub for its
village and blind to the other one, the hub's current values and open conflicts exactly
those of an independent reference model (merge_model.py), every journal checks.

At the end the hub's disk is lost and a backup from before the last phase is restored at
the same address: the posts send again what it lacks, and everything above still holds.

Every merge policy meets the faults: two posts raise and lower the risk of cases apart, grant
and withdraw a consent, reopen and close a case, set equal values; two Python devices of
village A add and remove set elements apart (sae-node edit --add/--remove). After the posts converged the safer value stands under review at the hub and on every
post (`show --json` marks it), equal values are settled, and every post keeps exactly the
hub's open reviews of its village.

Real sae-node and sae-hub processes, real HTTPS on 127.0.0.1, real SQLite files. The seed is
printed; SAE_FAULT_SEED=N replays the same plan of faults and edits (where in the bytes a
cut lands can still differ slightly, the plan does not). SAE_FAULT_LOG=1 prints the proxy's
log of every connection."""
import collections
import os
import random
import time

import pytest

import saenode
from faultproxy import FaultProxy
import merge_model
from merge_model import MergeModel
from faults_world import (VILLAGE_A, VILLAGE_B, STATUSES, NAMES, node_env, fault_plan, World,
                         journal_rows, sensitive_fields, as_text, hub_village_state,
                         hub_village_versions, post_reviews, device_state, withheld_from)


@pytest.mark.starts_first  # the longest of the parallel part after keepalive's wait
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
    # Set elements both posts of village A will see before they change them apart: a1 adds
    # a type of violence its cases lack, and the sync of phase 1 takes it to a2.
    elements = rng.sample(w.cases[VILLAGE_A][:140], 3)
    element_of = {}
    for case in elements:
        types = saenode.show_json(w.posts["a1"], case)["fields"]["violence_types"]
        element_of[case] = "violence_types/" + next(c for c in ("sexual", "neglect")
                                                    if c not in types)
        w.elements("a1", case, add=[element_of[case]])
    w.sync_until_ok("phase 1")

    # Phase 2: both posts of village A change the same cases while apart, a delete races
    # an edit, the district corrects some reports (some that posts are editing too).
    shared = [c for c in w.cases[VILLAGE_A] if c not in element_of]
    rng.shuffle(shared)
    groups = iter(shared)

    def take(n):
        return [next(groups) for _ in range(n)]

    for case in take(8):    # hard: different values of one field
        first, second = rng.sample(STATUSES, 2)
        w.edit("a1", case, status=first)
        w.edit("a2", case, status=second)
    for case in take(5):    # the same value: settled by the hub
        w.edit("a1", case, risk_level="high")
        w.edit("a2", case, risk_level="high")
    # The merge policies: the safer value is written first, the other later, so that last
    # writer wins would pick the other.
    for case in take(3):    # the higher risk stands
        w.edit("a1", case, risk_level="high")
        w.edit("a2", case, risk_level="low")
        w.races["risk"].append((case, "risk_level", "high"))
    for case in take(3):    # a withdrawal of consent stands over a grant
        w.edit("a1", case, consent_share="false")
        w.edit("a2", case, consent_share="true")
        w.races["consent"].append((case, "consent_share", "false"))
    for case in take(3):    # an open status stands over closed
        w.edit("a1", case, status="referred")
        w.edit("a2", case, status="closed")
        w.races["status"].append((case, "status", "referred"))
    for case in elements:   # both posts saw the element added: one removes it, the other
        element = element_of[case]  # removes and adds it again
        w.elements("a2", case, remove=[element])
        w.elements("a1", case, remove=[element])
        w.elements("a1", case, add=[element])
        w.elements("a1", case, add=["impacts/economic"])   # different elements: both stay
        w.elements("a2", case, add=["impacts/legal"])
        w.races["set element"].append((case, element, "1"))
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
    check_races(w)
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

    # Phase 5: the district backs the hub up; the posts keep recording and editing, and
    # sync through the faults until the hub acknowledged everything; then the hub's disk is
    # lost and yesterday's backup is restored at the same address. Through the faults again,
    # each post notices (the hub holds less of its changes than it had acknowledged), sends
    # what the restored hub lacks and pulls what it lacks. (District edits after a backup
    # are lost with the hub: the phase makes none.)
    restore_phase(w, tmp_path, rng)


def restore_phase(w, tmp_path, rng):
    backup = tmp_path / "hub-kemarin.saebak"
    res = w.hub.backup(backup)
    assert res.returncode == 0, res
    known = {v: list(ids) for v, ids in w.cases.items()}
    for _ in range(12):
        w.add_case("a1")
    for _ in range(6):
        w.add_case("b1")
    for case in rng.sample(known[VILLAGE_A], 6):
        w.edit_unless_deleted("a2", case, status=rng.choice(STATUSES))
    w.sync_until_ok("phase 5, before the restore")
    at_backup = w.hub.query("SELECT count(*) FROM change")[0][0]
    w.hub.restore_in_place(backup)
    assert w.hub.query("SELECT count(*) FROM change")[0][0] < at_backup
    for name in w.posts:  # what each sent since the backup must reach the hub again
        w.touch(name)
    w.sync_until_ok("phase 5, after the restore")


def check_races(w):
    """After phase 2, before any coordinator: the value each policy puts first stands at
    the hub, under review, and every post of village A shows it and marks it."""
    hub = w.hub
    reviews = merge_model.hub_reviews(hub)
    for policy, races in sorted(w.races.items()):
        for case, field, stands in races:
            assert hub.current_value(case, field)[0] == stands, (w.seed, policy, case)
            assert (case, field) in reviews, (w.seed, policy, case, field)
            for name in ("a1", "a2"):
                shown = saenode.show_json(w.posts[name], case)
                assert field in shown["under_review"], (w.seed, name, shown)
                if "/" not in field:
                    assert as_text(shown["fields"][field]) == stands, (w.seed, name, shown)
                else:  # the set shows the element that stands, and is marked with it
                    base, code = field.split("/")
                    assert code in shown["fields"][base], (w.seed, name, shown)
    assert hub.current_value(w.races["set element"][0][0], "impacts/economic")[0] == "1"
    assert hub.current_value(w.races["set element"][0][0], "impacts/legal")[0] == "1"
    assert len(w.races) == 4, w.races


def check_everything(w, seed):
    hub = w.hub
    hub_id = hub.hub_id
    hidden = sensitive_fields()
    total_reports = sum(len(r) for r in w.reports.values())
    assert total_reports >= 300, total_reports

    # (1) Nothing lost, nothing twice: each post's own changes at the hub are exactly its
    # journal's own changes, each once, with the same content.
    at_hub_all = hub.query("SELECT origin, node_seq, report_id, field, opened(seq, value), version,"
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
        # Sensitive values are sealed on disk: opened as the post opens them.
        own = [(seq, r, f, saenode.open_stored(post, v)) + tuple(rest)
               for seq, r, f, v, *rest in journal_rows(
                   post, "SELECT coalesce(origin_seq, seq), report_id, field, value,"
                   " version, base_version, base_origin, seen_cursor FROM journal"
                   " WHERE origin = ?", (origin,))]
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
        # Values that reached this post withheld (it enrolled after they arrived).
        withheld = withheld_from(hub, village, origins[name], hidden)
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
        reviews = merge_model.hub_village_reviews(hub, village)
        for rid in sample:
            shown = saenode.show_json(post, rid)
            kind, deleted, fields = expected[rid]
            held_back = sorted(f for r, f in withheld if r == rid)
            fields = dict(fields, **{f: as_text(None) for f in held_back})
            assert (shown["kind"], shown["deleted"],
                    {f: as_text(v) for f, v in shown["fields"].items()}) == \
                (kind, deleted, fields), (seed, name, rid, shown, expected[rid])
            assert sorted(shown["withheld"]) == held_back, (seed, name, rid, shown)
            assert sorted(shown["under_review"]) == sorted(f for r, f in reviews if r == rid), \
                (seed, name, rid, shown)
        # What the post shows, set elements and versions included, and the reviews it keeps.
        shown_rows = {(r, f): (saenode.open_stored(post, v), ver, o)
                      for r, f, v, ver, o in journal_rows(post, saenode.SHOWN_ROWS_SQL)}
        at_hub_rows = {k: ("withheld:" if k in withheld else v, ver, o)
                       for k, (v, ver, o) in hub_village_versions(hub, village).items()}
        assert shown_rows == at_hub_rows, "seed %d: %s shows other values:\n%s" % (
            seed, name, merge_model.describe_difference(shown_rows, at_hub_rows))
        assert post_reviews(post) == reviews, (seed, name)
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
    model_reviews, hub_reviews = model.reviews(), merge_model.hub_reviews(hub)
    assert hub_reviews == model_reviews, "seed %d: reviews differ:\n%s" % (
        seed, merge_model.describe_difference(model_reviews, hub_reviews))
    recorded = merge_model.hub_settled(hub)
    for key, candidates in model.settled().items():
        assert recorded.get(key, [None])[-1] == candidates, (seed, key, candidates, recorded)
    # Real conflicts of each sort arose: open ones are hard, equal values were settled.
    assert {s for s, _ in model_conflicts.values()} <= {"hard"}, seed
    assert any(c["status"] == "resolved" and c["severity"] == "soft" and
               c["resolved_by"] == "sae-hub" for c in hub.conflicts()), seed
    assert any(c["field"] == merge_model.DELETED for c in hub.conflicts()), seed

    # (4) Every journal checks.
    for name, post in sorted(w.posts.items()):
        assert "journal ok" in saenode.ok(["check"], dir=post).text, (seed, name)
