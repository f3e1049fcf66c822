"""A device enrolled after a village's sensitive values came receives them withheld (wire
schema 4, PROTOCOL.md section 3; README "What a post receives of sensitive values, and
grants"), with real posts and a real hub over HTTPS: the field reads masked with its own
words, with a staff member's passphrase or without (no key opens a value the post was never
given): `show`, `show --json` ("withheld" beside "masked"), `history --json`, the post app
signed in; `sae-node check` accepts the journal; and the values that are not sensitive
arrive as they are."""
import node_app
import posts
import saenode
from test_post_app_staff import Client
from test_post_revocation import HEAD, HEAD_PASS
from test_post_sealed_values import add_head, show_as

MASK = "\u2022\u2022\u2022\u2022"
WORDS = "belum diberikan distrik / not given by the district yet"


def written_before(hub, tmp_path):
    a = posts.enrolled(hub, tmp_path, "a")
    case = saenode.add_case(a, victim_name="Nama Penanda Lama", risk_level="high")
    posts.sync(a)
    return case


def test_a_later_device_reads_withheld_values_in_its_own_words(hub, tmp_path):
    case = written_before(hub, tmp_path)
    c = posts.enrolled(hub, tmp_path, "c")
    posts.sync(c)
    add_head(c)
    for shown in (saenode.show_json(c, case), show_as(c, case)):
        assert shown["fields"]["victim_name"] is None
        assert "victim_name" in shown["masked"] and shown["withheld"] == ["victim_name"]
        assert shown["fields"]["risk_level"] == "high"
    text = saenode.ok(["show", case], dir=c).text
    assert MASK + " (" + WORDS + ")" in text
    history = saenode.ok(["history", case, "--json"], dir=c).json()
    names = [e for e in history if e["field"] == "victim_name"]
    assert [(e["value"], e["masked"], e["withheld"]) for e in names] == [(None, True, True)]
    assert saenode.ok(["check"], dir=c).rc == 0


def test_the_post_app_says_not_given_by_the_district(hub, tmp_path):
    case = written_before(hub, tmp_path)
    app = node_app.PostApp(str(tmp_path / "app")).add_staff(HEAD, HEAD_PASS, role="head")
    saenode.ok(["config", "author", "Staf app"], dir=app.dir)
    posts.enroll(hub, app.dir, "app")
    posts.sync(app.dir)
    app.start(interval=60)
    try:
        head = Client(app.url)
        assert head.sign_in(HEAD, HEAD_PASS)[0] == 303
        status, page = head.request("/case?id=" + case)
        assert status == 200 and MASK + " (belum diberikan distrik)" in page, page[:400]
        assert "Nama Penanda Lama" not in page
    finally:
        assert app.stop() == 0
