"""A coordinator's search by name and the erasure of a report at the hub, against a real
sae-hub serving the console over HTTPS, with a real sae-node post that synced its cases, in
headless Chromium and by direct requests: a coordinator finds "Siti Rahmawati" by "sit"
through the blind index (whose table holds tokens only); an operator's same search finds no
name and the page says names are for coordinators; a coordinator erases a case from its
confirmation form: the fields read "dihapus" / "erased", every sealed copy is gone, the
name is found no more, the audit keeps who, which and why; hostile input (an operator, no
CSRF token, a long or non-UTF-8 reason or search) is refused and changes nothing; `sae-hub
reports erase` and `reports index` ask the coordinator's password and refuse anyone else.

The district copies the console opens are made at ingest by the daemon (issue 13, P3, the
vault built beside this); until then seal_district_copies stands in for it: it seals to
the district key what the hub holds of each sensitive value without a copy, as ingest
will, and does nothing once ingest makes every copy."""
import os
import shutil
import subprocess

import pytest

import case_pages_world as world
import hubproc
import saenode
import saeproto
from console_client import Console
from posts import sync

pytestmark = pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("chromedriver"),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(scripts/deps.sh installs them)")

SENSITIVE = ("victim_name", "victim_contact", "narrative", "notes")
TABLES = ("change", "sealed_value", "name_index", "erased_report", "audit")


def seal_district_copies(hub):
    public = hub.query("SELECT value FROM meta WHERE key = 'district_public_key'")[0][0]
    rows = hub.query("SELECT c.seq, c.value FROM change c WHERE c.field IN (%s)"
                     " AND c.value IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sealed_value s"
                     " WHERE s.change = c.seq AND s.holder = 0)" % ",".join("?" * len(SENSITIVE)),
                     SENSITIVE)
    for seq, value in rows:
        hub.write_db("INSERT INTO sealed_value(change, holder, sealed) VALUES (?, 0, ?)",
                     (seq, saeproto.seal_value(bytes(public), value)))


def two_cases(hub, tmp_path):
    """A post of the village that synced two cases (hub.siti, hub.dewi), their district
    copies made."""
    post = world.post(hub, tmp_path, "a")
    hub.siti = saenode.add_case(post, victim_name="Siti Rahmawati", narrative="Dipukul di rumah")
    hub.dewi = saenode.add_case(post, victim_name="Dewi Sartika", narrative="Diancam")
    sync(post)
    seal_district_copies(hub)
    return hub


@pytest.fixture
def district(tmp_path, console_hub):
    return two_cases(console_hub, tmp_path)


@pytest.fixture
def one_name_a_search(tmp_path):
    """A hub whose searches catch the index up one name at a time
    (SAE_TEST_NAME_INDEX_CHUNK=1), with coordinator siti and operator budi."""
    hub = hubproc.Hub(tmp_path / "hub").init()
    hub.passwords = {"siti": hub.add_account("siti", "coordinator"),
                     "budi": hub.add_account("budi", "operator")}
    hub.start(env={"SAE_TEST_NAME_INDEX_CHUNK": "1"})
    yield two_cases(hub, tmp_path)
    assert hub.stop() == 0


def signed_in(hub, name):
    c = Console(hub)
    c.sign_in(name, hub.passwords[name])
    c.accept_conduct()
    return c


def browser_as(browser, hub, name):
    b = browser(hub)
    b.sign_in(name, hub.passwords[name])
    if b.path == "/console/conduct":
        b.submit("#accept")
    return b


def found_ids(page_html, hub):
    return {i for i in (hub.siti, hub.dewi) if ("case?id=" + i) in page_html}


def shown(b):
    """What a failed assertion on a page shows: where the browser is and what it reads."""
    return b.driver.current_url, b.text("body")[:600]


def test_coordinator_finds_by_name_and_operator_does_not(district, browser):
    hub = district
    b = browser_as(browser, hub, "siti")
    b.open("/console/reports?q=sit")
    assert found_ids(b.driver.page_source, hub) == {hub.siti}, shown(b)
    assert b.text("#total").startswith("1 "), shown(b)
    assert b.finds("#names-note") == [], shown(b)
    b.open("/console/reports?q=SARTIKA%20dew")  # every word, any case, prefixes
    assert found_ids(b.driver.page_source, hub) == {hub.dewi}, shown(b)
    b.open("/console/reports?q=si")  # under three letters: no names
    assert found_ids(b.driver.page_source, hub) == set(), shown(b)
    # The index holds keyed tokens and report ids, nothing of the names.
    rows = hub.query("SELECT token, report_id FROM name_index")
    assert rows and all(len(t) == 32 for t, _ in rows)
    assert {r for _, r in rows} == {hub.siti, hub.dewi}
    assert not any(b"sit" in bytes(t).lower() for t, _ in rows)
    operator = browser_as(browser, hub, "budi")
    operator.open("/console/reports")
    assert operator.text("#names-note") == "Nama korban hanya dicari oleh koordinator.", (
        shown(operator))
    operator.open("/console/case?id=" + hub.siti)
    assert operator.finds("#fields") and operator.finds("#erase-link") == [], shown(operator)
    operator.open("/console/reports?q=sit")
    assert operator.finds("#reports") and found_ids(operator.driver.page_source, hub) == set(), (
        shown(operator))
    operator.click("#lang-switch")
    operator.open("/console/reports")
    assert operator.text("#names-note") == "Victims' names are searched by coordinators only.", (
        shown(operator))


def test_a_session_from_before_a_restart_searches_no_names(district):
    """The key lived in the daemon's memory only: after a restart the coordinator's session
    goes on, without it; her search finds no name and the page says to sign in again."""
    hub = district
    siti = signed_in(hub, "siti")
    assert found_ids(siti.get("/console/reports?q=sit").text, hub) == {hub.siti}
    assert hub.stop() == 0
    hub.start()
    siti.base = hub.url  # the restarted daemon's port
    r = siti.get("/console/reports?q=sit")
    assert r.status_code == 200
    assert found_ids(r.text, hub) == set()
    assert "keluar lalu masuk lagi" in r.text and 'id="names-note"' in r.text
    again = signed_in(hub, "siti")
    assert found_ids(again.get("/console/reports?q=sit").text, hub) == {hub.siti}


def test_a_search_with_catching_up_left_says_so(one_name_a_search, browser):
    """At one value a search: the first search indexes the first name only and says the
    index is catching up; the next finishes and says nothing."""
    hub = one_name_a_search
    b = browser_as(browser, hub, "siti")
    b.open("/console/reports?q=dewi")
    assert found_ids(b.driver.page_source, hub) == set()
    assert b.text("#names-note").startswith("Indeks nama belum lengkap")
    b.open("/console/reports?q=dewi")
    # Seen once in a clean root under load: no case found, cause unknown; the page and the
    # index's state tell the next one.
    assert found_ids(b.driver.page_source, hub) == {hub.dewi}, (
        b.text("body")[:600], hub.query("SELECT value FROM meta WHERE key ="
                                        " 'name_index_cursor'"),
        hub.query("SELECT count(*) FROM name_index"))
    assert b.finds("#names-note") == []


def test_coordinator_erases_a_case_from_its_page(district, browser):
    hub = district
    b = browser_as(browser, hub, "siti")
    b.open("/console/case?id=" + hub.siti)
    assert b.finds("#erased-notice") == []
    b.click("#erase-link")
    assert b.path == "/console/case/erase"
    b.fill({"erase-reason": "Permintaan korban, surat 12/2026"})
    b.click("#erase-confirm")
    assert b.path == "/console/case"
    assert b.text(".alert.ok") == "Data pribadi laporan ini telah dihapus."
    assert b.text("#erased-notice").startswith("Data pribadi dihapus pada ")
    assert "dihapus" in [e.text for e in b.finds("#fields .erased")]
    assert "Siti Rahmawati" not in b.driver.page_source
    b.click("#lang-switch")
    b.open("/console/case?id=" + hub.siti)
    assert "erased" in [e.text for e in b.finds("#fields .erased")]
    # At the hub: no copy of any of its values, its sensitive values the marker, its other
    # fields and the other case untouched.
    assert hub.query("SELECT count(*) FROM sealed_value WHERE change IN"
                     " (SELECT seq FROM change WHERE report_id = ?)", (hub.siti,)) == [(0,)]
    values = dict(hub.query("SELECT field, value FROM change WHERE report_id = ?"
                            " AND field IN ('victim_name', 'narrative')", (hub.siti,)))
    assert values == {"victim_name": "erased", "narrative": "erased"}
    assert hub.query("SELECT count(*) FROM change WHERE report_id = ? AND field = 'status'"
                     " AND value IS NOT NULL", (hub.siti,)) == [(1,)]
    assert hub.query("SELECT count(*) FROM sealed_value WHERE change IN"
                     " (SELECT seq FROM change WHERE report_id = ?)", (hub.dewi,)) == [(2,)]
    assert hub.query("SELECT actor, target FROM audit WHERE action = 'report-erase'") == [
        ("siti", hub.siti + ": Permintaan korban, surat 12/2026")]
    assert hub.query("SELECT report_id, erased_by FROM erased_report") == [(hub.siti, "siti")]
    # No byte of hub.db or its WAL holds the erased name or story any more (the other case's
    # name is still there: the search below finds it).
    for suffix in ("", "-wal"):
        path = os.path.join(hub.dir, "hub.db" + suffix)
        data = open(path, "rb").read() if os.path.exists(path) else b""
        assert b"Rahmawati" not in data and b"Dipukul di rumah" not in data, suffix
    b.open("/console/reports?q=rahmawati")
    assert found_ids(b.driver.page_source, hub) == set()
    b.open("/console/reports?q=dewi")
    assert found_ids(b.driver.page_source, hub) == {hub.dewi}


def form_post(c, path, fields, csrf=True):
    data = dict(fields)
    if csrf:
        data.setdefault("csrf", c.csrf)
    return c.request("POST", path, data=data)


def test_hostile_erase_and_search_change_nothing(district):
    hub = district
    before = hub.snapshot(TABLES)
    budi = signed_in(hub, "budi")
    r = form_post(budi, "/console/case/erase", {"id": hub.siti, "reason": "x"})
    assert r.status_code == 403
    assert budi.get("/console/case/erase?id=" + hub.siti).status_code == 403
    siti = signed_in(hub, "siti")
    assert form_post(siti, "/console/case/erase", {"id": hub.siti, "reason": "x"},
                     csrf=False).status_code == 403
    assert form_post(siti, "/console/case/erase",
                     {"id": hub.siti, "reason": "x", "csrf": "0" * 64}).status_code == 403
    for reason in ("", "a" * 151, "baris\nkedua"):
        r = form_post(siti, "/console/case/erase", {"id": hub.siti, "reason": reason})
        assert r.status_code == 400, reason
        assert "1 sampai 150 byte" in r.text
    r = siti.request("POST", "/console/case/erase",
                     data=b"id=" + hub.siti.encode() + b"&reason=%FF%FE&csrf=" + siti.csrf.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = form_post(siti, "/console/case/erase", {"id": "ffffffff-0000-4000-8000-000000000000",
                                                "reason": "x"})
    assert r.status_code == 404
    r = siti.get("/console/reports?q=" + "s" * 101)  # one byte over the search's limit
    assert r.status_code == 400 and "1 to 100 bytes" in r.text
    # A query that does not decode to UTF-8 or overflows the query's buffer is no search at
    # all: the whole list, no name.
    for q in ("%FF%FEsiti", "siti" + "x" * 5000):
        r = siti.get("/console/reports?q=" + q)
        assert r.status_code == 200 and "Siti Rahmawati" not in r.text, len(q)
        assert 'value=""' in r.text.split('id="q"')[1].split(">")[0], len(q)
    # The reason at its longest is taken (and is the only change).
    r = form_post(siti, "/console/case/erase", {"id": hub.dewi, "reason": "b" * 150})
    assert r.status_code == 303 or r.status_code == 302, r.text
    after = hub.snapshot(TABLES)
    assert after["erased_report"] != before["erased_report"]
    assert hub.query("SELECT report_id FROM erased_report") == [(hub.dewi,)]
    assert hub.query("SELECT count(*) FROM audit WHERE action = 'report-erase'") == [(1,)]


def reports_cli(hub, verb, *args, password=None):
    return subprocess.run([hubproc.BIN, "-d", hub.dir, "reports", verb] + list(args),
                          input=(password + "\n").encode() if password else b"",
                          capture_output=True, env=hubproc.hub_env(), timeout=60)


def erase_cli(hub, *args, password=None):
    return reports_cli(hub, "erase", *args, password=password)


def test_cli_erase_asks_a_coordinators_password(district):
    hub = district
    before = hub.snapshot(TABLES)
    refusals = [
        (erase_cli(hub, hub.siti, "--as", "siti", "--reason", "x", password="wrong-password"),
         2, "wrong password for siti; nothing was erased"),
        (erase_cli(hub, hub.siti, "--as", "budi", "--reason", "x",
                   password=hub.passwords["budi"]), 2, "budi is no enabled coordinator"),
        (erase_cli(hub, hub.siti, "--as", "siti", password=hub.passwords["siti"]), 2,
         "--reason"),
        (erase_cli(hub, hub.siti, "--as", "siti", "--reason", "a" * 151,
                   password=hub.passwords["siti"]), 2, "150"),
        (erase_cli(hub, hub.siti, "--reason", "x"), 2, "--as COORDINATOR"),
        (erase_cli(hub, "ffffff", "--as", "siti", "--reason", "x",
                   password=hub.passwords["siti"]), 2, "ffffff"),
        (erase_cli(hub, hub.siti, "--as", "siti", "--reason", "x"), 2, "password"),
    ]
    for proc, status, says in refusals:
        assert proc.returncode == status, proc
        assert says in proc.stderr.decode(), proc
        assert len(proc.stderr.decode().strip().splitlines()) == 1, proc
    assert hub.snapshot(TABLES) == before
    proc = erase_cli(hub, hub.siti[:8], "--as", "siti", "--reason", "permintaan korban",
                     password=hub.passwords["siti"])
    assert proc.returncode == 0, proc
    assert proc.stdout.decode().startswith("report %s erased by siti: 2 sealed copies deleted, "
                                           "2 values marked erased" % hub.siti)
    assert hub.query("SELECT actor, address, target FROM audit WHERE action = 'report-erase'") == [
        ("siti", "cli", hub.siti + ": permintaan korban")]
    shown = hub.ok("reports", "show", hub.siti).stdout.decode()
    assert "Siti Rahmawati" not in shown


def test_cli_index_fills_the_index_a_search_would_take_many_chunks_for(one_name_a_search):
    """With searches catching up one name at a time, `reports index --as` fills the whole
    index in one run: the next search has nothing left and finds both names."""
    hub = one_name_a_search
    before = hub.snapshot(TABLES)
    for proc, status, says in (
            (reports_cli(hub, "index", "--as", "budi", password=hub.passwords["budi"]), 2,
             "budi is no enabled coordinator"),
            (reports_cli(hub, "index", "--as", "siti", password="wrong-password"), 2,
             "wrong password for siti; nothing was indexed"),
            (reports_cli(hub, "index", password=hub.passwords["siti"]), 2, "--as"),
            (reports_cli(hub, "index", "--as", "siti", "extra",
                         password=hub.passwords["siti"]), 2, "nothing else")):
        assert proc.returncode == status, proc
        assert says in proc.stderr.decode(), proc
    assert hub.snapshot(TABLES) == before
    proc = reports_cli(hub, "index", "--as", "siti", password=hub.passwords["siti"])
    assert proc.returncode == 0, proc
    assert proc.stdout.decode() == "name index up to date: 2 names read\n"
    assert {r for (r,) in hub.query("SELECT DISTINCT report_id FROM name_index")} == {
        hub.siti, hub.dewi}
    c = signed_in(hub, "siti")
    r = c.get("/console/reports?q=dewi")
    assert found_ids(r.text, hub) == {hub.dewi} and 'id="names-note"' not in r.text
