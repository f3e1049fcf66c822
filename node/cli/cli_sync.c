/* sae-node enroll and sync: the post's side of synchronisation with the district hub. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/hub_enroll.h"
#include "store/hub_link.h"
#include "store/node_config.h"
#include "store/node_village.h"
#include "sae/sae_hlc.h"
#include "cli/render.h"
#include "sync/sync.h"
#include "sync/transport.h"
#include "sae/sae_time.h"

static void print_result(const struct sync_result *r, bool json, int rc, const char *error);

static int stored_pins(struct node_store *store, char pins[SAE_PINS_TEXT_BYTES])
{
    struct hub_link stored;
    int rc = hub_link_load(store, &stored);
    if (rc == 0)
        snprintf(pins, SAE_PINS_TEXT_BYTES, "%s", stored.pins);
    if (rc == 0)
        hub_link_clear(&stored);
    return rc;
}

/* An enrolled post's new bundle is kept only once the hub takes it (PROTOCOL.md section 6,
 * enrollment rule 4): a revoked device brings any bundle in vain (the hub answers with its
 * sealed notice and the round wipes the post, section 8), and must keep its link and
 * its name. So the hub is asked at once, in a round that goes on as sync does; without a
 * connection the bundle is saved as for a first enrollment, and enrolls on the next sync. */
static int enroll_again(struct cli *cli, struct node_store *store, struct hub_link *link,
                        bool *saved)
{
    struct transport *transport = NULL;
    struct sync_result result;
    struct sae_message why = {{0}};
    struct transport_config config = {.hub_url = link->url, .pins = link->pins,
                                      .stall_seconds = cli->stall_timeout_s};
    char pins_before[SAE_PINS_TEXT_BYTES] = "";
    memset(&result, 0, sizeof result);
    int rc = stored_pins(store, pins_before);
    if (rc != 0)
        return cli_fail_store(rc, NULL, cli);
    rc = transport_global_init();
    if (rc == 0)
        rc = transport_create(&config, &transport, &why);
    bool asked = rc == 0;
    if (asked)
        rc = sync_round(store, transport, link, &result, &why);
    transport_destroy(transport);
    transport_global_cleanup();
    if (!asked)
        return cli_fail(rc, "cannot connect to the hub: %s", why.text[0] ? why.text
                                                                      : sae_error_name(rc));
    if (!result.enrolled_now && (rc == SAE_EIO || rc == SAE_EBUSY))
        return 0; /* not reached: saved as before */
    if (rc == SAE_EREVOKED) /* the hub's notice: the round wiped the post */
        return cli_fail(rc, "%s", why.text);
    if (!result.enrolled_now)
        return cli_fail(SAE_EINVAL, "the hub refused this bundle: %s; nothing was changed",
                        why.text[0] ? why.text : sae_error_name(rc));
    /* Enrolled: the token is spent; pins the round's pull announced replace the bundle's. */
    struct hub_link stored;
    int load = hub_link_load(store, &stored);
    if (load == 0) {
        if (strcmp(stored.pins, pins_before) != 0)
            snprintf(link->pins, sizeof link->pins, "%s", stored.pins);
        link->token[0] = '\0';
        link->enrolled_ms = stored.enrolled_ms;
        hub_link_clear(&stored);
        load = hub_enroll_save(store, link, &why);
    }
    if (load != 0)
        return cli_fail_store(load, NULL, cli);
    *saved = true;
    sync_record(store, rc, &why);
    print_result(&result, false, rc, why.text);
    if (rc != 0)
        printf("note: enrolled again, but the round did not finish: %s\n", why.text);
    return SAE_EXIT_OK;
}

int cli_enroll(struct cli *cli, int argc, char **argv)
{
    struct node_store *store = NULL;
    struct hub_link link;
    struct sae_message why = {{0}};
    bool renewal = false, saved = false;
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "enroll", SAE_EXIT_OK);
    if (argc != 2 || argv[1][0] == '-')
        return cli_fail(SAE_EINVAL, "enroll takes one bundle file: sae-node enroll BUNDLE");
    int rc = hub_link_read_bundle(argv[1], &link, &why);
    if (rc != 0)
        return cli_fail(rc, "%s", why.text);
    int status = cli_open(cli, &store);
    if (status == SAE_EXIT_OK) {
        rc = hub_enroll_check(store, &link, &why);
        if (rc == 0)
            rc = hub_enroll_is_renewal(store, &renewal);
        if (rc == SAE_EINVAL || rc == SAE_EEXIST)
            status = cli_fail(rc, "%s", why.text);
        else if (rc != 0)
            status = cli_fail_store(rc, NULL, cli);
    }
    if (status == SAE_EXIT_OK && renewal)
        status = enroll_again(cli, store, &link, &saved);
    if (status == SAE_EXIT_OK && !saved) {
        rc = hub_enroll_save(store, &link, &why);
        if (rc != 0)
            status = cli_fail_store(rc, NULL, cli);
        else
            printf("enrollment saved for hub %s; it completes on the next sync (works offline "
                   "until then)\n", link.url);
    }
    hub_link_clear(&link);
    node_store_close(store);
    return status;
}

static void print_result(const struct sync_result *r, bool json, int rc, const char *error)
{
    if (json) {
        json_t *o = json_pack("{s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "ok", rc == 0,
                              "enrolled_now", r->enrolled_now, "pushed", (json_int_t)r->pushed,
                              "set_aside", (json_int_t)r->set_aside, "pulled",
                              (json_int_t)r->pulled, "batches", (json_int_t)r->batches,
                              "bytes_sent", (json_int_t)r->bytes_sent, "clock_offset_ms",
                              (json_int_t)r->clock_offset_ms);
        if (o)
            json_object_set_new(o, "restamped", json_integer((json_int_t)r->restamped));
        if (o)
            json_object_set_new(o, "hub_restored", json_boolean(r->resent_after_restore));
        if (o)
            json_object_set_new(o, "granted", json_integer((json_int_t)r->granted));
        if (o)
            json_object_set_new(o, "erased", json_integer((json_int_t)r->erased));
        if (o && rc != 0)
            json_object_set_new(o, "error", json_string(error));
        render_json_print(stdout, o);
        return;
    }
    if (rc != 0)
        return;
    if (r->enrolled_now)
        printf("enrolled with the district hub\n");
    printf("synchronised: %zu change(s) sent in %zu batch(es), %zu received\n", r->pushed,
           r->batches, r->pulled);
    if (r->granted)
        printf("note: the district granted %zu value(s) this post had not been given\n",
               r->granted);
    if (r->erased)
        printf("note: the district erased report(s) at a survivor's request: %zu value(s) "
               "wiped on this post\n", r->erased);
    if (r->set_aside)
        printf("note: the hub set %zu change(s) aside; see: sae-node status\n", r->set_aside);
    if (r->restamped)
        printf("note: %zu change(s) written while the date was wrong were re-dated\n",
               r->restamped);
    if (r->resent_after_restore)
        printf("note: the hub was restored from a backup and lacked changes this post had "
               "sent; they were sent again\n");
    char warning[96];
    if (render_clock_warning(r->clock_offset_ms, warning, sizeof warning))
        printf("warning: %s; please set it right\n", warning);
}

/* On a terminal, rounds longer than one batch show how far they are; scripts see nothing. */
struct progress {
    uint64_t started_ms;
    bool shown;
};

static void show_progress(void *context, size_t sent, size_t total, size_t bytes)
{
    struct progress *p = context;
    if (!p->shown && sent >= total)
        return; /* done in one batch: nothing to show */
    double seconds = (double)(sae_wall_clock_ms() - p->started_ms) / SAE_MS_PER_SECOND;
    fprintf(stderr, "\rsending: %zu of %zu changes, %zu KiB, %.1f KiB/s   ", sent, total,
            bytes / 1024, seconds > 0 ? (double)bytes / 1024.0 / seconds : 0.0);
    p->shown = true;
    if (sent >= total)
        fputc('\n', stderr);
}

int cli_sync(struct cli *cli, int argc, char **argv)
{
    struct node_store *store = NULL;
    struct transport *transport = NULL;
    struct hub_link link;
    struct sync_result result;
    struct sae_message why = {{0}};
    bool json = false;
    const char *as = NULL;
    unsigned char *secret = NULL;
    const struct sae_cli_option options[] = {SAE_CLI_OPT_FLAG("json", 'j', &json),
                                             SAE_CLI_OPT_TEXT("as", 'a', &as)};
    int status = CLI_OPTIONS("sync", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "sync takes no arguments: sae-node sync [--json] "
                        "[--as STAFF]");
    status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    /* --as: changes whose copy for the hub must be made from a sealed value go too. */
    status = cli_lend_key(store, as, &secret);
    if (status != SAE_EXIT_OK) {
        node_store_close(store);
        return status;
    }
    int rc = hub_link_load(store, &link);
    if (rc == SAE_ENOTFOUND) {
        cli_return_key(store, secret);
        node_store_close(store);
        return cli_fail(SAE_ENOTINIT, "this post is not enrolled; run: sae-node enroll BUNDLE "
                        "with the bundle from the district");
    }
    struct transport_config config = {.hub_url = link.url, .pins = link.pins,
                                      .stall_seconds = cli->stall_timeout_s};
    struct progress progress = {sae_wall_clock_ms(), false};
    memset(&result, 0, sizeof result);
    if (!json && isatty(STDERR_FILENO)) {
        result.progress = show_progress;
        result.progress_context = &progress;
    }
    if (rc == 0)
        rc = transport_global_init();
    if (rc == 0)
        rc = transport_create(&config, &transport, &why);
    if (rc == 0)
        rc = sync_round(store, transport, &link, &result, &why);
    if (rc != SAE_ENOTFOUND)
        sync_record(store, rc, &why);
    print_result(&result, json, rc, why.text);
    transport_destroy(transport);
    transport_global_cleanup();
    hub_link_clear(&link);
    cli_return_key(store, secret);
    node_store_close(store);
    if (rc == 0)
        return SAE_EXIT_OK;
    /* Not reaching the hub is not bad input: the changes wait, exit 1. */
    return cli_fail(rc == SAE_EINVAL ? SAE_EIO : rc, "%s", why.text[0] ? why.text
                                                                    : sae_error_name(rc));
}
