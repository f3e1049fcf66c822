"""Consent to share, enforced where data leaves the hub, through the real programs: a post
records survivors with and without consent_share (hostile values: spreadsheet formulas,
quotes, commas, markup, line breaks) and their services, syncs over real HTTPS, and every
export `sae-hub export` writes (CSV and JSON, every variant, old and new form) carries the
sensitive values of the consenting survivor only; the others read a visible "no consent"
marker, never a silently empty cell."""
import csv
import io
import json

import case_pages_world as world
from posts import enrolled
import saenode

VILLAGE = "Sumberanyar"
MARK = "[tanpa persetujuan berbagi / no consent to share]"
SHARED_NAME = "=HYPERLINK(\"http://x\",\"Siti\"), 'Aminah' <b>"
WITHHELD_NAME = "=cmd|' /C calc'!A0 \"Ayu\", <script>x</script>"
WITHHELD_STORY = "Baris satu, \"kutip\"\nBaris dua =1+1"
WITHHELD_NOTES = "Catatan rahasia; @SUM(1)"
UNSAID_NAME = "Rina Tanpa Jawaban"


def export(hub, tmp_path, name, *args):
    path = tmp_path / name
    hub.ok("export", *args, "-o", str(path))
    return path.read_text(encoding="utf-8-sig")


def csv_rows(text):
    """The CSV's rows by id; a cell a spreadsheet would run as a formula starts with a quote
    there (the export's defence), left out here."""
    return {row["id"]: {k: v[1:] if v.startswith("'=") else v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))}


def json_rows(text):
    return {r["id"]: r["fields"] for r in json.loads(text)}


def test_no_export_carries_a_sensitive_value_without_consent(hub, tmp_path):
    post = enrolled(hub, tmp_path, "pos")
    shared = saenode.add_case(post, victim_name=SHARED_NAME, narrative="Cerita dibagikan",
                              consent_share="ya")
    withheld = saenode.add_case(post, victim_name=WITHHELD_NAME, narrative=WITHHELD_STORY,
                                victim_contact="Jl. Melati 3", consent_share="tidak")
    unsaid = saenode.add_case(post, victim_name=UNSAID_NAME)
    note = saenode.add_service(post, withheld, notes=WITHHELD_NOTES)
    shared_note = saenode.add_service(post, shared, notes="Catatan dibagikan")
    assert saenode.run(["sync"], dir=post).rc == 0

    old_csv = csv_rows(export(hub, tmp_path, "old.csv", "--format", "csv"))
    old_json = json_rows(export(hub, tmp_path, "old.json", "--format", "json"))
    full_csv = csv_rows(export(hub, tmp_path, "full.csv", "--format", "csv", "--variant",
                               "full"))
    full_json = json_rows(export(hub, tmp_path, "full.json", "--format", "json",
                                 "--variant", "full"))
    for rows in (old_csv, old_json, full_csv, full_json):
        assert rows[shared]["victim_name"] == SHARED_NAME
        assert rows[shared_note]["notes"] == "Catatan dibagikan"
        for case, fields in ((withheld, ("victim_name", "narrative", "victim_contact")),
                             (unsaid, ("victim_name",)), (note, ("notes",))):
            for field in fields:
                assert rows[case][field] == MARK, (case, field, rows[case])
        # What is not sensitive still leaves.
        assert rows[withheld]["victim_sex"] == "F"
    for name in ("old.csv", "old.json", "full.csv", "full.json"):
        raw = (tmp_path / name).read_bytes()
        for secret in (WITHHELD_NAME, "Baris satu", WITHHELD_NOTES, UNSAID_NAME,
                       "Jl. Melati"):
            assert secret.encode() not in raw, (name, secret)
    # The de-identified variant writes no sensitive column at all.
    deid = export(hub, tmp_path, "deid.csv", "--format", "csv", "--variant", "deidentified")
    assert "victim_name" not in deid.splitlines()[0] and "Siti" not in deid


def test_the_api_gives_a_story_only_with_consent(tmp_path):
    """The conflicts queue of the console's API: a sensitive value is withheld from every role
    while the survivor has not consented to share ("no_consent": true), and given to a
    coordinator, audited, once she has."""
    w = world.build(tmp_path, narrative="Cerita awal")
    world.edit(w.a, w.case, "narrative=" + WITHHELD_STORY)
    world.edit(w.b, w.case, "narrative=Versi b")
    world.sync(w.a)
    world.sync(w.b)
    coordinator, operator = world.client(w, "siti"), world.client(w, "budi")

    def story(client):
        queue = client.api("GET", "/conflicts").json()["conflicts"]
        return next(c for c in queue if c["field"] == "narrative")

    for client in (coordinator, operator):
        withheld = story(client)
        values = [withheld["standing"]] + [c["change"] for c in withheld["candidates"]]
        assert all(v["value"] is None and v["masked"] and v["no_consent"] for v in values)
        assert "Baris satu" not in str(withheld)
    assert not w.hub.query("SELECT 1 FROM audit WHERE action = 'case-reveal'")

    world.edit(w.c, w.case, "consent_share=ya")
    world.sync(w.c)
    given = story(coordinator)
    assert WITHHELD_STORY in [c["change"]["value"] for c in given["candidates"]]
    assert not given["standing"]["no_consent"]
    assert ("siti", "case-reveal") in w.hub.query("SELECT actor, action FROM audit")
    hidden = story(operator)  # the operator's role still masks it, consent or not
    assert hidden["standing"]["value"] is None and not hidden["standing"]["no_consent"]
    w.hub.stop()


def test_the_case_page_says_what_does_not_leave_the_district(tmp_path, browser):
    """In headless Chromium: a coordinator's case file says, in Indonesian and then in
    English, that this survivor's sensitive values do not leave the district; once she
    consents the notice is gone. The hostile name stays text."""
    w = world.build(tmp_path, name_a=WITHHELD_NAME)
    b = browser(w.hub)
    b.sign_in("siti", w.passwords["siti"])
    if b.path == "/console/conduct":
        b.submit("#accept")
    b.open("/console/case?id=" + w.case)
    assert "Tanpa persetujuan berbagi" in b.text("#no-consent")
    assert not b.alert_open()
    b.click("#lang-switch")  # the language is kept for the next pages
    b.open("/console/case?id=" + w.case)
    assert "No consent to share" in b.text("#no-consent")
    world.edit(w.a, w.case, "consent_share=ya")
    world.sync(w.a)
    b.open("/console/case?id=" + w.case)
    assert not b.finds("#no-consent")
    w.hub.stop()
