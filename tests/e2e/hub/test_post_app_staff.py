"""Staff of the post app (issue 12): accounts made with `sae-node users` (passphrase from
standard input, limits at their edges, never a default), sign-in throttled without telling
whether a name exists, the head resetting a passphrase in the app, no state change without
the session's CSRF token, and where the app may listen."""
import hashlib
import os
import pty
import select
import subprocess
import time
import http.cookiejar
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

import node_app
import saenode


class Client:
    """A browser-like HTTP client with cookies, that never follows redirects."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect)

    def request(self, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_raw_page(self, path, body, content_type):
        """(status, page) of a POST of the exact body."""
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Content-Type": content_type})
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_raw(self, path, body, content_type):
        return self.post_raw_page(path, body, content_type)[0]

    def csrf(self, path):
        status, page = self.request(path)
        assert status == 200, (status, page[:500])
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def sign_in(self, name, passphrase):
        return self.request("/sign-in", {"csrf": self.csrf("/sign-in"), "name": name,
                                         "passphrase": passphrase})


def users(app, *args, passphrase=None):
    return saenode.run(["users"] + list(args), dir=app.dir,
                       input=None if passphrase is None else (passphrase + "\n").encode())


def test_users_add_reads_the_passphrase_and_checks_its_limits(tmp_path):
    app = node_app.PostApp(tmp_path / "post")
    res = users(app, "add", "Siti", passphrase="a" * 11)
    saenode.assert_one_line_error(res, 2, "12 to 256 bytes")
    res = users(app, "add", "Siti", passphrase="a" * 257)
    saenode.assert_one_line_error(res, 2, "12 to 256 bytes")
    saenode.assert_one_line_error(users(app, "add", "Siti", passphrase=""), 2, "passphrase")
    saenode.assert_one_line_error(users(app, "add", "x" * 101, passphrase="a" * 12), 2,
                                  "1 to 100 bytes")
    saenode.assert_one_line_error(users(app, "add", "Siti", "--role", "boss",
                                        passphrase="a" * 12), 2, "head or staff")
    assert users(app, "list").out == b""
    assert users(app, "add", "x" * 100, passphrase="a" * 12).rc == 0
    assert users(app, "add", "Siti", passphrase="b" * 256).rc == 0
    res = users(app, "add", "Siti", passphrase="c" * 12)
    saenode.assert_one_line_error(res, 2, "already a staff member")
    assert users(app, "list").text == "Siti\tstaff\n%s\tstaff\n" % ("x" * 100)
    res = users(app, "add", "Pak Kades", "--role", "head", "--one-time")
    secret = re.search(rb"one-time passphrase for Pak Kades: (\S+)", res.out).group(1)
    assert len(secret) == 16
    saenode.assert_one_line_error(users(app, "reset", "Nobody", passphrase="d" * 12), 2,
                                  "no staff member")
    res = saenode.run(["users", "add"], dir=app.dir)
    saenode.assert_one_line_error(res, 2, "one NAME")


def on_terminal(app, args, lines):
    """Runs sae-node users ARGS with a terminal as standard input, typing lines; returns
    (exit status, what the terminal showed, stdout)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([saenode.BIN, "-d", app.dir, "users"] + args, stdin=slave,
                            stdout=subprocess.PIPE, stderr=slave, env=saenode.clean_env())
    os.close(slave)
    shown = b""
    for number, line in enumerate(lines, 1):
        deadline = time.monotonic() + 30
        while shown.count(b": ") < number and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                shown += os.read(master, 1024)
        os.write(master, (line + "\n").encode())
    out, _ = proc.communicate(timeout=60)
    try:
        while select.select([master], [], [], 0.2)[0]:
            shown += os.read(master, 1024)
    except OSError:
        pass
    os.close(master)
    return proc.returncode, shown, out


def test_users_add_asks_twice_on_a_terminal_without_echo(tmp_path):
    app = node_app.PostApp(tmp_path / "post")
    rc, shown, _ = on_terminal(app, ["add", "Siti"], ["teh-hangat-pagi", "teh-dingin-sore"])
    assert rc == 2 and b"differ" in shown, shown
    assert users(app, "list").out == b""
    rc, shown, out = on_terminal(app, ["add", "Siti"], ["teh-hangat-pagi", "teh-hangat-pagi"])
    assert rc == 0, shown
    assert b"teh-hangat-pagi" not in shown  # never echoed
    assert out == b"added Siti (staff)\n"
    client_app = users(app, "list")
    assert client_app.text == "Siti\tstaff\n"


def test_cli_reset_ends_sessions_and_changes_the_passphrase(post_app):
    app = post_app()
    client = Client(app.url)
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 303
    assert client.request("/")[0] == 200
    assert users(app, "reset", node_app.HEAD, passphrase="teh-manis-sore-hari").rc == 0
    assert client.request("/")[0] == 303  # the session ended
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 401
    assert client.sign_in(node_app.HEAD, "teh-manis-sore-hari")[0] == 303


def test_throttled_after_failures_alike_for_known_and_unknown_names(post_app):
    app = post_app()
    for name in (node_app.HEAD, "Tidak Ada"):
        client = Client(app.url)
        answers = [client.sign_in(name, "salah-salah-salah")[0] for _ in range(5)]
        assert answers == [401] * 5
        status, page = client.sign_in(name, node_app.HEAD_PASSPHRASE)
        assert status == 429 and "Terlalu banyak percobaan" in page, name
    # The right passphrase for the throttled name is refused too, saying the same.
    assert Client(app.url).sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 429


def test_no_change_without_the_sessions_csrf_token(post_app):
    app = post_app()
    client = Client(app.url)
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 303
    for form in ({}, {"csrf": "x" * 43}, {"csrf": ""}):
        status, _ = client.request("/staff/add", dict(form, name="Penyusup", role="head"))
        assert status == 403, form
        assert client.request("/sign-out", form)[0] == 403
        assert client.request("/sync/now", form)[0] == 403
    assert "Penyusup" not in users(app, "list").text
    assert client.request("/")[0] == 200  # still signed in
    # Another browser's sign-in form token does not sign this one in.
    other = Client(app.url)
    stolen = other.csrf("/sign-in")
    fresh = Client(app.url)
    status, _ = fresh.request("/sign-in", {"csrf": stolen, "name": node_app.HEAD,
                                           "passphrase": node_app.HEAD_PASSPHRASE})
    assert status == 403
    # Signed out, a form is refused whatever its token.
    token = client.csrf("/")
    assert client.request("/sign-out", {"csrf": token})[0] == 303
    assert client.request("/staff/add", {"csrf": token, "name": "X", "role": "staff"})[0] == 403


def test_head_adds_staff_and_resets_a_forgotten_passphrase(post_app, browser):
    app = post_app()
    head = browser(app)
    node_app.sign_in(head)
    head.open("/staff")
    head.fill({"name": "Pak Budi"})
    head.click("#add")
    first = head.text("#one-time")
    assert len(first) == 16
    staff = browser(app)
    node_app.sign_in(staff, "Pak Budi", first)
    assert staff.text("#who") == "Pak Budi"
    staff.open("/staff")
    assert not staff.finds("#add") and not staff.finds("#reset")
    # A staff member who is not the head cannot add or reset, even with a valid form.
    client = Client(app.url)
    client.sign_in("Pak Budi", first)
    status, page = client.request("/staff/add", {"csrf": client.csrf("/staff"), "name": "X",
                                                 "role": "head"})
    assert status == 403 and "kepala pos" in page
    # The head resets Budi's passphrase: his sessions end, the old one no longer works.
    head.open("/staff")
    rows = head.finds("#staff tbody tr")
    budi = next(r for r in rows if r.text.startswith("Pak Budi"))
    head.click_element(budi.find_element("css selector", "button"))
    second = head.text("#one-time")
    assert second != first
    staff.open("/")
    assert staff.path == "/sign-in"
    assert Client(app.url).sign_in("Pak Budi", first)[0] == 401
    assert Client(app.url).sign_in("Pak Budi", second)[0] == 303
    assert "Pak Budi\tstaff" in users(app, "list").text


def test_lan_listen_without_tls_is_refused(tmp_path):
    app = node_app.PostApp(tmp_path / "post")
    res = saenode.run(["serve", "--listen", "http://0.0.0.0:8080"], dir=app.dir)
    saenode.assert_one_line_error(res, 2, "plain HTTP", "unencrypted", "https://")
    res = saenode.run(["serve", "--listen", "kantor:8080"], dir=app.dir)
    saenode.assert_one_line_error(res, 2, "ADDRESS:PORT")


def test_serve_refuses_bad_input_with_one_line(post_app, tmp_path):
    app = node_app.PostApp(tmp_path / "post")
    for args, status, needle in ((["--interval", "0"], 2, "1 to 86400"),
                                 (["--interval", "86401"], 2, "1 to 86400"),
                                 (["--idle-timeout", "0"], 2, "from 1 to 300"),
                                 (["--idle-timeout", "301"], 2, "from 1 to 300"),
                                 (["--header-timeout", "0"], 2, "from 1 to 300"),
                                 (["--header-timeout", "301"], 2, "from 1 to 300"),
                                 (["extra"], 2, "options only"),
                                 (["--listen", "127.0.0.1:70000"], 2, "ADDRESS:PORT")):
        res = saenode.run(["serve"] + args, dir=app.dir)
        saenode.assert_one_line_error(res, status, needle)
    res = saenode.run(["serve"], dir=str(tmp_path / "nothing-here"))
    assert res.rc == 2 and res.err.startswith(b"sae-node: error:") and res.err.count(b"\n") == 1
    # A port in use: exit 1 and a line that says so; the first app keeps serving.
    running = post_app()
    port = running.url.rsplit(":", 1)[1]
    res = saenode.run(["serve", "--listen", "127.0.0.1:" + port], dir=app.dir)
    saenode.assert_one_line_error(res, 1, "in use")
    assert Client(running.url).request("/sign-in")[0] == 200


def test_serve_takes_its_deadlines_at_their_edges(post_app):
    """Both ends of --idle-timeout and --header-timeout (1 and 300 s) serve the app
    (test_server_deadlines.py shows each deadline at work)."""
    for idle, header in (("1", "300"), ("300", "1")):
        app = post_app(args=["--idle-timeout", idle, "--header-timeout", header])
        assert Client(app.url).request("/sign-in")[0] == 200
        assert app.stop() == 0


def test_lan_listen_serves_https_with_the_printed_fingerprint(post_app):
    app = post_app(listen="0.0.0.0:0")
    assert app.url.startswith("https://")
    printed = re.search(rb"certificate fingerprint \(SHA-256\): ([0-9A-F:]{95})",
                        b"".join(app.out)).group(1).decode()
    port = int(app.url.rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with context.wrap_socket(raw) as tls:
            served = tls.getpeercert(binary_form=True)
    digest = hashlib.sha256(served).hexdigest().upper()
    assert printed == ":".join(digest[i:i + 2] for i in range(0, 64, 2))
    # The certificate is kept: a second start prints the same fingerprint and makes none.
    assert app.stop() == 0
    app.out.clear()
    app.start(listen="0.0.0.0:0")
    text = b"".join(app.out).decode()
    assert printed in text and "made a self-signed" not in text
    assert saenode.mode(app.dir + "/app-key.pem") == 0o600
