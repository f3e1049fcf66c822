"""The parts of the randomized convergence test (test_sync_convergence.py) that are not the
trial itself: the villages and fields it works on, the official area codes, the rules
across fields its random values follow, a sae-node device read from a copy of its journal,
and readers of the hub's state."""
import os
import shutil
import sqlite3
import tempfile

import hubproc
import merge_model
import saenode

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
# Written by the rules, never by an edit: a case's number is the post's, old fields are read
# only (proto/rules.c, proto/plan.c).
NOT_EDITED = ("registration_number",)
# Rules across fields (include/sae/sae_rules.h) the random values follow: a value that needs
# another field in the same command, and the referral's flow of statuses.
COMPANIONS = {("status", "closed"): "closure_reason",
              ("referral_status", "declined"): "decline_reason",
              ("referral_status", "completed"): "service_note"}
REFERRAL_FLOW = {"sent": ("accepted", "declined", "revoked"), "accepted": ("completed", "revoked")}


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
        # The hub records the device at its first request (its first sync): the hub's last
        # change seq then, set by the trial; the catalogue's sensitive (kind, field)s.
        self.enrolled_after = None
        self.sensitive = {(k["kind"], f["name"])
                          for k in saenode.ok(["fields", "--json"], dir=directory).json()
                          for f in k["fields"] if f["sensitive"]}

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
        return {(r, f): (saenode.open_stored(self.dir, v), ver, o)
                for r, f, v, ver, o in self.db_rows(saenode.SHOWN_ROWS_SQL)}

    def reviews(self):
        """{(report, field): (standing, latest)}: the hub's open reviews the device keeps."""
        return merge_model.node_reviews(self.db_rows(merge_model.NODE_REVIEWS_SQL))

    def own_changes(self):
        """The device's own journal: [(seq, report, field, value, version, base)]."""
        # Sensitive values are sealed on disk: opened as the post opens them.
        return [(seq, r, f, saenode.open_stored(self.dir, v)) + tuple(rest)
                for seq, r, f, v, *rest in self.db_rows(
                    "SELECT seq, report_id, field, value, version, base_version, base_origin"
                    " FROM journal WHERE origin = ? AND origin_seq IS NULL ORDER BY seq",
                    (self.origin,))]

    def visible(self, kinds=None):
        """Reports this device lists as not deleted: [(id, kind)]."""
        return [(r["id"], r["kind"]) for r in saenode.list_json(self.dir)
                if not r["deleted"] and (kinds is None or r["kind"] in kinds)]


WITHHELD = "withheld:"  # what a post stores of a sensitive value it is not given


def hub_village_state(hub, village, device=None):
    """{(report, field): (value, version, origin)} of the hub's current values of village,
    sensitive values opened as the district reads them. device: what that device must hold
    of them (PROTOCOL.md section 3, "Sealed and withheld values in a pull"): the hub makes a
    device's copy of a sensitive value when the change arrives, so a value of another origin
    that arrived before the device enrolled (its first sync, device.enrolled_after: the
    hub's last change seq then) reaches it withheld; every other value as the district
    reads it (a device's copy that opened to anything else would differ)."""
    out = {}
    for r, f, v, ver, o, seq, kind in hub.query(
            "SELECT s.report_id, s.field, opened(c.seq, c.value), c.version, c.origin, c.seq,"
            " r.kind FROM field_state s"
            " JOIN change c ON c.seq = s.change JOIN report r ON r.id = s.report_id"
            " WHERE r.village = ?", (village,)):
        if device is not None and v is not None and o != device.origin and \
                (kind, f) in device.sensitive and seq <= device.enrolled_after:
            v = WITHHELD
        out[(r, f)] = (v, ver, o)
    return out


def describe(a, b, names=("device", "hub"), limit=8):
    lines = []
    for key in sorted(set(a) | set(b), key=repr):
        if a.get(key) != b.get(key):
            lines.append("%r: %s %r, %s %r" % (key, names[0], a.get(key), names[1],
                                               b.get(key)))
    return "\n".join(lines[:limit]) + ("\n... %d more" % (len(lines) - limit)
                                       if len(lines) > limit else "")
