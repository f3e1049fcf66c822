/* sae-hub months lock | list: a coordinator's approval of a month's figures (store/
 * month_lock.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "render/render_me.h"
#include "store/month_lock.h"

static int months_lock(struct hub_cli *cli, int argc, char **argv)
{
    struct hub_store *store = NULL;
    struct sae_message why = {{0}};
    const char *by = NULL;
    const struct sae_cli_option options[] = {SAE_CLI_OPT_TEXT("by", 0, &by)};
    int status = HUB_CLI_OPTIONS("months lock", "months", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "months lock takes one month: sae-hub months lock "
                            "YYYY-MM --by NAME");
    status = hub_admin_check_author("months lock", by, NULL);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(store, by);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    int rc = month_lock(store, argv[optind], by, (int64_t)sae_wall_clock_ms(), &why);
    int audited = rc == 0 ? hub_admin_audit(store, by, "month-lock", argv[optind]) : SAE_EXIT_OK;
    if (audited != SAE_EXIT_OK)
        return hub_admin_finish(store, audited);
    if (rc == 0)
        printf("locked %s by %s: its figures are kept as approved; later edits show as "
               "revisions in: sae-hub stats --month %s\n", argv[optind], by, argv[optind]);
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli));
}

struct list_context {
    struct hub_store *store;
    bool json;
    json_t *array;
    size_t count;
};

static int list_visit(const struct month_lock_info *info, void *context)
{
    struct list_context *l = context;
    struct month_revision *revisions = NULL;
    size_t count = 0;
    char time[SAE_HLC_TIME_LEN + 1];
    int rc = month_revisions(l->store, info->month, (int64_t)sae_wall_clock_ms(), &revisions,
                             &count);
    month_revisions_free(revisions, count);
    if (rc != 0)
        return rc;
    hub_format_ms(info->locked_ms, time);
    l->count++;
    if (!l->json) {
        printf("%s  locked by %s at %s  %zu revision(s)\n", info->month, info->locked_by, time,
               count);
        return 0;
    }
    json_t *item = json_pack("{s:s, s:s, s:s, s:I}", "month", info->month, "locked_by",
                             info->locked_by, "locked_at", time, "revisions", (json_int_t)count);
    return item && json_array_append_new(l->array, item) == 0 ? 0 : SAE_ENOMEM;
}

static int months_list(struct hub_cli *cli, int argc, char **argv)
{
    struct list_context l = {0};
    if (argc == 2 && strcmp(argv[1], "--json") == 0)
        l.json = true;
    else if (argc != 1)
        return hub_cli_fail(SAE_EINVAL, "months list takes only --json");
    int status = hub_cli_open(cli, &l.store);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(l.store, status);
    l.array = l.json ? json_array() : NULL;
    int rc = l.json && !l.array ? SAE_ENOMEM : month_lock_list(l.store, list_visit, &l);
    if (rc == 0 && l.json)
        rc = hub_json_print(stdout, l.array);
    else
        json_decref(l.array);
    if (rc == 0 && !l.json && l.count == 0)
        fprintf(stderr, "no month is locked yet; lock one with: sae-hub months lock YYYY-MM "
                "--by NAME\n");
    return hub_admin_finish(l.store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}

int hub_cli_months(struct hub_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "months needs lock or list; see: sae-hub months --help");
    const char *verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
        return hub_cli_usage(stdout, "months", HUB_CLI_DONE);
    if (strcmp(verb, "lock") == 0)
        return hub_cli_final(months_lock(cli, argc - 1, argv + 1));
    if (strcmp(verb, "list") == 0)
        return hub_cli_final(months_list(cli, argc - 1, argv + 1));
    return hub_cli_fail(SAE_EINVAL, "unknown months command \"%.40s\"; use lock or list", verb);
}
