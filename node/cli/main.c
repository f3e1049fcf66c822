/* sae-node: the village post's program. The journal's commands run here; those that need
 * the network or the web server (enroll, sync, run, serve) run in sae-node-net, installed
 * beside it, so that a command like `add` loads neither libcurl nor libmicrohttpd. */
#include "cli/cli.h"
#include "cli/cli_main.h"

static const struct cli_command commands[] = {
    {"init", cli_init},       {"add", cli_add},         {"edit", cli_edit},
    {"delete", cli_delete},   {"show", cli_show},       {"list", cli_list},
    {"history", cli_history}, {"fields", cli_fields},   {"check", cli_check},
    {"status", cli_status},   {"enroll", NULL},         {"sync", NULL},
    {"run", NULL},            {"config", cli_config},   {"serve", NULL},
    {"users", cli_users},     {"backup", cli_backup},   {"restore", cli_restore},
};

int main(int argc, char **argv)
{
    return cli_main(argc, argv, commands, sizeof commands / sizeof commands[0]);
}
