"""Randomized convergence of sae-node sync against a real sae-hub (issue 5): four devices in
two villages (three in one), random adds, edits, unsets and deletes on the devices, district
corrections and coordinators' resolutions at the hub, and a random sync schedule in which one
device stays offline for a stretch. Real processes, real HTTPS on 127.0.0.1, real files.

Each trial runs on a fresh hub with fresh devices and is decided by its seed alone: the seed
is in the test id and in every failure message; replay one with
    SAE_CONVERGE_SEED=N [SAE_CONVERGE_STEPS=80] make e2e   (or pytest -k on this file)

After every sync, the device must hold the hub's state of its village, field by field with
versions. At the end of a trial every device syncs twice (the second round sends nothing) and
a third round moves nothing; then:
- every own change of each device is at the hub exactly once, equal to its journal, and the
  hub holds nothing else but the district's own changes, which are exactly those the test made;
- each device equals the hub's state of its village (sae-node list --json against sae-hub
  reports list --json, and every field's version); the devices of a village equal each other;
  nothing of the other village reaches a device;
- every resolution the district made is current on each device of its village, unless a later
  change superseded it;
- sae-node check passes everywhere;
- the hub's current values and open conflicts equal those of the reference model
  (merge_model.py), fed with the hub's changes and the resolutions' parents as the test saw them
  in `conflicts show --json` before resolving.
A resolution made while one device is offline must be on it right after its next sync."""
import collections
import os
import random
import shutil
import sqlite3
import tempfile
import time

import pytest

import merge_model
import saenode

# Villages by their codes in the official list, as the hub stores and filters them.
VILLAGE_A = "35.13.12.2018"  # Sumberanyar, kecamatan Paiton
VILLAGE_B = "35.13.02.2004"  # Wonokerso, kecamatan Sumber
DEVICES = (("a1", VILLAGE_A), ("a2", VILLAGE_A), ("a3", VILLAGE_A), ("b1", VILLAGE_B))
COORDINATORS = ("Bu Sari", "Pak Budi", "Bu Ratna")
OPERATORS = ("Pak Hadi", "Bu Wulan")
DELETED = "_deleted"
HOT_FIELDS = ("status", "risk_level", "referral_status")

_ENV_SEED = os.environ.get("SAE_CONVERGE_SEED")
SEEDS = ([int(_ENV_SEED)] if _ENV_SEED else
         [random.SystemRandom().randrange(1 << 30) for _ in range(5)])
STEPS = int(os.environ.get("SAE_CONVERGE_STEPS", "80"))

NAMES = ("Siti Aminah", "Dewi Lestari", "Nur Hasanah", "Rina Wati", "Sri Wahyuni",
         "Ayu Kartika", "Putri Rahayu", "Lilis Suryani")
SENTENCES = ("Korban datang diantar ibunya ke posko.", "Pelaku sudah dilaporkan ke Polres.",
             "Korban tinggal sementara di rumah aman.", "Keluarga meminta mediasi.",
             "Pendampingan psikolog dijadwalkan minggu depan.",
             "Anak masih takut pulang ke rumah.")


def s64(unsigned):
    """A 64-bit id as SQLite stores it (signed)."""
    return unsigned - (1 << 64) if unsigned >= (1 << 63) else unsigned


def hex_id(text):
    return s64(int(text, 16))


def stored(value):
    """A value of the JSON output (bools and ints typed) as both sides store it: text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None or isinstance(value, str) else str(value)


class Device:
    def __init__(self, name, village, directory, hub):
        self.name, self.village, self.dir = name, village, directory
        saenode.init(directory, village, author="Staf %s" % name)
        saenode.ok(["enroll", hub.add_node(village, name="Laptop %s" % name)], dir=directory)
        self.origin = hex_id(saenode.ok(["status", "--json"], dir=directory).json()["origin"])

    def db_rows(self, sql, params=()):
        """Reads node.db from a copy (with its WAL, if any), so the device's own files are
        never opened by anything but sae-node. Only between two sae-node runs."""
        scratch = tempfile.mkdtemp(prefix="node-copy-")
        try:
            for suffix in ("", "-wal"):
                src = os.path.join(self.dir, "node.db" + suffix)
                if os.path.exists(src):
                    shutil.copyfile(src, os.path.join(scratch, "node.db" + suffix))
            db = sqlite3.connect(os.path.join(scratch, "node.db"))
            try:
                return db.execute(sql, params).fetchall()
            finally:
                db.close()
        finally:
            shutil.rmtree(scratch)

    def state(self):
        """{(report, field): (value, version, origin)}: the device's current state."""
        return {(r, f): (v, ver, o) for r, f, v, ver, o in self.db_rows(
            "SELECT report_id, field, value, version, origin FROM report_field")}

    def own_changes(self):
        """The device's own journal: [(seq, report, field, value, version, base)]."""
        return self.db_rows(
            "SELECT seq, report_id, field, value, version, base_version, base_origin"
            " FROM journal WHERE origin = ? AND origin_seq IS NULL ORDER BY seq",
            (self.origin,))

    def visible(self, kinds=None):
        """Reports this device lists as not deleted: [(id, kind)]."""
        return [(r["id"], r["kind"]) for r in saenode.list_json(self.dir)
                if not r["deleted"] and (kinds is None or r["kind"] in kinds)]


def hub_village_state(hub, village):
    return {(r, f): (v, ver, o) for r, f, v, ver, o in hub.query(
        "SELECT s.report_id, s.field, c.value, c.version, c.origin FROM field_state s"
        " JOIN change c ON c.seq = s.change JOIN report r ON r.id = s.report_id"
        " WHERE r.village = ?", (village,))}


def describe(a, b, names=("device", "hub"), limit=8):
    lines = []
    for key in sorted(set(a) | set(b), key=repr):
        if a.get(key) != b.get(key):
            lines.append("%r: %s %r, %s %r" % (key, names[0], a.get(key), names[1],
                                               b.get(key)))
    return "\n".join(lines[:limit]) + ("\n... %d more" % (len(lines) - limit)
                                       if len(lines) > limit else "")


class Trial:
    def __init__(self, hub, tmp_path, seed):
        self.hub, self.seed = hub, seed
        self.rng = random.Random(seed)
        self.devices = [Device(n, v, str(tmp_path / n), hub) for n, v in DEVICES]
        self.catalogue = {k["kind"]: {f["name"]: f for f in k["fields"]}
                          for k in saenode.ok(["fields", "--json"],
                                              dir=self.devices[0].dir).json()}
        self.log = []                   # what each step did, for failure messages
        self.district = []              # expected district changes (report, field, value, by)
        self.resolutions = []           # dicts: report, field, village, value, version, seq
        self.seen_parents = {}          # resolution's hub seq -> candidates seen before
        self.reserved = set()           # report ids random steps leave alone
        self.offline = None
        self.counts = collections.Counter()

    # Messages.
    def where(self, what=""):
        return "seed %d (replay: SAE_CONVERGE_SEED=%d), after: %s\n%s" % (
            self.seed, self.seed, " | ".join(self.log[-12:]), what)

    def note(self, text):
        self.log.append(text)

    # Random values from the catalogue.
    def value(self, spec):
        kind, rng = spec["type"], self.rng
        if kind == "enum":
            return rng.choice([v["code"] for v in spec["values"]])
        if kind == "int":
            return str(rng.randint(spec.get("min", 0), spec.get("max", 120)))
        if kind == "bool":
            return rng.choice(("true", "false"))
        if kind == "date":
            return "%04d-%02d-%02d" % (rng.choice((2025, 2026)), rng.randint(1, 12),
                                       rng.randint(1, 28))
        if kind == "text":
            if spec.get("max_bytes", 0) <= 200:
                return rng.choice(NAMES)
            return "\n".join(rng.sample(SENTENCES, rng.randint(1, 3)))
        return None  # references are never edited

    def editable(self, kind):
        return [f for f in self.catalogue[kind].values() if f["type"] != "reference"]

    # Edits crowd on a few reports and fields, so that posts and the district collide.
    def pick(self, reports):
        if self.rng.random() < 0.5:
            return self.rng.choice(reports[:4])
        return self.rng.choice(reports)

    def fields(self, kind):
        editable = self.editable(kind)
        hot = [f for f in editable if f["name"] in HOT_FIELDS]
        if hot and self.rng.random() < 0.6:
            return [self.rng.choice(hot)]
        return self.rng.sample(editable, self.rng.choice((1, 1, 2)))

    # Device steps.
    def device_add(self, dev):
        cases = [r for r, k in dev.visible({"case"}) if r not in self.reserved]
        choice = self.rng.random()
        if cases and choice < 0.15:
            case = self.rng.choice(cases)
            report = saenode.add_service(dev.dir, case, service_type=self.value(
                self.catalogue["service"]["service_type"]))
            self.note("%s adds service %s" % (dev.name, report[:8]))
        elif cases and choice < 0.3:
            case = self.rng.choice(cases)
            report = saenode.add_referral(dev.dir, case, referred_to=self.value(
                self.catalogue["referral"]["referred_to"]))
            self.note("%s adds referral %s" % (dev.name, report[:8]))
        else:
            extra = {f["name"]: self.value(f) for f in self.editable("case")
                     if not f["required"] and self.rng.random() < 0.3}
            report = saenode.add_case(dev.dir, **extra)
            self.note("%s adds case %s" % (dev.name, report[:8]))
        self.counts["add"] += 1

    def device_edit(self, dev):
        reports = [(r, k) for r, k in dev.visible({"case", "referral"})
                   if r not in self.reserved]
        if not reports:
            return self.device_add(dev)
        report, kind = self.pick(reports)
        args = ["edit", report]
        for spec in self.fields(kind):
            if not spec["required"] and self.rng.random() < 0.15:
                args += ["--unset", spec["name"]]
            else:
                args += ["--set", "%s=%s" % (spec["name"], self.value(spec))]
        res = saenode.run(args, dir=dev.dir)
        assert res.rc == 0, self.where(repr(res))
        self.note("%s %s" % (dev.name, " ".join(a[:40] for a in args)))
        self.counts["edit"] += 1

    def device_delete(self, dev):
        reports = [r for r, _ in dev.visible() if r not in self.reserved]
        if not reports:
            return self.device_add(dev)
        report = self.rng.choice(reports)
        res = saenode.run(["delete", report], dir=dev.dir)
        assert res.rc == 0, self.where(repr(res))
        self.note("%s deletes %s" % (dev.name, report[:8]))
        self.counts["delete"] += 1

    def sync(self, dev, expect_push=None):
        res = saenode.run(["sync", "--json"], dir=dev.dir)
        assert res.rc == 0, self.where(repr(res))
        result = res.json()
        self.note("%s syncs (pushed %d, pulled %d)" % (dev.name, result["pushed"],
                                                       result["pulled"]))
        assert result["ok"] and result["set_aside"] == 0, self.where(repr(result))
        if expect_push is not None:
            assert result["pushed"] == expect_push, self.where(repr(result))
        self.counts["sync"] += 1
        # Right after its own round, a device holds the hub's state of its village.
        state, at_hub = dev.state(), hub_village_state(self.hub, dev.village)
        assert state == at_hub, self.where("%s after sync differs from the hub:\n%s" % (
            dev.name, describe(state, at_hub)))
        return result

    # District steps.
    def district_edit(self):
        reports = [r for r in self.hub.admin_json("reports", "list")
                   if not r["deleted"] and r["kind"] in ("case", "referral")
                   and r["id"] not in self.reserved]
        if not reports:
            return
        report = self.pick(reports)
        by = self.rng.choice(OPERATORS)
        args, expected = ["reports", "edit", report["id"]], []
        for spec in self.fields(report["kind"]):
            current = self.hub.current_value(report["id"], spec["name"])
            current = current[0] if current else None
            if not spec["required"] and self.rng.random() < 0.2:
                args += ["--unset", spec["name"]]
                value = None
            else:
                value = self.value(spec)
                args += ["--set", "%s=%s" % (spec["name"], value)]
            if value != current:
                expected.append((report["id"], spec["name"], value, by))
        proc = self.hub.run(*(args + ["--by", by]))
        assert proc.returncode == 0, self.where(repr(proc))
        self.district += expected
        self.note("district %s by %s" % (" ".join(a[:8] if len(a) > 30 else a
                                                  for a in args[2:]), by))
        self.counts["district edit"] += 1

    def resolve(self, conflict_id=None, value=None):
        """Resolves conflict_id (else a random open one) the way a coordinator would; returns
        the resolution's record, or None when nothing is open."""
        if conflict_id is None:
            open_ = [c for c in self.hub.admin_json("conflicts", "list")
                     if c["report"] not in self.reserved]
            if not open_:
                return None
            # Conflict ids follow the random report ids within a batch: for a replay, order
            # them by the hub's log instead.
            first = dict(self.hub.query("SELECT id, first_change FROM report"))
            open_.sort(key=lambda c: (first[c["report"]], c["field"]))
            conflict_id = self.rng.choice(open_)["id"]
        shown = self.hub.admin_json("conflicts", "show", str(conflict_id))
        assert shown and shown["status"] == "open", self.where(repr(shown))
        field, kind = shown["field"], shown["kind"]
        spec = self.catalogue[kind].get(field)
        candidates = shown["candidates"]
        options = ["keep"]
        if field != DELETED and spec and spec["type"] != "reference":
            options.append("value")
            if not spec["required"]:
                options.append("unset")
        how = "value" if value is not None else self.rng.choice(options)
        by = self.rng.choice(COORDINATORS)
        if how == "keep":
            kept = self.rng.choice(candidates)
            args = ["--keep", str(kept["number"])]
            # Keeping an edit of another field (a delete conflict) restores the report.
            expected = stored(kept["value"]) if kept["field"] == field else None
        elif how == "value":
            expected = value if value is not None else self.value(spec)
            args = ["--value", expected]
        else:
            args, expected = ["--unset"], None
        proc = self.hub.run("conflicts", "resolve", str(conflict_id), *args, "--by", by)
        assert proc.returncode == 0, self.where(repr(proc))
        (seq,) = self.hub.query("SELECT resolution FROM conflict WHERE id = ? AND"
                                " status = 'resolved'", (conflict_id,))[0]
        row = self.hub.query("SELECT report_id, field, value, version, origin, author"
                             " FROM change WHERE seq = ?", (seq,))
        assert row and row[0][:3] == (shown["report"], field, expected) and \
            row[0][4] == s64(self.hub.hub_id) and row[0][5] == by, \
            self.where("resolution %s %r of %r wrote %r, expected %r" % (
                conflict_id, args, shown, row, (shown["report"], field, expected)))
        self.seen_parents[seq] = tuple((hex_id(c["version"]), hex_id(c["node"]))
                                       for c in candidates)
        self.district.append((shown["report"], field, expected, by))
        record = {"report": shown["report"], "field": field, "village": shown["village"],
                  "value": expected, "version": row[0][3], "origin": row[0][4], "seq": seq}
        self.resolutions.append(record)
        self.note("conflict %s (%s %s) resolved %s by %s" % (
            conflict_id, shown["report"][:8], field, " ".join(args), by))
        self.counts["resolve"] += 1
        return record

    # The offline stretch: a resolution made while `off` is away reaches it on its next sync.
    def go_offline(self, off, on):
        report = saenode.add_case(on[0].dir)
        self.note("%s adds case %s (kept for the offline check)" % (on[0].name, report[:8]))
        self.reserved.add(report)
        for dev in (on[0], off, on[1]):
            self.sync(dev)
        self.offline = off
        self.note("%s goes offline" % off.name)
        if self.rng.random() < 0.5:
            codes = [v["code"] for v in self.catalogue["case"]["status"]["values"]]
            current = off.state()[(report, "status")][0]
            value = self.rng.choice([c for c in codes if c != current])
            saenode.ok(["edit", report, "--set", "status=" + value], dir=off.dir)
            self.note("%s sets status=%s on %s while offline" % (off.name, value, report[:8]))
        return report

    def come_back(self, off, on, report):
        codes = [v["code"] for v in self.catalogue["case"]["status"]["values"]]
        current = on[0].state()[(report, "status")][0]
        first, second = self.rng.sample([c for c in codes if c != current], 2)
        saenode.ok(["edit", report, "--set", "status=" + first], dir=on[0].dir)
        saenode.ok(["edit", report, "--set", "status=" + second], dir=on[1].dir)
        self.note("%s sets status=%s, %s sets status=%s on %s" % (
            on[0].name, first, on[1].name, second, report[:8]))
        self.sync(on[0])
        self.sync(on[1])
        open_ = [c for c in self.hub.admin_json("conflicts", "list")
                 if c["report"] == report and c["field"] == "status"]
        assert len(open_) == 1 and open_[0]["severity"] == "hard", self.where(repr(open_))
        record = self.resolve(open_[0]["id"], value=self.rng.choice(codes))
        self.offline = None
        self.note("%s comes back" % off.name)
        self.sync(off)
        got = off.state().get((report, "status"))
        assert got == (record["value"], record["version"], record["origin"]), self.where(
            "the resolution made while %s was offline is not on it after its sync: %r, "
            "resolution %r" % (off.name, got, record))
        self.reserved.discard(report)

    def step(self):
        rng = self.rng
        what = rng.choices(("add", "edit", "delete", "sync", "district", "resolve"),
                           weights=(3, 6, 1, 5, 1, 2))[0]
        if what == "district":
            return self.district_edit()
        if what == "resolve":
            if self.resolve() is not None:
                return None
            what = "edit"
        dev = rng.choice(self.devices)
        if what == "sync":
            if dev is self.offline:
                return self.device_edit(dev)
            return self.sync(dev)
        return {"add": self.device_add, "edit": self.device_edit,
                "delete": self.device_delete}[what](dev)

    def run(self, steps):
        village_a = [d for d in self.devices if d.village == VILLAGE_A]
        off = self.rng.choice(village_a)
        on = [d for d in village_a if d is not off]
        away, back = steps // 4, steps * 3 // 4
        kept = None
        for i in range(steps):
            if i == away:
                kept = self.go_offline(off, on)
            if i == back:
                self.come_back(off, on, kept)
            self.step()
        # The final rounds: the second sends nothing; the third moves nothing at all.
        for dev in self.devices:
            self.sync(dev)
        for dev in self.devices:
            self.sync(dev, expect_push=0)
        for dev in self.devices:
            result = self.sync(dev, expect_push=0)
            assert result["pulled"] == 0, self.where(repr(result))

    # The end of a trial.
    def check_exactly_once(self):
        at_hub = self.hub.query("SELECT node_seq, report_id, field, value, version,"
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
            listed_hub = {r["id"]: (r["kind"], r["fields"], r["deleted"], r["updated"])
                          for r in self.hub.admin_json("reports", "list", "--village", village)}
            versions_hub = hub_village_state(self.hub, village)
            for dev in devs:
                listed = {r["id"]: (r["kind"], r["fields"], r["deleted"], r["updated"])
                          for r in saenode.list_json(dev.dir, "--deleted")}
                assert listed == listed_hub, self.where(
                    "%s lists other reports than the hub for %s:\n%s" % (
                        dev.name, village, describe(listed, listed_hub)))
                state = dev.state()
                assert state == versions_hub, self.where(describe(state, versions_hub))
                others = dev.db_rows("SELECT DISTINCT report_id FROM journal")
                other_village = {r for (r,) in others} - {r for r, _ in versions_hub}
                assert not other_village, self.where("%s holds reports not of %s: %r" % (
                    dev.name, village, other_village))
            for dev in devs[1:]:
                assert dev.state() == devs[0].state(), self.where(
                    "%s and %s differ" % (devs[0].name, dev.name))
            for dev in devs:
                assert "journal ok" in saenode.ok(["check"], dir=dev.dir).text

    def check_resolutions(self):
        for dev in self.devices:
            state = dev.state()
            for res in self.resolutions:
                if res["village"] != dev.village:
                    continue
                key = (res["report"], res["field"])
                if state.get(key) == (res["value"], res["version"], res["origin"]):
                    self.counts["resolution current on a device"] += 1
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


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "seed%d" % s)
def test_random_schedules_converge(hub, tmp_path, seed):
    print("convergence trial: seed %d (replay: SAE_CONVERGE_SEED=%d), %d steps"
          % (seed, seed, STEPS))
    started = time.monotonic()
    trial = Trial(hub, tmp_path, seed)
    try:
        trial.run(STEPS)
        trial.check_exactly_once()
        trial.check_devices_equal_hub()
        trial.check_resolutions()
        trial.check_model()
    finally:
        (tmp_path / "steps.log").write_text("\n".join(trial.log) + "\n")
    print("convergence trial: seed %d done in %.1f s: %s" % (
        seed, time.monotonic() - started, dict(trial.counts)))
    assert trial.counts["resolve"] >= 1 and trial.counts["sync"] >= len(DEVICES) * 3
