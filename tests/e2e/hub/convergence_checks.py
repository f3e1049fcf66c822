"""The end of a convergence trial (test_sync_convergence.py): exactly once, every device
equal to the hub, resolutions, and the hub against the reference model."""
import collections

import merge_model
import saenode
from convergence_world import WITHHELD, describe, hub_village_state, s64


class TrialChecks:
    """Mixed into the trial: reads self.hub, self.devices, self.district,
    self.resolutions, self.seen_parents, self.counts and self.where()."""

    def check_exactly_once(self):
        at_hub = self.hub.query("SELECT node_seq, report_id, field, opened(seq, value), version,"
                                " base_version, base_origin, origin, village, author, held"
                                " FROM change")
        by_origin = collections.defaultdict(list)
        for row in at_hub:
            by_origin[row[7]].append(row)
        origins = {d.origin for d in self.devices} | {s64(self.hub.hub_id)}
        assert set(by_origin) <= origins, self.where("changes of unknown origins at the hub: %r"
                                                     % (set(by_origin) - origins))
        for dev in self.devices:
            own = dev.own_changes()
            held = sorted(r[:7] for r in by_origin[dev.origin])
            assert held == own, self.where("%s wrote %d changes, the hub holds %d of its "
                                           "origin, not the same" % (dev.name, len(own),
                                                                     len(held)))
            assert len({r[0] for r in by_origin[dev.origin]}) == len(own)
            assert {r[8] for r in by_origin[dev.origin]} <= {dev.village}, self.where(
                "changes of %s filed under another village" % dev.name)
            assert not any(r[10] for r in by_origin[dev.origin])
            status = saenode.ok(["status", "--json"], dir=dev.dir).json()
            assert status["pending"] == 0 and status["set_aside"] == 0 and \
                status["last_error"] is None, self.where(repr(status))
        district = collections.Counter((r[1], r[2], r[3], r[9])
                                       for r in by_origin[s64(self.hub.hub_id)])
        assert district == collections.Counter(self.district), self.where(
            "district changes at the hub %r, made by the test %r" % (
                district - collections.Counter(self.district),
                collections.Counter(self.district) - district))

    def check_devices_equal_hub(self):
        by_village = collections.defaultdict(list)
        for dev in self.devices:
            by_village[dev.village].append(dev)
        for village, devs in by_village.items():
            # The lists compare which sensitive fields have a value, not the values: the hub
            # lists them masked (no coordinator's key), a post as it holds them (a value
            # withheld from it: null). Their values are compared in the state below.
            sensitive = devs[0].sensitive

            def listed_row(r):
                return (r["kind"], {f: ("<sensitive>" if (r["kind"], f) in sensitive else v)
                                    for f, v in r["fields"].items()},
                        r["deleted"], r["updated"])
            listed_hub = {r["id"]: listed_row(r)
                          for r in self.hub.admin_json("reports", "list", "--village", village)}
            versions_hub = hub_village_state(self.hub, village)
            for dev in devs:
                versions_dev = hub_village_state(self.hub, village, dev)
                listed = {r["id"]: listed_row(r) for r in saenode.list_json(dev.dir, "--deleted")}
                assert listed == listed_hub, self.where(
                    "%s lists other reports than the hub for %s:\n%s" % (
                        dev.name, village, describe(listed, listed_hub)))
                state = dev.state()
                assert state == versions_dev, self.where(describe(state, versions_dev))
                others = dev.db_rows("SELECT DISTINCT report_id FROM journal")
                other_village = {r for (r,) in others} - {r for r, _ in versions_hub}
                assert not other_village, self.where("%s holds reports not of %s: %r" % (
                    dev.name, village, other_village))
            # Devices of one village hold the same versions, and the same values but where
            # one of them holds a value withheld (enrolled after it arrived).
            first = devs[0].state()
            for dev in devs[1:]:
                state = dev.state()
                assert {k: v[1:] for k, v in state.items()} == \
                    {k: v[1:] for k, v in first.items()} and \
                    all(state[k][0] == first[k][0] for k in state
                        if WITHHELD not in (state[k][0], first[k][0])), self.where(
                        "%s and %s differ:\n%s" % (devs[0].name, dev.name,
                                                    describe(first, state)))
            for dev in devs:
                assert "journal ok" in saenode.ok(["check"], dir=dev.dir).text

    def check_resolutions(self):
        for dev in self.devices:
            state = dev.state()
            withheld = {k for k, v in hub_village_state(self.hub, dev.village, dev).items()
                        if v[0] == WITHHELD}
            for res in self.resolutions:
                if res["village"] != dev.village:
                    continue
                key = (res["report"], res["field"])
                value = WITHHELD if key in withheld else res["value"]
                if state.get(key) == (value, res["version"], res["origin"]):
                    self.counts["resolution current on a device"] += 1
                    continue
                if key in dev.reviews():
                    # A change concurrent with it ranks higher under the field's policy (an
                    # edit made offline): that stands, and a coordinator is asked again.
                    self.counts["resolution under review again"] += 1
                    continue
                later = self.hub.query("SELECT count(*) FROM change WHERE report_id = ? AND"
                                       " field = ? AND version > ? AND held = 0",
                                       (res["report"], res["field"], res["version"]))[0][0]
                assert later > 0, self.where(
                    "resolution %r is not current on %s (%r) and nothing later superseded it"
                    % (res, dev.name, state.get(key)))
                self.counts["superseded resolution"] += 1

    def check_model(self):
        changes = [c._replace(parents=self.seen_parents.get(c.hub_seq, ()))
                   for c in merge_model.hub_changes(self.hub, parents=None)]
        # What the hub recorded as a resolution's parents is what the coordinator was shown.
        for child, parents in self.seen_parents.items():
            base = self.hub.query("SELECT base_version, base_origin FROM change WHERE seq = ?",
                                  (child,))[0]
            recorded = set(self.hub.query(
                "SELECT c.version, c.origin FROM change_parent p JOIN change c"
                " ON c.seq = p.parent WHERE p.child = ?", (child,)))
            assert recorded - {base} <= set(parents), self.where(
                "resolution %d has parents %r it was not shown (%r)" % (child, recorded,
                                                                         parents))
        model = merge_model.MergeModel().add_all(changes)
        current, at_hub = model.current(), merge_model.hub_current(self.hub)
        assert current == at_hub, self.where("current values, model vs hub:\n" +
                                             merge_model.describe_difference(current, at_hub))
        conflicts = model.conflicts()
        open_at_hub = merge_model.hub_open_conflicts(self.hub)
        assert conflicts == open_at_hub, self.where(
            "open conflicts, model vs hub:\n" +
            merge_model.describe_difference(conflicts, open_at_hub))
        self.counts["open conflicts at the end"] = len(open_at_hub)
        reviews, hub_reviews = model.reviews(), merge_model.hub_reviews(self.hub)
        assert reviews == hub_reviews, self.where(
            "reviews, model vs hub:\n" + merge_model.describe_difference(reviews, hub_reviews))
        for dev in self.devices:
            at_hub = merge_model.hub_village_reviews(self.hub, dev.village)
            assert dev.reviews() == at_hub, self.where("%s's reviews at the end" % dev.name)
        # Equal values are settled by the hub, and recorded: the last record of each field
        # names exactly the candidates the model finds.
        settled, recorded = model.settled(), merge_model.hub_settled(self.hub)
        for key, candidates in settled.items():
            assert recorded.get(key, [None])[-1] == candidates, self.where(
                "settled %r: model %r, hub %r" % (key, candidates, recorded.get(key)))
        self.counts["settled equal values"] = len(settled)
        self.counts["settled records"] = sum(len(v) for v in recorded.values())
        self.counts["policy decided"] = sum(
            1 for (r, f), (stand, latest) in reviews.items() if stand != latest)
