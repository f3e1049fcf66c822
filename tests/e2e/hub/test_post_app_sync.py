"""The post app with a real hub (issue 12): a bundle uploaded through the browser enrolls the
post; the app keeps working while the hub is down (a case recorded through the journal
waits, shown as pending in plain words) and the post syncs when the hub comes back, by its
background loop and by "Sinkronkan sekarang"."""
import time

import saenode
import node_app

WAIT_S = 90


def wait_for(check, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting for %s" % what)


def pending(b):
    b.open("/sync")
    return int(b.text("#pending"))


def status(app):
    return saenode.ok(["status", "--json"], dir=app.dir).json()


def test_enroll_by_upload_then_hub_down_and_back(hub, post_app, browser):
    app = post_app(interval=2)
    b = browser(app)
    node_app.sign_in(b)
    b.open("/sync")
    assert "belum terdaftar" in b.text("#link-state")
    b.find("#bundle").send_keys(hub.add_node(saenode.VILLAGE, name="Laptop Pos App"))
    b.click("#enroll")
    assert b.path == "/sync"
    assert "Bundel disimpan" in b.text("#alert")
    wait_for(lambda: status(app)["enrolled"], "the enrollment")
    b.open("/sync")
    assert b.text("#device-name") == "Laptop Pos App"
    assert "Sumberanyar" in b.text("#village")

    # The hub goes away; the post goes on recording.
    port = hub.port
    assert hub.stop() == 0
    case = saenode.add_case(app.dir, victim_name="Ani (luring)")
    assert pending(b) >= 1
    b.click("#sync-now")
    wait_for(lambda: "Tidak tersambung" in (b.open("/sync") and b.text("#link-state")),
             "the failed round")
    assert b.text("#last-error")
    b.open("/")
    assert int(b.text("#pending")) >= 1
    assert b.text("#who") == node_app.HEAD

    # Back: the background loop sends it without anyone asking.
    hub.start(port=port)
    wait_for(lambda: pending(b) == 0, "the background loop's round")
    assert hub.query("SELECT count(*) FROM change WHERE report_id = ?",
                     (case,))[0][0] > 0

    # Down and back again: "Sinkronkan sekarang" sends at once.
    assert hub.stop() == 0
    saenode.add_case(app.dir, victim_name="Budi (luring)")
    hub.start(port=port)
    b.open("/sync")
    b.click("#sync-now")
    assert "Sinkronisasi dimulai" in b.text("#alert")
    # The count reaches 0 when the push is acknowledged, while the round may still pull
    # ("Sedang sinkron"): the link state is read from the page that shows both settled.
    wait_for(lambda: pending(b) == 0 and "Tersambung" in b.text("#link-state"),
             "the round asked for", timeout=30)


def test_a_bundle_for_another_village_is_refused(hub, post_app, browser):
    app = post_app()
    b = browser(app)
    node_app.sign_in(b)
    b.open("/sync")
    b.find("#bundle").send_keys(hub.add_node("Wonokerso"))
    b.click("#enroll")
    assert "Bundel ditolak" in b.text("#alert")
    assert "Wonokerso" in b.text("#alert")
    assert "belum terdaftar" in b.text("#link-state")
    assert saenode.run(["sync"], dir=app.dir).rc != 0  # still no bundle stored


def test_uploaded_bundle_limit(post_app):
    """A bundle file of 64 KiB is read (and refused as not a bundle); one byte more is
    refused before it is read (413). Nothing is stored either way."""
    from test_post_app_staff import Client
    app = post_app()
    client = Client(app.url)
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 303
    for size, expected in ((64 * 1024, 400), (64 * 1024 + 1, 413)):
        csrf = client.csrf("/sync")
        boundary = "----sae-test-boundary"
        body = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                "--%s\r\nContent-Disposition: form-data; name=\"bundle\"; "
                "filename=\"bundle.json\"\r\nContent-Type: application/json\r\n\r\n"
                % (boundary, csrf, boundary)).encode() + b"{" * size + \
            ("\r\n--%s--\r\n" % boundary).encode()
        status = client.post_raw("/sync/enroll", body,
                                 "multipart/form-data; boundary=" + boundary)
        assert status == expected, size
    assert saenode.run(["sync"], dir=app.dir).rc != 0  # still no bundle
