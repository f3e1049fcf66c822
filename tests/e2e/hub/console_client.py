"""A client of the district console over real HTTPS (python3-requests), for the console's
API and page tests: the hub's own certificate as the trust anchor, cookies kept per
client."""
import requests
from requests.adapters import HTTPAdapter

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=",
}


class SourceAdapter(HTTPAdapter):
    """Connections from a given local address (one of 127.0.0.0/8): an office user apart
    from an attacker's address."""

    def __init__(self, source):
        self.source = source
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)


class Console:
    def __init__(self, hub, base=None, source=None):
        self.hub = hub
        self.base = base or hub.url
        self.http = requests.Session()
        self.http.verify = hub.cert_path
        if source:
            self.http.mount("https://", SourceAdapter(source))
        self.csrf = None

    def request(self, method, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        kw.setdefault("verify", self.hub.cert_path)
        return self.http.request(method, self.base + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def api(self, method, path, body=None, csrf=True, **kw):
        headers = dict(kw.pop("headers", {}))
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        if body is not None:
            kw["json"] = body
        return self.request(method, "/api/v1" + path, headers=headers, **kw)

    def sign_in(self, name, password, expect=200):
        r = self.api("POST", "/session", {"name": name, "password": password}, csrf=False)
        assert r.status_code == expect, (r.status_code, r.text)
        if r.status_code == 200:
            self.csrf = r.json()["csrf"]
        return r

    def accept_conduct(self):
        r = self.api("POST", "/conduct", {})
        assert r.status_code == 200, r.text
        return r


def signed_in(hub, name):
    """A client signed in as name (its password in hub.passwords) that accepted the code of
    conduct."""
    c = Console(hub)
    c.sign_in(name, hub.passwords[name])
    c.accept_conduct()
    return c


def assert_security_headers(response):
    for name, part in SECURITY_HEADERS.items():
        assert part in response.headers.get(name, ""), (name, response.headers)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"):
        assert directive in csp, csp
    assert "unsafe-inline" not in csp
