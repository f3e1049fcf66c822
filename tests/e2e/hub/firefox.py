"""Headless Debian Firefox ESR (firefox-esr, installed by scripts/deps.sh) driven through
Marionette, the remote protocol built into Firefox itself. Debian 12 packages no
geckodriver (the W3C WebDriver bridge Selenium needs for Firefox), so Selenium cannot drive
it; Marionette is what geckodriver speaks underneath: length-prefixed JSON over TCP on
127.0.0.1, commands named like WebDriver's ("WebDriver:Navigate", ...). This client speaks
it directly, from Mozilla's protocol description, with only the commands the console's
tests use.

A fresh profile per browser, without Firefox's own background traffic; the hub's
self-signed certificate accepted (acceptInsecureCerts); system access allowed so a test can
read the browser's console (Services.console), where Firefox logs every Content Security
Policy violation."""
import base64
import json
import os
import socket
import subprocess
import time
import urllib.parse

FIREFOX = "/usr/bin/firefox-esr"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
PREFS = {
    "marionette.port": 0,  # any free port, written to MarionetteActivePort in the profile
    "browser.shell.checkDefaultBrowser": False,
    "app.update.disabledForTesting": True,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "browser.newtabpage.enabled": False,
}
# The browser console's messages of Content Security Policy violations (category "CSP").
CSP_MESSAGES = """
return Services.console.getMessageArray()
  .filter(m => m instanceof Ci.nsIScriptError && m.category.includes("CSP"))
  .map(m => m.errorMessage);
"""


class MarionetteError(Exception):
    pass


class Firefox:
    def __init__(self, profile_dir, base_url, timeout=60):
        os.makedirs(profile_dir, exist_ok=True)
        with open(os.path.join(profile_dir, "user.js"), "w") as f:
            for name, value in PREFS.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(name), json.dumps(value)))
        self.profile = str(profile_dir)
        self.base = base_url
        self.log = open(os.path.join(profile_dir, "firefox.log"), "wb")
        self.proc = subprocess.Popen(
            [FIREFOX, "--headless", "--marionette", "--remote-allow-system-access",
             "--no-remote", "--profile", self.profile, "--width", "1366", "--height", "768",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            env=dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1"))
        self.sock = self._connect(timeout)
        self.reader = self.sock.makefile("rb")
        self.next_id = 0
        hello = self._read()
        if hello.get("applicationType") != "gecko":
            raise MarionetteError("not Marionette: %r" % hello)
        self.command("WebDriver:NewSession", {"acceptInsecureCerts": True,
                                              "pageLoadStrategy": "normal"})

    def _connect(self, timeout):
        port_file = os.path.join(self.profile, "MarionetteActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MarionetteError("firefox-esr ended (exit %s)" % self.proc.returncode)
            try:
                with open(port_file) as f:
                    port = int(f.read().strip())
                return socket.create_connection(("127.0.0.1", port), timeout=timeout)
            except (OSError, ValueError):
                time.sleep(0.2)
        raise MarionetteError("Firefox opened no Marionette port in %d s" % timeout)

    def _read(self):
        length = b""
        while True:
            c = self.reader.read(1)
            if not c:
                raise MarionetteError("Marionette closed the connection")
            if c == b":":
                break
            length += c
        return json.loads(self.reader.read(int(length)))

    def command(self, name, params=None):
        """One Marionette command; its result, or MarionetteError with Firefox's message."""
        self.next_id += 1
        data = json.dumps([0, self.next_id, name, params or {}]).encode()
        self.sock.sendall(b"%d:%s" % (len(data), data))
        while True:
            kind, msg_id, error, result = self._read()
            if kind == 1 and msg_id == self.next_id:
                break
        if error:
            raise MarionetteError("%s: %s" % (name, error.get("message", error)))
        return result

    def quit(self):
        try:
            self.command("Marionette:Quit", {"flags": ["eForceQuit"]})
        except (MarionetteError, OSError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()
        self.log.close()

    # Pages.
    def open(self, path):
        self.command("WebDriver:Navigate", {"url": self.base + path})
        return self

    @property
    def path(self):
        return urllib.parse.urlsplit(self.command("WebDriver:GetCurrentURL")["value"]).path

    def script(self, body, *args):
        return self.command("WebDriver:ExecuteScript", {"script": body, "args": list(args)})[
            "value"]

    def find(self, css):
        found = self.command("WebDriver:FindElement", {"using": "css selector", "value": css})
        return found["value"][ELEMENT]

    def finds(self, css):
        found = self.command("WebDriver:FindElements", {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def text(self, css):
        return self.command("WebDriver:GetElementText", {"id": self.find(css)})["value"]

    def attribute(self, css, name):
        return self.command("WebDriver:GetElementProperty",
                            {"id": self.find(css), "name": name})["value"]

    def fill(self, fields):
        """Types into inputs by id, in order."""
        for name, value in fields.items():
            box = self.find("#" + name)
            self.command("WebDriver:ElementClear", {"id": box})
            self.command("WebDriver:ElementSendKeys", {"id": box, "text": value})

    def click(self, css, timeout=30):
        """Clicks and waits for the next page (forms and links here always load one): the
        old document is marked, and the mark must be gone with the new one loaded."""
        self.script("document.documentElement.dataset.leaving = '1';")
        self.command("WebDriver:ElementClick", {"id": self.find(css)})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.script("return document.readyState === 'complete' && "
                               "!document.documentElement.dataset.leaving"):
                    return
            except MarionetteError:
                pass  # the document was replaced while the script ran
            time.sleep(0.1)
        raise MarionetteError("no new page %d s after clicking %s" % (timeout, css))

    def submit(self, css="button[type=submit].primary"):
        self.click(css)

    def sign_in(self, name, password):
        self.open("/console/sign-in")
        self.fill({"name": name, "password": password})
        self.submit()

    def csp_messages(self):
        """Every Content Security Policy violation Firefox has logged since it started."""
        self.command("Marionette:SetContext", {"value": "chrome"})
        try:
            return self.script(CSP_MESSAGES)
        finally:
            self.command("Marionette:SetContext", {"value": "content"})

    def screenshot(self, path):
        data = self.command("WebDriver:TakeScreenshot", {"full": False, "hash": False})["value"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
