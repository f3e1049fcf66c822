"""Nothing in the repository points outside it (issue 9: comments and the README sent readers
to ../shared/DESIGN.md, which a clone does not have). In every tracked text file:

- no `../shared` and no DESIGN.md other than docs/DESIGN.md;
- no absolute path of the machine the code was written on (/work/..., /home/...);
- every relative path that climbs with `../` lands, from the file's own folder, on a file or
  folder of the repository (so #include "../../proto/x.h" is fine, ../notes.md is not);
- every relative Markdown link lands on a file or folder of the repository;
- every section of docs/DESIGN.md named in a quoted reference (docs/DESIGN.md, "Clocks")
  is a heading of it.
"""
import os
import re
import subprocess

import pytest

from repotree import REPO

DESIGN = REPO / "docs" / "DESIGN.md"

OUTSIDE = [
    (re.compile(r"\.\./shared\b|\bshared/DESIGN\.md"), "the workplace's shared folder"),
    (re.compile(r"(?<![\w.~-])/(?:work|home)/[\w.-]"), "an absolute path of one machine"),
    (re.compile(r"(?<![\w/-])(?<!docs/)DESIGN\.md"), "a DESIGN.md other than docs/DESIGN.md"),
]
CLIMB = re.compile(r"(?<![\w.-])((?:\.\./)+[\w.-][\w./-]*)")
MD_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
SECTION_REF = re.compile(r'docs/DESIGN\.md(?:,| section| \(|:)\s*"([^"]+)"')


def tracked_files():
    if (REPO / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True, timeout=60).stdout
        names = [n for n in out.decode().split("\0") if n]
    else:
        names = []
        for root, dirs, files in os.walk(REPO):
            dirs[:] = [d for d in dirs if d not in (".git", "build", "__pycache__")]
            names += [os.path.relpath(os.path.join(root, f), REPO) for f in files]
    return sorted(names)


def text_of(name):
    path = REPO / name
    if not path.is_file():
        return None  # deleted in the work tree, not yet committed
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def inside(base_dir, target):
    resolved = os.path.normpath(os.path.join(base_dir, target))
    root = os.path.normpath(str(REPO))
    return (resolved == root or resolved.startswith(root + os.sep)) and os.path.exists(resolved)


def problems_in(name, text):
    found = []
    base = os.path.dirname(os.path.join(str(REPO), name))
    for number, line in enumerate(text.splitlines(), 1):
        where = "%s:%d" % (name, number)
        for pattern, what in OUTSIDE:
            match = pattern.search(line)
            if match and not (name == "tests/e2e/test_paths.py"):
                found.append("%s: %s (%r)" % (where, what, match.group(0)))
        for target in CLIMB.findall(line):
            target = target.rstrip(".,;:")
            if name != "tests/e2e/test_paths.py" and not inside(base, target):
                found.append("%s: %s leads outside the repository or nowhere" % (where,
                                                                                  target))
        if name.endswith(".md"):
            for target in MD_LINK.findall(line):
                if re.match(r"^[a-z]+:", target):
                    continue  # a URL
                if not inside(base, target):
                    found.append("%s: link %s leads outside the repository or nowhere" % (
                        where, target))
    return found


def design_headings():
    headings = set()
    for line in DESIGN.read_text().splitlines():
        match = re.match(r"^#+\s+(?:\d+(?:\.\d+)*\.?\s+)?(.+?)\s*$", line)
        if match:
            headings.add(match.group(1))
    return headings


def test_no_tracked_file_points_outside_the_repository():
    problems = []
    for name in tracked_files():
        text = text_of(name)
        if text is not None:
            problems += problems_in(name, text)
    assert problems == [], "\n".join(problems)


def test_design_sections_named_elsewhere_exist():
    assert DESIGN.is_file()
    headings = design_headings()
    missing = []
    for name in tracked_files():
        text = text_of(name)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for section in SECTION_REF.findall(line):
                if section not in headings:
                    missing.append("%s:%d: docs/DESIGN.md has no section %r" % (name, number,
                                                                                 section))
    assert missing == [], "\n".join(missing) + "\nsections: %s" % sorted(headings)


@pytest.mark.parametrize("name,line,bad", [
    ("hub/merge/merge.h", '/* Merge rules (../shared/DESIGN.md, "Merge"). */', True),
    ("README.md", "See [the design](../DESIGN.md).", True),
    ("README.md", "See [the design](docs/DESIGN.md).", False),
    ("tests/unit/test_wire.c", '#include "../../proto/wire_internal.h"', False),
    ("tests/unit/test_wire.c", '#include "../../../proto/wire_internal.h"', True),
    ("scripts/x.sh", "cd /work/main && make", True),
    ("scripts/x.sh", 'mktemp -d "${TMPDIR:-/tmp}/sae-demo.XXXXXX"', False),
    ("tests/e2e/x.py", '"""As DESIGN.md "Clocks" says."""', True),
    ("tests/e2e/x.py", '"""As docs/DESIGN.md, "Clocks" says."""', False),
])
def test_the_rules_catch_what_they_should(name, line, bad):
    assert bool(problems_in(name, line + "\n")) == bad
