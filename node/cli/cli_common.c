#include "cli/cli_common.h"
#include "store/node_wipe.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include <sodium.h>
#include <unistd.h>

#include "app/password.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_cli.h"
#include "sae/sae_secure_mem.h"
#include "store/storage_key.h"

static const struct sae_cli_help helps[] = {
    {"init", "init --village VILLAGE",
     "Creates the node directory (mode 0700) with a new device key (node.key, 0600) and an\n"
     "empty journal (node.db, 0600) for the village. Refuses a directory that has a journal.\n"
     "  --village VILLAGE  the desa/kelurahan of this post in the official list of areas\n"
     "                     (Kabupaten Probolinggo, built in): its code (35.13.12.2018) or its\n"
     "                     name, without regard to case or spaces (\"sumberanyar\"); a name\n"
     "                     several kecamatan share takes its kecamatan after a comma\n"
     "                     (\"Karanganyar, Paiton\"). Anything else is refused with the\n"
     "                     nearest names.\n"},
    {"config", "config [--json] | config author NAME | config village VILLAGE",
     "Shows this post's settings (who changes are by, village, device name), or sets one:\n"
     "  author NAME      who this computer's changes are by unless --by NAME says otherwise\n"
     "                   (1 to 100 bytes, one line). Every change names a person: without\n"
     "                   an author, add, edit and delete are refused.\n"
     "  village VILLAGE  only for a journal from before the list of areas whose village\n"
     "                   name matched no village (status flags it): its code or name.\n"},
    {"add", "add KIND --set FIELD=VALUE [--set FIELD=VALUE ...] [--set-file FIELD=PATH] "
            "[--add SET=CODE]",
     "Records a new report and prints its id. Kinds and fields: sae-node fields (kinds also\n"
     "as kasus, layanan, rujukan, rumah aman).\n"
     "  --set FIELD=VALUE      a field value: an enum code, label or common form (perempuan,\n"
     "                         seksual), a number, a date YYYY-MM-DD, DD-MM-YYYY or\n"
     "                         DD/MM/YYYY, ya/tidak, text, a set as CODE,CODE, an area by\n"
     "                         code or name, or a report's id, 6+ first characters of it\n"
     "                         or a case's registration number\n"
     "  --set-file FIELD=PATH  take the value from a file; \"-\": standard input, which on\n"
     "                         a terminal is one line typed without echo (one \"-\" per\n"
     "                         command). The only way for a sensitive field (sae-node\n"
     "                         fields marks them: names, contacts, narratives, notes):\n"
     "                         --set refuses them (exit status 2, nothing written), as\n"
     "                         arguments show in ps and the shell's history\n"
     "  --add SET=CODE[,CODE]  elements of a set field\n"
     "Every required field must be given; fields with a default get it when omitted. Rules\n"
     "across fields are checked (dates in order, a closed case's reason, the referral's\n"
     "flow); a case gets its registration number (VILLAGE-YEAR-NNNN).\n"},
    {"edit", "edit ID [--set FIELD=VALUE ...] [--set-file FIELD=PATH ...] [--unset FIELD ...] "
             "[--add SET=CODE ...] [--remove SET=CODE ...]",
     "Changes fields of a report (ID: an id, 6+ first characters, or a registration number).\n"
     "Each change is a new journal entry; nothing is overwritten. Values equal to the\n"
     "current ones (as show shows them) are skipped; a set writes only the elements that\n"
     "change. Service events are append-only.\n"
     "  --unset FIELD          clear an optional field\n"
     "  --add SET=CODE[,CODE]  add elements to a set; --remove takes them out\n"},
    {"delete", "delete ID",
     "Marks a report deleted (a tombstone in the journal; its history is kept).\n"},
    {"show", "show ID [--json] [--as STAFF]",
     "Prints one report with every field. Sensitive ones are kept sealed and print as\n"
     "\"\u2022\u2022\u2022\u2022 (masuk untuk melihat / sign in to see)\" (--json: null, the field named in\n"
     "masked) unless --as STAFF gives that staff member's passphrase (asked without echo,\n"
     "or one line of standard input), or the post's key is still unclaimed. While two posts'\n"
     "changes of a field wait for a coordinator, the field shows the value the district\n"
     "keeps meanwhile, marked \"under review by the district (ditinjau kabupaten)\";\n"
     "--json lists such fields in under_review. A case the district reviewed and found\n"
     "issues with shows ADA MASALAH / ISSUES with the district's note and who wrote it\n"
     "(--json: issues {note, reviewer}, else null) until a later review clears it.\n"},
    {"list", "list [--kind KIND] [--deleted] [--json] [--as STAFF]",
     "Prints the reports in the order they were recorded, one line each. Lines never show\n"
     "sensitive fields; use show for those. A case the district found issues with ends\n"
     "with [ada masalah / has issues].\n"
     "  --kind KIND   only reports of this kind\n"
     "  --deleted     include deleted reports\n"},
    {"history", "history ID [--json] [--as STAFF]",
     "Prints every journal change of a report, oldest first: who made it, on which device\n"
     "and when (\"Siti, Laptop Pos Sumberanyar, 3 Dec 14:05\"), the field and value, a\n"
     "coordinator's note, and its version and the version it was based on. Sensitive\n"
     "values are masked as in show unless --as STAFF (--json: value null, masked true).\n"},
    {"fields", "fields [KIND] [--json]",
     "Prints the catalogue: kinds, fields, types, allowed values with Indonesian and\n"
     "English labels. Works without an initialised directory.\n"},
    {"check", "check",
     "Verifies the database file, that the current state equals a replay of the journal,\n"
     "and that every stored value is valid. Exit status 0 when all is well, 1 otherwise.\n"},
    {"status", "status [--json]",
     "Prints the village, device id, report counts, changes pending for the hub, the last\n"
     "synchronisation and its error, the clock offset, and changes the hub set aside\n"
     "(the 100 newest, each with its reason in plain words).\n"},
    {"enroll", "enroll BUNDLE",
     "Saves the enrollment bundle the district made for this post (sae-hub nodes add).\n"
     "Works offline: the enrollment completes on the next sync. An enrolled post may\n"
     "enroll again with a new bundle of the same hub (when sync says the hub's key is not\n"
     "one this post trusts): it asks the hub at once and syncs; a bundle the hub refuses\n"
     "(a revoked device) changes nothing (exit status 2); with the hub out of reach the\n"
     "bundle is kept and enrolls on the next sync. A bundle of another hub or another\n"
     "village is refused.\n"},
    {"sync", "sync [--json] [--as STAFF]",
     "One round with the district hub: receives what changed for this village (other\n"
     "devices' reports, district corrections, conflict resolutions), then sends every\n"
     "pending change, in batches of up to 1000 each acknowledged before it counts as sent,\n"
     "and when it sent any, receives once more what the hub made of them (a field it now\n"
     "reviews). No passphrase is needed, except for a sensitive change whose copy for the\n"
     "hub must be made again from its sealed value (written before the bundle, or asked\n"
     "for again by a hub restored from a backup): it and the changes after it wait until\n"
     "--as STAFF gives a staff member's passphrase (or the key is still unclaimed).\n"
     "When this computer's date is more than 10 minutes off the hub's, new changes are\n"
     "dated by the hub's time and those written under the wrong date are re-dated before\n"
     "they are sent. The hub is trusted by its TLS key pins alone (from the bundle, then as\n"
     "the hub announces them), never by its certificate's dates or names.\n"
     "Exit status 0 when everything is sent and received; 1 otherwise, with\n"
     "one line saying why (no connection: the changes wait and are sent later); 3 when\n"
     "the hub's sealed notice says the district revoked this device: survivors' data on\n"
     "it is wiped first (README, \"When the district revokes a device\"). On a\n"
     "terminal, a round longer than one batch shows its progress (changes sent of total,\n"
     "bytes, rate). SAE_STALL_TIMEOUT_S: how long a stalled link is tolerated.\n"},
    {"run", "run [--interval SEC]",
     "Keeps the post in sync: a round every SEC seconds (default 300, 1 to 86400), and\n"
     "about 5 s after a local change when the hub was reachable. After a failure it waits\n"
     "5 s, 10 s, 20 s... up to 30 minutes (each with random jitter, never less than the\n"
     "hub's Retry-After). One log line per round on stderr. SIGTERM or SIGINT end it once\n"
     "the round in progress has finished.\n"},
    {"serve", "serve [--listen [http://|https://]ADDRESS:PORT] [--interval SEC] "
              "[--idle-timeout SEC] [--header-timeout SEC]",
     "Serves the post app, the post's own web application in Indonesian (English on a\n"
     "switch), to the staff's browsers, and keeps the post in sync meanwhile (the rounds\n"
     "of run, with the same backoff and log lines, once the post is enrolled; until then\n"
     "it waits for a bundle, which the app can upload).\n"
     "  --listen ADDRESS:PORT  where to serve (default 127.0.0.1:8080: plain HTTP for a\n"
     "                         browser on this computer). Any other address (the post's\n"
     "                         Wi-Fi, e.g. 192.168.1.10:8443, or 0.0.0.0:8443) is served\n"
     "                         over HTTPS only, with a self-signed certificate made on\n"
     "                         first use (app-cert.pem, app-key.pem in the node directory);\n"
     "                         its SHA-256 fingerprint is printed so staff can compare it\n"
     "                         with what their browser shows. https://ADDRESS:PORT asks\n"
     "                         for HTTPS on loopback too; http:// on any address but\n"
     "                         loopback is refused.\n"
     "  --interval SEC         seconds between sync rounds (default 300, 1 to 86400)\n"
     "  --idle-timeout SEC     close a browser's connection idle this long (default 60,\n"
     "                         1 to 300)\n"
     "  --header-timeout SEC   a connection's TLS handshake and request headers within this\n"
     "                         long once 224 of the app's 256 connections are open\n"
     "                         (default 20, 1 to 300)\n"
     "Prints \"post app: URL\" once it listens. Staff sign in with their name and passphrase\n"
     "(sae-node users add). SIGTERM or SIGINT stop it after the requests and the sync\n"
     "round in progress.\n"},
    {"users", "users add NAME [--role head|staff] [--one-time] [--head HEAD] | users reset "
              "NAME [--one-time] [--head HEAD] | users remove NAME | users list",
     "The staff who may sign in to the post app.\n"
     "  add NAME      a staff member (NAME: 1 to 100 bytes, one line; it is the author of\n"
     "                their changes). The passphrase (12 to 256 bytes) is asked twice on\n"
     "                the terminal, or read as one line of standard input.\n"
     "  --role ROLE   head (may add staff and reset passphrases in the app) or staff\n"
     "                (default)\n"
     "  --one-time    make a random one-time passphrase and print it instead of asking\n"
     "  reset NAME    a new passphrase for NAME (asked, or --one-time); NAME's sessions end\n"
     "  --head HEAD   the post's head whose passphrase (asked first; the first line of\n"
     "                standard input) opens the post's storage key, so the new passphrase\n"
     "                opens it too. Until a head holds the key, add and reset give it\n"
     "                without; once one does, without --head the staff member is added or\n"
     "                reset without the key (a head can give it in the app)\n"
     "  remove NAME   NAME can no longer sign in: their sessions end and their wrap of the\n"
     "                storage key is deleted (refused for the last one holding it)\n"
     "  list          every staff member with role\n"},
    {"backup", "backup FILE",
     "Writes a backup of this post to FILE while it may sync or serve its app: a consistent\n"
     "snapshot of the journal (SQLite's VACUUM INTO), deflated, with the device's key\n"
     "(node.key) and the app's certificate sealed under a backup passphrase (12 to 256\n"
     "bytes; asked twice on a terminal, else one line of standard input). FILE is 0600 and\n"
     "replaced whole: a crash leaves the old FILE or the new one. Until sensitive values\n"
     "are sealed in the journal, the backup holds them as the journal does: keep it as\n"
     "you keep this computer.\n"},
    {"restore", "restore FILE DIR",
     "Restores a backup of a post into DIR, which must not exist or be empty. The file is\n"
     "checked whole (format, program, schema, checksum) before the passphrase is asked\n"
     "for, and the journal with PRAGMA integrity_check before it is put in place; any\n"
     "refusal leaves nothing behind (exit 2). The restored post numbers its new changes\n"
     "past any it may have sent after the backup and sends again, at its next sync, what\n"
     "it had not sent when the backup was made. Changes it sent after the backup stay at\n"
     "the hub.\n"},
};

#define HELP_COUNT (sizeof helps / sizeof helps[0])

static const char program_help[] =
    "Usage: sae-node [-d DIR] [--by NAME] COMMAND [OPTIONS]\n"
    "Rumah SAE post journal: records reports of violence against women and children,\n"
    "fully offline, in a local SQLite journal that never loses a saved report.\n"
    "\n"
    "Commands:\n"
    "%s"
    "\n"
    "Options:\n"
    "  -d, --dir DIR   node directory (default: $SAE_NODE_DIR, else\n"
    "                  $XDG_DATA_HOME/sae-node, else ~/.local/share/sae-node)\n"
    "  --by NAME       who this command's changes are by (default: sae-node config author)\n"
    "  -h, --help      this help; COMMAND --help for one command\n"
    "  --version       print the version\n"
    "\n"
    "Environment:\n"
    "  SAE_NODE_DIR           default node directory\n"
    "  SAE_BUSY_TIMEOUT_MS    how long to wait for another sae-node using the journal\n"
    "                         (default 10000, 0 to 600000)\n"
    "  SAE_STALL_TIMEOUT_S    sync gives up on a link that moved under 100 bytes/s for\n"
    "                         this long (default 60, 1 to 600)\n"
    "\n"
    "Report ids are UUIDs; any unique prefix of 6 or more characters is accepted.\n"
    "enroll, sync, run and serve run in sae-node-net, which is installed beside sae-node.\n"
    "Exit status: 0 success; 2 invalid usage or input (nothing was changed);\n"
    "3 this device was revoked by the district and survivors' data on it was wiped\n"
    "(every command then refuses); 1 anything else (busy, damaged journal, file errors,\n"
    "sae-node-net missing, sync could not finish).\n";

int cli_usage(FILE *out, const char *command, int status)
{
    return sae_cli_usage(out, "sae-node", program_help, helps, HELP_COUNT, command, status);
}

int cli_options(const char *command, const struct sae_cli_option *options, size_t count,
                int argc, char **argv)
{
    bool help = false;
    int status = sae_cli_options("sae-node", command, options, count, argc, argv, &help);
    return status == SAE_EXIT_OK && help ? cli_usage(stdout, command, CLI_DONE) : status;
}

int cli_option_error(const char *command, int opt, char **argv)
{
    return sae_cli_option_error("sae-node", command, opt, argv);
}

bool cli_wants_help(int argc, char **argv) { return sae_cli_wants_help(argc, argv); }

const char *cli_kind_names(void)
{
    static char names[256];
    if (names[0] == '\0') {
        size_t used = 0;
        for (size_t i = 0; i < sae_catalogue_kind_count() && used < sizeof names; i++) {
            int n = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                             sae_catalogue_kind_at(i)->name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return names;
}

int cli_exit_status(int code) { return sae_cli_exit_status(code); }

int cli_fail(int code, const char *fmt, ...)
{
    char line[SAE_MESSAGE_BYTES + 64];
    va_list args;
    va_start(args, fmt);
    vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    return sae_cli_fail("sae-node", code, "%s", line);
}

/* A device the district revoked serves no command again: the wipe a crash left pending is
 * completed first, then the one line (exit SAE_EXIT_REVOKED). 0 when not revoked. */
static int refuse_revoked(struct node_store *store)
{
    struct node_wipe_state state;
    struct sae_message why = {{0}};
    int rc = node_wipe_state(store, &state);
    if (rc == 0 && !state.revoked)
        return 0;
    if (rc == 0)
        rc = node_wipe_resume(store);
    if (rc == 0)
        rc = node_wipe_state(store, &state);
    if (rc == 0)
        node_wipe_explain(&state, &why);
    else
        sae_message_set(&why, "this device was revoked by the district; the wipe of survivors' "
                        "data on it failed (%s) and runs again at the next command",
                        sae_error_name(rc));
    return cli_fail(SAE_EREVOKED, "%s", why.text);
}

int cli_refuse_revoked(struct cli *cli)
{
    struct node_store *store = NULL;
    if (!cli->dir || node_store_open(cli->dir, cli->busy_timeout_ms, &store, NULL) != 0)
        return SAE_EXIT_OK; /* the command says what is wrong with the directory */
    int status = refuse_revoked(store);
    node_store_close(store);
    return status;
}

int cli_open(struct cli *cli, struct node_store **store)
{
    struct sae_message why = {{0}};
    if (!cli->dir)
        return cli_fail(SAE_EINVAL, "no node directory: give -d DIR or set SAE_NODE_DIR");
    int rc = node_store_open(cli->dir, cli->busy_timeout_ms, store, &why);
    if (rc != 0)
        return cli_fail(rc, "%s", why.text);
    rc = refuse_revoked(*store);
    if (rc != 0) {
        node_store_close(*store);
        *store = NULL;
        return rc;
    }
    /* A command reads with the unclaimed key while no head holds it (storage_key.h). */
    rc = storage_key_lend_unclaimed(*store);
    if (rc != 0) {
        node_store_close(*store);
        *store = NULL;
        return cli_fail(rc, "cannot read the post's unclaimed storage key: %s",
                        sae_error_name(rc));
    }
    /* --by stands for this command only; main checked it. */
    rc = cli->by ? node_store_set_author(*store, cli->by) : 0;
    if (rc != 0) {
        node_store_close(*store);
        *store = NULL;
        return cli_fail(rc, "cannot take --by: %s", sae_error_name(rc));
    }
    return SAE_EXIT_OK;
}

int cli_fail_store(int rc, const struct sae_message *why, const struct cli *cli)
{
    if (why && why->text[0])
        return cli_fail(rc, "%s", why->text);
    switch (rc) {
    case SAE_EBUSY:
        return cli_fail(rc, "the journal in %s is in use by another sae-node process (a sync?); "
                        "try again when it has finished", cli->dir);
    case SAE_ECORRUPT:
        return cli_fail(rc, "the journal in %s is damaged; run sae-node check, keep a copy of "
                        "the directory and restore it from a backup", cli->dir);
    case SAE_ENOTFOUND:
        return cli_fail(rc, "no such report; list them with: sae-node list");
    default:
        return cli_fail(rc, "the journal in %s could not be used: %s", cli->dir,
                        sae_error_name(rc));
    }
}

#define KEY_LINE_BYTES (PASSWORD_MAX_BYTES + 2)

int cli_lend_key(struct node_store *store, const char *name, unsigned char **secret)
{
    char typed[KEY_LINE_BYTES], prompt[KEY_LINE_BYTES + 64];
    *secret = NULL;
    if (!name)
        return SAE_EXIT_OK;
    snprintf(prompt, sizeof prompt, "Frasa sandi %.80s / %.80s's passphrase: ", name, name);
    if (sae_cli_read_line(prompt, isatty(STDIN_FILENO) == 1, typed, sizeof typed) != 0)
        return cli_fail(SAE_EINVAL, "--as %s: no passphrase on standard input; type it or pipe "
                        "one line", name);
    int rc = typed[0] ? storage_key_unlock(store, name, typed, secret) : SAE_EPERM;
    sodium_memzero(typed, sizeof typed);
    if (rc == SAE_EPERM || rc == SAE_ENOTFOUND)
        return cli_fail(SAE_EINVAL, "--as %s: no staff member of that name whose passphrase "
                        "opens the post's key; check the name (sae-node users list) and the "
                        "passphrase", name);
    if (rc != 0)
        return cli_fail(rc, "cannot open the post's storage key: %s", sae_error_name(rc));
    node_store_lend_secret(store, *secret);
    return SAE_EXIT_OK;
}

void cli_return_key(struct node_store *store, unsigned char *secret)
{
    if (store)
        node_store_lend_secret(store, store->unclaimed_secret);
    sae_secure_free(secret);
}
