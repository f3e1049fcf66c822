"""sae-hub never takes a sensitive value as an argument either: `reports edit --set` of every
sensitive field of every kind the hub edits, and `conflicts resolve --value` on a conflict
over a survivor's story, are refused (exit status 2, one line saying how, hub.db unchanged);
--set-file and --value-file give them, from a file or standard input, and the resolution's
report does not repeat the value. Real posts, real HTTPS, the real sae-hub."""
import subprocess

import pytest

import case_pages_world as world
import hubproc
import saenode
from hubcli_world import assert_hub_error, assert_usage_error

STORY = "Kronologi rahasia, dengan \"kutip\"\nbaris dua"


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A serving hub with a case (a service and a referral) and a conflict on its story."""
    w = world.build(tmp_path_factory.mktemp("district"), narrative="Cerita awal")
    world.edit(w.a, w.case, "narrative=Versi a")
    world.edit(w.b, w.case, "narrative=Versi b")
    saenode.add_referral(w.a, w.case, notes="Catatan rujukan")
    world.sync(w.a)
    world.sync(w.b)
    w.story = next(c for c, _, field in world.open_conflicts(w.hub) if field == "narrative")
    w.reports = {r["kind"]: r["id"] for r in w.hub.admin_json("reports", "list")
                 if r["kind"] in ("case", "referral")}  # a case, one referral
    yield w
    w.hub.stop()


def edit_pairs():
    marked = saenode.sensitive_fields()
    return [(kind, name) for kind in ("case", "referral") for name in marked[kind]]


@pytest.mark.parametrize("kind,field", edit_pairs())
def test_reports_edit_refuses_a_sensitive_value_as_an_argument(district, kind, field):
    before = district.hub.snapshot()
    proc = district.hub.run("reports", "edit", district.reports[kind], "--set",
                            "%s=Siti <b>'x'" % field, "--by", "Pak Budi")
    assert_usage_error(proc, "%s is sensitive" % field, "--set-file %s=FILE" % field,
                       "--set-file %s=-" % field, "nothing was changed")
    assert b"Siti" not in proc.stderr
    assert district.hub.snapshot() == before


def test_reports_edit_takes_it_from_a_file_or_standard_input(district, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    case = district.reports["case"]
    district.hub.ok("reports", "edit", case, "--set-file", "victim_contact=%s" % story,
                    "--by", "Pak Budi")
    proc = subprocess.run([hubproc.BIN, "-d", district.hub.dir, "reports", "edit", case,
                           "--set-file", "victim_name=-", "--by", "Pak Budi"],
                          input=b"Rina Aminah", capture_output=True, env=hubproc.hub_env(),
                          timeout=60)
    assert proc.returncode == 0, proc
    shown = district.hub.admin_json_as("siti", district.passwords["siti"], "reports", "show",
                                       case)["fields"]
    assert shown["victim_name"] == "Rina Aminah" and shown["victim_contact"] == STORY
    masked = district.hub.admin_json("reports", "show", case)["fields"]  # without --as
    assert "Rina Aminah" not in str(masked) and masked["victim_name"] == "\u2022" * 4


def test_conflicts_resolve_takes_a_story_only_from_a_file(district, tmp_path):
    before = district.hub.snapshot()
    proc = district.hub.run("conflicts", "resolve", district.story, "--value", "Versi c",
                            "--by", "Pak Budi")
    assert_usage_error(proc, "narrative is sensitive", "--value-file FILE", "--value-file -")
    missing = district.hub.run("conflicts", "resolve", district.story, "--value-file",
                               tmp_path / "none.txt", "--by", "Pak Budi")
    assert_hub_error(missing, 1, "cannot read", "none.txt", "narrative")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert_usage_error(district.hub.run("conflicts", "resolve", district.story, "--value-file",
                                        empty, "--by", "Pak Budi"), "narrative", "empty")
    assert district.hub.snapshot() == before

    chosen = tmp_path / "chosen.txt"
    chosen.write_text(STORY)
    out = district.hub.ok("conflicts", "resolve", district.story, "--value-file", chosen,
                          "--by", "Pak Budi").stdout
    assert b"not shown" in out and b"Kronologi" not in out  # not repeated on the screen
    shown = district.hub.admin_json_as("siti", district.passwords["siti"], "reports", "show",
                                       district.case)
    assert shown["fields"]["narrative"] == STORY, shown
