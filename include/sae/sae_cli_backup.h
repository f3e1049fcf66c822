/* The backup and restore commands, the same in sae-node and sae-hub: arguments, the backup
 * passphrase (asked twice, without echo, on a terminal; one line of standard input
 * otherwise), the one-line errors and what is printed. For the programs' command layers. */
#ifndef SAE_CLI_BACKUP_H
#define SAE_CLI_BACKUP_H

#include "sae_backup_restore.h"

/* argv: "backup" FILE. dir: the program's directory (NULL: none given). An exit status. */
int sae_cli_backup(const struct sae_backup_spec *spec, const char *dir, int busy_timeout_ms,
                   int argc, char **argv);
/* argv: "restore" FILE DIR. max_schema: the newest schema the program reads. */
int sae_cli_restore(const struct sae_backup_spec *spec, int64_t max_schema,
                    sae_backup_fixup fixup, void *context, int argc, char **argv);

#endif
