"""Every module a Python file under tests/ imports comes from the standard library, from the
repository itself, or from a Debian package that scripts/deps.sh names: `make test` on a
fresh Debian 12 must never stop at a ModuleNotFoundError (issue 9: python3-requests was
missing, and the whole end-to-end suite never ran).

The imports are read with ast from every .py under tests/; each module is located by the
interpreter the tests run under (/usr/bin/python3, isolated from user and pip paths) and its
file is traced to its package with dpkg -S. An import inside `try: ... except ImportError:`
is optional (the code has a way without it) and is not required.
"""
import ast
import json
import os
import re
import shutil
import subprocess

import pytest

from repotree import DEBIAN_PYTHON, REPO, deps_packages

TESTS = REPO / "tests"

# Run by /usr/bin/python3 -I: for each dotted module name, whether its top-level package is
# in the standard library, and the file it would be imported from.
LOCATE = r"""
import importlib.util, json, sys
out = {}
for name in json.load(sys.stdin):
    top = name.split(".")[0]
    entry = {"stdlib": top in sys.stdlib_module_names, "origin": None}
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:  # a parent package that is not there
        spec = None
    if spec is not None:
        origin = spec.origin
        if origin in (None, "namespace") and spec.submodule_search_locations:
            origin = list(spec.submodule_search_locations)[0]
        entry["origin"] = origin
    out[name] = entry
json.dump(out, sys.stdout)
"""


def python_files():
    for root, dirs, files in os.walk(TESTS):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "corpus-work"))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(root, name)


def own_modules():
    """What the tests import from the repository: their .py files and package folders."""
    names = set()
    for path in python_files():
        names.add(os.path.splitext(os.path.basename(path))[0])
        if os.path.basename(path) == "__init__.py":
            names.add(os.path.basename(os.path.dirname(path)))
    return names


def _catches_import_error(handler):
    kinds = handler.type
    if kinds is None:
        return True
    kinds = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(isinstance(k, ast.Name) and k.id in ("ImportError", "ModuleNotFoundError")
               for k in kinds)


class ImportCollector(ast.NodeVisitor):
    """Dotted names of every absolute import, split into required and optional ones."""

    def __init__(self):
        self.required = set()
        self.optional = set()
        self._guarded = 0

    def visit_Try(self, node):
        guarded = any(_catches_import_error(h) for h in node.handlers)
        self._guarded += guarded
        for child in node.body:
            self.visit(child)
        self._guarded -= guarded
        for child in node.handlers + node.orelse + node.finalbody:
            self.visit(child)

    visit_TryStar = visit_Try

    def _add(self, name):
        (self.optional if self._guarded else self.required).add(name)

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._add(node.module)


def collect_imports(paths):
    """{dotted module name: [files importing it]} of the required imports, and the optional
    ones' names."""
    required, optional = {}, set()
    for path in paths:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)
        collector = ImportCollector()
        collector.visit(tree)
        for name in collector.required:
            required.setdefault(name, []).append(os.path.relpath(path, REPO))
        optional |= collector.optional
    return required, optional


def locate(names):
    proc = subprocess.run([DEBIAN_PYTHON, "-I", "-c", LOCATE], input=json.dumps(sorted(names)),
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(proc.stdout)


def owning_packages(paths):
    """{path: the Debian package that installed it} for the paths dpkg -S knows."""
    if not paths:
        return {}
    proc = subprocess.run(["dpkg", "-S"] + sorted(paths), capture_output=True, text=True,
                          timeout=120)
    owners = {}
    for line in proc.stdout.splitlines():
        packages, sep, found = line.rpartition(": ")
        if sep and found in paths and not line.startswith("diversion "):
            owners[found] = packages.split(",")[0].strip().split(":")[0]
    return owners


def installed_dependencies(roots):
    """The installed packages that roots bring with them (Depends and Pre-Depends, every
    alternative), roots included."""
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Pre-Depends}, ${Depends}\n"],
                          capture_output=True, text=True, check=True, timeout=120)
    depends = {}
    for line in proc.stdout.splitlines():
        package, _, deps = line.partition("\t")
        names = set()
        for alternative in deps.replace("|", ",").split(","):
            name = alternative.split("(")[0].strip().split(":")[0]
            if name:
                names.add(name)
        depends[package] = names
    seen, todo = set(), list(roots)
    while todo:
        package = todo.pop()
        if package in seen or package not in depends:
            continue
        seen.add(package)
        todo.extend(depends[package])
    return seen


def missing_packages(deps_sh_text):
    """What would break on a fresh machine: a list of lines, empty when every import is
    provided."""
    required, _ = collect_imports(python_files())
    own = own_modules()
    names = {n for n in required if n.split(".")[0] not in own}
    located = locate(names)
    named = set(deps_packages(deps_sh_text))
    # The standard library's files come with Debian's python3, which deps.sh names; some of
    # it is split into packages python3 does not bring (python3-distutils, python3-tk, ...).
    stdlib_packages = installed_dependencies(["python3"]) if "python3" in named else set()
    owners = owning_packages({e["origin"] for e in located.values()
                              if e["origin"] and os.path.isabs(e["origin"])})
    problems = []
    for name in sorted(names):
        entry = located[name]
        where = ", ".join(sorted(required[name]))
        origin = entry["origin"]
        if origin is None:
            problems.append("%s (imported by %s) is not installed for %s: no package in "
                            "scripts/deps.sh provides it" % (name, where, DEBIAN_PYTHON))
            continue
        if not os.path.isabs(origin):  # built-in or frozen: part of the interpreter
            continue
        package = owners.get(origin)
        if package is None:
            problems.append("%s (imported by %s) comes from %s, which no Debian package "
                            "installed (pip?)" % (name, where, origin))
        elif entry["stdlib"]:
            if package not in stdlib_packages and package not in named:
                problems.append("%s (imported by %s) is in Debian package %s, which neither "
                                "scripts/deps.sh nor its python3 installs" % (name, where,
                                                                          package))
        elif package not in named:
            problems.append("%s (imported by %s) is in Debian package %s, which "
                            "scripts/deps.sh does not name" % (name, where, package))
    return problems


def test_every_python_import_of_the_tests_is_installed_by_deps_sh():
    problems = missing_packages(None)
    assert problems == [], "\n".join(problems)


def test_a_package_missing_from_deps_sh_is_found():
    """The check above can fail: with python3-requests left out of deps.sh's list (as on
    main before issue 9), it names requests and the package."""
    text = (REPO / "scripts" / "deps.sh").read_text()
    assert "python3-requests" in deps_packages(text)
    without = text.replace(" python3-requests", "", 1)
    assert "python3-requests" not in deps_packages(without)
    problems = missing_packages(without)
    assert any(p.startswith("requests (") and "python3-requests" in p for p in problems), \
        problems


def test_optional_imports_are_only_optional():
    """An import inside try/except ImportError is exempt above; each such module must also be
    imported nowhere without the guard, or the exemption would hide a real need."""
    required, optional = collect_imports(python_files())
    assert not (optional & set(required)), optional & set(required)


@pytest.mark.parametrize("source,expected_required,expected_optional", [
    ("import a.b, c\nfrom d.e import f\nfrom . import g\n", {"a.b", "c", "d.e"}, set()),
    ("try:\n    import x\nexcept ImportError:\n    x = None\nimport y\n", {"y"}, {"x"}),
    ("try:\n    import x\nexcept ValueError:\n    pass\n", {"x"}, set()),
    ("def f():\n    from z import q\n", {"z"}, set()),
])
def test_import_collector(source, expected_required, expected_optional):
    collector = ImportCollector()
    collector.visit(ast.parse(source))
    assert collector.required == expected_required
    assert collector.optional == expected_optional


def test_the_pytest_plugin_make_e2e_uses_is_installed_by_deps_sh():
    """make e2e spreads the tests over workers with pytest -n, an option of the
    pytest-xdist plugin, which no import names: its package must still be in deps.sh, or
    make test on a fresh machine would stop at "unrecognized arguments: -n"."""
    recipe = (REPO / "Makefile").read_text().split("\ne2e:", 1)[1].split("\n\n", 1)[0]
    assert " -n $(E2E_JOBS)" in recipe, recipe
    assert "python3-pytest-xdist" in deps_packages()


# Programs, not Python modules, that make bench-smoke runs, and a file that runs each: the
# import check above cannot see them. bench_sync_anchor.py's CouchDB anchor runs in Node.js,
# installed from npm's registry by npm_ci.sh.
BENCH_PROGRAMS = {"node": "tests/bench/bench_sync_anchor.py",
                  "npm": "tests/bench/couch_anchor/npm_ci.sh"}
ANCHOR_LOCK = REPO / "tests" / "bench" / "couch_anchor" / "package-lock.json"


def missing_programs(deps_sh_text):
    """What a benchmark would not find on a fresh machine: a list of lines, empty when the
    Debian package of every program in BENCH_PROGRAMS is named by deps.sh."""
    named = set(deps_packages(deps_sh_text))
    problems = []
    for program, user in sorted(BENCH_PROGRAMS.items()):
        path = shutil.which(program)
        if path is None:
            problems.append("%s (run by %s) is not installed: no package in scripts/deps.sh "
                            "provides it" % (program, user))
            continue
        real = os.path.realpath(path)
        owners = owning_packages({path, real})
        package = owners.get(path) or owners.get(real)
        if package is None:
            problems.append("%s (run by %s) is %s, which no Debian package installed"
                            % (program, user, real))
        elif package not in named:
            problems.append("%s (run by %s) is in Debian package %s, which scripts/deps.sh "
                            "does not name" % (program, user, package))
    return problems


def test_every_program_the_benchmarks_run_is_installed_by_deps_sh():
    for program, user in BENCH_PROGRAMS.items():
        assert re.search(r"\b%s\b" % program, (REPO / user).read_text()), (program, user)
    problems = missing_programs(None)
    assert problems == [], "\n".join(problems)


def test_a_program_missing_from_deps_sh_is_found():
    """The check above can fail: with nodejs left out of deps.sh's list, it names node."""
    text = (REPO / "scripts" / "deps.sh").read_text()
    without = re.sub(r"\bnodejs\b", "", text.split("PACKAGES=", 1)[1], count=1)
    without = text.split("PACKAGES=", 1)[0] + "PACKAGES=" + without
    assert "nodejs" not in deps_packages(without)
    problems = missing_programs(without)
    assert any(p.startswith("node (") and "nodejs" in p for p in problems), problems


def test_the_anchors_npm_packages_are_pinned_and_build_nothing():
    """npm ci installs exactly the lock's versions, each checked against its hash, and
    npm_ci.sh runs no install script: a package that needed one (to compile native code)
    would not work, so none may have one."""
    lock = json.loads(ANCHOR_LOCK.read_text())
    assert lock["lockfileVersion"] >= 2
    packages = {k: v for k, v in lock["packages"].items() if k}
    assert packages, lock
    for name, entry in packages.items():
        assert entry.get("version") and entry.get("integrity", "").startswith("sha512-"), name
        assert not entry.get("hasInstallScript"), name
    required = json.loads((ANCHOR_LOCK.parent / "package.json").read_text())["dependencies"]
    for name, version in required.items():
        assert packages["node_modules/" + name]["version"] == version, name
