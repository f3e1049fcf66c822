"""Partner agencies read exactly what consent allows, cryptographically (issue 13, "consent is
enforced"): each agency has a key pair whose secret only its partners' passwords (and the
district key) open, and the hub seals to it the names, contacts and narratives of the cases
referred to the agency with the survivor's consent or a coordinator's override. Through the
real programs over real HTTPS: real posts (sae-node) sync cases and referrals; partners sign
in to the console (API and headless Chromium) and use `sae-hub referrals list --as`; a copy
of hub.db opened without any password reveals nothing."""
import os
import re
import shutil
import sqlite3
import subprocess

import pytest

import hubproc
import saenode
from console_client import signed_in

VILLAGE = "Sumberanyar"
SHARED = "Siti Aminah Bersetuju"
WITHHELD = "Ayu Tanpa Persetujuan"
LATER = "Rina Setuju Kemudian"
MASK = "\u2022" * 4
needs_browser = pytest.mark.skipif(
    not shutil.which("chromium") or not shutil.which("chromedriver"),
    reason="needs Debian's chromium and chromium-driver (scripts/deps.sh installs them)")


def add(post, kind, *sets):
    return saenode.ok(["add", kind] + saenode.sets_args(sets), dir=post).out.strip().decode()


def edit(post, report, *sets):
    saenode.ok(["edit", report] + saenode.sets_args(sets), dir=post)


def sync(post):
    assert saenode.run(["sync"], dir=post).rc == 0


@pytest.fixture
def district(tmp_path):
    """A serving hub with a coordinator, an operator, two partners of UPT PPA (the first made
    the agency's key; the second was added after it) and one of Puskesmas; a post that
    synced a consenting survivor and one who did not consent, both referred to UPT PPA."""
    h = hubproc.Hub(tmp_path / "hub").init()
    h.passwords = {name: h.add_account(name, role, agency=agency) for name, role, agency in
                   (("siti", "coordinator", None), ("budi", "operator", None),
                    ("mitra", "partner", "uptd_ppa"), ("mitra2", "partner", "uptd_ppa"),
                    ("puskes", "partner", "puskesmas"))}
    h.start()
    post = saenode.init(str(tmp_path / "post"), VILLAGE, author="Staf Pos")
    saenode.ok(["enroll", h.add_node(VILLAGE)], dir=post)
    h.post = post
    stamp = "intake_date=" + saenode.today_wib_date().strftime("%d-%m-%Y")
    h.cases = {
        "shared": add(post, "kasus", "violence_types=psikis", "victim_sex=P",
                      "victim_age=30", stamp, "victim_name=" + SHARED, "victim_contact=Jl. Mawar 1",
                      "narrative=Cerita yang boleh dibagikan", "consent_share=ya"),
        "withheld": add(post, "kasus", "violence_types=psikis", "victim_sex=P",
                        "victim_age=16", stamp, "victim_name=" + WITHHELD, "consent_share=tidak"),
    }
    h.referrals = {
        key: add(post, "rujukan", "case_id=" + case, "referred_to=UPT PPA",
               "referral_date=" + stamp.split("=")[1])
        for key, case in h.cases.items()}
    sync(post)
    yield h
    assert h.stop() == 0
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in h.log_text()


KEY_TABLES = hubproc.TABLES + ("sealed_value", "agency_key", "audit", "account")


def fields(client):
    listed = client.api("GET", "/referrals").json()["referrals"]
    return {r["id"]: r["fields"] for r in listed}


def test_a_partner_reads_the_name_a_survivor_consented_to_share(district):
    refs = district.referrals
    shown = fields(signed_in(district, "mitra"))
    assert shown[refs["shared"]]["victim_name"] == SHARED
    assert shown[refs["shared"]]["victim_contact"] == "Jl. Mawar 1"
    assert shown[refs["shared"]]["narrative"] == "Cerita yang boleh dibagikan"
    assert "victim_name" not in shown[refs["withheld"]]
    # Only that agency's copies exist: one per shared value, none of the unconsented case.
    rows = district.query("SELECT count(*) FROM sealed_value WHERE holder < 0")
    assert rows == [(3,)]


def test_a_later_partner_of_the_agency_and_another_agency_read_masked(district):
    refs = district.referrals
    later = fields(signed_in(district, "mitra2"))
    assert later[refs["shared"]]["victim_name"] == MASK
    assert ("mitra2", "sign-in-without-key") in district.query(
        "SELECT actor, action FROM audit")
    other = signed_in(district, "puskes").api("GET", "/referrals").json()
    assert other["agency"] == "puskesmas" and other["referrals"] == []


def test_withdrawn_consent_deletes_the_agencys_copies(district):
    refs, post = district.referrals, district.post
    edit(post, district.cases["shared"], "consent_share=tidak")
    sync(post)
    assert district.query("SELECT count(*) FROM sealed_value WHERE holder < 0") == [(0,)]
    shown = fields(signed_in(district, "mitra"))
    assert "victim_name" not in shown[refs["shared"]]
    # Consent given again: the values written from then on are the agency's at once.
    edit(post, district.cases["shared"], "consent_share=ya", "victim_name=" + LATER)
    sync(post)
    shown = fields(signed_in(district, "mitra"))
    assert shown[refs["shared"]]["victim_name"] == LATER


def test_a_referral_sent_elsewhere_takes_the_copies_away(district):
    refs, post = district.referrals, district.post
    edit(post, refs["shared"], "referred_to=Puskesmas")
    sync(post)
    assert district.query("SELECT count(*) FROM sealed_value WHERE holder < 0") == [(0,)]
    assert refs["shared"] not in fields(signed_in(district, "mitra"))


def test_an_operator_still_reads_masked(district):
    budi = signed_in(district, "budi")
    r = budi.api("GET", "/referrals")
    assert r.status_code == 403
    page = budi.get("/console/posts").text
    assert SHARED not in page


def test_a_password_change_rewraps_the_agency_key(district):
    mitra = signed_in(district, "mitra")
    fresh = "a-new-partner-password-long"
    r = mitra.request("POST", "/console/password", data={
        "csrf": mitra.csrf, "current": district.passwords["mitra"], "new": fresh,
        "again": fresh})
    assert r.status_code in (200, 303), r.text
    district.passwords["mitra"] = fresh
    shown = fields(signed_in(district, "mitra"))
    assert shown[district.referrals["shared"]]["victim_name"] == SHARED


def cli(hub, *args, stdin=None):
    return subprocess.run([hubproc.BIN, "-d", hub.dir] + list(args), capture_output=True,
                          input=stdin, env=hubproc.hub_env(), timeout=60)


def test_the_command_line_opens_values_with_a_partners_password(district):
    refs = district.referrals
    masked = cli(district, "referrals", "list", "--agency", "uptd_ppa")
    assert masked.returncode == 0 and SHARED.encode() not in masked.stdout
    opened = cli(district, "referrals", "list", "--agency", "uptd_ppa", "--as", "mitra",
                 stdin=(district.passwords["mitra"] + "\n").encode())
    assert opened.returncode == 0, opened
    assert SHARED.encode() in opened.stdout and WITHHELD.encode() not in opened.stdout
    assert refs["shared"].encode() in opened.stdout
    before = district.snapshot(KEY_TABLES)
    wrong = cli(district, "referrals", "list", "--agency", "uptd_ppa", "--as", "mitra",
                stdin=b"not-her-password\n")
    assert wrong.returncode == 2 and SHARED.encode() not in wrong.stdout
    assert wrong.stderr.decode().count("\n") == 1 and "wrong password" in wrong.stderr.decode()
    other = cli(district, "referrals", "list", "--agency", "uptd_ppa", "--as", "puskes",
                stdin=(district.passwords["puskes"] + "\n").encode())
    assert other.returncode == 2 and "not a partner of uptd_ppa" in other.stderr.decode()
    unknown = cli(district, "referrals", "list", "--agency", "nowhere", "--as", "mitra",
                  stdin=b"x\n")
    assert unknown.returncode == 2 and "--agency must be one of" in unknown.stderr.decode()
    assert district.snapshot(KEY_TABLES) == before


def test_a_copy_of_hub_db_reveals_no_name(district, tmp_path):
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(os.path.join(district.dir, "hub.db"))
    dst = sqlite3.connect(str(copy))
    src.backup(dst)
    src.close()
    dst.close()
    raw = copy.read_bytes()
    for name in (SHARED, WITHHELD, "Jl. Mawar"):
        assert name.encode() not in raw


@needs_browser
def test_a_partner_sees_the_name_in_the_browser(district, browser):
    b = browser(district)
    b.sign_in("mitra", district.passwords["mitra"])
    if b.path == "/console/conduct":
        b.submit("#accept")
    b.open("/console/referrals")
    page = b.text("main")
    assert SHARED in page and WITHHELD not in page
    b2 = browser(district)
    b2.sign_in("mitra2", district.passwords["mitra2"])
    if b2.path == "/console/conduct":
        b2.submit("#accept")
    b2.open("/console/referrals")
    assert SHARED not in b2.text("main")


def test_an_override_gives_the_agency_the_name_at_once(district):
    refs = district.referrals
    siti = signed_in(district, "siti")
    r = siti.request("POST", "/console/referrals/override", data={
        "csrf": siti.csrf, "id": refs["withheld"], "reason": "Korban dalam bahaya",
        "agency": "uptd_ppa"})
    assert r.status_code == 303, r.text
    shown = fields(signed_in(district, "mitra"))
    assert shown[refs["withheld"]]["victim_name"] == WITHHELD
    assert [a for a in district.query("SELECT actor, action, target FROM audit")
            if a[1] == "agency-grant"] == [("siti", "agency-grant", "uptd_ppa: 1 values")]
    # Another agency's partner never reads it.
    assert signed_in(district, "puskes").api("GET", "/referrals").json()["referrals"] == []


def test_a_coordinators_grant_gives_values_written_before_the_consent(district):
    refs, post = district.referrals, district.post
    # Consent given after the name reached the hub: the name was sealed to the district alone.
    edit(post, district.cases["withheld"], "consent_share=ya")
    sync(post)
    mitra = signed_in(district, "mitra")
    assert fields(mitra)[refs["withheld"]]["victim_name"] == MASK
    siti = signed_in(district, "siti")
    page = siti.get("/console/referrals?agency=uptd_ppa").text
    assert 'id="agency-owed-count">1<' in page
    # An operator may not grant; a bad agency is refused; neither changes anything.
    budi = signed_in(district, "budi")
    before = district.snapshot(KEY_TABLES)
    assert budi.request("POST", "/console/referrals/grant", data={
        "csrf": budi.csrf, "agency": "uptd_ppa"}).status_code == 403
    assert siti.request("POST", "/console/referrals/grant", data={
        "csrf": siti.csrf, "agency": "nowhere"}).status_code == 400
    assert district.snapshot(KEY_TABLES) == before
    r = siti.request("POST", "/console/referrals/grant", data={
        "csrf": siti.csrf, "agency": "uptd_ppa"})
    assert r.status_code == 303, r.text
    assert fields(mitra)[refs["withheld"]]["victim_name"] == WITHHELD
    assert 'id="agency-owed-count"' not in siti.get("/console/referrals?agency=uptd_ppa").text


def test_the_command_line_grant(district):
    refs, post = district.referrals, district.post
    edit(post, district.cases["withheld"], "consent_share=ya")
    sync(post)
    before = district.snapshot(KEY_TABLES)
    wrong = cli(district, "referrals", "grant", "--agency", "uptd_ppa", "--as", "siti",
                stdin=b"wrong-password\n")
    assert wrong.returncode == 2 and "wrong password" in wrong.stderr.decode(), wrong
    no_key = cli(district, "referrals", "grant", "--agency", "hospital", "--as", "siti",
                 stdin=(district.passwords["siti"] + "\n").encode())
    assert no_key.returncode == 2 and "has no key yet" in no_key.stderr.decode(), no_key
    partner = cli(district, "referrals", "grant", "--agency", "uptd_ppa", "--as", "mitra",
                  stdin=(district.passwords["mitra"] + "\n").encode())
    assert partner.returncode == 2 and "no enabled coordinator" in partner.stderr.decode()
    assert district.snapshot(KEY_TABLES) == before
    done = cli(district, "referrals", "grant", "--agency", "uptd_ppa", "--as", "siti",
               stdin=(district.passwords["siti"] + "\n").encode())
    assert done.returncode == 0 and b"granted 1 value(s) to uptd_ppa" in done.stdout, done
    assert fields(signed_in(district, "mitra"))[refs["withheld"]]["victim_name"] == WITHHELD


def test_a_coordinator_gives_a_later_partner_the_agency_key(district):
    refs = district.referrals
    mitra2 = signed_in(district, "mitra2")
    page = mitra2.get("/console/referrals").text
    assert 'id="no-agency-key"' in page
    siti = signed_in(district, "siti")
    posts = siti.get("/console/posts").text
    assert "mitra2 (uptd_ppa)" in posts
    # A partner of an agency without a key yet: nothing to give, nothing changed.
    before = district.snapshot(KEY_TABLES)
    assert mitra2.request("POST", "/console/posts/key-reset", data={
        "csrf": mitra2.csrf, "name": "mitra"}).status_code == 403
    assert district.snapshot(KEY_TABLES) == before
    r = siti.request("POST", "/console/posts/key-reset", data={"csrf": siti.csrf,
                                                              "name": "mitra2"})
    assert r.status_code == 200, r.text[:300]
    district.passwords["mitra2"] = re.search(r'id="one-time"[^>]*>([^<]+)<', r.text).group(1)
    mitra2 = signed_in(district, "mitra2")
    assert fields(mitra2)[refs["shared"]]["victim_name"] == SHARED
    assert 'id="no-agency-key"' not in mitra2.get("/console/referrals").text


def test_users_add_says_who_holds_the_agency_key(district):
    said = []
    for name, agency in (("rs1", "hospital"), ("rs2", "hospital"), ("dinas", "Dinas Lain")):
        r = cli(district, "users", "add", name, "--role", "partner", "--agency", agency,
                "--password-stdin", stdin=b"pw-partner-long-enough\n")
        assert r.returncode == 0, r
        said.append(r.stdout.decode())
    assert "rs1 holds the key of hospital" in said[0]
    assert "rs2 holds no key of hospital yet" in said[1]
    assert "is no referral destination" in said[2]
    assert district.query("SELECT agency FROM agency_key ORDER BY agency") == [
        ("hospital",), ("puskesmas",), ("uptd_ppa",)]
