"""Beranda (issue 12): the cases needing action, built from a real journal (cases, services,
shelter stays and referrals written by sae-node; a district review reached through a real
hub), hostile values shown as text, and the clock warning in plain Indonesian after a sync
that found this computer's clock wrong."""
import datetime
import glob
import time

import pytest

import node_app
import saenode
from posts import sync

VILLAGE = saenode.VILLAGE


def wib_day(offset_days=0):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=7)
            + datetime.timedelta(days=offset_days)).strftime("%Y-%m-%d")


def number(post, case):
    return saenode.show_json(post, case)["fields"]["registration_number"]


def items(b):
    """{registration number: [reasons]} of Beranda's list."""
    found = {}
    for li in b.finds("#attention li"):
        name = li.find_element("css selector", "a, strong").text
        found.setdefault(name, []).append(li.find_element("css selector", ".why").text)
    return found


def test_home_lists_the_cases_needing_action(hub, post_app, browser, tmp_path):
    post = saenode.init(str(tmp_path / "post"), VILLAGE, author="Staf Pos")
    other = saenode.init(str(tmp_path / "other"), VILLAGE, author="Staf Lain")
    for directory, name in ((post, "Laptop Pos"), (other, "Laptop Lain")):
        saenode.ok(["enroll", hub.add_node(VILLAGE, name=name)], dir=directory)
    quiet = saenode.add_case(post, risk_level="high", victim_name="<script>alert(1)</script>")
    served = saenode.add_case(post, risk_level="high")
    saenode.add_service(post, served, service_date=wib_day(-2))
    old_service = saenode.add_case(post, risk_level="high")
    saenode.add_service(post, old_service, service_date=wib_day(-8))
    closed = saenode.add_case(post, risk_level="high", status="closed",
                              closure_reason="relocated")
    stay = saenode.add_case(post)
    saenode.ok(["add", "shelter_stay", "--set", "case_id=" + stay, "--set",
                "admission_date=" + wib_day(-10), "--set", "planned_end_date=" + wib_day(-1)],
               dir=post)
    stay_ok = saenode.add_case(post)
    saenode.ok(["add", "shelter_stay", "--set", "case_id=" + stay_ok, "--set",
                "admission_date=" + wib_day(-10), "--set", "planned_end_date=" + wib_day(3)],
               dir=post)
    referred = saenode.add_case(post)
    saenode.add_referral(post, referred)
    answered = saenode.add_case(post)
    saenode.add_referral(post, answered, referral_status="accepted",
                         status_date=wib_day(-1))
    deleted = saenode.add_case(post, risk_level="high")
    saenode.ok(["delete", deleted], dir=post)
    # A race the district reviews: the post lowers the risk while the other raises it.
    raced = saenode.add_case(post, risk_level="medium")
    sync(post)
    sync(other)
    saenode.ok(["edit", raced, "--set", "risk_level=low"], dir=post)
    saenode.ok(["edit", raced, "--set", "risk_level=high"], dir=other)
    sync(other)
    sync(post)
    assert saenode.show_json(post, raced)["under_review"] == ["risk_level"]

    app = serve_existing(post_app, post)
    b = browser(app)
    node_app.sign_in(b)
    found = items(b)
    assert found.pop(number(post, quiet)) == ["Risiko tinggi, belum ada layanan dalam 7 hari"]
    assert found.pop(number(post, old_service)) == [
        "Risiko tinggi, belum ada layanan dalam 7 hari"]
    assert found.pop(number(post, stay)) == ["Tinggal di rumah aman melewati rencana selesai"]
    assert found.pop(number(post, referred)) == ["Rujukan menunggu jawaban"]
    reasons = found.pop(number(post, raced))
    assert "Isian sedang ditinjau kabupaten" in reasons
    assert found == {}, found
    assert not b.finds("script")
    assert not b.alert_open()
    b.click("#lang-switch")
    assert "High risk, no service in 7 days" in b.text("#attention")


def serve_existing(post_app, directory):
    """The fixture's app on a directory made here (the head added to it first)."""
    return post_app(directory=directory)


def test_clock_warning_in_plain_indonesian(hub, post_app, browser, tmp_path):
    libs = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    if not libs:
        pytest.fail("libfaketime is missing: install the Debian package faketime",
                    pytrace=False)
    post = saenode.init(str(tmp_path / "post"), VILLAGE)
    saenode.ok(["enroll", hub.add_node(VILLAGE)], dir=post)
    # The post's computer is two days behind: the app's own sync loop finds it out.
    wrong = {"LD_PRELOAD": libs[0], "FAKETIME": "-2d", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    app = post_app(directory=post, env=wrong)
    b = browser(app)
    node_app.sign_in(b)
    deadline = time.monotonic() + 60
    while not b.finds("#clock-warning") and time.monotonic() < deadline:
        time.sleep(0.5)
        b.open("/")
    assert "Tanggal atau jam di komputer ini salah" in b.text("#clock-warning")
    assert saenode.ok(["status", "--json"], dir=post).json()["clock_offset_ms"] > 86400000
