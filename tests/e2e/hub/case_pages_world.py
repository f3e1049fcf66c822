"""A district for the console's case pages: a real sae-hub serving, console accounts of
every role, and three real sae-node posts of one village that synced cases (one with a
service and a referral) and left a hard conflict on a case's risk level."""
import hubproc
import saenode
from console_client import Console
from posts import sync

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
ROLES = (("siti", "coordinator"), ("budi", "operator"), ("rina", "admin"))


class World:
    pass


def post(hub, tmp_path, name):
    directory = str(tmp_path / name)
    saenode.init(directory, VILLAGE, author="Staf %s" % name)
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop %s" % name)], dir=directory)
    return directory


def edit(directory, report, *sets):
    args = ["edit", report] + saenode.sets_args(sets)
    saenode.ok(args, dir=directory)


def build(tmp_path, name_a="Siti Aminah", narrative="Korban dipukul di rumah"):
    """A serving hub; w.a, w.b, w.c posts; w.case (conflicted on risk_level between a and b,
    c saw the agreed value), w.quiet (no conflict); w.passwords by account."""
    w = World()
    w.hub = hubproc.Hub(tmp_path / "hub").init()
    w.passwords = {name: w.hub.add_account(name, role) for name, role in ROLES}
    w.passwords["mitra"] = w.hub.add_account("mitra", "partner", agency="UPT PPA")
    w.hub.start()
    w.a, w.b, w.c = (post(w.hub, tmp_path, n) for n in ("a", "b", "c"))
    w.case = saenode.add_case(w.a, victim_name=name_a, narrative=narrative, risk_level="medium",
                              victim_age="24")
    saenode.add_service(w.a, w.case)
    w.quiet = saenode.add_case(w.a, violence_types="psychological", risk_level="low",
                               victim_age="15")
    for p in (w.a, w.b, w.c):
        sync(p)
    edit(w.a, w.case, "risk_level=high")
    edit(w.b, w.case, "risk_level=low")
    sync(w.a)
    sync(w.b)
    return w


def client(w, name):
    """A console API client signed in as account name, its code of conduct accepted."""
    c = Console(w.hub)
    c.sign_in(name, w.passwords[name])
    c.accept_conduct()
    return c


def open_conflicts(hub):
    return hub.query("SELECT id, report_id, field FROM conflict WHERE status = 'open'")
