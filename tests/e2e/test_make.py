"""What a newcomer types first works from a clean clone: plain `make` builds both programs
(issue 9: it built only the generated protobuf object), and `make demo` and `make test`
install the Debian packages first, then build and run what the clone holds.

The clone is `git clone` of this repository (its committed state, as a newcomer gets it);
make runs with -n (prints what it would do) so nothing is built twice.
"""
import os
import re
import subprocess

import pytest

from repotree import REPO


def make(clone, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    proc = subprocess.run(["make"] + list(args), cwd=clone, env=env, capture_output=True,
                          text=True, timeout=300)
    return proc


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    target = tmp_path_factory.mktemp("clone") / "rumah-sae-sync"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True,
                   capture_output=True, timeout=300)
    assert not (target / "build").exists()
    return target


def commands(proc):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [line for line in proc.stdout.splitlines() if line.strip()]


def link_line(lines, program):
    """The index of the command that links build/PROGRAM, or None."""
    pattern = re.compile(r"(^|\s)-o build/%s(\s|$)" % re.escape(program))
    for i, line in enumerate(lines):
        if pattern.search(line):
            return i
    return None


def test_plain_make_builds_both_programs(clone):
    lines = commands(make(clone, "-n"))
    assert link_line(lines, "sae-node") is not None, "\n".join(lines[-20:])
    assert link_line(lines, "sae-hub") is not None, "\n".join(lines[-20:])


def test_the_default_goal_is_all(clone):
    # -p prints make's database; -q only asks whether the goal is up to date (exit 1: no).
    proc = make(clone, "-p", "-q")
    assert re.search(r"^\.DEFAULT_GOAL := all$", proc.stdout, re.M), proc.stderr[-2000:]


def test_make_demo_installs_deps_then_builds_then_runs_the_demo(clone):
    lines = commands(make(clone, "-n", "demo"))
    assert lines[0] == "sh scripts/deps.sh", lines[:5]
    node, hub = link_line(lines, "sae-node"), link_line(lines, "sae-hub")
    demo = [i for i, line in enumerate(lines) if line.startswith("sh scripts/demo.sh ")]
    assert node is not None and hub is not None and demo, "\n".join(lines)
    assert max(node, hub) < demo[0]
    assert lines[demo[0]] == "sh scripts/demo.sh %s" % (clone / "build")


def test_make_test_installs_deps_then_runs_every_stage(clone):
    lines = commands(make(clone, "-n", "test"))
    assert lines == ["sh scripts/deps.sh", "BUILD=build sh tests/run_all.sh"], lines


def test_every_script_the_targets_run_is_in_the_clone(clone):
    """make demo, make test and the test runner name their scripts; each is a tracked file,
    so a clone has it."""
    text = "\n".join(make(clone, "-n", target).stdout for target in ("demo", "test", "bench"))
    text += (clone / "tests" / "run_all.sh").read_text()
    scripts = set(re.findall(r"\bsh ((?:scripts|tests)/[\w./-]+)", text))
    scripts |= set(re.findall(r"/usr/bin/python3 ((?:scripts|tests)/[\w./-]+\.py)", text))
    assert {"scripts/deps.sh", "scripts/demo.sh", "tests/run_all.sh",
            "tests/run_valgrind.sh"} <= scripts, scripts
    for script in sorted(scripts):
        assert (clone / script).is_file(), "%s is named but not in a clean clone" % script
    # The demo sources its helpers beside it.
    assert (clone / "scripts" / "demo_lib.sh").is_file()
