"""The district console's doors over real HTTPS against a real sae-hub serve: anonymous
access refused everywhere, CSRF required on every state change, session expiry (idle and
absolute, shortened by the test-only variables), sign-in throttling that never tells whether
a name exists, a disabled account's session ending, hostile input refused with nothing
changed and the daemon up, the assets' table, and the audit of it all."""
import os
import subprocess
import time

import pytest

import hubproc
from console_client import Console, assert_security_headers

ACCOUNT_TABLES = ("account",)


def signed_in(hub, name="siti", conduct=True):
    c = Console(hub)
    c.sign_in(name, hub.passwords[name])
    if conduct:
        c.accept_conduct()
    return c


def audit(hub, action=None):
    rows = hub.query("SELECT actor, action, target, address FROM audit ORDER BY seq")
    return [r for r in rows if action is None or r[1] == action]


PAGE_PATHS = ["/console/", "/console", "/console/password", "/console/conduct",
              "/console/nothing-here", "/console/sign-out", "/console/lang-x"]
API_PATHS = [("GET", "/session"), ("DELETE", "/session"), ("POST", "/password"),
             ("POST", "/conduct"), ("GET", "/reports"), ("PUT", "/session")]


def test_every_console_and_api_path_refuses_anonymous_access(console_hub):
    c = Console(console_hub)
    before = console_hub.snapshot(ACCOUNT_TABLES)
    for path in PAGE_PATHS:
        r = c.get(path)
        assert r.status_code == 303 and r.headers["Location"] == "/console/sign-in", (path, r)
        assert_security_headers(r)
        r = c.request("POST", path, data={"csrf": "x"})
        assert r.status_code in (403, 405), (path, r.status_code)
    for method, path in API_PATHS:
        r = c.api(method, path, {})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["error"] == "signed-out"
        assert_security_headers(r)
    assert console_hub.snapshot(ACCOUNT_TABLES) == before
    assert console_hub.query("SELECT count(*) FROM session") == [(0,)]


def test_sign_in_gives_a_session_cookie_that_scripts_cannot_read(console_hub):
    c = Console(console_hub)
    r = c.sign_in("siti", console_hub.passwords["siti"])
    cookie = r.headers["Set-Cookie"]
    for part in ("sae_session=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
        assert part in cookie, cookie
    assert r.json()["account"] == {"name": "siti", "role": "coordinator", "agency": None,
                                   "conduct_accepted": False}
    assert r.headers["Cache-Control"] == "no-store"
    token = c.http.cookies["sae_session"]
    # Stored hashed: the token itself is nowhere in hub.db.
    with open(console_hub.db_path, "rb") as f:
        assert token.encode() not in f.read()
    assert console_hub.query("SELECT count(*) FROM session WHERE account = 'siti'") == [(1,)]
    assert audit(console_hub, "sign-in") == [("siti", "sign-in", "", "127.0.0.1")]


def test_the_code_of_conduct_comes_first_and_is_audited(console_hub):
    c = signed_in(console_hub, conduct=False)
    r = c.get("/console/")
    assert r.status_code == 303 and r.headers["Location"] == "/console/conduct"
    r = c.api("POST", "/password", {"current": "x", "new": "y"})
    assert r.status_code == 403 and r.json()["error"] == "conduct"
    c.accept_conduct()
    assert c.get("/console/").status_code == 200
    assert audit(console_hub, "conduct-accept") == [("siti", "conduct-accept", "", "127.0.0.1")]


def test_missing_or_wrong_csrf_is_403_and_changes_nothing(console_hub):
    c = signed_in(console_hub)
    before = console_hub.snapshot(ACCOUNT_TABLES)
    audit_before = audit(console_hub)
    body = {"current": console_hub.passwords["siti"], "new": "a-new-password-1"}
    for token in (None, "", "x" * 43, c.csrf[:-1] + ("A" if c.csrf[-1] != "A" else "B")):
        headers = {} if token is None else {"X-CSRF-Token": token}
        r = c.api("POST", "/password", body, csrf=False, headers=headers)
        assert r.status_code == 403 and r.json()["error"] == "csrf", (token, r.text)
        r = c.api("DELETE", "/session", csrf=False, headers=headers)
        assert r.status_code == 403
    # The same through the pages' forms.
    for fields in ({}, {"csrf": "wrong"}):
        r = c.request("POST", "/console/password", data=dict(
            fields, current=console_hub.passwords["siti"], new="a-new-password-1",
            again="a-new-password-1"))
        assert r.status_code == 403, r.status_code
        r = c.request("POST", "/console/sign-out", data=fields)
        assert r.status_code == 403
    assert console_hub.snapshot(ACCOUNT_TABLES) == before
    # Each refusal is audited (who, what, where from), never with the token it carried.
    added = audit(console_hub)[len(audit_before):]
    assert audit(console_hub)[:len(audit_before)] == audit_before
    assert sorted(set(added)) == [
        ("siti", "csrf-refused", path, "127.0.0.1") for path in
        ("/api/v1/password", "/api/v1/session", "/console/password", "/console/sign-out")]
    assert len(added) == 12
    assert c.api("GET", "/session").status_code == 200  # still signed in


def test_a_method_a_page_does_not_take_is_405_for_case_and_district_pages(console_hub):
    """Case pages and district pages are rows of one route table: a method a known path does
    not take is 405 with Allow for either kind (a valid token sent), and changes nothing."""
    c = signed_in(console_hub)
    before = console_hub.snapshot(ACCOUNT_TABLES)
    audit_before = audit(console_hub)
    for method, path, allow in (("POST", "/console/reports", "GET, HEAD"),
                                ("GET", "/console/case/edit", "POST"),
                                ("POST", "/console/me", "GET, HEAD"),
                                ("GET", "/console/accounts/add", "POST")):
        r = c.request(method, path, data={"csrf": c.csrf} if method == "POST" else None)
        assert r.status_code == 405, (method, path, r.status_code)
        assert r.headers["Allow"] == allow, (method, path)
    assert console_hub.snapshot(ACCOUNT_TABLES) == before
    assert audit(console_hub) == audit_before


def test_sign_in_form_needs_its_own_token(console_hub):
    c = Console(console_hub)
    r = c.request("POST", "/console/sign-in",
                  data={"name": "siti", "password": console_hub.passwords["siti"]})
    assert r.status_code == 403
    assert console_hub.query("SELECT count(*) FROM session") == [(0,)]


def test_sign_out_ends_the_session(console_hub):
    c = signed_in(console_hub)
    old_cookie = c.http.cookies["sae_session"]
    r = c.api("DELETE", "/session")
    assert r.status_code == 200
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    c.http.cookies.set("sae_session", old_cookie)
    assert c.api("GET", "/session").status_code == 401
    assert audit(console_hub, "sign-out") == [("siti", "sign-out", "", "127.0.0.1")]


def test_password_change_ends_every_session_and_the_new_one_works(console_hub):
    first, second = signed_in(console_hub), signed_in(console_hub)
    r = first.api("POST", "/password", {"current": console_hub.passwords["siti"],
                                        "new": "another-long-password"})
    assert r.status_code == 200, r.text
    assert first.api("GET", "/session").status_code == 401
    assert second.api("GET", "/session").status_code == 401
    Console(console_hub).sign_in("siti", console_hub.passwords["siti"], expect=401)
    Console(console_hub).sign_in("siti", "another-long-password")
    assert [a[1] for a in audit(console_hub, "password-change")] == ["password-change"]


def test_wrong_current_password_or_weak_new_one_changes_nothing(console_hub):
    c = signed_in(console_hub)
    before = console_hub.snapshot(ACCOUNT_TABLES)
    r = c.api("POST", "/password", {"current": "not-the-password", "new": "long-enough-pw-1"})
    assert r.status_code == 403 and r.json()["error"] == "wrong-password"
    r = c.api("POST", "/password", {"current": console_hub.passwords["siti"], "new": "short"})
    assert r.status_code == 400 and r.json()["error"] == "weak-password"
    assert console_hub.snapshot(ACCOUNT_TABLES) == before


def test_a_disabled_accounts_session_ends(console_hub):
    c = signed_in(console_hub, "budi")
    assert c.api("GET", "/session").status_code == 200
    console_hub.ok("users", "disable", "budi")
    assert c.api("GET", "/session").status_code == 401
    Console(console_hub).sign_in("budi", console_hub.passwords["budi"], expect=401)
    assert audit(console_hub, "account-disable") == [
        ("os:%s" % os.environ.get("USER", "root") if False else audit(console_hub,
         "account-disable")[0][0], "account-disable", "budi", "cli")]
    assert audit(console_hub, "account-disable")[0][0].startswith("os:")


def test_throttling_answers_the_same_for_names_that_exist_and_those_that_do_not(console_hub):
    answers = {}
    for name in ("siti", "nobody-here"):
        seen = []
        for _ in range(5):
            r = Console(console_hub).sign_in(name, "wrong-password-x", expect=401)
            seen.append((r.status_code, r.json()))
        r = Console(console_hub).sign_in(name, console_hub.passwords.get(name, "x"),
                                         expect=429)
        assert int(r.headers["Retry-After"]) > 0
        seen.append((r.status_code, r.json()))
        answers[name] = seen
    assert answers["siti"] == answers["nobody-here"]
    # Other names from another... the same address is not yet throttled (20 failures).
    Console(console_hub).sign_in("budi", console_hub.passwords["budi"])
    failed = audit(console_hub, "sign-in-failed")
    assert ("siti", "sign-in-failed", "siti", "127.0.0.1") in failed
    assert ("-", "sign-in-failed", "", "127.0.0.1") in failed  # the unknown name not kept
    assert not any("nobody-here" in " ".join(row) for row in audit(console_hub))
    assert not any("wrong-password-x" in " ".join(row) for row in audit(console_hub))


def test_sign_in_throttled_per_address_after_twenty_failures(console_hub):
    for i in range(20):
        Console(console_hub).sign_in("name%d" % i, "wrong-password-x", expect=401)
    Console(console_hub).sign_in("budi", console_hub.passwords["budi"], expect=429)


@pytest.mark.parametrize("body,status,error", [
    ('{"name": 1, "password": "x"}', 400, "wrong-type"),
    ('{"name": "siti", "password": "x", "role": "admin"}', 400, "unknown-field"),
    ('{"name": "siti", "name": "budi", "password": "x"}', 400, "bad-json"),
    ('["siti"]', 400, "bad-json"),
    ('not json', 400, "bad-json"),
    ('', 400, "bad-json"),
    ('{"name": "x\' OR \'1\'=\'1", "password": "\' OR 1=1; DROP TABLE account; --"}', 401,
     "sign-in-failed"),
    ('{"name": "' + "a" * 17000 + '", "password": "x"}', 413, "too-large"),
])
def test_hostile_api_bodies_are_refused_and_change_nothing(console_hub, body, status, error):
    c = Console(console_hub)
    before = console_hub.snapshot(ACCOUNT_TABLES)
    r = c.request("POST", "/api/v1/session", data=body.encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert console_hub.snapshot(ACCOUNT_TABLES) == before
    assert console_hub.query("SELECT count(*) FROM session") == [(0,)]
    assert Console(console_hub).get("/v1/health").status_code == 200


def test_api_sign_in_needs_a_json_content_type(console_hub):
    c = Console(console_hub)
    r = c.request("POST", "/api/v1/session",
                  data={"name": "siti", "password": console_hub.passwords["siti"]})
    assert r.status_code == 415
    assert console_hub.query("SELECT count(*) FROM session") == [(0,)]


def test_hostile_forms_are_refused_and_change_nothing(console_hub):
    c = signed_in(console_hub)
    before = console_hub.snapshot(ACCOUNT_TABLES)
    pw = console_hub.passwords["siti"]
    good = {"csrf": c.csrf, "current": pw, "new": "long-enough-pw-1", "again": "long-enough-pw-1"}
    cases = [
        ({"csrf": c.csrf, "current": pw, "new": "x", "extra": "1"}, 400),   # unknown field
        (dict(good, again="x" * 4095), 400),                                 # at the limit
        (dict(good, again="x" * 4096), 413),                                 # one past
        (dict(good, again="other-pw-2"), 400),       # the form's bound (4 fields): judged
        (dict(good, extra="1"), 413),                # one past the bound
        ({**good, **{"f%d" % i: "1" for i in range(125)}}, 413),  # past WEB_FORM_FIELDS_MAX
    ]
    for data, status in cases:
        r = c.request("POST", "/console/password", data=data)
        assert r.status_code == status, (status, r.status_code)
    r = c.request("POST", "/console/password", data=b"csrf=" + c.csrf.encode() + b"&current=\xff",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = c.request("POST", "/console/password", data=b"x" * 70000,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = c.request("POST", "/console/password", files={"csrf": ("a.txt", b"x")})
    assert r.status_code == 400
    assert console_hub.snapshot(ACCOUNT_TABLES) == before
    assert c.api("GET", "/session").status_code == 200


UP = "." * 2  # a parent directory, spelled so that no path in this file climbs


@pytest.mark.parametrize("path", ["/assets/%s/hub.db" % UP, "/assets/%2e%2e/hub.db",
                                  "/assets/..%2fhub.key",
                                  "/assets/console.css/%s/%s/hub.db" % (UP, UP),
                                  "/assets/", "/assets/CONSOLE.CSS", "/assets//etc/passwd",
                                  "/assets/%2fetc%2fpasswd", "/assets/console.css%00.png"])
def test_asset_paths_cannot_leave_the_table(console_hub, path):
    r = Console(console_hub).get(path)
    if r.status_code == 200:
        # libmicrohttpd decodes %00, which ends the name: still the table's stylesheet.
        assert path.endswith("%00.png") and r.headers["Content-Type"].startswith("text/css")
    else:
        assert r.status_code in (400, 404), (path, r.status_code)
    assert b"PRAGMA" not in r.content and b"SQLite" not in r.content
    assert b"root:" not in r.content
    assert Console(console_hub).get("/v1/health").status_code == 200


def test_the_stylesheet_is_cached_by_its_hash(console_hub):
    c = Console(console_hub)
    page = c.get("/console/sign-in").text
    href = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert href.startswith("/assets/console.css?v=")
    r = c.get(href)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = r.headers["ETag"]
    assert etag.strip('"') == href.split("v=")[1]
    again = c.get(href, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.serial  # an idle limit of seconds
def test_idle_session_expires(tmp_path):
    h = hubproc.Hub(tmp_path / "hub").init()
    pw = h.add_account("siti")
    h.start(env={"SAE_TEST_SESSION_IDLE_S": "3"})
    try:
        c = Console(h)
        c.sign_in("siti", pw)
        for _ in range(3):  # each request starts the idle time again
            time.sleep(1.5)
            assert c.api("GET", "/session").status_code == 200
        time.sleep(3.5)
        assert c.api("GET", "/session").status_code == 401
        assert h.query("SELECT count(*) FROM session") == [(0,)]
    finally:
        assert h.stop() == 0


def test_absolute_session_limit_ends_a_busy_session(tmp_path):
    h = hubproc.Hub(tmp_path / "hub").init()
    pw = h.add_account("siti")
    h.start(env={"SAE_TEST_SESSION_ABSOLUTE_S": "6"})
    try:
        c = Console(h)
        start = time.monotonic()
        c.sign_in("siti", pw)
        # Whole seconds on the hub's clock: live for at least 5 s, gone after 7 s.
        while time.monotonic() - start < 4.5:
            assert c.api("GET", "/session").status_code == 200
            time.sleep(0.5)
        time.sleep(7.5 - (time.monotonic() - start))
        assert c.api("GET", "/session").status_code == 401
    finally:
        assert h.stop() == 0


def test_console_on_a_listener_of_its_own(tmp_path):
    h = hubproc.Hub(tmp_path / "hub").init()
    pw = h.add_account("siti")
    port = hubproc.reserved_port()
    h.start(args=["--console", "127.0.0.1:%d" % port])
    try:
        posts = Console(h)
        assert posts.get("/console/sign-in").status_code == 404
        assert posts.get("/v1/health").status_code == 200
        office = Console(h, base="https://127.0.0.1:%d" % port)
        assert office.get("/console/sign-in").status_code == 200
        assert office.get("/v1/health").status_code == 404
        office.sign_in("siti", pw)
        assert any(b"console listening on https://127.0.0.1:%d/console/" % port in line
                   for line in h.log)
    finally:
        assert h.stop() == 0


def test_users_commands_and_their_audit(tmp_path):
    h = hubproc.Hub(tmp_path / "hub").init()
    proc = h.ok("users", "add", "rina", "--role", "admin")
    assert b"one-time password for rina: " in proc.stdout
    one_time = proc.stdout.split(b"one-time password for rina: ")[1].split()[0].decode()
    h.add_account("upt", "partner", agency="UPT PPA Kabupaten Probolinggo")
    listed = h.admin_json("users", "list")
    assert [(u["name"], u["role"], u["agency"]) for u in listed] == [
        ("rina", "admin", None), ("upt", "partner", "UPT PPA Kabupaten Probolinggo")]
    proc = h.ok("users", "reset-password", "upt", "--by", "rina")
    assert b"one-time password for upt: " in proc.stdout
    rows = h.query("SELECT actor, action, target, address FROM audit ORDER BY seq")
    assert rows[0][1:] == ("account-add", "rina", "cli") and rows[0][0].startswith("os:")
    assert rows[2] == ("rina", "account-password-reset", "upt", "cli")
    # Nothing sensitive in the audit or the table: no password, only Argon2id hashes.
    text = repr(rows) + repr(h.query("SELECT * FROM account"))
    assert one_time not in text
    assert all(r[0].startswith("$argon2id$") for r in h.query(
        "SELECT password_hash FROM account"))
    # The audit is append-only.
    with pytest.raises(Exception, match="never"):
        h.write_db("DELETE FROM audit")
    with pytest.raises(Exception, match="never"):
        h.write_db("UPDATE audit SET actor = 'x'")


@pytest.mark.parametrize("args,message", [
    (["users", "add", "x" * 101, "--role", "operator"], "account name"),
    (["users", "add", "Siti\nAminah", "--role", "operator"], "account name"),
    (["users", "add", "siti", "--role", "boss"], "--role"),
    (["users", "add", "upt", "--role", "partner"], "--agency"),
    (["users", "add", "siti", "--role", "operator", "--agency", "X"], "--agency"),
    (["users", "disable", "nobody"], "no account named nobody"),
    (["users", "disable", "siti", "--by", "nobody"], "--by must name"),
    (["users", "frobnicate"], "unknown users command"),
    (["users"], "users needs"),
])
def test_users_bad_input_changes_nothing(tmp_path, args, message):
    h = hubproc.Hub(tmp_path / "hub").init()
    h.add_account("siti")
    before = h.snapshot(ACCOUNT_TABLES + ("audit",))
    proc = h.run(*args)
    assert proc.returncode == 2, proc
    assert message.encode() in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert h.snapshot(ACCOUNT_TABLES + ("audit",)) == before


def test_password_from_stdin_too_short_is_refused(tmp_path):
    h = hubproc.Hub(tmp_path / "hub").init()
    proc = subprocess.run([hubproc.BIN, "-d", h.dir, "users", "add", "siti", "--role",
                           "operator", "--password-stdin"], input=b"short\n",
                          capture_output=True, env=hubproc.hub_env(), timeout=60)
    assert proc.returncode == 2 and b"12 to 256 bytes" in proc.stderr
    assert h.query("SELECT count(*) FROM account") == [(0,)]


def test_by_must_name_an_enabled_account_and_changes_are_audited(tmp_path):
    """--by of district edits and resolutions names an account; free text is gone."""
    import hubcli_world
    h = hubproc.Hub(tmp_path / "hub").init().start()
    try:
        w = hubcli_world.build_world(h)
        before = h.snapshot()
        for by in ("Nobody Here", "siti"):
            proc = subprocess.run([hubproc.BIN, "-d", h.dir, "reports", "edit", w.case1,
                                   "--set", "intake_channel=phone", "--by", by],
                                  capture_output=True, env=hubproc.hub_env(), timeout=60)
            assert proc.returncode == 2, proc
            assert b"--by must name an enabled account" in proc.stderr
            assert len(proc.stderr.strip().splitlines()) == 1
            if by == "Nobody Here":
                h.add_account("siti", "coordinator")
                h.ok("users", "disable", "siti")
        assert h.snapshot() == before
        h.add_account("Bu Sari", "coordinator")
        h.ok("reports", "edit", w.case1, "--set", "intake_channel=phone", "--by", "Bu Sari")
        rows = h.query("SELECT actor, action, address FROM audit WHERE action = 'report-edit'")
        assert rows == [("Bu Sari", "report-edit", "cli")]
    finally:
        assert h.stop() == 0


def test_account_name_at_its_limit(tmp_path):
    h = hubproc.Hub(tmp_path / "hub").init()
    name = "é" * 50  # 100 bytes: the longest name
    h.add_account(name, "operator")
    assert [u["name"] for u in h.admin_json("users", "list")] == [name]


@pytest.mark.serial  # valgrind
def test_console_under_valgrind(tmp_path):
    """serve under valgrind: a sign-in, the pages, a refused form, the API, the stylesheet and
    a sign-out leak nothing and touch no memory they should not."""
    import shutil
    if not shutil.which("valgrind"):
        pytest.skip("needs valgrind (scripts/deps.sh installs it)")
    h = hubproc.Hub(tmp_path / "hub").init()
    pw = h.add_account("siti")
    log = tmp_path / "valgrind.log"
    proc = hubproc.serve_under_valgrind(h, log)
    try:
        c = Console(h)
        assert c.get("/console/sign-in").status_code == 200
        c.sign_in("siti", pw)
        c.accept_conduct()
        assert c.get("/console/").status_code == 200
        assert c.request("POST", "/console/password", data={"csrf": "x"}).status_code == 403
        assert c.get("/assets/console.css").status_code == 200
        assert c.api("DELETE", "/session").status_code == 200
        Console(h).sign_in("nobody", "wrong-password-x", expect=401)
    finally:
        hubproc.stop_valgrind(proc, log)
