#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "merge/merge.h"
#include "store/district_key.h"
#include "store/hub_accounts.h"
#include "store/value_settle.h"
#include "store/value_vault.h"
#include "app/password.h"
#include "net/tls_cert.h"
#include "sae/sae_cli.h"
#include "sae/sae_files.h"

static const struct sae_cli_help helps[] = {
    {"init", "init [--name NAME] [--host HOSTNAME ...] [--tls-cert FILE --tls-key FILE]",
     "Creates the hub directory (0700): hub.db, the hub's key pair (hub.key, 0600) and a TLS\n"
     "certificate: self-signed for the given hosts plus localhost, 127.0.0.1 and ::1, valid\n"
     "two years (renew it with sae-hub tls renew), or the district's own certificate and\n"
     "key (copied in, checked to match). Also the district storage key: its secret waits\n"
     "in district.key until the first coordinator is added (do that next), and its recovery\n"
     "key is printed once, for paper in the office safe (sae-hub keys --help).\n"},
    {"serve", "serve [--listen ADDR:PORT] [--console ADDR:PORT] [--url URL] "
              "[--idle-timeout SEC] [--header-timeout SEC]",
     "Runs the daemon: HTTPS on ADDR:PORT (default 127.0.0.1:8443). The district console\n"
     "(pages under /console/, its JSON API under /api/v1/, assets under /assets/) is served\n"
     "on the same listener, or only on --console ADDR:PORT when given (then the posts'\n"
     "listener serves the posts' endpoints only). --url URL: the hub's https:// address as\n"
     "posts reach it (what nodes add --url takes), which the console's Posts page puts in\n"
     "the bundles an admin makes there; without it the page says so. SIGTERM or SIGINT stop\n"
     "accepting, let requests in flight finish, then exit 0. SIGHUP serves tls-cert.pem and\n"
     "tls-key.pem again (after sae-hub tls renew or roll): the server stops and starts on\n"
     "the same port, posts that try meanwhile retry; files that do not match are refused\n"
     "and the old ones kept. One log line per request on stderr, never report contents;\n"
     "refusals, cut connections and server messages past 20 lines in 10 s are summed up in\n"
     "one line.\n"
     "Refuses to start (exit 1) when DIR, hub.db, hub.key or tls-key.pem are open to other\n"
     "users (it says the chmod to run), when another serve runs on DIR (DIR/serve.lock), or\n"
     "when the process may open too few files; raises its open-file limit to the hard one.\n"
     "Holds, per source address: 256 connections (a new one takes the place of one waiting\n"
     "for request headers, or of the slowest body), 20 requests a second, bursts of 600\n"
     "(then 429 with Retry-After); per connection: TLS handshake and headers within 20 s\n"
     "once 7/8 of the connections are open, bodies at 100 bytes/s or more over each 60 s,\n"
     "60 s idle at most; in all: 4096\n"
     "connections, 64 MiB of request bodies at once (then 503 with Retry-After), 2 MiB a\n"
     "body (413). GET or HEAD /v1/health answers ok. README \"Limits of the hub's server\".\n"
     "  --idle-timeout SEC    close a connection idle this long (1 to 300, default 60; an\n"
     "                        enrolled post's keeps 330 s), on every listener\n"
     "  --header-timeout SEC  the TLS handshake and request headers within this long once\n"
     "                        7/8 of the connections are open (1 to 300, default 20)\n"},
    {"nodes", "nodes add VILLAGE --name NAME --url URL -o BUNDLE [--days N] [--by ACCOUNT] | "
              "nodes list [--json] | nodes revoke ID [--by ACCOUNT] | "
              "nodes cancel BUNDLE [--by ACCOUNT] | nodes grant ID --as COORDINATOR",
     "Devices of the posts.\n"
     "  add     writes a bundle (0600) for a new device of VILLAGE (a code or a unique name of\n"
     "          the list of areas: sae-hub villages list) called NAME (required, 1 to 100\n"
     "          bytes: what people see for its changes, e.g. \"Laptop Pos Sumberanyar\"), with\n"
     "          the hub URL, the hub's public key, the TLS key pins (the current key's, and\n"
     "          the backup key's when one is prepared) and a one-time token (valid N days,\n"
     "          default 7, at most 90). It prints the bundle's id.\n"
     "  list    every device and every bundle not used: name, village, state (enrolled,\n"
     "          revoked; pending with its expiry, expired, cancelled), last contact and the\n"
     "          clock offset measured at its last request (? until measured).\n"
     "  revoke  refuses an enrolled device's next request (ID: 16 hex digits).\n"
     "  cancel  cancels a pending bundle (its 8-hex-digit id): its token is refused.\n"
     "  grant   gives a device (ID) every current sensitive value of its village it holds no\n"
     "          copy of (a device enrolled after the values came), sealed to its storage key;\n"
     "          it receives them at its next sync. COORDINATOR's password is asked (never an\n"
     "          argument) to open the district key; audited \"granted N values to\" it.\n"
     "add, revoke and cancel are audited (address \"cli\") as --by ACCOUNT (an enabled\n"
     "account), else as the account named like the OS user, else as os:USER.\n"},
    {"villages", "villages list [--kecamatan K] [--json] | villages import CSV | "
                 "villages assign OLD-NAME VILLAGE",
     "The official list of areas (Kemendagri codes) villages are chosen from; the hub starts\n"
     "with Kabupaten Probolinggo's (24 kecamatan, 330 villages).\n"
     "  list    villages by kecamatan with their codes, devices and reports (--kecamatan K:\n"
     "          one kecamatan, by code or name); then any village stored before the list\n"
     "          that matched none, with the command that fixes it.\n"
     "  import  adds the areas of a district's CSV file (header code,parent_code,name, or\n"
     "          idn-area-data's own) and renames codes it holds already; every kecamatan\n"
     "          and village needs its parent in the file or the list. At most 16 MiB.\n"
     "  assign  gives a village stored before the list (a name no village matched) its\n"
     "          village: every device, bundle and report carrying OLD-NAME takes the code.\n"},
    {"tls", "tls status [--json] | tls renew [--days N] [--host HOST ...] | "
            "tls renew --tls-cert FILE | tls new-key [--tls-key FILE] | "
            "tls roll [--days N] [--host HOST ...] [--force] | tls roll --tls-cert FILE [--force]",
     "The hub's TLS certificate and keys. Posts trust the key (its pin), never the\n"
     "certificate's dates, names or issuer.\n"
     "  status   the certificate's hosts and validity, the current key's pin and the backup\n"
     "           key's, and how many posts have not synced since it was announced\n"
     "  renew    a new certificate for the same key: self-signed for --days N (default 730,\n"
     "           1 to 10000) and the current hosts (or those given with --host), or the\n"
     "           district's renewed certificate (--tls-cert, checked to match the key)\n"
     "  new-key  prepares a backup key (made here, or the district's own with --tls-key):\n"
     "           every pull announces its pin, and new bundles carry it\n"
     "  roll     serves the backup key: a certificate as for renew, on the backup key.\n"
     "           Refused while a post has not synced since the backup was announced (it\n"
     "           would need a new bundle), unless --force.\n"
     "The running daemon serves new files after SIGHUP (or a restart).\n"},
    {"reports", "reports list [--village V] [--kind K] [--json] | "
                "reports show ID [--json] [--as COORDINATOR] | "
                "reports edit ID --set FIELD=VALUE [--set-file FIELD=PATH] [--unset FIELD] "
                "[--add SET=CODE] "
                "[--remove SET=CODE] --by NAME | "
                "reports review ID received|has-issues|approved [--note TEXT] --by NAME | "
                "reports erase ID --as COORDINATOR --reason TEXT | "
                "reports index --as COORDINATOR",
     "The merged reports of every village.\n"
     "  list   one line per report, deleted ones marked; lines never show sensitive fields\n"
     "         nor free text (use show). --village V (a code or a unique name of the list\n"
     "         of areas) and --kind K filter; --json gives [{id, kind, village (its code),\n"
     "         village_name, fields, deleted, updated}].\n"
     "  show   every field (sensitive ones included), every version of each field with\n"
     "         who made it, on which device and when (\"Siti, Laptop Pos Sumberanyar,\n"
     "         3 Dec 14:05\"), a coordinator's note, flags (* current, HELD: dated ahead of\n"
     "         the hub's clock) and its version, and the report's open conflicts.\n"
     "         Sensitive values are kept sealed to the district key: --as COORDINATOR asks\n"
     "         that coordinator's password (never an argument) and shows them opened;\n"
     "         without it they show masked (while the key waits unclaimed in DIR,\n"
     "         before any coordinator holds it, that key opens them).\n"
     "  edit   a district correction: each value is checked against the catalogue and the\n"
     "         rules across fields (as sae-node does) before anything is written; values\n"
     "         equal to the current ones are skipped, a set writes only the elements that\n"
     "         change (--add, --remove). Each field becomes a new version that the\n"
     "         village's posts receive on their next sync. --by NAME (who corrects: an\n"
     "         enabled account, see users) is required; the edit is audited. A sensitive\n"
     "         field's value (names, contacts, narratives, notes) is never an argument,\n"
     "         where ps and the shell's history show it: --set refuses it (exit status 2);\n"
     "         --set-file FIELD=PATH reads it from a file, or FIELD=- from standard input\n"
     "         (on a terminal one line typed without echo).\n"
     "  review the district's review of a case: received, has-issues (--note required:\n"
     "         what the post must look at) or approved, with --note TEXT (1 to 1000 bytes,\n"
     "         one line) and --by NAME (an account).\n"
     "         The village's posts receive it on their next sync;\n"
     "         sae-node show and list mark a case that has issues, with the note, until a\n"
     "         later review says received or approved.\n"
     "  erase  at a survivor's request, erases the report's sensitive values at the hub\n"
     "         for good: their sealed copies are deleted and the stored values become\n"
     "         \"erased\"; other fields stay (the case is still counted). --as COORDINATOR\n"
     "         (her password is asked, or read as one line of standard input) and --reason\n"
     "         TEXT (1 to 150 bytes, one line; audited with the report's id, never a value)\n"
     "         are required. Each post of the report's village wipes its own copies at\n"
     "         its next sync.\n"
     "  index  brings the coordinators' name index up to date in one run (--as\n"
     "         COORDINATOR, her password asked): a search in the console does it 1,000\n"
     "         names at a time, which on a large hub takes many searches.\n"
     "ID is a report id, its first 6 or more characters, or a case's registration number.\n"},
    {"conflicts", "conflicts list [--all] [--json] [--as COORDINATOR] | "
                  "conflicts show ID [--json] [--as COORDINATOR] | "
                  "conflicts resolve ID (--keep N | --value V | --value-file PATH | --unset) "
                  "--by NAME [--note TEXT] | "
                  "conflicts dismiss ID --by NAME [--note TEXT]",
     "Concurrent changes that need a coordinator: two posts (or a post and the district)\n"
     "changed the same field to different values while apart, a delete met an edit, or a\n"
     "change was dated ahead of the hub's clock (held). Until a coordinator decides, the\n"
     "value that stands follows the field's policy: safest (the higher risk, an open\n"
     "status over closed, a withheld consent, a set element kept) or latest. Equal values\n"
     "need no coordinator: the hub settles them at once and records it.\n"
     "  list     open conflicts and the value that stands (--all: resolved and settled\n"
     "           ones too)\n"
     "  show     the value that stands and why, and every candidate, numbered from 1 by\n"
     "           version, with who made it, on which device and when\n"
     "  --as COORDINATOR (list, show) opens sensitive values with that coordinator's\n"
     "           password, asked; without it they show masked (see reports show).\n"
     "  resolve  --keep N keeps candidate N (in a delete conflict: keeping the delete keeps\n"
     "           the report deleted, keeping an edit restores it); --value V sets a new value\n"
     "           (checked by the catalogue; for a sensitive field only as --value-file PATH,\n"
     "           \"-\" for standard input); --unset clears an optional field. The choice is\n"
     "           a new version the posts receive on their next sync. --by NAME (an enabled\n"
     "           account, see users) is required and audited; --note TEXT (1 to 1000 bytes,\n"
     "           one line) is kept with\n"
     "           it and reaches the posts' history.\n"},
    {"export", "export --format csv|json [--village V] [--kind K] [-o FILE] "
               "[--as COORDINATOR] | "
               "export --format csv|json --variant deidentified|full "
               "[--kecamatan K] [--status S] [--risk R] [--violence T] [--from DATE] "
               "[--to DATE] [--village V] [--kind K] [-o FILE]",
     "Writes every merged report, deleted ones included, for monitoring and evaluation.\n"
     "  --format csv   one row per report: id, kind, village (its code), village_name,\n"
     "                 deleted, updated, then every field of the kind (or of all kinds).\n"
     "                 RFC 4180 quoting, CRLF line\n"
     "                 ends. A value starting with = + - @ (or tab, CR) gets a leading '\n"
     "                 so that a spreadsheet shows it as text and never runs it as a formula.\n"
     "  --format json  an array of reports, as reports list --json\n"
     "  --village V    only reports of village V (a code or a unique name)\n"
     "  --kind K       only reports of kind K\n"
     "  -o FILE        write FILE (mode 0600, complete or absent after a crash); an existing\n"
     "                 file is never replaced. Default: standard output.\n"
     "A sensitive value (names, contacts, narratives, notes) of a case whose survivor has\n"
     "not consented to share (consent_share not true), and of its services, stays and\n"
     "referrals, is written as [tanpa persetujuan berbagi / no consent to share], in every\n"
     "export. The others are kept sealed to the district key: --as COORDINATOR asks that\n"
     "coordinator's password and writes them opened (survivors' data: keep the file\n"
     "private); without it they are written masked (see reports show).\n"
     "With --variant, the console's export of the reports list's filters (deleted reports\n"
     "left out; CSV starts with a UTF-8 byte order mark so that spreadsheets open it):\n"
     "  --variant deidentified  no names, contacts, narratives, notes nor other free text\n"
     "                 (the registration number stays), every date and the updated time\n"
     "                 cut to the month (YYYY-MM)\n"
     "  --variant full every field\n"
     "  --kecamatan, --status, --risk, --violence (one type), --from, --to (the kind's\n"
     "                 date): as people type them (codes, labels, DD-MM-YYYY)\n"},
    {"users", "users add NAME --role operator|coordinator|admin|partner [--agency A] "
              "[--password-stdin] | users list [--json] | users disable NAME | "
              "users reset-password NAME [--password-stdin]   (each change: [--by ACCOUNT])",
     "The district console's accounts. NAME: 1 to 100 bytes of UTF-8 on one line, as people\n"
     "are called (\"Bu Sari\"): typed at sign-in, and the author posts see for --by.\n"
     "  add             a new account; a partner (a receiving agency's account) needs\n"
     "                  --agency A (1 to 100 bytes). Prints a one-time password, or reads\n"
     "                  the password (12 to 256 bytes) from one line of standard input\n"
     "                  with --password-stdin.\n"
     "  list            name, role, state and agency (--json: [{name, role, agency,\n"
     "                  disabled, conduct_accepted}])\n"
     "  disable         the account can no longer sign in; its sessions end at once\n"
     "                  (never one's own: refused when it is the --by account)\n"
     "  reset-password  a new one-time password (or --password-stdin); sessions end\n"
     "A coordinator added or reset here holds the district key only while it still waits\n"
     "unclaimed (sae-hub keys status); else add and reset say they hold none, and a\n"
     "coordinator who holds it gives it on the console's Posts page, or sae-hub keys\n"
     "recover NAME does with the recovery key. A reset and disable delete the old key wrap.\n"
     "Every change is audited (address \"cli\") as --by ACCOUNT (an enabled account), else\n"
     "as the account named like the OS user, else as os:USER.\n"},
    {"stats", "stats [--village V] [--kecamatan K] [--month YYYY-MM | --year YYYY] "
              "[--json | --csv FIGURE | --svg FIGURE | --rekap | --rekap-csv]",
     "Without --month, --year or --kecamatan: counts of reports that are not deleted per\n"
     "village, kind, month and type of violence, open conflicts, held changes and registration\n"
     "numbers several cases carry; then the monitoring figures of every month.\n"
     "Monitoring and evaluation (the figures only, with --month, --year or --kecamatan):\n"
     "cases by month and type of violence, kecamatan and village; victims by sex, SIMFONI\n"
     "age band, child or adult; services by SPM category; shelter stays and their length;\n"
     "referrals by destination and status; days from incident to report and from intake to\n"
     "first service (bands and median). A case is in a month by its intake date, a service by\n"
     "its date, a stay by its admission, a referral by its date; the credit goes to the\n"
     "village of the post that recorded the case. Only cases whose survivor consented to be\n"
     "counted (consent_statistics true): how many were left out is said. Cases linked as one\n"
     "survivor (sae-hub duplicates link) count once.\n"
     "  --village V, --kecamatan K   one village or kecamatan (a code or a unique name)\n"
     "  --month YYYY-MM, --year YYYY the period (1900-01 to 2100-12); a locked month also\n"
     "                               shows its revisions since it was locked\n"
     "  --csv FIGURE, --svg FIGURE   one figure as CSV (UTF-8 with BOM) or an SVG chart\n"
     "  --rekap, --rekap-csv         the printable monthly recap (SIMFONI-PPA layout), or\n"
     "                               its first table as CSV\n"
     "FIGURE: cases_by_month, cases_by_month_type, cases_by_type, cases_by_kecamatan,\n"
     "cases_by_village, victims_by_sex, victims_by_age_band, victims_by_age_group, rekap,\n"
     "services_by_spm, shelter_stays, referrals, days_incident_to_report,\n"
     "days_intake_to_first_service.\n"},
    {"months", "months lock YYYY-MM --by ACCOUNT | months list [--json]",
     "Month locks. lock: a coordinator approves a month that has ended; its figures (the\n"
     "whole district) are kept as approved, and later edits of its cases show as revisions\n"
     "(sae-hub stats --month YYYY-MM) instead of changing them silently. A month is locked\n"
     "once. list: every locked month, who locked it, when, and how many figures changed.\n"},
    {"duplicates", "duplicates list [--json] [--limit N] [--without-names] | "
                   "duplicates link A B --by ACCOUNT [--note TEXT] | "
                   "duplicates distinct A B --by ACCOUNT --note TEXT",
     "Possible duplicates: pairs of cases that may describe one survivor (same kecamatan and\n"
     "sex, ages within a year, intakes within 60 days), graded high, medium or low by\n"
     "their village, age, intake and incident dates, types of violence and names (compared\n"
     "through a keyed hash; the key is DIR/duplicates.key, made on first use).\n"
     "  list      undecided pairs, highest first (--limit N: 1 to 1000, default 100);\n"
     "            --without-names: the operators' view, names not compared\n"
     "  link      A and B are one survivor: counted once in monitoring; nothing is merged\n"
     "  distinct  A and B are different people (--note says why)\n"
     "A decision is kept and the pair never proposed again. A and B: ids, prefixes or\n"
     "registration numbers of cases.\n"},
    {"referrals", "referrals list --agency A [--json] [--as PARTNER] | "
                  "referrals answer ID accepted|declined|done [--note TEXT] --by ACCOUNT "
                  "[--agency A] | referrals override ID --reason TEXT --by ACCOUNT | "
                  "referrals grant --agency A --as COORDINATOR",
     "Referrals for partner agencies (A: police_ppa_unit, puskesmas, hospital, uptd_ppa,\n"
     "puspaga, social_office, legal_aid).\n"
     "  list      the referrals addressed to A, awaiting an answer first; the survivor's\n"
     "            name, age, contact and narrative only when she consented to share with\n"
     "            referral agencies (consent_share) or a coordinator overrode. Name, contact\n"
     "            and narrative are sealed to A's key: --as PARTNER (a partner of A; the\n"
     "            password is asked, or one line of standard input) opens them, else masked\n"
     "  answer    the agency's answer, a district change by NAME that reaches the post on\n"
     "            its next sync: accepted; declined (--note: the reason); done (--note: the\n"
     "            service given; after accepted). --agency: refused unless addressed to A\n"
     "  override  shares a referral's identifying fields with its agency without the\n"
     "            survivor's consent, for the reason given (kept with who and when); a\n"
     "            grant then gives A the values it opens\n"
     "  grant     gives A's key the values consent or an override lets A read that were\n"
     "            written before (a coordinator's password opens the district key; audited)\n"},
    {"keys", "keys status [--json] | keys init-recovery | "
             "keys recover NAME [--recovery-file FILE|-] [--password-stdin] [--by ACCOUNT]",
     "The district storage key: its secret half opens survivors' sensitive values, and is\n"
     "kept only wrapped, by each coordinator's password and by the recovery key printed\n"
     "once at init. README \"The district storage key\".\n"
     "  status         the key's fingerprint, whether the recovery key is made, whether the\n"
     "                 secret still waits unclaimed in DIR/district.key, and which\n"
     "                 coordinators hold it (--json: fingerprint, recovery_key, unclaimed,\n"
     "                 holders).\n"
     "  init-recovery  for a hub from before the key: makes the recovery key from the\n"
     "                 unclaimed secret and prints it once. Refused (2) once it is made.\n"
     "  recover        gives NAME (an enabled coordinator) a new password and the key,\n"
     "                 opened with the recovery key: typed without echo on a terminal, or\n"
     "                 read from --recovery-file FILE (\"-\": standard input), never an\n"
     "                 argument. The password is printed once, or read from standard input\n"
     "                 (--password-stdin, with --recovery-file FILE). NAME's sessions end;\n"
     "                 audited. Exit 2: not a recovery key, or NAME not a coordinator;\n"
     "                 1: the recovery key does not open the district key.\n"},
    {"backup", "backup FILE",
     "Writes a backup of the hub to FILE while it serves: a consistent snapshot of hub.db\n"
     "(SQLite's VACUUM INTO: posts keep syncing and the console keeps answering), deflated,\n"
     "with hub.key, the TLS certificate and keys, duplicates.key and values.key sealed\n"
     "under a backup passphrase (12 to 256 bytes; asked twice on a terminal, else one line\n"
     "of standard input). FILE is 0600 and replaced whole: a crash leaves the old FILE or\n"
     "the new one. Sensitive values are in it as hub.db keeps them, sealed to the district\n"
     "key: only a coordinator's password or the recovery key opens them, passphrase or not.\n"},
    {"restore", "restore FILE DIR",
     "Restores a backup of a hub into DIR, which must not exist or be empty. The file is\n"
     "checked whole (format, program, schema, checksum) before the passphrase is asked\n"
     "for, and hub.db with PRAGMA integrity_check before it is put in place; any refusal\n"
     "leaves nothing behind (exit 2). Serve DIR at the old address: at their next sync\n"
     "posts send again what the restored hub lacks and pull what they lack. District\n"
     "edits, resolutions, accounts and devices made after the backup are not in it.\n"},
};

#define HELP_COUNT (sizeof helps / sizeof helps[0])

static const char program_help[] =
    "Usage: sae-hub [-d DIR] COMMAND [OPTIONS]\n"
    "Rumah SAE district hub: receives the posts' changes over HTTPS, merges them field by\n"
    "field (last writer wins, conflicts flagged), and lets district staff review them.\n"
    "\n"
    "Commands:\n"
    "%s"
    "\n"
    "Options:\n"
    "  -d, --dir DIR   hub directory (default: $SAE_HUB_DIR, else $XDG_DATA_HOME/sae-hub,\n"
    "                  else ~/.local/share/sae-hub)\n"
    "  -h, --help      this help; COMMAND --help for one command\n"
    "  --version       print the version\n"
    "\n"
    "Environment:\n"
    "  SAE_HUB_DIR            default hub directory\n"
    "  SAE_BUSY_TIMEOUT_MS    how long a command waits for the daemon's writes (default 10000)\n"
    "\n"
    "Exit status: 0 success; 2 invalid usage or input (nothing was changed);\n"
    "1 anything else (busy, damaged database, network or file errors).\n";

int hub_cli_usage(FILE *out, const char *command, int status)
{
    return sae_cli_usage(out, "sae-hub", program_help, helps, HELP_COUNT, command, status);
}

bool hub_cli_wants_help(int argc, char **argv) { return sae_cli_wants_help(argc, argv); }

int hub_cli_exit_status(int code) { return sae_cli_exit_status(code); }

int hub_cli_fail(int code, const char *fmt, ...)
{
    char line[SAE_MESSAGE_BYTES + 64];
    va_list args;
    va_start(args, fmt);
    vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    return sae_cli_fail("sae-hub", code, "%s", line);
}

int hub_cli_options(const char *command, const char *group,
                    const struct sae_cli_option *options, size_t count, int argc, char **argv)
{
    bool help = false;
    int status = sae_cli_options("sae-hub", command, options, count, argc, argv, &help);
    return status == SAE_EXIT_OK && help ? hub_cli_usage(stdout, group, HUB_CLI_DONE) : status;
}

int hub_cli_option_error(const char *command, int opt, char **argv)
{
    return sae_cli_option_error("sae-hub", command, opt, argv);
}

char *hub_cli_path(const struct hub_cli *cli, const char *name)
{
    size_t len = strlen(cli->dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", cli->dir, name);
    return path;
}

int hub_cli_install_pem(const char *from, const char *dir, const char *name)
{
    char *pem = NULL;
    size_t len = 0;
    int rc = tls_pem_read(from, &pem, &len);
    if (rc == 0)
        rc = sae_file_write_private(dir, name, pem, len);
    tls_pem_free(pem, len);
    return rc;
}

int hub_cli_coordinator_key(const struct hub_cli *cli, struct hub_store *store,
                            const char *name, const char *undone, unsigned char **secret)
{
    struct hub_account account;
    char password[PASSWORD_MAX_BYTES + 2], prompt[HUB_ACCOUNT_NAME_BYTES + 32];
    int rc = hub_account_get(store, name, &account);
    if (rc == SAE_ENOTFOUND || (rc == 0 && (account.disabled ||
                                           account.role != HUB_ROLE_COORDINATOR)))
        return hub_cli_fail(SAE_EINVAL, "%.100s is no enabled coordinator: only a coordinator's "
                            "password opens the district key; %s; see: sae-hub users list",
                            name, undone);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read account %.100s: %s", name, sae_error_name(rc));
    snprintf(prompt, sizeof prompt, "password of %.100s: ", name);
    rc = sae_cli_read_line(prompt, isatty(STDIN_FILENO) == 1, password, sizeof password);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(SAE_EINVAL, "no password of %.100s on standard input (type it, or "
                            "give it as one line of standard input); %s", name, undone);
    if (rc == 0)
        rc = district_key_unlock(store, cli->dir, name, password, secret);
    sodium_memzero(password, sizeof password);
    if (rc == SAE_EPERM)
        return hub_cli_fail(SAE_EINVAL, "wrong password for %.100s; %s", name, undone);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(SAE_EINVAL, "%.100s holds no wrap of the district key: a "
                            "coordinator holding it gives it (console, Posts page) or sae-hub "
                            "keys recover %.100s; %s", name, name, undone);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot open the district key as %.100s: %s", name,
                            sae_error_name(rc));
    return SAE_EXIT_OK;
}

/* The district key for this command's reads (hub_cli_open). */
static int lend_key(const struct hub_cli *cli, struct hub_store *store)
{
    unsigned char *secret = NULL;
    int rc = 0;
    if (cli->as) {
        int status = hub_cli_coordinator_key(cli, store, cli->as, "nothing was read", &secret);
        if (status != SAE_EXIT_OK)
            return status;
    } else {
        rc = district_key_unclaimed(cli->dir, &secret);
        if (rc == SAE_ENOTFOUND)
            return SAE_EXIT_OK; /* no key: sensitive values read masked */
        if (rc != 0)
            return hub_cli_fail(rc, "cannot open the district key: %s", sae_error_name(rc));
    }
    value_vault_lend_owned(store, secret);
    return SAE_EXIT_OK;
}

int hub_cli_open(const struct hub_cli *cli, struct hub_store **store)
{
    struct sae_message why = {{0}};
    if (!cli->dir)
        return hub_cli_fail(SAE_EINVAL, "no hub directory: give -d DIR or set SAE_HUB_DIR");
    char *path = hub_cli_path(cli, HUB_DB_FILE);
    if (!path)
        return hub_cli_fail(SAE_ENOMEM, "out of memory");
    int rc = hub_store_open(path, cli->busy_timeout_ms, store, &why);
    free(path);
    if (rc != 0)
        return hub_cli_fail(rc, "%s", why.text);
    /* A hub upgraded to the merge policies recomputes its open conflicts before anything
     * reads them (the daemon opens through here before it serves). */
    rc = merge_refresh(*store, (int64_t)sae_wall_clock_ms());
    if (rc != 0) {
        hub_store_close(*store);
        *store = NULL;
        return hub_cli_fail(rc, "cannot apply the merge policies to the open conflicts of "
                            "%s/%s: %s", cli->dir, HUB_DB_FILE, sae_error_name(rc));
    }
    /* A hub from before migration 10 gets its district key pair here (the daemon too). */
    rc = district_key_ensure(*store, cli->dir);
    if (rc != 0) {
        hub_store_close(*store);
        *store = NULL;
        return hub_cli_fail(rc, "cannot make the district key in %s: %s", cli->dir,
                            sae_error_name(rc));
    }
    /* A hub from before migration 12 seals its plaintext sensitive values now. */
    rc = value_settle(*store);
    if (rc != 0) {
        hub_store_close(*store);
        *store = NULL;
        return hub_cli_fail(rc, "cannot seal the sensitive values of %s/%s: %s", cli->dir,
                            HUB_DB_FILE, sae_error_name(rc));
    }
    int status = lend_key(cli, *store);
    if (status != SAE_EXIT_OK) {
        hub_store_close(*store);
        *store = NULL;
    }
    return status;
}
