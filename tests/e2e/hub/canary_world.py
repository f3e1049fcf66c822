"""The canaries' scenario (issue 13, "Tests that must exist"): a district's life through the
real programs, with a unique marker in every sensitive field each writer writes at each
moment, leaving behind every directory, backup and log the programs wrote.

- The hub is an existing plaintext one (fixture hub-schema-2, migrated by the serve that
  opens it), given accounts and its recovery key, serving HTTPS on 127.0.0.1.
- Posts: a1 (Sumberanyar) is the post app (`sae-node serve`, its loop syncing), its case
  written and later its story corrected through the app's forms by its signed-in head; a2
  (Sumberanyar) and b1 (Kalibuntu) on the command line; m (Sumberanyar) an existing plaintext journal (fixture
  node-schema-8, migrated at its first open), enrolled. Every post has a head of post who
  holds its storage key, so no `storage.key` is left: what P1 speaks of.
- The district edits a1's case on the console's form and b1's on the command line; the
  puskesmas (a partner account) answers a1's referral with its service note; a2 and m
  edit one name apart, and a coordinator decides the conflict with a value of her own on the
  console's API.
- Backups (with their passphrase) of a1 while it serves, of b1, and of the hub while it
  serves; b1 writes on after its backup, then is restored onto a new directory that writes
  and sends with `sae-node run`; the hub's backup is restored into a directory of its own.
  a2 is revoked and wiped at its next sync (its directory is copied just before). The
  coordinator erases m's case at the hub (`reports erase --as`); m's next sync wipes it.
- What `sae-hub serve`, `sae-node serve` and `run` logged on stderr goes to files; a full
  export lies aside (not searched: it is meant to hold names), and proves that markers did
  reach the district.

The directories are copied while everything still runs (WAL and -shm present) and are left
as they are after everything stopped."""
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
from types import SimpleNamespace

import hubproc
import node_app
import posts
import saenode
from console_client import signed_in
from test_post_app_staff import Client

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
HUB_FIXTURE = os.path.join(FIXTURES, "hub-schema-2")
NODE_FIXTURE = os.path.join(FIXTURES, "node-schema-8")
# The sensitive values the fixtures hold in plain text (their READMEs): the markers of the
# writers of before.
HUB_FIXTURE_VALUES = ("Siti Contoh",)
NODE_FIXTURE_VALUES = ("Siti Contoh", "Siti Rahma Contoh", "Dewi Contoh", "Kronologi singkat")
HEAD, HEAD_PASS = node_app.HEAD, node_app.HEAD_PASSPHRASE
PASSPHRASE = hubproc.BACKUP_PASSPHRASE
OTHER_VILLAGE = "Kalibuntu"


class Canaries:
    """Markers, each unique to one writer, one moment and one field, with what it was."""

    def __init__(self):
        self.labels = {}

    def one(self, what):
        marker = "KANARI-%d-%s" % (len(self.labels), secrets.token_hex(6))
        self.labels[marker] = what
        return marker

    def every_field(self, who):
        """{kind: {field: marker}} for every sensitive field of every kind."""
        return {kind: {field: self.one("%s %s.%s" % (who, kind, field)) for field in fields}
                for kind, fields in saenode.sensitive_fields().items()}

    def known(self, value, what):
        self.labels[value] = what
        return value

    def markers(self):
        return list(self.labels)

    def of(self, what):
        """The marker labelled what."""
        found = [m for m, label in self.labels.items() if label == what]
        assert len(found) == 1, (what, found)
        return found[0]


def copy_private(src, dst, names):
    os.makedirs(dst, mode=0o700)
    for name in names:
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
        os.chmod(os.path.join(dst, name), 0o600)
    return dst


def file_holds(path, values):
    with open(path, "rb") as f:
        data = f.read()
    return all(v.encode() in data for v in values)


def add_head(post):
    saenode.ok(["users", "add", HEAD, "--role", "head"], dir=post,
               input=(HEAD_PASS + "\n").encode())
    assert not os.path.exists(os.path.join(post, "storage.key"))


def write_events(post, case, marks):
    """A service, a referral (to the puskesmas) and a shelter stay of case, each sensitive
    field marked; returns the referral's id."""
    saenode.add_service(post, case, **marks["service"])
    referral = saenode.add_referral(post, case, **marks["referral"])
    values = {"case_id": case, "admission_date": "2026-01-08"}
    values.update(marks["shelter_stay"])
    saenode.ok(["add", "shelter_stay"] + saenode.set_args("shelter_stay", values), dir=post)
    return referral


def write_everything(post, marks):
    case = saenode.add_case(post, **marks["case"])
    write_events(post, case, marks)
    return case


def edit(post, report, **values):
    saenode.ok(["edit", report] + saenode.set_args("case", values), dir=post)


def show_as_head(post, report):
    return saenode.ok(["show", report, "--json", "--as", HEAD], dir=post,
                      input=(HEAD_PASS + "\n").encode()).json()["fields"]


def backup(post, path):
    saenode.ok(["backup", str(path)], dir=post, input=(PASSPHRASE + "\n").encode())
    return str(path)


def origin(post):
    return int(saenode.ok(["status", "--json"], dir=post).json()["origin"], 16)


def wait_sent(post, what):
    """Until the post app's loop has sent everything (it syncs every second)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = saenode.ok(["status", "--json"], dir=post).json()
        if status["pending"] == 0 and not status.get("last_error"):
            return
        time.sleep(0.2)
    raise AssertionError("the post app's loop did not send %s: %r" % (what, status))


def run_until_sent(post, log):
    """`sae-node run --interval 1` until it has sent everything, then SIGTERM; what it
    logged goes to log."""
    with open(log, "wb") as err:
        proc = subprocess.Popen([saenode.BIN, "-d", post, "run", "--interval", "1"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=saenode.clean_env())
        try:
            wait_sent(post, "its changes")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0


def migrated_hub(tmp_path, canaries):
    d = copy_private(HUB_FIXTURE, str(tmp_path / "hub"),
                     ("hub.db", "hub.key", "tls-cert.pem", "tls-key.pem"))
    assert file_holds(os.path.join(d, "hub.db"), HUB_FIXTURE_VALUES)  # plaintext before
    for value in HUB_FIXTURE_VALUES:
        canaries.known(value, "hub-schema-2 fixture victim_name")
    hub = hubproc.Hub(d).start()
    hub.passwords = {name: hub.add_account(name, role) for name, role in
                     (("siti", "coordinator"), ("budi", "operator"), ("rina", "admin"))}
    hub.passwords["mitra"] = hub.add_account("mitra", "partner", agency="puskesmas")
    hub.ok("keys", "init-recovery")
    assert not os.path.exists(os.path.join(d, "district.key"))
    return hub


def migrated_post(hub, tmp_path, canaries):
    """The schema-8 journal, opened (migrated: its values sealed), enrolled while its key is
    still unclaimed (the copies for the hub are made from it), then claimed by a head."""
    d = copy_private(NODE_FIXTURE, str(tmp_path / "m"), ("node.db", "node.key"))
    assert file_holds(os.path.join(d, "node.db"), NODE_FIXTURE_VALUES[1:])
    for value in NODE_FIXTURE_VALUES:
        canaries.known(value, "node-schema-8 fixture")
    assert "journal ok" in saenode.ok(["check"], dir=d).text
    posts.enroll(hub, d, "m")
    posts.sync(d)
    add_head(d)
    return d


def app_post(hub, app, canaries):
    """a1: the post app, enrolled, serving with its loop; a case through the app's form."""
    app.add_staff(HEAD, HEAD_PASS, role="head")
    saenode.ok(["config", "author", "Staf a1"], dir=app.dir)
    posts.enroll(hub, app.dir, "a1")
    app.start(interval=1)
    marks = canaries.every_field("a1 app")
    head = Client(app.url)
    assert head.sign_in(HEAD, HEAD_PASS)[0] == 303
    form = {"csrf": head.csrf("/case/new"), "intake_date": "05-01-2026", "victim_sex": "F",
            "violence_types/physical": "1"}
    form.update(marks["case"])
    case = [posted_case(head, form)]
    # Consent to share: the district's full export then carries her values (the control).
    saenode.ok(["edit", case[0], "--set", "consent_share=true"], dir=app.dir)
    app.referral = write_events(app.dir, case[0], marks)
    return case[0], head


def posted_case(client, form):
    """The id of the case a post of the app's Kasus baru form made (its redirect names it)."""
    try:
        client.opener.open(client.base + "/case/new", data=urllib.parse.urlencode(form).encode(),
                           timeout=60)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303, answer.read()[:500]
        query = urllib.parse.urlparse(answer.headers["Location"]).query
        return urllib.parse.parse_qs(query)["id"][0]
    raise AssertionError("Kasus baru did not redirect to the new case")


def district_edits(hub, a1_case, b1_case, canaries):
    siti = signed_in(hub, "siti")
    contact = canaries.one("district console edit case.victim_contact")
    r = siti.request("POST", "/console/case/edit", data={
        "csrf": siti.csrf, "id": a1_case, "field": "victim_contact", "value": contact,
        "reason": "nomor yang benar"})
    assert r.status_code in (200, 303), (r.status_code, r.text[:500])
    assert hub.query("SELECT count(*) FROM change WHERE report_id = ? AND field = ?",
                     (a1_case, "victim_contact"))[0][0] == 2
    narrative = canaries.one("district cli edit case.narrative")
    hub.ok("reports", "edit", b1_case, "--set-file",
           "narrative=%s" % saenode.value_file(narrative), "--by", "siti")
    return siti


def partner_answers(hub, referral, canaries):
    """The puskesmas accepts a1's referral and reports it done with its service note."""
    mitra = signed_in(hub, "mitra")
    for answer in ({"answer": "accepted"},
                   {"answer": "done", "note": canaries.one("partner answer referral.note")}):
        r = mitra.api("POST", "/referrals/answer", dict(answer, id=referral))
        assert r.status_code == 200, r.text


def conflict_and_resolution(hub, siti, a2, m, case, canaries):
    """a2 and m rename a2's case apart; a coordinator enters a third name."""
    edit(a2, case, victim_name=canaries.one("a2 conflicting case.victim_name"))
    edit(m, case, victim_name=canaries.one("m conflicting case.victim_name"))
    posts.sync(a2)
    posts.sync(m)
    queue = siti.api("GET", "/conflicts?report=" + case).json()["conflicts"]
    named = [c for c in queue if c["field"] == "victim_name"]
    assert len(named) == 1, queue
    decided = canaries.one("district resolution case.victim_name")
    seen = ",".join(str(c["change"]["seq"]) for c in named[0]["candidates"])
    r = siti.api("POST", "/conflicts/decide", {"conflict": str(named[0]["id"]), "seen": seen,
                                               "action": "value", "value": decided,
                                               "note": "nama menurut KTP"})
    assert r.status_code == 200, r.text


def enrolled_with_head(hub, tmp_path, name, village=saenode.VILLAGE):
    post = posts.enrolled(hub, tmp_path, name, village)
    add_head(post)
    return post


def build(tmp_path):
    c = Canaries()
    w = SimpleNamespace(canaries=c, tmp=tmp_path, aside=str(tmp_path / "aside"),
                        posts_out=str(tmp_path / "posts-out"), hub_out=str(tmp_path / "hub-out"),
                        running=str(tmp_path / "running"))
    # Where the posts' and the hub's backups and logs go: searched whole, so a temporary file
    # a backup left beside its FILE is searched too.
    for d in (w.aside, w.posts_out, w.hub_out):
        os.makedirs(d, mode=0o700)
    w.hub = hub = migrated_hub(tmp_path, c)
    w.app = node_app.PostApp(str(tmp_path / "a1"))
    w.a1 = w.app.dir
    try:
        w.m = migrated_post(hub, tmp_path, c)
        w.a2 = enrolled_with_head(hub, tmp_path, "a2")
        w.b1 = enrolled_with_head(hub, tmp_path, "b1", OTHER_VILLAGE)
        a1_case, head = app_post(hub, w.app, c)
        run_scenario(w, a1_case, head)
        # While everything still runs: WAL and shared memory as the programs leave them.
        for name, d in (("hub", hub.dir), ("a1", w.a1), ("m", w.m), ("b1r", w.b1r)):
            shutil.copytree(d, os.path.join(w.running, name))
        assert head.request("/case?id=" + a1_case)[0] == 200  # the app still serves
    finally:
        app_rc = w.app.stop()
        hub_rc = hub.stop()
        with open(os.path.join(w.posts_out, "post-app.log"), "wb") as f:
            f.write(b"".join(w.app.log))
        with open(os.path.join(w.hub_out, "hub-serve.log"), "wb") as f:
            f.write(hub.log_text())
    assert (app_rc, hub_rc) == (0, 0), (w.app.log_text()[-2000:], hub.log_text()[-2000:])
    w.post_roots = [w.a1, w.a2, w.b1, w.b1r, w.m, w.posts_out] + \
        [os.path.join(w.running, n) for n in ("a1", "m", "b1r", "a2-before-revocation")]
    w.hub_roots = [hub.dir, w.hub_restored, w.hub_out, os.path.join(w.running, "hub")]
    return w


def run_scenario(w, a1_case, head):
    c, hub = w.canaries, w.hub
    w.a1_case = a1_case
    w.a2_case = write_everything(w.a2, c.every_field("a2"))
    w.b1_case = write_everything(w.b1, c.every_field("b1"))
    w.m_case = write_everything(w.m, c.every_field("m"))
    for post in (w.a2, w.b1, w.m):
        posts.sync(post)
    wait_sent(w.a1, "its case")
    for post in (w.a2, w.m):
        posts.sync(post)  # each receives the others' reports of the village
    siti = district_edits(hub, a1_case, w.b1_case, c)
    partner_answers(hub, w.app.referral, c)
    conflict_and_resolution(hub, siti, w.a2, w.m, w.a2_case, c)
    # The head corrects the story on the app's edit form (fields it does not post stay).
    status, page = head.request("/case/edit", {
        "csrf": head.csrf("/case/edit?id=" + a1_case), "id": a1_case,
        "narrative": c.one("a1 app edit case.narrative")})
    assert status == 303, page[:500]
    backups_and_restores(w)
    for post in (w.a2, w.m):
        posts.sync(post)
    wait_sent(w.a1, "the edits")
    markers_travelled(w)
    export_aside(w, siti)
    erasure_reaches_m(w)
    # a2 is revoked: its next contact wipes it (its directory as it was is kept first).
    shutil.copytree(w.a2, os.path.join(w.running, "a2-before-revocation"))
    hub.revoke(origin(w.a2))
    assert saenode.run(["sync"], dir=w.a2).rc == 3


def backups_and_restores(w):
    """Backups while the app and the hub serve; b1 writes on after its own, then its laptop
    is lost: its backup is restored onto a new one, which records and sends with `run`. The
    hub's backup is restored into a directory of its own, opened once."""
    c, hub = w.canaries, w.hub
    backup(w.a1, os.path.join(w.posts_out, "a1.saebak"))
    posts.sync(w.b1)
    backup(w.b1, os.path.join(w.posts_out, "b1.saebak"))
    res = hub.backup(os.path.join(w.hub_out, "hub.saebak"))
    assert res.returncode == 0, res
    write_everything(w.b1, c.every_field("b1 after its backup"))
    posts.sync(w.b1)
    w.b1r = str(w.tmp / "b1r")
    res = saenode.run(["restore", os.path.join(w.posts_out, "b1.saebak"), w.b1r],
                      input=(PASSPHRASE + "\n").encode())
    assert res.rc == 0, res
    write_everything(w.b1r, c.every_field("b1 restored"))
    run_until_sent(w.b1r, os.path.join(w.posts_out, "b1r-run.log"))
    w.hub_restored = str(w.tmp / "hub-restored")
    res = hubproc.restore(os.path.join(w.hub_out, "hub.saebak"), w.hub_restored)
    assert res.returncode == 0, res
    hubproc.Hub(w.hub_restored).ok("reports", "list", "--json")


def markers_travelled(w):
    """What the posts show, opened with their head's passphrase, proves the markers went
    where the scenario says: the coordinator's decision to m, the app's edit and the
    partner's answer on a1 (its loop pulls every second), the district's edit to b1's
    restored laptop."""
    c = w.canaries
    assert show_as_head(w.m, w.a2_case)["victim_name"] == \
        c.of("district resolution case.victim_name")
    assert show_as_head(w.a1, w.a1_case)["narrative"] == c.of("a1 app edit case.narrative")
    deadline = time.monotonic() + 60
    while show_as_head(w.a1, w.app.referral)["service_note"] != \
            c.of("partner answer referral.note"):
        assert time.monotonic() < deadline, "the partner's answer did not reach the post app"
        time.sleep(0.5)
    assert show_as_head(w.b1r, w.b1_case)["narrative"] == \
        c.of("district cli edit case.narrative")


def erasure_reaches_m(w):
    """A survivor's request: the coordinator erases m's case at the hub; m's next sync
    replaces every sensitive value it holds of it by the erased mark."""
    hub = w.hub
    res = subprocess.run([hubproc.BIN, "-d", hub.dir, "reports", "erase", w.m_case, "--as",
                          "siti", "--reason", "permintaan korban"],
                         input=(hub.passwords["siti"] + "\n").encode(), capture_output=True,
                         env=hubproc.hub_env(), timeout=60)
    assert res.returncode == 0, res
    assert posts.sync(w.m)["erased"] > 0
    values = saenode.sql(w.m, "SELECT DISTINCT value FROM journal WHERE report_id = '%s'"
                              " AND field IN ('victim_name', 'narrative')" % w.m_case)
    assert values == [("erased:",)], values


def export_aside(w, siti):
    """The coordinator's full export from the console (her session holds the district key),
    written aside: it must hold a1's consented name."""
    r = siti.get("/console/export?format=csv&variant=full")
    assert r.status_code == 200, r.text[:500]
    fd = os.open(os.path.join(w.aside, "export.csv"), os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                 0o600)  # survivors' data, as the programs write exports
    with os.fdopen(fd, "wb") as f:
        f.write(r.content)
    name = w.canaries.of("a1 app case.victim_name")
    assert name in r.content.decode("utf-8-sig"), "the coordinator's full export lacks the " \
        "consented name %s: the district's copy of the values is lost or masked to her" % name
