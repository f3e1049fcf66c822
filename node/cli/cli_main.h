/* What both of the post's executables do with their arguments: sae-node (the journal, no
 * network: SQLite, libsodium and zlib) and sae-node-net (every command, with libcurl and
 * libmicrohttpd), which sae-node runs in its own place for the commands that need them. */
#ifndef CLI_MAIN_H
#define CLI_MAIN_H

#include <stddef.h>

#include "cli/cli.h"

/* The program that runs the commands sae-node has no code for, installed beside it. */
#define CLI_NET_PROGRAM "sae-node-net"

struct cli_command {
    const char *name;
    /* NULL: the command is sae-node-net's, which runs it with the same arguments */
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Parses the global options of argv, then runs the command it names from commands (count
 * of them); one whose run is NULL is handed to sae-node-net by exec. Returns the exit
 * status. */
int cli_main(int argc, char **argv, const struct cli_command *commands, size_t count);

#endif
