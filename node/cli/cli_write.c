/* Commands that write: init, add, edit, delete. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/change_input.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/journal.h"
#include "store/report_read.h"

int cli_init(struct cli *cli, int argc, char **argv)
{
    const char *village = NULL;
    const struct sae_cli_option options[] = {SAE_CLI_OPT_TEXT("village", 'v', &village)};
    int status = CLI_OPTIONS("init", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (!village || optind != argc)
        return cli_fail(SAE_EINVAL, "init needs --village NAME and nothing else; see: sae-node "
                        "init --help");
    if (!cli->dir)
        return cli_fail(SAE_EINVAL, "no node directory: give -d DIR or set SAE_NODE_DIR");
    struct sae_message why = {{0}};
    int rc = node_store_create(cli->dir, village, &why);
    if (rc != 0)
        return cli_fail(rc, "%s", why.text);
    printf("initialised %s for village %s\n", cli->dir, village);
    printf("next, add the post's head, whose passphrase will guard survivors' data: sae-node "
           "users add NAME --role head\n");
    return SAE_EXIT_OK;
}

/* Parses --set, --set-file, --add, --remove and (for edit) --unset into input. */
static int parse_changes(int argc, char **argv, const char *command, bool allow_unset,
                         struct node_store *store, struct change_input *input)
{
    static const struct option options[] = {{"set", required_argument, NULL, 's'},
                                            {"set-file", required_argument, NULL, 'f'},
                                            {"unset", required_argument, NULL, 'u'},
                                            {"add", required_argument, NULL, 'a'},
                                            {"remove", required_argument, NULL, 'r'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    struct sae_message why = {{0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+:hs:f:u:a:r:", options, NULL)) != -1) {
        enum change_op op = opt == 's' ? CHANGE_SET : opt == 'f' ? CHANGE_SET_FILE
                          : opt == 'a' ? CHANGE_ADD : opt == 'r' ? CHANGE_REMOVE : CHANGE_UNSET;
        if (opt == '?' || opt == ':' || opt == 'h')
            return cli_option_error(command, opt, argv);
        if ((opt == 'u' || opt == 'r') && !allow_unset)
            return cli_fail(SAE_EINVAL, "--%s is only for edit; on %s leave the value out",
                            opt == 'u' ? "unset" : "remove", command);
        int rc = change_input_add(input, store, op, optarg, &why);
        if (rc != 0)
            return cli_fail(rc, "%s", why.text);
    }
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "unexpected argument \"%.40s\"; see: sae-node %s --help",
                        argv[optind], command);
    if (input->count == 0)
        return cli_fail(SAE_EINVAL, "nothing to change: give --set FIELD=VALUE%s",
                        allow_unset ? ", --unset FIELD, --add SET=CODE or --remove SET=CODE" : "");
    return SAE_EXIT_OK;
}

int cli_add(struct cli *cli, int argc, char **argv)
{
    const struct sae_kind *kind = NULL;
    struct node_store *store = NULL;
    struct change_input input;
    struct sae_message why = {{0}};
    char id[SAE_ID_TEXT_LEN + 1];
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "add", SAE_EXIT_OK);
    if (argc < 2 || argv[1][0] == '-')
        return cli_fail(SAE_EINVAL, "add needs a kind: sae-node add KIND --set FIELD=VALUE ... "
                        "(kinds: %s)", cli_kind_names());
    if (sae_catalogue_find_kind(argv[1], &kind) != 0)
        return cli_fail(SAE_EINVAL, "unknown kind \"%.40s\" (jenis laporan tidak dikenal); kinds: "
                        "%s", argv[1], cli_kind_names());
    int status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    change_input_init(&input, kind);
    status = parse_changes(argc - 1, argv + 1, "add", false, store, &input);
    if (status == SAE_EXIT_OK) {
        int rc = change_input_complete(&input, &why);
        if (rc == 0)
            rc = journal_add(store, kind, input.changes, input.count, id, &why);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, &why, cli);
    }
    /* The id leaves as soon as the report is durable, not when a piped stdout is flushed at
     * exit: a caller may act on it while the journal closes (test_crash kills it then). */
    if (status == SAE_EXIT_OK) {
        printf("%s\n", id);
        fflush(stdout);
    }
    change_input_free(&input);
    node_store_close(store);
    return status;
}

/* Resolves the ID argument of edit, delete, show and history. */
int cli_resolve(struct node_store *store, const char *arg, char id[SAE_ID_TEXT_LEN + 1])
{
    struct sae_message why = {{0}};
    int rc = report_resolve_id(store, arg, id, &why);
    return rc == 0 ? SAE_EXIT_OK : cli_fail(rc, "%s", why.text);
}

int cli_edit(struct cli *cli, int argc, char **argv)
{
    struct node_store *store = NULL;
    struct report *report = NULL;
    struct change_input input;
    struct sae_message why = {{0}};
    char id[SAE_ID_TEXT_LEN + 1];
    size_t applied = 0;
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "edit", SAE_EXIT_OK);
    if (argc < 2 || argv[1][0] == '-')
        return cli_fail(SAE_EINVAL, "edit needs a report id: sae-node edit ID --set FIELD=VALUE");
    int status = cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = cli_resolve(store, argv[1], id);
    if (status == SAE_EXIT_OK) {
        int rc = report_load(store, id, &report);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, &why, cli);
    }
    if (status == SAE_EXIT_OK) {
        change_input_init(&input, report->kind);
        status = parse_changes(argc - 1, argv + 1, "edit", true, store, &input);
        if (status == SAE_EXIT_OK) {
            int rc = journal_edit(store, id, input.changes, input.count, &applied, &why);
            status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, &why, cli);
        }
        change_input_free(&input);
    }
    if (status == SAE_EXIT_OK && applied > 0)
        printf("saved %zu change(s) to %s\n", applied, id);
    else if (status == SAE_EXIT_OK)
        printf("no change: %s already has these values\n", id);
    report_free(report);
    node_store_close(store);
    return status;
}

int cli_delete(struct cli *cli, int argc, char **argv)
{
    struct node_store *store = NULL;
    struct sae_message why = {{0}};
    char id[SAE_ID_TEXT_LEN + 1];
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "delete", SAE_EXIT_OK);
    if (argc != 2 || argv[1][0] == '-')
        return cli_fail(SAE_EINVAL, "delete takes one report id: sae-node delete ID");
    int status = cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = cli_resolve(store, argv[1], id);
    if (status == SAE_EXIT_OK) {
        int rc = journal_delete(store, id, &why);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, &why, cli);
    }
    if (status == SAE_EXIT_OK)
        printf("deleted %s (its history is kept)\n", id);
    node_store_close(store);
    return status;
}
