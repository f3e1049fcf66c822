/* sae-node run: keeps the post in sync. A round at every interval; soon after a local change
 * when the hub was reachable; after a failure, jittered exponential backoff up to a cap,
 * never sooner than the hub's Retry-After. One log line per round on stderr. SIGTERM or
 * SIGINT end it after the round in progress. */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/hub_link.h"
#include "store/sync_state.h"
#include "sync/sync.h"
#include "sync/transport.h"
#include "sae/sae_time.h"

#define RUN_INTERVAL_DEFAULT_S 300
#define RUN_INTERVAL_MAX_S SAE_SECONDS_PER_DAY
/* After a failure: 5 s, 10 s, 20 s ... up to 30 minutes, each scaled by a random 0.5 to 1. */
#define RUN_BACKOFF_BASE_S 5
#define RUN_BACKOFF_CAP_S 1800
/* A local change is sent this long after it was made (changes made together go together). */
#define RUN_CHANGE_DELAY_S 5
#define RUN_TICK_MS 250

static volatile sig_atomic_t stop_requested;

static void on_stop(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    va_list args;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    va_start(args, fmt);
    fprintf(stderr, "%ssae-node: ", when);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
}

static int64_t last_own_seq(struct node_store *store)
{
    int64_t seq = 0;
    return sync_state_last_own_seq(store, &seq) == 0 ? seq : -1;
}

static unsigned backoff_seconds(unsigned failures, unsigned retry_after)
{
    unsigned delay = RUN_BACKOFF_BASE_S;
    for (unsigned i = 1; i < failures && delay < RUN_BACKOFF_CAP_S; i++)
        delay *= 2;
    if (delay > RUN_BACKOFF_CAP_S)
        delay = RUN_BACKOFF_CAP_S;
    /* Jitter: posts that lost the hub together do not all come back at the same second. */
    delay = delay / 2 + randombytes_uniform(delay / 2 + 1);
    return delay < retry_after ? retry_after : delay;
}

/* Waits up to seconds, waking early on a stop request, or (when wake_on_change) on a new
 * local change, which is then given RUN_CHANGE_DELAY_S to be joined by the next ones. */
static void wait_round(struct node_store *store, unsigned seconds, bool wake_on_change)
{
    int64_t seen = last_own_seq(store);
    struct timespec tick = {0, RUN_TICK_MS * SAE_NS_PER_MS};
    for (long waited = 0; !stop_requested && waited < (long)seconds * SAE_MS_PER_SECOND;
         waited += RUN_TICK_MS) {
        nanosleep(&tick, NULL);
        if (wake_on_change && waited % SAE_MS_PER_SECOND == 0 && last_own_seq(store) > seen) {
            seconds = (unsigned)(waited / SAE_MS_PER_SECOND) + RUN_CHANGE_DELAY_S;
            wake_on_change = false;
        }
    }
}

static int run_loop(struct node_store *store, struct transport *transport,
                    const struct hub_link *link, unsigned interval)
{
    unsigned failures = 0;
    while (!stop_requested) {
        struct sync_result result = {0};
        struct sae_message why = {{0}};
        int rc = sync_round(store, transport, link, &result, &why);
        sync_record(store, rc, &why);
        if (rc == 0) {
            failures = 0;
            log_line("sync ok: sent %zu change(s) in %zu batch(es), received %zu; next round "
                     "in %u s or soon after a new change", result.pushed, result.batches,
                     result.pulled, interval);
            wait_round(store, interval, true);
        } else {
            unsigned delay = backoff_seconds(++failures, result.retry_after_seconds);
            log_line("sync failed: %s; next try in %u s", why.text, delay);
            wait_round(store, delay, false);
        }
    }
    log_line("stopping: %s", "the round in progress finished");
    return SAE_EXIT_OK;
}

int cli_run(struct cli *cli, int argc, char **argv)
{
    struct node_store *store = NULL;
    struct transport *transport = NULL;
    struct hub_link link;
    struct sae_message why = {{0}};
    long interval = RUN_INTERVAL_DEFAULT_S;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_NUMBER("interval", 'i', &interval, NULL, 1, RUN_INTERVAL_MAX_S),
    };
    int status = CLI_OPTIONS("run", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "run takes options only: sae-node run [--interval SEC]");
    status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    int rc = hub_link_load(store, &link);
    if (rc != 0) {
        node_store_close(store);
        return rc == SAE_ENOTFOUND ? cli_fail(SAE_ENOTINIT, "this post is not enrolled; run: "
                                              "sae-node enroll BUNDLE")
                                   : cli_fail_store(rc, NULL, cli);
    }
    struct transport_config config = {.hub_url = link.url, .pins = link.pins,
                                      .stall_seconds = cli->stall_timeout_s};
    rc = transport_global_init();
    if (rc == 0)
        rc = transport_create(&config, &transport, &why);
    if (rc == 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_stop;
        sigaction(SIGTERM, &action, NULL);
        sigaction(SIGINT, &action, NULL);
        log_line("running: a round every %ld s with %s", interval, link.url);
        status = run_loop(store, transport, &link, (unsigned)interval);
    } else {
        status = cli_fail(rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    }
    transport_destroy(transport);
    transport_global_cleanup();
    hub_link_clear(&link);
    node_store_close(store);
    return status;
}
