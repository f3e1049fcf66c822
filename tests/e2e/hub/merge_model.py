"""An independent reference model of the hub's merge, written from the rules as README.md
("How the hub merges") and docs/DESIGN.md ("Merge rules") state them, not from
hub/merge*.c. Tests feed it a set of changes and compare what it derives with what the
real hub derived.

The rules, as this model reads them:

- Per (report, field) the changes form a tree: a change's parent is the change of the same
  field whose (version, origin) is its base; a coordinator's resolution also has the
  candidates it settled as extra parents. A base the set does not hold (0/0, or a change the
  hub refused) makes a root.
- Heads: the changes of a field nobody built on.
- A change also builds on its writer's own earlier changes of the field (a post's next edit
  replaces its own earlier one), and on every change of the field its writer had pulled
  (below) that holds the value of the change it names as its base: the writer saw that
  value, so such a change is not concurrent with its edit.
- Current value (the one that stands): among the changes that are not held, those no other
  non-held change of the field built on (directly or further down), the one the field's
  merge policy ranks highest (PROTOCOL.md "Merge policies": risk_level high > medium > low
  > unset; status new = active = referred > closed = unset; a consent "false" > unset >
  "true"; a set element present > absent; every other field ranks all values alike), and
  among equal ranks the greatest (version, origin). A held change (dated past the hub's
  drift) is never current on its own.
- A field's candidates are its heads (plus the current change when that is not a head,
  i.e. a held change sits on top of it). Several candidates, or a held head, and:
  - values that differ, or a held candidate: one open conflict, hard, for a coordinator;
  - equal values: settled by the hub at once (recorded as resolved, never open).
- Edit versus delete: a head of the report's `_deleted` field whose value is "1" (a delete
  nobody has superseded: a coordinator's resolution of the conflict supersedes it) and an
  edit of any other field of the report that did not see each other give a hard conflict on
  the report, kept under the field `_deleted`. Its candidates are every such delete and
  every such edit that is still live in its field (not held, nothing non-held built on it):
  an edit a later change replaced (its post's next edit, a resolution) is judged through
  that later change (together with the heads of a conflict of `_deleted` itself, since a
  field has one open conflict). Whether W had seen X is exact: X is W's own earlier
  change (same origin, earlier in the hub's log, since a post sends in the order it wrote;
  by version when the log position is unknown), or X's place in the
  hub's log is at or below the cursor W's writer had pulled to (W.seen_cursor). District
  edits and resolutions are written at the hub, which has seen its whole log.

The state depends only on the set of changes: add() in any order gives the same answers.
"""
import collections

DELETED = "_deleted"

Change = collections.namedtuple(
    "Change", "report field value version origin base_version base_origin hub_seq "
              "seen_cursor held parents", defaults=(False, ()))
Change.__doc__ = """One change as the hub stores it. value None: the field is unset.
hub_seq: its place in the hub's log (the pull cursor's unit). seen_cursor: the hub cursor its
writer had pulled to. held: dated past the hub's drift. parents: extra parents of a
coordinator's resolution, a tuple of (version, origin); () for every other change."""


class ModelError(Exception):
    """The change set breaks an invariant the rules take for granted."""


def _key(change):
    return (change.version, change.origin)


# The merge policies of PROTOCOL.md, "Merge policies": a value's safety rank per field.
ENUM_RANKS = {"risk_level": {"high": 3, "medium": 2, "low": 1},
              "status": {"new": 1, "active": 1, "referred": 1, "closed": 0}}
CONSENTS = ("consent_services", "consent_share", "consent_statistics")
SETS = ("violence_types", "impacts", "disability_types")


def rank(field, value):
    """The rank of value (None: unset) of field under its policy; 0 for fields merged by the
    latest version."""
    if field in ENUM_RANKS:
        return ENUM_RANKS[field].get(value, 0)
    if field in CONSENTS:
        return {"false": 2, None: 1, "true": 0}[value]
    if field.split("/")[0] in SETS and "/" in field:
        return 0 if value is None else 1
    return 0


def _standing_key(change):
    return (rank(change.field, change.value), change.version, change.origin)


def _own_earlier(writer, other):
    """Whether other is an earlier change of writer's own post (in the order it wrote)."""
    if other.hub_seq is not None and writer.hub_seq is not None:
        return other.hub_seq < writer.hub_seq
    return other.version < writer.version


def had_seen(writer, other):
    """Whether the writer of change `writer` had seen change `other` when it wrote."""
    if other.origin == writer.origin:
        # A post sends its changes in the order it wrote them, so the hub's log keeps that
        # order; versions may not (a change re-dated after a wrong clock carries a smaller
        # version than the one it re-dates).
        if other.hub_seq is not None and writer.hub_seq is not None:
            if other.hub_seq < writer.hub_seq:
                return True
        elif other.version < writer.version:
            return True
    return other.hub_seq is not None and other.hub_seq <= writer.seen_cursor


class MergeModel:
    def __init__(self):
        self._fields = collections.defaultdict(dict)  # (report, field) -> {key: Change}

    def add(self, change):
        """Adds a change; adding the same change again changes nothing. Two different changes
        with one (report, field, version, origin) are a ModelError."""
        change = change._replace(parents=tuple(tuple(p) for p in change.parents),
                                 held=bool(change.held))
        changes = self._fields[(change.report, change.field)]
        old = changes.get(_key(change))
        if old is not None and old != change:
            raise ModelError("two changes named %r: %r and %r" % (_key(change), old, change))
        changes[_key(change)] = change
        return self

    def add_all(self, changes):
        for change in changes:
            self.add(change)
        return self

    def __len__(self):
        return sum(len(c) for c in self._fields.values())

    # The tree of one field.
    @staticmethod
    def _children(changes):
        """{key: set of child keys} within one field: a change's base, its extra parents,
        its writer's own earlier changes, and every change its writer had seen holding its
        base's value."""
        children = {k: set() for k in changes}
        for key, change in changes.items():
            base = (change.base_version, change.base_origin)
            parents = {base} | set(change.parents)
            parents |= {k for k, other in changes.items()
                        if other.origin == change.origin and _own_earlier(change, other)}
            if base in changes:
                parents |= {k for k, other in changes.items()
                            if other.value == changes[base].value and had_seen(change, other)}
            for parent in parents:
                if parent in changes and parent != key:
                    children[parent].add(key)
        return children

    @staticmethod
    def _descendants(children, key):
        seen, todo = set(), list(children[key])
        while todo:
            k = todo.pop()
            if k not in seen:
                seen.add(k)
                todo.extend(children[k])
        return seen

    def _field(self, report, field):
        """(heads, winner) of one field: heads a list of Changes, winner a Change or None."""
        changes = self._fields.get((report, field), {})
        children = self._children(changes)
        heads = [changes[k] for k in changes if not children[k]]
        live = self._live(report, field)
        winner = max(live, key=_standing_key) if live else None
        return heads, winner

    def _live(self, report, field):
        """The changes of a field not held on which no non-held change was built."""
        changes = self._fields.get((report, field), {})
        children = self._children(changes)
        return [changes[k] for k in changes if not changes[k].held and not any(
            not changes[d].held for d in self._descendants(children, k))]

    # What the hub must show.
    def current(self):
        """{(report, field): (value, version, origin)} of every field with a current value."""
        out = {}
        for (report, field) in self._fields:
            _, winner = self._field(report, field)
            if winner is not None:
                out[(report, field)] = (winner.value, winner.version, winner.origin)
        return out

    def _candidates(self):
        """{(report, field): (hard, frozenset of candidates)} of every field with several
        candidates or a held head; and {(report, field): heads}."""
        out, heads_of = {}, {}
        for (report, field) in self._fields:
            heads, winner = self._field(report, field)
            heads_of[(report, field)] = heads
            candidates = set(heads) | ({winner} if winner is not None else set())
            if len(candidates) > 1 or any(h.held for h in heads):
                hard = any(c.held for c in candidates) or len({c.value for c in candidates}) > 1
                out[(report, field)] = (hard, frozenset(candidates))
        return out, heads_of

    def settled(self):
        """{(report, field): frozenset of candidate (version, origin)}: concurrent equal
        values the hub settles itself (a delete conflict on the report aside)."""
        candidates, _ = self._candidates()
        deletes = self.conflicts()
        return {k: frozenset(_key(c) for c in cs) for k, (hard, cs) in candidates.items()
                if not hard and k not in deletes}

    def reviews(self):
        """{(report, field): (standing (version, origin), latest (version, origin) or None)}
        of every open conflict: what the posts of the village are told."""
        out = {}
        for report, field in self.conflicts():
            live = self._live(report, field)
            _, winner = self._field(report, field)
            out[(report, field)] = (_key(winner) if winner else None,
                                    _key(max(live, key=_key)) if live else None)
        return out

    def conflicts(self):
        """{(report, field): (severity, frozenset of candidate (version, origin))}, open
        conflicts only: every one is hard (equal values are settled, never open)."""
        out = {}
        candidates, heads_of = self._candidates()
        for key, (hard, cs) in candidates.items():
            if hard:
                out[key] = ("hard", frozenset(_key(c) for c in cs))
        reports = collections.defaultdict(list)
        for (report, field), heads in heads_of.items():
            reports[report].append((field, heads))
        for report, fields in reports.items():
            deletes = [h for field, heads in fields if field == DELETED
                       for h in heads if h.value == "1"]
            edits = [c for field, _ in fields if field != DELETED
                     for c in self._live(report, field)]
            involved = set()
            for d in deletes:
                for e in edits:
                    if not had_seen(d, e) and not had_seen(e, d):
                        involved |= {_key(d), _key(e)}
            if involved:
                # The field has one conflict: concurrent deletes (equal or not) join it.
                _, earlier = candidates.get((report, DELETED), (None, frozenset()))
                out[(report, DELETED)] = ("hard", frozenset(involved) |
                                          frozenset(_key(c) for c in earlier))
        return out


# Reading the real hub in the model's terms (hub: a hubproc.Hub). Data only, no logic.

def hub_changes(hub, parents="change_parent"):
    """Every change of hub.db as Changes. parents="change_parent": a resolution's extra
    parents from hub.db's change_parent table; None: leave them () (the caller adds what it
    saw in `conflicts show --json` before it resolved)."""
    rows = hub.query("SELECT seq, report_id, field, opened(seq, value), version, origin,"
                     " base_version, base_origin, seen_cursor, held FROM change ORDER BY seq")
    extra = collections.defaultdict(list)
    if parents == "change_parent":
        for child, version, origin in hub.query(
                "SELECT p.child, c.version, c.origin FROM change_parent p"
                " JOIN change c ON c.seq = p.parent ORDER BY p.child, p.parent"):
            extra[child].append((version, origin))
    return [Change(report, field, value, version, origin, bv, bo, seq, seen, bool(held),
                   tuple(extra[seq]))
            for seq, report, field, value, version, origin, bv, bo, seen, held in rows]


def hub_current(hub):
    """{(report, field): (value, version, origin)} of hub.db's field_state."""
    return {(report, field): (value, version, origin)
            for report, field, value, version, origin in hub.query(
                "SELECT s.report_id, s.field, opened(c.seq, c.value), c.version, c.origin"
                " FROM field_state s"
                " JOIN change c ON c.seq = s.change")}


def hub_reviews(hub):
    """{(report, field): (standing, latest)} of the hub's review log: each field's last
    state, open ones only; versions as (version, origin), None for none."""
    out = {}
    for report, field, is_open, sv, so, lv, lo in hub.query(
            "SELECT v.report_id, v.field, v.open, s.version, s.origin, l.version, l.origin"
            " FROM review v LEFT JOIN change s ON s.seq = v.standing"
            " LEFT JOIN change l ON l.seq = v.latest ORDER BY v.seq"):
        out[(report, field)] = (sv, so, lv, lo) if is_open else None
    return {k: ((v[0], v[1]) if v[0] is not None else None,
                (v[2], v[3]) if v[2] is not None else None)
            for k, v in out.items() if v is not None}


def hub_village_reviews(hub, village):
    """hub_reviews of the reports of one village: what its posts must keep."""
    reports = {r for (r,) in hub.query("SELECT id FROM report WHERE village = ?", (village,))}
    return {k: v for k, v in hub_reviews(hub).items() if k[0] in reports}


def node_reviews(rows):
    """The review table of a post's node.db (rows of report_id, field, standing_version,
    standing_origin, latest_version, latest_origin) in hub_reviews' terms."""
    return {(r, f): ((sv, so) if sv else None, (lv, lo) if lv else None)
            for r, f, sv, so, lv, lo in rows}


NODE_REVIEWS_SQL = ("SELECT report_id, field, standing_version, standing_origin,"
                    " latest_version, latest_origin FROM review")


def hub_settled(hub):
    """{(report, field): [frozenset of candidate (version, origin)], ...} of the conflicts
    the hub settled as equal values, in the order it recorded them."""
    out = collections.defaultdict(list)
    for c in hub.conflicts():
        if c["status"] == "resolved" and c.get("resolved_by") == "sae-hub" and \
                c.get("note") == "concurrent equal values: settled by the hub":
            out[(c["report"], c["field"])].append(
                frozenset((version, origin) for _, origin, version in c["candidates"]))
    return dict(out)


def hub_open_conflicts(hub):
    """{(report, field): (severity, frozenset of candidate (version, origin))} of the hub's
    open conflicts; a second open conflict on one field is a ModelError (the rules give one)."""
    out = {}
    for c in hub.conflicts():
        if c["status"] != "open":
            continue
        key = (c["report"], c["field"])
        if key in out:
            raise ModelError("two open conflicts on %r" % (key,))
        out[key] = (c["severity"], frozenset((version, origin)
                                             for _, origin, version in c["candidates"]))
    return out


def describe_difference(model_map, hub_map, limit=10):
    """A short text naming the keys where two maps differ, for assertion messages."""
    lines = []
    for key in sorted(set(model_map) | set(hub_map), key=repr):
        if model_map.get(key) != hub_map.get(key):
            lines.append("%r: model %r, hub %r" % (key, model_map.get(key), hub_map.get(key)))
    more = len(lines) - limit
    return "\n".join(lines[:limit]) + ("\n... %d more" % more if more > 0 else "")
