#!/bin/sh
# make demo: a Rumah SAE post at work, told as an annotated terminal session.
#
#   sh scripts/demo.sh PATH/TO/sae-node
#
# Everything happens in a throwaway directory (mktemp -d) that is removed at the end; run
# with KEEP=1 to keep it and try more commands on it. The people, cases and ids are
# fictional; the village is a real desa of Kabupaten Probolinggo.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh scripts/demo.sh PATH/TO/sae-node" >&2
    exit 2
fi
BIN=$1
if [ ! -x "$BIN" ]; then
    echo "demo: $BIN is not an executable; build it first with: make" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sae-demo.XXXXXX")
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "demo: kept $WORK; try: SAE_NODE_DIR=$SAE_NODE_DIR $BIN list"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
SAE_NODE_DIR="$WORK/rumah-sae"
export SAE_NODE_DIR

# ---- presentation ---------------------------------------------------------------------

# Quotes a word the way a reader would type it in a shell.
quote_word() {
    case "$1" in
        '' | *[!A-Za-z0-9_=./:,@%+-]*)
            printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
            ;;
        *) printf '%s' "$1" ;;
    esac
}

# Like quote_word, but FIELD=VALUE keeps FIELD= outside the quotes: victim_name='Nur Aini'.
quote() {
    name=${1%%=*}
    case "$1" in
        *=*)
            case "$name" in
                '' | *[!A-Za-z0-9_-]*) ;;
                *) printf '%s=%s' "$name" "$(quote_word "${1#*=}")"; return ;;
            esac
            ;;
    esac
    quote_word "$1"
}

# Prints "$ sae-node ARGS..." as the reader would type it.
show_command() {
    printf '$ sae-node'
    for arg in "$@"; do
        printf ' %s' "$(quote "$arg")"
    done
    printf '\n'
}

say() {
    printf '# %s\n' "$@"
}

step() {
    printf '\n== %s\n' "$1"
    shift
    [ $# -eq 0 ] || say "$@"
}

# Runs a command that must succeed, after printing it.
run_node() {
    show_command "$@"
    "$BIN" "$@"
}

# Runs `add KIND ...` with the narrative on standard input (--set-file narrative=-),
# printed as the here-document a reader would type; the new report's id goes into NEW_ID.
add_with_text() {
    text=$1
    shift
    show_command add "$@" | sed 's/$/ <<'"'"'EOF'"'"'/'
    printf '%s\nEOF\n' "$text"
    NEW_ID=$(printf '%s\n' "$text" | "$BIN" add "$@")
    printf '%s\n' "$NEW_ID"
}

# Runs `add KIND ...` with every value on the command line; the new id goes into NEW_ID.
add() {
    show_command add "$@"
    NEW_ID=$("$BIN" add "$@")
    printf '%s\n' "$NEW_ID"
}

# The short form of an id that the commands accept: its first 8 characters.
short() {
    printf '%s' "${1%%-*}"
}

# ---- the story ----------------------------------------------------------------------------

printf 'Rumah SAE Sync demo: sae-node, the offline journal of a village post.\n'
say "Every command below is the real program at work on a throwaway directory." \
    "Names and cases are fictional. To run the same commands yourself:" \
    "  export SAE_NODE_DIR=\$HOME/rumah-sae   (or give -d DIR before each command)"

step "1. Siapkan pos / Set up the post" \
    "init creates the directory (mode 0700), a device key and an empty journal."
run_node init --village "Desa Wonokerso, Kec. Sumber"

step "2. Katalog / What can be recorded" \
    "fields lists kinds (case, service, referral), their fields and allowed codes," \
    "with Indonesian and English labels. The first lines of the case kind:"
show_command fields case
"$BIN" fields case | sed -n '1,14p'
say "(... and more: sae-node fields, or sae-node fields --json for scripts)"

step "3. Catat pengaduan / Record complaints" \
    "add KIND --set FIELD=VALUE ... saves a report and prints its id. Enum fields take" \
    "codes (see fields); a long narrative can come from a file or standard input."
add_with_text "Korban datang ke Rumah SAE bersama kakaknya. Ia mengaku sering dimaki dan
dipukul oleh suaminya, terakhir dua hari lalu setelah bertengkar soal uang belanja.
Tampak memar di lengan kiri. Korban ingin tetap tinggal di rumah, tetapi meminta
pendampingan dan rencana keselamatan." \
    case --set violence_type=physical --set victim_sex=F --set victim_age=34 \
    --set victim_name="Lestari Wulandari" --set intake_date=2025-03-03 \
    --set intake_channel=walk_in --set location_type=household \
    --set perpetrator_relation=spouse --set perpetrator_sex=M \
    --set consent_services=ya --set-file narrative=-
CASE_HOME=$NEW_ID

add_with_text "Ibu korban melapor lewat WhatsApp bahwa anaknya (14 tahun) dilecehkan secara
seksual oleh seorang tetangga saat pulang mengaji. Sejak itu korban takut keluar rumah
dan tidak mau berangkat sekolah. Keluarga bersedia melapor ke Unit PPA Polres." \
    case --set violence_type=sexual --set victim_sex=F --set victim_age=14 \
    --set victim_name="Nur Aini Safitri" --set intake_date=2025-03-05 \
    --set intake_channel=whatsapp --set location_type=public_facility \
    --set perpetrator_relation=neighbour --set perpetrator_sex=M --set risk_level=high \
    --set consent_services=ya --set consent_share=ya --set-file narrative=-
CASE_GIRL=$NEW_ID

say "An outreach visit: a child left without care."
add case --set violence_type=neglect --set victim_sex=M --set victim_age=9 \
    --set intake_date=2025-03-07 --set intake_channel=outreach \
    --set location_type=household --set perpetrator_relation=parent \
    --set narrative="Kader posyandu menemukan anak yang tinggal bersama neneknya yang sakit; ayahnya tidak mengirim nafkah sejak enam bulan."

say "The same outreach report, saved a second time by mistake:"
add case --set violence_type=neglect --set victim_sex=M --set victim_age=9 \
    --set intake_date=2025-03-07 --set intake_channel=outreach \
    --set location_type=household --set perpetrator_relation=parent
CASE_DUPLICATE=$NEW_ID

step "4. Layanan dan rujukan / Services and referrals" \
    "A service event and a referral point at their case by id; the first 6 or more" \
    "characters of an id are enough when they match only one report."
add service --set case_id="$(short "$CASE_GIRL")" --set service_type=health_visum \
    --set service_date=2025-03-06 --set provider="Puskesmas Sumber" \
    --set notes="Korban didampingi ibunya dan petugas Rumah SAE untuk pemeriksaan visum."
add referral --set case_id="$(short "$CASE_GIRL")" --set referred_to=police_ppa_unit \
    --set referral_date=2025-03-06 \
    --set notes="Laporan polisi dibuat dengan pendampingan paralegal desa."

step "5. Input salah ditolak / Bad input is refused" \
    "A wrong code gets a one-line error naming what is allowed, exit status 2, and" \
    "nothing is written."
show_command add case --set violence_type=fisik --set victim_sex=F --set intake_date=2025-03-08
if "$BIN" add case --set violence_type=fisik --set victim_sex=F --set intake_date=2025-03-08 2>&1; then
    echo "demo: sae-node accepted an unknown code" >&2
    exit 1
else
    say "(exit status $?)"
fi

step "6. Perbarui kasus / Update a case" \
    "edit ID --set ... appends changes to the journal; nothing is overwritten."
run_node edit "$(short "$CASE_HOME")" --set status=active --set risk_level=medium
run_node edit "$(short "$CASE_GIRL")" --set status=referred
run_node show "$(short "$CASE_HOME")"

step "7. Daftar / List" \
    "One line per report; sensitive fields (names, narratives) are never shown in lists."
run_node list
run_node list --kind referral --json

step "8. Riwayat / History" \
    "Every change, oldest first: journal position, time, version (clock@device), field and" \
    "value. history --json also gives the version each change was based on."
run_node history "$(short "$CASE_HOME")"

step "9. Hapus entri keliru / Delete a mistaken entry" \
    "delete marks the duplicate deleted; its history stays in the journal."
run_node delete "$(short "$CASE_DUPLICATE")"
run_node list --kind case

step "10. Periksa / Check and status" \
    "check replays the journal and compares it with the current state;" \
    "status counts reports and the changes still waiting for the district hub."
run_node check
run_node status

printf '\n'
if [ "${KEEP:-0}" = 1 ]; then
    say "Done. The post's journal is kept in $SAE_NODE_DIR."
else
    say "Done. The post's journal lived in a throwaway directory that is now removed" \
        "(run with KEEP=1 to keep it)."
fi
say "Every command has help: sae-node --help, sae-node COMMAND --help"
