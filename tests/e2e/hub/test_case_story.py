"""Issue 10's "done when", through the real programs over real HTTPS: a post records the
case of a 15-year-old girl with two types of violence in the words its staff use, a shelter
stay extended with a reason, an accompaniment and a referral through sent -> accepted ->
completed; syncs; the district sees all of it with labels, by the case's registration
number, and corrects the set. Devices of a village number apart by the letters the
district's bundles give them; two posts that numbered before their bundles came are flagged
by the hub."""
import json

import saenode
from posts import enroll, enrolled, node

VILLAGE = "Sumberanyar"  # 35.13.12.2018, kecamatan Paiton
NUMBER = "3513122018-2026-0001"


def add(post, kind, *sets):
    args = ["add", kind] + saenode.sets_args(sets)
    return saenode.ok(args, dir=post).out.strip().decode()


def edit(post, report, *sets):
    args = ["edit", report] + saenode.sets_args(sets)
    return saenode.ok(args, dir=post)


def test_a_case_through_its_services_reaches_the_district(hub, tmp_path):
    post = enrolled(hub, tmp_path, "pos")
    case = add(post, "kasus", "violence_types=fisik, seksual", "victim_sex=perempuan",
               "victim_age=15", "intake_date=05-01-2026", "incident_date=03/01/2026",
               "residence_village=desa sumberanyar", "risk_level=tinggi",
               "victim_education=SMP", "consent_services=ya")
    shown = saenode.show_json(post, NUMBER)
    assert shown["id"] == case
    assert shown["fields"]["violence_types"] == ["physical", "sexual"]
    assert shown["fields"]["registration_number"] == NUMBER
    stay = add(post, "rumah aman", "case_id=" + NUMBER, "admission_date=06/01/2026",
               "shelter_name=Rumah Aman Kabupaten")
    assert saenode.show_json(post, stay)["fields"]["planned_end_date"] == "2026-01-13"
    edit(post, stay, "planned_end_date=20-01-2026",
         "extension_reason=Pelaku masih mencari korban")
    add(post, "layanan", "case_id=" + NUMBER, "service_type=pendampingan psikososial",
        "service_date=07-01-2026")
    referral = add(post, "rujukan", "case_id=" + NUMBER, "referred_to=UPT PPA",
                   "referral_date=08/01/2026", "referral_reason=Visum dan konseling")
    edit(post, referral, "referral_status=diterima", "status_date=09/01/2026")
    edit(post, referral, "referral_status=selesai", "status_date=12/01/2026",
         "service_note=Visum selesai, konseling lanjut")
    text = saenode.ok(["show", NUMBER], dir=post).text
    assert "physical,sexual (Fisik, Seksual)" in text
    assert "Sumberanyar (Paiton), 35.13.12.2018" in text
    assert saenode.run(["sync"], dir=post).rc == 0

    # The district: by the number people say, with labels.
    shown = hub.ok("reports", "show", NUMBER).stdout.decode()
    for words in ("3513122018-2026-0001", "physical,sexual (Fisik, Seksual)", "F (Perempuan)",
                  "Sumberanyar (Paiton), 35.13.12.2018", "high (Tinggi)",
                  "junior (SLTP / sederajat)", "violence_types/sexual"):
        assert words in shown, words
    as_json = json.loads(hub.ok("reports", "show", NUMBER, "--json").stdout)
    assert as_json["id"] == case
    assert as_json["fields"]["violence_types"] == ["physical", "sexual"]
    assert as_json["fields"]["victim_age"] == 15
    stays = hub.admin_json("reports", "list", "--kind", "shelter_stay")
    assert [s["fields"]["planned_end_date"] for s in stays] == ["2026-01-20"]
    assert "Pelaku masih mencari korban" in hub.ok("reports", "show", stay).stdout.decode()
    done = hub.ok("reports", "show", referral).stdout.decode()
    for words in ("completed (Selesai ditangani)", "2026-01-12", "Visum selesai",
                  "uptd_ppa (UPT PPA)"):
        assert words in done, words
    services = hub.admin_json("reports", "list", "--kind", "service")
    assert services[0]["fields"]["service_type"] == "psychosocial_accompaniment"
    stats = hub.admin_json("stats")
    assert stats["violence_type"]["physical"] == 1 and stats["violence_type"]["sexual"] == 1

    # A district correction of the set reaches the post: one element added.
    hub.ok("reports", "edit", NUMBER, "--add", "violence_types=psikis", "--by", "Bu Sari")
    assert saenode.run(["sync"], dir=post).rc == 0
    assert saenode.show_json(post, case)["fields"]["violence_types"] == [
        "physical", "psychological", "sexual"]
    assert "journal ok" in saenode.ok(["check"], dir=post).text


def number_of(post, case):
    return saenode.show_json(post, case)["fields"]["registration_number"]


def test_devices_of_a_village_number_apart(hub, tmp_path):
    """The district's bundles give each device of a village its letter: the first device's
    numbers carry none, the second's "B", so their sequences never meet."""
    a, b = enrolled(hub, tmp_path, "a"), enrolled(hub, tmp_path, "b")
    first, second = saenode.add_case(a), saenode.add_case(b)
    assert (number_of(a, first), number_of(b, second)) == (NUMBER, NUMBER + "B")
    for post in (a, b):
        assert saenode.run(["sync"], dir=post).rc == 0
    assert hub.admin_json("stats")["duplicate_registration_numbers"] == {}
    shown = json.loads(hub.ok("reports", "show", NUMBER + "b", "--json").stdout)
    assert shown["id"] == second
    # A post keeps its letter when it enrolls again with a newer bundle.
    enroll(hub, b, "b again")
    assert number_of(b, saenode.add_case(b)) == "3513122018-2026-0002B"


def test_a_number_two_devices_gave_is_flagged(hub, tmp_path):
    """Posts that record before their bundles come have no letter yet: two of one village
    may give one number, and the hub lists it."""
    a, b = node(tmp_path, "a"), node(tmp_path, "b")
    first = saenode.add_case(a)
    second = saenode.add_case(b)  # the same village, the same year, its own sequence
    for post, name in ((a, "a"), (b, "b")):
        enroll(hub, post, name)
        assert saenode.run(["sync"], dir=post).rc == 0
    stats = hub.admin_json("stats")
    assert stats["duplicate_registration_numbers"] == {NUMBER: 2}
    assert "Nomor registrasi ganda" in hub.ok("stats").stdout.decode()
    res = hub.run("reports", "show", NUMBER)
    assert res.returncode == 2 and b"more than one case" in res.stderr, res
    # Ids stay the key: each case is still reached by its id.
    for case in (first, second):
        assert json.loads(hub.ok("reports", "show", case, "--json").stdout)["id"] == case
