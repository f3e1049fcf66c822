"""Posts whose clock is a year wrong (issue 5, docs/DESIGN.md, "Clocks"): the
real sae-node run under libfaketime (its clock_gettime really returns the wrong date) against
a real hub. They still converge, nothing is lost, no future-dated value wins silently, and
staff are told in plain words. Margins are a day wide against a year of skew, so nothing
depends on how fast the machine runs."""
import glob
import json
import os
import sqlite3
import time

import pytest

import saenode

VILLAGE = "Sumberanyar"
DAY_MS = 86400 * 1000
YEAR_DAYS = 365


def faketime_env(days=0, minutes=0):
    """The environment that makes a process see the date `days` (or `minutes`) away from
    now."""
    libs = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    if not libs:
        pytest.fail("libfaketime is missing: install the Debian package faketime "
                    "(scripts/deps.sh does)", pytrace=False)
    offset = "%+dd" % days if days else "%+dm" % minutes
    return saenode.clean_env(LD_PRELOAD=libs[0], FAKETIME=offset,
                             FAKETIME_DONT_FAKE_MONOTONIC="1")


class Post:
    """One device directory and the date its computer believes in."""

    def __init__(self, hub, tmp_path, name, days=0, minutes=0):
        self.dir = str(tmp_path / name)
        self.env = faketime_env(days, minutes) if days or minutes else saenode.clean_env()
        self.ok("init", "--village", VILLAGE)
        self.ok("config", "author", "Staf %s" % name)
        self.ok("enroll", hub.add_node(VILLAGE, name="Laptop %s" % name))

    def run(self, *args):
        return saenode.run(list(args), dir=self.dir, env=self.env)

    def ok(self, *args):
        res = self.run(*args)
        assert res.rc == 0, res
        return res

    def add_case(self, **fields):
        # An intake date in the past of every clock here (a post a year behind refuses dates
        # after its own today until a sync corrects it: the rules' "not in the future").
        sets = dict(saenode.CASE_REQUIRED, intake_date="2025-06-01", **fields)
        return self.ok("add", "case", *saenode.set_args("case", sets)).text.strip()

    def sync(self):
        res = self.run("sync", "--json")
        assert res.rc == 0, res
        return res.json()

    def fields(self, case):
        return json.loads(self.ok("show", case, "--json").out)["fields"]

    def own_journal(self):
        """Own entries: (seq, version, restamp_of) from node.db, read-only."""
        origin = int(self.ok("status", "--json").json()["origin"], 16)
        db = sqlite3.connect("file:%s/node.db?mode=ro" % self.dir, uri=True)
        try:
            return db.execute("SELECT seq, version, restamp_of FROM journal WHERE origin = ?"
                              " AND origin_seq IS NULL ORDER BY seq", (origin,)).fetchall()
        finally:
            db.close()


def version_ms(version):
    return version >> 16


def assert_dated_today(versions):
    now = int(time.time() * 1000)
    for v in versions:
        assert abs(version_ms(v) - now) < DAY_MS, "version dated %d days away" % (
            (version_ms(v) - now) // DAY_MS)


def hub_versions(hub, origin):
    return [v for (v,) in hub.query("SELECT version FROM change WHERE origin = ?", (origin,))]


def origin_of(post):
    return int(post.ok("status", "--json").json()["origin"], 16)


@pytest.mark.parametrize("days", [YEAR_DAYS, -YEAR_DAYS])
def test_post_a_year_off_is_redated_and_converges(hub, tmp_path, days):
    """A post a year ahead (or behind) records cases offline, then syncs: its pending changes
    are re-dated to the hub's time before they are sent, in their order; the hub holds
    nothing; a second device sees the same cases; staff see the warning."""
    off = Post(hub, tmp_path, "off", days)
    right = Post(hub, tmp_path, "right")
    # The second device enrolls (its first request) before the cases arrive: the hub seals
    # it a copy of each sensitive value as the re-dated changes arrive. Enrolled after them
    # it would hold them withheld until a coordinator grants (PROTOCOL.md section 3).
    assert right.sync()["ok"]
    cases = [off.add_case(victim_name="Korban %d" % i) for i in range(3)]
    pending = off.ok("status", "--json").json()["pending"]
    result = off.sync()
    assert result["ok"] and result["restamped"] == pending and result["pushed"] == pending
    journal = off.own_journal()
    redone = [(seq, v, of) for seq, v, of in journal if of is not None]
    assert [of for _, _, of in redone] == [seq for seq, _, of in journal if of is None]
    assert [v for _, v, _ in redone] == sorted(v for _, v, _ in redone)  # order kept
    assert_dated_today(v for _, v, _ in redone)
    # History keeps both, the new entry naming the one it re-dates.
    history = off.ok("history", cases[0], "--json").json()
    redates = {e["seq"]: e["redates"] for e in history}
    assert sorted(s for s in redates.values() if s) == sorted(
        s for s, r in redates.items() if r is None)
    assert "(re-dates " in off.ok("history", cases[0]).text
    at_hub = hub_versions(hub, origin_of(off))
    assert len(at_hub) == pending and hub.query("SELECT sum(held) FROM change") == [(0,)]
    assert_dated_today(at_hub)
    # The warning, in the sync output and in status.
    way = "ahead" if days > 0 else "behind"
    text = off.ok("status").text
    assert ("the date on this computer is %d day(s) %s" % (abs(days), way)) in text, text
    # New writes on the wrong clock are dated by the corrected one.
    off.ok("edit", cases[0], "--set", "status=active")
    assert_dated_today([off.own_journal()[-1][1]])
    assert off.sync()["restamped"] == 0
    right.sync()
    late = Post(hub, tmp_path, "late")  # enrolled after the values arrived
    late.sync()
    for case in cases:
        assert right.fields(case) == off.fields(case)
        assert right.ok("show", case, "--json").json()["withheld"] == []
        # The later device holds the same case, its name withheld (not given, not unset).
        shown = late.ok("show", case, "--json").json()
        assert shown["withheld"] == ["victim_name"], shown
        assert dict(shown["fields"], victim_name="?") == \
            dict(off.fields(case), victim_name="?")
    assert right.fields(cases[0])["status"] == "active"
    for post in (off, right, late):
        assert "journal ok" in post.ok("check").text
    assert hub.conflicts() == []


def test_no_future_value_wins_over_a_later_edit(hub, tmp_path):
    """A post a year ahead edits a case concurrently with a correct post that edited later
    in real time: neither value wins by a wrong date; the conflict is shown and the
    district's resolution reaches both."""
    ahead = Post(hub, tmp_path, "ahead", YEAR_DAYS)
    right = Post(hub, tmp_path, "right")
    case = right.add_case()
    right.sync()
    ahead.sync()
    # Offline, dated by the corrected clock.
    ahead.ok("edit", case, "--set", "status=closed", "--set", "closure_reason=relocated")
    right.ok("edit", case, "--set", "status=referred")
    right.sync()
    ahead.sync()
    right.sync()
    assert hub.query("SELECT sum(held) FROM change") == [(0,)]
    open_conflicts = [c for c in hub.conflicts() if c["status"] == "open"]
    assert [(c["field"], c["severity"]) for c in open_conflicts] == [("status", "hard")]
    # The winner is whichever really came later: both are dated today, none a year ahead.
    assert_dated_today(v for _, _, v in open_conflicts[0]["candidates"])
    hub.ok("conflicts", "resolve", str(open_conflicts[0]["id"]), "--value", "active",
           "--by", "Bu Sari")
    ahead.sync()
    right.sync()
    assert ahead.fields(case)["status"] == right.fields(case)["status"] == "active"


def test_behind_post_later_edit_is_not_lost_to_its_old_date(hub, tmp_path):
    """A post a year behind edits after a correct post did: by its own clock the edit would
    carry the date of its last sync and lose; dated by the clock corrected at its last sync,
    it is the later one and wins (legal_process is merged by the latest version)."""
    behind = Post(hub, tmp_path, "behind", -YEAR_DAYS)
    right = Post(hub, tmp_path, "right")
    case = right.add_case()
    right.sync()
    behind.sync()
    right.ok("edit", case, "--set", "legal_process=reported")
    right.sync()
    time.sleep(0.05)
    behind.ok("edit", case, "--set", "legal_process=investigation")
    # Its offset is known from the last sync: the edit is already dated by the hub's time.
    assert_dated_today([behind.own_journal()[-1][1]])
    behind.sync()
    right.sync()
    assert hub.current_value(case, "legal_process")[0] == "investigation"
    assert behind.fields(case)["legal_process"] == right.fields(case)["legal_process"] == \
        "investigation"


def test_clock_fixed_mid_way_redates_what_was_written_before(hub, tmp_path):
    """A post synced while a year ahead, wrote more, then its date was set right: the
    change of offset re-dates what was written under the old correction; the hub still
    ends with every change exactly once and nothing held."""
    post = Post(hub, tmp_path, "post", YEAR_DAYS)
    post.add_case()
    post.sync()
    post.add_case()
    post.env = saenode.clean_env()  # someone set the date right
    result = post.sync()
    origin = origin_of(post)
    sent = hub.query("SELECT count(*), count(DISTINCT node_seq), sum(held) FROM change"
                     " WHERE origin = ?", (origin,))[0]
    assert sent[0] == sent[1] and sent[2] == 0, sent
    assert_dated_today(hub_versions(hub, origin))
    assert result["pushed"] == 5
    assert "journal ok" in post.ok("check").text


@pytest.mark.parametrize("minutes,beyond", [(9, False), (11, True), (-9, False), (-11, True)])
def test_clock_tolerance_is_ten_minutes(hub, tmp_path, minutes, beyond):
    """NODE_CLOCK_TOLERANCE_MS at its edge: 9 minutes off is the computer's own business
    (versions as it dates them, no warning); 11 minutes off re-dates and warns."""
    post = Post(hub, tmp_path, "post", minutes=minutes)
    post.add_case()
    result = post.sync()
    assert (result["restamped"] > 0) == beyond, result
    warned = "the date on this computer is" in post.ok("status").text
    assert warned == beyond
    if beyond:
        way = "ahead" if minutes > 0 else "behind"
        assert "%d minute(s) %s" % (abs(minutes), way) in post.ok("status").text


def test_a_post_hours_ahead_does_not_make_others_redate(hub, tmp_path):
    """The hub's clock (an HLC) catches up with every version it accepts, up to the allowed
    drift: one device 23 hours ahead moves it 23 hours ahead. Posts measure their offset
    against the hub's wall time (hub_time), not against that clock: a correct post sees no
    offset, re-dates nothing and shows no warning, before and after it wrote on top of the
    fast change; its versions still order after that change."""
    import saeproto
    right = Post(hub, tmp_path, "right")
    case = right.add_case()
    assert right.sync()["ok"]
    fast = saeproto.Device(hub.add_node(VILLAGE), name="fast")
    assert fast.enroll().status == 200
    ahead = (int(time.time() * 1000) + 23 * 3600 * 1000) << 16
    pushed = fast.push(fast.write(bytes.fromhex(case.replace("-", "")), "case",
                                  {"status": "active"}, bases=None, hlc=ahead))
    assert pushed.status == 200 and list(pushed.message.refusals) == [], pushed
    assert version_ms(pushed.message.hub_clock) >= version_ms(ahead)
    result = right.sync()
    assert abs(result["clock_offset_ms"]) < 60 * 1000, result
    assert result["restamped"] == 0 and result["pulled"] == 1, result
    assert right.fields(case)["status"] == "active"
    right.ok("edit", case, "--set", "status=referred")
    result = right.sync()
    assert result["restamped"] == 0 and result["pushed"] == 1, result
    assert "the date on this computer is" not in right.ok("status").text
    assert hub.query("SELECT sum(held) FROM change") == [(0,)]
    assert hub.current_value(case, "status")[0] == "referred"
    assert right.own_journal()[-1][1] > ahead


def test_hub_measures_each_posts_computer_clock_not_its_last_change(hub, tmp_path):
    """nodes list's clock offset is the post's computer clock against the hub's, measured
    at its last request. It used to be the post's last version against the hub's clock, so
    a post whose last change was days old showed days of error: here a post wrote while its
    date said three days ago, then its date was set right, and it shows no offset; a post a
    year ahead shows a year."""
    idle = Post(hub, tmp_path, "idle", days=-3)
    idle.add_case()
    idle.env = saenode.clean_env()
    ahead = Post(hub, tmp_path, "ahead", days=YEAR_DAYS)
    assert idle.sync()["ok"] and ahead.sync()["ok"]
    offsets = {n["name"]: n["clock_offset_ms"] for n in hub.nodes()}
    assert abs(offsets["Laptop idle"]) < 60 * 1000, offsets
    assert abs(offsets["Laptop ahead"] - YEAR_DAYS * DAY_MS) < DAY_MS, offsets
    listed = {line.split("  ")[0]: line for line in
              hub.ok("nodes", "list").stdout.decode().splitlines()[1:]}
    assert listed["Laptop ahead"].rstrip().endswith("+%dd" % YEAR_DAYS), listed
