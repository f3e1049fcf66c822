"""The post app's frame (issue 12): a real `sae-node serve` on loopback, signed in to through
real headless Chromium: sign in and out, the language switch, nothing served but its own
pages and assets, and no state change without the session's CSRF token."""
import time
import urllib.error
import urllib.parse
import urllib.request

import node_app
import saenode

import pytest


def fetch(url, data=None, headers=None, method=None):
    """(status, headers, body) of one request, without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_sign_in_home_language_and_sign_out(post_app, browser):
    app = post_app()
    b = browser(app)
    b.open("/")
    assert b.path == "/sign-in"
    assert b.find("html").get_attribute("lang") == "id"
    node_app.sign_in(b)
    assert b.path == "/"
    assert b.text("#who") == node_app.HEAD
    assert "Selamat datang" in b.text("h1")
    b.click("#lang-switch")
    assert b.path == "/"
    assert b.find("html").get_attribute("lang") == "en"
    assert "Welcome" in b.text("h1")
    b.click("#sign-out")
    assert b.path == "/sign-in"
    b.open("/")
    assert b.path == "/sign-in"


def test_wrong_passphrase_and_unknown_name_answer_alike(post_app, browser):
    app = post_app()
    b = browser(app)
    node_app.sign_in(b, passphrase="salah-sekali-ini-ya")
    wrong = b.text("#alert")
    node_app.sign_in(b, name="Tidak Ada", passphrase="salah-sekali-ini-ya")
    assert b.text("#alert") == wrong
    assert b.path == "/sign-in"


def test_serves_nothing_but_its_pages_and_assets(post_app):
    app = post_app()
    for path in ("/console/", "/api/v1/posts", "/v1/push", "/etc/passwd", "/assets/nope.css",
                 "/assets/%2E%2E/node.db", "/node.db"):
        status, headers, _ = fetch(app.url + path)
        assert status == 404, path
        assert "default-src 'self'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY"
    # A page's path with a method it does not take: 405 naming the methods it does.
    for method, path, allow in (("POST", "/cases", "GET, HEAD"),
                                ("DELETE", "/sign-in", "GET, HEAD, POST")):
        status, headers, _ = fetch(app.url + path, method=method)
        assert status == 405 and headers["Allow"] == allow, (method, path, status)
    status, headers, body = fetch(app.url + "/assets/post.css")
    assert status == 200 and b"Rumah SAE post app" in body
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_hostile_staff_name_is_shown_as_text(post_app, browser):
    app = post_app()
    hostile = '<img src=x onerror=alert(1)>"\''
    app.add_staff(hostile, "passphrase-yang-aman")
    b = browser(app)
    node_app.sign_in(b, hostile, "passphrase-yang-aman")
    assert b.text("#who") == hostile
    assert not b.finds("img") and not b.alert_open()


@pytest.mark.serial  # an idle limit of 2 s
def test_an_idle_session_ends(post_app, browser):
    app = post_app(env={"SAE_TEST_SESSION_IDLE_S": "2"})
    b = browser(app)
    node_app.sign_in(b)
    assert b.path == "/"
    time.sleep(3)
    b.open("/sync")
    assert b.path == "/sign-in"


def test_pages_fit_a_phone_of_360_px(post_app, browser):
    app = post_app()
    b = browser(app)
    b.driver.set_window_size(360, 740)
    node_app.sign_in(b)
    for path in ("/", "/sync", "/staff", "/sign-in"):
        b.open(path)
        width = b.driver.execute_script("return document.documentElement.clientWidth")
        scroll = b.driver.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, (path, scroll, width)


def test_the_language_switch_goes_back_to_the_same_report(post_app):
    """back names a page of the app and the query the switch found on it; a path that is not
    a page goes home, and a query it could not have made (a path, a line break) is dropped."""
    app = post_app()
    report = "0f8fad5b-d9cb-469f-a165-70867728950e"
    quote = urllib.parse.quote
    for back, where in (("/sync?id=" + report, "/sync?id=" + report),
                        ("/cases?q=ani%20%26%20d%C3%A9s&offset=50",
                         "/cases?q=ani%20%26%20d%C3%A9s&offset=50"),
                        ("/sync?id=" + "/".join(["..", "..", "x"]), "/sync"),
                        ("/sync?x=a%0D%0ASet-Cookie:%20sae_session=x", "/sync"),
                        ("/sync?x=%zz", "/sync"),
                        ("/sync?x=a\r\nSet-Cookie: sae_session=x", "/sync"),
                        ("//evil.example/?id=" + report, "/"),
                        ("/nowhere", "/")):
        status, headers, _ = fetch(app.url + "/lang?to=en&back=" + quote(back, safe=""))
        assert status == 303 and headers["Location"] == where, back
        assert "sae_lang=en" in headers["Set-Cookie"]


def test_the_language_switch_keeps_a_query_of_up_to_255_bytes(post_app):
    """The page and its query travel in one query value (WEB_QUERY_BYTES - 1 = 255 bytes):
    a longer query is left out, keeping only the page (and its report, if it has one)."""
    import html
    import re
    from test_post_app_staff import Client
    app = post_app()
    client = Client(app.url)
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 303
    report = saenode.add_case(app.dir)

    def back_of(path):
        status, page = client.request(path)
        assert status == 200, (path, status)
        href = html.unescape(re.search(r'id="lang-switch"[^>]*|href="([^"]*)"[^>]*'
                                       r'id="lang-switch"', page).group(0))
        href = re.search(r'href="([^"]*)"', href).group(1)
        return urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["back"][0]
    fits = "/sync?x=" + "a" * (255 - len("/sync?x="))
    assert back_of(fits) == fits
    assert back_of(fits + "a") == "/sync"
    longer = "/case?id=%s&x=%s" % (report, "a" * 250)
    assert back_of(longer) == "/case?id=" + report
