/* sae-hub duplicates list | link | distinct: possible duplicates and a coordinator's
 * decisions (store/duplicates.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "render/render_console.h"
#include "store/duplicates.h"

/* The name-hash key of the hub directory, made on first use. */
static int load_key(const struct hub_cli *cli, uint8_t key[DUP_KEY_BYTES])
{
    int rc = dup_key_load(cli->dir, key);
    if (rc == SAE_EPERM)
        return hub_cli_fail(rc, "%s/%s can be read by other users; run: chmod 600 %s/%s",
                            cli->dir, DUP_KEY_FILE, cli->dir, DUP_KEY_FILE);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read or make the key %s/%s: %s", cli->dir,
                            DUP_KEY_FILE, sae_error_name(rc));
    return SAE_EXIT_OK;
}

struct list_options {
    bool json, without_names;
    long limit;
};

static int parse_list(int argc, char **argv, struct list_options *o)
{
    *o = (struct list_options){false, false, DUP_LIST_DEFAULT};
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 0, &o->json),
        SAE_CLI_OPT_FLAG("without-names", 0, &o->without_names),
        SAE_CLI_OPT_NUMBER("limit", 0, &o->limit, NULL, 1, DUP_LIST_MAX),
    };
    int status = HUB_CLI_OPTIONS("duplicates list", "duplicates", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "duplicates list takes no arguments");
    return SAE_EXIT_OK;
}

struct list_context {
    bool json;
    json_t *array;
    size_t count;
};

static int list_visit(const struct dup_pair *pair, void *context)
{
    struct list_context *l = context;
    l->count++;
    if (!l->json) {
        hub_dup_pair_line(stdout, pair);
        return 0;
    }
    json_t *item = hub_dup_pair_json(pair);
    return item && json_array_append_new(l->array, item) == 0 ? 0 : SAE_ENOMEM;
}

/* "12 high, 40 medium, 10000+ low waiting; 3 decided". */
static void print_totals(const struct dup_totals *t, size_t listed)
{
    const int64_t counts[] = {t->high, t->medium, t->low};
    const char *const names[] = {"high", "medium", "low"};
    for (int i = 0; i < 3; i++)
        printf("%s%lld%s %s", i ? ", " : "", (long long)counts[i],
               counts[i] >= DUP_COUNT_MAX ? "+" : "", names[i]);
    printf(" waiting; %lld decided%s\n", (long long)t->decided,
           listed < (size_t)(t->high + t->medium + t->low) ? " (more with --limit)" : "");
}

static int duplicates_list(struct hub_cli *cli, int argc, char **argv)
{
    struct list_options o;
    struct list_context l = {0};
    struct hub_store *store = NULL;
    struct dup_totals totals = {0};
    uint8_t key[DUP_KEY_BYTES];
    int status = parse_list(argc, argv, &o);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = load_key(cli, key);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    l.json = o.json;
    l.array = o.json ? json_array() : NULL;
    int rc = o.json && !l.array ? SAE_ENOMEM
                                : dup_list(store, key, !o.without_names, (size_t)o.limit,
                                           list_visit, &l, &totals);
    sodium_memzero(key, sizeof key);
    if (rc == 0 && o.json)
        rc = hub_json_print(stdout, hub_dup_list_json(l.array, &totals));
    else
        json_decref(l.array);
    if (rc == 0 && !o.json)
        print_totals(&totals, l.count);
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}

static int duplicates_decide(struct hub_cli *cli, int argc, char **argv, bool same)
{
    const char *command = same ? "duplicates link" : "duplicates distinct";
    const char *by = NULL, *note = NULL;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("by", 0, &by),
        SAE_CLI_OPT_TEXT("note", 0, &note),
    };
    struct hub_store *store = NULL;
    struct sae_message why = {{0}};
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1];
    int status = HUB_CLI_OPTIONS(command, "duplicates", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 2)
        return hub_cli_fail(SAE_EINVAL, "%s takes two cases: sae-hub %s A B --by NAME%s",
                            command, command, same ? "" : " --note TEXT");
    if (!same && !note)
        return hub_cli_fail(SAE_EINVAL, "duplicates distinct needs --note TEXT: why they are "
                            "two people");
    status = hub_admin_check_author(command, by, note);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(store, argv[optind], a);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(store, argv[optind + 1], b);
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(store, by);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    int rc = dup_decide(store, a, b, same, by, note, (int64_t)sae_wall_clock_ms(), &why);
    char target[2 * SAE_ID_TEXT_LEN + 2];
    snprintf(target, sizeof target, "%s %s", a, b);
    const char *action = same ? "duplicates-link" : "duplicates-distinct";
    int audited = rc == 0 ? hub_admin_audit(store, by, action, target) : SAE_EXIT_OK;
    if (audited != SAE_EXIT_OK)
        return hub_admin_finish(store, audited);
    if (rc == 0)
        printf(same ? "linked %s and %s as one survivor: monitoring counts her once; nothing "
                      "was merged\n"
                    : "kept %s and %s as two survivors; the pair is not proposed again\n", a, b);
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli));
}

int hub_cli_duplicates(struct hub_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "duplicates needs list, link or distinct; see: sae-hub "
                            "duplicates --help");
    const char *verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
        return hub_cli_usage(stdout, "duplicates", HUB_CLI_DONE);
    if (strcmp(verb, "list") == 0)
        return hub_cli_final(duplicates_list(cli, argc - 1, argv + 1));
    if (strcmp(verb, "link") == 0 || strcmp(verb, "distinct") == 0)
        return hub_cli_final(duplicates_decide(cli, argc - 1, argv + 1,
                                               strcmp(verb, "link") == 0));
    return hub_cli_fail(SAE_EINVAL, "unknown duplicates command \"%.40s\"; use list, link or "
                        "distinct", verb);
}
