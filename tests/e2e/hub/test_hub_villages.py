"""sae-hub villages: the official list of areas the hub names villages by. A new hub holds
Kabupaten Probolinggo's (built in); villages list shows it by kecamatan with codes, devices
and reports; villages import adds a district's areas and renames codes it holds."""
import json
import re


def test_villages_list_and_import(hub, tmp_path):
    """The hub starts with Kabupaten Probolinggo's list (24 kecamatan, 330 villages);
    villages import adds a district's areas and renames codes it holds, in one step."""
    every = json.loads(hub.ok("villages", "list", "--json").stdout)
    assert len(every) == 330 and len({v["kecamatan_code"] for v in every}) == 24
    paiton = json.loads(hub.ok("villages", "list", "--kecamatan", "paiton", "--json").stdout)
    assert {"code": "35.13.12.2018", "name": "Sumberanyar", "kecamatan": "Paiton",
            "kecamatan_code": "35.13.12", "devices": 0, "reports": 0} in paiton
    assert {v["kecamatan"] for v in paiton} == {"Paiton"}
    hub.add_node("Sumberanyar")
    text = hub.ok("villages", "list", "--kecamatan", "35.13.12").stdout.decode()
    assert re.search(r"^35\.13\.12\.2018\s+Sumberanyar\s+Paiton\s+0 device", text, re.M)
    csv_path = tmp_path / "35.12.csv"
    csv_path.write_text("code,parent_code,name\n35.12,35,KABUPATEN LUMAJANG\n"
                        "35.12.01,35.12,Tempursari\n35.12.01.2001,35.12.01,Tempursari\n"
                        "35.13.12.2018,35.13.12,Sumberanyar Baru\n")
    out = hub.ok("villages", "import", str(csv_path)).stdout.decode()
    assert "3 area(s) added, 1 renamed, 0 unchanged" in out, out
    assert b"Tempursari" in hub.ok("villages", "list", "--kecamatan", "Tempursari").stdout
    assert hub.ok("nodes", "add", "tempursari", "--name", "Laptop Tempursari", "--url",
                  hub.url, "-o", str(tmp_path / "b.json")).returncode == 0
    listed = {n["village"]: n["village_name"] for n in hub.devices_and_bundles()}
    assert listed["35.13.12.2018"] == "Sumberanyar Baru (Paiton)"
    assert listed["35.12.01.2001"] == "Tempursari (Tempursari)"
    again = hub.ok("villages", "import", str(csv_path)).stdout.decode()
    assert "0 area(s) added, 0 renamed, 4 unchanged" in again, again
