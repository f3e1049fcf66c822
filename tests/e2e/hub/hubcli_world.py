"""What the sae-hub command-line tests share: the one-line error check, and a hub that has
received real pushes from enrolled devices (through saeproto, over HTTPS) so that every
admin command has reports, versions, a deleted report and open conflicts to work on."""
import os
from types import SimpleNamespace

import saenode
import saeproto

# What an export shows for a sensitive value of a survivor who did not consent to share.
NO_CONSENT = "[tanpa persetujuan berbagi / no consent to share]"
# Values a spreadsheet would run as formulas: the CSV export must prefix them with '.
FORMULA_NAME = "=SUM(A1:A9)"
FORMULA_PROVIDER = "+62 812 3456"
FORMULA_NOTES = "@kepala desa"
FORMULA_NAME_2 = "-Ani"
NARRATIVE = 'Kronologi: "dipukul", lalu\nlari ke rumah tetangga, pukul 21.00'

# CASE1 comes from a post of catalogue 2 (two types of violence, element by element), CASE2
# from a post of catalogue 1 (one type, the old field): the hub shows both as the set.
CASE1 = {"status": "new", "violence_types/physical": "1", "violence_types/psychological": "1",
         "victim_sex": "F", "intake_date": "2026-01-05", "victim_name": FORMULA_NAME,
         "narrative": NARRATIVE}
# The two devices of Sumberanyar edit the same three fields of CASE1 while apart.
EDIT_A = {"status": "active", "risk_level": "high", "victim_age": "12"}
EDIT_B = {"status": "closed", "risk_level": "low", "victim_age": "13"}
CASE2 = {"status": "new", "violence_type": "sexual", "victim_sex": "M", "victim_age": "9",
         "intake_date": "2026-03-02", "victim_name": FORMULA_NAME_2}
CASE3 = {"status": "new", "violence_type": "neglect", "victim_sex": "F",
         "intake_date": "2026-04-01"}
TWIN = {"status": "new", "violence_type": "psychological", "victim_sex": "F",
        "intake_date": "2026-01-20"}


VIOLENCE_CODES = ["physical", "psychological", "sexual", "exploitation", "trafficking",
                  "neglect", "other"]


def shown(fields):
    """Fields as `reports show --json` gives them: set elements as one array of codes in
    catalogue order, an old single type through the set."""
    out = {k: v for k, v in fields.items() if "/" not in k and k != "violence_type"}
    codes = [k.split("/")[1] for k in fields if k.startswith("violence_types/")]
    if not codes and "violence_type" in fields:
        codes = [fields["violence_type"]]
    if codes:
        out["violence_types"] = [c for c in VIOLENCE_CODES if c in codes]
    return out


def assert_hub_error(proc, status, *needles):
    """Exit status, nothing on stdout, exactly one line on stderr that starts
    "sae-hub: error:" and holds every needle (case-insensitive)."""
    assert proc.returncode == status, proc
    assert proc.stdout == b"", proc
    assert proc.stderr.endswith(b"\n") and proc.stderr.count(b"\n") == 1, proc
    assert proc.stderr.startswith(b"sae-hub: error: "), proc
    line = proc.stderr.lower()
    for needle in needles:
        if isinstance(needle, str):
            needle = needle.encode("utf-8")
        assert needle.lower() in line, "%r not in the error line: %r" % (needle, proc)


def assert_usage_error(proc, *needles):
    assert_hub_error(proc, 2, *needles)


def pushed(device, changes):
    answer = device.push(changes)
    assert answer.status == 200, answer
    assert answer.message.acked_seq == changes[-1].seq and not answer.message.refusals, answer
    return answer


def enrolled(hub, village, name):
    device = saeproto.Device(hub.add_node(village, name=name), name=name)
    answer = device.enroll()
    assert answer.status == 200 and answer.type == saeproto.ENROLL_RESPONSE, answer
    return device


def build_world(hub, twin=False):
    """Pushes, through the protocol, to a serving hub:
    - Sumberanyar (devices a1, a2): case1, edited apart by a1 (EDIT_A) and a2 (EDIT_B), which
      gives three open hard conflicts (status, risk_level, victim_age); a service and a
      referral of case1; case3, created then deleted by a1;
    - Kalibuntu (device b1): case2;
    - Jabungsisir (device p1): enrolled, nothing sent;
    - with twin: a case of Sumberanyar whose id shares its first 8 hex digits with case1's.
    Returns a namespace with the devices, the report ids (canonical text) and counts."""
    w = SimpleNamespace(hub=hub)
    w.a1 = enrolled(hub, "Sumberanyar", "Laptop A")
    w.a2 = enrolled(hub, "Sumberanyar", "Laptop B")
    w.b1 = enrolled(hub, "Kalibuntu", "Laptop Kalibuntu")
    w.p1 = enrolled(hub, "Jabungsisir", "Laptop Jabungsisir")
    case1 = saeproto.new_report_id()
    pushed(w.a1, w.a1.write(case1, "case", CASE1))
    got, _ = w.a2.pull_all()
    seen = {c.field: c.version for c in got}
    w.a1.pull_all()
    pushed(w.a1, w.a1.write(case1, "case", EDIT_A, bases=seen))
    pushed(w.a2, w.a2.write(case1, "case", EDIT_B, bases=seen))
    w.case1 = saeproto.report_uuid(case1)
    service = saeproto.new_report_id()
    pushed(w.a1, w.a1.write(service, "service", {
        "case_id": w.case1, "service_type": "counselling", "service_date": "2026-02-01",
        "provider": FORMULA_PROVIDER}))
    w.service = saeproto.report_uuid(service)
    referral = saeproto.new_report_id()
    pushed(w.a2, w.a2.write(referral, "referral", {
        "case_id": w.case1, "referred_to": "puskesmas", "referral_date": "2026-02-03",
        "referral_status": "sent", "notes": FORMULA_NOTES}))
    w.referral = saeproto.report_uuid(referral)
    case3 = saeproto.new_report_id()
    pushed(w.a1, w.a1.write(case3, "case", CASE3))
    pushed(w.a1, w.a1.write(case3, "case", {"_deleted": "1"}))
    w.deleted = saeproto.report_uuid(case3)
    case2 = saeproto.new_report_id()
    pushed(w.b1, w.b1.write(case2, "case", CASE2))
    w.case2 = saeproto.report_uuid(case2)
    w.ids = [w.case1, w.service, w.referral, w.deleted, w.case2]
    if twin:
        twin_id = case1[:4] + os.urandom(12)
        while twin_id[4] == case1[4]:
            twin_id = case1[:4] + os.urandom(12)
        pushed(w.a2, w.a2.write(twin_id, "case", TWIN))
        w.twin = saeproto.report_uuid(twin_id)
        w.ids.append(w.twin)
    return w


def unknown_id(ids):
    """A well-formed report id that matches none of ids, not even by its first 6 digits."""
    while True:
        candidate = saeproto.report_uuid(os.urandom(16))
        if all(not i.startswith(candidate[:6]) for i in ids):
            return candidate


def hex_id(node_id):
    return "%016x" % node_id


def as_exported(listed):
    """`reports list --json` as `export --format json` writes it for this world, where no
    survivor consented to share: every sensitive value withheld."""
    secret = saenode.sensitive_fields()
    for report in listed:
        for name in secret[report["kind"]]:
            if name in report["fields"]:
                report["fields"][name] = NO_CONSENT
    return listed
