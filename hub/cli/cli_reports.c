/* sae-hub reports list | show | edit | review: the merged reports of every village, every
 * version of each field, district corrections, and the district's review of a case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "merge/merge.h"
#include "sae/sae_cli_value.h"
#include "sae/sae_value_json.h"
#include "merge/merge_case_review.h"
#include "sae/sae_limits.h"
#include "sae/sae_plan.h"
#include "sae/sae_validate.h"
#include "sae/sae_wire_limits.h"

struct read_options {
    bool json;
    const char *village;
    const char *kind;
    const char *as; /* show: the coordinator whose password opens sensitive values */
};

/* --json for show and list; --village and --kind for list only. */
static int parse_read_options(int argc, char **argv, const char *command, bool list,
                              struct read_options *out)
{
    memset(out, 0, sizeof *out);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 0, &out->json),
        SAE_CLI_OPT_TEXT("village", 0, &out->village),
        SAE_CLI_OPT_TEXT("kind", 0, &out->kind),
        SAE_CLI_OPT_TEXT("as", 0, &out->as),
    };
    int status = HUB_CLI_OPTIONS(command, "reports", options, argc, argv);
    if (status == SAE_EXIT_OK && !list && (out->village || out->kind))
        return hub_cli_fail(SAE_EINVAL, "%s: --village and --kind are options of reports list",
                            command);
    if (status == SAE_EXIT_OK && list && out->as)
        return hub_cli_fail(SAE_EINVAL, "%s: lists show no sensitive value; --as is an option "
                            "of reports show", command);
    return status;
}

struct list_context {
    bool json;
    struct hub_json_stream stream;
    size_t count;
};

static int list_visit(const struct hub_report *report, void *context)
{
    struct list_context *list = context;
    list->count++;
    if (list->json)
        return hub_json_stream_item(&list->stream, hub_report_json(report));
    hub_report_line(stdout, report);
    return 0;
}

static int reports_list(struct hub_cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct hub_store *store = NULL;
    struct hub_report_filter filter = {.include_deleted = true};
    struct list_context list = {0};
    int status = parse_read_options(argc, argv, "reports list", true, &options);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "reports list takes no arguments; filter with "
                            "--village V or --kind K");
    if (options.kind && sae_catalogue_find_kind(options.kind, &filter.kind) != 0)
        return hub_cli_fail(SAE_EINVAL, "unknown kind \"%.40s\"; kinds: %s", options.kind,
                            hub_admin_kind_names());
    char village[SAE_AREA_CODE_BYTES];
    status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && options.village)
        status = hub_admin_village(store, "--village", options.village, village);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    filter.village = options.village ? village : NULL;
    list.json = options.json;
    int rc = list.json ? hub_json_stream_begin(&list.stream, stdout) : 0;
    if (rc == 0)
        rc = hub_report_list(store, &filter, list_visit, &list);
    if (rc == 0 && list.json)
        rc = hub_json_stream_end(&list.stream);
    if (rc == 0 && !list.json && list.count == 0)
        fprintf(stderr, "no reports%s yet; posts send theirs when they sync\n",
                options.village || options.kind ? " match" : "");
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}

/* Every version of each field as {field: [change, ...]}, in catalogue order. */
struct versions_context {
    bool json;
    const struct sae_kind *kind;
    json_t *versions;
    char last_field[SAE_FIELD_ELEMENT_NAME_BYTES]; /* a set element's name is the visit's */
};

static json_t *hex_or_null(uint64_t v, bool present)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)v);
    return present ? json_string(hex) : json_null();
}

static json_t *change_json(const struct sae_kind *kind, const struct hub_change *c)
{
    const struct sae_field *field = NULL;
    char time[SAE_HLC_TIME_LEN + 1];
    bool based = c->base.hlc != 0;
    sae_hlc_format_time(c->version.hlc, time);
    if (sae_catalogue_find_field(kind, c->field, &field) != 0)
        field = NULL;
    return json_pack("{s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:b, s:b, s:o, s:o}",
                     "value", sae_value_json(field, c->value), "version",
                     hex_or_null(c->version.hlc, true), "node",
                     hex_or_null(c->version.origin, true), "village", c->village, "time", time,
                     "author", c->author ? json_string(c->author) : json_null(), "device",
                     c->device ? json_string(c->device) : json_null(), "note",
                     c->note ? json_string(c->note) : json_null(), "district", c->district,
                     "by", hub_byline_json(c->author, c->device, c->version.hlc), "held",
                     c->held, "winner", c->winner, "base_version",
                     hex_or_null(c->base.hlc, based), "base_node",
                     hex_or_null(c->base.origin, based));
}

static int versions_visit(const struct hub_change *c, void *context)
{
    struct versions_context *v = context;
    if (!v->json) {
        if (strcmp(v->last_field, c->field) != 0)
            printf("  %s\n", c->field);
        snprintf(v->last_field, sizeof v->last_field, "%s", c->field);
        hub_change_text(stdout, v->kind, c);
        return 0;
    }
    json_t *list = json_object_get(v->versions, c->field);
    if (!list && (!(list = json_array()) || json_object_set_new(v->versions, c->field, list)))
        return SAE_ENOMEM;
    json_t *item = change_json(v->kind, c);
    return item && json_array_append_new(list, item) == 0 ? 0 : SAE_ENOMEM;
}

/* {field: [conflict id, ...]} of the report's open conflicts. */
static int conflicts_json(struct hub_store *store, const char *id, json_t **out)
{
    struct hub_open_conflict *items = NULL;
    size_t count = 0;
    json_t *object = json_object();
    int rc = object ? hub_report_open_conflicts(store, id, &items, &count) : SAE_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        json_t *list = json_object_get(object, items[i].field);
        if (!list && (!(list = json_array()) ||
                      json_object_set_new(object, items[i].field, list) != 0))
            rc = SAE_ENOMEM;
        if (rc == 0 && json_array_append_new(list, json_integer(items[i].id)) != 0)
            rc = SAE_ENOMEM;
    }
    free(items);
    if (rc != 0) {
        json_decref(object);
        return rc;
    }
    *out = object;
    return 0;
}

static int show_json(struct hub_store *store, const struct hub_report *report)
{
    struct versions_context v = {.json = true, .kind = report->kind, .versions = json_object()};
    json_t *object = hub_report_json(report), *conflicts = NULL;
    int rc = object && v.versions ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = hub_report_changes(store, report->id, versions_visit, &v);
    if (rc == 0)
        rc = conflicts_json(store, report->id, &conflicts);
    if (rc == 0 && (json_object_set_new(object, "versions", v.versions) != 0 ||
                    json_object_set_new(object, "conflicts", conflicts) != 0))
        rc = SAE_ENOMEM;
    v.versions = NULL;
    if (rc == 0)
        return hub_json_print(stdout, object);
    json_decref(v.versions);
    json_decref(object);
    return rc;
}

static int show_text(struct hub_store *store, const struct hub_report *report)
{
    struct versions_context v = {.json = false, .kind = report->kind};
    struct hub_open_conflict *items = NULL;
    size_t count = 0;
    hub_report_text(stdout, report);
    printf("Versi / versions (* current):\n");
    int rc = hub_report_changes(store, report->id, versions_visit, &v);
    if (rc == 0)
        rc = hub_report_open_conflicts(store, report->id, &items, &count);
    for (size_t i = 0; rc == 0 && i < count; i++)
        printf("Konflik / open conflict %lld on %s; see: sae-hub conflicts show %lld\n",
               (long long)items[i].id, items[i].field, (long long)items[i].id);
    free(items);
    return rc;
}

static int reports_show(struct hub_cli *cli, int argc, char **argv)
{
    struct read_options options;
    struct hub_store *store = NULL;
    struct hub_report *report = NULL;
    char id[SAE_ID_TEXT_LEN + 1];
    int status = parse_read_options(argc, argv, "reports show", false, &options);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "reports show takes one report id: sae-hub reports "
                            "show ID");
    const char *arg = argv[optind];
    cli->as = options.as;
    status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(store, arg, id);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    int rc = hub_read_begin(store);
    if (rc == 0)
        rc = hub_report_load(store, id, &report);
    if (rc == 0)
        rc = options.json ? show_json(store, report) : show_text(store, report);
    hub_read_end(store);
    hub_report_free(report);
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}

struct edit_input {
    const char *id_arg, *author;
    const char *args[SAE_LIMIT_CHANGES_PER_COMMAND];
    enum sae_edit_op ops[SAE_LIMIT_CHANGES_PER_COMMAND];
    bool from_file[SAE_LIMIT_CHANGES_PER_COMMAND];
    size_t count;
    bool stdin_taken; /* standard input gives one value per command */
};

/* --set-file is a set whose value a file or standard input holds. */
#define EDIT_SET_FILE (-1)

/* One --set, --set-file, --unset, --add or --remove (id its sae_edit_op), kept in the order
 * given. */
static int take_change(void *context, int id, const char *value)
{
    struct edit_input *in = context;
    if (in->count == SAE_LIMIT_CHANGES_PER_COMMAND)
        return hub_cli_fail(SAE_ETOOBIG, "too many changes in one command (limit %d)",
                            SAE_LIMIT_CHANGES_PER_COMMAND);
    const char *eq = strchr(value, '=');
    bool from_stdin = id == EDIT_SET_FILE && eq && strcmp(eq + 1, SAE_CLI_VALUE_STDIN) == 0;
    if (from_stdin && in->stdin_taken)
        return hub_cli_fail(SAE_EINVAL, "standard input gives one value per command; give "
                            "the others from files (--set-file FIELD=FILE)");
    in->stdin_taken |= from_stdin;
    in->from_file[in->count] = id == EDIT_SET_FILE;
    in->ops[in->count] = id == EDIT_SET_FILE ? SAE_EDIT_SET : (enum sae_edit_op)id;
    in->args[in->count++] = value;
    return SAE_EXIT_OK;
}

static int parse_edit(int argc, char **argv, struct edit_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_CALL("set", true, take_change, in, SAE_EDIT_SET),
        SAE_CLI_OPT_CALL("set-file", true, take_change, in, EDIT_SET_FILE),
        SAE_CLI_OPT_CALL("unset", true, take_change, in, SAE_EDIT_UNSET),
        SAE_CLI_OPT_CALL("add", true, take_change, in, SAE_EDIT_ADD),
        SAE_CLI_OPT_CALL("remove", true, take_change, in, SAE_EDIT_REMOVE),
        SAE_CLI_OPT_TEXT("by", 0, &in->author),
    };
    int status = HUB_CLI_OPTIONS("reports edit", "reports", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "reports edit takes one report id: sae-hub reports edit "
                            "ID --set FIELD=VALUE --by NAME");
    in->id_arg = argv[optind];
    if (in->count == 0)
        return hub_cli_fail(SAE_EINVAL, "reports edit needs --set FIELD=VALUE, --unset FIELD, "
                            "--add SET=CODE or --remove SET=CODE");
    return hub_admin_check_author("reports edit", in->author, NULL);
}

static void edits_free(struct sae_edit *edits, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(edits[i].value);
}

static bool element_op(enum sae_edit_op op)
{
    return op == SAE_EDIT_ADD || op == SAE_EDIT_REMOVE;
}

/* The field an option names; given once (a set may take several --add and --remove). */
static int edit_field(const struct hub_report *report, const char *name, enum sae_edit_op op,
                      const struct sae_edit *done, size_t done_count,
                      const struct sae_field **out, struct sae_message *why)
{
    if (sae_catalogue_find_field(report->kind, name, out) != 0) {
        sae_message_set(why, "%s reports have no field \"%.40s\" (tidak dikenal); every field "
                        "with its values: sae-node fields %s", report->kind->name, name,
                        report->kind->name);
        return SAE_ENOTFOUND;
    }
    for (size_t i = 0; i < done_count; i++) {
        if (done[i].field == *out && !(element_op(op) && element_op(done[i].op))) {
            sae_message_set(why, "field %s is given more than once; give it once", name);
            return SAE_EINVAL;
        }
    }
    return sae_edit_check(*out, op, why);
}

/* Validates one --set FIELD=VALUE, --set-file FIELD=PATH, --unset FIELD, --add or --remove
 * against report's kind. */
static int validate_change(struct hub_store *store, const struct hub_report *report,
                           const char *arg, enum sae_edit_op op, bool from_file,
                           const struct sae_edit *done, size_t done_count,
                           struct sae_edit *out, struct sae_message *why)
{
    bool unset = op == SAE_EDIT_UNSET;
    const char *eq = strchr(arg, '=');
    size_t name_len = unset ? strlen(arg) : (eq ? (size_t)(eq - arg) : 0);
    char name[SAE_WIRE_NAME_BYTES + 1];
    if (unset ? eq != NULL : eq == NULL) {
        sae_message_set(why, unset ? "--unset takes a field name alone: --unset FIELD"
                                   : "expected FIELD=VALUE, got \"%.40s\"", arg);
        return SAE_EINVAL;
    }
    if (name_len == 0 || name_len >= sizeof name) {
        sae_message_set(why, "missing or overlong field name in \"%.40s\"", arg);
        return SAE_EINVAL;
    }
    memcpy(name, arg, name_len);
    name[name_len] = '\0';
    out->op = op;
    out->value = NULL;
    int rc = edit_field(report, name, op, done, done_count, &out->field, why);
    if (rc != 0 || unset)
        return rc;
    struct hub_value_arg value = {eq + 1, from_file, "--set", "--set-file", true};
    return hub_admin_canonical_value(store, out->field, report->village, &value, &out->value,
                                     why);
}

/* The case an event belongs to, for the rules (NULL when none). */
static int load_case(struct hub_store *store, const char *case_id, struct hub_report **out)
{
    *out = NULL;
    int rc = case_id ? hub_report_load(store, case_id, out) : 0;
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

/* Plans the edits on the report's current view (rules, set elements) and writes each
 * planned change as one district edit. */
static int apply_edits(struct hub_cli *cli, struct hub_store *store,
                       const struct hub_report *report, const struct sae_edit *edits,
                       size_t count, const char *author)
{
    struct sae_message why = {{0}};
    struct sae_plan plan = {0};
    struct hub_report *kase = NULL;
    int64_t now = (int64_t)sae_wall_clock_ms();
    struct sae_plan_input in = {.kind = report->kind, .before = &report->view, .edits = edits,
                                .edit_count = count, .now_ms = now};
    int rc = load_case(store, sae_plan_case_id(&in), &kase);
    in.case_view = kase ? &kase->view : NULL;
    if (rc == 0)
        rc = sae_plan_make(&in, &plan, &why);
    hub_report_free(kase);
    size_t applied = 0;
    for (size_t i = 0; rc == 0 && i < plan.count; i++) {
        /* The plan compared with the view, where a sealed value is masked: the store
         * skips a repeat of the value held, sealed or not. */
        const struct merge_edit edit = {plan.writes[i].name, plan.writes[i].value};
        size_t written = 0;
        rc = merge_district_edits(store, report->id, &edit, 1, author, NULL, now, &written,
                                  &why);
        applied += written;
    }
    sae_plan_free(&plan);
    if (rc != 0) {
        if (applied > 0)
            fprintf(stderr, "sae-hub: %zu change(s) to %s were saved before this error\n",
                    applied, report->id);
        return hub_admin_fail_store(rc, &why, cli);
    }
    if (applied > 0)
        printf("saved %zu district change(s) to %s by %s; the posts of %s receive them on "
               "their next sync\n", applied, report->id, author,
               report->village_name ? report->village_name : report->village);
    else
        printf("nothing to change: %s already has these values\n", report->id);
    return SAE_EXIT_OK;
}

/* Every value is validated and the rules judged before anything is written, so bad input
 * changes nothing. */
static int reports_edit(struct hub_cli *cli, int argc, char **argv)
{
    struct edit_input in;
    struct hub_store *store = NULL;
    struct hub_report *report = NULL;
    struct sae_edit edits[SAE_LIMIT_CHANGES_PER_COMMAND];
    size_t count = 0;
    char id[SAE_ID_TEXT_LEN + 1];
    int status = parse_edit(argc, argv, &in);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(store, in.id_arg, id);
    if (status == SAE_EXIT_OK) {
        int rc = hub_report_load(store, id, &report);
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli);
    }
    if (status == SAE_EXIT_OK && report->deleted)
        status = hub_cli_fail(SAE_EDELETED, "report %s was deleted; deleted reports cannot be "
                              "edited", id);
    if (status == SAE_EXIT_OK && report->kind->append_only)
        status = hub_cli_fail(SAE_EINVAL, "%s reports are append-only events and cannot be "
                              "edited", report->kind->name);
    for (size_t i = 0; status == SAE_EXIT_OK && i < in.count; i++) {
        struct sae_message why = {{0}};
        int rc = validate_change(store, report, in.args[i], in.ops[i], in.from_file[i], edits,
                                 count, &edits[count], &why);
        if (rc == 0)
            count++;
        else
            status = hub_admin_fail_store(rc, &why, cli);
    }
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(store, in.author);
    if (status == SAE_EXIT_OK)
        status = apply_edits(cli, store, report, edits, count, in.author);
    if (status == SAE_EXIT_OK)
        status = hub_admin_audit(store, in.author, "report-edit", id);
    edits_free(edits, count);
    hub_report_free(report);
    return hub_admin_finish(store, status);
}

struct review_input {
    const char *id_arg, *state, *note, *author;
};

/* has-issues on the command line, has_issues as stored and sent. */
static const char *const review_states[][2] = {
    {"received", SAE_CASE_REVIEW_RECEIVED},
    {"has-issues", SAE_CASE_REVIEW_HAS_ISSUES},
    {"approved", SAE_CASE_REVIEW_APPROVED},
};

static int parse_review(int argc, char **argv, struct review_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("note", 0, &in->note),
        SAE_CLI_OPT_TEXT("by", 0, &in->author),
    };
    int status = HUB_CLI_OPTIONS("reports review", "reports", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 2)
        return hub_cli_fail(SAE_EINVAL, "reports review takes a case and a state: sae-hub "
                            "reports review ID received|has-issues|approved --by NAME");
    in->id_arg = argv[optind];
    for (size_t i = 0; i < sizeof review_states / sizeof review_states[0]; i++)
        if (strcmp(argv[optind + 1], review_states[i][0]) == 0)
            in->state = review_states[i][1];
    if (!in->state)
        return hub_cli_fail(SAE_EINVAL, "a review is received, has-issues or approved, not "
                            "\"%.40s\"", argv[optind + 1]);
    return hub_admin_check_author("reports review", in->author, in->note);
}

static int reports_review(struct hub_cli *cli, int argc, char **argv)
{
    struct review_input in;
    struct hub_store *store = NULL;
    char id[SAE_ID_TEXT_LEN + 1];
    int status = parse_review(argc, argv, &in);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(store, in.id_arg, id);
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(store, in.author);
    if (status == SAE_EXIT_OK) {
        struct sae_message why = {{0}};
        int rc = merge_case_review(store, id, in.state, in.note, in.author,
                                   (int64_t)sae_wall_clock_ms(), &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli);
    }
    if (status == SAE_EXIT_OK)
        status = hub_admin_audit(store, in.author, "case-review", id);
    if (status == SAE_EXIT_OK)
        printf("case %s reviewed by %s: %s%s\n", id, in.author, in.state,
               strcmp(in.state, SAE_CASE_REVIEW_HAS_ISSUES) == 0
                   ? "; the village's posts see the note on their next sync" : "");
    return hub_admin_finish(store, status);
}

int hub_cli_reports(struct hub_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "reports needs list, show, edit, review, erase or "
                            "index; see: sae-hub reports --help");
    const char *verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
        return hub_cli_usage(stdout, "reports", HUB_CLI_DONE);
    if (strcmp(verb, "list") == 0)
        return hub_cli_final(reports_list(cli, argc - 1, argv + 1));
    if (strcmp(verb, "show") == 0)
        return hub_cli_final(reports_show(cli, argc - 1, argv + 1));
    if (strcmp(verb, "edit") == 0)
        return hub_cli_final(reports_edit(cli, argc - 1, argv + 1));
    if (strcmp(verb, "review") == 0)
        return hub_cli_final(reports_review(cli, argc - 1, argv + 1));
    if (strcmp(verb, "erase") == 0)
        return hub_cli_final(hub_cli_reports_erase(cli, argc - 1, argv + 1));
    if (strcmp(verb, "index") == 0)
        return hub_cli_final(hub_cli_reports_index(cli, argc - 1, argv + 1));
    return hub_cli_fail(SAE_EINVAL, "unknown reports command \"%.40s\"; use list, show, edit, "
                        "review, erase or index", verb);
}
