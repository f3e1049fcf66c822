/* sae-node-net: every command of sae-node, with the network (libcurl) and the post app's
 * web server (libmicrohttpd) linked in. sae-node runs it, with the same arguments, for
 * enroll, sync, run and serve; the rest are here too, so that run by hand it is the whole
 * program. */
#include "cli/cli.h"
#include "cli/cli_main.h"

static const struct cli_command commands[] = {
    {"init", cli_init},       {"add", cli_add},         {"edit", cli_edit},
    {"delete", cli_delete},   {"show", cli_show},       {"list", cli_list},
    {"history", cli_history}, {"fields", cli_fields},   {"check", cli_check},
    {"status", cli_status},   {"enroll", cli_enroll},   {"sync", cli_sync},
    {"run", cli_run},         {"config", cli_config},   {"serve", cli_serve},
    {"users", cli_users},     {"backup", cli_backup},   {"restore", cli_restore},
};

int main(int argc, char **argv)
{
    return cli_main(argc, argv, commands, sizeof commands / sizeof commands[0]);
}
