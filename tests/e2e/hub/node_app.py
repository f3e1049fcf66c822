"""The post app under test: a real `sae-node serve` on a free loopback port, on a node
directory made by the real binary, with staff accounts made through `sae-node users add`
(the passphrase on standard input, as a script would give it)."""
import os
import re
import signal
import subprocess
import threading

import saenode

SERVING_RE = re.compile(rb"^post app: (https?)://([^/]+)/$")
HEAD = "Bu Sari"
HEAD_PASSPHRASE = "kopi-pahit-di-pagi-hari"


class PostApp:
    def __init__(self, directory, village=saenode.VILLAGE):
        """A new node directory, or (when it holds a journal) the one given."""
        self.dir = str(directory)
        if not os.path.exists(os.path.join(self.dir, "node.db")):
            saenode.init(self.dir, village=village)
        self.passphrases = {}
        self.proc = None
        self.url = None
        self.log = []
        self.out = []

    def add_staff(self, name, passphrase, role="staff"):
        saenode.ok(["users", "add", name, "--role", role], dir=self.dir,
                   input=(passphrase + "\n").encode())
        self.passphrases[name] = passphrase
        return self

    def start(self, listen="127.0.0.1:0", env=None, interval=None, args=()):
        """Starts serve and waits for its "post app: URL" line. args: more options of
        serve."""
        assert self.proc is None
        extra = list(args)
        args = [saenode.BIN, "-d", self.dir, "serve", "--listen", listen]
        if interval is not None:
            args += ["--interval", str(interval)]
        args += extra
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     env=saenode.clean_env(**(env or {})))
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.log),
                         daemon=True).start()
        for line in self.proc.stdout:
            self.out.append(line)
            match = SERVING_RE.match(line.rstrip(b"\n"))
            if match:
                self.url = "%s://%s" % (match.group(1).decode(), match.group(2).decode())
                break
        else:
            rc = self.proc.wait()
            raise AssertionError("sae-node serve ended (exit %s) before serving: %r %r"
                                 % (rc, self.out, self.log))
        threading.Thread(target=self._drain, args=(self.proc.stdout, self.out),
                         daemon=True).start()
        return self

    @staticmethod
    def _drain(stream, into):
        for line in stream:
            into.append(line)

    def stop(self, sig=signal.SIGTERM):
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        proc.send_signal(sig)
        return proc.wait(timeout=60)

    def log_text(self):
        return b"".join(self.log).decode(errors="replace")


def sign_in(browser, name=HEAD, passphrase=HEAD_PASSPHRASE):
    browser.open("/sign-in")
    browser.fill({"name": name, "passphrase": passphrase})
    browser.submit()
    return browser


def multipart(fields, files=(), boundary="----sae-test-boundary"):
    """(body, content type) of a multipart/form-data form: fields {name: value} and files
    [(name, filename, bytes)], as a browser sends an upload."""
    parts = [("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
              % (boundary, name, value)).encode() for name, value in fields.items()]
    for name, filename, content in files:
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: application/json\r\n\r\n" % (boundary, name, filename))
                     .encode() + content + b"\r\n")
    body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
    return body, "multipart/form-data; boundary=" + boundary
