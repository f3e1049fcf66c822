"""People and places on a post (issue 10): every change names the person who made it
(--by NAME, or the device's default set once with `config author`; without either, nothing
is written), and the village is chosen from the official list of areas (a code or a unique
name; a typo or a shared name is refused with the nearest names or the candidates)."""
import os

import pytest

import saenode
from saenode import assert_usage_error, ok, run, snapshot


def history(dir, report_id):
    return ok(["history", report_id, "--json"], dir=dir).json()


def test_change_without_an_author_is_refused_and_writes_nothing(tmp_path):
    dir = saenode.init(str(tmp_path / "post"), author=None)
    before = snapshot(dir)
    res = run(["add", "case"] + saenode.case_sets(), dir=dir)
    assert_usage_error(res, "sae-node --by NAME", "sae-node config author NAME")
    assert snapshot(dir) == before
    config = ok(["config", "--json"], dir=dir).json()
    assert config["author"] is None
    assert "not set" in ok(["config"], dir=dir).text


def test_by_names_this_command_and_config_author_the_default(tmp_path):
    dir = saenode.init(str(tmp_path / "post"), author=None)
    case = ok(["--by", "Ani", "add", "case"] + saenode.case_sets(), dir=dir).text.strip()
    assert {e["author"] for e in history(dir, case)} == {"Ani"}
    ok(["config", "author", "Siti Rahayu"], dir=dir)
    ok(["edit", case, "--set", "status=active"], dir=dir)
    ok(["--by", "Rahma", "edit", case, "--set", "risk_level=high"], dir=dir)
    ok(["delete", case], dir=dir)
    assert [(e["field"], e["author"]) for e in history(dir, case)][-3:] == [
        ("status", "Siti Rahayu"), ("risk_level", "Rahma"), ("_deleted", "Siti Rahayu")]
    assert ok(["config", "--json"], dir=dir).json()["author"] == "Siti Rahayu"
    assert ok(["status", "--json"], dir=dir).json()["author"] == "Siti Rahayu"


def test_author_limit_is_100_bytes(tmp_path):
    """SAE_LIMIT_PERSON_BYTES at its edge, in two-byte UTF-8: 100 bytes are taken whole,
    101 refused (and nothing written)."""
    dir = saenode.init(str(tmp_path / "post"))
    name = "é" * 50
    case = ok(["--by", name, "add", "case"] + saenode.case_sets(), dir=dir).text.strip()
    assert {e["author"] for e in history(dir, case)} == {name}
    ok(["config", "author", name], dir=dir)
    before = snapshot(dir)
    assert_usage_error(run(["--by", name + "x", "delete", case], dir=dir), "--by", "100")
    assert_usage_error(run(["config", "author", name + "x"], dir=dir), "author", "100")
    assert snapshot(dir) == before


def test_history_reads_person_device_and_time(tmp_path):
    """Before enrollment the device has no name yet: person and time; the JSON carries the
    parts and the line people read ("by")."""
    dir = saenode.init(str(tmp_path / "post"))
    case = saenode.add_case(dir)
    entry = history(dir, case)[0]
    assert (entry["author"], entry["device"], entry["note"]) == ("Siti", None, None)
    assert entry["by"].startswith("Siti, ") and entry["by"].count(",") == 1, entry
    line = ok(["history", case], dir=dir).text.splitlines()[0]
    assert line.split()[0] == str(entry["seq"]) and ("  %s  " % entry["by"]) in line


@pytest.mark.parametrize("typed,words", [
    ("Sumberanyer ", ["no village called", "nearest", "Sumberanyar (Paiton)"]),
    ("desa sumberasri", ["no village called", "nearest"]),
    ("Karanganyar", ["2 villages", "35.13.04.2010", "35.13.12.2011", "after a comma"]),
    ("Paiton, Kraksaan", ["no village called"]),
    ("35.13.12", ["kecamatan code", "village"]),
    ("35.13.99.9999", ["no village with code 35.13.99.9999"]),
])
def test_init_refuses_a_village_the_list_does_not_name_once(tmp_path, typed, words):
    """A typo with a trailing space gets the nearest names, a shared name its candidates
    with their codes; exit 2, and nothing is created."""
    dir = str(tmp_path / "post")
    assert_usage_error(run(["init", "--village", typed], dir=dir), "--village", *words)
    assert not os.path.exists(dir)
