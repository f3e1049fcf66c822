"""The console's case pages in a real browser and over real HTTPS, against a real sae-hub
whose posts (real sae-node) synced cases and left a conflict: each role sees and does only
what it may (and the same refusals by direct requests: 403, nothing changed); reports
filtered, with conflict badges that agree with the queue; a case file opened and its
sensitive fields revealed (audited); a coordinator's edit with a reason and a review; a
conflict resolved in the browser reaching both posts; the 409 when a post changed the
conflict under the page; a CSV export parsed; stored HTML and script shown as text on every
page; hostile form input refused."""
import csv
import io
import os
import re
import shutil

import pytest

import case_pages_world as world
import hubproc
import saenode

pytestmark = pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("chromedriver"),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(scripts/deps.sh installs them)")

TABLES = ("report", "change", "conflict", "conflict_candidate", "case_review", "audit")
XSS = '<script>alert(1)</script><img src=x onerror="alert(2)" id="injected">'


def signed_in(b, w, name):
    b.sign_in(name, w.passwords[name])
    if b.path == "/console/conduct":
        b.submit("#accept")
    assert b.path == "/console/"
    return b


client = world.client


def form_post(c, path, fields):
    data = dict(fields)
    data.setdefault("csrf", c.csrf)
    return c.request("POST", path, data=data)


def screenshot(b, name, tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b.screenshot(os.path.join(out, name))
    assert b.driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_each_role_sees_and_does_only_what_it_may(tmp_path, browser):
    w = world.build(tmp_path)
    b = signed_in(browser(w.hub), w, "budi")  # operator
    links = [a.get_attribute("href").split("/console")[1] for a in b.finds("#sections a")]
    assert links == ["/reports", "/conflicts", "/duplicates", "/posts", "/me", "/password"]
    b.click("#sections a[href='/console/reports']")
    assert len(b.finds("#reports tbody tr")) == 3  # two cases and a service
    b.open("/console/case?id=" + w.case)
    page = b.find("main").text
    assert "Siti Aminah" not in page and "dipukul" not in page
    assert "tersembunyi" in page
    assert not b.finds("#reveal") and not b.finds("#edit-form") and not b.finds("#review-form")
    b.open("/console/conflicts")
    assert b.finds("#total") and not b.finds("form[action='/console/conflicts/decide']")
    assert not b.finds("#export-2")  # no full export
    # The same refusals by direct requests: 403, nothing changed.
    before = w.hub.snapshot(TABLES[:-1])
    budi = client(w, "budi")
    conflict = world.open_conflicts(w.hub)[0][0]
    refused = [form_post(budi, "/console/case/reveal", {"id": w.case}),
               form_post(budi, "/console/case/edit", {"id": w.case, "field": "risk_level",
                                                      "value": "low", "reason": "x"}),
               form_post(budi, "/console/case/review", {"id": w.case, "state": "approved"}),
               form_post(budi, "/console/conflicts/decide",
                         {"conflict": conflict, "seen": "1", "action": "dismiss"}),
               budi.get("/console/export?format=csv&variant=full")]
    assert [r.status_code for r in refused] == [403] * 5
    for name in ("rina", "mitra"):  # admin and partner: no case content at all
        other = client(w, name)
        for path in ("/console/reports", "/console/case?id=" + w.case, "/console/conflicts",
                     "/console/export?format=csv"):
            r = other.get(path)
            assert r.status_code == 403 and "Siti" not in r.text, (name, path)
    assert w.hub.snapshot(TABLES[:-1]) == before
    assert not w.hub.query("SELECT 1 FROM audit WHERE action = 'case-reveal'")
    w.hub.stop()


def test_filters_and_conflict_badges_agree_with_the_queue(tmp_path, browser):
    w = world.build(tmp_path)
    b = signed_in(browser(w.hub), w, "siti")
    b.open("/console/reports?conflict=yes")
    rows = b.finds("#reports tbody tr")
    assert len(rows) == 1 and "konflik" in rows[0].text
    assert b.text("#total").startswith("1 ")
    b.open("/console/reports?conflict=no&kind=case")
    assert len(b.finds("#reports tbody tr")) == 1
    b.open("/console/reports")
    b.find("#violence").send_keys("Psikis")
    b.click("#apply")
    assert "violence=psychological" in b.driver.current_url
    assert len(b.finds("#reports tbody tr")) == 1
    b.open("/console/reports?risk=high&kind=case")
    assert b.text("#total").startswith("1 ")  # the standing value: the safest
    b.open("/console/reports?q=%27%3B%20DROP%20TABLE%20report%3B--")
    assert b.text("#total").startswith("0 ")
    b.open("/console/reports?from=not-a-date")
    assert "Saringan tidak dapat dipakai" in b.text("#alert")
    queue = world.open_conflicts(w.hub)
    b.open("/console/conflicts")
    assert b.text("#total").startswith("%d " % len(queue))
    assert len(b.finds("section.conflict-card")) == len(queue)
    screenshot(b, "console-conflicts.png", tmp_path)
    b.open("/console/reports")
    screenshot(b, "console-reports.png", tmp_path)
    w.hub.stop()


def test_case_file_reveal_edit_and_review(tmp_path, browser):
    w = world.build(tmp_path)
    b = signed_in(browser(w.hub), w, "siti")
    b.open("/console/case?id=" + w.case)
    assert "Siti Aminah" not in b.find("main").text
    assert "siti" in b.text("#openers")
    assert len(b.finds("#timeline tbody tr")) == 1
    assert b.finds("#case-conflicts")
    b.click("#reveal")
    assert "Siti Aminah" in b.text("#fields")
    screenshot(b, "console-case-file.png", tmp_path)
    rows = w.hub.query("SELECT actor, target FROM audit WHERE action = 'case-reveal'")
    assert rows == [("siti", w.case)]
    assert w.hub.query("SELECT count(*) FROM audit WHERE action = 'case-open' "
                       "AND target = ?", (w.case,))[0][0] >= 1
    # An edit without a reason is refused by the browser and the server alike.
    siti = client(w, "siti")
    before = w.hub.snapshot(TABLES[:-1])
    r = form_post(siti, "/console/case/edit", {"id": w.quiet, "field": "victim_age",
                                               "value": "16", "reason": ""})
    assert r.status_code == 400 and w.hub.snapshot(TABLES[:-1]) == before
    b.open("/console/case?id=" + w.quiet)
    b.find("#field").send_keys("Usia korban")
    b.fill({"value": "16", "reason": "Akta kelahiran menunjukkan 16 tahun"})
    b.click("#edit-save")
    assert "disimpan" in b.text("#alert")
    b.find("#state").send_keys("Ada masalah")
    b.fill({"note": "Mohon cek alamat"})
    b.click("#review-save")
    assert "Ada masalah" in b.text("#review-state")
    for p in (w.a, w.b):
        world.sync(p)
        shown = saenode.show_json(p, w.quiet)
        assert shown["issues"]["note"] == "Mohon cek alamat", shown
        assert "16" in saenode.ok(["show", w.quiet], dir=p).text
    assert ("siti", "report-edit", w.quiet) in w.hub.query(
        "SELECT actor, action, target FROM audit")
    w.hub.stop()


def test_resolve_in_the_browser_reaches_both_posts(tmp_path, browser):
    w = world.build(tmp_path)
    (conflict, _, field), = world.open_conflicts(w.hub)
    b = signed_in(browser(w.hub), w, "siti")
    b.click("#sections a[href='/console/conflicts']")
    card = "#conflict-%d" % conflict
    assert "berat" in b.text(card)
    b.find("#enter-%d" % conflict).click()
    b.fill({"value-%d" % conflict: "Sedang", "note-%d" % conflict: "Dicek lewat telepon"})
    b.click("#submit-%d" % conflict)
    assert b.path == "/console/conflicts" and "disimpan" in b.text("#alert")
    assert world.open_conflicts(w.hub) == []
    for p in (w.a, w.b):
        world.sync(p)
        assert saenode.show_json(p, w.case)["fields"]["risk_level"] == "medium"
    assert ("siti", "conflict-resolve") in w.hub.query("SELECT actor, action FROM audit")
    w.hub.stop()


def test_a_conflict_changed_under_the_page_answers_409(tmp_path, browser):
    w = world.build(tmp_path)
    (conflict, _, _), = world.open_conflicts(w.hub)
    b = signed_in(browser(w.hub), w, "siti")
    b.open("/console/conflicts")
    assert len(b.finds("#candidates-%d tbody tr" % conflict)) == 2
    world.edit(w.c, w.case, "risk_level=low")  # c had seen only the agreed value
    world.sync(w.c)
    before = w.hub.snapshot(TABLES[:-1])
    b.find("#dismiss-%d" % conflict).click()
    b.click("#submit-%d" % conflict)
    assert "berubah" in b.text("#alert")
    assert len(b.finds("#candidates-%d tbody tr" % conflict)) == 3  # the new candidates
    assert w.hub.snapshot(TABLES[:-1]) == before
    siti = client(w, "siti")
    r = form_post(siti, "/console/conflicts/decide",
                  {"conflict": conflict, "seen": "1,2", "action": "keep:1"})
    assert r.status_code == 409 and w.hub.snapshot(TABLES[:-1]) == before
    w.hub.stop()


def test_csv_export_parses_and_is_audited(tmp_path):
    w = world.build(tmp_path)
    budi = client(w, "budi")
    r = budi.get("/console/export?format=csv&variant=deidentified&kind=case")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["id"] for row in rows} == {w.case, w.quiet}
    assert "victim_name" not in rows[0] and "Siti Aminah" not in r.text
    assert all(re.fullmatch(r"\d{4}-\d{2}", row["intake_date"]) for row in rows)
    siti = client(w, "siti")
    full = siti.get("/console/export?format=csv&variant=full&kind=case")
    # No consent to share: the name is withheld, visibly (test_hub_consent.py).
    assert full.status_code == 200 and "Siti Aminah" not in full.content.decode("utf-8-sig")
    assert "[tanpa persetujuan berbagi / no consent to share]" in full.content.decode()
    js = siti.get("/console/export?format=json&conflict=yes")
    assert [x["id"] for x in js.json()] == [w.case]
    audited = w.hub.query("SELECT actor, target FROM audit WHERE action = 'export'")
    assert [a for a, _ in audited] == ["budi", "siti", "siti"], audited
    w.hub.stop()


def test_stored_html_and_script_render_as_text(tmp_path, browser):
    w = world.build(tmp_path, name_a=XSS, narrative=XSS)
    saenode.ok(["add", "shelter_stay", "--set", "case_id=" + w.quiet, "--set",
                "shelter_name=" + XSS, "--set", "admission_date=2026-01-07"], dir=w.a)
    world.edit(w.a, w.case, "narrative=" + XSS + " a")
    world.edit(w.b, w.case, "narrative=" + XSS + " b")
    world.sync(w.a)
    world.sync(w.b)
    assert len(world.open_conflicts(w.hub)) == 2
    b = signed_in(browser(w.hub), w, "siti")
    for path in ("/console/reports", "/console/case?id=" + w.case,
                 "/console/case?id=" + w.quiet, "/console/conflicts",
                 "/console/reports?q=" + "%3Cscript%3E"):
        b.open(path)
        assert not b.alert_open(), path
        assert not b.finds("#injected") and not b.finds("main script"), path
    b.open("/console/case?id=" + w.case)
    b.click("#reveal")
    assert not b.alert_open() and not b.finds("#injected")
    assert XSS in b.text("#fields")
    w.hub.stop()


def test_hostile_form_input_is_refused_and_changes_nothing(tmp_path):
    w = world.build(tmp_path)
    siti = client(w, "siti")
    (conflict, _, _), = world.open_conflicts(w.hub)
    before = w.hub.snapshot(TABLES[:-1])
    cases = [
        ("/console/conflicts/decide", {"conflict": conflict, "seen": "1,2", "action": "keep:1",
                                       "extra": "x"}),
        ("/console/conflicts/decide", {"conflict": "1 OR 1=1", "seen": "1", "action": "dismiss"}),
        ("/console/conflicts/decide", {"conflict": conflict, "seen": "'; DROP TABLE conflict;--",
                                       "action": "dismiss"}),
        ("/console/conflicts/decide", {"conflict": conflict, "seen": "1,2", "action": "keep:99"}),
        ("/console/case/edit", {"id": w.case, "field": "no_such_field", "value": "1",
                                "reason": "r"}),
        ("/console/case/edit", {"id": w.case, "field": "victim_age", "value": "999",
                                "reason": "r"}),
        ("/console/case/edit", {"id": w.case, "field": "victim_age", "value": "20",
                                "reason": "x" * 1001}),
        ("/console/case/review", {"id": w.case, "state": "maybe"}),
        ("/console/case/reveal", {"id": "/".join(["..", "..", "etc", "passwd"])}),
    ]
    for path, fields in cases:
        r = form_post(siti, path, fields)
        assert 400 <= r.status_code < 500, (path, fields, r.status_code)
    r = siti.request("POST", "/console/case/edit", data={"csrf": siti.csrf, "id": w.case,
                                                         "field": "narrative",
                                                         "reason": "r", "value": "x" * 70000})
    assert r.status_code in (400, 413)
    r = form_post(siti, "/console/case/edit", {"csrf": "wrong", "id": w.case,
                                               "field": "victim_age", "value": "20",
                                               "reason": "r"})
    assert r.status_code == 403
    assert siti.get("/console/reports?offset=-1").status_code == 400
    assert siti.get("/console/export?format=xml").status_code == 400
    assert siti.get("/console/reports?q=" + "x" * 101).status_code == 400
    assert w.hub.snapshot(TABLES[:-1]) == before
    assert siti.get("/console/reports?q=" + "x" * 100).status_code == 200  # the edges
    r = form_post(siti, "/console/case/edit", {"id": w.case, "field": "victim_age",
                                               "value": "25", "reason": "y" * 1000})
    assert r.status_code == 303
    assert siti.get("/console/reports").status_code == 200  # the daemon is up
    w.hub.stop()


def test_an_edit_that_repeats_the_current_value_writes_nothing(tmp_path):
    """A coordinator's console edit saving a case's current age, or its victim's current
    name (held sealed, compared by its keyed token), writes no change, as `reports edit`
    does not: a district version repeating a value would reach every post and could
    conflict with a post's own edit. A different value is still written."""
    w = world.build(tmp_path)
    siti = client(w, "siti")
    written = ("change", "sealed_value", "field_state", "conflict")
    before = w.hub.snapshot(written)
    for field, value in (("victim_age", "24"), ("victim_name", "Siti Aminah")):
        r = form_post(siti, "/console/case/edit", {"id": w.case, "field": field,
                                                   "value": value, "reason": "Dicek ulang"})
        assert r.status_code == 303, (field, r.text)
        assert r.headers["Location"].endswith("&done=unchanged"), r.headers["Location"]
        page = siti.get(r.headers["Location"]).text
        assert "Tidak ada yang berubah" in page and "Perubahan disimpan" not in page
    assert w.hub.snapshot(written) == before
    edits = "SELECT count(*) FROM audit WHERE action = 'report-edit'"
    assert w.hub.query(edits) == [(0,)]  # an audit of a change that was not made would lie
    count = w.hub.query("SELECT count(*) FROM change")[0][0]
    r = form_post(siti, "/console/case/edit", {"id": w.case, "field": "victim_age",
                                               "value": "25", "reason": "Dicek ulang"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("&done=edit")
    assert w.hub.query("SELECT count(*) FROM change")[0][0] == count + 1
    assert w.hub.query(edits) == [(1,)]
    w.hub.stop()


def test_api_follows_the_same_rules(tmp_path):
    w = world.build(tmp_path, narrative="Cerita rahasia")
    world.edit(w.a, w.case, "narrative=Versi a")
    world.edit(w.b, w.case, "narrative=Versi b")
    world.sync(w.a)
    world.sync(w.b)
    budi, siti = client(w, "budi"), client(w, "siti")
    listed = budi.api("GET", "/reports?conflict=yes").json()
    assert listed["total"] == 1 and listed["rows"][0]["id"] == w.case
    assert listed["rows"][0]["open_conflicts"] == 2
    queue = budi.api("GET", "/conflicts").json()
    assert queue["total"] == 2
    text = str(queue)
    assert "Versi a" not in text and "Cerita" not in text  # masked for the operator
    assert not w.hub.query("SELECT 1 FROM audit WHERE action = 'case-reveal'")
    queue = siti.api("GET", "/conflicts").json()["conflicts"]
    risk = next(c for c in queue if c["field"] == "risk_level")
    # No consent to share: the story is withheld from the coordinator too, visibly, and
    # nothing was revealed (test_hub_consent.py has the consent given).
    story = next(c for c in queue if c["field"] == "narrative")
    assert story["standing"]["value"] is None and story["standing"]["no_consent"] is True
    assert "Versi a" not in str(queue)
    assert not w.hub.query("SELECT 1 FROM audit WHERE action = 'case-reveal'")
    seen = ",".join(str(c["change"]["seq"]) for c in risk["candidates"])
    body = {"conflict": str(risk["id"]), "seen": seen, "action": "keep:2", "note": "cek"}
    before = w.hub.snapshot(TABLES[:-1])
    for name in ("budi", "rina", "mitra"):
        r = client(w, name).api("POST", "/conflicts/decide", body)
        assert r.status_code == 403, (name, r.text)
    for path in ("/reports", "/conflicts"):
        assert client(w, "rina").api("GET", path).status_code == 403
    hostile = [{"conflict": str(risk["id"]), "seen": seen, "action": "keep:2", "x": "1"},
               {"conflict": risk["id"], "seen": seen, "action": "keep:2"},
               {"conflict": "1; DELETE FROM conflict", "seen": seen, "action": "dismiss"},
               {"conflict": str(risk["id"]), "seen": seen, "action": "keep:2",
                "note": "x" * 17000}]
    for b in hostile:
        r = siti.api("POST", "/conflicts/decide", b)
        assert 400 <= r.status_code < 500, (b, r.status_code)
    r = siti.api("POST", "/conflicts/decide", body, csrf=False)
    assert r.status_code == 403
    assert w.hub.snapshot(TABLES[:-1]) == before
    world.edit(w.c, w.case, "risk_level=low")
    world.sync(w.c)
    r = siti.api("POST", "/conflicts/decide", body)
    assert r.status_code == 409 and len(r.json()["conflict"]["candidates"]) == 3
    seen = ",".join(str(c["change"]["seq"]) for c in r.json()["conflict"]["candidates"])
    r = siti.api("POST", "/conflicts/decide", dict(body, seen=seen))
    assert r.status_code == 200, r.text
    assert [f for _, _, f in world.open_conflicts(w.hub)] == ["narrative"]
    w.hub.stop()


def test_possible_duplicates_by_role(tmp_path, browser):
    w = world.build(tmp_path)
    twin = saenode.add_case(w.b, victim_name="Siti Aminah", risk_level="medium",
                            victim_age="24")
    world.sync(w.b)
    b = signed_in(browser(w.hub), w, "budi")
    b.open("/console/duplicates")
    row = next(r for r in b.finds("#pairs tbody tr") if twin in r.get_attribute("innerHTML"))
    assert "nama" not in row.text  # no name signal for an operator
    assert not b.finds("form[action='/console/duplicates/decide']")
    budi = client(w, "budi")
    before = w.hub.snapshot(TABLES[:-1])
    r = form_post(budi, "/console/duplicates/decide", {"a": w.case, "b": twin,
                                                      "decision": "same"})
    assert r.status_code == 403 and w.hub.snapshot(TABLES[:-1]) == before
    s = signed_in(browser(w.hub), w, "siti")
    s.open("/console/duplicates")
    row = next(r for r in s.finds("#pairs tbody tr") if twin in r.get_attribute("innerHTML"))
    assert "nama sama" in row.text and "Siti" not in row.text
    screenshot(s, "console-duplicates.png", tmp_path)
    s.click_element(row.find_element("css selector", "button[value=same]"))
    assert "disimpan" in s.text("#alert")
    assert twin not in s.find("#pairs").get_attribute("innerHTML")
    assert w.hub.query("SELECT actor FROM audit WHERE action = 'duplicates-link'") == [("siti",)]
    w.hub.stop()


@pytest.mark.serial  # valgrind
def test_case_pages_under_valgrind(tmp_path):
    """serve under valgrind: every case page, a reveal, an edit, a review, a decision refused
    (409) and one taken, exports, duplicates and the API leak nothing and touch no memory
    they should not."""
    if not shutil.which("valgrind"):
        pytest.skip("needs valgrind (scripts/deps.sh installs it)")
    w = world.build(tmp_path)
    w.hub.stop()
    log = tmp_path / "valgrind.log"
    proc = hubproc.serve_under_valgrind(w.hub, log)
    try:
        siti, budi = client(w, "siti"), client(w, "budi")
        for path in ("/console/reports", "/console/reports?kind=case&conflict=yes&q=35",
                     "/console/reports?from=x", "/console/case?id=" + w.case,
                     "/console/conflicts", "/console/duplicates",
                     "/console/export?format=csv&variant=full",
                     "/console/export?format=json"):
            assert siti.get(path, timeout=120).status_code in (200, 400), path
        assert budi.get("/console/case?id=" + w.case, timeout=120).status_code == 200
        assert form_post(siti, "/console/case/reveal", {"id": w.case}).status_code == 200
        assert form_post(siti, "/console/case/edit", {"id": w.quiet, "field": "victim_age",
                                                      "value": "16", "reason": "r"}
                         ).status_code == 303
        assert form_post(siti, "/console/case/review", {"id": w.quiet, "state": "received"}
                         ).status_code == 303
        (conflict, _, _), = world.open_conflicts(w.hub)
        assert form_post(siti, "/console/conflicts/decide", {
            "conflict": conflict, "seen": "1", "action": "keep:1"}).status_code == 409
        queue = siti.api("GET", "/conflicts", timeout=120).json()
        seen = ",".join(str(c["change"]["seq"]) for c in queue["conflicts"][0]["candidates"])
        r = siti.api("POST", "/conflicts/decide", {"conflict": str(conflict), "seen": seen,
                                                   "action": "value", "value": "low"},
                     timeout=120)
        assert r.status_code == 200, r.text
        assert budi.api("GET", "/reports", timeout=120).status_code == 200
    finally:
        hubproc.stop_valgrind(proc, log)
