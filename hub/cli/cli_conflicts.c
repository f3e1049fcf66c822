/* sae-hub conflicts list | show | resolve | dismiss: concurrent changes that need a coordinator. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "merge/merge.h"

/* More candidates than this cannot exist in one conflict in practice; it bounds --keep. */
#define KEEP_MAX 100000

/* A positive decimal number, nothing else. */
static int parse_positive(const char *text, long long max, long long *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return SAE_EINVAL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < 1 || value > max)
        return SAE_EINVAL;
    *out = value;
    return 0;
}

static int parse_conflict_id(const char *command, const char *text, int64_t *out)
{
    long long id = 0;
    if (parse_positive(text, INT64_MAX, &id) != 0)
        return hub_cli_fail(SAE_EINVAL, "%s: \"%.40s\" is not a conflict id (a number; see: "
                            "sae-hub conflicts list)", command, text);
    *out = (int64_t)id;
    return SAE_EXIT_OK;
}

static int load_conflict(struct hub_cli *cli, struct hub_store *store, int64_t id,
                         struct hub_conflict **out)
{
    int rc = hub_conflict_load(store, id, out);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(rc, "no conflict has id %" PRId64 "; list them with: sae-hub "
                            "conflicts list --all", id);
    return rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli);
}

struct read_options {
    bool json, all;
    const char *as; /* the coordinator whose password opens sensitive values */
};

static int parse_read_options(int argc, char **argv, const char *command, bool list,
                              struct read_options *out)
{
    memset(out, 0, sizeof *out);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 0, &out->json),
        SAE_CLI_OPT_FLAG("all", 0, &out->all),
        SAE_CLI_OPT_TEXT("as", 0, &out->as),
    };
    int status = HUB_CLI_OPTIONS(command, "conflicts", options, argc, argv);
    if (status == SAE_EXIT_OK && !list && out->all)
        return hub_cli_fail(SAE_EINVAL, "%s: --all is an option of conflicts list", command);
    return status;
}

struct list_context {
    bool json;
    struct hub_json_stream stream;
    size_t count;
};

static int list_visit(const struct hub_conflict *conflict, void *context)
{
    struct list_context *list = context;
    list->count++;
    if (list->json)
        return hub_json_stream_item(&list->stream, hub_conflict_json(conflict));
    hub_conflict_line(stdout, conflict);
    return 0;
}

static int conflicts_list(struct hub_cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct hub_store *store = NULL;
    struct list_context list = {0};
    int status = parse_read_options(argc, argv, "conflicts list", true, &options);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "conflicts list takes no arguments: sae-hub conflicts "
                            "list [--all] [--json]");
    cli->as = options.as;
    status = hub_cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    list.json = options.json;
    int rc = hub_read_begin(store);
    if (rc == 0 && list.json)
        rc = hub_json_stream_begin(&list.stream, stdout);
    if (rc == 0)
        rc = hub_conflict_list(store, options.all, list_visit, &list);
    if (rc == 0 && list.json)
        rc = hub_json_stream_end(&list.stream);
    hub_read_end(store);
    if (rc == 0 && !list.json && list.count == 0)
        fprintf(stderr, "no %sconflicts\n", options.all ? "" : "open ");
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}

static int conflicts_show(struct hub_cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct hub_store *store = NULL;
    struct hub_conflict *conflict = NULL;
    int64_t id = 0;
    int status = parse_read_options(argc, argv, "conflicts show", false, &options);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "conflicts show takes one conflict id: sae-hub "
                            "conflicts show ID");
    status = parse_conflict_id("conflicts show", argv[optind], &id);
    cli->as = options.as;
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK) {
        int rc = hub_read_begin(store);
        status = rc == 0 ? load_conflict(cli, store, id, &conflict)
                         : hub_admin_fail_store(rc, NULL, cli);
        hub_read_end(store);
    }
    if (status == SAE_EXIT_OK && options.json) {
        int rc = hub_json_print(stdout, hub_conflict_json(conflict));
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli);
    } else if (status == SAE_EXIT_OK) {
        hub_conflict_text(stdout, conflict);
    }
    hub_conflict_free(conflict);
    return hub_admin_finish(store, status);
}

struct resolve_input {
    const char *id_arg, *keep_arg, *value, *value_file, *author, *note;
    bool unset;
    int keep;
};

static int parse_resolve(int argc, char **argv, struct resolve_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("keep", 0, &in->keep_arg), SAE_CLI_OPT_TEXT("value", 0, &in->value),
        SAE_CLI_OPT_TEXT("value-file", 0, &in->value_file),
        SAE_CLI_OPT_FLAG("unset", 0, &in->unset),   SAE_CLI_OPT_TEXT("by", 0, &in->author),
        SAE_CLI_OPT_TEXT("note", 0, &in->note),
    };
    int status = HUB_CLI_OPTIONS("conflicts resolve", "conflicts", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "conflicts resolve takes one conflict id: sae-hub "
                            "conflicts resolve ID --keep N --by NAME");
    in->id_arg = argv[optind];
    if ((in->keep_arg != NULL) + (in->value != NULL) + (in->value_file != NULL) + in->unset != 1)
        return hub_cli_fail(SAE_EINVAL, "conflicts resolve needs exactly one of --keep N, "
                            "--value V, --value-file FILE or --unset");
    long long keep = 0;
    if (in->keep_arg && parse_positive(in->keep_arg, KEEP_MAX, &keep) != 0)
        return hub_cli_fail(SAE_EINVAL, "--keep takes a candidate number (1, 2, ...; see: "
                            "sae-hub conflicts show ID), got \"%.40s\"", in->keep_arg);
    in->keep = (int)keep;
    return hub_admin_check_author("conflicts resolve", in->author, in->note);
}

/* Checks the choice against the conflict before anything is written: the candidate
 * exists, the value is valid for the field. A resolved conflict or a delete conflict is
 * left to merge_resolve, whose refusal names what to do. */
static int check_choice(struct hub_cli *cli, struct hub_store *store,
                        const struct hub_conflict *k, const struct resolve_input *in,
                        char **canonical)
{
    struct sae_field_ref ref;
    struct sae_message why = {{0}};
    bool tombstone = strcmp(k->field, SAE_FIELD_TOMBSTONE) == 0;
    if (tombstone && in->value_file)
        return hub_cli_fail(SAE_EINVAL, "conflict %" PRId64 " is about a deletion; --value-file "
                            "is for a field's value: give --keep N", k->id);
    if ((!k->open || tombstone) && !in->value_file)
        return SAE_EXIT_OK;
    if (in->keep_arg && (size_t)in->keep > k->candidate_count)
        return hub_cli_fail(SAE_EINVAL, "conflict %" PRId64 " has %zu candidates; --keep takes "
                            "1 to %zu (see: sae-hub conflicts show %" PRId64 ")", k->id,
                            k->candidate_count, k->candidate_count, k->id);
    if (in->keep_arg)
        return SAE_EXIT_OK;
    /* A field, or one element of a set ("violence_types/sexual": "1" or unset). */
    if (sae_catalogue_resolve(k->kind, k->field, &ref) != 0)
        return hub_cli_fail(SAE_ECORRUPT, "conflict %" PRId64 " is on field %s, which %s "
                            "reports do not have", k->id, k->field, k->kind->name);
    if (in->unset && ref.field->required && !ref.element)
        return hub_cli_fail(SAE_EINVAL, "%s is required and cannot be unset; keep a candidate "
                            "or give --value", ref.field->name);
    if (in->unset)
        return SAE_EXIT_OK;
    if (ref.element && in->value_file)
        return hub_cli_fail(SAE_EINVAL, "%s is one element of a set: give --value 1 to keep it "
                            "in the set or --unset to take it out", k->field);
    if (ref.element) {
        char message[SAE_VALIDATE_MESSAGE_BYTES];
        if (sae_validate_ref(&ref, in->value, strlen(in->value), canonical, message) == 0)
            return SAE_EXIT_OK;
        return hub_cli_fail(SAE_EINVAL, "%s: %s (an element is 1 while in the set; --unset "
                            "takes it out)", k->field, message);
    }
    struct hub_value_arg value = {in->value_file ? in->value_file : in->value,
                                  in->value_file != NULL, "--value", "--value-file", false};
    int rc = hub_admin_canonical_value(store, ref.field, k->village, &value, canonical, &why);
    return rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli);
}

static bool sensitive(const struct hub_conflict *k)
{
    struct sae_field_ref ref;
    return sae_catalogue_resolve(k->kind, k->field, &ref) == 0 && ref.field->sensitive;
}

/* What the resolution did, from the conflict as stored after it; a sensitive value is not
 * repeated on the screen. */
static void print_resolution(const struct hub_conflict *k, const struct resolve_input *in)
{
    char version[SAE_HLC_HEX_LEN + 1];
    const char *value = k->has_resolution ? k->resolution_value : NULL;
    sae_hlc_format_hex(k->resolution_version.hlc, version);
    printf("conflict %" PRId64 " resolved by %s: ", k->id, in->author);
    if (in->keep_arg)
        printf("kept candidate %d; ", in->keep);
    if (strcmp(k->field, SAE_FIELD_TOMBSTONE) == 0)
        printf("report %s %s", k->report_id, value ? "stays deleted" : "is restored");
    else if (value && sensitive(k))
        printf("%s is now the value given (rahasia / sensitive: not shown)", k->field);
    else if (value && strchr(value, '\n'))
        printf("%s is now %zu bytes of text", k->field, strlen(value));
    else
        printf("%s is now %s", k->field, value ? value : "(unset)");
    printf(" (new version %s); the posts of %s receive it on their next sync\n", version,
           k->village_name ? k->village_name : k->village);
}

static int conflicts_resolve(struct hub_cli *cli, int argc, char **argv)
{
    struct resolve_input in;
    struct hub_store *store = NULL;
    struct hub_conflict *conflict = NULL;
    char *canonical = NULL;
    int64_t id = 0;
    int status = parse_resolve(argc, argv, &in);
    if (status == SAE_EXIT_OK)
        status = parse_conflict_id("conflicts resolve", in.id_arg, &id);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = load_conflict(cli, store, id, &conflict);
    if (status == SAE_EXIT_OK)
        status = check_choice(cli, store, conflict, &in, &canonical);
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(store, in.author);
    if (status == SAE_EXIT_OK) {
        struct sae_message why = {{0}};
        /* merge_resolve checks a raw value itself where check_choice left it. */
        const char *value = canonical ? canonical : in.value;
        int rc = merge_resolve(store, id, in.keep, value, in.unset,
                               in.author, in.note, (int64_t)sae_wall_clock_ms(), &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli);
        if (status == SAE_EXIT_OK) {
            char target[32];
            snprintf(target, sizeof target, "conflict %" PRId64, id);
            status = hub_admin_audit(store, in.author, "conflict-resolve", target);
        }
    }
    hub_conflict_free(conflict);
    conflict = NULL;
    if (status == SAE_EXIT_OK)
        status = load_conflict(cli, store, id, &conflict);
    if (status == SAE_EXIT_OK)
        print_resolution(conflict, &in);
    hub_conflict_free(conflict);
    free(canonical);
    return hub_admin_finish(store, status);
}

struct dismiss_input {
    const char *id_arg, *author, *note;
};

static int parse_dismiss(int argc, char **argv, struct dismiss_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("by", 0, &in->author),
        SAE_CLI_OPT_TEXT("note", 0, &in->note),
    };
    int status = HUB_CLI_OPTIONS("conflicts dismiss", "conflicts", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "conflicts dismiss takes one conflict id: sae-hub "
                            "conflicts dismiss ID --by NAME");
    in->id_arg = argv[optind];
    return hub_admin_check_author("conflicts dismiss", in->author, in->note);
}

static void print_dismissal(const struct hub_conflict *k, const char *author, bool wrote)
{
    const char *value = k->has_winner ? k->winner_value : NULL;
    printf("conflict %" PRId64 " dismissed by %s: %s stays %s", k->id, author, k->field,
           !value ? "(unset)" : strchr(value, '\n') ? "as it is" : value);
    if (wrote)
        printf(" (written again as a new version, so the posts of %s show it too)\n",
               k->village_name ? k->village_name : k->village);
    else
        printf(" (no new version: the posts of %s show it already)\n",
               k->village_name ? k->village_name : k->village);
}

static int conflicts_dismiss(struct hub_cli *cli, int argc, char **argv)
{
    struct dismiss_input in;
    struct hub_store *store = NULL;
    struct hub_conflict *conflict = NULL;
    int64_t id = 0;
    bool wrote = false;
    int status = parse_dismiss(argc, argv, &in);
    if (status == SAE_EXIT_OK)
        status = parse_conflict_id("conflicts dismiss", in.id_arg, &id);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(store, in.author);
    if (status == SAE_EXIT_OK) {
        struct sae_message why = {{0}};
        int rc = merge_dismiss(store, id, NULL, in.author, in.note,
                               (int64_t)sae_wall_clock_ms(), &wrote, &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli);
    }
    if (status == SAE_EXIT_OK) {
        char target[32];
        snprintf(target, sizeof target, "conflict %" PRId64, id);
        status = hub_admin_audit(store, in.author, "conflict-dismiss", target);
    }
    if (status == SAE_EXIT_OK)
        status = load_conflict(cli, store, id, &conflict);
    if (status == SAE_EXIT_OK)
        print_dismissal(conflict, in.author, wrote);
    hub_conflict_free(conflict);
    return hub_admin_finish(store, status);
}

int hub_cli_conflicts(struct hub_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "conflicts needs list, show, resolve or dismiss; see: "
                            "sae-hub conflicts --help");
    const char *verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
        return hub_cli_usage(stdout, "conflicts", HUB_CLI_DONE);
    if (strcmp(verb, "list") == 0)
        return hub_cli_final(conflicts_list(cli, argc - 1, argv + 1));
    if (strcmp(verb, "show") == 0)
        return hub_cli_final(conflicts_show(cli, argc - 1, argv + 1));
    if (strcmp(verb, "resolve") == 0)
        return hub_cli_final(conflicts_resolve(cli, argc - 1, argv + 1));
    if (strcmp(verb, "dismiss") == 0)
        return hub_cli_final(conflicts_dismiss(cli, argc - 1, argv + 1));
    return hub_cli_fail(SAE_EINVAL, "unknown conflicts command \"%.40s\"; use list, show, "
                        "resolve or dismiss", verb);
}
