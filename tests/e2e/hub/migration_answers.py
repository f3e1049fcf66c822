"""What a hub answers about its reports from the outside, for the test that a hub migrated
in place answers as it did before (test_hub_migration_full.py, and the script that made its
fixture, fixtures/make_hub_schema_16_full.py): the command line's reads, the console's API
and pages as a coordinator sees them, and what a new post pulls and then shows."""
import re

import saenode
from console_client import signed_in
from posts import enrolled, sync

# What differs between two answers of the same hub.db by design: the session's CSRF token,
# and when the reader opened a case file (the case page lists who opened it, and when).
CSRF_RE = re.compile(rb'name="csrf" value="[^"]*"')
OPENERS_RE = re.compile(r'<table class="data" id="openers">.*?</table>', re.S)


def cli_answers(hub, reports, coordinator):
    password = hub.passwords[coordinator]
    return {
        "reports list": hub.admin_json("reports", "list"),
        "conflicts list --all": hub.admin_json("conflicts", "list", "--all"),
        "reports show": {r: hub.admin_json_as(coordinator, password, "reports", "show", r)
                         for r in reports},
    }


def console_answers(hub, reports, coordinator):
    console = signed_in(hub, coordinator)
    pages = ["/console/reports", "/console/conflicts"] + \
        ["/console/case?id=%s" % r for r in reports]
    answers = {}
    for path in pages:
        r = console.get(path)
        answers[path] = [r.status_code, CSRF_RE.sub(b"", r.content).decode()]
    for path in ("/reports", "/conflicts"):
        r = console.api("GET", path)
        answers["/api/v1" + path] = [r.status_code, r.json()]
    return answers


def pulled_answers(hub, tmp_path, reports):
    post = enrolled(hub, tmp_path, "reader")
    sync(post)
    shown = {}
    for r in reports:
        s = saenode.show_json(post, r)
        s.pop("sync", None)
        shown[r] = s
    return {"list": saenode.list_json(post, "--deleted"), "show": shown}


def timeless(value):
    """value with what depends on the time it is read left out: a conflict's age, a case
    page's table of who opened it when."""
    if isinstance(value, str):
        return OPENERS_RE.sub("", value)
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k != "age_ms"}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def answers(hub, tmp_path, reports, coordinator):
    """Every answer above, hub (not serving) started and stopped around them."""
    result = {"cli": cli_answers(hub, reports, coordinator)}
    hub.start()
    try:
        result["console"] = console_answers(hub, reports, coordinator)
        result["pulled"] = pulled_answers(hub, tmp_path, reports)
    finally:
        assert hub.stop() == 0
    return timeless(result)
