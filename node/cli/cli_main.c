/* The global options and the hand-over to sae-node-net. The split keeps what `add` and the
 * other journal commands load small: libcurl and libmicrohttpd bring about 30 shared
 * objects whose loading and relocation cost more than the write itself (issue 14). */
#include "cli/cli_main.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_common.h"
#include "store/node_store.h"
#include "sae/sae_cli.h"
#include "sae/sae_harden.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "sae/sae_version.h"
#include "sync/transport.h"

/* path receives the directory of the running executable + "/" + CLI_NET_PROGRAM. The
 * kernel's link, not argv[0] or PATH: the two programs are installed together, and a
 * PATH search could run another build's (or someone else's) program with the journal. */
static int net_program_path(char path[PATH_MAX])
{
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self);
    if (length <= 0 || (size_t)length >= sizeof self)
        return SAE_EIO;
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return SAE_EIO;
    *slash = '\0';
    int written = snprintf(path, PATH_MAX, "%s/%s", self, CLI_NET_PROGRAM);
    return written > 0 && written < PATH_MAX ? 0 : SAE_EIO;
}

/* Replaces this process by sae-node-net with the same arguments and environment (the pid
 * stays: a supervisor or test that signals it reaches the command). Returns only on
 * failure. */
static int exec_net_program(const char *command, char **argv)
{
    char path[PATH_MAX];
    if (net_program_path(path) != 0)
        return cli_fail(SAE_EIO, "\"%s\" runs in %s, which cannot be found: /proc/self/exe "
                        "is not readable; mount /proc", command, CLI_NET_PROGRAM);
    execv(path, argv);
    return cli_fail(SAE_EIO, "\"%s\" runs in %s, which must be installed beside sae-node "
                    "(%s: %s); install both programs (make install)", command,
                    CLI_NET_PROGRAM, path, strerror(errno));
}

static const struct cli_command *find_command(const struct cli_command *commands,
                                              size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* The global options into cli; optind is left at the command. Returns -1 to go on, else
 * the exit status (help, version or a bad option). */
static int parse_global_options(int argc, char **argv, struct cli *cli)
{
    static const struct option options[] = {{"dir", required_argument, NULL, 'd'},
                                            {"by", required_argument, NULL, 'b'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {0}};
    int opt;
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
            cli->by = optarg;
        else if (opt == 'd')
            cli->dir = optarg;
        else
            return cli_option_error(NULL, opt, argv);
    }
    return -1;
}

/* Hardening, the environment's settings and libsodium, then the command. */
static int run_command(struct cli *cli, const struct cli_command *command, int argc,
                       char **argv)
{
    char *default_dir = NULL;
    /* Before anything secret is read: no core dumps; the daemons not dumpable either. */
    bool daemon = strcmp(command->name, "serve") == 0 || strcmp(command->name, "run") == 0;
    if (sae_harden_process(daemon) != 0)
        return cli_fail(SAE_EIO, "cannot turn core dumps off (setrlimit, prctl)");
    if (sae_cli_busy_timeout(NODE_BUSY_TIMEOUT_MS_DEFAULT, &cli->busy_timeout_ms) != 0)
        return cli_fail(SAE_EINVAL, "SAE_BUSY_TIMEOUT_MS must be a number of milliseconds from 0 "
                        "to %d", SAE_BUSY_TIMEOUT_MS_MAX);
    if (sae_cli_env_int("SAE_STALL_TIMEOUT_S", 1, TRANSPORT_LOW_SPEED_TIME_MAX_S,
                        TRANSPORT_LOW_SPEED_TIME_S, &cli->stall_timeout_s) != 0)
        return cli_fail(SAE_EINVAL, "SAE_STALL_TIMEOUT_S must be a number of seconds from 1 "
                        "to %d", TRANSPORT_LOW_SPEED_TIME_MAX_S);
    /* Without any default, commands that need a directory say so; help and fields work. */
    if (!cli->dir && node_store_default_dir(&default_dir) == 0)
        cli->dir = default_dir;
    if (sodium_init() < 0) {
        free(default_dir);
        return cli_fail(SAE_ECRYPTO, "libsodium could not start");
    }
    int status = command->run(cli, argc, argv);
    free(default_dir);
    return status;
}

int cli_main(int argc, char **argv, const struct cli_command *commands, size_t count)
{
    struct cli cli = {0};
    /* Everything this program creates is private to the user: journals hold survivors' data. */
    umask(077);
    setlocale(LC_ALL, "C");
    int status = parse_global_options(argc, argv, &cli);
    if (status >= 0)
        return status;
    if (optind >= argc)
        return cli_fail(SAE_EINVAL, "no command given; see: sae-node --help");
    const struct cli_command *command = find_command(commands, count, argv[optind]);
    if (!command)
        return cli_fail(SAE_EINVAL, "unknown command \"%.40s\"; see: sae-node --help",
                        argv[optind]);
    if (!command->run)
        return exec_net_program(command->name, argv);
    return run_command(&cli, command, argc - optind, argv + optind);
}
