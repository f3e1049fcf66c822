/* sae-hub keys, and the district storage key's part in init and users (cli_keys.c). */
#ifndef HUB_CLI_KEYS_H
#define HUB_CLI_KEYS_H

#include "app/password.h"
#include "cli/cli.h"
#include "sae/sae_keywrap.h"
#include "store/hub_accounts.h"

int hub_cli_keys(struct hub_cli *cli, int argc, char **argv);
/* At init, with the pair just made: the recovery key's wrap, and the key printed once. */
int hub_cli_keys_init(struct hub_cli *cli);
/* A new password's hash set on the command line: for a coordinator, a verifier and, while
 * the district key waits unclaimed, the wrap paired with it, from one Argon2id
 * (proto/STORAGE_KEYS.md section 2a; *wrapped says whether one was made); for other roles an
 * Argon2id hash. An exit status. */
int hub_cli_keys_passkey(struct hub_store *store, const char *dir, bool coordinator,
                         const char *password, char hash[PASSWORD_HASH_BYTES],
                         unsigned char wrap[SAE_KEYWRAP_BYTES], bool *wrapped);
/* After a coordinator's password was set with hub_cli_keys_passkey's hash (and wrap, when
 * wrapped): the unclaimed secret may retire, and they are told whether they hold the key.
 * Nothing for other roles. An exit status. */
int hub_cli_keys_granted(struct hub_cli *cli, struct hub_store *store, const char *name,
                         bool coordinator, bool wrapped);

#endif
