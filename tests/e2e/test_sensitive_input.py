"""Values of sensitive fields never come as command-line arguments, where `ps` and the
shell's history show them: sae-node refuses them as --set FIELD=VALUE with one line saying
how instead (--set-file FIELD=FILE, or FIELD=- for standard input, typed without echo on a
terminal), exit status 2, nothing written. Every sensitive field of the catalogue is tried,
and the ways that are allowed at their edges."""
import os
import pty
import subprocess
import termios

import pytest

import saenode
from saenode import assert_one_line_error, assert_usage_error, ok, run, snapshot

# A value that must never reach the journal or an error line when refused.
HOSTILE = "Siti '; DROP TABLE change; -- <script>alert(1)</script>"


def catalogue():
    """{kind: {field name: field}} of `sae-node fields --json`."""
    return {kind["kind"]: {f["name"]: f for f in kind["fields"]}
            for kind in ok(["fields", "--json"]).json()}


def sensitive_pairs():
    return [(kind, name) for kind, names in saenode.sensitive_fields().items()
            for name in names]


def test_the_catalogue_marks_names_stories_and_notes_sensitive():
    marked = saenode.sensitive_fields()
    assert {"victim_name", "victim_contact", "narrative"} <= set(marked["case"])
    assert "notes" in marked["service"] and "service_note" in marked["referral"]
    assert "extension_reason" in marked["shelter_stay"]
    # What the agency reads whatever the consent is not marked: the form says so instead.
    assert "referral_reason" not in marked["referral"]


@pytest.fixture(scope="module")
def post(tmp_path_factory):
    """A post with one report of every kind, to edit."""
    d = str(tmp_path_factory.mktemp("post") / "node")
    saenode.init(d)
    c = saenode.add_case(d)
    reports = {"case": c, "service": saenode.add_service(d, c),
               "referral": saenode.add_referral(d, c)}
    reports["shelter_stay"] = ok(["add", "shelter_stay", "--set", "case_id=" + c, "--set",
                                  "admission_date=2026-01-06"], dir=d).out.decode().strip()
    return d, reports


@pytest.mark.parametrize("kind,field", sensitive_pairs())
def test_a_sensitive_value_as_an_argument_is_refused(post, kind, field):
    d, reports = post
    before = snapshot(d)
    commands = [["add", kind, "--set", "%s=%s" % (field, HOSTILE)]]
    if kind != "service":  # services are append-only events: never edited
        commands.append(["edit", reports[kind], "--set", "%s=%s" % (field, HOSTILE)])
    for args in commands:
        res = run(args, dir=d)
        assert_usage_error(res, "%s is sensitive" % field, "--set-file %s=FILE" % field,
                           "--set-file %s=-" % field, "ps", "nothing was changed")
        assert HOSTILE.encode() not in res.err
    assert snapshot(d) == before


def shown(d, report_id, field):
    return saenode.show_json(d, report_id)["fields"].get(field)


@pytest.mark.parametrize("kind,field", sensitive_pairs())
def test_a_sensitive_value_from_a_file_at_its_limit(post, kind, field, tmp_path):
    d, reports = post
    if kind == "service":
        pytest.skip("services are append-only; their notes are added, checked below")
    limit = catalogue()[kind][field]["max_bytes"]
    exact = tmp_path / "exact"
    exact.write_bytes(b"\xc3\xa9" * (limit // 2) + b"a" * (limit % 2))
    ok(["edit", reports[kind], "--set-file", "%s=%s" % (field, exact)], dir=d)
    assert shown(d, reports[kind], field) == exact.read_text()
    before = snapshot(d)
    over = tmp_path / "over"
    over.write_bytes(b"a" * (limit + 1))
    res = run(["edit", reports[kind], "--set-file", "%s=%s" % (field, over)], dir=d)
    assert_usage_error(res, field, str(limit + 1), str(limit))
    assert snapshot(d) == before


BAD_FILES = {
    "invalid UTF-8": (b"Siti\xff", ["UTF-8"]),
    "overlong UTF-8": (b"a\xc0\xafb", ["UTF-8"]),
    "a NUL": (b"Siti\x00Aminah", ["NUL"]),
    "an empty file": (b"", ["empty"]),
}


@pytest.mark.parametrize("what", list(BAD_FILES))
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_bad_bytes_from_a_file_or_stdin_change_nothing(post, tmp_path, what, source):
    d, reports = post
    data, needles = BAD_FILES[what]
    path = tmp_path / "value"
    path.write_bytes(data)
    before = snapshot(d)
    arg = "victim_name=" + (str(path) if source == "file" else "-")
    res = run(["edit", reports["case"], "--set-file", arg], dir=d,
              input=data if source == "stdin" else None)
    assert_usage_error(res, "victim_name", *needles)
    assert snapshot(d) == before


def test_a_missing_file_is_an_io_error_that_changes_nothing(post, tmp_path):
    d, reports = post
    before = snapshot(d)
    res = run(["edit", reports["case"], "--set-file",
               "victim_name=%s" % (tmp_path / "no-such-name.txt")], dir=d)
    assert_one_line_error(res, 1, "cannot read", "no-such-name.txt", "victim_name")
    assert snapshot(d) == before


def test_standard_input_gives_one_value_per_command(post):
    d, reports = post
    before = snapshot(d)
    res = run(["edit", reports["case"], "--set-file", "victim_name=-", "--set-file",
               "narrative=-"], dir=d, input=b"Siti")
    assert_usage_error(res, "standard input gives one value", "--set-file narrative=FILE")
    assert snapshot(d) == before


def test_piped_standard_input_and_files_are_taken_whole(post, tmp_path):
    d, reports = post
    story = tmp_path / "story"
    story.write_text("Baris satu\nBaris dua\n")
    ok(["edit", reports["case"], "--set-file", "victim_name=-", "--set-file",
        "narrative=%s" % story], dir=d, input=HOSTILE.encode())
    assert shown(d, reports["case"], "victim_name") == HOSTILE
    assert shown(d, reports["case"], "narrative") == "Baris satu\nBaris dua\n"
    # A service's notes are added with it, from a file.
    service = saenode.add_service(d, reports["case"], notes="Catatan\nrahasia")
    assert shown(d, service, "notes") == "Catatan\nrahasia"


def test_on_a_terminal_the_value_is_typed_after_a_prompt_without_echo(post):
    d, reports = post
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([saenode.BIN, "-d", d, "edit", reports["case"], "--set-file",
                                 "victim_name=-"], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=saenode.clean_env())
        os.close(slave)
        slave = None
        # Echo goes off before the prompt shows: wait for it, then type.
        prompt = b""
        while b"not shown" not in prompt:
            chunk = proc.stderr.read1(256)
            assert chunk, prompt
            prompt += chunk
        assert not termios.tcgetattr(master)[3] & termios.ECHO
        os.write(master, b"Rina Typed\n")
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, (out, prompt + err)
        assert b"Nama korban" in prompt and b"victim_name" in prompt
        assert b"Rina Typed" not in prompt + err + out
        # What the terminal showed back (its echo) does not hold the value either.
        echoed = b""
        try:
            while True:
                chunk = os.read(master, 1024)
                if not chunk:
                    break
                echoed += chunk
        except OSError:
            pass
        assert b"Rina Typed" not in echoed
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    assert shown(d, reports["case"], "victim_name") == "Rina Typed"
