/* sae-hub keys, and the district storage key's part in init and users (cli_keys.c). */
#ifndef HUB_CLI_KEYS_H
#define HUB_CLI_KEYS_H

#include "cli/cli.h"
#include "store/hub_accounts.h"

int hub_cli_keys(struct hub_cli *cli, int argc, char **argv);
/* At init, with the pair just made: the recovery key's wrap, and the key printed once. */
int hub_cli_keys_init(struct hub_cli *cli);
/* After name's password was set on the command line: a coordinator gets a wrap from the
 * unclaimed secret while it waits, and is told whether they hold the key. An exit status. */
int hub_cli_keys_grant(struct hub_cli *cli, struct hub_store *store, const char *name,
                       const char *password);

#endif
