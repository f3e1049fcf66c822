"""Changes the district set aside (issue 12, Beranda and Sinkronisasi): a real hub refuses a
real post's changes, and the post app shows each in plain Indonesian with a link to its case.

An honest sae-node checks every value before it writes it, so the hub refuses one of its
changes only when the report is not the post's to change: here a device of another village
(Kalibuntu, speaking the protocol through saeproto) sent a report under the id of the post's
new service first, so the hub holds that id for Kalibuntu and sets aside every change the post
sends for it (PROTOCOL.md section 6: WRONG_VILLAGE, "belongs to another village"; the entry is
not wrong, and the post must not say it is). The service's case was synced before and is the
post's own: it is what the items link to."""
import saenode
import node_app
from posts import sync

VILLAGE = saenode.VILLAGE
SET_ASIDE = "Perubahan disisihkan kabupaten"
REFUSED = "Ditolak kabupaten"
OTHER_VILLAGE = "milik desa lain"
NOT_VALID = "isian tidak sah"


def service_labels(post):
    """{field: Indonesian label} of a service, from the catalogue sae-node prints."""
    kinds = saenode.ok(["fields", "service", "--json"], dir=post).json()
    return {f["name"]: f["label_id"] for f in kinds[0]["fields"]}


def a_post_whose_service_was_set_aside(hub, enroll, tmp_path):
    post = saenode.init(str(tmp_path / "post"), VILLAGE, author="Staf Pos")
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop Pos")], dir=post)
    case = saenode.add_case(post, victim_name="Ani")
    assert sync(post)["set_aside"] == 0
    service = saenode.add_service(post, case, service_date=saenode.today_wib_date())
    stranger = enroll(hub, "Kalibuntu", name="Laptop Kalibuntu")
    taken = stranger.push(stranger.write(bytes.fromhex(service.replace("-", "")), "service",
                                         {"service_type": "counselling"}))
    assert taken.status == 200 and not taken.message.refusals, taken
    result = sync(post)
    fields = saenode.show_json(post, service)["fields"]
    assert result["set_aside"] == len(fields) > 0, (result, fields)
    assert saenode.ok(["status", "--json"], dir=post).json()["pending"] == 0
    # sae-node status names each, the reason in plain words beside the hub's line.
    lines = [line for line in saenode.ok(["status"], dir=post).text.splitlines()
             if "another village's" in line]
    assert len(lines) == len(fields), lines
    assert all(OTHER_VILLAGE in line and NOT_VALID not in line for line in lines), lines
    return post, case, service, sorted(fields)


def test_home_and_sync_page_show_what_the_district_set_aside(hub, enroll, post_app, browser,
                                                             tmp_path):
    post, case, service, fields = a_post_whose_service_was_set_aside(hub, enroll, tmp_path)
    number = saenode.show_json(post, case)["fields"]["registration_number"]
    app = post_app(directory=post)
    b = browser(app)
    node_app.sign_in(b)

    # Beranda: one item for the case, its reason in plain Indonesian, linked to its file.
    items = b.finds("#attention li")
    assert len(items) == 1, [li.text for li in items]
    link = items[0].find_element("css selector", "a")
    assert link.text == number
    assert items[0].find_element("css selector", ".why").text == SET_ASIDE
    assert int(b.text("#set-aside")) == len(fields)
    b.click("#attention li a")
    assert b.path == "/case" and number in b.text("h1"), b.text("h1")
    assert "id=" + case in b.driver.current_url

    # Sinkronisasi: every change set aside, with its field's label, why in plain words (the
    # hub's own line beside it), and the case it belongs to, linked.
    b.open("/sync")
    assert int(b.text("#set-aside")) == len(fields)
    rows = b.finds("#set-aside-list tbody tr")
    assert len(rows) == len(fields)
    labels = service_labels(post)
    shown = []
    for row in rows:
        cells = row.find_elements("css selector", "td")
        case_link = cells[1].find_element("css selector", "a")
        assert case_link.text == number
        assert case_link.get_attribute("href").endswith("/case?id=" + case)
        assert cells[3].text.startswith(REFUSED), cells[3].text
        assert OTHER_VILLAGE in cells[3].text and NOT_VALID not in cells[3].text, cells[3].text
        assert "another village" in cells[3].find_element("css selector", "small").text
        shown.append(cells[2].text)
    assert sorted(shown) == sorted(labels[f] for f in fields), (shown, fields)
    b.click("#set-aside-list tbody tr a")
    assert b.path == "/case" and number in b.text("h1")

    # In English on the switch, the same list in English words.
    b.open("/sync")
    b.click("#lang-switch")
    assert "Refused by the district" in b.text("#set-aside-list")
    assert "another village's" in b.text("#set-aside-list")
