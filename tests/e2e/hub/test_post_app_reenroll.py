"""Enrolling again from the post app (issue 12, Sinkronisasi), as `sae-node enroll BUNDLE`
does on an enrolled post: a post that was away while the district changed its server's key
(`sae-hub tls new-key`, `tls roll --force`) can no longer connect; the district gives it a
new bundle, and a kader replaces the bundle from the app after a confirmation page, through
a real hub and a real `sae-node serve` in headless Chromium. Without the confirmation, or
with a bundle for another village, nothing changes."""
import node_app
import saenode
from test_post_app_staff import Client
from test_post_app_sync import wait_for

VILLAGE = saenode.VILLAGE

def status(post):
    return saenode.ok(["status", "--json"], dir=post).json()


def link_of(post):
    s = status(post)
    return s["enrolled"], s["device_name"], s["hub"]


def test_a_post_that_missed_a_key_change_enrolls_again_from_the_app(hub, post_app, browser,
                                                                     tmp_path):
    post = saenode.init(str(tmp_path / "post"), VILLAGE, author="Staf Pos")
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop Lama")], dir=post)
    assert saenode.run(["sync"], dir=post).rc == 0
    # The district changes its server's key while the post is away.
    hub.ok("tls", "new-key")
    hub.ok("tls", "roll", "--force")
    hub.reload()
    case = saenode.add_case(post, victim_name="Ani")
    app = post_app(directory=post, interval=2)
    b = browser(app)
    node_app.sign_in(b)
    wait_for(lambda: "Tidak tersambung" in (b.open("/sync") and b.text("#link-state")),
             "the failed round")
    assert "sae-node enroll" in b.text("#last-error")
    before = link_of(post)
    assert before[0] and before[1] == "Laptop Lama", before

    # The confirmation page says what the post is now and what enrolling again does.
    b.click("#reenroll")
    assert b.path == "/sync/re-enroll"
    assert "Laptop Lama" in b.text("#enrolled-as") and hub.url in b.text("#enrolled-as")
    assert "Bundel lama diganti" in b.text("#reenroll-warning")
    b.click("#back")
    assert b.path == "/sync"

    # Refused, nothing changed: the box not ticked, a bundle for another village.
    client = Client(app.url)
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 303
    fresh = open(hub.add_node(VILLAGE, name="Laptop Baru"), "rb").read()
    other = open(hub.add_node("Wonokerso", name="Laptop Wonokerso"), "rb").read()
    for fields, bundle, needle in (({}, fresh, "Centang pernyataan"),
                                   ({"confirm": "yes"}, fresh, "Centang pernyataan"),
                                   ({"confirm": "replace"}, other, "Wonokerso"),
                                   ({"confirm": "replace"}, b"{not a bundle", "Bundel ditolak")):
        body, kind = node_app.multipart(dict(fields, csrf=client.csrf("/sync/re-enroll")),
                                        [("bundle", "bundle.json", bundle)])
        status_code, page = client.post_raw_page("/sync/re-enroll", body, kind)
        assert status_code == 400 and needle in page, (fields, status_code, page[-600:])
        assert link_of(post) == before
    body, kind = node_app.multipart({"confirm": "replace"}, [("bundle", "b.json", fresh)])
    assert client.post_raw("/sync/re-enroll", body, kind) == 403  # no CSRF token
    assert link_of(post) == before

    # Confirmed in the browser: the new bundle is saved, the loop enrolls and sends.
    b.open("/sync/re-enroll")
    b.find("#bundle").send_keys(hub.add_node(VILLAGE, name="Laptop Baru"))
    b.find("#confirm").click()
    b.click("#confirm-reenroll")
    assert b.path == "/sync" and "Bundel baru disimpan" in b.text("#alert")
    wait_for(lambda: status(post)["enrolled"] and status(post)["pending"] == 0,
             "the enrollment and the pending case sent")
    assert hub.query("SELECT count(*) FROM change WHERE report_id = ?", (case,))[0][0] > 0
    b.open("/sync")
    assert "Tersambung" in b.text("#link-state")
    # The same device, its enrollment given back under the name the hub knows it by.
    assert [n["name"] for n in hub.nodes()] == [b.text("#device-name")]


def test_a_post_without_a_bundle_is_sent_to_the_enrollment_form(post_app, browser):
    app = post_app()
    b = browser(app)
    node_app.sign_in(b)
    b.open("/sync")
    assert not b.finds("#reenroll")
    b.open("/sync/re-enroll")
    assert b.path == "/sync" and b.finds("#enroll")
