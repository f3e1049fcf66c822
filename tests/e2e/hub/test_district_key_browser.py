"""The district key on the console in headless Chromium against a real sae-hub serve: the
Posts page's "Kunci data" section (Indonesian first, English on the switch) says which
coordinators hold the key; an operator sees it without any action; a coordinator who holds
it resets another coordinator's password and gives them the key (the one-time password
shown opens the new wrap, read with PyNaCl); signing out wipes the key from the daemon."""
import shutil

import pytest

from test_district_key import ANI, memory_holds, unwrap, wrap_of

pytestmark = pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("chromedriver"),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(scripts/deps.sh installs them)")


def holders(b):
    rows = b.finds("#key-holders tbody tr")
    return {r.find_element("css selector", "td").text:
            r.find_elements("css selector", "td")[1].text for r in rows}


def sign_in(b, hub, name, password):
    b.sign_in(name, password)
    if b.path == "/console/conduct":
        b.submit("#accept")


def test_posts_page_shows_holders_and_a_coordinator_gives_the_key(console_hub, browser):
    hub = console_hub
    secret = unwrap(wrap_of(hub, "siti"), hub.passwords["siti"].encode())
    ani_first = hub.add_account(ANI)  # after siti holds it: no key at hand on the CLI
    assert wrap_of(hub, ANI) is None
    operator = browser(hub)
    sign_in(operator, hub, "budi", hub.passwords["budi"])
    operator.open("/console/posts")
    assert operator.text("#district-key h2") == "Kunci data"
    assert holders(operator) == {"siti": "Ya", ANI: "Tidak"}
    assert operator.finds("#key-holders button") == []
    b = browser(hub)
    sign_in(b, hub, "siti", hub.passwords["siti"])
    assert memory_holds(hub.proc.pid, secret)
    b.open("/console/posts")
    b.click("#lang-switch")
    assert b.text("#district-key h2") == "Data key"
    assert holders(b) == {"siti": "Yes", ANI: "No"}
    button = next(r for r in b.finds("#key-holders tbody tr") if ANI in r.text) \
        .find_element("css selector", "button")
    assert button.text == "Reset password and give the key"
    b.click_element(button)
    one_time = b.text("#one-time")
    assert unwrap(wrap_of(hub, ANI), one_time.encode()) == secret
    assert one_time != ani_first
    b.open("/console/posts")
    assert holders(b) == {"siti": "Yes", ANI: "Yes"}
    b.click("#sign-out")
    assert b.path == "/console/sign-in"
    assert not memory_holds(hub.proc.pid, secret)
    rows = hub.query("SELECT actor, action, target FROM audit WHERE action = 'key-reset'")
    assert rows == [("siti", "key-reset", ANI)]
