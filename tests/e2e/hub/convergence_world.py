"""The parts of the randomized convergence test (test_sync_convergence.py) that are not the
trial itself: the villages and fields it works on, the official area codes, a sae-node
device read from a copy of its journal, the Python devices that write set elements, and
readers of the hub's state."""
import os
import shutil
import sqlite3
import tempfile

import hubproc
import merge_model
import saenode
import saeproto

# Villages by their codes in the official list, as the hub stores and filters them.
VILLAGE_A = "35.13.12.2018"  # Sumberanyar, kecamatan Paiton
VILLAGE_B = "35.13.02.2004"  # Wonokerso, kecamatan Sumber
DEVICES = (("a1", VILLAGE_A), ("a2", VILLAGE_A), ("a3", VILLAGE_A), ("b1", VILLAGE_B))
COORDINATORS = ("Bu Sari", "Pak Budi", "Bu Ratna")
OPERATORS = ("Pak Hadi", "Bu Wulan")
DELETED = "_deleted"
HOT_FIELDS = ("status", "risk_level", "referral_status", "consent_share", "consent_services")
# A few codes of each set of the case (SIMFONI-PPA), so that writers meet on one element.
SET_CODES = {"violence_types": ("physical", "psychological", "sexual", "neglect"),
             "impacts": ("physical", "psychological", "economic"),
             "disability_types": ("physical", "intellectual")}
ELEMENT_WRITERS = ("p1", "p2")  # Python devices of village A writing set elements


def area_codes():
    """{"district": [...], "village": [...]}: Kemendagri codes of the official list built
    into both programs (data/villages), by level."""
    codes = {"district": [], "village": []}
    with open(hubproc.REPO / "data" / "villages" / "35.13.csv") as f:
        for line in f.read().splitlines()[1:]:
            code = line.split(",")[0]
            parts = code.count(".") + 1
            if parts == 3:
                codes["district"].append(code)
            elif parts == 4:
                codes["village"].append(code)
    return codes


AREA_CODES = area_codes()


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
        """{(report, field): (value, version, origin)}: what the device shows (field_shown:
        the hub's standing version where a field is under review)."""
        return {(r, f): (v, ver, o) for r, f, v, ver, o in self.db_rows(
            "SELECT report_id, field, value, version, origin FROM field_shown")}

    def reviews(self):
        """{(report, field): (standing, latest)}: the hub's open reviews the device keeps."""
        return merge_model.node_reviews(self.db_rows(merge_model.NODE_REVIEWS_SQL))

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


class ElementWriter:
    """A Python device of village A (saeproto) that adds and removes set elements of the
    cases it pulled, from its own last-writer-wins view, as one command of a post would."""

    def __init__(self, name, hub, rng):
        self.name, self.rng = name, rng
        self.device = saeproto.Device(hub.add_node(VILLAGE_A, name="Tablet " + name), name="Tablet " + name)
        answer = self.device.enroll()
        assert answer.status == 200, answer
        self.origin = s64(self.device.id)
        self.view = {}     # (report uuid, field) -> (value, (hlc, origin))
        self.kinds = {}    # report uuid -> kind

    def take(self, changes):
        for c in changes:
            key = (saeproto.report_uuid(c.report_id), c.field)
            self.kinds.setdefault(key[0], c.kind)
            if key not in self.view or c.version > self.view[key][1]:
                self.view[key] = (c.value, c.version)

    def pull(self):
        got, _ = self.device.pull_all()
        self.take(got)

    def cases(self, reserved):
        return sorted(r for r, k in self.kinds.items() if k == "case" and r not in reserved and
                      self.view.get((r, DELETED), (None,))[0] is None)

    def set(self, report, name, value):
        """Writes element name of report ("1" present, None absent) on top of this device's
        view of it, and pushes it."""
        base = self.view.get((report, name), (None, (0, 0)))[1]
        changes = self.device.write(bytes.fromhex(report.replace("-", "")), "case",
                                    {name: value}, bases={name: base})
        answer = self.device.push(changes)
        assert answer.status == 200 and not answer.message.refusals, answer
        self.take(changes)
        return "%s %s %s of %s" % (self.name, "adds" if value else "removes", name, report[:8])

    def toggle(self, report):
        """Adds an element of a set of report that its view lacks, or removes one it has."""
        field = self.rng.choice(sorted(SET_CODES))
        name = "%s/%s" % (field, self.rng.choice(SET_CODES[field]))
        present = self.view.get((report, name), (None,))[0] is not None
        return self.set(report, name, None if present else "1")


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
