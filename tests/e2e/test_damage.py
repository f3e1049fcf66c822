"""A damaged journal or unsafe permissions: a clear one-line error and the documented exit
status from every command, never a crash, and the damaged files left as they were (they are
what a coordinator will try to recover)."""
import os

import pytest

import saenode
from saenode import assert_one_line_error, run, snapshot


def every_command(report_id):
    """(args, exit status when the journal cannot be opened) for every command."""
    return [
        (["add", "case"] + saenode.case_sets(), 1),
        (["edit", report_id, "--set", "status=closed"], 1),
        (["edit", report_id[:6], "--unset", "risk_level"], 1),
        (["delete", report_id], 1),
        (["show", report_id], 1),
        (["show", report_id, "--json"], 1),
        (["list"], 1),
        (["list", "--json", "--deleted"], 1),
        (["history", report_id], 1),
        (["history", report_id, "--json"], 1),
        (["check"], 1),
        (["status"], 1),
        (["status", "--json"], 1),
        (["init", "--village", "Lain"], 2),  # something is there: never overwritten
    ]


def random_bytes(path):
    size = os.path.getsize(path)
    with open(path, "wb") as f:
        f.write(os.urandom(size))


def truncate_half(path):
    os.truncate(path, os.path.getsize(path) // 2)


@pytest.fixture
def bigger(populated):
    """The populated directory with enough reports that the journal spans many pages."""
    for i in range(6):
        saenode.add_case(populated.dir, narrative="kronologi %d " % i + "x" * 3000)
    # The damage is done to node.db: with the WAL copied in, node.db holds the whole journal.
    saenode.settle_wal(populated.dir)
    assert os.path.getsize(os.path.join(populated.dir, "node.db")) > 8 * 4096
    return populated


@pytest.mark.parametrize("damage", [random_bytes, truncate_half])
def test_damaged_journal_gives_one_clear_line(damage, bigger):
    db = os.path.join(bigger.dir, "node.db")
    damage(db)
    before = snapshot(bigger.dir)
    for args, status in every_command(bigger.case):
        res = run(args, dir=bigger.dir)
        if args[0] == "init":
            assert_one_line_error(res, status, "already holds a journal")
        else:
            assert_one_line_error(res, status, "damaged")
        assert snapshot(bigger.dir) == before, args
    # The catalogue needs no journal.
    assert saenode.ok(["fields", "--json"], dir=bigger.dir).json()


@pytest.mark.parametrize("first_page", ["third", "half"])
def test_damaged_pages_inside_a_valid_file(first_page, bigger):
    """Garbage over the later pages, header and schema intact: a command may work when it
    touches no damaged page, else it fails cleanly (exit 1, one line); check reports it."""
    db = os.path.join(bigger.dir, "node.db")
    pages = os.path.getsize(db) // 4096
    start = (pages // 3 if first_page == "third" else pages // 2) * 4096
    with open(db, "r+b") as f:
        f.seek(start)
        f.write(os.urandom(pages * 4096 - start))
    for args, status in every_command(bigger.case):
        if args[0] == "init":
            continue
        res = run(args, dir=bigger.dir)
        if res.rc != 0:
            assert res.rc == 1, res
            assert res.err.startswith(b"sae-node: error: ") and res.err.count(b"\n") == 1, res
    res = run(["check"], dir=bigger.dir)
    assert_one_line_error(res, 1, "damaged")


@pytest.mark.parametrize("args", [["list"], ["add", "case"] + saenode.case_sets(),
                                  ["status", "--json"], ["check"]], ids=lambda a: a[0])
def test_directory_readable_by_others_is_refused(args, populated):
    os.chmod(populated.dir, 0o755)
    before = snapshot(populated.dir)
    res = run(args, dir=populated.dir)
    assert_one_line_error(res, 1, "chmod 700", populated.dir)
    assert snapshot(populated.dir) == before
    assert saenode.mode(populated.dir) == 0o755


@pytest.mark.parametrize("args", [["list"], ["add", "case"] + saenode.case_sets()],
                         ids=lambda a: a[0])
def test_journal_readable_by_others_is_refused(args, populated):
    db = os.path.join(populated.dir, "node.db")
    os.chmod(db, 0o644)
    before = snapshot(populated.dir)
    res = run(args, dir=populated.dir)
    assert_one_line_error(res, 1, "chmod 600", db)
    assert snapshot(populated.dir) == before
