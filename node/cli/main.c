/* sae-node: the village post's program. Parses the global options and runs one command. */
#include <getopt.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/node_store.h"
#include "sae/sae_cli.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "sae/sae_harden.h"
#include "sae/sae_version.h"
#include "sync/transport.h"

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
    {"init", cli_init},       {"add", cli_add},         {"edit", cli_edit},
    {"delete", cli_delete},   {"show", cli_show},       {"list", cli_list},
    {"history", cli_history}, {"fields", cli_fields},   {"check", cli_check},
    {"status", cli_status},   {"enroll", cli_enroll},   {"sync", cli_sync},
    {"run", cli_run},         {"config", cli_config},   {"serve", cli_serve},
    {"users", cli_users},     {"backup", cli_backup},   {"restore", cli_restore},
};

int main(int argc, char **argv)
{
    static const struct option options[] = {{"dir", required_argument, NULL, 'd'},
                                            {"by", required_argument, NULL, 'b'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {0}};
    struct cli cli = {0};
    char *default_dir = NULL;
    int opt, status;
    /* Everything this program creates is private to the user: journals hold survivors' data. */
    umask(077);
    setlocale(LC_ALL, "C");
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:hd:", options, NULL)) != -1) {
        if (opt == 'h')
            return cli_usage(stdout, NULL, SAE_EXIT_OK);
        if (opt == 'V') {
            printf("sae-node %s\n", SAE_VERSION_STRING);
            return SAE_EXIT_OK;
        }
        if (opt == 'b' && sae_validate_name(optarg, SAE_LIMIT_PERSON_BYTES) != 0)
            return cli_fail(SAE_EINVAL, "--by must be a person's name: 1 to %d bytes of UTF-8 "
                            "on one line", SAE_LIMIT_PERSON_BYTES);
        if (opt == 'b')
            cli.by = optarg;
        else if (opt == 'd')
            cli.dir = optarg;
        else
            return cli_option_error(NULL, opt, argv);
    }
    if (optind >= argc)
        return cli_fail(SAE_EINVAL, "no command given; see: sae-node --help");
    const struct command *command = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, argv[optind]) == 0)
            command = &commands[i];
    if (!command)
        return cli_fail(SAE_EINVAL, "unknown command \"%.40s\"; see: sae-node --help",
                        argv[optind]);
    /* Before anything secret is read: no core dumps; the daemons not dumpable either. */
    bool daemon = strcmp(command->name, "serve") == 0 || strcmp(command->name, "run") == 0;
    if (sae_harden_process(daemon) != 0)
        return cli_fail(SAE_EIO, "cannot turn core dumps off (setrlimit, prctl)");
    if (sae_cli_busy_timeout(NODE_BUSY_TIMEOUT_MS_DEFAULT, &cli.busy_timeout_ms) != 0)
        return cli_fail(SAE_EINVAL, "SAE_BUSY_TIMEOUT_MS must be a number of milliseconds from 0 "
                        "to %d", SAE_BUSY_TIMEOUT_MS_MAX);
    if (sae_cli_env_int("SAE_STALL_TIMEOUT_S", 1, TRANSPORT_LOW_SPEED_TIME_MAX_S,
                        TRANSPORT_LOW_SPEED_TIME_S, &cli.stall_timeout_s) != 0)
        return cli_fail(SAE_EINVAL, "SAE_STALL_TIMEOUT_S must be a number of seconds from 1 "
                        "to %d", TRANSPORT_LOW_SPEED_TIME_MAX_S);
    /* Without any default, commands that need a directory say so; help and fields work. */
    if (!cli.dir && node_store_default_dir(&default_dir) == 0)
        cli.dir = default_dir;
    if (sodium_init() < 0) {
        free(default_dir);
        return cli_fail(SAE_ECRYPTO, "libsodium could not start");
    }
    status = command->run(&cli, argc - optind, argv + optind);
    free(default_dir);
    return status;
}
