"""Every ```sh block of README.md runs as written (issue 9: the first session read a file
that did not exist, and the commands after it ran with an empty id).

The blocks run in the README's order, each with `sh -eu` (a failing command or an unset
variable fails the block), as a new user would run them: a fresh HOME, the built sae-node
and sae-hub first on PATH, one fresh working directory for all blocks, none of the SAE_*
variables set. A block right after the line `<!-- not run: REASON -->` is not run (the
README's `make` commands: they are what runs this test). Where it can (as root, or with
unprivileged user namespaces), each block runs in a network namespace of its own with only
loopback up, so a hub on the default port 8443 meets no other process of the machine.
"""
import os
import re
import signal
import subprocess

import pytest

from repotree import REPO, bin_dir, isolated, isolation, user_env

README = REPO / "README.md"
NOT_RUN = re.compile(r"^<!-- not run: (\S.*\S) -->$")


def sh_blocks(text):
    """[(line number, code, reason not run or None)] of every ```sh block."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            start = i + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            assert end < len(lines), "README.md:%d: ```sh block never closed" % (i + 1)
            before = next((l.strip() for l in reversed(lines[:i]) if l.strip()), "")
            skip = NOT_RUN.match(before)
            blocks.append((start, "\n".join(lines[start:end]) + "\n",
                           skip.group(1) if skip else None))
            i = end
        i += 1
    return blocks


BLOCKS = sh_blocks(README.read_text())
RUNNABLE = [b[:2] for b in BLOCKS if b[2] is None]


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    base = tmp_path_factory.mktemp("readme")
    home = base / "home"
    work = base / "work"
    home.mkdir()
    work.mkdir()
    return {"env": user_env(home, bin_dir(base)), "cwd": work, "prefix": isolation()}


def run_block(user, code, name):
    argv = isolated(user["prefix"], ["sh", "-eu", "-c", code])
    out_path = user["cwd"].parent / ("%s.out" % name)
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(argv, cwd=user["cwd"], env=user["env"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=180)
        finally:
            # A daemon a failed block started in the background goes with it.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return rc, out_path.read_text(errors="replace")


def test_the_readme_has_blocks_to_run():
    runnable = [b for b in BLOCKS if b[2] is None]
    assert len(runnable) >= 2, BLOCKS
    assert any("sae-node init" in code for _, code, _ in runnable)
    assert any("sae-hub serve" in code for _, code, _ in runnable)
    # Exceptions stay few: only the blocks that are `make` itself.
    skipped = [(line, code) for line, code, reason in BLOCKS if reason is not None]
    assert all(re.match(r"^(make|sh scripts/deps\.sh)\b", l)
               for _, code in skipped for l in code.splitlines() if l.strip()), skipped


def test_readme_blocks_run_as_written(user):
    """Each block builds on the ones before it (the first makes the post the next one
    enrolls), so they run in order in one test: parametrized, pytest-xdist could hand a
    later block to another worker without the earlier ones."""
    for line, code in RUNNABLE:
        rc, out = run_block(user, code, "block-%d" % line)
        assert rc == 0, "README.md:%d exited %d:\n%s\n---- output:\n%s" % (
            line, rc, code, out[-4000:])


def test_parser_reads_fences_and_marks():
    text = ("intro\n```sh\necho a\n```\n\n<!-- not run: needs root -->\n\n```sh\nmake x\n```\n"
            "```\nnot sh\n```\n")
    assert sh_blocks(text) == [(2, "echo a\n", None), (8, "make x\n", "needs root")]
