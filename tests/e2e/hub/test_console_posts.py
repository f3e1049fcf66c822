"""The Posts page finished: an admin enrolls a device in the browser, downloads its bundle
once (a second download is refused, 409, and nothing changes), a real sae-node enrolls with
it and syncs; a cancelled bundle is refused to the post that uses it; operators,
coordinators and partners are refused in the browser and through the API (403, nothing
changed); every action is audited, by the CLI's --by account too; the post reports its
program and the changes it has not sent (shown "as of" its contact) and the hub the changes
it holds; an admin cannot disable their own account; a refused CSRF token is audited
without the token; hostile device names render as text; a screenshot at 1366x768."""
import json
import os
import shutil
import time

import pytest

import hubproc
import saeproto
import saenode
from console_client import signed_in
from faultproxy import Fault, FaultProxy

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
VILLAGE_CODE = "35.13.12.2018"
PAYLOAD = '"><script>window.xss=1</script><img src=x onerror="window.xss=2">'
needs_browser = pytest.mark.skipif(
    not shutil.which("chromium") or not shutil.which("chromedriver"),
    reason="needs Debian's chromium and chromium-driver (scripts/deps.sh installs them)")
ROLES = (("rina", "admin"), ("ana", "admin"), ("budi", "operator"), ("siti", "coordinator"),
         ("mitra", "partner"))


def make_hub(tmp_path, with_url=True):
    h = hubproc.Hub(tmp_path / "hub").init()
    h.passwords = {name: h.add_account(name, role, agency="uptd_ppa" if role == "partner"
                                       else None) for name, role in ROLES}
    port = hubproc.reserved_port()
    h.start(port=port, args=("--url", "https://127.0.0.1:%d" % port) if with_url else ())
    return h


@pytest.fixture
def hub(tmp_path):
    h = make_hub(tmp_path)
    yield h
    assert h.stop() == 0
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in h.log_text()


def audit(hub, action):
    return hub.query("SELECT actor, target, address FROM audit WHERE action = ? ORDER BY seq",
                     (action,))


def bundles(hub):
    return hub.query("SELECT coalesce(bundle_id, ''), downloaded_ms, cancelled_ms, used_ms,"
                     " hex(token_hash) FROM enroll_token ORDER BY created_ms")


def db_bytes(hub):
    """hub.db and its write-ahead log, as stored on disk."""
    data = b""
    for path in (hub.db_path, hub.db_path + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                data += f.read()
    return data


def new_post(tmp_path, name):
    return saenode.init(str(tmp_path / name), VILLAGE, author="Staf Pos")


def browser_sign_in(b, hub, name):
    b.sign_in(name, hub.passwords[name])
    if b.path == "/console/conduct":
        b.submit("#accept")
    assert b.path == "/console/"


def wait_for_file(directory, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = [f for f in os.listdir(directory) if f.endswith(".json")]
        if done:
            return os.path.join(directory, done[0])
        time.sleep(0.1)
    raise AssertionError("no download in %s" % directory)


@needs_browser
def test_an_admin_enrolls_a_device_in_the_browser_and_a_real_post_syncs(hub, browser,
                                                                        tmp_path):
    out = os.environ.get("SAE_SCREENSHOT_DIR") or str(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    b = browser(hub)
    b.save_downloads_to(downloads)
    browser_sign_in(b, hub, "rina")
    b.open("/console/posts")
    b.fill({"name": PAYLOAD})
    b.find("#village option[value='%s']" % VILLAGE_CODE).click()
    b.click("#enroll-submit")
    assert b.path == "/console/posts"
    assert "Bundel sudah dibuat" in b.text("#alert")
    assert not b.alert_open() and b.driver.execute_script("return window.xss === undefined")
    [(bundle_id, downloaded, _, _, _)] = bundles(hub)
    assert downloaded == 0 and len(bundle_id) == 8
    assert PAYLOAD in b.text("#devices")  # the name, as text
    b.screenshot(os.path.join(out, "console-posts-enroll.png"))
    b.find("#alert button.download").click()
    bundle = json.load(open(wait_for_file(downloads)))
    assert bundle["hub_url"] == hub.url and bundle["device_name"] == PAYLOAD
    assert bundle["village"] == VILLAGE_CODE and bundle["bundle"] == bundle_id
    assert len(bundle["token"]) == 43 and bundle["tls_pins"]
    [(_, downloaded, _, _, token_hash)] = bundles(hub)
    assert downloaded > 0
    # The token itself is nowhere in hub.db: only its hash.
    assert bundle["token"].encode() not in db_bytes(hub)
    # A second download is refused and changes nothing.
    before = hub.snapshot()
    b.click("#alert button.download")
    assert "sudah diunduh" in b.text("#alert")
    assert hub.snapshot() == before and bundles(hub)[0][4] == token_hash
    # A real post enrolls with the downloaded bundle and syncs.
    post = new_post(tmp_path, "post")
    path = str(tmp_path / "bundle.json")
    with open(path, "w") as f:
        json.dump(bundle, f)
    saenode.ok(["enroll", path], dir=post)
    saenode.ok(["add", "kasus", "--set", "violence_types=fisik", "--set", "victim_sex=P",
                "--set", "victim_age=30", "--set", "intake_date=01-11-2026"], dir=post)
    assert saenode.run(["sync"], dir=post).rc == 0
    [node] = hub.nodes()
    assert node["state"] == "enrolled" and node["name"] == PAYLOAD
    b.open("/console/posts")
    time.sleep(0.3)  # an injected image's error would come after a round trip
    assert not b.alert_open() and b.driver.execute_script("return window.xss === undefined")
    assert b.finds("main script") == [] and b.finds("main img") == []
    row = b.find("#devices tbody tr[id='%s']" % node["id"]).text
    assert PAYLOAD in row and "sae-node 0.1.0" in row
    b.screenshot(os.path.join(out, "console-posts.png"))
    b.click("#lang-switch")  # English on the switch, every label from the catalogue
    assert b.path == "/console/posts"
    assert "Not yet sent by the post" in b.text("#devices") and "as of contact" in \
        b.text("#devices")
    assert "Enroll a new device" in b.text("main")
    b.screenshot(os.path.join(out, "console-posts-en.png"))
    assert [(a, t, addr) for a, t, addr in audit(hub, "node-enroll")] == \
        [("rina", "bundle " + bundle_id, "127.0.0.1")]
    assert [a for a, _, _ in audit(hub, "bundle-download")] == ["rina"]


def test_a_cancelled_bundle_is_refused_to_the_post_that_uses_it(hub, tmp_path):
    admin = signed_in(hub, "rina")
    r = admin.api("POST", "/posts/enroll", {"name": "Laptop Pos Dua", "village": VILLAGE,
                                            "days": "3"})
    assert r.status_code == 200, r.text
    bundle_id = r.json()["bundle"]
    r = admin.api("POST", "/posts/bundle", {"bundle": bundle_id})
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "no-store"
    bundle = r.json()
    assert bundle["device_name"] == "Laptop Pos Dua"
    r = admin.api("POST", "/posts/bundle", {"bundle": bundle_id})
    assert r.status_code == 409 and r.json()["error"] == "downloaded"
    posts = admin.api("GET", "/posts").json()
    assert [(p["bundle"], p["state"], p["downloadable"]) for p in posts["bundles"]] == \
        [(bundle_id, "pending", False)]
    # Cancelled on the page (a plain form post).
    r = admin.request("POST", "/console/posts/cancel", data={"csrf": admin.csrf,
                                                              "bundle": bundle_id})
    assert r.status_code == 303 and r.headers["Location"].endswith("done=cancelled")
    assert admin.get("/console/posts?done=cancelled").text.count("Bundel dibatalkan") >= 1
    r = admin.api("POST", "/posts/cancel", {"bundle": bundle_id})
    assert r.status_code == 409 and r.json()["error"] == "cancelled"
    post = new_post(tmp_path, "post")
    path = str(tmp_path / "bundle.json")
    with open(path, "w") as f:
        json.dump(bundle, f)
    saenode.ok(["enroll", path], dir=post)
    result = saenode.run(["sync"], dir=post)
    assert result.rc == 1 and b"ask the district for a new bundle" in result.err
    assert hub.nodes() == []
    assert [(a, t) for a, t, _ in audit(hub, "bundle-cancel")] == \
        [("rina", "bundle " + bundle_id)]


def test_only_an_admin_enrolls_downloads_or_cancels(hub):
    admin = signed_in(hub, "rina")
    bundle_id = admin.api("POST", "/posts/enroll", {"name": "Laptop", "village": VILLAGE_CODE}
                          ).json()["bundle"]
    others = {name: signed_in(hub, name) for name in ("budi", "siti", "mitra")}
    before = hub.snapshot(hubproc.TABLES + ("audit",))
    for name, c in others.items():
        for path, body in (("/posts/enroll", {"name": "X", "village": VILLAGE}),
                           ("/posts/bundle", {"bundle": bundle_id}),
                           ("/posts/cancel", {"bundle": bundle_id})):
            r = c.api("POST", path, body)
            assert r.status_code == 403 and r.json()["error"] == "role", (name, path)
            r = c.request("POST", "/console" + path, data=dict(body, csrf=c.csrf))
            assert r.status_code == 403, (name, path)
        page = c.get("/console/posts")
        if name != "mitra":
            assert page.status_code == 200
            assert 'id="enroll"' not in page.text and "/console/posts/bundle" not in page.text
    assert hub.snapshot(hubproc.TABLES + ("audit",)) == before
    # Bad input: 4xx, nothing changed.
    for body, status, code in (({"name": "", "village": VILLAGE}, 400, "bad-enroll"),
                               ({"name": "a\nb", "village": VILLAGE}, 400, "bad-enroll"),
                               ({"name": "x" * 101, "village": VILLAGE}, 400, "bad-enroll"),
                               ({"name": "x", "village": "Atlantis"}, 400, "bad-enroll"),
                               ({"name": "x", "village": VILLAGE, "days": "91"}, 400,
                                "bad-enroll"),
                               ({"name": "x", "village": VILLAGE, "days": "0"}, 400,
                                "bad-enroll"),
                               ({"name": "x", "village": VILLAGE, "x": "1"}, 400,
                                "unknown-field")):
        r = admin.api("POST", "/posts/enroll", body)
        assert (r.status_code, r.json()["error"]) == (status, code), body
    for bundle in ("/".join(["..", "..", "etc"]), "ZZZZZZZZ", "0" * 8):
        r = admin.api("POST", "/posts/bundle", {"bundle": bundle})
        assert r.status_code == 404
    assert hub.snapshot(hubproc.TABLES) == before_tables(before)
    # The edges: 100 bytes and 90 days are taken.
    r = admin.api("POST", "/posts/enroll", {"name": "x" * 100, "village": VILLAGE,
                                            "days": "90"})
    assert r.status_code == 200


def before_tables(snapshot):
    return {t: v for t, v in snapshot.items() if t != "audit"}


def test_without_url_the_page_says_how_to_give_it(tmp_path):
    h = make_hub(tmp_path, with_url=False)
    try:
        admin = signed_in(h, "rina")
        page = admin.get("/console/posts").text
        assert 'id="no-url"' in page and "--url" in page and 'id="enroll"' not in page
        r = admin.api("POST", "/posts/enroll", {"name": "x", "village": VILLAGE})
        assert r.status_code == 409 and r.json()["error"] == "no-url"
        assert h.query("SELECT count(*) FROM enroll_token") == [(0,)]
    finally:
        assert h.stop() == 0
    base = "https://127.0.0.1:%d/" % hubproc.reserved_port()
    for url in ("http://plain.example", "https://", "https://a b", base + "x" * (513 - len(base))):
        proc = h.run("serve", "--url", url)
        assert proc.returncode == 2 and b"--url" in proc.stderr, url
    port = int(base.rsplit(":", 1)[1].strip("/"))
    h.start(port=port, args=("--url", base + "x" * (512 - len(base))))  # the edge is taken
    try:
        assert 'id="enroll"' in signed_in(h, "rina").get("/console/posts").text
    finally:
        assert h.stop() == 0


def test_the_cli_audits_nodes_add_cancel_and_revoke_by_its_account(hub, tmp_path):
    out = str(tmp_path / "b1.json")
    hub.ok("nodes", "add", VILLAGE, "--name", "Laptop A", "--url", hub.url, "-o", out,
           "--by", "rina")
    bundle_id = json.load(open(out))["bundle"]
    assert audit(hub, "node-enroll") == [("rina", "bundle " + bundle_id, "cli")]
    post = new_post(tmp_path, "post")
    saenode.ok(["enroll", out], dir=post)
    assert saenode.run(["sync"], dir=post).rc == 0
    device = hub.nodes()[0]["id"]
    out2 = str(tmp_path / "b2.json")
    hub.ok("nodes", "add", VILLAGE, "--name", "Laptop B", "--url", hub.url, "-o", out2,
           "--by", "ana")
    second = json.load(open(out2))["bundle"]
    hub.ok("nodes", "cancel", second, "--by", "ana")
    hub.ok("nodes", "revoke", device, "--by", "rina")
    assert audit(hub, "bundle-cancel") == [("ana", "bundle " + second, "cli")]
    assert audit(hub, "node-revoke") == [("rina", "device " + device, "cli")]
    # The hub's sealed notice: the post wipes and stops (exit 3, test_post_revocation.py).
    assert saenode.run(["sync"], dir=post).rc == 3
    # --by must name an enabled account: refused, exit 2, nothing changed.
    before = hub.snapshot(hubproc.TABLES + ("audit",))
    for args in (("nodes", "add", VILLAGE, "--name", "C", "--url", hub.url, "-o",
                  str(tmp_path / "b3.json"), "--by", "nobody"),
                 ("nodes", "cancel", second, "--by", "nobody"),
                 ("nodes", "revoke", device, "--by", "nobody")):
        proc = hub.run(*args)
        assert proc.returncode == 2 and b"--by must name" in proc.stderr, proc
    assert hub.snapshot(hubproc.TABLES + ("audit",)) == before
    assert not os.path.exists(tmp_path / "b3.json")


def test_the_page_shows_what_a_post_has_not_sent_and_what_the_hub_holds(hub, tmp_path):
    """A post whose push is cut after its pull: the pull reported its unsent changes."""
    proxy = FaultProxy(hub.port).start()
    try:
        bundle = hub.add_node(VILLAGE, name="Laptop Lambat", port=proxy.port)
        post = new_post(tmp_path, "post")
        saenode.ok(["enroll", bundle], dir=post)
        assert saenode.run(["sync"], dir=post).rc == 0
        assert saenode.run(["sync"], dir=post).rc == 0  # idle: a pull alone
        idle_up = proxy.connection_log()[-1]["bytes_up"]
        narrative = str(tmp_path / "n.txt")
        with open(narrative, "wb") as f:
            f.write(os.urandom(12000).hex().encode())  # 24,000 bytes, incompressible
        for _ in range(3):
            saenode.ok(["add", "kasus", "--set", "violence_types=fisik", "--set",
                        "victim_sex=P", "--set", "victim_age=30", "--set",
                        "intake_date=01-11-2026", "--set-file", "narrative=" + narrative],
                       dir=post)
        pending = saenode.ok(["status", "--json"], dir=post).json()["pending"]
        assert pending > 0
        proxy.set_plan(lambda i: Fault("cut_up", after=idle_up + 400))
        assert saenode.run(["sync"], dir=post).rc == 1
    finally:
        proxy.stop()
    [device] = signed_in(hub, "budi").api("GET", "/posts").json()["devices"]
    assert device["pending"] == pending and device["program"] == "sae-node 0.1.0"
    assert device["pending_ms"] >= device["last_seen_ms"] - 1000
    assert device["held"] == 0
    page = signed_in(hub, "budi").get("/console/posts").text
    assert "per kontak" in page and ">%d<" % pending in page


def test_an_admin_cannot_disable_their_own_account(hub):
    admin = signed_in(hub, "rina")
    assert "/console/accounts/disable" in admin.get("/console/accounts").text
    r = admin.request("POST", "/console/accounts/disable", data={"csrf": admin.csrf,
                                                                 "name": "rina"})
    assert r.status_code == 400 and "akun Anda sendiri" in r.text
    assert hub.query("SELECT disabled FROM account WHERE name = 'rina'") == [(0,)]
    assert admin.api("GET", "/session").status_code == 200
    proc = hub.run("users", "disable", "rina", "--by", "rina")
    assert proc.returncode == 2 and b"own account" in proc.stderr
    assert hub.query("SELECT disabled FROM account WHERE name = 'rina'") == [(0,)]
    hub.ok("users", "disable", "rina", "--by", "ana")  # another admin may
    assert hub.query("SELECT disabled FROM account WHERE name = 'rina'") == [(1,)]


def test_a_refused_csrf_token_is_audited_without_the_token(hub):
    admin = signed_in(hub, "rina")
    wrong = "WRONG-TOKEN-" + "x" * 31
    before = hub.snapshot()
    r = admin.request("POST", "/console/posts/enroll", data={"csrf": wrong, "name": "x",
                                                              "village": VILLAGE})
    assert r.status_code == 403
    r = admin.api("POST", "/posts/enroll", {"name": "x", "village": VILLAGE},
                  csrf=False, headers={"X-CSRF-Token": wrong})
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    r = admin.request("POST", "/console/accounts/disable", data={"name": "ana"})
    assert r.status_code == 403
    assert hub.snapshot() == before
    assert audit(hub, "csrf-refused") == [
        ("rina", "/console/posts/enroll", "127.0.0.1"),
        ("rina", "/api/v1/posts/enroll", "127.0.0.1"),
        ("rina", "/console/accounts/disable", "127.0.0.1")]
    assert b"WRONG-TOKEN" not in db_bytes(hub)


def test_held_changes_and_a_post_written_from_the_spec_that_reports_itself(hub, enroll):
    """A client of PROTOCOL.md (saeproto, not the C code): the hub counts the changes of the
    device it holds (dated two days ahead) and set aside (an unknown field), and keeps what
    the post reports of itself; a pending count without a program means nothing."""
    device = enroll(hub, VILLAGE, name="Laptop Spec")
    held = device.write(saeproto.new_report_id(), "case",
                        {"status": "new", "violence_type": "physical", "victim_sex": "F",
                         "intake_date": "2026-01-05"},
                        hlc=(saeproto.wall_ms() + 48 * 3600 * 1000) << 16)
    assert device.push(held).status == 200
    refused = device.write(saeproto.new_report_id(), "case", {"no_such_field": "x"})
    answer = device.push(refused)
    assert answer.status == 200 and len(answer.message.refusals) == len(refused)
    before = signed_in(hub, "siti").api("GET", "/posts").json()["devices"][0]
    assert before["pending"] is None and before["program"] is None
    assert before["held"] == len(held) + len(refused)
    request = device.pull_request()
    request.pending, request.program = 4, "post-spec 2.0".encode()
    assert device.send(saeproto.PULL_REQUEST, request).status == 200
    request = device.pull_request()
    request.pending = 9  # no program: an older post's field, ignored
    assert device.send(saeproto.PULL_REQUEST, request).status == 200
    [after] = signed_in(hub, "siti").api("GET", "/posts").json()["devices"]
    assert (after["pending"], after["program"]) == (4, "post-spec 2.0")
    page = signed_in(hub, "budi").get("/console/posts").text
    assert "post-spec 2.0" in page and ">%d<" % after["held"] in page
    # A program over 64 bytes is refused (400) and recorded nowhere.
    request = device.pull_request()
    request.program = b"p" * 65
    assert device.send(saeproto.PULL_REQUEST, request).status == 400
    [still] = signed_in(hub, "siti").api("GET", "/posts").json()["devices"]
    assert still["program"] == "post-spec 2.0"


@pytest.mark.serial  # valgrind
def test_enrolling_downloading_cancelling_and_reports_under_valgrind(tmp_path):
    """The new paths of the daemon leak nothing and touch no memory they should not."""
    if not shutil.which("valgrind"):
        pytest.skip("needs valgrind (scripts/deps.sh installs it)")
    h = hubproc.Hub(tmp_path / "hub").init()
    h.passwords = {"rina": h.add_account("rina", "admin")}
    log = tmp_path / "valgrind.log"
    port = hubproc.reserved_port()
    proc = hubproc.serve_under_valgrind(h, log, port, ("--url", "https://127.0.0.1:%d" % port))
    try:
        admin = signed_in(h, "rina")
        first = admin.api("POST", "/posts/enroll", {"name": "A", "village": VILLAGE}).json()
        bundle = admin.api("POST", "/posts/bundle", {"bundle": first["bundle"]}).json()
        assert admin.api("POST", "/posts/bundle", {"bundle": first["bundle"]}).status_code == 409
        second = admin.api("POST", "/posts/enroll", {"name": "B", "village": VILLAGE}).json()
        assert admin.api("POST", "/posts/cancel", {"bundle": second["bundle"]}).status_code == 200
        assert admin.api("POST", "/posts/enroll", {"name": "", "village": VILLAGE}
                         ).status_code == 400
        assert admin.request("POST", "/console/posts/enroll", data={"csrf": "x", "name": "C",
                             "village": VILLAGE}).status_code == 403
        post = new_post(tmp_path, "post")
        path = str(tmp_path / "bundle.json")
        with open(path, "w") as f:
            json.dump(bundle, f)
        saenode.ok(["enroll", path], dir=post)
        assert saenode.run(["sync"], dir=post, timeout=300).rc == 0
        assert "sae-node 0.1.0" in admin.get("/console/posts").text
        assert admin.api("GET", "/posts").json()["devices"][0]["pending"] == 0
    finally:
        hubproc.stop_valgrind(proc, log)
