/* The sae-node command line: one function per command. Each returns the process exit
 * status; they print results on stdout and one-line errors on stderr. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>

#include "sae/sae_cli.h" /* the exit statuses, SAE_EXIT_*, documented in --help and README */

struct cli {
    const char *dir;      /* the node directory */
    int busy_timeout_ms;  /* how long to wait for another sae-node process */
    int stall_timeout_s;  /* how long a sync tolerates a stalled link ($SAE_STALL_TIMEOUT_S) */
    const char *by;       /* --by NAME: who this command's changes are by, or NULL */
};

int cli_init(struct cli *cli, int argc, char **argv);
int cli_add(struct cli *cli, int argc, char **argv);
int cli_edit(struct cli *cli, int argc, char **argv);
int cli_delete(struct cli *cli, int argc, char **argv);
int cli_show(struct cli *cli, int argc, char **argv);
int cli_list(struct cli *cli, int argc, char **argv);
int cli_history(struct cli *cli, int argc, char **argv);
int cli_fields(struct cli *cli, int argc, char **argv);
int cli_check(struct cli *cli, int argc, char **argv);
int cli_status(struct cli *cli, int argc, char **argv);
int cli_enroll(struct cli *cli, int argc, char **argv);
int cli_sync(struct cli *cli, int argc, char **argv);
int cli_run(struct cli *cli, int argc, char **argv);
int cli_config(struct cli *cli, int argc, char **argv);
int cli_serve(struct cli *cli, int argc, char **argv);
int cli_users(struct cli *cli, int argc, char **argv);
int cli_backup(struct cli *cli, int argc, char **argv);
int cli_restore(struct cli *cli, int argc, char **argv);

/* Prints "sae-node: error: MESSAGE" on one line and returns the exit status for code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The exit status for an SAE code: 2 for bad input or usage, 1 for anything else. */
int cli_exit_status(int code);

#endif
