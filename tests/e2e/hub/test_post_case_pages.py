"""Issue 12's case pages in real headless Chromium against a real `sae-node serve` and a real
`sae-hub serve`: a kader signs in, is told in Indonesian beside each field what is wrong
(nothing saved), records the case of a 15-year-old girl with two types of violence, a shelter
stay she then extends, an accompaniment and a referral to UPT PPA; the case reaches the
district after a sync; the district's correction shows on the case file, marked as the
district's, after the next sync. Hostile values render as text; posts without the CSRF token
change nothing. Screenshots at phone and laptop width go to $SAE_SCREENSHOT_DIR when set."""
import os
import sqlite3
import time

import requests
from selenium.webdriver.support.ui import Select

import node_app
import saenode

NUMBER = "3513122018-2026-0001"
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def journal_rows(app):
    db = sqlite3.connect("file:%s/node.db?mode=ro" % app.dir, uri=True)
    try:
        return db.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        db.close()


def screenshot(b, name, at=None):
    """Phone and laptop views, scrolled to the element at (a CSS selector) when given."""
    where = os.environ.get("SAE_SCREENSHOT_DIR")
    if not where:
        return
    os.makedirs(where, exist_ok=True)
    for width, height in ((360, 740), (1366, 768)):
        b.driver.set_window_size(width, height)
        if at:
            b.driver.execute_script("arguments[0].scrollIntoView()", b.find(at))
        b.screenshot(os.path.join(where, "post-%s-%d.png" % (name, width)))
    b.driver.set_window_size(1366, 768)


def check(b, *ids):
    for element in ids:
        b.find("#" + element).click()


def choose(b, select_id, value):
    Select(b.find("#" + select_id)).select_by_value(value)


def open_form(b, prefix):
    b.find("#form-%s summary" % prefix).click()


def stopped_clean(app):
    """serve ends on SIGTERM with status 0 and nothing from a sanitizer in its log."""
    assert app.stop() == 0, app.log_text()
    for marker in saenode.CRASH_MARKERS:
        assert marker.decode() not in app.log_text(), app.log_text()


def sync_now(b):
    """Sinkronkan sekarang, as staff ask for a round on the Sinkronisasi page."""
    b.open("/sync")
    b.click("#sync-now")


def synced_once(b):
    b.open("/sync")
    return b.text("#last-sync") not in ("", "\u2014", "Belum pernah")


def pending(b):
    b.open("/sync")
    return int(b.text("#pending"))


def wait_for(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("timed out waiting for %s" % what)


def app_for(hub, tmp_path):
    app = node_app.PostApp(tmp_path / "pos")
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop Pos")], dir=app.dir)
    app.add_staff(node_app.HEAD, node_app.HEAD_PASSPHRASE, role="head")
    return app.start()


def record_with_mistakes(b, app):
    """A first try with mistakes: each named beside its field, in Indonesian, nothing saved."""
    before = journal_rows(app)
    b.open("/case/new")
    year, month, day = saenode.today_wib().split("-")
    assert b.find("#f-intake_date").get_attribute("value") == "%s-%s-%s" % (day, month, year)
    assert b.find("#f-status-new").is_selected()  # the catalogue's default
    screenshot(b, "case-new")
    b.fill({"f-intake_date": "32-13-2026", "f-victim_age": "lima belas"})
    b.click("#save-case")
    assert "Belum disimpan" in b.text("#alert")
    assert b.text("#f-victim_age-error") == "Isi angka bulat dari 0 sampai 120."
    assert "Tanggal tidak dikenali" in b.text("#f-intake_date-error")
    assert b.text("#f-violence_types-error") == "Wajib diisi."
    assert b.text("#f-victim_sex-error") == "Wajib diisi."
    assert b.find("#f-victim_age").get_attribute("value") == "lima belas"  # kept
    screenshot(b, "case-new-errors", "#f-violence_types-error")
    assert journal_rows(app) == before
    # Every field fine, but the incident after the intake: the rule is said above the form.
    b.fill({"f-intake_date": "05-01-2026", "f-victim_age": "15", "f-incident_date": "06-01-2026"})
    check(b, "f-violence_types-physical", "f-victim_sex-F")
    b.click("#save-case")
    assert b.text("#alert") == "Tanggal kejadian tidak boleh setelah tanggal pengaduan."
    assert b.finds("p.error:not(.alert)") == []
    assert b.find("#f-violence_types-physical").is_selected()  # kept
    assert journal_rows(app) == before
    b.open("/case/new")


def record_the_girl(b):
    b.fill({"f-intake_date": "05-01-2026", "f-victim_age": "15", "f-victim_name": "Siti Aminah",
            "f-incident_date": "03-01-2026", "f-narrative": HOSTILE})
    check(b, "f-violence_types-physical", "f-violence_types-sexual", "f-victim_sex-F",
          "f-consent_services-true", "f-consent_share-false")
    b.click("#save-case")
    assert b.text("#case-number") == NUMBER
    assert b.text("#alert") == "Tersimpan."
    assert b.text("#case-violence_types .value") == "Fisik, Seksual"
    assert b.text("#case-victim_age .value") == "15"
    assert b.text("#case-intake_date .value") == "05-01-2026"


def add_events(b):
    open_form(b, "shelter")
    b.fill({"shelter-admission_date": "06-01-2026", "shelter-shelter_name": "Rumah Aman Kab."})
    b.click("#save-shelter")
    stay = b.find("#timeline .event")
    assert "13-01-2026" in stay.text  # planned end: a week after admission
    prefix = b.find("#timeline .event details").get_attribute("id")[len("form-"):]
    open_form(b, prefix)
    b.fill({prefix + "-planned_end_date": "20-01-2026",
            prefix + "-extension_reason": "Pelaku masih mencari korban"})
    b.click("#save-" + prefix)
    assert "20-01-2026" in b.text("#timeline")
    assert "Pelaku masih mencari korban" in b.text("#timeline")

    open_form(b, "service")
    choose(b, "service-service_type", "psychosocial_accompaniment")
    b.fill({"service-provider": HOSTILE})
    b.click("#save-service")  # no date: the form comes back open, what was chosen kept
    assert b.find("#form-service").get_attribute("open") is not None
    assert b.text("#service-service_date-error") == "Wajib diisi."
    assert Select(b.find("#service-service_type")).first_selected_option.get_attribute(
        "value") == "psychosocial_accompaniment"
    assert "Pendampingan psikososial" not in b.text("#timeline")
    screenshot(b, "case-event-errors", "#form-service")
    b.fill({"service-service_date": "07-01-2026"})
    b.click("#save-service")
    assert "Pendampingan psikososial" in b.text("#timeline")

    open_form(b, "referral")
    choose(b, "referral-referred_to", "uptd_ppa")
    b.fill({"referral-referral_date": "08-01-2026", "referral-referral_reason": "Visum"})
    b.click("#save-referral")
    timeline = b.text("#timeline")
    assert "UPT PPA" in timeline and "Dikirim" in timeline

    # The agency accepted; the girl went home: the stay's discharge.
    answer = b.find("#timeline details[id^=form-answer]").get_attribute("id")[len("form-"):]
    open_form(b, answer)
    choose(b, answer + "-referral_status", "accepted")
    b.fill({answer + "-status_date": "09-01-2026"})
    b.click("#save-" + answer)
    assert "Diterima" in b.text("#timeline")
    discharge = b.find("#timeline details[id^=form-discharge]").get_attribute("id")[5:]
    open_form(b, discharge)
    choose(b, discharge + "-discharge_reason", "returned_home")  # five choices: a list
    b.fill({discharge + "-discharge_date": "15-01-2026"})
    b.click("#save-" + discharge)
    assert "15-01-2026" in b.text("#timeline") and "Kembali ke keluarga" in b.text("#timeline")
    assert b.finds("#timeline details[id^=form-extend]") == []  # a discharged stay is over
    screenshot(b, "case-file")
    screenshot(b, "case-timeline", "#timeline")


def hostile_values_are_text(b):
    assert not b.alert_open()
    assert b.finds("img[src=x]") == [] and b.finds("main script") == []
    assert b.text("#case-narrative .value") == HOSTILE
    assert HOSTILE in b.text("#timeline")


def posts_without_csrf_change_nothing(b, app):
    before = journal_rows(app)
    cookies = "; ".join("%s=%s" % (c["name"], c["value"]) for c in b.driver.get_cookies())
    form = {"intake_date": "05-01-2026", "victim_sex": "F", "violence_types/physical": "1"}
    for extra in ({}, {"csrf": "0" * 64}):
        answer = requests.post(app.url + "/case/new", data=dict(form, **extra),
                               headers={"Cookie": cookies}, allow_redirects=False, timeout=30)
        assert answer.status_code == 403, answer.status_code
    token = b.find("input[name=csrf]").get_attribute("value")
    answer = requests.post(app.url + "/case/new", data=dict(form, csrf=token, evil="1"),
                           headers={"Cookie": cookies}, allow_redirects=False, timeout=30)
    assert answer.status_code == 400 and "Formulir tidak dikenali" in answer.text
    assert journal_rows(app) == before


def test_a_case_recorded_in_the_browser_reaches_the_district_and_back(hub, tmp_path, browser):
    app = app_for(hub, tmp_path)
    try:
        b = browser(app)
        node_app.sign_in(b)
        record_with_mistakes(b, app)
        record_the_girl(b)
        case_path = b.driver.current_url[len(app.url):]
        add_events(b)
        hostile_values_are_text(b)
        posts_without_csrf_change_nothing(b, app)

        sync_now(b)
        wait_for(lambda: pending(b) == 0, "the round Sinkronkan sekarang started")
        shown = hub.ok("reports", "show", NUMBER).stdout.decode()
        assert "physical,sexual (Fisik, Seksual)" in shown
        referrals = hub.admin_json("reports", "list", "--kind", "referral")
        assert [r["fields"]["referred_to"] for r in referrals] == ["uptd_ppa"]

        # The district decides the risk; the next sync brings it, marked as the district's.
        hub.ok("reports", "edit", NUMBER, "--set", "risk_level=tinggi", "--by", "Bu Sari")
        sync_now(b)
        wait_for(lambda: b.open(case_path) and b.finds("#case-risk_level .mark.district"),
                 "the district's edit on the case file")
        assert b.text("#case-risk_level .value") == "Tinggi"
        mark = b.text("#case-risk_level .mark.district")
        assert "Diubah atau diputuskan kabupaten" in mark and "Bu Sari" in mark
        assert b.finds("#case-victim_age .mark.district") == []
        screenshot(b, "case-file-district", "#case-risk_level")
        stopped_clean(app)
    finally:
        app.stop()


def test_the_districts_review_and_resolution_edit_and_delete_on_the_case_file(
        hub, tmp_path, browser):
    """A kader's edit that met the district's own: under review on the case file, then the
    coordinator's resolution with its note, marked as the district's; the district's "has
    issues" note; the edit in the history with who made it; a deletion only after its
    confirmation page. Every round is one "Sinkronkan sekarang" of the app's own loop, each
    awaited, so none falls between the district's edit and the kader's."""
    app = app_for(hub, tmp_path)
    try:
        b = browser(app)
        node_app.sign_in(b)
        wait_for(lambda: synced_once(b), "the loop's first round")
        case = saenode.add_case(app.dir, risk_level="low")
        sync_now(b)
        wait_for(lambda: pending(b) == 0, "the case sent")
        hub.ok("reports", "edit", NUMBER, "--set", "risk_level=tinggi", "--by", "Pak Hadi")
        b.open("/case/edit?id=" + NUMBER)
        assert b.find("#f-intake_date").get_attribute("value") == "05-01-2026"
        check(b, "f-risk_level-medium")  # three choices: radio buttons
        b.click("#save-edit")
        assert b.text("#alert") == "Tersimpan."
        assert b.text("#case-risk_level .value") == "Sedang"
        b.find("#history summary").click()
        assert "Bu Sari" in b.text("#history-table") and "Sedang" in b.text("#history-table")

        sync_now(b)  # meets the district's edit: a conflict
        wait_for(lambda: b.open("/case?id=" + case) and b.finds("#case-risk_level .mark.review"),
                 "the review on the case file")
        assert b.text("#case-risk_level .value") == "Tinggi"  # the safest stands meanwhile
        assert "Sedang ditinjau kabupaten" in b.text("#case-risk_level .mark.review")

        (conflict,) = [c for c in hub.admin_json("conflicts", "list")
                       if c["field"] == "risk_level"]
        hub.ok("conflicts", "resolve", str(conflict["id"]), "--value", "medium",
               "--note", "Ditelepon: risiko sedang", "--by", "Pak Hadi")
        hub.ok("reports", "review", NUMBER, "has-issues", "--note", "Usia korban belum ada",
               "--by", "Bu Ani (UPT PPA)")
        sync_now(b)
        wait_for(lambda: b.open("/case?id=" + case) and b.finds("#issues"),
                 "the resolution and the review on the case file")
        assert b.text("#case-risk_level .value") == "Sedang"
        assert b.finds("#case-risk_level .mark.review") == []
        assert "Pak Hadi" in b.text("#case-risk_level .mark.district")
        assert "Ditelepon: risiko sedang" in b.text("#case-risk_level .mark.district-note")
        assert "Usia korban belum ada" in b.text("#issues")
        screenshot(b, "case-file-resolved", "#case-risk_level")

        before = journal_rows(app)
        b.click("a.button.danger")
        assert "Riwayatnya tetap disimpan" in b.text("#delete-warning")
        assert journal_rows(app) == before  # the confirmation page changes nothing
        b.click("#confirm-delete")
        assert b.text("#alert") == "Kasus ini sudah dihapus."
        assert b.finds("a.button.danger") == [] and b.finds("#form-service") == []
        assert journal_rows(app) == before + 1
        cookies = "; ".join("%s=%s" % (c["name"], c["value"]) for c in b.driver.get_cookies())
        for path in ("/case/edit?id=" + case, "/case/delete?id=" + case,
                     "/case?id=" + saenode.unknown_id(), "/case?id=%3Cb%3E", "/case"):
            answer = requests.get(app.url + path, headers={"Cookie": cookies}, timeout=30)
            assert answer.status_code == 404, path
        stopped_clean(app)
    finally:
        app.stop()
