/* sae-node backup and restore: the journal, the device's key and the post app's certificate
 * in one file (sae/sae_cli_backup.h does the work both programs share). */
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/node_restore.h"
#include "store/node_store.h"
#include "sae/sae_cli_backup.h"

/* The post app's certificate (cli_serve.c) is carried so that browsers that accepted it
 * keep trusting the restored post. node.key is the device: without it the restored post is
 * a stranger to the hub. */
static const struct sae_backup_file node_files[] = {
    {NODE_KEY_FILE, true},
    {"app-cert.pem", false},
    {"app-key.pem", false},
};

static const struct sae_backup_spec node_spec = {
    SAE_BACKUP_SIDE_NODE, "sae-node", NODE_DB_FILE, node_files,
    sizeof node_files / sizeof node_files[0]};

int cli_backup(struct cli *cli, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "backup", SAE_EXIT_OK);
    int status = cli_refuse_revoked(cli);
    if (status != SAE_EXIT_OK)
        return status;
    return sae_cli_backup(&node_spec, cli->dir, cli->busy_timeout_ms, argc, argv);
}

int cli_restore(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "restore", SAE_EXIT_OK);
    return sae_cli_restore(&node_spec, NODE_SCHEMA_VERSION, node_restore_fixup, NULL, argc,
                           argv);
}
