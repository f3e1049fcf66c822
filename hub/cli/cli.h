/* The sae-hub command line: one function per command group. Each returns the process exit
 * status; results go to stdout, one-line errors to stderr. Exit statuses are those of
 * sae-node: 0 success, 2 invalid usage or input (nothing changed), 1 anything else. */
#ifndef HUB_CLI_H
#define HUB_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "sae/sae_cli.h"
#include "sae/sae_cli_options.h"
#include "store/hub_store.h"


/* Internal: help was printed, the command ends with status 0. */
#define HUB_CLI_DONE (-1)

struct hub_cli {
    const char *dir;     /* the hub directory */
    int busy_timeout_ms; /* how long to wait for the daemon's write transactions */
    const char *as;      /* --as NAME of a reading command: the coordinator whose password
                            (asked at open) opens sensitive values; NULL: masked */
};

/* Commands, one file each: cli_daemon.c (init), cli_serve.c (serve), cli_nodes.c, cli_reports.c,
 * cli_conflicts.c, cli_export.c, cli_tls.c, cli_villages.c, cli_users.c. */
int hub_cli_init(struct hub_cli *cli, int argc, char **argv);
int hub_cli_serve(struct hub_cli *cli, int argc, char **argv);
int hub_cli_nodes(struct hub_cli *cli, int argc, char **argv);
/* nodes grant ID --as COORDINATOR (cli_grant.c): store open; the password is asked. */
/* *secret: the district key opened by coordinator name's password (asked, or one line of
 * standard input), or the command stops with its one-line error (exit status returned). */
int hub_cli_district_secret(struct hub_cli *cli, struct hub_store *store, const char *name,
                            unsigned char **secret);
int hub_cli_nodes_grant(struct hub_cli *cli, struct hub_store *store, const char *id,
                        const char *as);
int hub_cli_reports(struct hub_cli *cli, int argc, char **argv);
int hub_cli_conflicts(struct hub_cli *cli, int argc, char **argv);
int hub_cli_export(struct hub_cli *cli, int argc, char **argv);
int hub_cli_stats(struct hub_cli *cli, int argc, char **argv);
int hub_cli_tls(struct hub_cli *cli, int argc, char **argv);
int hub_cli_villages(struct hub_cli *cli, int argc, char **argv);
int hub_cli_users(struct hub_cli *cli, int argc, char **argv);
/* cli_stats.c (stats), cli_months.c, cli_duplicates.c, cli_referrals.c. */
int hub_cli_months(struct hub_cli *cli, int argc, char **argv);
int hub_cli_duplicates(struct hub_cli *cli, int argc, char **argv);
int hub_cli_referrals(struct hub_cli *cli, int argc, char **argv);
/* cli_sensitive.c: reports erase, reports index. */
int hub_cli_reports_erase(struct hub_cli *cli, int argc, char **argv);
int hub_cli_reports_index(struct hub_cli *cli, int argc, char **argv);
/* cli_backup.c. */
int hub_cli_backup(struct hub_cli *cli, int argc, char **argv);
int hub_cli_restore(struct hub_cli *cli, int argc, char **argv);

/* Shared helpers (cli_common.c). */
int hub_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hub_cli_exit_status(int code);
/* Parses a command's options by its table (sae/sae_cli_options.h): -h or --help prints the
 * usage of group ("conflicts", ...) and gives HUB_CLI_DONE; a refused option prints its
 * one-line error. An exit status; optind is then the command's first argument. */
int hub_cli_options(const char *command, const char *group,
                    const struct sae_cli_option *options, size_t count, int argc, char **argv);
#define HUB_CLI_OPTIONS(command, group, table, argc, argv) \
    hub_cli_options(command, group, table, sizeof table / sizeof table[0], argc, argv)
/* The one-line error for an option getopt refused ('?' or ':'; optstrings start with ':'). */
int hub_cli_option_error(const char *command, int opt, char **argv);
/* Prints the usage of command ("reports list", ...; NULL: the program); returns status. */
int hub_cli_usage(FILE *out, const char *command, int status);
bool hub_cli_wants_help(int argc, char **argv);
/* DIR/name, malloc'd. */
char *hub_cli_path(const struct hub_cli *cli, const char *name);
/* Copies a PEM file into dir/name (0600), replacing it atomically: after a power cut the
 * file is the old one or the new one. An SAE code. */
int hub_cli_install_pem(const char *from, const char *dir, const char *name);
/* Opens DIR/hub.db, printing a one-line error on failure; returns an exit status. With
 * cli->as, asks that coordinator's password and lends the district key it opens to the
 * store (store/value_vault.h) for the command; without, lends the unclaimed key while it
 * waits (a hub without coordinators yet), else reads give sensitive values masked. */
int hub_cli_open(const struct hub_cli *cli, struct hub_store **store);
static inline int hub_cli_final(int status) { return status == HUB_CLI_DONE ? SAE_EXIT_OK : status; }

#endif
