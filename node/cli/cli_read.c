/* Commands that read: show, list, history, fields, check, status. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/journal_check.h"
#include "store/node_config.h"
#include "cli/render.h"
#include "store/report_read.h"
#include "store/node_staff.h"
#include "store/storage_key.h"
#include "store/sync_state.h"

/* Parses the options every read command shares: --json, and for list --kind/--deleted.
 * Positional arguments are left in argv[optind..]. */
struct read_options {
    bool json;
    bool deleted;
    const char *kind;
    const char *as;        /* --as STAFF: open sensitive values with their key */
    unsigned char *secret; /* that key, lent to the store until finish */
};

static int parse_read_options(int argc, char **argv, const char *command, bool list_options,
                              struct read_options *out)
{
    memset(out, 0, sizeof *out);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 'j', &out->json),
        SAE_CLI_OPT_TEXT("kind", 'k', &out->kind),
        SAE_CLI_OPT_FLAG("deleted", 0, &out->deleted),
        SAE_CLI_OPT_TEXT("as", 'a', &out->as),
    };
    int status = CLI_OPTIONS(command, options, argc, argv);
    if (status == SAE_EXIT_OK && !list_options && (out->kind || out->deleted))
        return cli_fail(SAE_EINVAL, "%s: --kind and --deleted are options of list", command);
    if (status == SAE_EXIT_OK && out->as && strcmp(command, "show") != 0 &&
        strcmp(command, "list") != 0 && strcmp(command, "history") != 0)
        return cli_fail(SAE_EINVAL, "%s: --as is an option of show, list and history", command);
    return status;
}

/* Parses options and the single ID argument, opens the store and resolves the id. */
static int open_with_id(struct cli *cli, int argc, char **argv, const char *command,
                        struct read_options *options, struct node_store **store,
                        char id[SAE_ID_TEXT_LEN + 1])
{
    int status = parse_read_options(argc, argv, command, false, options);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return cli_fail(SAE_EINVAL, "%s takes one report id: sae-node %s ID", command, command);
    const char *arg = argv[optind];
    status = cli_open(cli, store);
    if (status == SAE_EXIT_OK)
        status = cli_resolve(*store, arg, id);
    if (status == SAE_EXIT_OK)
        status = cli_lend_key(*store, options->as, &options->secret);
    return status;
}

static int finish(struct node_store *store, struct read_options *options, int status)
{
    cli_return_key(store, options->secret);
    options->secret = NULL;
    node_store_close(store);
    if (status == SAE_EXIT_OK && fflush(stdout) != 0)
        return cli_fail(SAE_EIO, "cannot write the output");
    return cli_final(status);
}

int cli_show(struct cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct node_store *store = NULL;
    struct report *report = NULL;
    char id[SAE_ID_TEXT_LEN + 1];
    int status = open_with_id(cli, argc, argv, "show", &options, &store, id);
    if (status == SAE_EXIT_OK) {
        int rc = report_load(store, id, &report);
        if (rc == 0 && options.json)
            rc = render_json_print(stdout, render_report_json(report));
        else if (rc == 0)
            render_report_text(stdout, report);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli);
    }
    report_free(report);
    return finish(store, &options, status);
}

struct list_context {
    bool json;
    json_t *array;
    size_t count;
};

static int list_visit(const struct report *report, void *context)
{
    struct list_context *list = context;
    list->count++;
    if (!list->json) {
        render_report_line(stdout, report);
        return 0;
    }
    json_t *object = render_report_json(report);
    return object && json_array_append_new(list->array, object) == 0 ? 0 : SAE_ENOMEM;
}

int cli_list(struct cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct node_store *store = NULL;
    const struct sae_kind *kind = NULL;
    struct list_context list = {0};
    int status = parse_read_options(argc, argv, "list", true, &options);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "list takes no arguments; filter with --kind KIND");
    if (options.kind && sae_catalogue_find_kind(options.kind, &kind) != 0)
        return cli_fail(SAE_EINVAL, "unknown kind \"%.40s\"; kinds: %s", options.kind,
                        cli_kind_names());
    status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    status = cli_lend_key(store, options.as, &options.secret);
    if (status != SAE_EXIT_OK)
        return finish(store, &options, status);
    list.json = options.json;
    list.array = options.json ? json_array() : NULL;
    int rc = options.json && !list.array ? SAE_ENOMEM : 0;
    if (rc == 0)
        rc = report_list(store, kind, options.deleted, list_visit, &list);
    if (rc == 0 && options.json) {
        rc = render_json_print(stdout, list.array);
        list.array = NULL;
    }
    json_decref(list.array);
    if (rc == 0 && !options.json && list.count == 0)
        fprintf(stderr, "no reports yet; record one with: sae-node add KIND --set FIELD=VALUE\n");
    return finish(store, &options, rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli));
}

struct history_context {
    bool json;
    json_t *array;
};

static int history_visit(const struct history_entry *entry, void *context)
{
    struct history_context *history = context;
    if (!history->json) {
        render_history_text(stdout, entry);
        return 0;
    }
    json_t *object = render_history_json(entry);
    return object && json_array_append_new(history->array, object) == 0 ? 0 : SAE_ENOMEM;
}

int cli_history(struct cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct node_store *store = NULL;
    struct history_context history = {0};
    char id[SAE_ID_TEXT_LEN + 1];
    int status = open_with_id(cli, argc, argv, "history", &options, &store, id);
    if (status != SAE_EXIT_OK)
        return finish(store, &options, status);
    history.json = options.json;
    history.array = options.json ? json_array() : NULL;
    int rc = options.json && !history.array ? SAE_ENOMEM : 0;
    if (rc == 0)
        rc = report_history(store, id, history_visit, &history);
    if (rc == 0 && options.json) {
        rc = render_json_print(stdout, history.array);
        history.array = NULL;
    }
    json_decref(history.array);
    return finish(store, &options, rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli));
}

/* The catalogue is compiled in: fields works without an initialised directory. */
int cli_fields(struct cli *cli, int argc, char **argv)
{
    struct read_options options;
    const struct sae_kind *kind = NULL;
    (void)cli;
    int status = parse_read_options(argc, argv, "fields", false, &options);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (argc - optind > 1)
        return cli_fail(SAE_EINVAL, "fields takes at most one kind: sae-node fields [KIND]");
    if (argc - optind == 1 && sae_catalogue_find_kind(argv[optind], &kind) != 0)
        return cli_fail(SAE_EINVAL, "unknown kind \"%.40s\"; kinds: %s", argv[optind],
                        cli_kind_names());
    if (options.json) {
        int rc = render_json_print(stdout, render_catalogue_json(kind));
        if (rc != 0)
            return cli_fail(rc, "cannot write the catalogue");
    } else {
        render_catalogue_text(stdout, kind);
    }
    return finish(NULL, &options, SAE_EXIT_OK);
}

int cli_check(struct cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct node_store *store = NULL;
    struct journal_check_result result;
    int status = parse_read_options(argc, argv, "check", false, &options);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (optind != argc || options.json)
        return cli_fail(SAE_EINVAL, "check takes no arguments: sae-node check");
    status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    int rc = journal_check(store, &result);
    if (rc != 0)
        return finish(store, &options, cli_fail_store(rc, NULL, cli));
    if (result.problems > 0) {
        fprintf(stderr, "sae-node: error: journal check failed: %s (%lld problem(s) in all); "
                "keep a copy of %s and ask the district for help\n", result.first_problem,
                (long long)result.problems, cli->dir);
        return finish(store, &options, SAE_EXIT_OTHER);
    }
    printf("journal ok: %lld changes replay to the current state of %lld reports\n",
           (long long)result.changes_checked, (long long)result.reports_checked);
    return finish(store, &options, SAE_EXIT_OK);
}

static json_t *time_or_null(int64_t ms)
{
    char text[SAE_HLC_TIME_LEN + 1];
    sae_hlc v = 0;
    if (ms <= 0 || sae_hlc_pack((uint64_t)ms, 0, &v) != 0)
        return json_null();
    sae_hlc_format_time(v, text);
    return json_string(text);
}

static json_t *text_or_null(const char *text)
{
    return text && text[0] ? json_string(text) : json_null();
}

/* Who can open the post's storage key: still unclaimed in storage.key, or held by this
 * many staff members' wraps. */
struct key_state {
    bool unclaimed;
    int64_t holders;
    int64_t waiting; /* changes whose copy for the hub waits for a passphrase */
};

static int read_key_state(struct node_store *store, struct key_state *out)
{
    int rc = storage_key_is_unclaimed(store, &out->unclaimed);
    if (rc == 0)
        rc = node_staff_key_count(store, false, &out->holders);
    return rc == 0 ? sync_state_waiting_for_key(store, &out->waiting) : rc;
}

static int status_json(const struct node_store *store, const struct journal_status *s,
                       const struct node_config *c, const struct key_state *k)
{
    char origin[17], clock[SAE_HLC_HEX_LEN + 1];
    render_origin(store->origin, origin);
    sae_hlc_format_hex(s->clock, clock);
    json_t *object = json_pack("{s:s, s:o, s:b, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:o,"
                               " s:o, s:o, s:I, s:I, s:s}",
                               "village", store->village, "village_name",
                               c->village_listed ? json_string(c->village_label) : json_null(),
                               "village_listed", c->village_listed, "device_name",
                               text_or_null(c->device_name), "author", text_or_null(c->author),
                               "origin", origin, "dir", store->dir,
                               "reports", (json_int_t)s->reports, "deleted",
                               (json_int_t)s->deleted, "changes", (json_int_t)s->changes,
                               "pending", (json_int_t)s->pending, "enrolled", s->enrolled,
                               "hub", s->linked ? json_string(s->hub_url) : json_null(),
                               "last_sync", time_or_null(s->last_sync_ms), "last_error",
                               s->last_error[0] ? json_string(s->last_error) : json_null(),
                               "clock_offset_ms", (json_int_t)s->clock_offset_ms, "set_aside",
                               (json_int_t)s->set_aside, "clock", clock);
    if (object &&
        (json_object_set_new(object, "storage_key",
                             json_string(k->unclaimed ? "unclaimed" : "wrapped")) != 0 ||
         json_object_set_new(object, "key_holders", json_integer(k->holders)) != 0 ||
         json_object_set_new(object, "waiting_for_key", json_integer(k->waiting)) != 0)) {
        json_decref(object);
        return SAE_ENOMEM;
    }
    return render_json_print(stdout, object);
}

static void status_text(const struct node_store *store, const struct journal_status *s,
                        const struct node_config *c, const struct key_state *k)
{
    char origin[17], when[SAE_HLC_TIME_LEN + 1] = "never";
    sae_hlc v = 0;
    render_origin(store->origin, origin);
    if (s->last_sync_ms > 0 && sae_hlc_pack((uint64_t)s->last_sync_ms, 0, &v) == 0)
        sae_hlc_format_time(v, when);
    if (c->village_listed)
        printf("Desa / village:     %s, %s\n", c->village_label, store->village);
    else
        printf("Desa / village:     %s (not in the list of areas; fix it with: sae-node config "
               "village CODE-OR-NAME)\n", store->village);
    printf("Perangkat / device: %s%s(%s)\n", c->device_name, c->device_name[0] ? " " : "",
           origin);
    printf("Penulis / author:   %s\n", c->author[0] ? c->author
                                       : "not set (sae-node config author NAME)");
    printf("Direktori / dir:    %s\n", store->dir);
    printf("Laporan / reports:  %lld (%lld deleted)\n", (long long)s->reports,
           (long long)s->deleted);
    printf("Jurnal / journal:   %lld changes\n", (long long)s->changes);
    printf("Menunggu / pending: %lld changes not yet acknowledged by the district hub\n",
           (long long)s->pending);
    if (k->waiting > 0 && !k->unclaimed)
        printf("Menunggu kunci / waiting for a key: %lld change(s) and those after them wait "
               "for a staff member's passphrase: run sae-node sync --as STAFF\n",
               (long long)k->waiting);
    if (!s->linked)
        printf("Hub:                not enrolled (run: sae-node enroll BUNDLE)\n");
    else
        printf("Hub:                %s%s\n", s->hub_url,
               s->enrolled ? "" : " (enrollment completes on the next sync)");
    printf("Sinkron / synced:   %s\n", when);
    if (s->last_error[0])
        printf("Masalah / problem:  %s\n", s->last_error);
    if (s->set_aside)
        printf("Disisihkan / set aside: %lld change(s) the hub refused or holds for review\n",
               (long long)s->set_aside);
    char warning[96];
    if (render_clock_warning(s->clock_offset_ms, warning, sizeof warning))
        printf("Jam / clock:        %s; please set it right\n", warning);
    if (k->unclaimed)
        printf("Kunci / key:        no head holds the post's storage key yet, so it waits in "
               "storage.key; add the head: sae-node users add NAME --role head\n");
    else
        printf("Kunci / key:        opened by the passphrase of %lld staff member(s)\n",
               (long long)k->holders);
}

/* Why the hub set a change aside, in plain words: what the staff can do about it. */
static const char *set_aside_words(int code)
{
    switch (code) {
    case SAE_STATUS_CLOCK_AHEAD:
        return "ditahan: tanggal komputer salah saat dicatat / held: the computer's date was "
               "wrong when it was written; sent again once the clock is right";
    case SAE_STATUS_WRONG_VILLAGE:
        return "ditolak: laporan milik desa lain, isiannya tidak salah / refused: the report "
               "is recorded as another village's, the entry is not wrong; ask the district";
    case SAE_STATUS_INVALID_CHANGE:
        return "ditolak: isian tidak sah / refused: the value is not valid; check and correct "
               "the case";
    case SAE_STATUS_LIMIT_EXCEEDED:
    case SAE_STATUS_TOO_LARGE:
        return "ditolak: terlalu panjang / refused: too long";
    default:
        return "disisihkan / set aside";
    }
}

static int print_set_aside(const struct sync_set_aside *entry, void *context)
{
    (void)context;
    const char *number = entry->case_number[0] ? entry->case_number : entry->report_id;
    printf("  %s %s: %s (%s)\n", number, entry->field, set_aside_words(entry->code),
           entry->message);
    return 0;
}

int cli_status(struct cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct node_store *store = NULL;
    struct journal_status s;
    int status = parse_read_options(argc, argv, "status", false, &options);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "status takes no arguments: sae-node status [--json]");
    status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    struct node_config config;
    struct key_state key;
    int rc = report_status(store, &s);
    if (rc == 0)
        rc = node_config_read(store, &config);
    if (rc == 0)
        rc = read_key_state(store, &key);
    if (rc == 0 && options.json)
        rc = status_json(store, &s, &config, &key);
    else if (rc == 0)
        status_text(store, &s, &config, &key);
    if (rc == 0 && !options.json && s.set_aside)
        rc = sync_state_list_set_aside(store, print_set_aside, NULL);
    return finish(store, &options, rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli));
}
