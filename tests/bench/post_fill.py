"""A benchmark post's reports written by journal_fill (tests/bench/journal_fill.c: the node's
own input and journal code, as `sae-node add` writes each report, in one process), and the
check that it still writes what `sae-node add` writes: bench_sync_link.py and
bench_sync_anchor.py fill their posts with it.

Before anything is measured, the first FILL_CHECK_REPORTS reports are written by one
`sae-node add` each into one enrolled post and by journal_fill into another, and the two
journals compared (every report's fields and history as the post shows them, each stored
value's type and length, the copies for the hub): the run fails if they differ.

saenode (tests/e2e) must be importable, with SAE_NODE_BIN set to the node under test.
"""
import os
import subprocess

FILL_CHECK_REPORTS = 3  # reports written both ways, compared, before anything is measured
FILL_TIMEOUT_S = 1800   # how long journal_fill may take for one stage's reports


def default_program(node):
    """journal_fill of the same build as the node program: bench/journal_fill beside it."""
    return os.path.abspath(os.path.join(os.path.dirname(node), "bench", "journal_fill"))


def missing(program):
    """None when program can run, or the line saying what to do."""
    if os.access(program, os.X_OK):
        return None
    return "no program at %s (make bench and make bench-smoke build it)" % program


def add_sets(fields):
    """The FIELD=VALUE of one report in the order `sae-node add case` is given them by
    saenode.add_case (its required fields first), as journal_fill reads them."""
    import saenode
    values = dict(saenode.CASE_REQUIRED)
    values.update(fields)
    return ["%s=%s" % (name, value) for name, value in values.items() if value is not None]


def fill(program, post, reports):
    """Writes reports into post's journal with one journal_fill process: what one
    `sae-node add case` a report writes. Returns their ids."""
    text = "".join("".join(line + "\n" for line in add_sets(fields)) + "\n"
                   for fields in reports)
    res = subprocess.run([program, post, "case"], input=text.encode(), capture_output=True,
                         timeout=FILL_TIMEOUT_S)
    ids = res.stdout.decode().split()
    if res.returncode != 0 or len(ids) != len(reports):
        raise RuntimeError("journal_fill wrote %d of %d reports: %s"
                           % (len(ids), len(reports), res.stderr.decode()[-2000:]))
    return ids


def enrolled_post(hub, path, village, device, port, author="Siti"):
    """A post of village initialised in path and enrolled with hub (hubproc.Hub) as device,
    with the hub reached at port (a proxy's, or the hub's own)."""
    import saenode
    bundle = path + ".json"
    hub.ok("nodes", "add", village, "--name", device, "--url",
           "https://127.0.0.1:%d" % port, "-o", bundle)
    saenode.init(path, village, author=author)
    saenode.ok(["enroll", bundle], dir=path)
    return path


def check_fill(program, by_add, by_fill, reports):
    """The same reports written by one `sae-node add` each into the post by_add and by
    journal_fill into the post by_fill (two posts enrolled alike, never synced after) hold
    the same journal; AssertionError with the first difference otherwise."""
    import saenode
    ids = [[saenode.add_case(by_add, **fields) for fields in reports],
           fill(program, by_fill, reports)]
    held = [journal_held(post, report_ids)
            for post, report_ids in zip((by_add, by_fill), ids)]
    if held[0] != held[1]:
        raise AssertionError("journal_fill no longer writes what `sae-node add` writes"
                             " (add, then journal_fill): %s"
                             % first_difference(held[0], held[1]))


# What differs between two posts' journals of the same reports by nature: ids, versions,
# times, the device, and the registration number (its letter is the device's).
VOLATILE = {"id", "version", "origin", "time", "updated", "device", "by", "seq",
            "registration_number"}


def without_volatile(value):
    if isinstance(value, dict):
        if value.get("field") == "registration_number":  # a history entry
            value = dict(value, value=None)
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, (list, tuple)):
        return [without_volatile(v) for v in value]
    return value


def first_difference(a, b, path="journal"):
    """Where two structures first differ, in a line."""
    if type(a) is not type(b) or not isinstance(a, (dict, list)):
        return "%s: %.80r != %.80r" % (path, a, b)
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), "%s.%s" % (path, key))
    if len(a) != len(b):
        return "%s: %d items != %d" % (path, len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return first_difference(x, y, "%s[%d]" % (path, i))
    return None


def journal_held(post, report_ids):
    """What a post's journal holds of report_ids, but what differs by nature."""
    import saenode
    shown = [without_volatile((saenode.show_json(post, i),
                               saenode.ok(["history", i, "--json"], dir=post).json()))
             for i in report_ids]
    stored = saenode.sql(post, "SELECT field, typeof(value), length(value) FROM journal"
                               " ORDER BY seq")
    copies = saenode.sql(post, "SELECT (SELECT count(*) FROM hub_box), (SELECT count(*) FROM"
                               " hub_box_slot), (SELECT count(*) FROM journal WHERE"
                               " hub_sealed IS NOT NULL)")
    return [shown, stored, copies]
