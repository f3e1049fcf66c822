/* Helpers shared by the command implementations. */
#ifndef CLI_COMMON_H
#define CLI_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "store/node_store.h"
#include "sae/sae_id.h"

/* Internal status: help was printed, the command ends here with exit status 0. */
#define CLI_DONE (-1)
static inline int cli_final(int status) { return status == CLI_DONE ? SAE_EXIT_OK : status; }

/* Prints the usage of command (or of the program when command is NULL); returns status. */
int cli_usage(FILE *out, const char *command, int status);
/* The one-line error for an option getopt refused (opt is '?' or ':'; optstrings start
 * with ':' so that a missing value is told apart); returns SAE_EXIT_USAGE. */
int cli_option_error(const char *command, int opt, char **argv);
/* True when -h or --help is among the arguments. */
bool cli_wants_help(int argc, char **argv);
/* "case, service, referral". */
const char *cli_kind_names(void);
/* Opens the node directory, printing a one-line error on failure; returns an exit status. */
int cli_open(struct cli *cli, struct node_store **store);
/* Prints why (or a plain explanation of rc) and returns the exit status. */
int cli_fail_store(int rc, const struct sae_message *why, const struct cli *cli);
/* Resolves an id or unique prefix, printing the error; returns an exit status. */
int cli_resolve(struct node_store *store, const char *arg, char id[SAE_ID_TEXT_LEN + 1]);

/* A log line of the daemons (run, serve) on stderr: "TIME sae-node: LINE". */
void cli_log_line(void *context, const char *line);
/* --interval of run and serve: 1..SYNC_LOOP_INTERVAL_MAX_S seconds, else the one-line
 * error's exit status. */
int cli_parse_interval(const char *command, const char *text, unsigned *out);

#endif
