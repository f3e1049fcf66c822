#!/bin/sh
# make demo: Rumah SAE Sync at work, told as an annotated terminal session. One post's
# journal first (sae-node alone, offline), then the whole system: a district hub on
# 127.0.0.1, three devices in two villages, two of them editing the same case while one is
# offline, the merged view at the district and the conflict a coordinator resolves.
#
#   sh scripts/demo.sh BUILD_DIR               (holding sae-node and sae-hub)
#   sh scripts/demo.sh PATH/TO/sae-node PATH/TO/sae-hub
#
# Everything happens in a new directory (mktemp -d under $TMPDIR, else /tmp). On a terminal
# the hub keeps running at the end until Ctrl-C, so the printed commands can be tried; then
# the hub is stopped and the directory removed (KEEP=1 keeps it). When standard input is not
# a terminal, or DEMO_NO_WAIT=1, the demo stops the hub at the end and keeps the directory
# (KEEP=0 removes it): it prints where it is, how to serve the hub again for the printed
# commands, and the rm -rf that removes it.
# The people, cases and ids are fictional; the villages are real desa of Kabupaten
# Probolinggo.
set -eu

usage() {
    echo "usage: sh scripts/demo.sh BUILD_DIR | sh scripts/demo.sh SAE_NODE SAE_HUB" >&2
    exit 2
}

# The absolute path of an existing file, so the printed commands work from anywhere.
absolute() {
    printf '%s/%s' "$(cd "$(dirname "$1")" && pwd -P)" "$(basename "$1")"
}

case $# in
    1)
        if [ -d "$1" ]; then
            NODE_BIN=$1/sae-node
            HUB_BIN=$1/sae-hub
        else # the older form, PATH/TO/sae-node: sae-hub is beside it
            NODE_BIN=$1
            HUB_BIN=$(dirname "$1")/sae-hub
        fi
        ;;
    2) NODE_BIN=$1 HUB_BIN=$2 ;;
    *) usage ;;
esac
for bin in "$NODE_BIN" "$HUB_BIN"; do
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
        echo "demo: $bin is not an executable; build it first with: make" >&2
        exit 2
    fi
done
NODE_BIN=$(absolute "$NODE_BIN")
HUB_BIN=$(absolute "$HUB_BIN")

# shellcheck source=scripts/demo_lib.sh
. "$(dirname "$0")/demo_lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sae-demo.XXXXXX")
WORK=$(cd "$WORK" && pwd -P)
trap cleanup EXIT
trap 'printf "\n"; cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
cd "$WORK"

if [ "${DEMO_NO_WAIT:-0}" = 1 ] || [ ! -t 0 ]; then
    WAIT_AT_END=0
    KEEP=${KEEP:-1} # the printed commands point into the directory: it outlives the demo
else
    WAIT_AT_END=1
fi

# Villages of the official list (sae-hub villages list): a name, narrowed by its kecamatan.
VILLAGE_A="Wonokerso, Sumber"
VILLAGE_B="Ngadisari, Sukapura"
POS=wonokerso-pos           # the post's computer at Rumah SAE Wonokerso
PENDAMPING=wonokerso-pendamping # the laptop the outreach worker takes on home visits
NGADISARI=ngadisari-pos     # the post of another village

printf 'Rumah SAE Sync demo: village posts record offline; the district hub merges.\n'
if [ "$(dirname "$NODE_BIN")" = "$(dirname "$HUB_BIN")" ]; then
    PROGRAMS_PATH=$(dirname "$NODE_BIN")
else
    PROGRAMS_PATH=$(dirname "$NODE_BIN"):$(dirname "$HUB_BIN")
fi
say "Every command below is the real program at work, run in this directory:" \
    "  $WORK" \
    "To repeat one, first: cd $(quote_word "$WORK") && PATH=$(quote_word "$PROGRAMS_PATH"):\$PATH" \
    "Names and cases are fictional."

# ---- part 1: one post, offline ------------------------------------------------------------

part "Bagian 1 / Part 1: satu pos, tanpa internet / one post, offline"

step "1. Siapkan pos / Set up the post" \
    "init creates the post's directory (0700), a device key and an empty journal; the" \
    "village comes from the official list of areas. Every change names the person who" \
    "made it: config author sets who records on this computer (--by NAME for one command)."
run_node "$POS" init --village "$VILLAGE_A"
run_node "$POS" config author "Siti Rahayu"

step "2. Katalog / What can be recorded" \
    "fields lists the kinds (case, service, referral), their fields and codes, in" \
    "Indonesian and English. The first lines of the case kind:"
show_command sae-node -d "$POS" fields case
"$NODE_BIN" -d "$POS" fields case | sed -n '1,10p'
say "(... and more: sae-node fields, or sae-node fields --json for scripts)"

step "3. Catat pengaduan / Record complaints" \
    "add KIND --set FIELD=VALUE ... saves a report and prints its id. Names, contacts," \
    "narratives and notes are sensitive: they come from a file or standard input" \
    "(--set-file FIELD=FILE, or FIELD=- typed without echo), never as an argument."
value_file nama-lestari.txt "Lestari Wulandari"
add_with_text "$POS" "Korban datang ke Rumah SAE bersama kakaknya. Ia mengaku sering dimaki dan
dipukul oleh suaminya, terakhir dua hari lalu setelah bertengkar soal uang belanja.
Tampak memar di lengan kiri. Korban ingin tetap tinggal di rumah, tetapi meminta
pendampingan dan rencana keselamatan." \
    case --set violence_types=physical --set victim_sex=F --set victim_age=34 \
    --set-file victim_name=nama-lestari.txt --set intake_date="$(days_ago 12)" \
    --set intake_channel=walk_in --set location_type=household \
    --set perpetrator_relation=spouse --set perpetrator_sex=M \
    --set consent_services=ya --set-file narrative=-
CASE_HOME=$NEW_ID

value_file nama-nur.txt "Nur Aini Safitri"

add_with_text "$POS" "Ibu korban melapor lewat WhatsApp bahwa anaknya (14 tahun) dilecehkan secara
seksual oleh seorang tetangga saat pulang mengaji. Sejak itu korban takut keluar rumah
dan tidak mau berangkat sekolah. Keluarga bersedia melapor ke Unit PPA Polres." \
    case --set violence_types=sexual --set victim_sex=F --set victim_age=14 \
    --set-file victim_name=nama-nur.txt --set intake_date="$(days_ago 10)" \
    --set intake_channel=whatsapp --set location_type=public_facility \
    --set perpetrator_relation=neighbour --set perpetrator_sex=M --set risk_level=high \
    --set consent_services=ya --set consent_share=ya --set-file narrative=-
CASE_GIRL=$NEW_ID

say "The same complaint saved a second time by mistake:"
add_report "$POS" case --set violence_types=sexual --set victim_sex=F \
    --set victim_age=14 --set intake_date="$(days_ago 10)"
CASE_DUPLICATE=$NEW_ID

step "4. Layanan dan rujukan / Services and referrals" \
    "They point at their case by id; 6 or more first characters are enough."
value_file catatan-visum.txt "Korban didampingi ibunya dan petugas Rumah SAE untuk pemeriksaan visum."
value_file catatan-polisi.txt "Laporan polisi dibuat dengan pendampingan paralegal desa."
add_report "$POS" service --set case_id="$(short "$CASE_GIRL")" \
    --set service_type=health_visum --set service_date="$(days_ago 9)" \
    --set provider="Puskesmas Sumber" \
    --set-file notes=catatan-visum.txt
add_report "$POS" referral --set case_id="$(short "$CASE_GIRL")" \
    --set referred_to=police_ppa_unit --set referral_date="$(days_ago 9)" \
    --set-file notes=catatan-polisi.txt

step "5. Perbarui dan lihat / Update and show" \
    "edit appends changes to the journal; nothing is overwritten. show gives every field."
run_node "$POS" edit "$(short "$CASE_HOME")" --set status=active --set risk_level=medium
run_node "$POS" edit "$(short "$CASE_GIRL")" --set status=referred
run_node "$POS" show "$(short "$CASE_HOME")"

step "6. Daftar, riwayat, hapus / List, history, delete" \
    "list never shows sensitive fields (names, narratives); history gives every change" \
    "with its version (clock@device); delete marks the duplicate, its history stays."
run_node "$POS" delete "$(short "$CASE_DUPLICATE")"
run_node "$POS" list
run_node "$POS" history "$(short "$CASE_GIRL")"

step "7. Periksa / Check and status" \
    "check replays the journal against the current state; status counts what still" \
    "waits for the district hub: this post has never been connected."
run_node "$POS" check
run_node "$POS" status

# ---- part 2: the district hub and three devices -------------------------------------------

part "Bagian 2 / Part 2: hub kabupaten, tiga perangkat / the district hub, three devices"

step "8. Hub kabupaten / The district hub" \
    "init makes the hub's directory, keys and a self-signed TLS certificate; serve runs" \
    "the HTTPS daemon (port 0: the system picks a free one; the log names it)."
run_hub init --name "UPTD PPA Kabupaten Probolinggo"
say "The district console's accounts: users add prints each one's one-time password (the" \
    "coordinator's name is the author posts see when she resolves a conflict)."
run_hub users add admin --role admin
run_hub users add "Bu Ratna (UPTD PPA)" --role coordinator
run_hub users add operator --role operator
start_hub
HUB_URL=https://127.0.0.1:$HUB_PORT
say "Console (sign in with a name and one-time password above): $HUB_URL/console/"

step "9. Daftarkan perangkat / Enroll three devices in two villages" \
    "nodes add writes a one-time enrollment bundle per device (hub address, key, TLS" \
    "key pins, village code, the device's name); the post saves it with enroll (works" \
    "offline too). Two devices in Wonokerso (the post and the outreach worker), one in" \
    "Ngadisari; nodes list shows them, pending until they first sync."
mkdir bundles
run_hub nodes add "$VILLAGE_A" --name "Komputer Pos Wonokerso" --url "$HUB_URL" \
    -o bundles/"$POS".json
run_hub nodes add "$VILLAGE_A" --name "Laptop Pendamping Wonokerso" --url "$HUB_URL" \
    -o bundles/"$PENDAMPING".json
run_hub nodes add "$VILLAGE_B" --name "Komputer Pos Ngadisari" --url "$HUB_URL" \
    -o bundles/"$NGADISARI".json
run_node "$PENDAMPING" init --village "$VILLAGE_A"
run_node "$PENDAMPING" config author "Dewi Kusuma"
run_node "$NGADISARI" init --village "$VILLAGE_B"
run_node "$NGADISARI" config author "Bu Sri Wahyuni"
for post in "$POS" "$PENDAMPING" "$NGADISARI"; do
    run_node "$post" enroll bundles/"$post".json
done
run_hub nodes list

step "10. Sinkron pertama / First sync" \
    "sync sends every pending change (each batch acknowledged by the hub), then receives" \
    "what changed for its village. The outreach worker's laptop receives the post's" \
    "reports; Ngadisari records its own case and never sees Wonokerso's."
run_node "$POS" sync
run_node "$PENDAMPING" sync
run_node "$PENDAMPING" list --kind case
value_file nama-dewi.txt "Dewi Anggraini"
add_with_text "$NGADISARI" "Korban (17 tahun) ditawari pekerjaan sebagai pelayan rumah makan di Surabaya oleh
kenalan di media sosial. Ijazahnya ditahan, gajinya tidak dibayar selama tiga bulan, dan
ia dilarang pulang. Korban berhasil kembali ke desa dibantu kepala dusun; dirujuk oleh
bidan desa ke Rumah SAE." \
    case --set violence_types=exploitation --set victim_sex=F --set victim_age=17 \
    --set-file victim_name=nama-dewi.txt --set intake_date="$(days_ago 6)" \
    --set intake_channel=referral_in --set location_type=workplace \
    --set perpetrator_relation=employer --set perpetrator_sex=M --set risk_level=medium \
    --set consent_services=ya --set-file narrative=-
CASE_NGADISARI=$NEW_ID
value_file catatan-hukum.txt "Pendampingan hukum untuk menuntut gaji dan ijazah korban."
add_report "$NGADISARI" referral --set case_id="$(short "$CASE_NGADISARI")" \
    --set referred_to=uptd_ppa --set referral_date="$(days_ago 5)" \
    --set-file notes=catatan-hukum.txt
run_node "$NGADISARI" sync
run_node "$NGADISARI" list

step "11. Satu perangkat offline / One device offline, two edits of the same case" \
    "At the post, Lestari's husband came and threatened her: the counsellor raises the" \
    "risk to high, records a shelter admission and syncs. Meanwhile the outreach worker," \
    "offline on a home visit where Lestari said things had calmed down, sets the risk to" \
    "low and records her consent to share data. Neither has seen the other's edit."
run_node "$POS" edit "$(short "$CASE_HOME")" --set risk_level=high
value_file catatan-ancaman.txt "Suami korban datang ke pos dan mengancam; korban dan anaknya dipindahkan ke rumah aman."
add_report "$POS" service --set case_id="$(short "$CASE_HOME")" \
    --set service_type=shelter_in --set service_date="$(days_ago 1)" \
    --set provider="Rumah aman UPTD PPA" \
    --set-file notes=catatan-ancaman.txt
run_node "$POS" sync
run_node "$PENDAMPING" edit "$(short "$CASE_HOME")" --set risk_level=low --set consent_share=ya
value_file catatan-polres.txt "Korban didampingi saat pemeriksaan tambahan di Unit PPA Polres."
add_report "$PENDAMPING" service --set case_id="$(short "$CASE_GIRL")" \
    --set service_type=police_accompaniment --set service_date="$(days_ago 1)" \
    --set provider="Paralegal desa Wonokerso" \
    --set-file notes=catatan-polres.txt
say "Still offline: its changes wait in the journal."
run_node "$PENDAMPING" status
say "Back online: it sends its changes and receives the post's; then the post catches up."
run_node "$PENDAMPING" sync
run_node "$POS" sync

# ---- part 3: what the district sees -------------------------------------------------------

part "Bagian 3 / Part 3: di kabupaten / at the district"

step "12. Laporan gabungan / The merged reports" \
    "Every village's reports, merged field by field (deleted ones marked)."
run_hub reports list
step "13. Kasus yang diedit dua kali / The case edited on both devices" \
    "Every field with every version, each with who made it, on which device, and when;" \
    "the two edits of different fields merged cleanly, the two values of risk_level are" \
    "both kept and flagged."
run_hub reports show "$(short "$CASE_HOME")"
step "14. Statistik / Statistics"
run_hub stats

step "15. Konflik / The open conflict" \
    "Two concurrent values of risk_level: a hard conflict, open for a coordinator. Until" \
    "one decides, the higher risk stands: the outreach worker's later \"low\", written" \
    "without seeing the threat, does not silently win."
run_hub conflicts list
CONFLICT=$("$HUB_BIN" -d hub conflicts list | awk '$2 == "open" && $3 == "hard" { print $1; exit }')
if [ -z "$CONFLICT" ]; then
    echo "demo: expected an open hard conflict on risk_level; there is none" >&2
    exit 1
fi
run_hub conflicts show "$CONFLICT"
say "The outreach worker's laptop shows the risk the district keeps, marked under review."
run_node "$PENDAMPING" show "$(short "$CASE_HOME")"
KEEP_HIGH=$("$HUB_BIN" -d hub conflicts show "$CONFLICT" |
    sed -n 's/^ *\[\([0-9][0-9]*\)\] high .*/\1/p' | head -n 1)

# ---- the way on: commands to try ----------------------------------------------------------

hub_cmd() {
    command_line "$HUB_BIN" -d "$WORK/hub" "$@"
}
node_cmd() {
    command_line "$NODE_BIN" -d "$WORK/$1"
    shift
    printf ' %s' "$(command_line "$@")"
}

step "16. Selesaikan / Inspect and resolve it yourself" \
    "In the browser: sign in at $HUB_URL/console/ as \"Bu Ratna (UPTD PPA)\" with her" \
    "one-time password above, open Konflik data / Conflicts ($HUB_URL/console/conflicts)," \
    "choose a value, add a note and press Putuskan / Decide. Or, while the hub runs, these" \
    "commands work as they are, from any directory:"
cat <<EOF
  # the conflict, the case, the daemon's last log lines
  $(hub_cmd conflicts show "$CONFLICT")
  $(hub_cmd reports show "$CASE_HOME")
  tail -n 5 $(quote_word "$WORK/$HUB_LOG")
  # keep the post's "high" (candidate ${KEEP_HIGH:-N}), or set a value of your own (--value V)
  $(hub_cmd conflicts resolve "$CONFLICT" --keep "${KEEP_HIGH:-1}" --by "Bu Ratna (UPTD PPA)" \
      --note "Ancaman suami terbaru; korban di rumah aman")
  # both Wonokerso devices receive the decision on their next sync
  $(node_cmd "$POS" sync)
  $(node_cmd "$PENDAMPING" sync)
  $(node_cmd "$PENDAMPING" show "$(short "$CASE_HOME")")
  $(hub_cmd conflicts list --all)
EOF

step "17. Aplikasi pos / The post's own web app" \
    "sae-node serve gives the post's staff a web application in Indonesian on the post's" \
    "computer (127.0.0.1 by default, HTTPS with a printed fingerprint on a LAN address), and" \
    "keeps the post in sync meanwhile. users add makes a staff account; --one-time prints a" \
    "one-time passphrase (without it the passphrase is asked on the terminal)."
run_node "$POS" users add "Siti Rahayu" --role head --one-time
start_app "$POS"
say "Post app (Rumah SAE Wonokerso): $APP_URL/" \
    "Console (district):            $HUB_URL/console/" \
    "Sign in to the post app as \"Siti Rahayu\" with the one-time passphrase above."

printf '\n'
if [ "$WAIT_AT_END" = 1 ]; then
    say "The hub keeps running at $HUB_URL/ (pid $HUB_PID) and the post app at $APP_URL/" \
        "(pid $APP_PID); the files are in $WORK." \
        "Press Ctrl-C to stop them and remove the files (KEEP=1 keeps them)."
    status=0
    wait "$HUB_PID" || status=$?
    HUB_PID=
    say "The hub stopped by itself (exit status $status); its log is $WORK/$HUB_LOG."
    exit 1
fi
stop_app
stop_hub
say "The demo does not wait (standard input is not a terminal, or DEMO_NO_WAIT=1): the post" \
    "app stopped (exit status $APP_STATUS), the hub stopped (exit status $HUB_STATUS)."
[ "$HUB_STATUS" = 0 ] && [ "$APP_STATUS" = 0 ] || exit 1
if [ "$KEEP" = 1 ]; then
    say "Its files stay in $WORK. To try the commands above, serve the hub" \
        "again in the background, on the port the bundles name, its log in the same file:"
    printf '  %s 2>>%s &\n' "$(hub_cmd serve --listen "127.0.0.1:$HUB_PORT")" \
        "$(quote_word "$WORK/$HUB_LOG")"
    say "and stop it afterwards with:"
    printf '  kill $!\n'
    say "When you are done, remove the demo's files with:"
    printf '  rm -rf %s\n' "$(quote_word "$WORK")"
fi
say "Every command has help: sae-node --help, sae-hub --help, COMMAND --help"
