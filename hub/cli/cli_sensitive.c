/* A coordinator's commands on sensitive values, each proven by her password opening her wrap
 * of the district key (only an enabled coordinator holds one):
 *   sae-hub reports erase ID --as COORDINATOR --reason TEXT (store/erasure.h; the key itself
 *     is not needed and is wiped at once);
 *   sae-hub reports index --as COORDINATOR (store/name_index.h): the name index brought up
 *     to date in one run, which a large hub's searches would otherwise do a chunk at a time. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"
#include "sae/sae_secure_mem.h"
#include "store/erasure.h"
#include "store/name_index.h"

struct erase_input {
    const char *id_arg, *as, *reason;
};

static int parse_erase(int argc, char **argv, struct erase_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("as", 0, &in->as),
        SAE_CLI_OPT_TEXT("reason", 0, &in->reason),
    };
    int status = HUB_CLI_OPTIONS("reports erase", "reports", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1 || !in->as || !in->as[0])
        return hub_cli_fail(SAE_EINVAL, "reports erase takes one report and a coordinator: "
                            "sae-hub reports erase ID --as COORDINATOR --reason TEXT");
    in->id_arg = argv[optind];
    struct sae_message why = {{0}};
    if (erasure_check_reason(in->reason, &why) != 0)
        return hub_cli_fail(SAE_EINVAL, "--reason: %s", why.text);
    return SAE_EXIT_OK;
}

static int check_coordinator(const struct hub_cli *cli, struct hub_store *store,
                             const char *name)
{
    unsigned char *secret = NULL;
    int status = hub_cli_coordinator_key(cli, store, name, "nothing was erased", &secret);
    sae_secure_free(secret);
    return status;
}

int hub_cli_reports_erase(struct hub_cli *cli, int argc, char **argv)
{
    struct erase_input in;
    struct hub_store *store = NULL;
    char id[SAE_ID_TEXT_LEN + 1];
    int status = parse_erase(argc, argv, &in);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(store, in.id_arg, id);
    if (status == SAE_EXIT_OK)
        status = check_coordinator(cli, store, in.as);
    struct erasure_result result = {0};
    if (status == SAE_EXIT_OK) {
        struct sae_message why = {{0}};
        const struct erasure_request request = {id, in.as, in.reason, "cli",
                                                (int64_t)sae_wall_clock_ms()};
        int rc = erasure_erase(store, &request, &result, &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli);
    }
    if (status == SAE_EXIT_OK)
        printf("report %s erased by %s: %lld sealed copies deleted, %lld values marked "
               "erased%s; each post of its village wipes its own copies at its next sync\n",
               id, in.as, (long long)result.copies, (long long)result.values,
               result.wal_truncated ? "" : " (the WAL is truncated at the next checkpoint)");
    return hub_admin_finish(store, status);
}

/* The whole index in chunks of NAME_INDEX_CATCH_UP_VALUES, each its own transaction, so the
 * daemon's writes go between them. */
static int index_all(struct hub_store *store, const unsigned char *secret, size_t *values)
{
    bool behind = true;
    int rc = 0;
    *values = 0;
    while (rc == 0 && behind) {
        size_t opened = 0;
        rc = name_index_catch_up(store, secret, NAME_INDEX_CATCH_UP_VALUES, &behind, &opened);
        *values += opened;
    }
    return rc;
}

int hub_cli_reports_index(struct hub_cli *cli, int argc, char **argv)
{
    const char *as = NULL;
    const struct sae_cli_option options[] = {SAE_CLI_OPT_TEXT("as", 0, &as)};
    struct hub_store *store = NULL;
    unsigned char *secret = NULL;
    int status = HUB_CLI_OPTIONS("reports index", "reports", options, argc, argv);
    if (status == SAE_EXIT_OK && (argc != optind || !as || !as[0]))
        status = hub_cli_fail(SAE_EINVAL, "reports index takes a coordinator and nothing else: "
                              "sae-hub reports index --as COORDINATOR");
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_cli_coordinator_key(cli, store, as, "nothing was indexed", &secret);
    size_t values = 0;
    if (status == SAE_EXIT_OK) {
        int rc = index_all(store, secret, &values);
        status = rc == 0 ? SAE_EXIT_OK
                         : hub_cli_fail(rc, "cannot bring the name index up to date: %s",
                                        sae_error_name(rc));
    }
    sae_secure_free(secret);
    if (status == SAE_EXIT_OK)
        printf("name index up to date: %zu names read\n", values);
    return hub_admin_finish(store, status);
}
