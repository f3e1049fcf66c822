"""Every bad input of issue 2: exit status 2, exactly one line on stderr that starts
"sae-node: error:" and names the problem, nothing on stdout, and the node directory
byte-for-byte unchanged (same file names, same sha256 of every file)."""
import os
import sqlite3
import uuid

import pytest

import saenode
from saenode import assert_usage_error, case_sets, run, snapshot

VIOLENCE_CODES = ["physical", "psychological", "sexual", "exploitation", "trafficking",
                  "neglect", "other"]
KINDS = "case, service, referral, shelter_stay"


def service_args(case_id, **extra):
    values = {"case_id": case_id, "service_type": "counselling", "service_date": "2026-01-06"}
    values.update(extra)
    args = ["add", "service"]
    for name, value in values.items():
        if value is not None:
            args += ["--set", "%s=%s" % (name, value)]
    return args


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# name -> (function(ctx) returning (args, stdin), words the error line must hold; "{x}" in a
# word is ctx.x). ctx has dir, case, deleted, service, referral, ids, tmp, unknown (a random
# id that matches no report) and unknown8 (its first 8 characters).
BAD = {
    "unknown kind": (lambda c: (["add", "incident", "--set", "status=new"], None),
                     ["unknown kind", "incident", KINDS]),
    "unknown kind in list": (lambda c: (["list", "--kind", "incident"], None),
                             ["unknown kind", KINDS]),
    "unknown kind in fields": (lambda c: (["fields", "incident"], None),
                               ["unknown kind", KINDS]),
    "unknown field on add": (lambda c: (["add", "case"] + case_sets(colour="red"), None),
                             ['no field "colour"', "sae-node fields case"]),
    "unknown field on edit": (lambda c: (["edit", c.case, "--set", "colour=red"], None),
                              ['no field "colour"', "tidak dikenal", "sae-node fields case"]),
    "unknown field on unset": (lambda c: (["edit", c.case, "--unset", "colour"], None),
                               ['no field "colour"']),
    "enum not allowed": (lambda c: (["add", "case"] + case_sets(violence_types="punching"),
                                    None),
                         ["violence_types", "punching", "not allowed", "tidak dikenal"]
                         + VIOLENCE_CODES + ["Fisik", "Psikis"]),
    "enum not allowed on edit": (lambda c: (["edit", c.case, "--set", "risk_level=extreme"],
                                            None),
                                 ["risk_level", "extreme",
                                  "high (Tinggi), medium (Sedang), low (Rendah)"]),
    "enum sex not allowed": (lambda c: (["add", "case"] + case_sets(victim_sex="X"), None),
                             ["victim_sex", "F (Perempuan), M (Laki-laki)"]),
    "enum service type not allowed": (
        lambda c: (service_args(c.case, service_type="massage"), None),
        ["service_type", "massage", "counselling", "legal_aid", "reintegration"]),
    "enum with invalid utf-8": (lambda c: (["add", "case"] + case_sets(violence_types=b"fisik\xff"),
                                           None),
                                ["violence_types", "not allowed", "physical"]),
    "int 121": (lambda c: (["add", "case"] + case_sets(victim_age="121"), None),
                ["victim_age", "121", "out of range", "0 to 120"]),
    "int -1": (lambda c: (["add", "case"] + case_sets(victim_age="-1"), None),
               ["victim_age", "-1", "out of range", "0 to 120"]),
    "int huge": (lambda c: (["add", "case"] + case_sets(victim_age="99999999999999999999"),
                            None),
                 ["victim_age", "0 to 120"]),
    "int not a number": (lambda c: (["add", "case"] + case_sets(victim_age="ten"), None),
                         ["victim_age", "not a number", "0 to 120"]),
    "int with decimals": (lambda c: (["edit", c.case, "--set", "victim_age=12.5"], None),
                          ["victim_age", "0 to 120"]),
    "date malformed": (lambda c: (["add", "case"] + case_sets(intake_date="2026-1-5"), None),
                       ["intake_date", "2026-1-5", "YYYY-MM-DD"]),
    "date in words": (lambda c: (["add", "case"] + case_sets(intake_date="5 Januari 2026"),
                                 None),
                      ["intake_date", "YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY", "tanggal ditulis"]),
    "date day first, impossible": (lambda c: (["add", "case"] + case_sets(
        intake_date="30/02/2026"), None), ["intake_date", "30/02/2026", "real calendar date"]),
    # Catalogue 2: old fields, assigned numbers, sets and areas.
    "old single type written": (lambda c: (["edit", c.case, "--set", "violence_type=sexual"],
                                           None),
                                ["violence_type", "old cases only", "use violence_types"]),
    "registration number set by hand": (lambda c: (["edit", c.case, "--set",
                                                    "registration_number=1"], None),
                                        ["registration_number", "cannot be set"]),
    "add to a field that is not a set": (lambda c: (["edit", c.case, "--add", "risk_level=high"],
                                                    None), ["--add", "not one", "--set"]),
    "remove on add": (lambda c: (["add", "case", "--remove", "impacts=fisik"] + case_sets(),
                                 None), ["--remove", "only for edit"]),
    "set emptied": (lambda c: (["edit", c.case, "--remove", "violence_types=physical"], None),
                    ["violence_types", "at least one"]),
    "unknown village name": (lambda c: (["edit", c.case, "--set",
                                         "residence_village=Sumberanyr"], None),
                             ["residence_village", "Sumberanyar"]),
    "shared village name": (lambda c: (["edit", c.case, "--set",
                                        "residence_village=Karanganyar"], None),
                            ["residence_village", "Karanganyar", "35.13."]),
    "unknown registration number": (lambda c: (["show", "3513122018-2026-9999"], None),
                                    ["no case has registration number 3513122018-2026-9999"]),
    # Rules across fields (the populated case's intake is 2026-01-05).
    "incident after intake": (lambda c: (["edit", c.case, "--set", "incident_date=06-01-2026"],
                                         None),
                              ["incident_date 2026-01-06", "tanggal kejadian tidak boleh"]),
    "intake in the future": (lambda c: (["add", "case"] + case_sets(intake_date="2099-01-01"),
                                        None), ["intake_date 2099-01-01", "in the future"]),
    "service before intake": (lambda c: (service_args(c.case, service_date="04/01/2026"),
                                         None),
                              ["service_date 2026-01-04", "before the case's intake_date",
                               "tanggal tidak boleh sebelum"]),
    "closed without reason": (lambda c: (["edit", c.case, "--set", "status=selesai"], None),
                              ["closure_reason", "alasan"]),
    "referral completed while sent": (lambda c: (["edit", c.referral, "--set",
                                                  "referral_status=completed", "--set-file",
                                                  "service_note=" + write(c.tmp, "note", b"x")],
                                                 None),
                                      ["from sent to completed", "alur rujukan"]),
    "referral declined without reason": (lambda c: (["edit", c.referral, "--set",
                                                     "referral_status=ditolak"], None),
                                         ["decline_reason"]),
    "date 2026-02-30": (lambda c: (["add", "case"] + case_sets(intake_date="2026-02-30"), None),
                        ["intake_date", "2026-02-30", "YYYY-MM-DD"]),
    "date 2025-02-29": (lambda c: (["edit", c.case, "--set", "incident_date=2025-02-29"], None),
                        ["incident_date", "2025-02-29"]),
    "date month 13": (lambda c: (["add", "case"] + case_sets(intake_date="2026-13-01"), None),
                      ["intake_date", "2026-13-01"]),
    "text over limit": (lambda c: (["add", "case", "--set-file", "narrative=" + write(
        c.tmp, "n.txt", b"a" * 32769)] + case_sets(), None),
        ["narrative", "32769", "32768"]),
    "text over limit from stdin": (lambda c: (["edit", c.case, "--set-file", "narrative=-"],
                                              b"b" * 40000),
                                   ["narrative", "32768"]),
    "victim name over limit": (lambda c: (["add", "case"] + case_sets(victim_name="n" * 201),
                                          None),
                               ["victim_name", "201", "200"]),
    "invalid utf-8 in argv": (lambda c: (service_args(c.case) + [b"--set", b"provider=Siti\xff"],
                                         None),
                              ["provider", "UTF-8"]),
    "invalid utf-8 in a name": (lambda c: (["add", "case"] + case_sets(victim_name=b"Siti\xff"),
                                           None),
                                ["victim_name", "UTF-8"]),
    "invalid utf-8 overlong": (lambda c: (["edit", c.case, "--set-file", "victim_name=" + write(
        c.tmp, "overlong", b"a\xc0\xafb")], None), ["victim_name", "UTF-8"]),
    "invalid utf-8 surrogate": (lambda c: (["add", "case"] + case_sets(
        victim_name=b"\xed\xa0\x80"), None), ["victim_name", "UTF-8"]),
    "invalid utf-8 truncated": (lambda c: (["add", "case"] + case_sets(
        victim_name=b"Sit\xe2\x82"), None), ["victim_name", "UTF-8"]),
    "invalid utf-8 in file": (lambda c: (["add", "case", "--set-file", "narrative=" + write(
        c.tmp, "latin1.txt", "Kronologi café".encode("latin-1"))] + case_sets(), None),
        ["narrative", "UTF-8"]),
    "NUL in file": (lambda c: (["add", "case", "--set-file", "narrative=" + write(
        c.tmp, "nul.txt", b"baris satu\x00baris dua")] + case_sets(), None),
        ["narrative", "NUL"]),
    "NUL at end of file": (lambda c: (["edit", c.case, "--set-file", "victim_name=" + write(
        c.tmp, "nul2.txt", b"Siti\x00")], None), ["victim_name", "NUL"]),
    "NUL from stdin": (lambda c: (["edit", c.case, "--set-file", "narrative=-"], b"a\x00b"),
                       ["narrative", "NUL"]),
    "control character in one-line text": (lambda c: (["add", "case"] + case_sets(
        victim_name="Siti\nAminah"), None), ["victim_name", "control"]),
    "empty text": (lambda c: (["add", "case"] + case_sets(victim_name=""), None),
                   ["victim_name", "empty"]),
    "bool not allowed": (lambda c: (["add", "case"] + case_sets(consent_share="maybe"), None),
                         ["consent_share", "maybe", "true, false"]),
    "missing required on add": (lambda c: (["add", "case"] + case_sets(intake_date=None),
                                           None),
                                ["intake_date", "--set intake_date="]),
    "missing required violence type": (lambda c: (["add", "case"] + case_sets(
        violence_types=None), None), ["violence_types", "--set violence_types="]),
    "missing required case_id": (lambda c: (service_args(None), None), ["case_id"]),
    "missing required referral target": (lambda c: (
        ["add", "referral", "--set", "case_id=" + c.case, "--set", "referral_date=2026-01-01"],
        None), ["referred_to"]),
    "reference to unknown report": (lambda c: (service_args(c.unknown), None),
                                    ["case_id", "no report has id"]),
    "reference prefix unknown": (lambda c: (service_args(c.unknown[:8]), None),
                                 ["case_id", "no report has id"]),
    "reference malformed": (lambda c: (service_args("kasus-1"), None),
                            ["case_id", "not a report id"]),
    "reference to a service": (lambda c: (service_args(c.service), None),
                               ["case_id", "no case report"]),
    "reference to a deleted case": (lambda c: (service_args(c.deleted), None),
                                    ["case_id", "deleted"]),
    "reference edit to unknown": (lambda c: (["edit", c.referral, "--set",
                                              "case_id=" + c.unknown], None),
                                  ["case_id", "no report has id"]),
    "edit of a deleted report": (lambda c: (["edit", c.deleted, "--set", "status=closed"],
                                            None), ["deleted", "{deleted}"]),
    "delete twice": (lambda c: (["delete", c.deleted], None), ["deleted again"]),
    "unknown id show": (lambda c: (["show", c.unknown], None), ["no report has id", "{unknown}"]),
    "unknown id show json": (lambda c: (["show", c.unknown, "--json"], None),
                             ["no report has id"]),
    "unknown id edit": (lambda c: (["edit", c.unknown, "--set", "status=closed"], None),
                        ["no report has id"]),
    "unknown id delete": (lambda c: (["delete", c.unknown], None), ["no report has id"]),
    "unknown id history": (lambda c: (["history", c.unknown[:8]], None),
                           ["no report has id", "{unknown8}"]),
    "id shorter than 6": (lambda c: (["show", c.case[:5]], None),
                          ["not a report id", "6"]),
    "id shorter than 6 on edit": (lambda c: (["edit", c.case[:5], "--set", "status=closed"],
                                             None), ["not a report id", "6"]),
    "id shorter than 6 on delete": (lambda c: (["delete", c.case[:3]], None),
                                    ["not a report id"]),
    "id shorter than 6 on history": (lambda c: (["history", c.case[:1]], None),
                                     ["not a report id"]),
    "id not hex": (lambda c: (["show", "zzzzzzzz"], None), ["not a report id"]),
    "id too long": (lambda c: (["show", c.case + "0"], None), ["not a report id"]),
    "init twice": (lambda c: (["init", "--village", "Lain"], None),
                   ["already holds a journal"]),
    "init empty village": (lambda c: (["init", "--village", ""], None),
                           ["already holds a journal"]),
    "init village too long": (lambda c: (["init", "--village", "v" * 101], None),
                              ["already holds a journal"]),
    "--by too long": (lambda c: (["--by", "x" * 101, "delete", c.case], None),
                      ["--by", "1 to 100 bytes"]),
    "--by empty": (lambda c: (["--by", "", "delete", c.case], None), ["--by"]),
    "--by on two lines": (lambda c: (["--by", "Siti\nAni", "delete", c.case], None),
                          ["--by", "one line"]),
    "config author too long": (lambda c: (["config", "author", "x" * 101], None),
                               ["author", "1 to 100 bytes"]),
    "config author with a tab": (lambda c: (["config", "author", "Siti\tAni"], None),
                                 ["author", "one line"]),
    "config of an unknown setting": (lambda c: (["config", "colour", "red"], None),
                                     ["author or village", "colour"]),
    "config village of a listed village": (lambda c: (["config", "village", "Kalibuntu"],
                                                      None),
                                           ["Sumberanyar (Paiton)", "never moves"]),
    "config with one argument": (lambda c: (["config", "author"], None), ["usage"]),
    "unknown command": (lambda c: (["frobnicate"], None), ["unknown command", "frobnicate"]),
    "missing command": (lambda c: ([], None), ["command"]),
    "missing kind": (lambda c: (["add"], None), ["kind", KINDS]),
    "missing changes on add": (lambda c: (["add", "case"], None), ["--set"]),
    "missing option value": (lambda c: (["add", "case", "--set"], None), ["--set"]),
    "missing id on edit": (lambda c: (["edit"], None), ["id"]),
    "missing changes on edit": (lambda c: (["edit", c.case], None), ["--set"]),
    "missing id on delete": (lambda c: (["delete"], None), ["id"]),
    "two ids on delete": (lambda c: (["delete", c.case, c.referral], None), ["one report id"]),
    "missing id on show": (lambda c: (["show"], None), ["id"]),
    "missing id on history": (lambda c: (["history"], None), ["id"]),
    "missing village on init": (lambda c: (["init"], None), ["--village"]),
    "set without value": (lambda c: (["edit", c.case, "--set", "status"], None),
                          ["FIELD=VALUE"]),
    "field given twice": (lambda c: (["edit", c.case, "--set", "status=active", "--set",
                                      "status=closed"], None), ["status", "more than once"]),
    "unset of a required field": (lambda c: (["edit", c.case, "--unset", "violence_types"],
                                             None), ["violence_types", "required"]),
    "unset of the status": (lambda c: (["edit", c.referral, "--unset", "referral_status"],
                                       None), ["referral_status", "required"]),
    "editing a service": (lambda c: (["edit", c.service, "--set", "provider=Bu Rina"], None),
                          ["append-only", "service"]),
    "editing a service by prefix": (lambda c: (["edit", c.service[:6], "--set",
                                                "service_type=other"], None),
                                    ["append-only"]),
    "bad busy timeout": (lambda c: (["list"], None), ["SAE_BUSY_TIMEOUT_MS"]),
    "stall timeout 0": (lambda c: (["list"], None), ["SAE_STALL_TIMEOUT_S", "1 to 600"]),
    "stall timeout 601": (lambda c: (["list"], None), ["SAE_STALL_TIMEOUT_S", "1 to 600"]),
    "stall timeout word": (lambda c: (["list"], None), ["SAE_STALL_TIMEOUT_S", "1 to 600"]),
}

# Cases that also need a particular environment.
BAD_ENV = {"bad busy timeout": {"SAE_BUSY_TIMEOUT_MS": "soon"},
           "stall timeout 0": {"SAE_STALL_TIMEOUT_S": "0"},
           "stall timeout 601": {"SAE_STALL_TIMEOUT_S": "601"},
           "stall timeout word": {"SAE_STALL_TIMEOUT_S": "1m"}}


@pytest.mark.parametrize("seconds", ["1", "600"])
def test_stall_timeout_edges_are_accepted(seconds, populated):
    res = run(["list"], dir=populated.dir, env=saenode.clean_env(SAE_STALL_TIMEOUT_S=seconds))
    assert res.rc == 0, res


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_refused_and_changes_nothing(name, populated, tmp_path):
    build, needles = BAD[name]
    ctx = populated
    ctx.tmp = str(tmp_path)
    ctx.unknown = saenode.unknown_id(populated.ids)
    ctx.unknown8 = ctx.unknown[:8]
    args, stdin = build(ctx)
    needles = [n.format(**vars(ctx)) for n in needles]
    before = snapshot(populated.dir)
    env = saenode.clean_env(**BAD_ENV.get(name, {}))
    res = run(args, dir=populated.dir, input=stdin, env=env)
    assert_usage_error(res, *needles)
    assert snapshot(populated.dir) == before
    assert saenode.journal_files(populated.dir) == ["node.db", "node.key", "storage.key"]


@pytest.mark.parametrize("args", [["list", "--bogus"], ["add", "case", "--bogus"],
                                  ["show", "--bogus"], ["--bogus", "list"]])
def test_unknown_option_is_refused(args, populated):
    before = snapshot(populated.dir)
    res = run(args, dir=populated.dir)
    assert res.rc == 2, res
    assert res.out == b""
    assert b"--bogus" in res.err, res
    assert snapshot(populated.dir) == before


def test_unset_on_add_is_refused(populated):
    before = snapshot(populated.dir)
    res = run(["add", "case", "--unset", "risk_level"] + case_sets(), dir=populated.dir)
    assert_usage_error(res, "--unset")
    assert snapshot(populated.dir) == before


def test_set_file_that_cannot_be_read(populated, tmp_path):
    # A file that cannot be read is an I/O error: exit status 1, nothing written.
    before = snapshot(populated.dir)
    missing = str(tmp_path / "no-such-file.txt")
    res = run(["edit", populated.case, "--set-file", "narrative=" + missing], dir=populated.dir)
    saenode.assert_one_line_error(res, 1, "no-such-file.txt")
    assert snapshot(populated.dir) == before


def _twin_id(report_id):
    """An id that shares its first 8 characters with report_id and nothing more."""
    while True:
        candidate = report_id[:8] + str(uuid.uuid4())[8:]
        if candidate[8:10] != report_id[8:10]:
            return candidate


def test_ambiguous_id(populated):
    # Two ids sharing 8 characters would take ~2^16 reports to happen by chance, so the
    # second report row is written directly; the snapshot is taken after that.
    twin = _twin_id(populated.case)
    db = sqlite3.connect(os.path.join(populated.dir, "node.db"))
    with db:
        db.execute("INSERT INTO report(id, kind, first_seq) VALUES (?, 'case', 1000000)",
                   (twin,))
    db.close()
    before = snapshot(populated.dir)
    prefix = populated.case[:8]
    for args in (["show", prefix], ["show", prefix[:6], "--json"], ["history", prefix],
                 ["edit", prefix, "--set", "status=closed"], ["delete", prefix],
                 service_args(prefix)):
        res = run(args, dir=populated.dir)
        assert_usage_error(res, "more than one report", prefix[:6])
        assert snapshot(populated.dir) == before
    # The full id, and a prefix long enough to tell them apart, still work.
    assert saenode.show_json(populated.dir, populated.case)["id"] == populated.case
    assert saenode.show_json(populated.dir, populated.case[:10])["id"] == populated.case


NOT_INIT_COMMANDS = [
    ["add", "case"] + case_sets(), ["edit", "0123456789", "--set", "status=closed"],
    ["delete", "0123456789"], ["show", "0123456789"], ["list"], ["list", "--json"],
    ["history", "0123456789"], ["check"], ["status"], ["status", "--json"]]


@pytest.mark.parametrize("args", NOT_INIT_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_directory_not_initialised(args, tmp_path):
    absent = str(tmp_path / "absent")
    res = run(args, dir=absent)
    assert_usage_error(res, "not an initialised", "init")
    assert not os.path.exists(absent)
    empty = str(tmp_path / "empty")
    os.mkdir(empty, 0o700)
    res = run(args, dir=empty)
    assert_usage_error(res, "not an initialised", "init")
    assert os.listdir(empty) == []
