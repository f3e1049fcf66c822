"""Every command of sae-node, in its text and --json forms, on real node directories."""
import os
import re
import sqlite3

import pytest

import saenode
from saenode import add_case, list_json, mode, ok, run, show_json

COMMANDS = ["init", "add", "edit", "delete", "show", "list", "history", "fields", "check",
            "status", "serve", "users", "backup", "restore"]
ZERO_VERSION = "0" * 16


def test_version():
    res = ok(["--version"])
    assert re.fullmatch(rb"sae-node \d+\.\d+\.\d+\n", res.out), res
    assert res.err == b""


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_program_help_documents_commands_and_exit_status(flag, tmp_path):
    # Help needs no node directory and creates none.
    absent = str(tmp_path / "absent")
    res = ok([flag], env=saenode.clean_env(SAE_NODE_DIR=absent))
    assert res.out.startswith(b"Usage: sae-node"), res
    assert res.err == b""
    for command in COMMANDS:
        assert re.search(rb"^  %s\b" % command.encode(), res.out, re.M), command
    assert b"Exit status" in res.out and b"0 success" in res.out
    assert b"2 invalid usage or input" in res.out and b"1 anything else" in res.out
    assert b"damaged journal" in res.out
    assert not os.path.exists(absent)


@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(command, flag, tmp_path):
    absent = str(tmp_path / "absent")
    res = ok([command, flag], env=saenode.clean_env(SAE_NODE_DIR=absent))
    assert res.out.startswith(b"Usage: sae-node [-d DIR] " + command.encode()), res
    assert res.err == b""
    assert not os.path.exists(absent)


def test_help_and_catalogue_need_no_directory_at_all():
    # Without -d, $SAE_NODE_DIR, $XDG_DATA_HOME or $HOME there is no default directory;
    # help and the compiled-in catalogue must still work.
    env = saenode.clean_env(HOME=None)
    for command in COMMANDS:
        res = run([command, "--help"], env=env)
        assert res.rc == 0 and res.out.startswith(b"Usage: sae-node"), res
    res = run(["fields", "--json"], env=env)
    assert res.rc == 0 and res.json(), res


def test_init_makes_private_directory_and_files(tmp_path):
    dir = str(tmp_path / "a" / "b" / "node")
    res = ok(["init", "--village", "Sumberanyar"], dir=dir)
    assert b"Sumberanyar" in res.out
    assert mode(dir) == 0o700
    # storage.key: the storage key's secret half, until the first head holds it.
    assert saenode.journal_files(dir) == ["node.db", "node.key", "storage.key"]
    for name in os.listdir(dir):  # node.db-wal and -shm too
        assert mode(os.path.join(dir, name)) == 0o600, name
    assert mode(os.path.join(dir, "node.key")) == 0o600
    assert mode(os.path.join(dir, "storage.key")) == 0o600
    assert os.path.getsize(os.path.join(dir, "node.key")) > 0
    status = ok(["status", "--json"], dir=dir).json()
    assert status["village"] == "35.13.12.2018"
    assert status["village_name"] == "Sumberanyar (Paiton)"
    assert status["reports"] == 0 and status["pending"] == 0


@pytest.mark.parametrize("given,code", [
    ("35.13.14.2013", "35.13.14.2013"), ("3513142013", "35.13.14.2013"),
    ("  desa   ASEMBAKOR ", "35.13.14.2013"), ("Karanganyar, Paiton", "35.13.12.2011"),
    ("karanganyar,kecamatan paiton", "35.13.12.2011")])
def test_init_takes_a_code_or_a_unique_name_of_the_list(tmp_path, given, code):
    dir = str(tmp_path / "node")
    ok(["init", "--village", given], dir=dir)
    assert ok(["status", "--json"], dir=dir).json()["village"] == code


def test_wal_and_shm_are_private_while_present(node_dir):
    add_case(node_dir)
    db = os.path.join(node_dir, "node.db")
    # A reader keeps its snapshot open, so the WAL written by sae-node stays on disk.
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM journal").fetchone()
        add_case(node_dir)
        present = [name for name in os.listdir(node_dir) if name.endswith(("-wal", "-shm"))]
        assert sorted(present) == ["node.db-shm", "node.db-wal"]
        for name in os.listdir(node_dir):
            assert mode(os.path.join(node_dir, name)) == 0o600, name
        reader.execute("COMMIT")
    finally:
        reader.close()
    assert mode(node_dir) == 0o700


def test_add_and_show_json_shape(node_dir):
    report_id = add_case(node_dir, violence_types="Sexual,fisik", victim_sex="f", victim_age="7",
                         victim_name="Siti Aminah", consent_services="ya",
                         consent_share="tidak", disability_types="rungu",
                         incident_date="2025-12-31", intake_channel="whatsapp",
                         location_type="school", perpetrator_relation="teacher",
                         perpetrator_sex="M", risk_level="HIGH",
                         residence_village="Desa Sumberanyar", residence_district="paiton")
    report = show_json(node_dir, report_id)
    assert report["id"] == report_id
    assert report["kind"] == "case"
    assert report["deleted"] is False
    # Sets are arrays of codes in catalogue order, areas their codes; a consent given or
    # withheld is dated (today, where the post is).
    today = saenode.today_wib()
    assert report["fields"] == {
        "registration_number": "3513122018-2026-0001",
        "status": "new", "violence_types": ["physical", "sexual"], "victim_sex": "F",
        "victim_age": 7, "victim_name": "Siti Aminah", "consent_services": True,
        "consent_services_date": today, "consent_share": False, "consent_share_date": today,
        "disability_types": ["sensory_hearing"], "intake_date": "2026-01-05",
        "incident_date": "2025-12-31", "intake_channel": "whatsapp", "location_type": "school",
        "perpetrator_relation": "teacher", "perpetrator_sex": "M", "risk_level": "high",
        "residence_village": "35.13.12.2018", "residence_district": "35.13.12"}
    # ints are JSON numbers, bools JSON true/false: not strings, and an int is not a bool.
    assert type(report["fields"]["victim_age"]) is int
    assert report["fields"]["consent_services"] is True


def test_show_text(populated):
    res = ok(["show", populated.case], dir=populated.dir)
    text = res.text
    assert text.startswith(populated.case)
    for value in ("Siti Aminah", "physical", "2026-01-05", "14", "Pertama", "Kedua"):
        assert value in text, value


def test_unique_prefix_of_six_or_more(node_dir):
    report_id = add_case(node_dir)
    for prefix in (report_id[:6], report_id[:6].upper(), report_id[:9], report_id[:20]):
        assert show_json(node_dir, prefix)["id"] == report_id
        history = ok(["history", prefix, "--json"], dir=node_dir).json()
        assert history and all(isinstance(e["seq"], int) for e in history)
    res = ok(["edit", report_id[:6], "--set", "status=active"], dir=node_dir)
    assert report_id.encode() in res.out
    assert show_json(node_dir, report_id)["fields"]["status"] == "active"
    ok(["delete", report_id[:7]], dir=node_dir)
    assert show_json(node_dir, report_id)["deleted"] is True


def test_reference_by_prefix_stores_the_full_id(node_dir):
    case = add_case(node_dir)
    service = saenode.add_service(node_dir, case[:6])
    assert show_json(node_dir, service)["fields"]["case_id"] == case


def test_edit_set_and_unset(node_dir):
    report_id = add_case(node_dir, risk_level="low", victim_name="Rina")
    res = ok(["edit", report_id, "--set", "risk_level=high", "--set", "status=active",
              "--unset", "victim_name"], dir=node_dir)
    assert res.out.startswith(b"saved 3 change(s)"), res
    fields = show_json(node_dir, report_id)["fields"]
    assert fields["risk_level"] == "high" and fields["status"] == "active"
    assert "victim_name" not in fields


def test_edit_with_same_values_writes_nothing(node_dir):
    report_id = add_case(node_dir, risk_level="low")
    before = ok(["status", "--json"], dir=node_dir).json()["changes"]
    res = ok(["edit", report_id, "--set", "risk_level=low", "--set", "status=new"],
             dir=node_dir)
    assert res.out.startswith(b"no change"), res
    assert ok(["status", "--json"], dir=node_dir).json()["changes"] == before
    assert len(ok(["history", report_id, "--json"], dir=node_dir).json()) == before


def test_delete_hides_from_list_and_keeps_history(node_dir):
    kept = add_case(node_dir)
    gone = add_case(node_dir, violence_types="neglect")
    res = ok(["delete", gone], dir=node_dir)
    assert gone.encode() in res.out
    assert [r["id"] for r in list_json(node_dir)] == [kept]
    everything = list_json(node_dir, "--deleted")
    assert [r["id"] for r in everything] == [kept, gone]
    assert [r["deleted"] for r in everything] == [False, True]
    assert show_json(node_dir, gone)["deleted"] is True
    history = ok(["history", gone, "--json"], dir=node_dir).json()
    assert history[-1]["field"] == "_deleted"
    status = ok(["status", "--json"], dir=node_dir).json()
    assert status["reports"] == 1 and status["deleted"] == 1


def test_list_json_kind_filter_and_order(populated):
    reports = list_json(populated.dir)
    assert [r["id"] for r in reports] == [populated.case, populated.service, populated.referral]
    assert [r["kind"] for r in reports] == ["case", "service", "referral"]
    for r in reports:
        assert set(r) >= {"id", "kind", "fields", "deleted"}
        assert r["deleted"] is False
    assert [r["id"] for r in list_json(populated.dir, "--kind", "case")] == [populated.case]
    assert [r["id"] for r in list_json(populated.dir, "--kind", "case", "--deleted")] == [
        populated.case, populated.deleted]
    services = list_json(populated.dir, "--kind", "service")
    assert [r["id"] for r in services] == [populated.service]
    assert services[0]["fields"]["case_id"] == populated.case
    assert list_json(populated.dir, "--kind", "referral")[0]["fields"]["referral_status"] == "sent"


def test_list_text_one_line_per_report(populated):
    lines = ok(["list"], dir=populated.dir).text.splitlines()
    assert [line.split()[0] for line in lines] == [populated.case, populated.service,
                                                  populated.referral]
    lines = ok(["list", "--kind", "service"], dir=populated.dir).text.splitlines()
    assert [line.split()[:2] for line in lines] == [[populated.service, "service"]]
    lines = ok(["list", "--deleted"], dir=populated.dir).text.splitlines()
    assert len(lines) == 4 and "deleted" in lines[1] and populated.deleted in lines[1]


def test_list_never_shows_sensitive_fields(node_dir):
    report_id = add_case(node_dir, victim_name="Siti Aminah", narrative="Rahasia sekali")
    saenode.add_service(node_dir, report_id, notes="Catatan rahasia")
    for args in (["list"], ["list", "--kind", "case"], ["list", "--deleted"]):
        out = ok(args, dir=node_dir).text
        for secret in ("Siti", "Aminah", "Rahasia", "Catatan", "victim_name", "narrative"):
            assert secret not in out, (args, secret, out)
    shown = ok(["show", report_id], dir=node_dir).text
    assert "Siti Aminah" in shown and "Rahasia sekali" in shown
    assert show_json(node_dir, report_id)["fields"]["victim_name"] == "Siti Aminah"


def test_list_empty(node_dir):
    res = ok(["list"], dir=node_dir)
    assert res.out == b""
    assert ok(["list", "--json"], dir=node_dir).json() == []


def test_history_versions_and_bases(node_dir):
    report_id = add_case(node_dir, risk_level="low")
    ok(["edit", report_id, "--set", "status=active"], dir=node_dir)
    ok(["edit", report_id, "--set", "risk_level=high"], dir=node_dir)
    ok(["edit", report_id, "--set", "status=closed", "--set", "closure_reason=selesai",
        "--unset", "risk_level"], dir=node_dir)
    ok(["delete", report_id], dir=node_dir)
    history = ok(["history", report_id, "--json"], dir=node_dir).json()
    added = history[:6]
    assert sorted(e["field"] for e in added) == sorted(
        ["registration_number", "status", "violence_types/physical", "victim_sex",
         "intake_date", "risk_level"])
    assert len({e["version"] for e in added}) == 1, "one command, one version"
    assert all(e["base_version"] == ZERO_VERSION for e in added)
    edits = history[6:]
    assert [(e["field"], e["value"]) for e in edits] == [
        ("status", "active"), ("risk_level", "high"), ("status", "closed"),
        ("closure_reason", "services_completed"), ("risk_level", None), ("_deleted", "1")]
    seqs = [e["seq"] for e in history]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    versions = [e["version"] for e in history]
    for hexv in versions + [e["base_version"] for e in history]:
        assert re.fullmatch(r"[0-9a-f]{16}", hexv), hexv
    assert versions == sorted(versions)
    # Each change's base is the version its writer had seen of that same field.
    last = {}
    for e in history:
        expected = last.get(e["field"], (ZERO_VERSION, ZERO_VERSION))
        assert (e["base_version"], e["base_origin"]) == expected, e
        last[e["field"]] = (e["version"], e["origin"])
    assert history[7]["base_version"] == added[[e["field"] for e in added].index(
        "risk_level")]["version"]
    text = ok(["history", report_id], dir=node_dir).text.splitlines()
    assert len(text) == len(history)
    for line, e in zip(text, history):
        assert line.split()[0] == str(e["seq"])
        assert e["version"] in line and e["field"] in line


def test_fields_text(node_dir):
    out = ok(["fields"], dir=node_dir).text
    for word in ("case:", "service:", "referral:", "violence_type", "Fisik", "Physical",
                 "victim_name", "rahasia / sensitive", "wajib / required"):
        assert word in out, word
    only = ok(["fields", "service"], dir=node_dir).text
    assert only.startswith("service:") and "referral:" not in only and "case:" not in only


def test_fields_json_catalogue(tmp_path):
    # The catalogue is compiled in: no node directory is needed.
    catalogue = ok(["fields", "--json"], dir=str(tmp_path / "absent")).json()
    kinds = {k["kind"]: k for k in catalogue}
    assert list(kinds) == ["case", "service", "referral", "shelter_stay"]
    assert "kasus" in kinds["case"]["aliases"]
    for kind in catalogue:
        for field in kind["fields"]:
            assert {"name", "type", "required", "sensitive", "help_id", "help_en",
                    "deprecated"} <= set(field), field
            assert field["type"] in ("text", "int", "date", "enum", "bool", "reference", "set",
                                     "area")
            assert isinstance(field["required"], bool) and isinstance(field["sensitive"], bool)
            if field["type"] in ("enum", "set"):
                assert field["values"], field
                for value in field["values"]:
                    assert value["code"] and value["label_id"] and value["label_en"], value
                    assert isinstance(value["aliases"], list), value
    case = {f["name"]: f for f in kinds["case"]["fields"]}
    assert case["violence_types"]["type"] == "set" and case["violence_types"]["required"]
    assert case["violence_type"]["deprecated"]
    assert case["violence_type"]["replaced_by"] == "violence_types"
    assert case["residence_village"]["type"] == "area"
    assert case["residence_village"]["area_level"] == "village"
    assert "fisik" in [v for v in case["violence_types"]["values"] if v["code"] == "physical"][0][
        "aliases"]
    assert "Without it only the complaint is recorded" in case["consent_services"]["help_en"]
    assert [v["code"] for v in case["violence_types"]["values"]] == [
        "physical", "psychological", "sexual", "exploitation", "trafficking", "neglect",
        "other"]
    assert [v["code"] for v in case["status"]["values"]] == ["new", "active", "referred",
                                                              "closed"]
    assert case["victim_name"]["sensitive"] and case["narrative"]["sensitive"]
    assert not case["violence_types"]["sensitive"]
    assert case["intake_date"]["required"] and case["intake_date"]["type"] == "date"
    assert (case["victim_age"]["min"], case["victim_age"]["max"]) == (0, 120)
    assert case["narrative"]["max_bytes"] == 32768
    assert case["consent_share"]["type"] == "bool"
    service = {f["name"]: f for f in kinds["service"]["fields"]}
    assert service["case_id"]["type"] == "reference" and service["case_id"]["required"]
    assert service["notes"]["sensitive"]
    assert len(service["service_type"]["values"]) >= 13
    referral = {f["name"]: f for f in kinds["referral"]["fields"]}
    assert len(referral["referral_result"]["values"]) == 6
    only = ok(["fields", "referral", "--json"], dir=str(tmp_path / "absent")).json()
    assert [k["kind"] for k in only] == ["referral"]
    assert not os.path.exists(tmp_path / "absent")


def test_check_passes(populated):
    res = ok(["check"], dir=populated.dir)
    assert res.out.startswith(b"journal ok"), res


def test_status_pending_equals_journal_changes(populated):
    status = ok(["status", "--json"], dir=populated.dir).json()
    changes = sum(len(ok(["history", i, "--json"], dir=populated.dir).json())
                  for i in populated.ids)
    assert status["pending"] == changes
    assert status["changes"] == changes
    assert status["reports"] == 3 and status["deleted"] == 1
    assert (status["village"], status["village_name"]) == ("35.13.12.2018",
                                                          "Sumberanyar (Paiton)")
    assert status["author"] == "Siti"
    text = ok(["status"], dir=populated.dir).text
    assert "Sumberanyar (Paiton), 35.13.12.2018" in text and str(changes) in text


def test_set_file_multiline_narrative_from_file(node_dir, tmp_path):
    narrative = "Kronologi:\n\tBaris kedua – ü 🙏\r\nBaris ketiga\n"
    path = tmp_path / "narrative.txt"
    path.write_bytes(narrative.encode("utf-8"))
    report_id = ok(["add", "case", "--set-file", "narrative=%s" % path]
               + saenode.case_sets(), dir=node_dir).out.strip().decode()
    assert show_json(node_dir, report_id)["fields"]["narrative"] == narrative
    other = tmp_path / "other.txt"
    other.write_bytes(b"Diperbarui\nlagi")
    ok(["edit", report_id, "--set-file", "narrative=%s" % other], dir=node_dir)
    assert show_json(node_dir, report_id)["fields"]["narrative"] == "Diperbarui\nlagi"
    shown = ok(["show", report_id], dir=node_dir).text
    assert "Diperbarui" in shown and "lagi" in shown


def test_history_text_shows_each_base(node_dir):
    report_id = add_case(node_dir, risk_level="low")
    ok(["edit", report_id, "--set", "risk_level=high"], dir=node_dir)
    history = ok(["history", report_id, "--json"], dir=node_dir).json()
    edit = history[-1]
    lines = ok(["history", report_id], dir=node_dir).text.splitlines()
    assert "base %s@%s" % (edit["base_version"], edit["base_origin"]) in lines[-1]
    assert "base none" in lines[0]


def test_show_text_adds_no_blank_line_after_a_final_newline(node_dir):
    report_id = ok(["add", "case", "--set-file", "narrative=-"] + saenode.case_sets(),
                   dir=node_dir, input=b"Baris satu\nbaris dua\n").out.strip().decode()
    lines = ok(["show", report_id], dir=node_dir).text.splitlines()
    assert "" not in lines


def test_set_file_from_stdin(node_dir):
    narrative = "Dari stdin\nbaris dua\n"
    res = ok(["add", "case", "--set-file", "narrative=-"] + saenode.case_sets(), dir=node_dir,
             input=narrative.encode("utf-8"))
    report_id = res.out.strip().decode()
    assert show_json(node_dir, report_id)["fields"]["narrative"] == narrative
    service = saenode.ok(["add", "service", "--set", "case_id=" + report_id,
                          "--set", "service_type=legal_aid", "--set", "service_date=2026-02-01",
                          "--set-file", "notes=-"], dir=node_dir, input=b"Catatan\nkedua")
    assert show_json(node_dir, service.out.strip().decode())["fields"]["notes"] == \
        "Catatan\nkedua"


def test_boundary_values_accepted(node_dir, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 32767 + b"\n")
    report_id = ok(["add", "case", "--set-file", "narrative=%s" % big, "--set",
                    "victim_age=120"] + saenode.case_sets(), dir=node_dir).out.strip().decode()
    fields = show_json(node_dir, report_id)["fields"]
    assert len(fields["narrative"].encode()) == 32768
    assert fields["victim_age"] == 120
    other = add_case(node_dir, victim_age="0", intake_date="2024-02-29",
                     victim_name="n" * 200)
    fields = show_json(node_dir, other)["fields"]
    assert fields["victim_age"] == 0 and fields["intake_date"] == "2024-02-29"
    ok(["check"], dir=node_dir)


def _default_dir_round_trip(env, expected_dir):
    ok(["init", "--village", "Jabungsisir"], env=env)
    assert mode(expected_dir) == 0o700
    assert os.path.exists(os.path.join(expected_dir, "node.db"))
    res = ok(["--by", "Siti", "add", "case"] + saenode.case_sets(), env=env)
    report_id = res.out.strip().decode()
    assert [r["id"] for r in ok(["list", "--json"], env=env).json()] == [report_id]
    assert [r["id"] for r in list_json(expected_dir)] == [report_id]
    assert ok(["status", "--json"], env=env).json()["dir"] == expected_dir


def test_default_dir_from_sae_node_dir(tmp_path):
    dir = str(tmp_path / "from-env")
    _default_dir_round_trip(saenode.clean_env(SAE_NODE_DIR=dir), dir)
    # -d wins over $SAE_NODE_DIR.
    other = saenode.init(str(tmp_path / "other"))
    env = saenode.clean_env(SAE_NODE_DIR=dir)
    assert run(["list", "--json"], dir=other, env=env).json() == []


def test_default_dir_from_xdg_data_home(tmp_path):
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    env = saenode.clean_env(HOME=str(home), XDG_DATA_HOME=str(xdg))
    _default_dir_round_trip(env, str(xdg / "sae-node"))
    assert not os.path.exists(home / ".local")


def test_default_dir_from_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = saenode.clean_env(HOME=str(home), XDG_DATA_HOME=None)
    _default_dir_round_trip(env, str(home / ".local" / "share" / "sae-node"))
