"""The reference merge model (merge_model.py) on hand-made change sets: each test states a
rule of README.md "How the hub merges" or of PROTOCOL.md "Merge policies" and what the
model must derive from it. No binary is
run here; test_sync_faults.py compares the model with the real hub."""
import itertools
import random

import pytest

from merge_model import Change, MergeModel, ModelError, rank

R = "11111111-2222-4333-8444-555555555555"
A, B, C, HUB = 0x0A, 0x0B, 0x0C, 0x7F00  # device ids; HUB writes district edits


def v(ms):
    return ms << 16


class Log:
    """Builds changes the way the hub numbers them: hub_seq in arrival order."""

    def __init__(self):
        self.seq = 0
        self.changes = []

    def put(self, field, value, version, origin, base=None, seen=0, held=False, parents=(),
            report=R):
        self.seq += 1
        bv, bo = (base.version, base.origin) if base is not None else (0, 0)
        change = Change(report, field, value, version, origin, bv, bo, self.seq, seen, held,
                        tuple((p.version, p.origin) for p in parents))
        self.changes.append(change)
        return change

    def model(self, order=None):
        return MergeModel().add_all(order if order is not None else self.changes)


def key(c):
    return (c.version, c.origin)


def new_case(log, origin=A, ms=1000):
    """What `add case` writes: four fields with one version."""
    return {f: log.put(f, val, v(ms), origin) for f, val in
            (("violence_type", "physical"), ("victim_sex", "F"),
             ("intake_date", "2026-01-05"), ("status", "new"))}


def test_clean_update_has_no_conflict():
    log = Log()
    case = new_case(log)
    edit = log.put("status", "active", v(2000), B, base=case["status"], seen=log.seq)
    m = log.model()
    assert m.current()[(R, "status")] == ("active", v(2000), B)
    assert m.current()[(R, "victim_sex")] == ("F", v(1000), A)
    assert m.conflicts() == {}
    assert key(edit) == m.current()[(R, "status")][1:]


def test_two_concurrent_different_values_are_one_hard_conflict():
    log = Log()
    new_case(log)
    seen = log.seq
    x = log.put("victim_age", "14", v(3000), A, seen=seen)
    y = log.put("victim_age", "15", v(2000), B, seen=seen)
    m = log.model()
    # victim_age is merged by the latest version: the greater (version, origin) stands,
    # whatever the arrival order.
    assert m.current()[(R, "victim_age")] == ("14", v(3000), A)
    assert m.conflicts() == {(R, "victim_age"): ("hard", frozenset({key(x), key(y)}))}
    assert m.reviews() == {(R, "victim_age"): (key(x), key(x))}
    assert m.settled() == {}


def test_two_concurrent_equal_values_are_settled_not_open():
    log = Log()
    case = new_case(log)
    seen = log.seq
    x = log.put("status", "referred", v(3000), A, base=case["status"], seen=seen)
    y = log.put("status", "referred", v(2000), B, base=case["status"], seen=seen)
    m = log.model()
    assert m.current()[(R, "status")] == ("referred", v(3000), A)
    assert m.conflicts() == {} and m.reviews() == {}
    assert m.settled() == {(R, "status"): frozenset({key(x), key(y)})}
    # A post that had pulled both edits on: it saw the value both hold, so its edit is
    # sequential to both, and nothing is left concurrent.
    log.put("status", "closed", v(4000), C, base=x, seen=log.seq)
    m = log.model()
    assert m.current()[(R, "status")] == ("closed", v(4000), C)
    assert m.conflicts() == {} and m.settled() == {}
    # One that had seen only one of them is concurrent with the other.
    log2 = Log()
    case2 = new_case(log2)
    x2 = log2.put("status", "referred", v(3000), A, base=case2["status"], seen=4)
    log2.put("status", "referred", v(2000), B, base=case2["status"], seen=4)
    late = log2.put("status", "active", v(4000), C, base=x2, seen=5)
    assert log2.model().conflicts() == {
        (R, "status"): ("hard", frozenset({key(late), (v(2000), B)}))}


def test_equal_versions_tie_break_on_origin():
    log = Log()
    new_case(log)
    log.put("legal_process", "reported", v(3000), A, seen=log.seq)
    log.put("legal_process", "trial", v(3000), B, seen=log.seq)
    assert log.model().current()[(R, "legal_process")] == ("trial", v(3000), B)


def test_concurrent_edits_of_different_fields_do_not_conflict():
    log = Log()
    case = new_case(log)
    log.put("status", "active", v(2000), A, base=case["status"], seen=log.seq)
    log.put("victim_sex", "M", v(2000), B, base=case["victim_sex"], seen=4)
    log.put("risk_level", "high", v(2001), C, seen=4)  # a field nobody had set
    m = log.model()
    assert m.conflicts() == {}
    assert m.current()[(R, "victim_sex")] == ("M", v(2000), B)
    assert m.current()[(R, "risk_level")] == ("high", v(2001), C)


def test_resolution_settles_its_candidates_and_a_late_change_reopens():
    log = Log()
    case = new_case(log)
    x = log.put("status", "active", v(3000), A, base=case["status"], seen=4)
    y = log.put("status", "closed", v(2000), B, base=case["status"], seen=4)
    # The coordinator keeps y: a new version by the hub based on the current one (x), with
    # the other candidate as extra parent.
    res = log.put("status", "closed", v(4000), HUB, base=x, seen=log.seq, parents=(y,))
    m = log.model()
    assert m.current()[(R, "status")] == ("closed", v(4000), HUB)
    assert m.conflicts() == {}
    # A post that never saw any of it edits from the original value: concurrent again.
    late = log.put("status", "active", v(5000), C, base=case["status"], seen=4)
    m = log.model()
    assert m.conflicts() == {(R, "status"): ("hard", frozenset({key(res), key(late)}))}
    assert m.current()[(R, "status")] == ("active", v(5000), C)


def test_resolution_without_extra_parents_leaves_the_other_head_open():
    """The extra parents are what settles the losers: a resolution that only names its base
    (what a plain district edit does) leaves the other head standing."""
    log = Log()
    case = new_case(log)
    x = log.put("status", "active", v(3000), A, base=case["status"], seen=4)
    y = log.put("status", "closed", v(2000), B, base=case["status"], seen=4)
    edit = log.put("status", "referred", v(4000), HUB, base=x, seen=log.seq)
    assert log.model().conflicts() == {
        (R, "status"): ("hard", frozenset({key(edit), key(y)}))}


def test_held_change_never_wins():
    log = Log()
    case = new_case(log)
    year = 365 * 24 * 3600 * 1000
    held = log.put("status", "closed", v(1000 + year), A, base=case["status"], seen=4,
                   held=True)
    m = log.model()
    # Not current on its own: the value it built on stays; a hard conflict for a coordinator.
    assert m.current()[(R, "status")] == ("new", v(1000), A)
    assert m.conflicts() == {(R, "status"): ("hard", frozenset({key(held),
                                                                  key(case["status"])}))}
    # A later edit with a right clock wins over the held one, whose version is larger.
    fix = log.put("status", "active", v(2000), B, base=case["status"], seen=4)
    m = log.model()
    assert m.current()[(R, "status")] == ("active", v(2000), B)
    assert m.conflicts() == {(R, "status"): ("hard", frozenset({key(held), key(fix)}))}
    # Equal values do not make a held candidate soft.
    log2 = Log()
    case2 = new_case(log2)
    h2 = log2.put("status", "new", v(1000 + year), A, base=case2["status"], seen=4, held=True)
    assert log2.model().conflicts()[(R, "status")][0] == "hard"
    # A held change that is a field's only change leaves the field without a value.
    log3 = Log()
    new_case(log3)
    only = log3.put("risk_level", "high", v(1000 + year), A, seen=4, held=True)
    m3 = log3.model()
    assert (R, "risk_level") not in m3.current()
    assert m3.conflicts() == {(R, "risk_level"): ("hard", frozenset({key(only)}))}
    assert h2.held


def test_edit_concurrent_with_a_delete_is_a_hard_conflict_on_the_report():
    log = Log()
    case = new_case(log)
    pulled = log.seq  # both posts pulled the new case
    delete = log.put("_deleted", "1", v(2000), A, seen=pulled)
    edit = log.put("status", "active", v(2100), B, base=case["status"], seen=pulled)
    m = log.model()
    assert m.conflicts() == {(R, "_deleted"): ("hard", frozenset({key(delete), key(edit)}))}
    # Neither value is lost: the report is deleted, and the edit is the field's value.
    assert m.current()[(R, "_deleted")] == ("1", v(2000), A)
    assert m.current()[(R, "status")] == ("active", v(2100), B)


def test_delete_that_saw_the_edit_is_clean():
    log = Log()
    case = new_case(log)
    log.put("status", "active", v(2000), B, base=case["status"], seen=4)
    # A pulled up to the edit (hub_seq 5), then deleted.
    log.put("_deleted", "1", v(3000), A, seen=5)
    # A post's own earlier edit counts as seen even without a pull.
    log.put("risk_level", "high", v(2500), A, seen=4)
    assert log.model().conflicts() == {}


def test_edit_after_pulling_the_delete_is_clean():
    log = Log()
    case = new_case(log)
    log.put("_deleted", "1", v(2000), A, seen=4)
    log.put("status", "active", v(3000), B, base=case["status"], seen=5)
    assert log.model().conflicts() == {}


@pytest.mark.parametrize("keep", ["delete", "edit"])
def test_resolving_a_delete_conflict_closes_it(keep):
    log = Log()
    case = new_case(log)
    delete = log.put("_deleted", "1", v(2000), A, seen=4)
    edit = log.put("status", "active", v(2100), B, base=case["status"], seen=4)
    value = "1" if keep == "delete" else None  # restoring unsets the tombstone
    res = log.put("_deleted", value, v(3000), HUB, base=delete, seen=log.seq,
                  parents=(delete, edit))
    m = log.model()
    assert m.conflicts() == {}
    assert m.current()[(R, "_deleted")] == (value, v(3000), HUB)
    # An edit from a post that saw neither the delete nor the resolution: flagged again,
    # against the resolution when it kept the delete.
    late = log.put("risk_level", "low", v(3500), C, seen=4)
    expected = {(R, "_deleted"): ("hard", frozenset({key(res), key(late)}))} \
        if keep == "delete" else {}
    assert log.model().conflicts() == expected


def test_delete_conflict_names_the_live_edits_that_did_not_see_it():
    """Two edits of one field by the post that did not see the delete: the later replaced
    the earlier, so only the later is a candidate; an edit of another field is one too; an
    edit the delete had seen is not. A resolution of the field that replaces the only
    concurrent edit left settles the delete conflict."""
    log = Log()
    case = new_case(log)
    seen_edit = log.put("victim_age", "9", v(1500), C, seen=4)
    delete = log.put("_deleted", "1", v(2000), A, seen=5)
    first = log.put("status", "active", v(2100), B, base=case["status"], seen=4)
    second = log.put("status", "closed", v(2200), B, base=first, seen=4)
    other = log.put("risk_level", "high", v(2300), B, seen=4)
    assert log.model().conflicts() == {
        (R, "_deleted"): ("hard", frozenset({key(delete), key(second), key(other)}))}
    assert key(first) not in log.model().conflicts()[(R, "_deleted")][1]
    assert key(seen_edit) not in log.model().conflicts()[(R, "_deleted")][1]


def test_two_concurrent_deletes_are_settled_and_with_an_edit_hard():
    log = Log()
    case = new_case(log)
    d1 = log.put("_deleted", "1", v(2000), A, seen=4)
    d2 = log.put("_deleted", "1", v(2001), B, seen=4)
    assert log.model().conflicts() == {}
    assert log.model().settled() == {(R, "_deleted"): frozenset({key(d1), key(d2)})}
    e = log.put("status", "active", v(2002), C, base=case["status"], seen=4)
    assert log.model().conflicts() == {
        (R, "_deleted"): ("hard", frozenset({key(d1), key(d2), key(e)}))}
    assert log.model().settled() == {}
    # An edit only one of the deletes did not see: both deletes are candidates still (the
    # field has one conflict), with that edit.
    log2 = Log()
    new_case(log2)
    edit = log2.put("risk_level", "high", v(2000), B, seen=4)
    seen = log2.put("_deleted", "1", v(2100), B, seen=5)
    unseen = log2.put("_deleted", "1", v(2200), A, seen=4)
    assert log2.model().conflicts() == {
        (R, "_deleted"): ("hard", frozenset({key(seen), key(unseen), key(edit)}))}


# The merge policies (PROTOCOL.md, "Merge policies"): what stands while a coordinator
# decides, whichever change came last.

def race(field, b_value, c_value, base=None):
    """A case, then B (later) and C (later still) set field concurrently, both on A's
    version of it (the case's own, or A's `base` value written first)."""
    log = Log()
    case = new_case(log)
    first = case.get(field) if base is None else log.put(field, base, v(1100), A, seen=4)
    b = log.put(field, b_value, v(2000), B, base=first, seen=5)
    c = log.put(field, c_value, v(3000), C, base=first, seen=5)
    return log.model(), b, c


def test_policy_higher_risk_stands():
    m, up, down = race("risk_level", "high", "low", base="medium")
    assert m.current()[(R, "risk_level")][0] == "high"
    assert m.conflicts()[(R, "risk_level")][0] == "hard"
    assert m.reviews() == {(R, "risk_level"): (key(up), key(down))}


def test_policy_consent_withdrawal_and_unset_stand_over_a_grant():
    m, withdrawn, granted = race("consent_share", "false", "true", base="true")
    assert m.current()[(R, "consent_share")][0] == "false"
    m, unset, granted = race("consent_services", None, "true", base="true")
    assert m.current()[(R, "consent_services")][0] is None
    assert m.reviews() == {(R, "consent_services"): (key(unset), key(granted))}
    m, withdrawn, unset = race("consent_statistics", "false", None, base="true")
    assert m.current()[(R, "consent_statistics")][0] == "false"


def test_policy_open_status_stands_over_closed_and_equal_ranks_take_the_latest():
    m, opened, closed = race("status", "active", "closed")
    assert m.current()[(R, "status")][0] == "active"
    m, referred, active = race("status", "referred", "active")
    assert m.current()[(R, "status")][0] == "active"
    assert m.reviews() == {(R, "status"): (key(active), key(active))}


def test_policy_unset_ranks_below_a_risk():
    m, low, unset = race("risk_level", "low", None, base="high")
    assert m.current()[(R, "risk_level")][0] == "low"


def test_policy_three_heads():
    log = Log()
    new_case(log)
    high = log.put("risk_level", "high", v(500), A, seen=4)
    log.put("risk_level", "low", v(3000), B, seen=4)
    log.put("risk_level", "medium", v(2000), C, seen=4)
    m = log.model()
    assert m.current()[(R, "risk_level")][0] == "high"
    assert len(m.conflicts()[(R, "risk_level")][1]) == 3
    assert m.reviews()[(R, "risk_level")][0] == key(high)


def test_a_posts_next_edit_replaces_its_own_earlier_one():
    """A post lowered the risk apart from one that raised it, then, shown the higher risk
    under review, set medium on top of it: its edit builds on the higher risk (its base) and
    replaces its own low, so one head is left."""
    log = Log()
    case = new_case(log)
    log.put("risk_level", "medium", v(1100), A, seen=4)
    up = log.put("risk_level", "high", v(2000), A, base=log.changes[-1], seen=5)
    low = log.put("risk_level", "low", v(2100), B, base=log.changes[-2], seen=5)
    assert log.model().conflicts()[(R, "risk_level")][1] == frozenset({key(up), key(low)})
    log.put("risk_level", "medium", v(3000), B, base=up, seen=7)
    m = log.model()
    assert m.conflicts() == {} and m.current()[(R, "risk_level")] == ("medium", v(3000), B)
    assert case


def test_policy_set_elements_merge_one_by_one():
    log = Log()
    new_case(log)
    added = log.put("violence_types/sexual", "1", v(1000), B, seen=4)
    log.put("violence_types/physical", "1", v(1500), C, seen=4)
    m = log.model()
    assert m.conflicts() == {}
    assert m.current()[(R, "violence_types/sexual")][0] == "1"
    assert m.current()[(R, "violence_types/physical")][0] == "1"
    # Removed by A after it saw it added, and added again by C who had seen nothing: the
    # element stays while disputed.
    removed = log.put("violence_types/sexual", None, v(3000), A, base=added, seen=5)
    again = log.put("violence_types/sexual", "1", v(2000), C, seen=4)
    m = log.model()
    assert m.current()[(R, "violence_types/sexual")] == ("1", v(2000), C)
    assert m.reviews() == {(R, "violence_types/sexual"): (key(again), key(removed))}
    assert rank("impacts/legal", None) == 0 and rank("impacts", "1") == 0


def test_reports_are_independent():
    log = Log()
    other = "99999999-2222-4333-8444-555555555555"
    case = new_case(log)
    log.put("status", "active", v(2000), A, base=case["status"], seen=4)
    log.put("status", "closed", v(2000), B, report=other, seen=4)
    log.put("_deleted", "1", v(2100), B, report=other, seen=6)
    assert log.model().conflicts() == {}
    assert log.model().current()[(other, "status")] == ("closed", v(2000), B)


def test_state_depends_only_on_the_set_of_changes():
    log = Log()
    case = new_case(log)
    x = log.put("status", "active", v(3000), A, base=case["status"], seen=4)
    y = log.put("status", "closed", v(2000), B, base=case["status"], seen=4)
    log.put("_deleted", "1", v(2500), C, seen=4)
    log.put("status", "referred", v(4000), HUB, base=x, seen=7, parents=(y,))
    log.put("victim_sex", "M", v(4100), A, base=case["victim_sex"], seen=4)
    reference = log.model()
    rng = random.Random(5)
    orders = list(itertools.islice(itertools.permutations(log.changes), 50))
    orders += [rng.sample(log.changes, len(log.changes)) for _ in range(50)]
    for order in orders:
        m = MergeModel().add_all(order)
        assert m.current() == reference.current()
        assert m.conflicts() == reference.conflicts()
        assert m.reviews() == reference.reviews()
        assert m.settled() == reference.settled()
    # Adding the same change twice changes nothing; two different changes with one name
    # are not a set of changes the hub can hold.
    assert len(MergeModel().add_all(log.changes + log.changes)) == len(log.changes)
    with pytest.raises(ModelError):
        MergeModel().add(x).add(x._replace(value="closed"))
