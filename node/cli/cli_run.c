/* sae-node run: keeps the post in sync (node/sync/sync_loop.h has the rounds, backoff and
 * log lines) until SIGTERM or SIGINT end it after the round in progress. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/hub_link.h"
#include "sync/sync_loop.h"
#include "sync/transport.h"

static struct sync_loop *running;

static void on_stop(int signal_number)
{
    (void)signal_number;
    if (running)
        sync_loop_stop(running);
}

void cli_log_line(void *context, const char *line)
{
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    (void)context;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    fprintf(stderr, "%ssae-node: %s\n", when, line);
}

/* run refuses a post without a bundle at once (serve waits for one instead). */
static int check_enrolled(struct cli *cli)
{
    struct node_store *store = NULL;
    struct hub_link link;
    int status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    int rc = hub_link_load(store, &link);
    if (rc == 0)
        hub_link_clear(&link);
    node_store_close(store);
    if (rc == SAE_ENOTFOUND)
        return cli_fail(SAE_ENOTINIT, "this post is not enrolled; run: sae-node enroll BUNDLE");
    return rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli);
}

int cli_run(struct cli *cli, int argc, char **argv)
{
    long interval = SYNC_LOOP_INTERVAL_DEFAULT_S;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_NUMBER("interval", 'i', &interval, NULL, 1, SYNC_LOOP_INTERVAL_MAX_S),
    };
    int status = CLI_OPTIONS("run", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "run takes options only: sae-node run [--interval SEC]");
    status = check_enrolled(cli);
    if (status != SAE_EXIT_OK)
        return status;
    struct sae_message why = {{0}};
    struct sync_loop_config config = {cli->dir, cli->busy_timeout_ms, cli->stall_timeout_s,
                                      (unsigned)interval, cli_log_line, NULL};
    int rc = transport_global_init();
    if (rc == 0)
        rc = sync_loop_create(&config, &running, &why);
    if (rc == 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_stop;
        sigaction(SIGTERM, &action, NULL);
        sigaction(SIGINT, &action, NULL);
        rc = sync_loop_run(running);
        struct sync_loop_state state;
        sync_loop_state(running, &state);
        status = rc == 0 ? SAE_EXIT_OK
                         : cli_fail(rc, "%s", rc == SAE_EREVOKED ? state.last_error
                                                                 : sae_error_name(rc));
    } else {
        status = cli_fail_store(rc, &why, cli);
    }
    struct sync_loop *loop = running;
    running = NULL;
    sync_loop_destroy(loop);
    transport_global_cleanup();
    return status;
}
