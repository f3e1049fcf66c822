/* sae-hub: the district daemon and its admin command line. */
#include <getopt.h>
#include <locale.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_keys.h"
#include "sae/sae_cli.h"
#include "sae/sae_harden.h"
#include "sae/sae_version.h"

struct command {
    const char *name;
    int (*run)(struct hub_cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
    {"init", hub_cli_init},           {"serve", hub_cli_serve},   {"nodes", hub_cli_nodes},
    {"reports", hub_cli_reports},     {"conflicts", hub_cli_conflicts},
    {"export", hub_cli_export},       {"stats", hub_cli_stats},   {"tls", hub_cli_tls},
    {"villages", hub_cli_villages},   {"users", hub_cli_users},
    {"keys", hub_cli_keys},
    {"months", hub_cli_months},       {"duplicates", hub_cli_duplicates},
    {"referrals", hub_cli_referrals}, {"backup", hub_cli_backup}, {"restore", hub_cli_restore},
};

int main(int argc, char **argv)
{
    static const struct option options[] = {{"dir", required_argument, NULL, 'd'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {0}};
    struct hub_cli cli = {0};
    char *fallback_dir = NULL;
    int opt;
    /* Everything the hub creates is private: it holds every village's survivors' data. */
    umask(077);
    setlocale(LC_ALL, "C");
    /* SQLite counts every allocation under a global mutex for statistics the hub never
     * reads (no heap limit is set): 3% of ingest. Only before any other SQLite call. */
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        return hub_cli_fail(SAE_EDB, "cannot configure SQLite (SQLITE_CONFIG_MEMSTATUS)");
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:hd:", options, NULL)) != -1) {
        if (opt == 'h')
            return hub_cli_usage(stdout, NULL, SAE_EXIT_OK);
        if (opt == 'V') {
            printf("sae-hub %s\n", SAE_VERSION_STRING);
            return SAE_EXIT_OK;
        }
        if (opt != 'd')
            return hub_cli_option_error(NULL, opt, argv);
        cli.dir = optarg;
    }
    if (optind >= argc)
        return hub_cli_fail(SAE_EINVAL, "no command given; see: sae-hub --help");
    const struct command *command = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, argv[optind]) == 0)
            command = &commands[i];
    if (!command)
        return hub_cli_fail(SAE_EINVAL, "unknown command \"%.40s\"; see: sae-hub --help",
                            argv[optind]);
    /* Before anything secret is read: no core dumps; the daemon not dumpable either. */
    if (sae_harden_process(strcmp(command->name, "serve") == 0) != 0)
        return hub_cli_fail(SAE_EIO, "cannot turn core dumps off (setrlimit, prctl)");
    if (sae_cli_busy_timeout(HUB_BUSY_TIMEOUT_MS_DEFAULT, &cli.busy_timeout_ms) != 0)
        return hub_cli_fail(SAE_EINVAL, "SAE_BUSY_TIMEOUT_MS must be a number of milliseconds "
                            "from 0 to %d", SAE_BUSY_TIMEOUT_MS_MAX);
    if (!cli.dir && sae_cli_default_dir("SAE_HUB_DIR", "sae-hub", &fallback_dir) == 0)
        cli.dir = fallback_dir;
    if (sodium_init() < 0) {
        free(fallback_dir);
        return hub_cli_fail(SAE_ECRYPTO, "libsodium could not start");
    }
    int status = command->run(&cli, argc - optind, argv + optind);
    free(fallback_dir);
    return hub_cli_final(status);
}
