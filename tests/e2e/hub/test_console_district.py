"""The console's district pages (Posts, Monitoring and evaluation, Audit) against a real hub
whose posts (real sae-node) synced cases: each role sees and does only what it may, in the
browser and through the API (403, nothing changed); an admin revokes a device in the browser
after a confirmation step and the post's next sync is refused; the M&E totals equal a direct
count of hub.db; the audit page shows who did what; hostile stored values render as text on
every page; hostile API input is refused with 4xx and changes nothing; screenshots at
1366x768."""
import base64
import csv
import datetime
import io
import os
import shutil
import sqlite3
import time

import pytest

import hubproc
import saenode
from console_client import Console, assert_security_headers, signed_in

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
PAYLOAD = '"><script>window.xss=1</script><img src=x onerror="window.xss=2">'
needs_browser = pytest.mark.skipif(
    not shutil.which("chromium") or not shutil.which("chromedriver"),
    reason="needs Debian's chromium and chromium-driver (scripts/deps.sh installs them)")

PAGES = ("/console/posts", "/console/me", "/console/audit", "/console/referrals",
         "/console/accounts")
APIS = ("/posts", "/me", "/audit", "/referrals", "/accounts")
# Who may open what: the role rules.
MAY = {
    "budi": {"/console/posts", "/console/me"},                     # operator
    "siti": {"/console/posts", "/console/me", "/console/audit",    # coordinator
             "/console/referrals"},
    "rina": {"/console/posts", "/console/audit", "/console/accounts"},  # admin
    "mitra": {"/console/referrals"},                               # partner (UPT PPA)
}


def add(post, kind, *sets):
    args = ["add", kind] + saenode.sets_args(sets)
    return saenode.ok(args, dir=post).out.strip().decode()


@pytest.fixture
def district(tmp_path):
    """A serving hub with an operator, a coordinator, an admin and a partner, and two posts
    that synced cases of last month: three consenting to statistics, one not; and two
    survivors referred to UPT PPA (the first consented to share her details, the second did
    not) and one to Puskesmas, none counted in statistics. One device's name is a script
    payload (stored hostile text)."""
    h = hubproc.Hub(tmp_path / "hub").init()
    h.passwords = {name: h.add_account(name, role, agency=agency) for name, role, agency in
                   (("siti", "coordinator", None), ("budi", "operator", None),
                    ("rina", "admin", None), ("mitra", "partner", "uptd_ppa"))}
    h.start()
    day = (saenode.today_wib_date().replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
    h.month = day.strftime("%Y-%m")
    h.posts = []
    for name in ("Laptop Pos Sumberanyar", PAYLOAD):
        post = saenode.init(str(tmp_path / ("post%d" % len(h.posts))), VILLAGE,
                            author="Staf Pos")
        saenode.ok(["enroll", h.add_node(VILLAGE, name=name)], dir=post)
        h.posts.append(post)
    stamp = day.strftime("%d-%m-%Y")
    for i, (post, consent) in enumerate(((0, "ya"), (0, "ya"), (1, "ya"), (1, "tidak"))):
        add(h.posts[post], "kasus", "violence_types=fisik", "victim_sex=P",
            "victim_age=%d" % (14 + 10 * i), "intake_date=" + stamp,
            "consent_statistics=" + consent)
    shared = add(h.posts[0], "kasus", "violence_types=psikis", "victim_sex=P", "victim_age=30",
                 "intake_date=" + stamp, "victim_name=Siti Aminah", "consent_share=ya",
                 "consent_statistics=tidak")
    withheld = add(h.posts[0], "kasus", "violence_types=psikis", "victim_sex=P",
                   "victim_age=16", "intake_date=" + stamp, "victim_name=" + PAYLOAD,
                   "consent_share=tidak", "consent_statistics=tidak")
    h.referrals = {
        "shared": add(h.posts[0], "rujukan", "case_id=" + shared, "referred_to=UPT PPA",
                      "referral_date=" + stamp, "referral_reason=" + PAYLOAD),
        "withheld": add(h.posts[0], "rujukan", "case_id=" + withheld, "referred_to=UPT PPA",
                        "referral_date=" + stamp),
        "puskesmas": add(h.posts[0], "rujukan", "case_id=" + shared, "referred_to=Puskesmas",
                         "referral_date=" + stamp),
    }
    for post in h.posts:
        assert saenode.run(["sync"], dir=post).rc == 0
    yield h
    assert h.stop() == 0
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in h.log_text()


def test_each_role_opens_only_its_pages_and_endpoints(district):
    for name, allowed in MAY.items():
        c = signed_in(district, name)
        for page, api in zip(PAGES, APIS):
            r = c.get(page)
            assert r.status_code == (200 if page in allowed else 403), (name, page, r.status_code)
            assert_security_headers(r)
            r = c.api("GET", api)
            assert r.status_code == (200 if page in allowed else 403), (name, api, r.status_code)
            if page not in allowed:
                assert r.json()["error"] == "role"
        home = c.get("/console/").text
        for page in PAGES:
            assert ('href="%s"' % page in home) == (page in allowed), (name, page)
    anonymous = Console(district)
    for page, api in zip(PAGES, APIS):
        assert anonymous.get(page).status_code == 303
        assert anonymous.api("GET", api).status_code == 401


def test_only_an_admin_revokes_and_a_refusal_changes_nothing(district):
    device = district.nodes()[0]["id"]
    before = district.snapshot()
    for name in ("budi", "siti", "mitra"):
        c = signed_in(district, name)
        r = c.api("POST", "/posts/revoke", {"id": device})
        assert r.status_code == 403 and r.json()["error"] == "role"
        r = c.request("POST", "/console/posts/revoke", data={"csrf": c.csrf, "id": device})
        assert r.status_code == 403
    admin = signed_in(district, "rina")
    r = admin.api("POST", "/posts/revoke", {"id": device}, csrf=False)
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    r = admin.request("POST", "/console/posts/revoke", data={"csrf": "wrong", "id": device})
    assert r.status_code == 403
    assert district.snapshot() == before
    r = admin.api("POST", "/posts/revoke", {"id": device})
    assert r.status_code == 200 and r.json() == {"revoked": device}
    assert admin.api("POST", "/posts/revoke", {"id": device}).status_code == 404
    assert [n["state"] for n in district.nodes()].count("revoked") == 1
    rows = district.query("SELECT actor, action, target, address FROM audit"
                          " WHERE action = 'node-revoke'")
    assert rows == [("rina", "node-revoke", "device " + device, "127.0.0.1")]


def test_me_totals_equal_a_direct_count_of_hub_db(district):
    c = signed_in(district, "budi")
    r = c.api("GET", "/me?from=%s&to=%s" % (district.month, district.month))
    assert r.status_code == 200, r.text
    figures = r.json()
    with sqlite3.connect(os.path.join(district.dir, "hub.db")) as db:
        consented = db.execute(
            "SELECT count(*) FROM field_state s JOIN change c ON c.seq = s.change"
            " WHERE s.field = 'consent_statistics' AND c.value = 'true'").fetchone()[0]
        withheld = db.execute(
            "SELECT count(*) FROM field_state s JOIN change c ON c.seq = s.change"
            " WHERE s.field = 'consent_statistics' AND c.value = 'false'").fetchone()[0]
    assert (figures["counted"], figures["left_out"]) == (consented, withheld) == (3, 3)
    rows = figures["figures"]["cases_by_month"]["rows"]
    assert rows == [{"key": district.month, "sub": "", "label": None, "count": 3}]

    page = c.get("/console/me?from=%s&to=%s" % (district.month, district.month)).text
    assert '<dd id="counted">3</dd>' in page and '<dd id="left-out">3</dd>' in page
    query = "figure=cases_by_type&from=%s&to=%s&kecamatan=" % (district.month, district.month)
    svg = c.get("/console/me/chart.svg?" + query)
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg") and b"<script" not in svg.content
    got = c.get("/console/me/figure.csv?" + query)
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0] == ["key", "sub", "label", "count"] and table[1][3] == "3"


def test_hostile_api_and_page_input_is_refused_and_changes_nothing(district):
    admin = signed_in(district, "rina")
    operator = signed_in(district, "budi")
    before = district.snapshot()
    cases = [
        (admin.api("POST", "/posts/revoke", {"id": 5}), 400, "wrong-type"),
        (admin.api("POST", "/posts/revoke", {"id": "00", "x": "y"}), 400, "unknown-field"),
        (admin.api("POST", "/posts/revoke", {"id": "'; DROP TABLE node; --"}), 400, "bad-id"),
        (admin.api("POST", "/posts/revoke", {"id": "0" * 16}), 404, "not-found"),
        (admin.api("POST", "/posts/revoke", data=b"[1,2", headers={
            "Content-Type": "application/json"}), 400, "bad-json"),
        (admin.api("POST", "/posts/revoke", data=b"x" * 20000, headers={
            "Content-Type": "application/json"}), 413, "too-large"),
        (admin.api("GET", "/audit?before=-1"), 400, "bad-query"),
        (admin.api("DELETE", "/posts"), 405, "method"),
        (operator.api("GET", "/me?from=2026-13"), 400, "bad-period"),
        (operator.api("GET", "/me?from=2026-05&to=2026-01"), 400, "bad-period"),
        (operator.api("GET", "/me?kecamatan=Atlantis"), 400, "bad-period"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.status_code, response.text)
        assert response.json()["error"] == code
    for path in ("/console/me/chart.svg?figure=%2e%2e%2f%2e%2e%2fsecret",
                 "/console/me/figure.csv?figure=nope", "/console/me?to=1899-12",
                 "/console/posts/revoke?id=zz"):
        who = admin if "posts" in path else operator
        assert who.get(path).status_code == 400, path
    assert district.snapshot() == before
    assert operator.get("/console/me").status_code == 200  # the daemon is up


def test_the_audit_page_lists_and_filters_who_did_what(district):
    Console(district).sign_in("budi", "a-wrong-password", expect=401)
    signed_in(district, "budi")
    siti = signed_in(district, "siti")
    page = siti.get("/console/audit?actor=budi").text
    assert "sign-in-failed" in page and "conduct-accept" in page
    assert "<td>siti</td>" not in page
    rows = siti.api("GET", "/audit?action=sign-in-failed").json()["rows"]
    assert [(r["actor"], r["action"]) for r in rows] == [("budi", "sign-in-failed")]
    assert rows[0]["address"] == "127.0.0.1"
    searched = district.query("SELECT actor, target FROM audit WHERE action = 'audit-search'")
    assert ("siti", "actor=budi action= target=") in searched
    for row in district.query("SELECT target FROM audit"):
        assert district.passwords["budi"] not in row[0]


def browser_sign_in(b, hub, name):
    b.sign_in(name, hub.passwords[name])
    if b.path == "/console/conduct":
        b.submit("#accept")
    assert b.path == "/console/"


def open_every_page(b, hub):
    """Signs in as the admin and then the coordinator, opening each district page."""
    browser_sign_in(b, hub, "rina")
    for path in ("/console/posts", "/console/audit"):
        b.open(path)
        yield path
    b.click("#sign-out")
    browser_sign_in(b, hub, "siti")
    b.open("/console/me?from=%s&to=%s" % (hub.month, hub.month))
    yield "/console/me"
    b.open("/console/referrals")
    yield "/console/referrals"
    b.click("#sign-out")
    browser_sign_in(b, hub, "mitra")
    b.open("/console/referrals")
    yield "/console/referrals"


@needs_browser
def test_stored_payloads_render_as_text_on_every_page(district, browser):
    # The payload is a device's name (posts page) and a search of the audit, which the audit
    # records (audit page).
    assert signed_in(district, "siti").api("GET", "/audit", params={"target": PAYLOAD}) \
        .status_code == 200
    b = browser(district)
    for path in open_every_page(b, district):
        time.sleep(0.3)  # an injected image's error would come after a round trip
        assert not b.alert_open(), path
        assert b.driver.execute_script("return window.xss === undefined"), path
        assert b.finds("main script") == [], path
        assert all(img.get_attribute("class") == "chart" for img in b.finds("main img")), path
        if path != "/console/me":
            assert PAYLOAD in b.text("main"), path  # shown, as text


@needs_browser
def test_an_admin_revokes_a_post_in_the_browser(district, browser, tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b = browser(district)
    browser_sign_in(b, district, "rina")
    b.click("#sections a[href='/console/posts']")
    assert b.path == "/console/posts"
    assert len(b.finds("#devices tbody tr")) == 2
    b.screenshot(os.path.join(out, "console-posts.png"))
    b.click("#devices tbody tr:first-child a.danger")
    assert b.path == "/console/posts/revoke"
    b.screenshot(os.path.join(out, "console-posts-revoke.png"))
    b.click("#cancel")
    assert [n["state"] for n in district.nodes()] == ["enrolled", "enrolled"]
    b.click("#devices tbody tr:first-child a.danger")
    b.click("#confirm")
    assert b.path == "/console/posts"
    assert b.text("#alert") == "Perangkat sudah dicabut."
    revoked = [n for n in district.nodes() if n["state"] == "revoked"]
    assert len(revoked) == 1
    post = district.posts[[n["name"] for n in district.nodes()].index(revoked[0]["name"])]
    assert saenode.run(["sync"], dir=post).rc != 0
    b.open("/console/audit")
    assert "node-revoke" in b.text("#audit")
    b.screenshot(os.path.join(out, "console-audit.png"))


@needs_browser
def test_the_me_page_in_english_and_screenshots(district, browser, tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b = browser(district)
    browser_sign_in(b, district, "budi")
    b.click("#sections a[href='/console/me']")
    assert b.text("h1") == "Monitoring dan evaluasi"
    b.fill({"from": district.month, "to": district.month})
    b.submit("#show")
    assert b.text("#counted") == "3" and b.text("#left-out") == "3"
    assert b.driver.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert b.driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
    b.screenshot(os.path.join(out, "console-me.png"))
    b.click("#lang-switch")
    assert b.text("h1") == "Monitoring and evaluation"
    assert "Cases counted" in b.text("#totals")


def test_a_partner_sees_only_its_agency_and_what_consent_allows(district):
    mitra = signed_in(district, "mitra")
    listed = mitra.api("GET", "/referrals").json()
    assert listed["agency"] == "uptd_ppa"
    by_id = {r["id"]: r for r in listed["referrals"]}
    refs = district.referrals
    assert set(by_id) == {refs["shared"], refs["withheld"]}
    assert all(r["awaiting"] for r in listed["referrals"])
    # With consent the name is sealed to the agency's key too, which the partner's password
    # opened at sign-in (store/agency_key.h).
    assert by_id[refs["shared"]]["fields"]["victim_name"] == "Siti Aminah"
    assert by_id[refs["withheld"]]["share"] == "none"
    assert "victim_name" not in by_id[refs["withheld"]]["fields"]
    assert PAYLOAD not in mitra.get("/console/referrals").text.replace("&quot;", '"')
    # A partner may not choose another agency, and cannot answer another agency's referral.
    assert mitra.api("GET", "/referrals?agency=puskesmas").json()["agency"] == "uptd_ppa"
    before = district.snapshot()
    r = mitra.api("POST", "/referrals/answer", {"id": refs["puskesmas"], "answer": "accepted"})
    assert r.status_code == 404, r.text
    r = mitra.api("POST", "/referrals/answer", {"id": refs["shared"], "answer": "declined"})
    assert r.status_code == 400 and "note" in r.json()["message"], r.text
    r = mitra.api("POST", "/referrals/answer", {"id": refs["shared"], "answer": "maybe"})
    assert r.status_code == 400
    r = signed_in(district, "siti").api("POST", "/referrals/answer",
                                        {"id": refs["shared"], "answer": "accepted"})
    assert r.status_code == 403 and r.json()["error"] == "role"
    assert district.snapshot() == before


def test_a_coordinators_override_opens_a_referral_and_is_audited(district):
    refs = district.referrals
    siti = signed_in(district, "siti")
    r = siti.request("POST", "/console/referrals/override", data={
        "csrf": siti.csrf, "id": refs["withheld"], "reason": "", "agency": "uptd_ppa"})
    assert r.status_code == 400
    mitra = signed_in(district, "mitra")
    r = mitra.request("POST", "/console/referrals/override", data={
        "csrf": mitra.csrf, "id": refs["withheld"], "reason": "x", "agency": "uptd_ppa"})
    assert r.status_code == 403
    r = siti.request("POST", "/console/referrals/override", data={
        "csrf": siti.csrf, "id": refs["withheld"], "reason": "Korban dalam bahaya",
        "agency": "uptd_ppa"})
    assert r.status_code == 303, r.text
    shown = {x["id"]: x for x in mitra.api("GET", "/referrals").json()["referrals"]}
    assert shown[refs["withheld"]]["share"] == "override"
    # The override lets the field through, and the coordinator who made it (holding the
    # district key) gave the agency's key its value at once.
    assert shown[refs["withheld"]]["fields"]["victim_name"] == PAYLOAD
    assert district.query("SELECT actor, target FROM audit WHERE action = 'referral-override'") \
        == [("siti", refs["withheld"])]


@needs_browser
def test_a_partners_answer_in_the_browser_reaches_the_post(district, browser, tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b = browser(district)
    browser_sign_in(b, district, "mitra")
    b.click("#sections a[href='/console/referrals']")
    cards = b.finds("section.referral.awaiting")
    assert {c.get_attribute("id") for c in cards} == {district.referrals["shared"],
                                                       district.referrals["withheld"]}
    b.screenshot(os.path.join(out, "console-referrals.png"))
    shared = district.referrals["shared"]
    # Done before accepted: the referral's flow refuses it, with the reason, and nothing
    # changes.
    before = district.snapshot()
    b.find("#answer-%s option[value=done]" % shared).click()
    b.fill({"note-" + shared: "Sudah konseling"})
    b.click("[id='%s'] button.primary" % shared)
    assert b.path == "/console/referrals/answer"
    assert b.text("#alert") == "Jawaban tidak dapat disimpan:"
    assert "sent" in b.text("#why"), b.text("#why")
    assert district.snapshot() == before
    b.open("/console/referrals")
    b.find("#answer-%s option[value=accepted]" % shared).click()
    b.click("[id='%s'] button.primary" % shared)
    assert b.text("#alert") == ("Jawaban tersimpan; pos menerimanya pada sinkronisasi "
                                "berikutnya.")
    post = district.posts[0]
    assert saenode.run(["sync"], dir=post).rc == 0
    fields = saenode.show_json(post, shared)["fields"]
    assert fields["referral_status"] == "accepted"
    rows = district.query("SELECT actor, action, target FROM audit"
                          " WHERE action = 'referral-answer'")
    assert rows == [("mitra", "referral-answer", shared)]


def test_the_audit_page_holds_200_rows_and_links_to_older_ones(district):
    siti = signed_in(district, "siti")
    have = district.query("SELECT count(*) FROM audit")[0][0]
    for i in range(200 - have):
        district.write_db("INSERT INTO audit(at_ms, actor, action, target, address)"
                          " VALUES (1, 'budi', 'case-open', ?, '10.0.0.9')", ("case %d" % i,))
    page = siti.get("/console/audit").text  # 200 rows: the limit, all on one page
    assert page.count("<tr>") == 201 and 'id="older"' not in page
    district.write_db("INSERT INTO audit(at_ms, actor, action, target, address)"
                      " VALUES (2, 'budi', 'case-open', 'one more', '10.0.0.9')")
    page = siti.get("/console/audit").text
    assert page.count("<tr>") == 201 and 'id="older"' in page
    older = siti.get("/console/audit?actor=&action=&target=&before=2").text
    assert older.count("<tr>") == 2  # the header and the oldest row
    rows = siti.api("GET", "/audit").json()["rows"]
    assert len(rows) == 200 and rows[0]["target"] == "one more"


def test_the_rekap_prints_and_a_coordinator_locks_the_month(district, tmp_path):
    budi = signed_in(district, "budi")
    page = budi.get("/console/me/rekap?month=" + district.month)
    assert page.status_code == 200
    assert 'id="rekap-types"' in page.text and 'id="lock"' not in page.text  # operator
    before = district.snapshot(("meta", "node"))
    r = budi.request("POST", "/console/me/lock", data={"csrf": budi.csrf,
                                                       "month": district.month})
    assert r.status_code == 403
    assert district.query("SELECT count(*) FROM month_lock") == [(0,)]
    assert district.snapshot(("meta", "node")) == before
    for bad in ("2026-13", "26-01", "2026-01-01", "1899-12"):
        assert budi.get("/console/me/rekap?month=" + bad).status_code == 400, bad

    siti = signed_in(district, "siti")
    assert 'id="lock"' in siti.get("/console/me/rekap?month=" + district.month).text
    r = siti.request("POST", "/console/me/lock", data={"csrf": siti.csrf,
                                                       "month": district.month})
    assert r.status_code == 303, r.text
    page = siti.get("/console/me/rekap?month=" + district.month).text
    assert "Disetujui dan dikunci oleh siti" in page and 'id="no-revisions"' in page
    again = siti.request("POST", "/console/me/lock", data={"csrf": siti.csrf,
                                                           "month": district.month})
    assert again.status_code == 409
    assert district.query("SELECT actor, target FROM audit WHERE action = 'month-lock'") == \
        [("siti", district.month)]
    # A later edit of a locked month's case shows as a revision, never silently.
    case = [r["id"] for r in saenode.ok(["list", "--json"], dir=district.posts[0]).json()
            if r["fields"].get("consent_statistics") is True][0]
    saenode.ok(["edit", case, "--set", "victim_age=40"], dir=district.posts[0])
    assert saenode.run(["sync"], dir=district.posts[0]).rc == 0
    page = siti.get("/console/me/rekap?month=" + district.month).text
    assert 'id="revisions"' in page


@needs_browser
def test_the_rekap_page_prints_to_pdf(district, browser, tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b = browser(district)
    browser_sign_in(b, district, "budi")
    b.open("/console/me")
    b.click("#rekap")
    assert b.path == "/console/me/rekap"
    assert b.find("#month").get_attribute("value") == district.month
    rows = b.finds("#rekap-types tbody tr")
    assert rows[-1].find_elements("css selector", "td")[0].text == "Jumlah korban"
    assert rows[-1].find_elements("css selector", "td")[-1].text == "3"
    b.screenshot(os.path.join(out, "console-rekap.png"))
    pdf = base64.b64decode(b.driver.execute_cdp_cmd("Page.printToPDF", {})["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    with open(os.path.join(out, "console-rekap.pdf"), "wb") as f:
        f.write(pdf)


@needs_browser
def test_an_admin_adds_resets_and_disables_an_account_in_the_browser(district, browser,
                                                                       tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b = browser(district)
    browser_sign_in(b, district, "rina")
    b.click("#sections a[href='/console/accounts']")
    b.screenshot(os.path.join(out, "console-accounts.png"))
    b.fill({"name": "Bu Ani", "agency": "puspaga"})
    b.find("#role option[value=partner]").click()
    b.click("#add-account")
    first = b.text("#one-time")
    assert len(first) == 16
    b.screenshot(os.path.join(out, "console-one-time.png"))
    ani = Console(district)
    ani.sign_in("Bu Ani", first)
    ani.accept_conduct()
    assert ani.api("GET", "/referrals").json()["agency"] == "puspaga"
    # The same rules as `sae-hub users`: a partner needs an agency, a name is taken once.
    b.open("/console/accounts")
    b.fill({"name": "Bu Ani"})
    b.click("#add-account")
    assert "could not" in b.text("#alert") or "tidak dapat" in b.text("#alert")
    b.open("/console/accounts")
    b.fill({"name": "Pak Tono"})
    b.find("#role option[value=partner]").click()
    b.click("#add-account")
    assert "tidak dapat" in b.text("#alert")
    assert [r[0] for r in district.query("SELECT name FROM account WHERE name = 'Pak Tono'")] \
        == []
    b.open("/console/accounts")
    row = [r for r in b.finds("#accounts tbody tr") if r.text.startswith("Bu Ani")][0]
    b.click_element(row.find_element("css selector",
                                     "form[action='/console/accounts/reset'] button"))
    second = b.text("#one-time")
    assert second != first
    assert ani.get("/console/referrals").status_code == 303  # its sessions ended
    Console(district).sign_in("Bu Ani", first, expect=401)
    b.open("/console/accounts")
    row = [r for r in b.finds("#accounts tbody tr") if r.text.startswith("Bu Ani")][0]
    page = b.find("html")
    row.find_element("css selector", "form[action='/console/accounts/disable'] button").click()
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(b.driver, 30).until(expected_conditions.staleness_of(page))
    assert b.text("#alert") == "Akun dinonaktifkan; semua sesinya berakhir."
    Console(district).sign_in("Bu Ani", second, expect=401)
    rows = district.query("SELECT actor, action, target, address FROM audit WHERE action LIKE"
                          " 'account-%' AND target = 'Bu Ani' ORDER BY seq")
    assert [r[1] for r in rows] == ["account-add", "account-password-reset", "account-disable"]
    assert all(r[0] == "rina" and r[3] == "127.0.0.1" for r in rows)
    for row in district.query("SELECT target FROM audit"):
        assert first not in row[0] and second not in row[0]


def test_only_an_admin_changes_accounts(district):
    # Signed in before the snapshot: a coordinator's first sign-in moves her row to the
    # one-Argon2id form (proto/passkey.c), which is a change of her own hash, not a refusal's.
    clients = {name: signed_in(district, name) for name in ("budi", "siti", "mitra")}
    admin = signed_in(district, "rina")
    before = district.query("SELECT name, role, disabled, password_hash FROM account")
    for name, c in clients.items():
        for path, data in (("/console/accounts/add", {"name": "x", "role": "admin"}),
                           ("/console/accounts/disable", {"name": "rina"}),
                           ("/console/accounts/reset", {"name": "rina"})):
            data["csrf"] = c.csrf
            assert c.request("POST", path, data=data).status_code == 403, (name, path)
    r = admin.request("POST", "/console/accounts/add",
                      data={"csrf": "nope", "name": "x", "role": "admin"})
    assert r.status_code == 403
    r = admin.request("POST", "/console/accounts/add",
                      data={"csrf": admin.csrf, "name": "x", "role": "root"})
    assert r.status_code == 400
    assert admin.request("POST", "/console/accounts/disable",
                         data={"csrf": admin.csrf, "name": "nobody"}).status_code == 404
    assert district.query("SELECT name, role, disabled, password_hash FROM account") == before
