/* Helpers shared by the command implementations. */
#ifndef CLI_COMMON_H
#define CLI_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "store/node_store.h"
#include "sae/sae_cli_options.h"
#include "sae/sae_id.h"

/* Internal status: help was printed, the command ends here with exit status 0. */
#define CLI_DONE (-1)
static inline int cli_final(int status) { return status == CLI_DONE ? SAE_EXIT_OK : status; }

/* Prints the usage of command (or of the program when command is NULL); returns status. */
int cli_usage(FILE *out, const char *command, int status);
/* The one-line error for an option getopt refused (opt is '?' or ':'; optstrings start
 * with ':' so that a missing value is told apart); returns SAE_EXIT_USAGE. */
int cli_option_error(const char *command, int opt, char **argv);
/* Parses a command's options by its table (sae/sae_cli_options.h): -h or --help prints the
 * command's usage and gives CLI_DONE; a refused option prints its one-line error. An exit
 * status; optind is then the command's first argument. */
int cli_options(const char *command, const struct sae_cli_option *options, size_t count,
                int argc, char **argv);
#define CLI_OPTIONS(command, table, argc, argv) \
    cli_options(command, table, sizeof table / sizeof table[0], argc, argv)
/* True when -h or --help is among the arguments. */
bool cli_wants_help(int argc, char **argv);
/* "case, service, referral". */
const char *cli_kind_names(void);
/* Opens the node directory, printing a one-line error on failure; returns an exit status. */
int cli_open(struct cli *cli, struct node_store **store);
/* For a command that opens the directory its own way (backup): the revoked device's line
 * and SAE_EXIT_REVOKED, else SAE_EXIT_OK (also when the directory does not open: the
 * command then says why). cli_open refuses a revoked device itself. */
int cli_refuse_revoked(struct cli *cli);
/* Prints why (or a plain explanation of rc) and returns the exit status. */
int cli_fail_store(int rc, const struct sae_message *why, const struct cli *cli);
/* Resolves an id or unique prefix, printing the error; returns an exit status. */
int cli_resolve(struct node_store *store, const char *arg, char id[SAE_ID_TEXT_LEN + 1]);

/* --as STAFF: asks STAFF's passphrase (no echo on a terminal, one line on a pipe), opens
 * the post's storage key with it and lends it to store (node_store_lend_secret), so that
 * sensitive values open instead of being masked. *secret is freed by cli_return_key. NULL
 * name: nothing asked, SAE_EXIT_OK. An exit status (2: no passphrase, or it does not open
 * the key; nothing is read then). */
int cli_lend_key(struct node_store *store, const char *name, unsigned char **secret);
/* Takes the key back from store and wipes it. NULL allowed. */
void cli_return_key(struct node_store *store, unsigned char *secret);

/* A log line of the daemons (run, serve) on stderr: "TIME sae-node: LINE". */
void cli_log_line(void *context, const char *line);

#endif
