"""What posts receive once the hub keeps sensitive values only sealed (wire schema 4:
PROTOCOL.md sections 3 and 6; README "What a post receives of sensitive values, and
grants"), with real posts and a real hub over HTTPS: a second post of the village receives
the first's current name sealed to its own storage key, which its staff read with their
passphrase, and a name superseded before it pulled only as withheld; a device enrolled
later receives the names withheld (masked with their own words, passphrase or not) until a
coordinator grants them on the Posts page in headless Chromium (an operator sees the count
and no button), and its next sync shows them; `sae-hub nodes grant ID --as COORDINATOR`
does the same with the password on standard input, and a wrong password grants nothing.
Needs the hub's ingest of sealed copies (S7-A)."""
import shutil
import subprocess

import pytest

import hubproc
import posts
import saenode
from test_post_revocation import HEAD, HEAD_PASS
from test_post_sealed_values import add_head, show_as

needs_browser = pytest.mark.skipif(
    not shutil.which("chromium") or not shutil.which("chromedriver"),
    reason="needs Debian's chromium and chromium-driver (scripts/deps.sh installs them)")
WITHHELD_WORDS = "belum diberikan distrik / not given by the district yet"


def edit_name(post, case, name):
    saenode.ok(["edit", case] + saenode.set_args("case", {"victim_name": name}), dir=post)


def history_as(post, case):
    return saenode.ok(["history", case, "--json", "--as", HEAD], dir=post,
                      input=(HEAD_PASS + "\n").encode()).json()


def names_in_history(post, case):
    return [(e["value"], e["withheld"]) for e in history_as(post, case)
            if e["field"] == "victim_name"]


def device_id(hub, name):
    return next(n["id"] for n in hub.nodes() if n["name"] == "Laptop %s" % name)


def a_village_with_names(hub, tmp_path):
    """Post a writes a case named twice; b, enrolled before, pulls after both names."""
    a, b = posts.enrolled(hub, tmp_path, "a"), posts.enrolled(hub, tmp_path, "b")
    posts.sync(b)  # enrolled: the hub knows its storage key before a's values come
    case = saenode.add_case(a, victim_name="Nama Pertama Penanda")
    edit_name(a, case, "Nama Kedua Penanda")
    posts.sync(a)
    posts.sync(b)
    return a, b, case


def test_a_post_receives_the_current_name_sealed_and_a_superseded_one_withheld(hub, tmp_path):
    _, b, case = a_village_with_names(hub, tmp_path)
    add_head(b)
    assert show_as(b, case)["fields"]["victim_name"] == "Nama Kedua Penanda"
    assert names_in_history(b, case) == [(None, True), ("Nama Kedua Penanda", False)]
    text = saenode.ok(["history", case], dir=b).text
    assert WITHHELD_WORDS in text and "Nama Pertama" not in text
    assert saenode.ok(["check"], dir=b).rc == 0


def grant_cli(hub, device, as_name, password):
    return subprocess.run([hubproc.BIN, "-d", hub.dir, "nodes", "grant", device, "--as",
                           as_name], input=(password + "\n").encode(), capture_output=True,
                          env=hubproc.hub_env(), timeout=60)


def later_device(hub, tmp_path, name):
    """A device of the village enrolled after the names came: they reach it withheld."""
    post = posts.enrolled(hub, tmp_path, name)
    posts.sync(post)
    add_head(post)
    return post


def assert_withheld(post, case):
    shown = show_as(post, case)
    assert shown["fields"]["victim_name"] is None
    assert "victim_name" in shown["masked"] and shown["withheld"] == ["victim_name"]
    assert WITHHELD_WORDS in saenode.ok(["show", case], dir=post).text


@needs_browser
def test_a_coordinator_grants_a_later_device_on_the_posts_page(hub, browser, tmp_path):
    _, _, case = a_village_with_names(hub, tmp_path)
    c = later_device(hub, tmp_path, "c")
    assert_withheld(c, case)
    coordinator = hub.add_account("siti", "coordinator")
    operator = hub.add_account("budi", "operator")
    device = device_id(hub, "c")
    b = browser(hub)
    b.sign_in("budi", operator)
    if b.path == "/console/conduct":
        b.submit("#accept")
    b.open("/console/posts")
    assert b.text("tr[id=\"%s\"] td.grant" % device) == "1"
    assert not b.finds("#grant-%s" % device)
    b = browser(hub)
    b.sign_in("siti", coordinator)
    if b.path == "/console/conduct":
        b.submit("#accept")
    b.open("/console/posts")
    b.click("#grant-%s" % device)
    assert b.path == "/console/posts"
    assert b.text("tr[id=\"%s\"] td.grant" % device) == "0"
    assert hub.query("SELECT actor, target FROM audit WHERE action = 'values-grant'") == [
        ("siti", "granted 1 values to device %s (Laptop c)" % device)]
    assert posts.sync(c)["granted"] == 1
    assert show_as(c, case)["fields"]["victim_name"] == "Nama Kedua Penanda"
    assert show_as(c, case)["withheld"] == []
    # The superseded name was never granted: it stays withheld in the history.
    assert names_in_history(c, case) == [(None, True), ("Nama Kedua Penanda", False)]


def test_nodes_grant_asks_the_coordinators_password(hub, tmp_path):
    _, _, case = a_village_with_names(hub, tmp_path)
    d = later_device(hub, tmp_path, "d")
    password = hub.add_account("siti", "coordinator")
    device = device_id(hub, "d")
    wrong = grant_cli(hub, device, "siti", "not-her-password")
    assert wrong.returncode != 0 and b"wrong password for siti" in wrong.stderr, wrong
    assert hub.query("SELECT count(*) FROM value_grant") == [(0,)]
    done = grant_cli(hub, device, "siti", password)
    assert done.returncode == 0, done
    assert b"granted 1 value(s) to %s" % device.encode() in done.stdout
    assert posts.sync(d)["granted"] == 1
    assert show_as(d, case)["fields"]["victim_name"] == "Nama Kedua Penanda"
    again = grant_cli(hub, device, "siti", password)
    assert again.returncode == 0 and b"granted 0 value(s)" in again.stdout, again
