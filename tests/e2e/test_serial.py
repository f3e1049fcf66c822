"""The split of make e2e (tests/e2e/conftest.py): a test that shows a clear sign of timing or
load sensitivity is marked serial, so that it never runs beside another test. The signs
read here: an attack client (the module imports attack), a daemon or command under valgrind,
an idle limit of seconds (SAE_TEST_SESSION_IDLE_S). A test shows a sign when its own body,
or a function or fixture of its module that it names (at any depth), does."""
import ast
import glob
import os

from repotree import REPO

E2E = REPO / "tests" / "e2e"


def _is_serial_mark(node):
    return "mark.serial" in ast.unparse(node)


def _signs(node):
    found = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            if n.value == "valgrind":
                found.add("valgrind")
            if "SAE_TEST_SESSION_IDLE_S" in n.value:
                found.add("an idle limit")
        name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) \
            else ""
        if "valgrind" in name.lower():
            found.add("valgrind")
    return found


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {a.arg for a in getattr(getattr(node, "args", None), "args", [])}


def unmarked(source, path="<test>"):
    """The lines 'path::test: signs' of the tests in source that show a sign but are not
    marked serial."""
    tree = ast.parse(source, filename=path)
    module_serial = any(isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets) and
        _is_serial_mark(n.value) for n in tree.body)
    imports_attack = any(isinstance(n, ast.Import) and any(a.name == "attack" for a in n.names)
                         or isinstance(n, ast.ImportFrom) and n.module == "attack"
                         for n in ast.walk(tree))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    problems = []
    for name, node in functions.items():
        if not name.startswith("test_"):
            continue
        if module_serial or any(_is_serial_mark(d) for d in node.decorator_list):
            continue
        signs, seen, todo = set(), set(), [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in functions:
                continue
            seen.add(current)
            signs |= _signs(functions[current])
            todo.extend(_names(functions[current]))
        if imports_attack:
            signs.add("an attack client")
        if signs:
            problems.append("%s::%s: %s" % (path, name, ", ".join(sorted(signs))))
    return problems


def test_every_test_showing_a_sign_is_marked_serial():
    problems = []
    for path in sorted(glob.glob(str(E2E / "**" / "test_*.py"), recursive=True)):
        if os.path.samefile(path, __file__):
            continue  # its own examples of the signs
        with open(path) as f:
            problems += unmarked(f.read(), os.path.relpath(path, REPO))
    assert problems == [], "mark these serial (or say why not in the check):\n" + \
        "\n".join(problems)


def test_the_check_finds_each_sign():
    helper = "def start(tmp_path):\n    return serve_under_valgrind(tmp_path)\n\n"
    assert unmarked(helper + "def test_a(tmp_path):\n    start(tmp_path)\n") == [
        "<test>::test_a: valgrind"]
    assert unmarked("def test_b(app):\n    app(env={'SAE_TEST_SESSION_IDLE_S': '2'})\n") == [
        "<test>::test_b: an idle limit"]
    assert unmarked("import attack\n\ndef test_c():\n    pass\n") == [
        "<test>::test_c: an attack client"]
    marked = ("import pytest\n\n@pytest.mark.serial\ndef test_d():\n    x = 'valgrind'\n\n"
              "def test_e():\n    pass\n")
    assert unmarked(marked) == []
    assert unmarked("import attack\nimport pytest\npytestmark = pytest.mark.serial\n\n"
                    "def test_f():\n    pass\n") == []
