"""The district console's data side through the real programs over real HTTPS: a post
refers a survivor to UPT PPA and syncs; the partner sees only its agency's referrals, with
her name only because she consented to share; its answers reach the post on its next sync
and `sae-node show` has them. Two posts record one survivor: the hub proposes the pair,
a coordinator links it and the monthly figures count her once. A locked month shows a
later edit as a revision."""
import datetime
import json
import os
import sqlite3

import saenode
from posts import enrolled

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton


def add(post, kind, *sets):
    args = ["add", kind] + saenode.sets_args(sets)
    return saenode.ok(args, dir=post).out.strip().decode()


def last_month():
    first = saenode.today_wib_date().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=10)


def test_a_partner_answer_reaches_the_post(hub, tmp_path):
    post = enrolled(hub, tmp_path, "pos")
    day = last_month().strftime("%d-%m-%Y")
    shared = add(post, "kasus", "violence_types=fisik", "victim_sex=P", "victim_age=24",
                 "intake_date=" + day, "victim_name=Siti Aminah", "consent_share=ya")
    withheld = add(post, "kasus", "violence_types=psikis", "victim_sex=P", "victim_age=15",
                   "intake_date=" + day, "victim_name=Ayu Lestari", "consent_share=tidak")
    referral = add(post, "rujukan", "case_id=" + shared, "referred_to=UPT PPA",
                   "referral_date=" + day, "referral_reason=Konseling")
    other = add(post, "rujukan", "case_id=" + withheld, "referred_to=UPT PPA",
                "referral_date=" + day)
    add(post, "rujukan", "case_id=" + shared, "referred_to=Puskesmas", "referral_date=" + day)
    assert saenode.run(["sync"], dir=post).rc == 0

    listed = hub.admin_json("referrals", "list", "--agency", "uptd_ppa")
    assert {r["id"] for r in listed} == {referral, other}
    by_id = {r["id"]: r for r in listed}
    assert by_id[referral]["awaiting"] is True
    assert by_id[referral]["share"] == "consent"
    assert by_id[referral]["fields"]["victim_name"] == "Siti Aminah"
    assert by_id[other]["share"] == "none"
    assert "victim_name" not in by_id[other]["fields"]
    assert by_id[other]["age_band"] == "13-17"
    assert len(hub.admin_json("referrals", "list", "--agency", "puskesmas")) == 1
    assert hub.admin_json("referrals", "list", "--agency", "puspaga") == []

    # Refused whole: another agency's referral, a decline without its reason.
    refused = hub.run("referrals", "answer", referral, "accepted", "--by", "Petugas",
                      "--agency", "puskesmas")
    assert refused.returncode == 2 and b"not addressed to puskesmas" in refused.stderr
    refused = hub.run("referrals", "answer", referral, "declined", "--by", "Petugas")
    assert refused.returncode == 2 and b"needs a note" in refused.stderr
    assert all(r["awaiting"] for r in hub.admin_json("referrals", "list", "--agency", "uptd_ppa"))

    hub.ok("referrals", "answer", referral, "accepted", "--note", "Jadwal Senin",
           "--by", "Petugas UPT PPA", "--agency", "uptd_ppa")
    assert saenode.run(["sync"], dir=post).rc == 0
    fields = saenode.show_json(post, referral)["fields"]
    assert fields["referral_status"] == "accepted"
    assert fields["status_date"] == saenode.today_wib_date().isoformat()
    history = saenode.ok(["history", referral, "--json"], dir=post).json()
    answer = [h for h in history if h["field"] == "referral_status"][-1]
    assert answer["author"] == "Petugas UPT PPA" and answer["note"] == "Jadwal Senin"

    # Answered first, then the one still waiting: awaiting referrals come first.
    assert [r["id"] for r in hub.admin_json("referrals", "list", "--agency", "uptd_ppa")] == \
        [other, referral]
    hub.ok("referrals", "answer", referral, "done", "--note", "Konseling tiga kali",
           "--by", "Petugas UPT PPA")
    assert saenode.run(["sync"], dir=post).rc == 0
    fields = saenode.show_json(post, referral)["fields"]
    assert fields["referral_status"] == "completed"
    assert fields["service_note"] == "Konseling tiga kali"
    assert "Selesai ditangani" in saenode.ok(["show", referral], dir=post).text

    # Without consent only an override with its reason shares her name. The accounts --by
    # made are coordinators, so the district key is claimed by now: a partner holds no key
    # (docs/DESIGN.md, sealed values' readers) and sees the shared name masked.
    assert not os.path.exists(os.path.join(hub.dir, "district.key"))
    listed = {r["id"]: r for r in hub.admin_json("referrals", "list", "--agency", "uptd_ppa")}
    assert listed[other]["share"] == "none" and "victim_name" not in listed[other]["fields"]
    hub.ok("referrals", "override", other, "--reason", "Anak dalam bahaya", "--by", "Koord")
    listed = {r["id"]: r for r in hub.admin_json("referrals", "list", "--agency", "uptd_ppa")}
    assert listed[other]["share"] == "override"
    assert listed[other]["fields"]["victim_name"] == "\u2022\u2022\u2022\u2022"


def test_one_survivor_two_posts_counted_once(hub, tmp_path):
    first, second = enrolled(hub, tmp_path, "pos1"), enrolled(hub, tmp_path, "pos2")
    month = last_month()
    a = add(first, "kasus", "violence_types=fisik", "victim_sex=P", "victim_age=30",
            "intake_date=" + month.strftime("%d-%m-%Y"), "victim_name=Ibu Siti Aminah",
            "consent_statistics=ya")
    b = add(second, "kasus", "violence_types=fisik", "victim_sex=P", "victim_age=31",
            "intake_date=" + (month + datetime.timedelta(days=3)).strftime("%d-%m-%Y"),
            "victim_name=SITI AMINAH", "consent_statistics=ya")
    add(second, "kasus", "violence_types=seksual", "victim_sex=L", "victim_age=9",
        "intake_date=" + month.strftime("%d-%m-%Y"), "consent_statistics=tidak")
    for post in (first, second):
        assert saenode.run(["sync"], dir=post).rc == 0

    pairs = hub.admin_json("duplicates", "list")
    assert pairs["high"] == 1 and len(pairs["pairs"]) == 1
    assert {pairs["pairs"][0]["a"]["id"], pairs["pairs"][0]["b"]["id"]} == {a, b}
    assert "name_same" in pairs["pairs"][0]["signals"]
    plain = hub.admin_json("duplicates", "list", "--without-names")
    assert plain["pairs"][0]["grade"] == "medium"
    assert "name_same" not in plain["pairs"][0]["signals"]
    key = os.path.join(hub.dir, "duplicates.key")
    assert saenode.mode(key) == 0o600
    with sqlite3.connect(os.path.join(hub.dir, "hub.db")) as db:
        for table in ("dup_name", "dup_pair", "dup_decision", "dup_survivor"):
            dump = repr(db.execute("SELECT * FROM %s" % table).fetchall())
            assert "iti" not in dump.lower(), table

    ym = month.strftime("%Y-%m")
    before = hub.admin_json("stats", "--month", ym)
    assert before["counted"] == 2 and before["left_out"] == 1 and before["linked"] == 0
    hub.ok("duplicates", "link", a[:8], b[:8], "--by", "Koordinator")
    after = hub.admin_json("stats", "--month", ym)
    assert after["counted"] == 1 and after["linked"] == 1
    rows = after["figures"]["victims_by_sex"]["rows"]
    assert rows == [{"key": "F", "sub": "", "label": "Perempuan", "count": 1}]
    assert hub.admin_json("duplicates", "list")["pairs"] == []
    again = hub.run("duplicates", "distinct", a, b, "--by", "Lain", "--note", "beda")
    assert again.returncode == 2 and b"decided already" in again.stderr

    # The totals equal a direct count of the same data in hub.db.
    with sqlite3.connect(os.path.join(hub.dir, "hub.db")) as db:
        consented = db.execute(
            "SELECT count(*) FROM field_state s JOIN change c ON c.seq = s.change"
            " WHERE s.field = 'consent_statistics' AND c.value = 'true'").fetchone()[0]
    assert consented == after["counted"] + after["linked"]

    # A locked month keeps its figures; a later edit shows as a revision.
    hub.ok("months", "lock", ym, "--by", "Koordinator")
    assert hub.admin_json("months", "list")[0]["revisions"] == 0
    saenode.ok(["edit", a, "--set", "victim_age=17"], dir=first)
    assert saenode.run(["sync"], dir=first).rc == 0
    locked = hub.admin_json("stats", "--month", ym)
    revised = {(r["figure"], r["key"], r["sub"]): (r["locked"], r["now"])
               for r in locked["lock"]["revisions"]}
    assert revised[("victims_by_age_group", "child", "F")] == (0, 1)
    assert revised[("victims_by_age_group", "adult", "F")] == (1, 0)
    refused = hub.run("months", "lock", ym, "--by", "Lain")
    assert refused.returncode == 2 and b"locked already by Koordinator" in refused.stderr
    svg = hub.ok("stats", "--month", ym, "--svg", "victims_by_age_band").stdout
    assert svg.startswith(b"<svg") and b"<script" not in svg
    csv = hub.ok("stats", "--month", ym, "--csv", "cases_by_type").stdout
    assert csv.startswith(b"\xef\xbb\xbfkey,sub,label,count\r\n")


def test_bad_input_changes_nothing(hub):
    """Each refusal: exit 2, one line saying what is allowed, hub.db unchanged."""
    db = os.path.join(hub.dir, "hub.db")

    def state():
        with sqlite3.connect(db) as conn:
            return [conn.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                    for t in ("month_lock", "dup_decision", "referral_override", "change")]

    before = state()
    next_month = (saenode.today_wib_date().replace(day=28) + datetime.timedelta(days=7))
    for args, needle in [
            (["stats", "--month", "2026-13"], b"--month takes YYYY-MM"),
            (["stats", "--month", "1899-12"], b"from 1900-01 to 2100-12"),
            (["stats", "--year", "26"], b"--year takes a year"),
            (["stats", "--month", "2026-01", "--year", "2026"], b"not both"),
            (["stats", "--csv", "nope"], b"no figure is called"),
            (["stats", "--json", "--rekap"], b"give one of"),
            (["stats", "--kecamatan", "Atlantis"], b"--kecamatan"),
            (["duplicates", "list", "--limit", "0"], b"from 1 to 1000"),
            (["duplicates", "list", "--limit", "1001"], b"from 1 to 1000"),
            (["duplicates", "distinct", "abcdef", "123456", "--by", "K"], b"needs --note"),
            (["duplicates", "link", "abcdef", "--by", "K"], b"takes two cases"),
            (["months", "lock", next_month.strftime("%Y-%m"), "--by", "K"], b"not over yet"),
            (["months", "lock", "2026-1", "--by", "K"], b"YYYY-MM"),
            (["months", "lock", "2025-01"], b"needs --by"),
            (["referrals", "list"], b"--agency"),
            (["referrals", "list", "--agency", "other"], b"--agency must be one of"),
            (["referrals", "answer", "abcdef", "maybe", "--by", "P"], b"accepted, declined or done"),
            (["referrals", "override", "abcdef", "--by", "K"], b"needs --reason"),
            (["referrals", "answer", "abcdef", "accepted", "--by", "P", "--note", "x" * 1001],
             b"--note must be 1 to 1000 bytes"),
    ]:
        proc = hub.run(*args)
        assert proc.returncode == 2, (args, proc)
        assert proc.stdout == b"", (args, proc)
        assert proc.stderr.count(b"\n") == 1 and needle in proc.stderr, (args, proc.stderr)
    assert state() == before
    # At the edges: 1000 pairs and the oldest and newest months are allowed.
    hub.ok("duplicates", "list", "--limit", "1000")
    hub.ok("stats", "--month", "1900-01")
    hub.ok("stats", "--month", "2100-12")
