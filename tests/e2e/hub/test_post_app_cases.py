"""Daftar kasus and the printable pages of the post app (issue 12), against a real
`sae-node serve` in real headless Chromium, on cases recorded by the real `sae-node add`:
search by name and by a phrase of the narrative, filters and paging with the total, the
referral letter without and with the survivor's consent to share, printing to PDF through
Chromium's DevTools, hostile values shown as text, and bad input answered with a line."""
import base64
import os

import node_app
import saenode

LONG_NAME = "Siti Aminah Binti Rahmat"
NARRATIVE = "Korban dipukul ayah tiri di dapur pada malam hari."


def rows(b):
    return [r.text for r in b.finds("#cases tbody tr")]


def signed_in(post_app, browser):
    app = post_app()
    b = browser(app)
    node_app.sign_in(b)
    return app, b


def test_search_finds_a_case_by_name_and_by_a_phrase(post_app, browser):
    app, b = signed_in(post_app, browser)
    wanted = saenode.add_case(app.dir, victim_name=LONG_NAME, narrative=NARRATIVE)
    saenode.add_case(app.dir, victim_name="Ani", narrative="Ditelantarkan setelah ibu pergi.")
    b.click("#menu a[href='/cases']")
    assert b.path == "/cases"
    assert len(rows(b)) == 2
    assert b.text("#range") == "1\u20132 dari 2"
    b.fill({"q": "aminah"})
    b.click("#search")
    assert len(rows(b)) == 1 and LONG_NAME in rows(b)[0]
    b.fill({"q": "AYAH TIRI di dapur"})
    b.click("#search")
    assert len(rows(b)) == 1 and LONG_NAME in rows(b)[0]
    assert b.find("#q").get_attribute("value") == "AYAH TIRI di dapur"  # the term is kept
    b.click("#cases tbody a")
    assert b.driver.current_url.endswith("/case?id=" + wanted)
    b.open("/cases?q=ayah+kandung")
    assert rows(b) == [] and b.text("#no-cases") == "Tidak ada kasus yang cocok."
    # % and _ are the term's own characters, not patterns.
    b.open("/cases?q=%25")
    assert rows(b) == []


def test_filters_and_paging_with_the_total(post_app, browser):
    app, b = signed_in(post_app, browser)
    for i in range(52):
        saenode.add_case(app.dir, victim_name="Korban %02d" % i,
                         risk_level="high" if i % 2 else "low",
                         intake_date="2025-%02d-15" % (1 + i % 12))
    b.open("/cases")
    assert len(rows(b)) == 50
    assert b.text("#range") == "1\u201350 dari 52"
    assert "Korban 51" in rows(b)[0]  # newest first
    b.click("#next")
    assert len(rows(b)) == 2 and "Korban 00" in rows(b)[-1]
    assert b.text("#range") == "51\u201352 dari 52"
    assert not b.finds("#next")
    b.click("#previous")
    assert b.text("#range") == "1\u201350 dari 52"
    b.open("/cases?risk=tinggi")
    assert b.text("#range") == "1\u201326 dari 26"
    assert all("Tinggi" in r for r in rows(b))
    assert b.find("#risk option[selected]").get_attribute("value") == "high"
    # January and February of 2025: cases 0, 1, 12, 13, 24, 25, 36, 37, 48, 49.
    b.open("/cases?from=01-01-2025&to=2025-02-28")
    assert b.text("#range") == "1\u201310 dari 10"
    b.open("/cases?from=2025-01-01&to=2025-02-28&risk=high&status=new")
    assert b.text("#range") == "1\u20135 dari 5"
    b.open("/cases?status=closed")
    assert rows(b) == []


def test_the_language_switch_keeps_the_search_filters_and_page(post_app, browser):
    """The switch comes back to the same list: the term (with its spaces, an accented letter
    and an ampersand), the filters, the dates as typed and the page."""
    app, b = signed_in(post_app, browser)
    for i in range(53):
        saenode.add_case(app.dir, victim_name="Ani & Désa %02d" % i, risk_level="high",
                         intake_date="2025-03-%02d" % (1 + i % 28))
    saenode.add_case(app.dir, victim_name="Ani & Désa lain", risk_level="low")
    b.open("/cases?q=ani+%26+d%C3%A9s&risk=high&from=01-03-2025&to=2025-03-31")
    assert b.text("#range") == "1\u201350 dari 53"
    b.click("#next")
    assert b.text("#range") == "51\u201353 dari 53"
    before = b.driver.current_url
    shown = rows(b)
    b.click("#lang-switch")
    assert b.find("html").get_attribute("lang") == "en"
    assert b.driver.current_url == before
    assert b.text("#range") == "51\u201353 of 53"
    assert rows(b) == [r.replace("Baru Tinggi", "New High") for r in shown]
    assert b.find("#q").get_attribute("value") == "ani & dés"
    assert b.find("#to").get_attribute("value") == "2025-03-31"
    assert b.find("#risk option[selected]").get_attribute("value") == "high"
    b.click("#lang-switch")  # and back
    assert b.driver.current_url == before and b.text("#range") == "51\u201353 dari 53"


def referral_case(app, consent):
    fields = dict(victim_name=LONG_NAME, narrative=NARRATIVE, victim_age="15",
                  victim_contact="Jl. Melati 3, 0812-555", violence_types="physical,sexual")
    if consent is not None:
        fields["consent_share"] = consent
    case_id = saenode.add_case(app.dir, **fields)
    referral = saenode.add_referral(app.dir, case_id, referred_to="uptd_ppa",
                                    referral_date="2026-01-07",
                                    referral_reason="Butuh rumah aman segera")
    return case_id, referral


def print_pdf(b, name, tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    pdf = base64.b64decode(b.driver.execute_cdp_cmd("Page.printToPDF", {})["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    with open(os.path.join(out, name), "wb") as f:
        f.write(pdf)


def test_the_letter_leaves_out_what_consent_does_not_cover(post_app, browser, tmp_path):
    app, b = signed_in(post_app, browser)
    for consent in (None, "false"):
        _, referral = referral_case(app, consent)
        b.open("/referral-letter?id=" + referral)
        letter = b.text("#letter")
        for secret in (LONG_NAME, "ayah tiri", "Melati", "0812"):
            assert secret not in letter, (consent, secret)
        assert "tidak dicantumkan" in b.text("#withheld") and "(3)" in b.text("#withheld")
        # What an agency needs without the person: age, types, the destination and date.
        shared = b.text("#shared")
        assert "15" in shared and "Fisik, Seksual" in shared
        assert "UPT PPA" in b.text("#referral") and "2026-01-07" in b.text("#referral")
        assert "Butuh rumah aman segera" in b.text("#referral")
        assert b.text("#author") == saenode.AUTHOR
        assert "Sumberanyar" in b.text("#post-village")
    print_pdf(b, "post-referral-letter-no-consent.pdf", tmp_path)


def test_the_letter_with_consent_shows_the_survivor_and_prints(post_app, browser, tmp_path):
    app, b = signed_in(post_app, browser)
    _, referral = referral_case(app, "true")
    b.open("/referral-letter?id=" + referral)
    shared = b.text("#shared")
    for detail in (LONG_NAME, NARRATIVE, "Jl. Melati 3, 0812-555", "Fisik, Seksual"):
        assert detail in shared
    assert not b.finds("#withheld")
    assert not b.finds("script")  # printed with no script at all
    assert b.text("h1") == "Surat rujukan"
    print_pdf(b, "post-referral-letter.pdf", tmp_path)


def test_the_case_summary_lists_the_case_and_its_events(post_app, browser, tmp_path):
    app, b = signed_in(post_app, browser)
    case_id, _ = referral_case(app, "false")
    saenode.add_service(app.dir, case_id, service_type="counselling",
                        service_date="2026-01-06")
    b.open("/case-summary?id=" + case_id)
    assert b.text("h1") == "Ringkasan kasus"
    fields = b.text("#case-fields")
    assert LONG_NAME in fields and NARRATIVE in fields  # the post's own file: all of it
    events = [e.text for e in b.finds("#events .event")]
    assert len(events) == 2
    assert "Rujukan" in events[0] and "UPT PPA" in events[0]
    assert "Layanan" in events[1] and "Konseling" in events[1]
    print_pdf(b, "post-case-summary.pdf", tmp_path)


def test_hostile_values_render_as_text(post_app, browser):
    app, b = signed_in(post_app, browser)
    hostile = "<script>alert(1)</script>\"'&"
    narrative = "<img src=x onerror=alert(2)> %s" % NARRATIVE
    case_id = saenode.add_case(app.dir, victim_name=hostile, narrative=narrative,
                               consent_share="true")
    referral = saenode.add_referral(app.dir, case_id, referral_reason="<b>segera</b>")
    b.open("/cases?q=" + "%3Cscript%3E")
    assert hostile in rows(b)[0]
    b.open("/referral-letter?id=" + referral)
    assert hostile in b.text("#shared") and narrative in b.text("#shared")
    assert "<b>segera</b>" in b.text("#referral")
    b.open("/case-summary?id=" + case_id)
    assert hostile in b.text("#case-fields")
    assert not b.alert_open()
    assert not b.finds("main script") and not b.finds("main img") and not b.finds("main b")


def test_bad_input_is_answered_with_one_line(post_app, browser):
    app, b = signed_in(post_app, browser)
    case_id, referral = referral_case(app, "true")
    before = saenode.list_json(app.dir)
    b.open("/cases?q=" + "a" * 100)
    assert rows(b) == [] and b.text("#no-cases")  # 100 bytes: at the limit, searched
    for query, says in (("q=" + "a" * 101, "paling banyak 100 karakter"),
                        ("risk=urgent", "Pilihan saringan tidak dikenal"),
                        ("status=open", "Pilihan saringan tidak dikenal"),
                        ("from=2025-13-01", "Tanggal tidak dapat dibaca"),
                        ("to=kemarin", "Tanggal tidak dapat dibaca"),
                        ("offset=-1", "Pilihan saringan tidak dikenal"),
                        ("offset=1000001", "Pilihan saringan tidak dikenal")):
        b.open("/cases?" + query)
        assert says in b.text("#alert"), query
        assert not b.finds("#cases"), query
    for path in ("/referral-letter?id=" + case_id, "/referral-letter?id=" + saenode.unknown_id(),
                 "/case-summary?id=" + referral):
        b.open(path)
        assert "tidak ditemukan" in b.text("#alert"), path
    b.open("/referral-letter")
    assert "tidak dapat dibaca" in b.text("#alert")
    assert saenode.list_json(app.dir) == before
