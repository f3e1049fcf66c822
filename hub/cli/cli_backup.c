/* sae-hub backup and restore: hub.db, the hub's keys and certificate in one file
 * (sae/sae_cli_backup.h does the work both programs share). */
#include "cli/cli.h"
#include "store/district_key.h"
#include "store/dup_name.h"
#include "store/hub_restore.h"
#include "store/hub_store.h"
#include "store/value_vault.h"
#include "sae/sae_cli_backup.h"

/* hub.key is the hub posts know (their bundles carry its public half); the TLS key is the
 * one they pin. Without them the restored hub would be a stranger to every post. */
static const struct sae_backup_file hub_files[] = {
    {HUB_KEY_FILE, true},
    {HUB_CERT_FILE, true},
    {HUB_TLS_KEY_FILE, true},
    {HUB_TLS_BACKUP_KEY_FILE, false},
    {DUP_KEY_FILE, false},
    /* The key of the tokens change.value holds for sensitive values: without it a restored
     * hub would never find a new value equal to an old one (every equal edit a conflict). */
    {VALUE_KEY_FILE, false},
    /* The district key's secret while no coordinator holds it yet: else a hub restored from
     * then would hold a public key only the recovery key opens. */
    {DISTRICT_KEY_UNCLAIMED_FILE, false},
};

static const struct sae_backup_spec hub_spec = {
    SAE_BACKUP_SIDE_HUB, "sae-hub", HUB_DB_FILE, hub_files,
    sizeof hub_files / sizeof hub_files[0]};

int hub_cli_backup(struct hub_cli *cli, int argc, char **argv)
{
    if (hub_cli_wants_help(argc, argv))
        return hub_cli_usage(stdout, "backup", HUB_CLI_DONE);
    return sae_cli_backup(&hub_spec, cli->dir, cli->busy_timeout_ms, argc, argv);
}

int hub_cli_restore(struct hub_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (hub_cli_wants_help(argc, argv))
        return hub_cli_usage(stdout, "restore", HUB_CLI_DONE);
    return sae_cli_restore(&hub_spec, HUB_SCHEMA_VERSION, hub_restore_fixup, NULL, argc, argv);
}
