"""The console in headless Debian Firefox ESR (firefox.py: Marionette, since Debian packages
no geckodriver), against a real sae-hub serve: the sign-in page and the signed-in pages
render with the hub's stylesheet and without a single Content Security Policy violation in
Firefox's console; the sign-in form signs in through the code of conduct, the wrong
password and the language switch work as plain form posts; an injected inline script is
refused and logged (so the "no violation" checks can fail)."""
import os
import shutil

import pytest

pytestmark = pytest.mark.skipif(not shutil.which("firefox-esr"),
                                reason="needs Debian's firefox-esr (scripts/deps.sh installs it)")

# body's background in web/assets/console.css (--bg: #f4f6f9): the stylesheet applied.
STYLED_BODY = "rgb(244, 246, 249)"
PAGE_STYLE = """
var sheets = Array.from(document.styleSheets).map(s => s.href);
return [sheets, getComputedStyle(document.body).backgroundColor,
        getComputedStyle(document.querySelector('main')).maxWidth];
"""


def assert_styled(b, hub):
    sheets, background, _ = b.script(PAGE_STYLE)
    assert len(sheets) == 1 and sheets[0].startswith(hub.url + "/assets/console."), sheets
    assert background == STYLED_BODY, background


def test_sign_in_page_renders_styled_without_csp_violation(console_hub, firefox):
    b = firefox(console_hub)
    b.open("/console/")
    assert b.path == "/console/sign-in"
    assert b.attribute("html", "lang") == "id"
    assert b.text("h1") == "Masuk"
    assert b.text("label[for=name]") == "Nama akun"
    assert_styled(b, console_hub)
    assert b.csp_messages() == []


def test_sign_in_form_through_conduct_to_signed_in_pages(console_hub, firefox, tmp_path):
    b = firefox(console_hub)
    b.sign_in("siti", "not-her-password")
    assert b.path == "/console/sign-in"
    assert b.text("#alert") == "Nama akun atau kata sandi salah."
    assert b.attribute("#name", "value") == "siti"
    b.fill({"name": "siti", "password": console_hub.passwords["siti"]})
    b.submit()
    assert b.path == "/console/conduct"
    assert_styled(b, console_hub)
    b.submit("#accept")
    assert b.path == "/console/"
    assert b.text("h1") == "Selamat datang, siti"
    assert b.text("#role") == "Koordinator"
    assert_styled(b, console_hub)
    for path in ("/console/reports", "/console/conflicts", "/console/me", "/console/password"):
        b.open(path)
        assert b.path == path
        assert_styled(b, console_hub)
    b.click("#lang-switch")
    assert b.attribute("html", "lang") == "en"
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    b.screenshot(os.path.join(out, "console-firefox-esr.png"))
    assert os.path.getsize(os.path.join(out, "console-firefox-esr.png")) > 1000
    assert b.csp_messages() == []
    rows = console_hub.query("SELECT actor, action FROM audit ORDER BY seq")
    assert ("siti", "sign-in") in rows and ("siti", "conduct-accept") in rows
    b.click("#sign-out")
    assert b.path == "/console/sign-in"
    assert console_hub.query("SELECT count(*) FROM session") == [(0,)]


def test_an_injected_inline_script_is_refused_and_logged(console_hub, firefox):
    b = firefox(console_hub)
    b.sign_in("budi", console_hub.passwords["budi"])
    assert b.path == "/console/conduct"
    b.script("var s = document.createElement('script');"
             "s.textContent = 'window.injectedRan = true;';"
             "document.body.appendChild(s);")
    assert b.script("return window.injectedRan === undefined")
    assert any("script-src" in m for m in b.csp_messages()), b.csp_messages()
