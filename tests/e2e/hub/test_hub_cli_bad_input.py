"""Every bad input of the sae-hub command line: exit status 2, exactly one line on stderr that
starts "sae-hub: error:" and says what is wrong, nothing on stdout, and hub.db unchanged
(hubproc's snapshot of every table), while the daemon serves. A damaged hub.db gives one
clear line and exit status 1 for every command, never a crash."""
import hashlib
import os
import subprocess

import pytest

import hubproc
import saenode
import saeproto
from hubcli_world import (assert_hub_error, assert_usage_error, build_world, hex_id,
                          unknown_id)

KINDS = "case, service, referral"
# Files of the hub directory that no refused command may touch (hub.db is compared table
# by table; its -shm changes on every read).
KEY_FILES = ("hub.key", "tls-cert.pem", "tls-key.pem")


def run(directory, args, env=None):
    """sae-hub -d directory args...; args may be bytes (invalid UTF-8 on purpose)."""
    proc = subprocess.run([hubproc.BIN, "-d", str(directory)] + list(args),
                          capture_output=True, env=env or hubproc.hub_env(), timeout=60)
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in proc.stderr, proc
    return proc


def file_hashes(directory, names=KEY_FILES):
    out = {}
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


@pytest.fixture(scope="module")
def ctx(shared_hub, tmp_path_factory):
    """A serving hub with the world of hubcli_world (a twin id makes an ambiguous prefix),
    the risk_level conflict resolved by "Bu Ani", and Jabungsisir's device revoked."""
    w = build_world(shared_hub, twin=True)
    w.dir = shared_hub.dir
    w.tmp = str(tmp_path_factory.mktemp("bad-input-files"))
    w.existing = os.path.join(w.tmp, "existing.json")
    with open(w.existing, "w") as f:
        f.write("do not replace me\n")
    w.unknown = unknown_id(w.ids)
    # --by names an account: the district's staff these tests name have one.
    for name in ("X", "Pak Budi"):
        shared_hub.add_account(name)
    conflicts = {c["field"]: c for c in shared_hub.admin_json("conflicts", "list")}
    w.status_conflict = conflicts["status"]["id"]
    w.resolved_conflict = conflicts["risk_level"]["id"]
    shared_hub.ok("conflicts", "resolve", str(w.resolved_conflict), "--value", "medium",
                  "--by", "Bu Ani")
    shared_hub.ok("nodes", "revoke", hex_id(w.p1.id))
    w.revoked = hex_id(w.p1.id)
    w.used_bundle = w.a1.bundle["bundle"]
    w.bad_csv = os.path.join(w.tmp, "bad.csv")
    with open(w.bad_csv, "w") as f:
        f.write("nama,kode\nSumberanyar,35.13.12.2018\n")
    w.orphan_csv = os.path.join(w.tmp, "orphan.csv")
    with open(w.orphan_csv, "w") as f:
        f.write("code,parent_code,name\n35.13.99.2001,35.13.99,Desa Baru\n")
    return w


def out_file(c, name="bundle.json"):
    """A path in the test's directory that a refused command must not create."""
    return os.path.join(c.tmp, name)


def sensitive_names():
    return {name for names in saenode.sensitive_fields().values() for name in names}


def edit(c, report, *changes, by="Pak Budi"):
    """reports edit with --set FIELD=VALUE, or --set-file for a sensitive field (whose value
    is never taken as an argument)."""
    args = ["reports", "edit", report]
    for change in changes:
        raw = change if isinstance(change, bytes) else change.encode()
        name, _, value = raw.partition(b"=")
        if name.decode() in sensitive_names():
            args += ["--set-file", "%s=%s" % (name.decode(), saenode.value_file(value))]
        else:
            args += [b"--set" if isinstance(change, bytes) else "--set", change]
    return args + (["--by", by] if by is not None else [])


def add(c, village="Sumberanyar", url=None, days=None, out=None, name="Laptop Pos Baru"):
    args = ["nodes", "add", village, "--url", url or c.hub.url, "-o", out or out_file(c)]
    args += ["--name", name] if name is not None else []
    return args + (["--days", days] if days is not None else [])


V100 = "v" * 100
N100 = "é" * 50  # a device name of 100 bytes of two-byte UTF-8

# name -> (function(ctx) returning the arguments, words the error line must hold; "{x}" in a
# word is ctx.x).
BAD = {
    # The program and its options.
    "unknown command": (lambda c: ["frobnicate"], ["unknown command", "frobnicate"]),
    "no command": (lambda c: [], ["no command"]),
    "unknown option before the command": (lambda c: ["--bogus", "stats"],
                                          ["unknown option --bogus"]),
    "unknown short option": (lambda c: ["-x", "stats"], ["unknown option -x"]),
    "unknown option of stats": (lambda c: ["stats", "--bogus"], ["unknown option --bogus"]),
    "unknown option of reports list": (lambda c: ["reports", "list", "--bogus"],
                                       ["unknown option --bogus"]),
    "unknown option of reports show": (lambda c: ["reports", "show", c.case1, "--bogus"],
                                       ["unknown option --bogus"]),
    "unknown option of reports edit": (lambda c: edit(c, c.case1, "status=closed") +
                                       ["--bogus"], ["unknown option --bogus"]),
    "unknown option of conflicts list": (lambda c: ["conflicts", "list", "--bogus"],
                                         ["unknown option --bogus"]),
    "unknown option of conflicts resolve": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--keep", "1", "--by", "X",
                   "--bogus"], ["unknown option --bogus"]),
    "unknown option of export": (lambda c: ["export", "--format", "csv", "--bogus"],
                                 ["unknown option --bogus"]),
    "unknown option of nodes add": (lambda c: add(c) + ["--bogus"], ["unknown option --bogus"]),
    "unknown option of serve": (lambda c: ["serve", "--bogus"], ["unknown option --bogus"]),
    "unknown option of init": (lambda c: ["init", "--bogus"], ["unknown option --bogus"]),
    "unknown reports command": (lambda c: ["reports", "delete", c.case1],
                                ["unknown reports command", "delete"]),
    "unknown conflicts command": (lambda c: ["conflicts", "drop"],
                                  ["unknown conflicts command", "drop"]),
    "unknown nodes command": (lambda c: ["nodes", "remove"], ["unknown nodes command"]),
    "-d without its value": (lambda c: ["-d"], ["-d", "needs a value"]),
    "--format without its value": (lambda c: ["export", "--format"],
                                   ["--format", "needs a value"]),
    "-o without its value": (lambda c: ["export", "--format", "csv", "-o"],
                             ["-o", "needs a value"]),
    "--village without its value": (lambda c: ["reports", "list", "--village"],
                                    ["--village", "needs a value"]),
    "--set without its value": (lambda c: ["reports", "edit", c.case1, "--by", "X", "--set"],
                                ["--set", "needs a value"]),
    "--keep without its value": (lambda c: ["conflicts", "resolve", str(c.status_conflict),
                                            "--by", "X", "--keep"], ["--keep", "needs a value"]),
    "--url without its value": (lambda c: ["nodes", "add", "Sumberanyar", "-o", out_file(c),
                                           "--url"], ["--url", "needs a value"]),
    "--listen without its value": (lambda c: ["serve", "--listen"],
                                   ["--listen", "needs a value"]),
    "--host without its value": (lambda c: ["init", "--host"], ["--host", "needs a value"]),
    "bad busy timeout": (lambda c: ["stats"], ["SAE_BUSY_TIMEOUT_MS"]),
    # init on a hub that exists.
    "init twice": (lambda c: ["init"], ["already holds a hub", "{dir}"]),
    "init twice with a name": (lambda c: ["init", "--name", "Lain", "--host", "h.example"],
                               ["already holds a hub"]),
    # serve --listen.
    "listen without a port": (lambda c: ["serve", "--listen", "127.0.0.1"],
                              ["--listen", "ADDRESS:PORT", "127.0.0.1"]),
    "listen on port 70000": (lambda c: ["serve", "--listen", "127.0.0.1:70000"],
                             ["--listen", "127.0.0.1:70000"]),
    "listen on a host name": (lambda c: ["serve", "--listen", "localhost:8443"],
                              ["--listen", "numeric", "localhost:8443"]),
    "listen without an address": (lambda c: ["serve", "--listen", ":8443"], ["--listen"]),
    "listen on a negative port": (lambda c: ["serve", "--listen", "127.0.0.1:-1"],
                                  ["--listen"]),
    "listen on a port with letters": (lambda c: ["serve", "--listen", "127.0.0.1:84x"],
                                      ["--listen"]),
    "serve with an argument": (lambda c: ["serve", "now"], ["options only"]),
    # nodes add.
    "nodes add without --url": (lambda c: ["nodes", "add", "Sumberanyar", "-o", out_file(c)],
                                ["--url"]),
    "nodes add without -o": (lambda c: ["nodes", "add", "Sumberanyar", "--url", c.hub.url],
                             ["-o BUNDLE"]),
    "nodes add without a village": (lambda c: ["nodes", "add", "--url", c.hub.url, "-o",
                                               out_file(c)], ["VILLAGE"]),
    "nodes add with an http URL": (lambda c: add(c, url="http://127.0.0.1:8443"),
                                   ["--url", "https://"]),
    "nodes add with a URL that is no URL": (lambda c: add(c, url="hub.example:8443"),
                                            ["--url", "https://"]),
    "nodes add with an empty village": (lambda c: add(c, village=""), ["village", "100 bytes"]),
    "nodes add with a village of 101 bytes": (lambda c: add(c, village=V100 + "x"),
                                              ["no village called", "nearest"]),
    "nodes add with a village on two lines": (lambda c: add(c, village="Sumber\nanyar"),
                                              ["village", "code or its name"]),
    "nodes add with a village of invalid UTF-8": (lambda c: add(c, village=b"Sumber\xffanyar"),
                                                  ["village", "code or its name"]),
    # Villages come from the official list: a typo gets the nearest names, a shared name its
    # candidates, a kecamatan is no village.
    "nodes add with a typo and a trailing space": (
        lambda c: add(c, village="Sumberanyer "),
        ["nodes add", "no village called", "nearest", "Sumberanyar (Paiton)"]),
    "nodes add with a name the list does not hold": (lambda c: add(c, village="Desa Sumberasri"),
                                                     ["no village called"]),
    "nodes add with a shared name": (lambda c: add(c, village="Karanganyar"),
                                     ["2 villages", "35.13.04.2010", "35.13.12.2011"]),
    "nodes add with a kecamatan": (lambda c: add(c, village="35.13.12"), ["kecamatan code"]),
    "nodes add with an unknown code": (lambda c: add(c, village="35.13.12.2099"),
                                       ["no village with code 35.13.12.2099"]),
    "nodes add without --name": (lambda c: add(c, name=None), ["--name NAME"]),
    "nodes add with a name of 101 bytes": (lambda c: add(c, name=N100 + "x"),
                                           ["--name", "1 to 100 bytes"]),
    "nodes add with a name on two lines": (lambda c: add(c, name="Laptop\nPos"),
                                           ["--name", "one line"]),
    "nodes add with an empty name": (lambda c: add(c, name=""), ["--name"]),
    "nodes add --days 0": (lambda c: add(c, days="0"), ["--days", "1 to 90"]),
    "nodes add --days 91": (lambda c: add(c, days="91"), ["--days", "1 to 90"]),
    "nodes add --days -1": (lambda c: add(c, days="-1"), ["--days", "1 to 90"]),
    "nodes add --days with letters": (lambda c: add(c, days="7d"), ["--days", "1 to 90"]),
    "nodes add over an existing file": (lambda c: add(c, out=c.existing),
                                        ["already exists", "{existing}"]),
    # nodes revoke.
    "nodes revoke of an unknown id": (lambda c: ["nodes", "revoke", "0123456789abcdef"],
                                      ["0123456789abcdef"]),
    "nodes revoke of a malformed id": (lambda c: ["nodes", "revoke", "Sumberanyar"],
                                       ["16 hex digits"]),
    "nodes revoke of a short id": (lambda c: ["nodes", "revoke", hex_id(c.a1.id)[:15]],
                                   ["16 hex digits"]),
    "nodes revoke twice": (lambda c: ["nodes", "revoke", c.revoked], ["{revoked}", "revoked"]),
    "nodes revoke without an id": (lambda c: ["nodes", "revoke"], ["nodes revoke ID"]),
    "nodes list with an argument": (lambda c: ["nodes", "list", "all"], ["--json"]),
    # nodes cancel.
    "nodes cancel of an unknown bundle": (lambda c: ["nodes", "cancel", "00000000"],
                                          ["no bundle 00000000"]),
    "nodes cancel of a malformed id": (lambda c: ["nodes", "cancel", "1a2b3c"],
                                       ["8 hex digits"]),
    "nodes cancel of a used bundle": (lambda c: ["nodes", "cancel", c.used_bundle],
                                      ["was used", "revoke"]),
    "nodes cancel without an id": (lambda c: ["nodes", "cancel"], ["nodes cancel BUNDLE"]),
    # nodes grant (the password is read from standard input, never an argument).
    "nodes grant without --as": (lambda c: ["nodes", "grant", hex_id(c.a1.id)],
                                 ["nodes grant ID --as COORDINATOR", "never given"]),
    "nodes grant of a malformed id": (lambda c: ["nodes", "grant", "Sumberanyar", "--as", "X"],
                                      ["16 hex digits"]),
    "nodes grant of an unknown id": (lambda c: ["nodes", "grant", "0123456789abcdef", "--as",
                                                "X"], ["no enrolled device", "nodes list"]),
    "nodes grant to a revoked device": (lambda c: ["nodes", "grant", c.revoked, "--as", "X"],
                                        ["no enrolled device", "{revoked}"]),
    "nodes grant as an unknown account": (lambda c: ["nodes", "grant", hex_id(c.a1.id),
                                                     "--as", "Nobody"],
                                          ["Nobody is no enabled coordinator"]),
    "nodes grant with the password as an argument": (
        lambda c: ["nodes", "grant", hex_id(c.a1.id), "--as", "X", "--password", "pw"],
        ["unknown option --password"]),
    # villages.
    "villages import of a missing file": (lambda c: ["villages", "import", out_file(c, "x.csv")],
                                          ["cannot read", "x.csv", "nothing was imported"]),
    "villages import of a file that is no list": (
        lambda c: ["villages", "import", c.bad_csv], ["bad.csv", "nothing was imported"]),
    "villages import of an orphan village": (
        lambda c: ["villages", "import", c.orphan_csv],
        ["35.13.99.2001", "no parent 35.13.99", "nothing was imported"]),
    "villages list of an unknown kecamatan": (
        lambda c: ["villages", "list", "--kecamatan", "Paitun"],
        ["--kecamatan", "no kecamatan called", "Paiton"]),
    "villages list with an argument": (lambda c: ["villages", "list", "Paiton"],
                                       ["no arguments"]),
    "villages assign of a village of the list": (
        lambda c: ["villages", "assign", "35.13.12.2018", "Jabungsisir"], ["never moves"]),
    "villages assign of a name nothing carries": (
        lambda c: ["villages", "assign", "Desa Lain", "Jabungsisir"], ["no device or report"]),
    "villages assign to a typo": (lambda c: ["villages", "assign", "Desa Lain", "Jabungsisr"],
                                  ["nearest", "Jabungsisir (Paiton)"]),
    "villages without a command": (lambda c: ["villages"], ["import, list or assign"]),
    # reports show and list.
    "reports show of an unknown id": (lambda c: ["reports", "show", c.unknown],
                                      ["no report has id", "{unknown}"]),
    "reports show of an unknown prefix": (lambda c: ["reports", "show", c.unknown[:8]],
                                          ["no report has id"]),
    "reports show of an ambiguous prefix": (lambda c: ["reports", "show", c.case1[:8]],
                                            ["more than one report"]),
    "reports show --json of an ambiguous prefix": (
        lambda c: ["reports", "show", c.case1[:6], "--json"], ["more than one report"]),
    "reports show of a 5-character prefix": (lambda c: ["reports", "show", c.case2[:5]],
                                             ["not a report id", "6"]),
    "reports show of an id that is not hex": (lambda c: ["reports", "show", "zzzzzzzz"],
                                              ["not a report id"]),
    "reports show of an id too long": (lambda c: ["reports", "show", c.case2 + "0"],
                                       ["not a report id"]),
    "reports show without an id": (lambda c: ["reports", "show"], ["one report id"]),
    "reports show of two ids": (lambda c: ["reports", "show", c.case1, c.case2],
                                ["one report id"]),
    "reports list of an unknown kind": (lambda c: ["reports", "list", "--kind", "incident"],
                                        ["unknown kind", "incident", KINDS]),
    "reports list of an empty village": (lambda c: ["reports", "list", "--village", ""],
                                         ["--village"]),
    "reports list of a village with a typo": (
        lambda c: ["reports", "list", "--village", "Kalibuntoe "],
        ["--village", "nearest", "Kalibuntu (Kraksaan)"]),
    "reports list of a shared village name": (
        lambda c: ["reports", "list", "--village", "Karanganyar"], ["--village", "2 villages"]),
    "export of an unknown village": (lambda c: ["export", "--format", "csv", "--village",
                                                "Sumberasri", "-o", out_file(c, "x.csv")],
                                     ["--village", "no village called"]),
    "stats of an unknown village": (lambda c: ["stats", "--village", "Sumberasri"],
                                    ["--village", "no village called"]),
    "reports list with an argument": (lambda c: ["reports", "list", "Sumberanyar"],
                                      ["no arguments"]),
    # reports edit.
    "edit of an unknown field": (lambda c: edit(c, c.case2, "colour=red"),
                                 ['no field "colour"', "sae-node fields case"]),
    "edit with an enum value not allowed": (lambda c: edit(c, c.case2, "risk_level=extreme"),
                                            ["risk_level", "extreme", "not allowed",
                                             "high (Tinggi), medium (Sedang), low (Rendah)"]),
    "edit with a violence type not allowed": (
        lambda c: edit(c, c.case2, "violence_types=fisik,punching"),
        ["violence_types", "punching", "tidak dikenal", "physical (Fisik)", "psychological",
         "sexual", "exploitation", "trafficking", "neglect", "other"]),
    # Catalogue 2 at the district too: old fields, assigned numbers, areas, rules.
    "edit of the old single type": (lambda c: edit(c, c.case2, "violence_type=sexual"),
                                    ["violence_type", "old cases only", "use violence_types"]),
    "edit of a registration number": (lambda c: edit(c, c.case2, "registration_number=1"),
                                      ["registration_number", "cannot be set"]),
    "edit adding to a field that is no set": (
        lambda c: ["reports", "edit", c.case2, "--add", "risk_level=high", "--by", "X"],
        ["--add", "not one"]),
    "edit with an unknown village": (lambda c: edit(c, c.case2, "residence_village=Kalibuntt"),
                                     ["residence_village", "Kalibuntu"]),
    "edit with an incident after the intake": (
        lambda c: edit(c, c.case2, "incident_date=03/03/2026"),
        ["incident_date 2026-03-03", "tanggal kejadian tidak boleh setelah tanggal pengaduan"]),
    "edit closing without a reason": (lambda c: edit(c, c.case2, "status=closed"),
                                      ["closure_reason", "alasan"]),
    "edit with an int out of range": (lambda c: edit(c, c.case2, "victim_age=121"),
                                      ["victim_age", "121", "out of range", "0 to 120"]),
    "edit with a negative int": (lambda c: edit(c, c.case2, "victim_age=-1"),
                                 ["victim_age", "0 to 120"]),
    "edit with an int that is no number": (lambda c: edit(c, c.case2, "victim_age=ten"),
                                           ["victim_age", "0 to 120"]),
    "edit with an impossible date": (lambda c: edit(c, c.case2, "intake_date=2026-02-30"),
                                     ["intake_date", "2026-02-30", "YYYY-MM-DD"]),
    "edit with a date in words": (lambda c: edit(c, c.case2, "incident_date=5 Januari 2026"),
                                  ["incident_date", "YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY"]),
    "edit with a bool not allowed": (lambda c: edit(c, c.case2, "consent_share=maybe"),
                                     ["consent_share", "maybe", "true, false"]),
    "edit with a name over its limit": (lambda c: edit(c, c.case2, "victim_name=" + "n" * 201),
                                        ["victim_name", "201", "200"]),
    "edit with a narrative over its limit": (
        lambda c: edit(c, c.case2, "narrative=" + "k" * 32769), ["narrative", "32769", "32768"]),
    "edit with invalid UTF-8": (lambda c: edit(c, c.case2, b"victim_name=Siti\xff"),
                                ["victim_name", "UTF-8"]),
    "edit with invalid UTF-8 in an argument": (
        lambda c: edit(c, c.referral, b"referral_reason=Visum\xff"), ["referral_reason", "UTF-8"]),
    "edit with a name as an argument": (
        lambda c: ["reports", "edit", c.case2, "--set", "victim_name=Siti", "--by", "X"],
        ["victim_name is sensitive", "--set-file victim_name=FILE", "victim_name=-"]),
    "edit with two values from standard input": (
        lambda c: ["reports", "edit", c.case2, "--set-file", "victim_name=-", "--set-file",
                   "narrative=-", "--by", "X"], ["standard input gives one value"]),
    "edit with overlong UTF-8": (lambda c: edit(c, c.case2, b"narrative=a\xc0\xafb"),
                                 ["narrative", "UTF-8"]),
    "edit with a UTF-16 surrogate": (lambda c: edit(c, c.case2, b"victim_name=\xed\xa0\x80"),
                                     ["victim_name", "UTF-8"]),
    "edit with a control character": (lambda c: edit(c, c.case2, "victim_name=Siti\nAminah"),
                                      ["victim_name", "control"]),
    "edit with an empty text": (lambda c: edit(c, c.case2, "victim_name="),
                                ["victim_name", "empty"]),
    "edit without --by": (lambda c: edit(c, c.case2, "status=closed", by=None), ["--by NAME"]),
    "edit with an empty --by": (lambda c: edit(c, c.case2, "status=closed", by=""), ["--by"]),
    "edit with --by of invalid UTF-8": (lambda c: edit(c, c.case2, "status=closed",
                                                       by=b"Pak\xffBudi"), ["--by", "UTF-8"]),
    "edit of a deleted report": (lambda c: edit(c, c.deleted, "status=closed"),
                                 ["deleted", "{deleted}"]),
    "edit of a service event": (lambda c: edit(c, c.service, "provider=Bu Rina"),
                                ["append-only", "service"]),
    "edit of a service event by prefix": (lambda c: edit(c, c.service[:6],
                                                         "service_type=other"), ["append-only"]),
    "edit unsetting a required field": (lambda c: ["reports", "edit", c.case2, "--unset",
                                                   "violence_types", "--by", "X"],
                                        ["violence_types", "required"]),
    "edit unsetting the referral status": (lambda c: ["reports", "edit", c.referral, "--unset",
                                                      "referral_status", "--by", "X"],
                                           ["referral_status", "required"]),
    "edit without changes": (lambda c: ["reports", "edit", c.case2, "--by", "X"], ["--set"]),
    "edit with a field given twice": (lambda c: edit(c, c.case2, "status=active",
                                                     "status=closed"),
                                      ["status", "more than once"]),
    "edit with --set without =": (lambda c: edit(c, c.case2, "status"), ["FIELD=VALUE"]),
    "edit of an unknown id": (lambda c: edit(c, c.unknown, "status=closed"),
                              ["no report has id"]),
    "edit of an ambiguous prefix": (lambda c: edit(c, c.case1[:8], "status=closed"),
                                    ["more than one report"]),
    "edit of a 5-character prefix": (lambda c: edit(c, c.case2[:5], "status=closed"),
                                     ["not a report id"]),
    "edit with a reference to another village": (
        lambda c: edit(c, c.referral, "case_id=" + c.case2),
        ["case_id", "Sumberanyar (Paiton)", "Kalibuntu (Kraksaan)"]),
    "edit with a reference to a deleted case": (
        lambda c: edit(c, c.referral, "case_id=" + c.deleted), ["case_id", "deleted"]),
    "edit with a reference to a service": (lambda c: edit(c, c.referral,
                                                          "case_id=" + c.service),
                                           ["case_id", "case"]),
    "edit with a reference to an unknown report": (
        lambda c: edit(c, c.referral, "case_id=" + c.unknown), ["case_id", "no report has id"]),
    "edit that saves part before failing": (
        lambda c: edit(c, c.case2, "risk_level=low", "victim_age=500"), ["victim_age"]),
    # conflicts.
    "resolve without a choice": (lambda c: ["conflicts", "resolve", str(c.status_conflict),
                                            "--by", "X"], ["exactly one of"]),
    "resolve with two choices": (lambda c: ["conflicts", "resolve", str(c.status_conflict),
                                            "--keep", "1", "--value", "closed", "--by", "X"],
                                 ["exactly one of"]),
    "resolve with --keep and --unset": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--keep", "1", "--unset",
                   "--by", "X"], ["exactly one of"]),
    "resolve --keep 0": (lambda c: ["conflicts", "resolve", str(c.status_conflict), "--keep",
                                    "0", "--by", "X"], ["--keep", '"0"']),
    "resolve --keep past the last candidate": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--keep", "3", "--by", "X"],
        ["2 candidates", "1 to 2"]),
    "resolve --keep that is no number": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--keep", "first", "--by",
                   "X"], ["--keep", "first"]),
    "resolve with an invalid --value": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--value", "finished",
                   "--by", "X"], ["status", "finished", "new (Baru)", "active", "referred",
                                  "closed (Selesai / ditutup)"]),
    "resolve --unset of a required field": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--unset", "--by", "X"],
        ["status", "required"]),
    "resolve without --by": (lambda c: ["conflicts", "resolve", str(c.status_conflict),
                                        "--keep", "1"], ["--by NAME"]),
    "resolve with a note on two lines": (
        lambda c: ["conflicts", "resolve", str(c.status_conflict), "--keep", "1", "--by", "X",
                   "--note", "a\nb"], ["--note"]),
    "resolve of an already resolved conflict": (
        lambda c: ["conflicts", "resolve", str(c.resolved_conflict), "--keep", "1", "--by",
                   "Pak Budi"], ["already resolved", "Bu Ani"]),
    "resolve of an unknown conflict": (lambda c: ["conflicts", "resolve", "9999", "--keep",
                                                  "1", "--by", "X"],
                                       ["no conflict has id 9999"]),
    "resolve of a conflict id that is no number": (
        lambda c: ["conflicts", "resolve", "status", "--keep", "1", "--by", "X"],
        ["not a conflict id"]),
    "conflicts show of an unknown conflict": (lambda c: ["conflicts", "show", "9999"],
                                              ["no conflict has id 9999"]),
    "conflicts show of a conflict id that is no number": (
        lambda c: ["conflicts", "show", "0"], ["not a conflict id"]),
    "conflicts list with an argument": (lambda c: ["conflicts", "list", "open"],
                                        ["no arguments"]),
    # export and stats.
    "export with a bad --format": (lambda c: ["export", "--format", "xlsx"],
                                   ["--format csv", "--format json"]),
    "export without --format": (lambda c: ["export"], ["--format"]),
    "export of an unknown --kind": (lambda c: ["export", "--format", "csv", "--kind",
                                               "incident"], ["unknown kind", "incident", KINDS]),
    "export with an argument": (lambda c: ["export", "--format", "csv", "laporan.csv"],
                                ["options only"]),
    "stats with an argument": (lambda c: ["stats", "Sumberanyar"], ["no arguments"]),
    "stats --json with an argument": (lambda c: ["stats", "--json", "2026"], ["no arguments"]),
}

BAD_ENV = {"bad busy timeout": {"SAE_BUSY_TIMEOUT_MS": "soon"}}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_refused_and_changes_nothing(name, ctx):
    build, needles = BAD[name]
    args = build(ctx)
    needles = [n.format(**vars(ctx)) for n in needles]
    before = ctx.hub.snapshot()
    files = sorted(os.listdir(ctx.dir)), file_hashes(ctx.dir)
    outside = sorted(os.listdir(ctx.tmp))
    env = dict(hubproc.hub_env(), **BAD_ENV.get(name, {}))
    proc = run(ctx.dir, args, env=env)
    assert_usage_error(proc, *needles)
    assert ctx.hub.snapshot() == before
    assert (sorted(os.listdir(ctx.dir)), file_hashes(ctx.dir)) == files
    assert sorted(os.listdir(ctx.tmp)) == outside  # no bundle, no export written
    with open(ctx.existing) as f:
        assert f.read() == "do not replace me\n"


def test_missing_hub_directory():
    proc = run("/nonexistent", ["reports", "list"])
    assert_usage_error(proc, "/nonexistent/hub.db", "does not exist", "init")
    assert not os.path.exists("/nonexistent")


ABSENT_COMMANDS = [
    ["reports", "list"], ["reports", "list", "--json"], ["reports", "show", "0123456789"],
    ["reports", "edit", "0123456789", "--set", "status=closed", "--by", "X"],
    ["conflicts", "list"], ["conflicts", "show", "1"],
    ["conflicts", "resolve", "1", "--keep", "1", "--by", "X"],
    ["export", "--format", "csv"], ["export", "--format", "json", "-o", "OUT"],
    ["stats"], ["stats", "--json"], ["nodes", "list"], ["nodes", "list", "--json"],
    ["nodes", "revoke", "0123456789abcdef"],
    ["nodes", "add", "Sumberanyar", "--name", "Laptop", "--url", "https://127.0.0.1:8443",
     "-o", "OUT"],
    ["serve", "--listen", "127.0.0.1:0"]]


@pytest.mark.parametrize("args", ABSENT_COMMANDS, ids=" ".join)
def test_hub_directory_that_does_not_exist(args, tmp_path):
    absent = str(tmp_path / "absent")
    out = str(tmp_path / "out.file")
    proc = run(absent, [out if a == "OUT" else a for a in args])
    assert_usage_error(proc, "does not exist", "init")
    assert sorted(os.listdir(str(tmp_path))) == []


# ---------------------------------------------------------------------------------------
# init refused: nothing is created

@pytest.fixture(scope="module")
def other_hubs(tmp_path_factory):
    """Two hubs made by init, whose certificates and keys serve as the district's files."""
    base = tmp_path_factory.mktemp("other-hubs")
    for name in ("one", "two"):
        proc = run(base / name, ["init"])
        assert proc.returncode == 0, proc
    return base


INIT_BAD = {
    "only --tls-cert": (lambda o: ["--tls-cert", str(o / "one" / "tls-cert.pem")],
                        ["--tls-cert and --tls-key go together"]),
    "only --tls-key": (lambda o: ["--tls-key", str(o / "one" / "tls-key.pem")],
                       ["--tls-cert and --tls-key go together"]),
    "--host with --tls-cert": (lambda o: ["--tls-cert", str(o / "one" / "tls-cert.pem"),
                                          "--tls-key", str(o / "one" / "tls-key.pem"),
                                          "--host", "hub.example"], ["--host"]),
    "an empty --name": (lambda o: ["--name", ""], ["--name"]),
    "a --name on two lines": (lambda o: ["--name", "Hub\nDistrik"], ["--name"]),
    "an argument": (lambda o: ["hub.example"], ["options only"]),
    # These get as far as the TLS files or names.
    "a mismatched certificate and key": (
        lambda o: ["--tls-cert", str(o / "one" / "tls-cert.pem"), "--tls-key",
                   str(o / "two" / "tls-key.pem")], ["does not belong", "tls-cert.pem"]),
    "a certificate file that does not exist": (
        lambda o: ["--tls-cert", str(o / "none.pem"), "--tls-key",
                   str(o / "two" / "tls-key.pem")], ["none.pem"]),
    "a key where the certificate goes": (
        lambda o: ["--tls-cert", str(o / "one" / "tls-key.pem"), "--tls-key",
                   str(o / "one" / "tls-key.pem")], ["tls-key.pem"]),
    "an invalid --host": (lambda o: ["--host", "bad host!"], ["--host"]),
    "an empty --host": (lambda o: ["--host", ""], ["--host"]),
    "a --host with two dots in a row": (lambda o: ["--host", "hub..example"], ["--host"]),
    "a --host over 253 bytes": (lambda o: ["--host", ("a" * 60 + ".") * 5 + "id"], ["--host"]),
}


@pytest.mark.parametrize("name", list(INIT_BAD))
def test_init_refused_creates_nothing(name, other_hubs, tmp_path):
    build, needles = INIT_BAD[name]
    target = tmp_path / "district" / "hub"
    before = {n: file_hashes(str(other_hubs / n)) for n in ("one", "two")}
    proc = run(target, ["init"] + build(other_hubs))
    assert_usage_error(proc, *needles)
    # Nothing was changed: not the hub directory, not even its parent.
    assert os.listdir(str(tmp_path)) == [], "refused init left %s" % sorted(
        os.path.relpath(os.path.join(root, d), str(tmp_path))
        for root, dirs, _ in os.walk(str(tmp_path)) for d in dirs)
    assert {n: file_hashes(str(other_hubs / n)) for n in ("one", "two")} == before
    # And a correct init in the same place works afterwards.
    assert run(target, ["init"]).returncode == 0


# ---------------------------------------------------------------------------------------
# The edges that are accepted

def test_edges_that_are_accepted(ctx):
    """A village by its code with or without dots, or its name in any case with spaces
    around, "desa" before it or its kecamatan after a comma; a device name of exactly 100
    bytes (2-byte UTF-8); --days 1 and 90."""
    edges = [("35.13.14.2016", N100, None), ("3513142016", "x", "1"),
             ("  desa KALIBUNTU ", "Laptop", "90"), ("karanganyar, paiton", "Laptop", None)]
    for n, (village, name, days) in enumerate(edges):
        path = os.path.join(ctx.tmp, "edge-%d.json" % n)
        proc = run(ctx.dir, add(ctx, village=village, days=days, out=path, name=name))
        assert proc.returncode == 0 and proc.stderr == b"", proc
        device = saeproto.Device(path)
        assert device.village == ("35.13.12.2011" if n == 3 else "35.13.14.2016")
        assert device.enroll().status == 200
        os.unlink(path)
        os.unlink(path + ".cert.pem")
    assert N100 in {n["name"] for n in ctx.hub.nodes()}
    # A name of exactly 200 bytes is accepted by reports edit.
    proc = run(ctx.dir, edit(ctx, ctx.case2, "victim_name=" + "n" * 200))
    assert proc.returncode == 0, proc


def test_ambiguous_prefix_longer_ids_still_work(ctx):
    assert ctx.twin[:8] == ctx.case1[:8] and ctx.twin != ctx.case1
    for report in (ctx.case1, ctx.twin):
        shown = ctx.hub.admin_json("reports", "show", report)
        assert shown["id"] == report
        shown = ctx.hub.admin_json("reports", "show", report[:11])
        assert shown["id"] == report


# ---------------------------------------------------------------------------------------
# A damaged hub.db

DAMAGED_COMMANDS = [
    ["reports", "list"], ["reports", "list", "--json"], ["reports", "show", "0123456789"],
    ["reports", "edit", "0123456789", "--set", "status=closed", "--by", "X"],
    ["conflicts", "list"], ["conflicts", "list", "--all", "--json"], ["conflicts", "show", "1"],
    ["conflicts", "resolve", "1", "--keep", "1", "--by", "X"],
    ["export", "--format", "csv"], ["export", "--format", "json", "-o", "OUT"],
    ["stats"], ["stats", "--json"], ["nodes", "list"], ["nodes", "list", "--json"],
    ["nodes", "revoke", "0123456789abcdef"],
    ["nodes", "add", "Sumberanyar", "--name", "Laptop", "--url", "https://127.0.0.1:8443",
     "-o", "OUT"],
    ["serve", "--listen", "127.0.0.1:0"]]


@pytest.fixture(scope="module", params=["all random", "header kept"])
def damaged(request, tmp_path_factory):
    """A hub that received pushes, stopped, then hub.db overwritten with random bytes:
    entirely, or all but SQLite's 100-byte file header."""
    base = tmp_path_factory.mktemp("damaged")
    h = hubproc.Hub(base / "hub").init().start()
    try:
        build_world(h)
    finally:
        assert h.stop() == 0
    for suffix in ("-wal", "-shm"):
        assert not os.path.exists(h.db_path + suffix)
    with open(h.db_path, "rb") as f:
        good = f.read()
    keep = 100 if request.param == "header kept" else 0
    with open(h.db_path, "wb") as f:
        f.write(good[:keep] + os.urandom(len(good) - keep))
    return h


@pytest.mark.parametrize("args", DAMAGED_COMMANDS, ids=" ".join)
def test_damaged_database(args, damaged, tmp_path):
    out = str(tmp_path / "out.file")
    with open(damaged.db_path, "rb") as f:
        before = f.read()
    proc = run(damaged.dir, [out if a == "OUT" else a for a in args])
    assert_hub_error(proc, 1, "damaged")
    assert not os.path.exists(out)
    with open(damaged.db_path, "rb") as f:
        assert f.read() == before
